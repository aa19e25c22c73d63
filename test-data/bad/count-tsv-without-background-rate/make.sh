#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# CFSPOT: the cfspot binary (default: cfspot on PATH).
"${CFSPOT:-cfspot}" count ../../mini.bam -o counts.tsv 2>/dev/null
# A good count TSV, given to call without --background-rate.
