#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
rec() { printf "@%s\n%s\n+\n%s\n" "$1" "$2" "$3"; }
# Record 2 has a space (0x20) among its qualities: below Phred+33.
{ rec r1 ACGTACGTAC IIIIIIIIII; rec r2 ACGTACGTAC "IIII IIIII"; } > reads.fq
