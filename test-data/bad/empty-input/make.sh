#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A FASTQ of no bytes at all (an upstream step that wrote nothing).
: > empty.fq
