#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
rec() { printf "@%s\n%s\n+\n%s\n" "$1" "$2" "$3"; }
# The file ends after the sequence line of record 2.
{ rec r1 ACGTACGTAC IIIIIIIIII; printf "@r2\nACGTACGTAC\n"; } > reads.fq
