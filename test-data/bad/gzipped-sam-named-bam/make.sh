#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# test-data/mini.sam compressed with plain gzip and named .bam.
gzip -n -c ../../mini.sam > reads.bam
