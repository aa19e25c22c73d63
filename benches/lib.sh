# shellcheck shell=bash disable=SC2154 # CFSPOT, RUNS, SIM_THREADS, log: the caller's
# Helpers shared by the benchmark scripts (compare.sh, fastq_vs_bwa.sh,
# sim_vs_dwgsim.sh); sourced, not run. Bash only.
#
#   die / note MSG        message on stderr, prefixed with the script's name
#   cpu_line              "CPU model, N cores; RAM x GB; kernel"
#   loadavg               the 1, 5 and 15 minute load averages
#   find_timev            TIMEV=/usr/bin/time, or empty (with a note) when missing
#   simulate_once DIR NAME SETTINGS...
#                         cfspot simulate -o DIR -n NAME SETTINGS -@ SIM_THREADS,
#                         unless DIR already holds what the same binary (checksum)
#                         made with the same SETTINGS (stamp file DIR/stamp)
#   time_cmd LABEL COUNTS -- CMD...
#                         RUNS timed runs after one warm-up, stdout to /dev/null;
#                         sets WALL (median wall s), CPU (median user + sys s) and
#                         RSS (largest peak RSS, MB); a failed command leaves them
#                         empty. For a pipeline run under `bash -c`, CPU counts
#                         every process of it and RSS is the largest single one.
#   row PANEL KEY LABEL COUNTS CMD...
#                         time_cmd, then T[PANEL/KEY]=WALL, C[PANEL/KEY]=CPU and a
#                         "panel key label counts wall cpu rss" line in rows, fields
#                         split by US ($'\x1f': labels may hold `|`, and empty fields
#                         stay apart); read back with IFS=$US read -r ...
#   skip PANEL KEY LABEL COUNTS WHY
#   ratio A B             A/B to 2 decimals when both are numbers, else nothing
#   goal PANEL TEXT KEY-A KEY-B OP TARGET
#                         "- PANEL: TEXT = a/b (CPU ratio), goal OP TARGET: met"
#
#   LIFT                  an awk program: SAM aligned to the demo windows
#                         (contigs named chr12:25244847-25245851, as
#                         assets/demo/regions.fa) lifted to genome coordinates
#
# Globals the caller sets: CFSPOT, RUNS, SIM_THREADS (simulate_once), log (a
# folder for logs and timing scratch files), TIMEV (find_timev sets it).

_bench_name=$(basename "$0")
die() { echo "$_bench_name: $*" >&2; exit 1; }
note() { echo "$_bench_name: $*" >&2; }

cpu_line() {
  echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; RAM $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo); $(uname -sr)"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

find_timev() {
  TIMEV=/usr/bin/time
  [[ -x $TIMEV ]] || { TIMEV=; note "/usr/bin/time missing: no peak RSS (apt-get install -y time)"; }
}

# The checks every bench makes before it starts: the cfspot binary, each
# tool named (apt-get), awk (mawk when present: faster) into AWK, TIMEV,
# and RUNS a positive integer.
need_tools() { # tool...
  [[ -x "$CFSPOT" ]] || die "no cfspot binary at '$CFSPOT': run 'cargo build --release' or set CFSPOT=/path/to/cfspot"
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || die "$t is needed: apt-get install -y $t"
  done
  AWK=$(command -v mawk || command -v awk) || die "awk is needed"
  find_timev
  [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
}

simulate_once() { # dir name settings...
  local dir=$1 name=$2 f; shift 2
  local stamp
  stamp="$("$CFSPOT" --version) ($(cksum < "$CFSPOT" | cut -d' ' -f1)) $*"
  local reuse=1
  for f in "$name.bam" "$name.bam.bai" "${name}_R1.fastq.gz" "${name}_R2.fastq.gz"; do
    [[ -s $dir/$f ]] || reuse=0
  done
  if [[ $reuse == 1 && "$(cat "$dir/stamp" 2>/dev/null)" == "$stamp" ]]; then
    note "reusing $dir/$name.bam ($stamp)"
    return
  fi
  rm -rf "$dir"
  note "simulating $name: cfspot simulate $*"
  "$CFSPOT" simulate -o "$dir" -n "$name" "$@" -@ "$SIM_THREADS" 2> "$log/simulate.$name.log" \
    || die "cfspot simulate failed; see $log/simulate.$name.log"
  echo "$stamp" > "$dir/stamp"
}

# ---------------------------------------------------------------- timing
now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }

