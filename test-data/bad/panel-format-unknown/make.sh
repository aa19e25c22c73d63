#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# Text that is none of VCF, TSV (no contig/pos header) or BED.
printf "just some words\nand more\n" > panel.txt
