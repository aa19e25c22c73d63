#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A VCF panel with a non-numeric POS (line 3) and a record of 4 columns (line 4).
printf "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr12\tabc\tx\tC\tT\t.\t.\t.\nchr12\t25245350\ty\tC\n" > bad.vcf
