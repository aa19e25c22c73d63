#!/bin/sh
# A SAM stream whose second read starts before the first (chr12, demo panel
# contigs in the header), read from stdin by every invocation.
set -eu
cd "$(dirname "$0")"
{
  printf '@HD\tVN:1.6\tSO:coordinate\n'
  for c in chr1:248956422 chr3:198295559 chr7:159345973 chr11:135086622 chr12:133275309 chr17:83257441; do
    printf '@SQ\tSN:%s\tLN:%s\n' "${c%%:*}" "${c#*:}"
  done
  printf 'late\t0\tchr12\t25245330\t60\t10M\t*\t0\t0\tACGTACGTAC\tIIIIIIIIII\n'
  printf 'early\t0\tchr12\t25245321\t60\t10M\t*\t0\t0\tACGTACGTAC\tIIIIIIIIII\n'
} > stdin
