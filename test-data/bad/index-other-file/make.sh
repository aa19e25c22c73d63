#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# reads.bam: the reads of index-other-contigs. Its index is that of
# another BAM with the same contig but a longer header (a @CO line), so
# every offset in it points where reads.bam holds no record.
cp ../index-other-contigs/reads.bam ../index-other-contigs/panel.tsv .
{ samtools view -H reads.bam; printf "@CO\t%s\n" "$(printf '%03000d' 0)"; samtools view reads.bam; } | samtools view -b -o other.bam -
samtools index other.bam
mv other.bam.bai reads.bam.bai
rm other.bam
