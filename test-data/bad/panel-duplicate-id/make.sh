#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A TSV panel whose two sites share the id A (lines 2 and 3).
printf "contig\tpos\tref\talt\tid\nchr12\t25245350\tC\tT\tA\nchr12\t25245351\tC\tA\tA\n" > panel.tsv
