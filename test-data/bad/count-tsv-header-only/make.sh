#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# The header line of a cfspot count TSV, and no rows.
"${CFSPOT:-cfspot}" count ../../mini.bam | head -n 1 > header.tsv
