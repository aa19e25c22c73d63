#!/bin/sh
# Text that is neither alignments nor FASTQ, read from stdin.
cd "$(dirname "$0")" && printf 'hello\nworld\n' > stdin
