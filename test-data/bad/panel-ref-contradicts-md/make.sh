#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# reads.bam: 20 reads on a 2 kb contig c1 with MD tags (samtools calmd
# against the contig). The panel's REF at c1:1015 is not the contig's base
# there, and no --reference is given: the reads' MD tags contradict it.
awk 'BEGIN { srand(11); for (i = 0; i < 2000; i++) printf "%s", substr("ACGT", int(rand() * 4) + 1, 1); print "" }' > seq.txt
s=$(cat seq.txt)
printf ">c1\n%s\n" "$s" > c1.fa
{ printf "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:c1\tLN:2000\n"
  for i in $(seq 0 19); do p=$((1001 + i)); printf "r%d\t0\tc1\t%d\t60\t30M\t*\t0\t0\t%s\t*\n" "$i" "$p" "$(echo "$s" | cut -c $p-$((p + 29)))"; done; } > reads.sam
samtools calmd -b reads.sam c1.fa > reads.bam 2>/dev/null
samtools index reads.bam
b=$(echo "$s" | cut -c 1015)
wrong=$(echo ACGT | tr -d "$b" | cut -c 1)
alt=$(echo ACGT | tr -d "$b$wrong" | cut -c 1)
printf "contig\tpos\tref\talt\nc1\t1015\t%s\t%s\n" "$wrong" "$alt" > panel.tsv
rm reads.sam seq.txt c1.fa c1.fa.fai 2>/dev/null || true
cp reads.bam stdin
