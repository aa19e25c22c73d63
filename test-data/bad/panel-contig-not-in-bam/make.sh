#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A TSV panel on a contig the BAM header lacks.
printf "contig\tpos\tref\talt\nchrZ\t100\tC\tT\n" > panel.tsv
