#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A TSV panel whose REF (G) is not the reference base (C) at KRAS G12.
printf "contig\tpos\tref\talt\nchr12\t25245350\tG\tT\n" > panel.tsv
