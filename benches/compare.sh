#!/usr/bin/env bash
# The benchmark driver of issue 7. Sections (SECTIONS, default count fastq sim cost):
#   count  counting at hotspots: `cfspot count` side by side with samtools,
#          bcftools and perbase, on the same simulated BAMs and the same sites
#          (this script; steps 1-4 below)
#   fastq  FASTQ mode vs `bwa mem | samtools sort | cfspot count` and vs
#          `gzip -dc` (benches/fastq_vs_bwa.sh, run with this WORK, RUNS and
#          CFSPOT; its DEPTH is FASTQ_DEPTH, default 9300: 671,397 pairs)
#   sim    `cfspot simulate` vs dwgsim (benches/sim_vs_dwgsim.sh, with this
#          CFSPOT; its DEPTH is SIM_DEPTH, default 9510; REPS its own, 3)
#   cost   what `call` costs beyond `count` (issue 14 item 4): on the deep
#          demo BAM (COST_DEEP, default 3000) and at COST_SITES (10,000)
#          random sites, wall/CPU times and callgrind instruction counts
#          (benches/call_vs_count.sh, with this WORK, RUNS and CFSPOT)
#   umi    duplex molecules: cfspot's one pass (from BAM and from FASTQ) vs
#          fgumi's consensus pipeline (benches/umi_vs_fgumi.sh, with this
#          WORK, RUNS and CFSPOT; its DEPTH is UMI_DEPTH, default 2000).
#          Not in the default SECTIONS: it installs fgumi with cargo when
#          it is not on PATH (FGUMI=/path/to/fgumi), which takes a while.
# Each section prints its own markdown; the fastq, sim, cost and umi sections run after
# the count section, and the driver fails at the end if any section failed.
# TF, SEED and DEPTH apply to the count section only: the other scripts keep
# their own defaults (run them directly to change those).
#
# The count section:
# 1. Inputs: `cfspot simulate` on the embedded demo panel (31 hotspots),
#    a deep sample (DEEP fragments per site, default 20,000) and a shallow one
#    (SHALLOW, default 2,000), tumour fraction TF (0.02), seed SEED (1).
#    Reused from WORK when the same binary (checksum) made them with the same
#    settings.
# 2. Sites, from assets/demo/hotspots.vcf:
#      snv.bed    the 26 distinct SNV positions (what a per-base pileup can
#                 count; the checks use these)
#      spans.bed  every hotspot's REF span (28 intervals, 42 bases: the SNVs
#                 plus the EGFR E746_A750del span holding the L747P MNV).
#                 The timed pileups, and the floor, run on these, so they
#                 touch the same reads as cfspot does for all 31 hotspots.
# 3. Checks that the tools agree on the counts (fails on real disagreement):
#      cfspot --count-reads  == samtools mpileup -x        A C G T N DEL, ref, alt
#      cfspot --count-reads  == perbase base-depth          A C G T DEL (perbase N
#                               also holds the bases below -Q: N == N + low_quality)
#      cfspot (fragments)    vs samtools mpileup (overlap detection), bcftools
#                               AD, perbase --mate-fix: these keep one base of two
#                               disagreeing mates, cfspot counts the fragment as
#                               `discordant`; so every base count is >= cfspot's
#                               and the excess is at most `discordant` per site.
# 4. Times each command RUNS times (default 5) after one warm-up run; reports
#    the median wall time, median CPU time (user + sys), the largest peak RSS
#    (/usr/bin/time) and the ratio of wall times to `cfspot count -@ 1`.
#
# bcftools mpileup needs a FASTA with the BAM's contigs; the demo reference is
# regional (chrom:start-end windows), so the script writes a full-length
# bgzipped FASTA (N outside the demo windows; 6 MB, ~20 s, made once) and
# also times `--no-reference` (REF = N, no indel calling).
#
# Usage: benches/compare.sh            (from anywhere; runs in the repo root)
# Env:   CFSPOT   cfspot binary (default target/release/cfspot)
#        PERBASE  perbase binary, or the bin folder that holds it (default: PATH)
#        SECTIONS ("count fastq sim cost"; also: umi)  FASTQ_DEPTH (9300)
#        SIM_DEPTH (9510)  UMI_DEPTH (2000)  COST_DEEP (3000)  COST_SITES (10000)
#        WORK (bench-work)  RUNS (5)  DEEP (20000)  SHALLOW (2000)  TF (0.02)
#        SEED (1)  PANELS ("deep shallow")  SIM_THREADS (2)
#        CHECK_ONLY=1 stops after the checks (the count and fastq sections'
#        checks; the sim section has none and is skipped).
# Needs: bash, python3, samtools (checks, floor). Optional: bcftools, perbase
# (cargo install perbase), /usr/bin/time (apt-get install -y time) for RSS.
# The fastq section needs bwa, the sim section dwgsim (apt-get install -y
# bwa dwgsim). No network. A missing optional tool's rows are skipped with a
# note. Shared helpers (timing, medians, ratios, inputs): benches/lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh

