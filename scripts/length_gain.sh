#!/usr/bin/env bash
# Fragment length as evidence (issue 14 item 2, "How we will know"): the
# sensitivity that `call --length-evidence` gains over counts alone at the
# same false-call rate, and that it gains nothing (and stays calibrated)
# when the simulator's tumour length model is the healthy one.
#
# Positives: POS samples with the MUTATIONS sites mutated (clonal
# heterozygous) at VAF (so -t 2·VAF -m MUTATIONS; only they are the
# positive site tests; default 4 of the 31 demo sites, so that
# Benjamini-Hochberg is as strict as in a sample with a few mutations;
# MUTATIONS=all mutates every site), DEPTH fragments per site, default length
# models; and the same samples (same seeds) with --tumour-lengths-healthy.
# Negatives: NEG tumour-free samples (-t 0 -m none; no tumour fragment, so
# the tumour length model does not enter): every hotspot is a negative site
# test. Each sample is called twice from one BAM, --no-length-evidence and
# --length-evidence, both at --min-alt MIN_ALT. Prints, per length model and
# call mode: site tests, DETECTED, sensitivity with its Clopper-Pearson 95 %
# interval, and false calls per negative site test with a one-sided 95 %
# upper bound. A third row per model breaks the count test's ties at random
# (p = P(A > a) + U·P(A = a), recomputed here from calls.tsv, BH as call
# does): at a background of ~2e-5 per fragment the count p-value jumps by
# 40x per alt fragment and spends well under its level, and any finer test
# (lengths included, even when they carry nothing) gains from that alone;
# the gain from lengths is the one above that row.
#
#   scripts/length_gain.sh [OUT]     # default OUT=/tmp/cfspot-length-gain
#
# CFSPOT (default target/release/cfspot), VAF (default 0.001, where counts
# alone detect ~40 % at 2,000 fragments and --min-alt 1), DEPTH (2000),
# MIN_ALT (1), POS (25: 100 site tests a model), NEG (33: 1,023 negative
# site tests), THREADS (1) change the run. Seeds are fixed
# (positive i: 7000 + i; negative i: 8000 + i). BAMs are deleted once called.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-/tmp/cfspot-length-gain}
CFSPOT=${CFSPOT:-$here/../target/release/cfspot}
VAF=${VAF:-0.001}
DEPTH=${DEPTH:-2000}
MIN_ALT=${MIN_ALT:-1}
POS=${POS:-25}
NEG=${NEG:-33}
THREADS=${THREADS:-1}
MUTATIONS=${MUTATIONS:-NRAS_Q61R,PIK3CA_H1047R,EGFR_L858R,KRAS_G12D}
[[ -x $CFSPOT ]] || { echo "no cfspot at $CFSPOT (set CFSPOT)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
TF=$(python3 -c "print(2 * $VAF)")
mkdir -p "$OUT"
one() { # name seed simulate-args...
    local name=$1 seed=$2
    shift 2
    local d=$OUT/$name
    if [[ -s $d/length.calls.tsv && -s $d/count.calls.tsv ]]; then
        return # done by an earlier run (same seed, same bytes)
    fi
    rm -rf "$d"
    "$CFSPOT" simulate -o "$d" -n "$name" -s "$seed" -d "$DEPTH" -@ "$THREADS" "$@" 2>/dev/null
    "$CFSPOT" call -@ "$THREADS" --min-alt "$MIN_ALT" --no-length-evidence -o "$d/count" "$d/$name.bam" 2>/dev/null
    "$CFSPOT" call -@ "$THREADS" --min-alt "$MIN_ALT" --length-evidence -o "$d/length" "$d/$name.bam" 2>/dev/null
    rm -f "$d/$name.bam" "$d/$name.bam.bai" "$d/${name}_R1.fastq.gz" "$d/${name}_R2.fastq.gz"
}
for i in $(seq 1 "$POS"); do
    one "tumour$i" $((7000 + i)) -t "$TF" -m "$MUTATIONS"
    one "healthy$i" $((7000 + i)) -t "$TF" -m "$MUTATIONS" --tumour-lengths-healthy
done
for i in $(seq 1 "$NEG"); do
    one "null$i" $((8000 + i)) -t 0 -m none
done
python3 - "$OUT" "$POS" "$NEG" "$VAF" "$DEPTH" "$MIN_ALT" "$MUTATIONS" <<'EOF'
import csv, random, sys
from math import comb, exp, lgamma, log
out, pos, neg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
vaf, depth, min_alt = sys.argv[4], sys.argv[5], sys.argv[6]
mutated = None if sys.argv[7] == "all" else set(sys.argv[7].split(","))
def tested(path, r):
    # A positive sample's site tests are its mutated sites; every site of a
    # tumour-free sample is a negative one.
    return mutated is None or "/null" in path or r["id"] in mutated
def detected(path):
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    rows = [r for r in rows if tested(path, r)]
    return len(rows), sum(r["status"] == "DETECTED" for r in rows)
def bb_pmf(x, n, p, rho):
    if rho <= 1e-12:
        return exp(lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1) + x * log(p) + (n - x) * log(1 - p))
    a, b = p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho
    lb = lambda u, v: lgamma(u) + lgamma(v) - lgamma(u + v)
    return exp(lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1) + lb(x + a, n - x + b) - lb(a, b))
