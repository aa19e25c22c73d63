#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# Copies (not the shared files in place), so that a regression that writes
# over an input shows up as a changed case folder.
cp ../../mini.bam x.bam
samtools index -c x.bam -o x.bam.csi
cp ../../../assets/demo/hotspots.vcf panel.vcf
