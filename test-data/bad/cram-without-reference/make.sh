#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A real CRAM (samtools, against a made-up 200 bp contig c1), given
# without --reference; the panel is on c1.
awk 'BEGIN { srand(7); printf ">c1\n"; for (i = 0; i < 200; i++) printf "%s", substr("ACGT", int(rand() * 4) + 1, 1); print "" }' > ref.fa
seq=$(sed -n 2p ref.fa | cut -c 51-80)
printf "@SQ\tSN:c1\tLN:200\nr1\t0\tc1\t51\t60\t30M\t*\t0\t0\t%s\t*\n" "$seq" > reads.sam
samtools view -C -T ref.fa -o reads.cram reads.sam
samtools index reads.cram
b=$(echo "$seq" | cut -c 10)  # c1:60, the 10th base of the read
alt=A; [ "$b" = A ] && alt=C
printf "contig\tpos\tref\talt\nc1\t60\t%s\t%s\n" "$b" "$alt" > panel.tsv
rm reads.sam ref.fa.fai
