#!/usr/bin/env bash
# Byte-identity gate: run the same commands with two cfspot binaries and
# compare every file they write. For a change that must not alter outputs
# (a refactor, or a new flag that is off by default), every file must match.
#
#   scripts/gate.sh OLD_BIN NEW_BIN [WORKDIR]
#
# Inputs are made once by OLD_BIN (and the simulations are also re-made by
# NEW_BIN and compared). Covers: demo; a 3,000x BAM (count, --count-reads,
# call, --tumour-informed); FASTQ count and call; call on a count TSV; a UMI
# sample (count). Prints one line per differing file and exits 1 if any
# differ. Extra commands: set GATE_EXTRA to a file of lines
# "NAME<TAB>ARGS..." with @BAM@, @R1@, @R2@, @UMI@ placeholders.
set -euo pipefail
old=$(realpath "$1"); new=$(realpath "$2")
work=${3:-$(mktemp -d /tmp/gate.XXXXXX)}
mkdir -p "$work"; cd "$work"
rm -rf old new in
mkdir -p old new in

# Inputs (also a comparison of simulate itself).
for side in old new; do
  bin=${!side}
  "$bin" simulate -o "$side/sim" -n deep -d 3000 -t 0.02 -s 5 -@ 2 2>/dev/null
  "$bin" simulate -o "$side/umi" -n umi -d 300 -s 7 --umi --family-size-mean 4 -@ 2 2>/dev/null
done
cp -r old/sim old/umi in/
bam=in/sim/deep.bam; r1=in/sim/deep_R1.fastq.gz; r2=in/sim/deep_R2.fastq.gz; umi=in/umi/umi.bam

run() { # NAME ARGS... (with @BAM@ etc. substituted), both binaries
  local name=$1; shift
  for side in old new; do
    local bin=${!side} args=()
    for a in "$@"; do
      a=${a//@BAM@/$bam}; a=${a//@R1@/$r1}; a=${a//@R2@/$r2}; a=${a//@UMI@/$umi}
      a=${a//@OUT@/$side/$name}; args+=("$a")
    done
    mkdir -p "$side/$name"
    "$bin" "${args[@]}" >"$side/$name/stdout" 2>"$side/$name/stderr" || echo "rc=$?" >>"$side/$name/stdout"
  done
}
for side in old new; do # in its own folder, so the paths it prints agree; minus its timing
  mkdir -p "$side/demo"
  (cd "$side/demo" && ${!side} demo -o out 2>/dev/null | sed -E 's/ in [0-9.]+ s\./ in (time) s./' >stdout)
done
run count count -o @OUT@/c.tsv @BAM@
run count_reads count --count-reads -o @OUT@/c.tsv @BAM@
run call call -o @OUT@/s @BAM@
run call_ti call --tumour-informed KRAS_G12D,TP53_R175H,EGFR_L858R -o @OUT@/s @BAM@
run fq_count count -o @OUT@/c.tsv @R1@ @R2@
run fq_call call -o @OUT@/s @R1@ @R2@
run umi_count count -o @OUT@/c.tsv @UMI@
run tsv_call call --background-rate 0.001 -o @OUT@/s old/count/c.tsv
if [ -n "${GATE_EXTRA:-}" ]; then
  while IFS=$'\t' read -r name rest; do
    [ -z "$name" ] && continue
    # shellcheck disable=SC2086
    run "$name" $rest
  done <"$GATE_EXTRA"
fi

# Compare (stderr is excluded: it carries timings).
n=0; bad=0
while IFS= read -r f; do
  n=$((n + 1))
  g=new/${f#old/}
  if [ ! -e "$g" ]; then echo "missing in new: $g"; bad=$((bad + 1))
  elif ! cmp -s "$f" "$g"; then echo "differs: ${f#old/}"; bad=$((bad + 1)); fi
done < <(find old -type f ! -name stderr ! -name '*.bai' | sort)
while IFS= read -r g; do
  [ -e "old/${g#new/}" ] || { echo "only in new: ${g#new/}"; bad=$((bad + 1)); }
done < <(find new -type f ! -name stderr ! -name '*.bai' | sort)
echo "gate: $n files compared, $bad differ ($work)"
[ "$bad" -eq 0 ]
