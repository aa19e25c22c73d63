#!/usr/bin/env bash
# Read pairs per second: `cfspot simulate` vs dwgsim, on the same number of
# 2 x 150 bp pairs over the same windows (the embedded demo windows,
# assets/demo/regions.fa, 14.5 kb).
#
#   cfspot writes: R1/R2 FASTQ.gz + coordinate-sorted, indexed BAM + truth
#                  (TSV, VCF, JSON), on THREADS cores, BGZF level LEVEL.
#   dwgsim writes: R1/R2 FASTQ.gz (single-threaded; no BAM).
#
# Each tool runs REPS times; the best (shortest) wall time counts, since the
# machine may be shared. Needs dwgsim (apt-get install -y dwgsim).
#
# Usage: benches/sim_vs_dwgsim.sh [DEPTH]
#   DEPTH (default 9510: ~686,000 pairs on the demo panel, about the
#   680,000 of issue 3); env THREADS (2), LEVEL (1), REPS (3),
#   CFSPOT (a cfspot binary; default: build target/release/cfspot).
set -euo pipefail
cd "$(dirname "$0")/.."
DEPTH=${1:-9510}
THREADS=${THREADS:-2}
LEVEL=${LEVEL:-1}
REPS=${REPS:-3}
command -v dwgsim >/dev/null || { echo "dwgsim is not on PATH: apt-get install -y dwgsim" >&2; exit 1; }
if [[ -z "${CFSPOT:-}" ]]; then
  cargo build --release --quiet
  CFSPOT=target/release/cfspot
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
min() { printf '%s\n' "$@" | sort -g | head -1; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc)"
cf=()
for _ in $(seq "$REPS"); do
  rm -rf "$work/cf"
  s=$(now)
  "$CFSPOT" simulate -o "$work/cf" -n cf -d "$DEPTH" -@ "$THREADS" --level "$LEVEL" 2> "$work/cf.log"
  cf+=("$(secs "$s" "$(now)")")
done
pairs=$(grep -o '[0-9]* read pairs' "$work/cf.log" | cut -d' ' -f1)
cf_bytes=$(du -cb "$work"/cf/cf.bam "$work"/cf/cf_R*.fastq.gz | tail -1 | cut -f1)

dw=()
for _ in $(seq "$REPS"); do
  rm -rf "$work/dw" && mkdir -p "$work/dw"
  s=$(now)
  dwgsim -z 1 -N "$pairs" -1 150 -2 150 -d 167 -s 20 -e 0.001 -E 0.001 -r 0 -y 0 -o 1 \
    assets/demo/regions.fa "$work/dw/dw" > "$work/dw.log" 2>&1
  dw+=("$(secs "$s" "$(now)")")
done
dw_bytes=$(du -cb "$work"/dw/dw.bwa.read*.fastq.gz | tail -1 | cut -f1)

t_cf=$(min "${cf[@]}")
t_dw=$(min "${dw[@]}")
echo
echo "| tool | read pairs | wall s (runs) | pairs/s | writes |"
echo "| --- | ---: | --- | ---: | --- |"
awk -v p="$pairs" -v t="$t_cf" -v runs="${cf[*]}" -v b="$cf_bytes" -v th="$THREADS" -v l="$LEVEL" \
  'BEGIN { printf "| cfspot simulate -@ %s --level %s | %d | %s (%s) | %.0f | FASTQ.gz x2 + BAM + BAI + truth, %.0f MB |\n", th, l, p, t, runs, p / t, b / 1e6 }'
awk -v p="$pairs" -v t="$t_dw" -v runs="${dw[*]}" -v b="$dw_bytes" \
  'BEGIN { printf "| dwgsim 0.1.14 | %d | %s (%s) | %.0f | FASTQ.gz x2, %.0f MB |\n", p, t, runs, p / t, b / 1e6 }'
awk -v a="$t_dw" -v b="$t_cf" 'BEGIN { printf "\ncfspot is %.1fx faster (pairs/s ratio)\n", a / b }'
