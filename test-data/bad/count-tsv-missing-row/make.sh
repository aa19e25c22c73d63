#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# CFSPOT: the cfspot binary (default: cfspot on PATH).
"${CFSPOT:-cfspot}" count ../../mini.bam -o counts.tsv 2>/dev/null
# Then: its second row (line 3, NRAS_Q61L) is removed.
awk "NR != 3" counts.tsv > short.tsv
rm counts.tsv
