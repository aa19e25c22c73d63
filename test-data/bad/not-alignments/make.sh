#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# Binary bytes that are no known format, named .bam.
printf "\377\376\375\200binary junk\000\001\n" > junk.bam