rng = random.Random(14)
def randomised(path):
    # The count test with its ties broken at random: p = P(A > a) + U P(A = a)
    # under the row's own background, Benjamini-Hochberg at 0.05 over the
    # sample's sites, alt >= min_alt, LOW_DEPTH and FILTERED rows kept out.
    # Exactly the level the test is allowed, so what counts gain from using
    # all of it, without any length information.
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    ps = []
    for r in rows:
        a, n = int(r["alt_count"]), int(r["depth"])
        e, rho = float(r["background"]), float(r["background_rho"])
        if n == 0:
            ps.append(1.0)
            continue
        pa = [bb_pmf(x, n, e, rho) for x in range(a + 1)]
        gt = max(0.0, 1.0 - sum(pa))
        ps.append(min(1.0, gt + rng.random() * pa[a]))
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    q, run = [0.0] * m, 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        run = min(run, ps[i] * m / (rank + 1))
        q[i] = run
    ok = lambda r: r["status"] not in ("LOW_DEPTH", "FILTERED") and int(r["alt_count"]) >= int(min_alt)
    kept = [i for i, r in enumerate(rows) if tested(path, r)]
    return len(kept), sum(q[i] < 0.05 and ok(rows[i]) for i in kept)
def cdf(k, n, p):
    return sum(comb(n, i) * p**i * (1 - p)**(n - i) for i in range(k + 1))
def bound(k, n, target):
    # p with P(X <= k | n, p) = target, by bisection (Clopper-Pearson).
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if cdf(k, n, mid) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
def cp(k, n):
    lo = 0.0 if k == 0 else bound(k - 1, n, 0.975)
    hi = 1.0 if k == n else bound(k, n, 0.025)
    return lo, hi
print(f"VAF {float(vaf) * 100:g} %, {depth} fragments per site, --min-alt {min_alt}, mutated: {sys.argv[7]}; "
      f"{pos} positive samples a length model, {neg} tumour-free samples")
modes = (("count", "counts alone", detected), ("rand", "counts, ties broken at random", randomised),
         ("length", "--length-evidence", detected))
files = {"count": "count", "rand": "count", "length": "length"}
fp = {}
for mode, _, judge in modes:
    n = k = 0
    for i in range(1, neg + 1):
        a, b = judge(f"{out}/null{i}/{files[mode]}.calls.tsv")
        n, k = n + a, k + b
    fp[mode] = (k, n, bound(k, n, 0.05))
print("| tumour length model | call | site tests | detected | sensitivity (95 % CI) | false calls / negative tests (95 % upper bound per 1,000) |")
print("| --- | --- | ---: | ---: | --- | --- |")
for model, label in (("tumour", "simulator default (mode 145 bp)"), ("healthy", "= healthy (--tumour-lengths-healthy)")):
    for mode, words, judge in modes:
        n = k = 0
        for i in range(1, pos + 1):
            a, b = judge(f"{out}/{model}{i}/{files[mode]}.calls.tsv")
            n, k = n + a, k + b
        lo, hi = cp(k, n)
        fk, fn, fu = fp[mode]
        print(f"| {label} | {words} | {n} | {k} | {100 * k / n:.1f} % ({100 * lo:.1f}-{100 * hi:.1f}) | {fk} / {fn} ({1000 * fu:.2f}) |")
EOF
