#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A reference with one 4 bp chr12 for the demo panel (whose sites lie on
# chr1, chr3, chr7, chr11, chr12 and chr17), indexed (cfspot would build the
# .fai otherwise).
printf ">chr12\nACGT\n" > ref.fa
samtools faidx ref.fa
