#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A TSV panel with its header and no sites.
printf "contig\tpos\tref\talt\n" > panel.tsv
