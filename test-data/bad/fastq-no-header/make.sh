#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
rec() { printf "@%s\n%s\n+\n%s\n" "$1" "$2" "$3"; }
# Record 2 starts with ">" (FASTA style) instead of "@".
{ rec r1 ACGTACGTAC IIIIIIIIII; printf ">r2\nACGTACGTAC\n+\nIIIIIIIIII\n"; } > reads.fq