CFSPOT=${CFSPOT:-${CARGO_TARGET_DIR:-target}/release/cfspot}
WORK=${WORK:-bench-work}
RUNS=${RUNS:-5}
DEEP=${DEEP:-20000}
SHALLOW=${SHALLOW:-2000}
TF=${TF:-0.02}
SEED=${SEED:-1}
PANELS=${PANELS:-deep shallow}
SIM_THREADS=${SIM_THREADS:-2}
CHECK_ONLY=${CHECK_ONLY:-0}
SECTIONS=${SECTIONS:-count fastq sim cost}
FF=UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY # cfspot's default -F (0xf04)

[[ -x "$CFSPOT" ]] || die "no cfspot binary at '$CFSPOT': run 'cargo build --release' or set CFSPOT=/path/to/cfspot"
for sec in $SECTIONS; do
  [[ $sec == count || $sec == fastq || $sec == sim || $sec == cost || $sec == umi ]] || die "unknown section '$sec' in SECTIONS (count, fastq, sim, cost, umi)"
done
section() { [[ " $SECTIONS " == *" $1 "* ]]; }

# The fastq and sim sections, each its own script; called once the count
# section is done (or skipped). A failed section is reported, the next one
# still runs, and the driver fails at the end.
other_sections() {
  local failed=()
  if section fastq; then
    echo
    env -u TF -u SEED -u DEPTH CFSPOT="$CFSPOT" WORK="$WORK" RUNS="$RUNS" CHECK_ONLY="$CHECK_ONLY" \
      ${FASTQ_DEPTH:+DEPTH="$FASTQ_DEPTH"} benches/fastq_vs_bwa.sh || failed+=(fastq)
  fi
  if section sim && [[ $CHECK_ONLY != 1 ]]; then
    echo
    CFSPOT="$CFSPOT" benches/sim_vs_dwgsim.sh ${SIM_DEPTH:+"$SIM_DEPTH"} || failed+=(sim)
  fi
  if section cost && [[ $CHECK_ONLY != 1 ]]; then
    echo
    env -u DEEP CFSPOT="$CFSPOT" WORK="$WORK" RUNS="$RUNS" \
      ${COST_DEEP:+DEEP="$COST_DEEP"} ${COST_SITES:+SITES="$COST_SITES"} benches/call_vs_count.sh || failed+=(cost)
  fi
  if section umi; then
    echo
    env -u TF -u SEED -u DEPTH CFSPOT="$CFSPOT" WORK="$WORK" RUNS="$RUNS" CHECK_ONLY="$CHECK_ONLY" \
      ${UMI_DEPTH:+DEPTH="$UMI_DEPTH"} benches/umi_vs_fgumi.sh || failed+=(umi)
  fi
  (( ${#failed[@]} == 0 )) || die "section(s) failed: ${failed[*]}"
}
if ! section count; then
  other_sections
  exit 0
fi

command -v python3 >/dev/null || die "python3 is needed (for the checks and the bcftools FASTA)"
command -v samtools >/dev/null || die "samtools is needed for the checks and the floor: apt-get install -y samtools"
HAVE_BCFTOOLS=1; command -v bcftools >/dev/null || { HAVE_BCFTOOLS=0; note "bcftools not on PATH: its rows are skipped (apt-get install -y bcftools)"; }
if [[ -n "${PERBASE:-}" && -d "$PERBASE" ]]; then PERBASE=$PERBASE/perbase; fi
PERBASE=${PERBASE:-$(command -v perbase || true)}
HAVE_PERBASE=1; [[ -n "$PERBASE" && -x "$PERBASE" ]] || { HAVE_PERBASE=0; note "perbase not found: its rows are skipped (cargo install perbase; PERBASE=/path/to/bin)"; }
find_timev
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"

mkdir -p "$WORK"
log=$WORK/logs; mkdir -p "$log"

# ---------------------------------------------------------------- machine
cf_version=$("$CFSPOT" --version)
echo "## Machine and tools"
echo
echo "- CPU: $(cpu_line)"
echo "- load average at start: $(loadavg)"
echo "- $cf_version ($CFSPOT); $(samtools --version | head -1)"
[[ $HAVE_BCFTOOLS == 1 ]] && echo "- $(bcftools --version | head -1)"
[[ $HAVE_PERBASE == 1 ]] && echo "- $("$PERBASE" --version 2>&1 | head -1)"
echo "- runs per command: $RUNS (median), after one warm-up run"
echo

# ---------------------------------------------------------------- sites
vcf=assets/demo/hotspots.vcf
grep -v '^#' "$vcf" | awk -v OFS='\t' 'length($4) == 1 && length($5) == 1 { print $1, $2 - 1, $2 }' \
  | sort -u -k1,1V -k2,2n > "$WORK/snv.bed"
grep -v '^#' "$vcf" | awk -v OFS='\t' '{ print $1, $2 - 1, $2 - 1 + length($4) }' \
  | sort -u -k1,1V -k2,2n > "$WORK/spans.bed"

# ---------------------------------------------------------------- inputs
# Full-length FASTA for bcftools: the BAM's contigs, N outside the demo windows.
fake_reference() { # bam
  local fa=$WORK/fake_ref.fa.gz
  if [[ -s $fa.fai && -s $fa.gzi ]]; then echo "$fa"; return; fi
  note "writing $fa (full-length contigs, N outside the demo windows) for bcftools"
  samtools view -H "$1" | grep '^@SQ' | python3 -c '
import sys
wins = {}
name = None
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith(">"):
        name = line[1:].split()[0]
        wins[name] = []
    elif line:
        wins[name].append(line)
by_contig = {}
for n, seq in wins.items():
    c, rng = n.rsplit(":", 1)
    s, e = (int(x) for x in rng.split("-"))
    by_contig.setdefault(c, []).append((s, "".join(seq).encode()))
out, W = sys.stdout.buffer, 60
for line in sys.stdin:
    f = dict(x.split(":", 1) for x in line.rstrip("\n").split("\t")[1:] if ":" in x)
    c, ln = f["SN"], int(f["LN"])
    seq = bytearray(b"N") * ln
    for s, w in by_contig.get(c, []):
        seq[s - 1:s - 1 + len(w)] = w
    out.write(b">%s\n" % c.encode())
    B = W * 20000
    for i in range(0, ln, B):
        blk = bytes(seq[i:i + B])
        out.write(b"\n".join(blk[j:j + W] for j in range(0, len(blk), W)) + b"\n")
' assets/demo/regions.fa | bgzip -l 1 > "$fa.tmp"
  mv "$fa.tmp" "$fa"
  samtools faidx "$fa"
  echo "$fa"
}

for p in $PANELS; do
  case $p in
    deep) simulate_once "$WORK/deep" deep -d "$DEEP" -t "$TF" -s "$SEED" ;;
    shallow) simulate_once "$WORK/shallow" shallow -d "$SHALLOW" -t "$TF" -s "$SEED" ;;
    *) die "unknown panel '$p' in PANELS (deep, shallow)" ;;
  esac
