#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# Two reads at KRAS G12D (any FASTQ would do: it is refused before it is read).
printf '@r1\nGTTGGAGCTGATGGCGTAGGCAAGAGTGCC\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\n@r2\nGTTGGAGCTGATGGCGTAGGCAAGAGTGCC\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\n' > r.fq
