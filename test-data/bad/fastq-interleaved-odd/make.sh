#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# One FASTQ whose first two records are mates (f1/1, f1/2), so read as
# interleaved, then a third record without its mate.
rec() { printf "@%s\n%s\n+\n%s\n" "$1" "$2" "$3"; }
{ rec f1/1 ACGTACGTAC IIIIIIIIII; rec f1/2 ACGTACGTAC IIIIIIIIII; rec f2/1 ACGTACGTAC IIIIIIIIII; } > reads.fq
