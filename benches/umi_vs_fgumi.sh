#!/usr/bin/env bash
# Duplex molecules at the hotspots: cfspot's one pass against fgumi's
# consensus pipeline (issue 12, "side by side with fgumi").
#
# 1. Input: `cfspot simulate --umi --family-size-mean FAMILY` (duplex UMIs,
#    8 + 8 bases, each read pair from strand A or B) on the demo panel,
#    DEPTH unique molecules a hotspot, seed SEED. Its FASTQ carries the UMIs
#    in the read names; fgumi extract reads them from the reads, so the
#    pairs are rewritten with each read's UMI in front (`8M+T 8M+T`), once,
#    untimed; both tools then read these same files.
# 2. fgumi's pipeline, as its best-practice guide has it (docs/src/guide/
#    best-practices.md), against an index of the panel's own windows
#    (assets/demo/regions.fa, bwa's best case, as benches/fastq_vs_bwa.sh):
#      from FASTQ: fgumi extract --read-structures 8M+T 8M+T
#                  | fgumi fastq | bwa mem -p -K 150000000 -Y | fgumi zipper
#                  | fgumi sort --order template-coordinate
#                  | fgumi group --strategy paired --edits 1
#                  | fgumi duplex --min-reads 1
#                  | fgumi fastq | bwa mem | fgumi zipper     (re-alignment)
#                  | fgumi filter --min-reads 1   (keep every molecule: the
#                    count is compared, not a stringency)
#                  | lift to genome coordinates | samtools sort + index
#                  | cfspot count (fragments of the consensus BAM = molecules)
#      from BAM:   the simulator's aligned BAM (RX present): samtools sort -n
#                  | samtools fixmate -m (fgumi group needs MC) | fgumi sort
#                  --order template-coordinate, then group onwards as above.
#    Steps run as files (the guide's R&D layout), each with -t/--threads 2.
# 3. cfspot: `count --duplex -@ 2` on the simulator's BAM (its MI families:
#    the BAM path groups by MI today) and on the rewritten FASTQ
#    (`--read-structure 8M+T 8M+T`: extract, place, group, consensus, count).
# 4. Check, per hotspot: the duplex molecules fgumi's consensus BAM shows
#    (cfspot count: depth + discordant + low_quality) against cfspot's
#    duplex molecules (depth + discordant + low_quality of --duplex), goal
#    within 2 %; reported, and the script fails on a hotspot beyond 10 %.
# 5. Times (median of RUNS after a warm-up), ratios, goals: fgumi's
#    pipeline >= 10x cfspot from BAM, >= 20x from FASTQ.
#
# Usage: benches/umi_vs_fgumi.sh   (or SECTIONS=umi benches/compare.sh)
# Env:   CFSPOT (target/release/cfspot)  FGUMI (fgumi binary; default: PATH,
#        else `cargo install fgumi --locked` into WORK/fgumi, with
#        CARGO_TARGET_DIR=FGUMI_TARGET, default WORK/fgumi-target: it takes a
#        while)  WORK (bench-work)  RUNS (3)  DEPTH (2000)  FAMILY (4)
#        SEED (12)  TF (0.02)  SIM_THREADS (2)  CHECK_ONLY=1 (stop after the
#        check)
# Needs: bash, awk, gzip, bwa, samtools, cargo (to install fgumi);
# /usr/bin/time for CPU and RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh

CFSPOT=${CFSPOT:-${CARGO_TARGET_DIR:-target}/release/cfspot}
WORK=${WORK:-bench-work}
RUNS=${RUNS:-3}
DEPTH=${DEPTH:-2000}
FAMILY=${FAMILY:-4}
SEED=${SEED:-12}
TF=${TF:-0.02}
SIM_THREADS=${SIM_THREADS:-2}
CHECK_ONLY=${CHECK_ONLY:-0}

need_tools gzip bwa samtools
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
log=$WORK/logs; mkdir -p "$log"
dir=$WORK/umi

