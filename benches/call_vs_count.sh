#!/usr/bin/env bash
# What `call` costs beyond `count` (issue 14 item 4: goal call <= 1.5x count).
# `call` counts the same reads and also tallies the background (every
# non-hotspot base within +-500 bp of the sites), then tests, estimates and
# writes its files; `count` only counts. Both run on the same BAM:
#
#   deep    the demo panel (31 hotspots), `cfspot simulate -d DEEP -t 0.02 -s 5`
#           (DEEP default 3000: the gate's deep BAM)
#   scale   SITES random SNV sites (default 10,000) on a random genome,
#           depth 100, every site mutated at TF 1 % (scripts/scale_sample.sh;
#           made once in WORK/scale and reused)
#
# For each: the median wall and CPU time of RUNS runs after a warm-up at
# -@ THREADS, and, when valgrind is installed, callgrind's instruction count
# of one run at -@ 1 (machine load does not move it). Ratios call/count.
#
# Usage: benches/call_vs_count.sh
# Env:   CFSPOT (cfspot binary; default ${CARGO_TARGET_DIR:-target}/release/cfspot)
#        WORK (bench-work)  RUNS (3)  THREADS (2)  DEEP (3000)  SITES (10000)
#        PANELS ("deep scale")  CALLGRIND (1; 0 skips it)  SIM_THREADS (2)
# benches/compare.sh runs it as its "cost" section. Helpers: benches/lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh

CFSPOT=${CFSPOT:-${CARGO_TARGET_DIR:-target}/release/cfspot}
WORK=${WORK:-bench-work}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
DEEP=${DEEP:-3000}
SITES=${SITES:-10000}
PANELS=${PANELS:-deep scale}
CALLGRIND=${CALLGRIND:-1}
SIM_THREADS=${SIM_THREADS:-2}
need_tools
CFSPOT=$(realpath "$CFSPOT")
log=$WORK/cost-logs
mkdir -p "$log"
if [[ $CALLGRIND == 1 ]] && ! command -v valgrind >/dev/null; then
  note "valgrind missing: no instruction counts (apt-get install -y valgrind)"
  CALLGRIND=0
fi

# instructions OUT CMD...: callgrind's total instruction count of CMD.
instructions() {
  local out=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$out" "$@" > /dev/null 2> "$out.err" \
    || { note "callgrind of '$*' failed: $(tail -3 "$out.err")"; return 0; }
  grep -m1 'refs:' "$out.err" | awk '{ gsub(",", "", $NF); print $NF }'
}

echo "## call vs count (benches/call_vs_count.sh)"
echo
echo "CPU: $(cpu_line); load $(loadavg); cfspot $("$CFSPOT" --version); RUNS=$RUNS, -@ $THREADS"
echo
echo "| input | count wall s | call wall s | call/count wall | count CPU s | call CPU s | call/count CPU | count Ir (-@ 1) | call Ir (-@ 1) | call/count Ir |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for panel in $PANELS; do
  case $panel in
    deep)
      simulate_once "$WORK/cost-deep" deep -d "$DEEP" -t 0.02 -s 5
      bam=$WORK/cost-deep/deep.bam; args=(); label="demo panel, 31 sites, -d $DEEP"
      ;;
    scale)
      dir=$WORK/scale-$SITES
      if [[ ! -s $dir/sim.bam || ! -s $dir/p.tsv ]]; then
        note "making the $SITES-site sample (scripts/scale_sample.sh $dir $SITES)"
        CFSPOT=$CFSPOT scripts/scale_sample.sh "$dir" "$SITES" > "$log/scale.log" 2>&1 \
          || die "scripts/scale_sample.sh failed; see $log/scale.log"
      fi
      bam=$dir/sim.bam; args=(--panel "$dir/p.tsv" --reference "$dir/g.fa")
      label="$SITES random sites, -d 100"
      ;;
    *) die "unknown panel '$panel' (deep, scale)" ;;
  esac
  out=$WORK/cost-out-$panel
  time_cmd count "" -- "$CFSPOT" count "${args[@]}" -@ "$THREADS" -o "$out.count.tsv" "$bam"
  cw=$WALL cc=$CPU
  time_cmd call "" -- "$CFSPOT" call "${args[@]}" -@ "$THREADS" -o "$out.call" "$bam"
  lw=$WALL lc=$CPU
  ci= li=
  if [[ $CALLGRIND == 1 ]]; then
    note "callgrind $panel (one run each at -@ 1)"
    ci=$(instructions "$log/cg.count.$panel" "$CFSPOT" count "${args[@]}" -@ 1 -o "$out.count.tsv" "$bam")
    li=$(instructions "$log/cg.call.$panel" "$CFSPOT" call "${args[@]}" -@ 1 -o "$out.call" "$bam")
  fi
  echo "| $label | $cw | $lw | $(ratio "$lw" "$cw") | $cc | $lc | $(ratio "$lc" "$cc") | ${ci:-n/a} | ${li:-n/a} | $(ratio "$li" "$ci") |"
done
echo
echo "Goal (issue 14): call/count <= 1.5 at both inputs."
