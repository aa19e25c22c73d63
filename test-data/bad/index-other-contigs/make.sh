#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# reads.bam: 20 reads on a 2 kb contig c1. Its index is that of another
# BAM, whose header lists c1 and c2 (samtools refuses the pair).
awk 'BEGIN { srand(11); for (i = 0; i < 2000; i++) printf "%s", substr("ACGT", int(rand() * 4) + 1, 1); print "" }' > seq.txt
s=$(cat seq.txt)
{ printf "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:c1\tLN:2000\n"
  for i in $(seq 0 19); do p=$((1001 + i)); printf "r%d\t0\tc1\t%d\t60\t30M\t*\t0\t0\t%s\t*\n" "$i" "$p" "$(echo "$s" | cut -c $p-$((p + 29)))"; done; } > reads.sam
samtools view -b -o reads.bam reads.sam
{ printf "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:c1\tLN:2000\n@SQ\tSN:c2\tLN:2000\n"; grep -v '^@' reads.sam; } | samtools view -b -o other.bam -
samtools index other.bam
mv other.bam.bai reads.bam.bai
printf "contig\tpos\tref\talt\nc1\t1015\t%s\tN\n" "$(echo "$s" | cut -c 1015)" | sed 's/\tN$/\tT/' > panel.tsv
[ "$(cut -f3 panel.tsv | tail -1)" = T ] && sed -i '$ s/\tT$/\tA/' panel.tsv
rm reads.sam other.bam seq.txt
