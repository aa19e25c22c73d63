#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# An empty file named as a count TSV (it used to be opened as a BAM).
: > empty.tsv
