#!/usr/bin/env bash
# Issue 13's recurrent-artefact numbers on simulated BAMs: recurrent
# artefacts at 5 demo hotspots (0.2-1 %, scripts/sim_normals.sh), a PoN of
# 20 normals, tumour-free plasmas called without and with it, held-out
# normals' p-values against the PoN (randomised PIT, KS), a real mutation at
# an artefact site at 5x its rate, and the time of `pon` and `call --pon`.
#
#   scripts/pon_artefacts.sh [OUT]     # default OUT=/tmp/cfspot-pon-artefacts
#
# CFSPOT (default target/release/cfspot), DEPTH (2000), PLASMAS (33: 33 x 31
# = 1,023 negative site tests), HELD (10 held-out normals), THREADS (2).
# Seeds are fixed (sim_normals.sh), so a rerun gives the same counts; the
# times are this machine's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-/tmp/cfspot-pon-artefacts}
CFSPOT=${CFSPOT:-$here/../target/release/cfspot}
DEPTH=${DEPTH:-2000}
PLASMAS=${PLASMAS:-33}
HELD=${HELD:-10}
THREADS=${THREADS:-2}
PON_N=20
[ -x "$CFSPOT" ] || { echo "pon_artefacts.sh: no cfspot at $CFSPOT (cargo build --release, or set CFSPOT)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "pon_artefacts.sh: needs /usr/bin/time" >&2; exit 1; }

CFSPOT=$CFSPOT DEPTH=$DEPTH THREADS=$THREADS NORMALS=$((PON_N + HELD)) PLASMAS=$PLASMAS \
    "$here/sim_normals.sh" "$OUT/sim" >/dev/null
S=$OUT/sim
# Wall seconds of a command (its own stderr dropped).
secs() { /usr/bin/time -f %e -o "$OUT/.time" "$@" >/dev/null 2>&1; cat "$OUT/.time"; }

# The PoN of normals 1-20 (timed), and one normal counted alone (timed).
pon_bams=()
for i in $(seq 1 $PON_N); do pon_bams+=("$S/normal$i/normal$i.bam"); done
rm -f "$OUT/pon.tsv"
t_pon=$(secs "$CFSPOT" pon -@ 1 -o "$OUT/pon.tsv" "${pon_bams[@]}")
rm -f "$OUT/one.tsv"
t_count=$(secs "$CFSPOT" count -@ 1 -o "$OUT/one.tsv" "${pon_bams[0]}")

# Every plasma and held-out normal, without and with the PoN.
mkdir -p "$OUT/calls"
call() { # NAME BAM MODE
    local extra=()
    [ "$3" = pon ] && extra=(--pon "$OUT/pon.tsv")
    rm -f "$OUT/calls/$1.$3".*
    "$CFSPOT" call -@ 1 "${extra[@]}" -o "$OUT/calls/$1.$3" "$2" 2>/dev/null
}
for i in $(seq 1 "$PLASMAS"); do
    for m in plain pon; do call "plasma$i" "$S/plasma$i/plasma$i.bam" $m; done
done
for i in $(seq $((PON_N + 1)) $((PON_N + HELD))); do
    call "normal$i" "$S/normal$i/normal$i.bam" pon
done
for m in plain pon; do call plasma_mut "$S/plasma_mut/plasma_mut.bam" $m; done

# call vs call --pon on one plasma, best of 3 each.
best() { local b=""; for _ in 1 2 3; do
    t=$(secs "$@"); b=$(echo "${b:-$t} $t" | awk '{print ($2 < $1) ? $2 : $1}'); done; echo "$b"; }
p1=$S/plasma1/plasma1.bam
t_call=$(best bash -c "rm -f $OUT/t_plain.*; exec $CFSPOT call -@ 1 -o $OUT/t_plain $p1")
t_callpon=$(best bash -c "rm -f $OUT/t_pon.*; exec $CFSPOT call -@ 1 --pon $OUT/pon.tsv -o $OUT/t_pon $p1")

python3 - "$OUT" "$PLASMAS" "$PON_N" "$HELD" "$t_pon" "$t_count" "$t_call" "$t_callpon" <<'EOF'
import csv, math, random, sys
out, plasmas, pon_n, held = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t_pon, t_count, t_call, t_callpon = map(float, sys.argv[5:9])
ART = {"KRAS_G12D": 0.01, "TP53_R175H": 0.005, "EGFR_L858R": 0.002, "PIK3CA_E545K": 0.008, "NRAS_Q61R": 0.003}

def rows(prefix):
    with open(f"{prefix}.calls.tsv") as f:
        return list(csv.DictReader(f, delimiter="\t"))

def false_calls(mode):
    tests = calls = at_art = 0
    for i in range(1, plasmas + 1):
        for r in rows(f"{out}/calls/plasma{i}.{mode}"):
            tests += 1
            if r["status"] == "DETECTED":
                calls += 1
                at_art += r["id"] in ART
    return tests, calls, at_art

def log_bb_pmf(k, n, e, rho):
    if rho <= 0:
        return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(e) + (n - k) * math.log1p(-e)
    a, b = e * (1 - rho) / rho, (1 - e) * (1 - rho) / rho
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + math.lgamma(k + a) + math.lgamma(n - k + b) - math.lgamma(n + a + b)
            + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b))

# Randomised PIT of each held-out normal's sites: U = P(X > k) + V P(X = k).
rng = random.Random(13)
pit = []
for i in range(pon_n + 1, pon_n + held + 1):
    for r in rows(f"{out}/calls/normal{i}.pon"):
        k, n = int(r["alt_count"]), int(r["depth"])
        e, rho = float(r["background"]), float(r["background_rho"])
        if n == 0:
            continue
        pk = math.exp(log_bb_pmf(k, n, e, rho))
        le = sum(math.exp(log_bb_pmf(j, n, e, rho)) for j in range(k + 1))
        gt = max(0.0, 1.0 - le)
        pit.append(gt + rng.random() * pk)
pit.sort()
m = len(pit)
ks = max(max((i + 1) / m - v, v - i / m) for i, v in enumerate(pit))
crit = 1.36 / math.sqrt(m)  # alpha 0.05, asymptotic

mut = {m_: {r["id"]: r for r in rows(f"{out}/calls/plasma_mut.{m_}")} for m_ in ("plain", "pon")}
for mode in ("plain", "pon"):
    t, c, a = false_calls(mode)
    print(f"false calls {'without' if mode == 'plain' else 'with'} the PoN: {c} of {t} negative site tests ({1000 * c / t:.2f} per 1,000; {a} at the 5 artefact sites)")
print(f"held-out normals against the PoN: {m} sites, randomised-PIT KS distance {ks:.4f} (critical {crit:.4f} at 0.05)")
r = mut["pon"]["KRAS_G12D"]
print(f"real mutation KRAS_G12D (artefact 1 %, tumour VAF 5 %) with the PoN: {r['status']}, {r['alt_count']} of {r['depth']}, q {r['q_value']}")
print(f"time: pon of {pon_n} normals {t_pon:.2f} s vs one count {t_count:.2f} s ({t_pon / t_count:.1f}x; goal <= 20x)")
print(f"time: call --pon {t_callpon:.2f} s vs call {t_call:.2f} s ({t_callpon / t_call:.2f}x; goal <= 1.1x)")
EOF
