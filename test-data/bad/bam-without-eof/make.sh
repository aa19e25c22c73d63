#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# test-data/mini.bam without its 28-byte BGZF end-of-file block, with the
# index of the whole file.
head -c $(( $(wc -c < ../../mini.bam) - 28 )) ../../mini.bam > noeof.bam
samtools index -c ../../mini.bam -o noeof.bam.csi
