#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# The patient's mutations for --tumour-informed, as a VCF whose POS is not a number (line 3).
printf "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\nchr12\tx\t.\tC\tT\n" > mutations.vcf
