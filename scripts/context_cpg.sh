#!/usr/bin/env bash
# The context experiment of issue 13 ("How we will know"): tumour-free
# plasmas simulated with a 10x CpG C>T factor (--cpg-factor 10: the C of a
# CpG deaminates before sequencing, on one strand, so C>T there is 10x the
# sequencer's per read; in fragments, whose merged mates erase most of the
# sequencer's errors but none made before it, CpG C>T is ~100x the other
# C>T: the script prints the ratio it saw), each called twice from the same BAM: with the 12-class
# background (--background class) and with the trinucleotide-context one
# (--background context, the default). Every hotspot of a tumour-free
# sample is a negative site test; the demo panel's CpG sites (C>T at a
# CpG's C or G>A at its G: EGFR_T790M, TP53_R175H, R248Q, R248W, G245S,
# R273H, R273C) are the ones the factor touches. Prints, per model, for
# the CpG sites, the other C>T (and G>A) sites and the rest: tests,
# DETECTED (false calls) per 1,000 with a one-sided 95 % upper bound,
# FILTERED, the share of p-values below 0.01 (at most 0.01 if calibrated)
# and the median LoD95.
#
#   scripts/context_cpg.sh [OUT]     # default OUT=/tmp/cfspot-context-cpg
#
# CFSPOT (default target/release/cfspot), SAMPLES (default 150: 1,050 CpG
# site tests), DEPTH (default 3000), FACTOR (default 10), THREADS (default
# 1) change the run. Seeds are fixed (sample i: 5000 + i). Each sample's
# BAM is deleted once called; OUT/SAMPLE/{class,context}.calls.tsv stay.
# Takes ~5 s of CPU a sample at depth 3000 (debug profile).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-/tmp/cfspot-context-cpg}
CFSPOT=${CFSPOT:-$here/../target/release/cfspot}
SAMPLES=${SAMPLES:-150}
DEPTH=${DEPTH:-3000}
FACTOR=${FACTOR:-10}
THREADS=${THREADS:-1}
mkdir -p "$OUT"
for i in $(seq 1 "$SAMPLES"); do
    d=$OUT/s$i
    if [[ -s $d/context.calls.tsv && -s $d/class.calls.tsv ]]; then
        continue # done by an earlier run (same seed, same bytes)
    fi
    rm -rf "$d"
    "$CFSPOT" simulate -o "$d" -n s$i -s $((5000 + i)) -d "$DEPTH" -@ "$THREADS" \
        -t 0 -m none --cpg-factor "$FACTOR" 2>/dev/null
    for model in class context; do
        "$CFSPOT" call -@ "$THREADS" --background $model -o "$d/$model" "$d/s$i.bam" 2>/dev/null
    done
    rm -f "$d/s$i.bam" "$d/s$i.bam.bai" "$d/s${i}_R1.fastq.gz" "$d/s${i}_R2.fastq.gz"
done
python3 - "$OUT" "$SAMPLES" <<'EOF'
import csv, json, math, re, sys
out, n = sys.argv[1], int(sys.argv[2])
def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))
# CpG sites: where the context model names a CpG context (N[C>T]G, C[G>A]N).
cpg = set()
for i in range(1, n + 1):
    for r in rows(f"{out}/s{i}/context.calls.tsv"):
        if re.fullmatch(r".\[C>T\]G|C\[G>A\].", r["background_source"]):
            cpg.add(r["id"])
if not cpg:
    sys.exit("no site was judged by a CpG context: is --cpg-factor on?")
print(f"{n} tumour-free samples; CpG sites: {', '.join(sorted(cpg))}")
# What the fragments showed: C>T on read 1's strand (the deaminated one) at
# a CpG's C (N[C>T]G, with G>A at a CpG's G folded in) against other C>T.
cg = [0, 0, 0, 0]
for i in range(1, n + 1):
    with open(f"{out}/s{i}/context.summary.json") as f:
        groups = json.load(f)["background"].get("contexts", [])
    for g in groups:
        if (g["substitution"], g["strand"]) == ("C>T", "fwd"):
            for name, (m, d, _) in g["contexts"].items():
                k = 0 if name.endswith("]G") else 2
                cg[k] += m
                cg[k + 1] += d
if cg[1] and cg[3]:
    a, b = cg[0] / cg[1], cg[2] / cg[3]
    print(f"fragments' C>T on the deaminated strand: CpG {a:.3e}, other {b:.3e} ({a / b:.0f}x)")
def upper95(k, n):
    # Clopper-Pearson one-sided 95 % upper bound of k events in n tests.
    if n == 0:
        return float("nan")
    cdf = lambda p: sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k + 1))
    lo, hi = k / n, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) > 0.05 else (lo, mid)
    return hi
first = rows(f"{out}/s1/class.calls.tsv")
ct = {r["id"] for r in first if r["background_source"] in ("C>T", "G>A")} - cpg
print("model\tsites\ttests\tDETECTED\tper_1000\tupper95_per_1000\tFILTERED\tp<0.01\tmedian_lod95")
for model in ("class", "context"):
    for kind, ids in (("CpG", cpg), ("other_C>T", ct), ("rest", None)):
        tests = detected = filtered = low_p = 0
        lods = []
        for i in range(1, n + 1):
            for r in rows(f"{out}/s{i}/{model}.calls.tsv"):
                inside = r["id"] not in cpg | ct if ids is None else r["id"] in ids
                if not inside or r["status"] == "LOW_DEPTH":
                    continue
                tests += 1
                detected += r["status"] == "DETECTED"
                filtered += r["status"] == "FILTERED"
                low_p += float(r["p_value"]) < 0.01
                if r["lod95"]:
                    lods.append(float(r["lod95"]))
        lods.sort()
        median = lods[len(lods) // 2] if lods else float("nan")
        print(f"{model}\t{kind}\t{tests}\t{detected}\t{1000 * detected / max(tests, 1):.2f}"
              f"\t{1000 * upper95(detected, tests):.2f}\t{filtered}\t{low_p / max(tests, 1):.4f}"
              f"\t{100 * median:.3f} %")
EOF
