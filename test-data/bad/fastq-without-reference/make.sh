#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
rec() { printf "@%s\n%s\n+\n%s\n" "$1" "$2" "$3"; }
# A good FASTQ and a TSV panel (not the demo, so no demo reference), no --reference.
rec r1 ACGTACGTAC IIIIIIIIII > reads.fq
printf "contig\tpos\tref\talt\nchr12\t25245350\tC\tT\n" > panel.tsv
