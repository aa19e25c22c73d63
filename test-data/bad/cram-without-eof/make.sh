#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# The CRAM of cram-without-reference with its last 38 bytes (CRAM 3's EOF
# container) cut off, its index and reference beside it.
cp ../cram-without-reference/ref.fa ../cram-without-reference/panel.tsv ../cram-without-reference/reads.cram.crai .
f=../cram-without-reference/reads.cram
head -c $(($(wc -c < $f) - 38)) $f > reads.cram
samtools faidx ref.fa