done
first=${PANELS%% *}
FAKE_REF=
if [[ $HAVE_BCFTOOLS == 1 ]]; then
  command -v bgzip >/dev/null || die "bgzip is needed for the bcftools FASTA: apt-get install -y tabix"
  FAKE_REF=$(fake_reference "$WORK/$first/$first.bam")
fi

# ---------------------------------------------------------------- checks
check() { # name
  local name=$1 bam=$WORK/$1/$1.bam d=$WORK/$1/check
  mkdir -p "$d"
  "$CFSPOT" count -o "$d/cfspot.frag.tsv" "$bam" 2> "$log/check.$name.cfspot.log"
  "$CFSPOT" count --count-reads -o "$d/cfspot.read.tsv" "$bam" 2>> "$log/check.$name.cfspot.log"
  local mp=(samtools mpileup -B -A -d 0 -q 20 -Q 20 --ff "$FF" -l "$WORK/snv.bed")
  "${mp[@]}" -x "$bam" > "$d/samtools.reads.txt" 2> "$log/check.$name.samtools.log"
  "${mp[@]}" "$bam" > "$d/samtools.overlap.txt" 2>> "$log/check.$name.samtools.log"
  local args=("$d")
  if [[ $HAVE_BCFTOOLS == 1 ]]; then
    bcftools mpileup -f "$FAKE_REF" -a AD,ADF,ADR -B -d 1000000 -q 20 -Q 20 -R "$WORK/snv.bed" "$bam" 2> "$log/check.$name.bcftools.log" \
      | bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\t[%AD]\n' > "$d/bcftools.txt"
    args+=(bcftools)
  fi
  if [[ $HAVE_PERBASE == 1 ]]; then
    local pb=("$PERBASE" base-depth -t 1 -F 3844 -q 20 -Q 20 -D 1000000 -b "$WORK/snv.bed")
    "${pb[@]}" "$bam" > "$d/perbase.txt" 2> "$log/check.$name.perbase.log"
    "${pb[@]}" --mate-fix "$bam" > "$d/perbase.matefix.txt" 2>> "$log/check.$name.perbase.log"
    args+=(perbase)
  fi
  python3 - "${args[@]}" <<'PY'
import sys, os
d, tools = sys.argv[1], set(sys.argv[2:])
B = ["A", "C", "G", "T", "N", "DEL"]

def cfspot(path):
    rows = [l.rstrip("\n").split("\t") for l in open(path)]
    h = {k: i for i, k in enumerate(rows[0])}
    by_pos = {}
    for r in rows[1:]:
        if len(r[h["ref"]]) != 1 or len(r[h["alt"]]) != 1:
            continue
        key = (r[h["contig"]], int(r[h["pos"]]))
        site = by_pos.setdefault(key, {"bases": [int(r[h[b]]) for b in B], "rows": [],
                                       "discordant": int(r[h["discordant"]]),
                                       "low_quality": int(r[h["low_quality"]])})
        site["rows"].append((r[h["id"]], r[h["ref"]], r[h["alt"]], int(r[h["ref_count"]]), int(r[h["alt_count"]])))
    return by_pos

def mpileup(path):
    out = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        c = [0] * 6
        s, i = f[4], 0
        while i < len(s):
            x = s[i]
            if x == "^":
                i += 1
            elif x in "+-":
                j = i + 1
                while s[j].isdigit():
                    j += 1
                i = j + int(s[i + 1:j]) - 1
            elif x.upper() in "ACGTN":
                c["ACGTN".index(x.upper())] += 1
            elif x in "*#":
                c[5] += 1
            i += 1
        out[(f[0], int(f[1]))] = c
    return out

def bcftools(path):
    out = {}
    for line in open(path):
        chrom, pos, ref, alt, ad = line.rstrip("\n").split("\t")
        alleles = [ref] + alt.split(",")
        c = [0] * 6
        for a, n in zip(alleles, ad.split(",")):
            if a in "ACGTN" and len(a) == 1 and n != ".":
                c["ACGTN".index(a)] += int(n)
        out[(chrom, int(pos))] = c
    return out

def perbase(path):
    rows = [l.rstrip("\n").split("\t") for l in open(path)]
    h = {k: i for i, k in enumerate(rows[0])}
    return {(r[h["REF"]], int(r[h["POS"]])): [int(r[h[b]]) for b in B] for r in rows[1:]}

frag = cfspot(os.path.join(d, "cfspot.frag.tsv"))
read = cfspot(os.path.join(d, "cfspot.read.tsv"))
bad = []

def exact(label, tool, cf, idx, adjust=None):
    n = 0
    for key, site in cf.items():
        want = list(site["bases"])
        if adjust:
            want = adjust(site, want)
        got = tool.get(key, [0] * 6)
        if [got[i] for i in idx] != [want[i] for i in idx]:
            bad.append(f"{label} {key[0]}:{key[1]}: tool {got}, cfspot {want}")
        else:
            n += 1
        for (hid, ref, alt, rc, ac) in site["rows"]:
            if "ACGTN".index(ref) in idx and (got["ACGTN".index(ref)], got["ACGTN".index(alt)]) != (rc, ac):
                bad.append(f"{label} {hid}: tool ref/alt {got['ACGTN'.index(ref)]}/{got['ACGTN'.index(alt)]}, cfspot {rc}/{ac}")
    print(f"  OK  {label}: equal at {n}/{len(cf)} SNV positions" if n == len(cf) else f"  BAD {label}")

def bounded(label, tool, cf, idx):
    n = same = excess_total = disc_total = 0
    for key, site in cf.items():
        got = tool.get(key, [0] * 6)
        want = site["bases"]
        excess = sum(got[i] - want[i] for i in idx)
        ok = all(got[i] >= want[i] for i in idx) and excess <= site["discordant"]
        if not ok:
            bad.append(f"{label} {key[0]}:{key[1]}: tool {got}, cfspot {want}, discordant {site['discordant']}")
        n += ok
        same += excess == site["discordant"]
        excess_total += excess
        disc_total += site["discordant"]
    print(f"  {'OK ' if n == len(cf) else 'BAD'} {label}: every base >= cfspot, excess <= discordant at {n}/{len(cf)}; "
          f"excess {excess_total} of {disc_total} discordant fragments (equal at {same}/{len(cf)} positions)")

exact("cfspot --count-reads == samtools mpileup -x (A C G T N DEL, ref, alt)", mpileup(os.path.join(d, "samtools.reads.txt")), read, range(6))
bounded("cfspot fragments vs samtools mpileup (overlap detection; A C G T N DEL)", mpileup(os.path.join(d, "samtools.overlap.txt")), frag, range(6))
if "bcftools" in tools:
    bounded("cfspot fragments vs bcftools mpileup AD (A C G T)", bcftools(os.path.join(d, "bcftools.txt")), frag, range(4))
if "perbase" in tools:
    exact("cfspot --count-reads == perbase base-depth (A C G T DEL, ref, alt; perbase N == N + low_quality)",
          perbase(os.path.join(d, "perbase.txt")), read, range(6),
          adjust=lambda s, w: w[:4] + [w[4] + s["low_quality"], w[5]])
    bounded("cfspot fragments vs perbase base-depth --mate-fix (A C G T N DEL)", perbase(os.path.join(d, "perbase.matefix.txt")), frag, range(6))
if bad:
    print("\n".join("  " + b for b in bad[:40]), file=sys.stderr)
    sys.exit(1)
PY
}

