#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
rec() { printf "@%s\n%s\n+\n%s\n" "$1" "$2" "$3"; }
# R2 ends after one record, R1 has two.
{ rec f1 ACGTACGTAC IIIIIIIIII; rec f2 ACGTACGTAC IIIIIIIIII; } > r1.fq
rec f1 ACGTACGTAC IIIIIIIIII > r2.fq
