#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# Text without a FASTA header line, given as the reference.
printf "not a fasta\n" > ref.fa
