#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
rec() { printf "@%s\n%s\n+\n%s\n" "$1" "$2" "$3"; }
# Record 2 has 6 bases but 10 qualities.
{ rec r1 ACGTACGTAC IIIIIIIIII; rec r2 ACGTAC IIIIIIIIII; } > reads.fq
