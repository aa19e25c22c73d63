#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A gzip-compressed TSV panel cut to its first 30 bytes.
printf "contig\tpos\tref\talt\nchr12\t25245350\tC\tT\nchr12\t25245351\tC\tA\n" | gzip -9n | head -c 30 > panel.tsv.gz