FGUMI=${FGUMI:-$(command -v fgumi || true)}
if [[ -z $FGUMI ]]; then
  FGUMI=$WORK/fgumi/bin/fgumi
  if [[ ! -x $FGUMI ]]; then
    command -v cargo >/dev/null || die "fgumi is not on PATH and cargo is missing to install it"
    note "installing fgumi: cargo install fgumi --locked --root $WORK/fgumi (CARGO_TARGET_DIR=${FGUMI_TARGET:-$WORK/fgumi-target}); this takes a while"
    CARGO_TARGET_DIR=${FGUMI_TARGET:-$WORK/fgumi-target} cargo install fgumi --locked --root "$WORK/fgumi" \
      > "$log/fgumi-install.log" 2>&1 || die "cargo install fgumi failed; see $log/fgumi-install.log"
  fi
fi
[[ -x $FGUMI ]] || die "no fgumi binary at '$FGUMI'"

# ---------------------------------------------------------------- inputs
simulate_once "$dir" sim --umi --family-size-mean "$FAMILY" -d "$DEPTH" -s "$SEED" -t "$TF"
r1=$dir/inline_R1.fastq.gz r2=$dir/inline_R2.fastq.gz
if [[ ! -s $r2 || $r2 -ot $dir/sim_R2.fastq.gz ]]; then
  note "writing the pairs with their UMIs inline (8M+T 8M+T)"
  # Header `NAME:B:M:C:U1+U2 1:N:0`: read 1 takes U1 in front, read 2 U2;
  # the name keeps the rest, so both tools see the same names.
  # shellcheck disable=SC2016 # awk's $ fields
  INLINE='NR % 4 == 1 { n = split($1, f, ":"); split(f[n], u, "+"); h = f[1]; for (i = 2; i < n; i++) h = h ":" f[i]; print h " " $2; next }
          NR % 4 == 2 { print u[part] $0; next }
          NR % 4 == 3 { print; next }
          { print "IIIIIIII" $0 }'
  gzip -dc "$dir/sim_R1.fastq.gz" | "$AWK" -v part=1 "$INLINE" | gzip -1 > "$r1.tmp" && mv "$r1.tmp" "$r1"
  gzip -dc "$dir/sim_R2.fastq.gz" | "$AWK" -v part=2 "$INLINE" | gzip -1 > "$r2.tmp" && mv "$r2.tmp" "$r2"
fi
pairs=$(( $(gzip -dc "$r1" | wc -l) / 4 ))

ref=$dir/ref/regions.fa
if [[ ! -s $ref.bwt ]]; then
  mkdir -p "$dir/ref"
  cp assets/demo/regions.fa "$ref"
  bwa index "$ref" 2> "$log/umi.bwa_index.log" || die "bwa index failed; see $log/umi.bwa_index.log"
  samtools faidx "$ref"
  samtools dict -o "${ref%.fa}.dict" "$ref"
fi

# LIFT (benches/lib.sh): window contigs (chr12:25244847-...) back to genome
# coordinates, so cfspot counts the demo panel on them.

# fgumi from a template-coordinate-sorted BAM ($1/sorted.bam) to cfspot's
# count of its filtered, re-aligned duplex consensus ($2).
# shellcheck disable=SC2016 # expanded by the inner bash
CONSENSUS='
f=$FGUMI; d=$1
$f group --input $d/sorted.bam --output $d/grouped.bam --strategy paired --edits 1 --threads 2
$f duplex --input $d/grouped.bam --output $d/consensus.bam --min-reads 1 --threads 2
$f fastq --input $d/consensus.bam | bwa mem -t 2 -p -K 150000000 -Y $REF - 2> $d/bwa2.log \
  | $f zipper --unmapped $d/consensus.bam --reference $REF --output $d/consensus.mapped.bam
