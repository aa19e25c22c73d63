#!/usr/bin/env bash
# The LoD curve of the README: sensitivity by VAF at 2,000 and 10,000
# fragments per site, from `cfspot simulate` + `call` + `eval`.
#
#   scripts/lod_curve.sh [WORK_DIR]     (CFSPOT=path/to/cfspot to choose the binary)
#
# CALL_ARGS adds `call` options (the README's second column:
# CALL_ARGS=--length-evidence); DEPTHS (default "2000 10000") picks the
# depths (seeds follow the loop, so DEPTHS=2000 makes the same samples).
#
# Every demo hotspot is mutated (clonal heterozygous, so VAF = TF/2), at
# each VAF and depth, in REPS replicates with their own seeds.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cfspot=${CFSPOT:-$here/target/release/cfspot}
work=${1:-lod-work}
reps=${REPS:-3}
threads=${THREADS:-2}
mkdir -p "$work"
printf 'truth\tcalls\n' > "$work/pairs.tsv"
seed=1
for depth in ${DEPTHS:-2000 10000}; do
  for vaf in 0.0005 0.001 0.002 0.003 0.005 0.01; do
    tf=$(python3 -c "print(2 * $vaf)")
    for rep in $(seq 1 "$reps"); do
      name="d${depth}_v${vaf}_r${rep}"
      "$cfspot" simulate -o "$work" -n "$name" -t "$tf" -d "$depth" -m all -s "$seed" -@ "$threads" 2>/dev/null
      # shellcheck disable=SC2086 # CALL_ARGS is a list of options
      "$cfspot" call -o "$work/$name" -@ "$threads" ${CALL_ARGS:-} "$work/$name.bam" 2>/dev/null
      rm -f "$work/$name"_R1.fastq.gz "$work/$name"_R2.fastq.gz
      printf '%s.truth.tsv\t%s.calls.tsv\n' "$name" "$name" >> "$work/pairs.tsv"
      seed=$((seed + 1))
    done
  done
done
"$cfspot" eval --sheet "$work/pairs.tsv" -o "$work/lod"
