#!/usr/bin/env bash
# UMI errors against the grouping's edit allowance (issue 12, "Read the
# UMIs people have"): one simulated UMI sample (8+8 UMI bases, a family of
# 1 + Poisson(3) read pairs a molecule), its UMIs misread at UMI_ERROR a
# base in RX and the read names alike while MI keeps the true molecule.
# Counted with --molecules from MI (the truth's families) and from RX with
# --umi-edits 0, 1 and 2 (and the read name at the default), it prints per
# run the families summed over the 31 hotspots, their excess over MI's,
# and the excess of each edit allowance over one edit.
#
#   scripts/umi_edits.sh [OUT]       # default OUT=/tmp/cfspot-umi-edits
#
# CFSPOT (default target/release/cfspot), DEPTH (default 1000), SEED
# (default 11), UMI_ERROR (default 0.01) change the run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-/tmp/cfspot-umi-edits}
CFSPOT=${CFSPOT:-$here/../target/release/cfspot}
DEPTH=${DEPTH:-1000}
SEED=${SEED:-11}
UMI_ERROR=${UMI_ERROR:-0.01}
mkdir -p "$OUT"
"$CFSPOT" simulate -o "$OUT" -s "$SEED" -d "$DEPTH" --umi --family-size-mean 4 \
    --umi-error-rate "$UMI_ERROR" 2>/dev/null
bam=$OUT/sim.bam
families() { # the families column, summed over the sites
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "families") c = i; next }
                { s += $c } END { print s }' "$1"
}
"$CFSPOT" count --molecules --umi-source mi "$bam" -o "$OUT/mi.tsv" 2>/dev/null
for e in 0 1 2; do
    "$CFSPOT" count --molecules --umi-source rx --umi-edits "$e" "$bam" -o "$OUT/rx$e.tsv" 2>/dev/null
done
"$CFSPOT" count --molecules --umi-source name "$bam" -o "$OUT/name.tsv" 2>/dev/null
mi=$(families "$OUT/mi.tsv")
one=$(families "$OUT/rx1.tsv")
printf 'seed %s, depth %s, UMI error %s a base\n' "$SEED" "$DEPTH" "$UMI_ERROR"
printf '%-22s %10s %12s %12s\n' run families vs_MI vs_1_edit
for run in mi rx0 rx1 rx2 name; do
    n=$(families "$OUT/$run.tsv")
    awk -v r="$run" -v n="$n" -v m="$mi" -v o="$one" 'BEGIN {
        label = (r == "mi") ? "MI (truth)" : (r == "name") ? "read name, 1 edit" : "RX, " substr(r, 3) " edit(s)"
        printf "%-22s %10d %+11.2f%% %+11.2f%%\n", label, n, 100 * (n - m) / m, 100 * (n - o) / o }'
done
