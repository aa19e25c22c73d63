#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
rec() { printf "@%s\n%s\n+\n%s\n" "$1" "$2" "$3"; }
# 200 records, gzip-compressed, cut short in the middle of the stream.
i=0; while [ $i -lt 200 ]; do rec r$i ACGTACGTACGGTACCATGA IIIIIIIIIIIIIIIIIIII; i=$((i + 1)); done | gzip -9n > full.fq.gz
head -c $(( $(wc -c < full.fq.gz) / 2 )) full.fq.gz > reads.fq.gz
rm full.fq.gz
