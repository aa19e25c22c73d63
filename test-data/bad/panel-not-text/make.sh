#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# Bytes that are not UTF-8, given as a panel.
printf "contig\tpos\n\000\377\376binary\n" > panel.tsv
