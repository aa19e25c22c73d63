#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# The reads of panel-site-beyond-contig (c1 is 2000 bp in their header)
# with a reference whose c1 holds the same bases but stops at 1990.
cp ../panel-site-beyond-contig/reads.bam ../panel-site-beyond-contig/reads.bam.bai .
printf ">c1\n%s\n" "$(awk 'BEGIN { srand(11); for (i = 0; i < 2000; i++) printf "%s", substr("ACGT", int(rand() * 4) + 1, 1); print "" }' | cut -c 1-1990)" > ref.fa
samtools faidx ref.fa
printf "contig\tpos\tref\talt\nc1\t1015\tC\tT\n" > panel.tsv