$f filter --input $d/consensus.mapped.bam --output $d/filtered.bam --ref $REF --min-reads 1 --threads 2
samtools view -h $d/filtered.bam | $AWK "$LIFT" | samtools sort -@ 2 -o $d/final.bam - && samtools index $d/final.bam
$CFSPOT count -@ 2 $d/final.bam'
# shellcheck disable=SC2016
FROM_FASTQ='set -eo pipefail
f=$FGUMI; d=$1
$f extract --inputs $R1 $R2 --read-structures 8M+T 8M+T --sample sim --library sim --output $d/unmapped.bam --threads 2
$f fastq --input $d/unmapped.bam | bwa mem -t 2 -p -K 150000000 -Y $REF - 2> $d/bwa1.log \
  | $f zipper --unmapped $d/unmapped.bam --reference $REF --output $d/aligned.bam
$f sort --input $d/aligned.bam --output $d/sorted.bam --order template-coordinate --threads 2
'"$CONSENSUS"
# shellcheck disable=SC2016
FROM_BAM='set -eo pipefail
f=$FGUMI; d=$1
samtools sort -n -@ 2 -u $BAM | samtools fixmate -m -u - - | $f sort --input /dev/stdin --output $d/sorted.bam --order template-coordinate --threads 2
'"$CONSENSUS"
export FGUMI REF=$ref R1=$r1 R2=$r2 BAM=$dir/sim.bam AWK LIFT CFSPOT
mkdir -p "$dir/fq" "$dir/bam" "$dir/check"
fq_pipe=(bash -c "$FROM_FASTQ" fgumi-fastq "$dir/fq")
bam_pipe=(bash -c "$FROM_BAM" fgumi-bam "$dir/bam")
cf_bam=("$CFSPOT" count --duplex -@ 2 "$dir/sim.bam")
cf_fq=("$CFSPOT" count -@ 2 "$r1" "$r2" --duplex --read-structure 8M+T 8M+T)

# ---------------------------------------------------------------- machine
echo "## Duplex molecules: cfspot's one pass vs fgumi's pipeline (benches/umi_vs_fgumi.sh)"
echo
echo "- CPU: $(cpu_line)"
echo "- load average at start: $(loadavg)"
echo "- $("$CFSPOT" --version) ($CFSPOT); $("$FGUMI" --version 2>&1 | head -1); bwa $(bwa 2>&1 | awk '/^Version/ { print $2 }'); $(samtools --version | head -1)"
echo "- input: \`cfspot simulate --umi --family-size-mean $FAMILY -d $DEPTH -s $SEED -t $TF\`, $pairs read pairs, UMIs rewritten inline (8M+T 8M+T)"
echo "- runs per command: $RUNS (median), after one warm-up run"
echo

# ---------------------------------------------------------------- check
note "check: running each pipeline once"
"${fq_pipe[@]}" > "$dir/check/fgumi_fastq.tsv" 2> "$log/umi.fgumi_fastq.log" || die "fgumi's FASTQ pipeline failed; see $log/umi.fgumi_fastq.log"
"${bam_pipe[@]}" > "$dir/check/fgumi_bam.tsv" 2> "$log/umi.fgumi_bam.log" || die "fgumi's BAM pipeline failed; see $log/umi.fgumi_bam.log"
"${cf_bam[@]}" > "$dir/check/cfspot_bam.tsv" 2> "$log/umi.cfspot_bam.log" || die "cfspot count --duplex on the BAM failed"
"${cf_fq[@]}" > "$dir/check/cfspot_fastq.tsv" 2> "$log/umi.cfspot_fastq.log" || die "cfspot count --duplex on the FASTQ failed"

