#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# The reads of index-other-contigs (contig c1, 2000 bp) with their own
# index; the panel's second site is at c1:2001, past the contig's end.
cp ../index-other-contigs/reads.bam .
samtools index reads.bam
printf "contig\tpos\tref\talt\nc1\t1015\tC\tT\nc1\t2001\tA\tG\n" > panel.tsv
