#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A gzip FASTQ that holds no bytes (gzip, not BGZF: no end-of-file block).
gzip -n -c < /dev/null > empty.fq.gz
