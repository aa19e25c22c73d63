#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# test-data/mini.bam with one byte of its compressed records inverted (the
# BGZF block no longer inflates), beside the index of the good file.
python3 -c "
import sys
d = bytearray(open(\"../../mini.bam\", \"rb\").read())
d[300] ^= 0xff
open(\"corrupt.bam\", \"wb\").write(d)"
samtools index -c ../../mini.bam -o corrupt.bam.csi
