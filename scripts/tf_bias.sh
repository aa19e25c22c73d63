#!/usr/bin/env bash
# The de novo tumour fraction over seeds: mean estimate against the truth,
# and how often the 95 % interval covers it (README, "Tumour fraction, de
# novo"). Simulates each sample once and calls it with every binary given.
#
#   scripts/tf_bias.sh demo    [SEEDS]   # demo panel, TF 1 %, 4 %, 10 % and 0
#   scripts/tf_bias.sh random  [SEEDS]   # 7,190 sites on a random genome, TF 1 %, 100x
#
# BINS="new=target/release/cfspot old=/tmp/cfspot-before" picks the binaries
# (default: new only); OUT (default /tmp/cfspot-tf-bias) holds the samples.
# Prints one line per (binary, TF): samples, mean estimate, its error,
# coverage, and how many samples were CTDNA_DETECTED or BELOW_THRESHOLD.
# TFS (demo only; default "0.01 0.04 0.1 0") picks the tumour fractions,
# e.g. TFS=0.1 scripts/tf_bias.sh demo 200 to measure one coverage closely.
set -euo pipefail
what=${1:?demo or random}
seeds=${2:-16}
here=$(cd "$(dirname "$0")" && pwd)
BINS=${BINS:-new=$here/../target/release/cfspot}
OUT=${OUT:-/tmp/cfspot-tf-bias}
mkdir -p "$OUT"
first_bin=${BINS%% *}; first_bin=${first_bin#*=}

run() { # name tf sim-args... -- call-args...
  local name=$1 tf=$2; shift 2
  local sim=() call=()
  while [ "$1" != -- ]; do sim+=("$1"); shift; done; shift
  call=("$@")
  [ -s "$OUT/$name.bam" ] || "$first_bin" simulate -o "$OUT" -n "$name" -t "$tf" "${sim[@]}" >/dev/null
  for b in $BINS; do
    local tag=${b%%=*} bin=${b#*=}
    [ -s "$OUT/$name.$tag.summary.json" ] ||
      "$bin" call -o "$OUT/$name.$tag" "${call[@]}" "$OUT/$name.bam" >/dev/null
    echo "$tag $tf $OUT/$name.$tag.summary.json" >> "$OUT/$what.list"
  done
}

rm -f "$OUT/$what.list"
case $what in
  demo)
    for tf in ${TFS:-0.01 0.04 0.1 0}; do
      m="KRAS_G12D,EGFR_E746_A750del,PIK3CA_H1047R,TP53_R175H:0.5"
      [ "$tf" = 0 ] && m=none
      for s in $(seq 1 "$seeds"); do
        run "demo_t${tf}_s$s" "$tf" -d 2000 -m "$m" -s "$((1000 + s))" --
      done
    done ;;
  random)
    [ -s "$OUT/rg/p.tsv" ] || python3 "$here/random_panel.py" "$OUT/rg"
    for s in $(seq 1 "$seeds"); do
      run "rg_s$s" 0.01 --panel "$OUT/rg/p.tsv" --reference "$OUT/rg/g.fa" -d 100 \
        --mutations all -s "$s" -@ 2 -- -p "$OUT/rg/p.tsv" -r "$OUT/rg/g.fa" -@ 2
    done ;;
  *) echo "demo or random" >&2; exit 2 ;;
esac

python3 - "$OUT/$what.list" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    tag, tf, path = line.split()
    s = json.load(open(path))
    rows.setdefault((tag, float(tf)), []).append(s)
print("binary  TF     n   mean estimate  error    covered  detected")
for (tag, tf), ss in sorted(rows.items()):
    est = [s["tumour_fraction"]["estimate"] for s in ss]
    cov = sum(1 for s in ss if s["tumour_fraction"]["lo"] <= tf <= (s["tumour_fraction"]["hi"] if s["tumour_fraction"]["hi"] is not None else 1.0))
    det = sum(1 for s in ss if s["status"] != "NOT_DETECTED")
    mean = sum(est) / len(est)
    err = f"{100 * (mean - tf) / tf:+.1f} %" if tf > 0 else "-"
    print(f"{tag:6}  {100*tf:4.1f} % {len(ss):3}  {100*mean:8.3f} %    {err:8} {cov:3}/{len(ss):<3}  {det:3}/{len(ss)}")
PY
