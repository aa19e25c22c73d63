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
# machine may be shared, and CPU time (user + sys, less sensitive to other
# load) is shown too. Needs dwgsim (apt-get install -y dwgsim) and GNU time.
#
# Usage: benches/sim_vs_dwgsim.sh [DEPTH]
#   DEPTH (default 9510: ~686,000 pairs on the demo panel, about the
#   680,000 of issue 3); env THREADS (2), LEVEL (1), REPS (3),
#   CFSPOT (a cfspot binary; default: build ${CARGO_TARGET_DIR:-target}/release/cfspot).
#   benches/compare.sh runs it as its "sim" section. Helpers: benches/lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
DEPTH=${1:-9510}
THREADS=${THREADS:-2}
LEVEL=${LEVEL:-1}
REPS=${REPS:-3}
command -v dwgsim >/dev/null || die "dwgsim is not on PATH: apt-get install -y dwgsim"
if [[ -z "${CFSPOT:-}" ]]; then
  cargo build --release --quiet
  CFSPOT=${CARGO_TARGET_DIR:-target}/release/cfspot
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# timed FILE CMD...: run CMD, append "wall cpu" seconds to FILE.
timed() { local f=$1; shift; /usr/bin/time -a -o "$f" -f '%e %U %S' "$@"; }
best() { awk '{ c = $2 + $3; if (NR == 1 || $1 < w) { w = $1; cpu = c } } END { printf "%.2f %.2f\n", w, cpu }' "$1"; }
runs() { awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 }' "$1"; }

echo "## cfspot simulate vs dwgsim (benches/sim_vs_dwgsim.sh)"
echo
echo "CPU: $(cpu_line)"
echo "load average before: $(loadavg)"
for _ in $(seq "$REPS"); do
  rm -rf "$work/cf"
  timed "$work/cf.times" "$CFSPOT" simulate -o "$work/cf" -n cf -d "$DEPTH" -@ "$THREADS" --level "$LEVEL" 2> "$work/cf.log"
done
pairs=$(grep -o '[0-9]* read pairs' "$work/cf.log" | cut -d' ' -f1)
cf_bytes=$(du -cb "$work"/cf/cf.bam "$work"/cf/cf_R*.fastq.gz | tail -1 | cut -f1)

for _ in $(seq "$REPS"); do
  rm -rf "$work/dw" && mkdir -p "$work/dw"
  timed "$work/dw.times" dwgsim -z 1 -N "$pairs" -1 150 -2 150 -d 167 -s 20 -e 0.001 -E 0.001 -r 0 -y 0 -o 1 \
    assets/demo/regions.fa "$work/dw/dw" > "$work/dw.log" 2>&1
done
dw_bytes=$(du -cb "$work"/dw/dw.bwa.read*.fastq.gz | tail -1 | cut -f1)

read -r t_cf c_cf < <(best "$work/cf.times")
read -r t_dw c_dw < <(best "$work/dw.times")
echo
echo "| tool | read pairs | wall s, best (all runs) | CPU s | pairs/s (wall) | writes |"
echo "| --- | ---: | --- | ---: | ---: | --- |"
awk -v p="$pairs" -v t="$t_cf" -v c="$c_cf" -v runs="$(runs "$work/cf.times")" -v b="$cf_bytes" -v th="$THREADS" -v l="$LEVEL" \
  'BEGIN { printf "| cfspot simulate -@ %s --level %s | %d | %s (%s) | %s | %.0f | FASTQ.gz x2 + BAM + BAI + truth, %.0f MB |\n", th, l, p, t, runs, c, p / t, b / 1e6 }'
awk -v p="$pairs" -v t="$t_dw" -v c="$c_dw" -v runs="$(runs "$work/dw.times")" -v b="$dw_bytes" \
  'BEGIN { printf "| dwgsim 0.1.14 | %d | %s (%s) | %s | %.0f | FASTQ.gz x2, %.0f MB |\n", p, t, runs, c, p / t, b / 1e6 }'
awk -v a="$t_dw" -v b="$t_cf" -v x="$c_dw" -v y="$c_cf" \
  'BEGIN { printf "\ncfspot is %.1fx faster by wall time, %.1fx by CPU time\n", a / b, x / y }'
echo "load average after: $(loadavg)"
