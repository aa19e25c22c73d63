#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# SAM text where BAM is expected: the hand-made reads of test-data.
cp ../../mini.sam reads.sam