echo "## Count checks (before timing)"
echo
for p in $PANELS; do
  echo "$p ($WORK/$p/$p.bam):"
  check "$p" || die "the tools disagree on $p (see above; outputs in $WORK/$p/check)"
done
echo
if [[ $CHECK_ONLY == 1 ]]; then
  other_sections
  exit 0
fi

# ---------------------------------------------------------------- timing
# (time_cmd, row, skip, ratio, goal and the T, C, rows they fill: benches/lib.sh)
for p in $PANELS; do
  bam=$WORK/$p/$p.bam
  spans=$WORK/spans.bed
  row "$p" floor "\`samtools view -c -M -L spans.bed\` (floor)" "decodes each overlapping record once" \
    samtools view -c -M -L "$spans" "$bam"
  row "$p" cf1 "\`cfspot count -@ 1\`" "31 hotspots (SNV, MNV, deletion), fragments" \
    "$CFSPOT" count -@ 1 -o "$WORK/$p/count.tsv" "$bam"
  row "$p" cf2 "\`cfspot count -@ 2\`" "same, 2 threads" \
    "$CFSPOT" count -@ 2 -o "$WORK/$p/count.tsv" "$bam"
  row "$p" samtools "\`samtools mpileup -B -A -d 0 -q20 -Q20 --ff $FF -l spans.bed\`" "bases at 42 positions, overlap-adjusted reads" \
    samtools mpileup -B -A -d 0 -q 20 -Q 20 --ff "$FF" -l "$spans" "$bam"
  if [[ $HAVE_BCFTOOLS == 1 ]]; then
    row "$p" bcftools "\`bcftools mpileup -f fake_ref.fa.gz -a AD,ADF,ADR -B -d 1000000 -q20 -Q20 -R spans.bed -Ou\`" "AD at 42 positions + indel calling" \
      bcftools mpileup -f "$FAKE_REF" -a AD,ADF,ADR -B -d 1000000 -q 20 -Q 20 -R "$spans" -Ou "$bam"
    row "$p" bcftools_noref "\`bcftools mpileup --no-reference\` (same options)" "AD at 42 positions, REF = N, no indels" \
      bcftools mpileup --no-reference -a AD,ADF,ADR -B -d 1000000 -q 20 -Q 20 -R "$spans" -Ou "$bam"
  else
    skip "$p" bcftools "\`bcftools mpileup\`" "" "bcftools not found"
  fi
  if [[ $HAVE_PERBASE == 1 ]]; then
    pb=("$PERBASE" base-depth -F 3844 -q 20 -Q 20 -D 1000000 -b "$spans")
    row "$p" perbase "\`perbase base-depth -t 1 -F 3844 -q20 -Q20 -D 1000000 -b spans.bed\`" "bases at 42 positions, reads" \
      "${pb[@]}" -t 1 "$bam"
    row "$p" perbase_mf "\`perbase base-depth -t 1 --mate-fix\` (same options)" "bases at 42 positions, one base per overlapping pair" \
      "${pb[@]}" -t 1 --mate-fix "$bam"
    row "$p" perbase_mf2 "\`perbase base-depth -t 2 --mate-fix\` (same options)" "same, 2 threads" \
      "${pb[@]}" -t 2 --mate-fix "$bam"
  else
    skip "$p" perbase "\`perbase base-depth\`" "" "perbase not found"
  fi
