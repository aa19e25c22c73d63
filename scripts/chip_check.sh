#!/usr/bin/env bash
# Issue 13's CHIP check: 1 % CHIP mutations at 3 sites in plasma and in the
# matched white cells, a 2 % tumour mutation elsewhere (clonal
# heterozygous: TF 4 %). Called with --normal, REPS pairs (fixed seeds):
# how many CHIP sites are reported as tumour (DETECTED), whether the tumour
# site is called, and whether the TF interval holds the simulated 4 %.
#
#   scripts/chip_check.sh [OUT]     # default OUT=/tmp/cfspot-chip
#
# CFSPOT (default target/release/cfspot), DEPTH (2000), REPS (5), THREADS (2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-/tmp/cfspot-chip}
CFSPOT=${CFSPOT:-$here/../target/release/cfspot}
DEPTH=${DEPTH:-2000}
REPS=${REPS:-5}
THREADS=${THREADS:-2}
CHIP=TP53_R248Q:0.01,KRAS_G12V:0.01,NRAS_Q61K:0.01
TUMOUR=EGFR_L858R
[ -x "$CFSPOT" ] || { echo "chip_check.sh: no cfspot at $CFSPOT (cargo build --release, or set CFSPOT)" >&2; exit 1; }
mkdir -p "$OUT"
for r in $(seq 1 "$REPS"); do
    rm -rf "${OUT:?}/p$r" "${OUT:?}/w$r"
    "$CFSPOT" simulate -o "$OUT/p$r" -n plasma -s $((4000 + r)) -d "$DEPTH" -@ "$THREADS" \
        -t 0.04 -m "$TUMOUR" --chip "$CHIP" 2>/dev/null
    "$CFSPOT" simulate -o "$OUT/w$r" -n wbc -s $((5000 + r)) -d "$DEPTH" -@ "$THREADS" \
        -t 0 -m none --chip "$CHIP" 2>/dev/null
    for m in alone normal; do
        extra=()
        [ $m = normal ] && extra=(--normal "$OUT/w$r/wbc.bam")
        rm -f "$OUT/p$r/$m".*
        "$CFSPOT" call -@ "$THREADS" "${extra[@]}" -o "$OUT/p$r/$m" "$OUT/p$r/plasma.bam" 2>/dev/null
    done
done
python3 - "$OUT" "$REPS" "$CHIP" "$TUMOUR" <<'EOF'
import csv, json, sys
out, reps, chip, tumour = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
chip = [c.split(":")[0] for c in chip.split(",")]
for mode in ("alone", "normal"):
    as_tumour = called = covered = 0
    for r in range(1, reps + 1):
        prefix = f"{out}/p{r}/{mode}"
        with open(f"{prefix}.calls.tsv") as f:
            rows = {x["id"]: x for x in csv.DictReader(f, delimiter="\t")}
        as_tumour += sum(rows[c]["status"] == "DETECTED" for c in chip)
        called += rows[tumour]["status"] == "DETECTED"
        s = json.load(open(f"{prefix}.summary.json"))
        tf = s["tumour_fraction"]
        covered += tf["lo"] <= 0.04 <= (tf["hi"] if tf["hi"] is not None else 1)
        if mode == "normal":
            print(f"  rep {r}: TF {tf['estimate']:.4f} ({tf['lo']:.4f}-{tf['hi']:.4f}); CHIP sites " +
                  ", ".join(f"{c} {rows[c]['status']}" for c in chip))
    print(f"{'with' if mode == 'normal' else 'without'} --normal: {as_tumour} of {3 * reps} CHIP sites reported as tumour (DETECTED); "
          f"tumour site {tumour} called in {called} of {reps}; TF interval holds 4 % in {covered} of {reps}")
EOF
