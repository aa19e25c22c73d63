#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# The hand-made reads of test-data, as BAM in their SAM order (not sorted),
# without an index (indexing them is what fails).
samtools view -b -o unsorted.bam ../../mini.sam
