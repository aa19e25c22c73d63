#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# BGZF holding the BAM magic and then a header length of 2^31-1 bytes
# followed by 4 bytes: the header cannot be read.
printf 'BAM\001\377\377\377\177junk' | bgzip -c > bad.bam