# time_cmd LABEL COUNTS -- CMD...: sets WALL CPU RSS; a failed command gives empty values.
time_cmd() {
  local label=$1 counts=$2; shift 3
  local walls=() cpus=() rsss=() i s e tf=$log/time.txt
  WALL=; CPU=; RSS=
  for i in $(seq 0 "$RUNS"); do
    s=$(now)
    if [[ -n $TIMEV ]]; then
      if ! $TIMEV -f '%U %S %M' -o "$tf" "$@" > /dev/null 2> "$log/run.err"; then
        note "'$label' failed: $(tail -3 "$log/run.err")"; return 0
      fi
    else
      if ! "$@" > /dev/null 2> "$log/run.err"; then note "'$label' failed: $(tail -3 "$log/run.err")"; return 0; fi
    fi
    e=$(now)
    (( i == 0 )) && continue # warm-up
    walls+=("$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }')")
    if [[ -n $TIMEV ]]; then
      cpus+=("$(awk '{ printf "%.2f", $1 + $2 }' "$tf")")
      rsss+=("$(awk '{ printf "%.0f", $3 / 1024 }' "$tf")")
    fi
  done
  WALL=$(median "${walls[@]}")
  if [[ -n $TIMEV ]]; then CPU=$(median "${cpus[@]}"); RSS=$(max "${rsss[@]}"); fi
}

declare -A T C # T[panel/key] = median wall, C[panel/key] = median CPU
ratio() { # a b -> a/b (2 decimals) when both are numbers
  if [[ ${1:-} =~ ^[0-9.]+$ && ${2:-} =~ ^[0-9.]+$ ]]; then
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'
  fi
}
rows=()
US=$'\x1f'
row() { # panel key label counts cmd...
  local panel=$1 key=$2 label=$3 counts=$4; shift 4
  note "timing $panel: $label"
  time_cmd "$label" "$counts" -- "$@"
  T[$panel/$key]=$WALL
  C[$panel/$key]=$CPU
  rows+=("$panel$US$key$US$label$US$counts$US$WALL$US$CPU$US$RSS")
}
skip() { rows+=("$1$US$2$US$3$US$4${US}skipped: $5$US$US"); }

goal() { # panel text key-a key-b op target: the ratio a/b judged against the target
  local v c ok
  v=$(ratio "${T[$1/$3]:-}" "${T[$1/$4]:-}"); c=$(ratio "${C[$1/$3]:-}" "${C[$1/$4]:-}")
  if [[ -z $v ]]; then echo "- $1: $2: n/a"; return; fi
  ok=$(awk -v v="$v" -v t="$6" -v op="$5" 'BEGIN { print ((op == "<=" ? v <= t : v >= t) ? "met" : "NOT met") }')
  echo "- $1: $2 = $v ($c CPU), goal $5 $6: $ok"
}

# The lift of SAM on window contigs to genome coordinates. LN of each
# chromosome is the largest window end on it: enough for every lifted read,
# not the chromosome's true length (cfspot checks neither; samtools sort and
# index only need POS <= LN).
# shellcheck disable=SC2016 # awk's $ fields, not the shell's
LIFT='
BEGIN { FS = OFS = "\t" }
/^@SQ/ {
  n = substr($2, 4)
  if (match(n, /:[0-9]+-[0-9]+$/)) {
    c = substr(n, 1, RSTART - 1); split(substr(n, RSTART + 1), r, "-")
    chrom[n] = c; off[n] = r[1] - 1
    if (!(c in len)) order[++nc] = c
    if (r[2] + 0 > len[c] + 0) len[c] = r[2]
    next
  }
}
/^@HD/ { print; next }
/^@/ { sq(); print; next }
{
  sq()
  o = 0
  if ($3 in chrom) { o = off[$3]; $4 += o; $3 = chrom[$3] }
  if ($7 == "=") $8 += o
  else if ($7 in chrom) { $8 += off[$7]; $7 = chrom[$7]; if ($7 == $3) $7 = "=" }
  print
}
function sq(  i) {
  if (sq_done) return
  for (i = 1; i <= nc; i++) print "@SQ", "SN:" order[i], "LN:" len[order[i]]
  sq_done = 1
}'
