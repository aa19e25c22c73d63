#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# CFSPOT: the cfspot binary (default: cfspot on PATH).
"${CFSPOT:-cfspot}" count ../../mini.bam -o counts.tsv 2>/dev/null
# Then: the depth of its second row (line 3) is not a number.
awk -F "\t" "BEGIN { OFS = \"\t\" } NR == 3 { \$6 = \"abc\" } { print }" counts.tsv > bad.tsv
rm counts.tsv