# Molecules a count TSV shows at each hotspot: depth + discordant +
# low_quality (a molecule whose strands disagree, or whose consensus base
# is masked, is still one molecule over the site).
compare() { # label a.tsv b.tsv
  "$AWK" -F'\t' -v label="$1" '
    FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    NR == FNR { m[$col["id"]] = $col["depth"] + $col["discordant"] + $col["low_quality"]; next }
    {
      id = $col["id"]; b = $col["depth"] + $col["discordant"] + $col["low_quality"]; n++
      rel = (b > 0) ? (m[id] - b) / b : 0; if (rel < 0) rel = -rel
      if (rel <= 0.02) ok++
      if (rel > worst) { worst = rel; wid = id }
      if (rel > 0.10) bad++
      sa += m[id]; sb += b
    }
    END {
      printf "- %s: within 2 %% at %d/%d hotspots; largest difference %.2f %% (%s); molecules in all %d vs %d\n", label, ok, n, 100 * worst, wid, sa, sb
      exit (bad > 0)
    }' "$2" "$3"
}
echo "### Molecules per hotspot"
echo
failed=0
compare "fgumi from FASTQ vs cfspot --duplex from FASTQ" "$dir/check/fgumi_fastq.tsv" "$dir/check/cfspot_fastq.tsv" || failed=1
compare "fgumi from BAM vs cfspot --duplex from BAM" "$dir/check/fgumi_bam.tsv" "$dir/check/cfspot_bam.tsv" || failed=1
compare "cfspot --duplex from FASTQ vs from BAM" "$dir/check/cfspot_fastq.tsv" "$dir/check/cfspot_bam.tsv" || failed=1
compare "fgumi from FASTQ vs the truth's duplex molecules (cfspot --duplex from BAM: its MI is the truth)" "$dir/check/fgumi_fastq.tsv" "$dir/check/cfspot_bam.tsv" || true
echo
[[ $failed == 0 ]] || die "a hotspot differs by more than 10 % (TSVs in $dir/check)"
[[ $CHECK_ONLY == 1 ]] && exit 0

# ---------------------------------------------------------------- timing
P=umi
row $P cf_bam "\`cfspot count --duplex -@ 2 sim.bam\` (MI families)" "" "${cf_bam[@]}"
row $P cf_fq "\`cfspot count -@ 2 R1 R2 --duplex --read-structure 8M+T 8M+T\`" "" "${cf_fq[@]}"
# Fragments on the simulator's own FASTQ (the same reads, UMIs in the
# names): inline UMI bases left on the reads defeat the ungapped placement
# (every read goes to the banded alignment, ~20x slower).
row $P cf_plain "\`cfspot count -@ 2 sim_R1 sim_R2\` (fragments, the same reads without inline UMIs)" "" "$CFSPOT" count -@ 2 "$dir/sim_R1.fastq.gz" "$dir/sim_R2.fastq.gz"
row $P fg_fq "fgumi from FASTQ: extract, align, sort, group, duplex, re-align, filter, lift + sort, \`cfspot count\`" "" "${fq_pipe[@]}"
row $P fg_bam "fgumi from BAM: sort -n, fixmate -m, sort, group, duplex, re-align, filter, lift + sort, \`cfspot count\`" "" "${bam_pipe[@]}"

echo "### Timings"
echo
echo "$pairs read pairs. Wall and CPU (user + sys, every process of a pipeline) seconds: median of $RUNS runs; peak RSS: largest of the runs (of one process); ratio: this row's median wall time / that of the cfspot row it is compared with."
echo
echo "| command | wall s | CPU s | peak RSS MB | wall / cfspot from BAM | wall / cfspot from FASTQ |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for r in "${rows[@]}"; do
  IFS=$US read -r panel key label _ wall cpu rss <<< "$r"
  echo "| $label | $wall | $cpu | $rss | $(ratio "$wall" "${T[$panel/cf_bam]:-}") | $(ratio "$wall" "${T[$panel/cf_fq]:-}") |"
done
echo
echo "load average at end: $(loadavg)"
echo
echo "### Goals of issue 12 (ratios of median wall times; CPU-time ratio in parentheses)"
echo
goal $P "fgumi from BAM / cfspot count --duplex sim.bam" fg_bam cf_bam ">=" 10
goal $P "fgumi from FASTQ / cfspot count --duplex R1 R2" fg_fq cf_fq ">=" 20
goal $P "cfspot --duplex from FASTQ / cfspot count R1 R2 (fragments)" cf_fq cf_plain "<=" 1.3
