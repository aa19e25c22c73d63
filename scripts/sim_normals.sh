#!/usr/bin/env bash
# The recurrent-artefact experiment of issue 13 ("How we will know"): 20
# normals and 10 tumour-free plasmas, all with the same --artefact at 5 demo
# hotspots (0.2-1 % per fragment, made before sequencing, so a
# fragment-level count sees them at that rate), and one plasma with a real
# mutation at an artefact site at 5x its artefact rate (KRAS_G12D, artefact
# 1 %, tumour VAF 5 %: TF 0.1, clonal heterozygous).
#
#   scripts/sim_normals.sh [OUT]     # default OUT=/tmp/cfspot-sim-normals
#
# CFSPOT (default target/release/cfspot), DEPTH (default 2000), THREADS
# (default 2), NORMALS (20), PLASMAS (10) change the run. Each sample is
# OUT/NAME/NAME.bam (+ FASTQ, truth, params); OUT/samples.tsv lists them
# (name, role normal|plasma, bam, truth) for `cfspot pon` and `call --pon`.
# Seeds are fixed (normal i: 1000 + i, plasma i: 2000 + i), so a rerun
# writes the same bytes. Takes ~2 s a sample at depth 2000 on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-/tmp/cfspot-sim-normals}
CFSPOT=${CFSPOT:-$here/../target/release/cfspot}
DEPTH=${DEPTH:-2000}
THREADS=${THREADS:-2}
NORMALS=${NORMALS:-20}
PLASMAS=${PLASMAS:-10}
ARTEFACTS=KRAS_G12D:0.01,TP53_R175H:0.005,EGFR_L858R:0.002,PIK3CA_E545K:0.008,NRAS_Q61R:0.003
mkdir -p "$OUT"
sheet=$OUT/samples.tsv
printf 'name\trole\tbam\ttruth\n' >"$sheet"
one() { # NAME ROLE SEED ARGS...
    local name=$1 role=$2 seed=$3
    shift 3
    rm -rf "${OUT:?}/$name"
    "$CFSPOT" simulate -o "$OUT/$name" -n "$name" -s "$seed" -d "$DEPTH" -@ "$THREADS" \
        --artefact "$ARTEFACTS" "$@" 2>/dev/null
    printf '%s\t%s\t%s\t%s\n' "$name" "$role" "$OUT/$name/$name.bam" \
        "$OUT/$name/$name.truth.tsv" >>"$sheet"
}
for i in $(seq 1 "$NORMALS"); do
    one "normal$i" normal $((1000 + i)) -t 0 -m none
done
for i in $(seq 1 "$PLASMAS"); do
    one "plasma$i" plasma $((2000 + i)) -t 0 -m none
done
one plasma_mut plasma 3000 -t 0.1 -m KRAS_G12D
echo "wrote $((NORMALS + PLASMAS + 1)) samples; sheet $sheet (artefacts $ARTEFACTS)"
