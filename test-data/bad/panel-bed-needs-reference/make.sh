#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A BED panel (positions only) given without --reference.
printf "chr12\t25245349\t25245350\tKRAS_G12\n" > sites.bed
