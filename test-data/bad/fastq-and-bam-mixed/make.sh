#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# One FASTQ record, given as R1 with test-data/mini.bam as R2.
printf '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n' > r1.fq