done

echo "## Timings"
echo
echo "Wall and CPU (user + sys) seconds: median of $RUNS runs; peak RSS: largest of the runs;"
echo "ratios: this row's median wall (CPU) time / \`cfspot count -@ 1\`'s on the same BAM (> 1: cfspot is faster)."
echo
echo "| BAM | command | counts | wall s | CPU s | peak RSS MB | wall / cfspot -@ 1 | CPU / cfspot -@ 1 |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"
for r in "${rows[@]}"; do
  IFS=$US read -r panel key label counts wall cpu rss <<< "$r"
  echo "| $panel | $label | $counts | $wall | $cpu | $rss | $(ratio "$wall" "${T[$panel/cf1]:-}") | $(ratio "$cpu" "${C[$panel/cf1]:-}") |"
done
echo
echo "load average at end: $(loadavg)"
echo

# ---------------------------------------------------------------- goals (issue 7)
echo "## Goals of issue 7 (ratios of median wall times; CPU-time ratio in parentheses)"
echo
for p in $PANELS; do
  goal "$p" "cfspot -@ 1 / samtools view -c floor" cf1 floor "<=" 1.2
  goal "$p" "bcftools mpileup / cfspot -@ 1" bcftools cf1 ">=" 5
  goal "$p" "perbase --mate-fix -t 1 / cfspot -@ 1" perbase_mf cf1 ">=" 3
  goal "$p" "cfspot -@ 1 / cfspot -@ 2" cf1 cf2 ">=" 1.8
done

other_sections
