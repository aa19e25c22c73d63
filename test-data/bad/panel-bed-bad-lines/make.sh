#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A BED panel with an empty interval (line 1) and a non-numeric start (line 2).
printf "chr12\t10\t5\tx\nchr12\tfoo\t20\n" > bad.bed
