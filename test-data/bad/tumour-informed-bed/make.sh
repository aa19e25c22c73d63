#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# The patient's mutations for --tumour-informed as a BED file: positions
# only, no REF or ALT to match the panel's hotspots by.
printf "chr12\t25245349\t25245350\tKRAS_G12\n" > mutations.bed
