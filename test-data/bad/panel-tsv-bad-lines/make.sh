#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A TSV panel with a negative pos (line 2) and an ALT that is not bases (line 3).
printf "contig\tpos\tref\talt\nchr12\t-5\tC\tT\nchr12\t25245350\tC\tZ\n" > bad.tsv
