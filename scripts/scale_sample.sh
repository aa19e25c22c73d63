#!/usr/bin/env bash
# A 10,000-site sample for the report at scale (issue 14 item 5): a random
# genome (4 x 12.5 Mb) and a random SNV panel on it, every site 2,001 bp or
# more from the next, simulated at depth 100 with every site mutated at
# tumour fraction 1 %, then called.
#
#   scripts/scale_sample.sh DIR [SITES]     (default 10000 sites)
#
# Writes DIR/g.fa, DIR/p.tsv, DIR/sim.* (the simulator's files) and
# DIR/scale.* (call's files: calls.tsv, summary.json, report.html, ...).
# Deterministic: the genome and panel come from a fixed xorshift seed, the
# simulation from --seed 1, so the same DIR contents every run.
# Env: CFSPOT (a built cfspot binary; default: cargo build --release).
# Takes about a minute on two cores (simulate ~50 s, call ~10 s).
set -euo pipefail
dir=${1:?usage: scripts/scale_sample.sh DIR [SITES]}
sites=${2:-10000}
cd "$(dirname "$0")/.."
if [[ -z "${CFSPOT:-}" ]]; then
  cargo build --release --quiet
  CFSPOT="${CARGO_TARGET_DIR:-target}/release/cfspot"
fi
mkdir -p "$dir"

python3 - "$dir" "$sites" <<'PY'
import sys
out, sites = sys.argv[1], int(sys.argv[2])
contigs, length = 4, 12_500_000
state = 0x9E3779B97F4A7C15
def below(n):
    # xorshift64*: the same stream on every Python.
    global state
    state ^= state >> 12; state ^= (state << 25) & (2**64 - 1); state ^= state >> 27
    return ((state * 0x2545F4914F6CDD1D) % 2**64 >> 11) % n
def bases(n):
    # 32 bases from each 64-bit draw (2 bits a base).
    table = ["".join("ACGT"[(b >> s) & 3] for s in (0, 2, 4, 6)) for b in range(256)]
    words = []
    for _ in range(-(-n // 32)):
        x = below(2**64 >> 11) << 11 | below(2**11)
        words.append("".join(table[(x >> s) & 255] for s in range(0, 64, 8)))
    return "".join(words)[:n]
seqs = []
with open(f"{out}/g.fa", "w") as f:
    for c in range(contigs):
        seq = bases(length)
        seqs.append(seq)
        f.write(f">chr{c + 1}\n")
        for i in range(0, length, 60):
            f.write(seq[i:i + 60] + "\n")
# Sites per contig in slots of 5,000 bp, each at a random offset in the
# first 3,000 bp of its slot: neighbours are >= 2,001 bp apart.
per = -(-sites // contigs)
assert (per - 1) * 5000 + 600 + 3000 < length - 1000, "too many sites for the genome"
nxt = {"A": "C", "C": "G", "G": "T", "T": "A"}
with open(f"{out}/p.tsv", "w") as f:
    f.write("contig\tpos\tref\talt\tid\n")
    n = 0
    for c in range(contigs):
        for i in range(per):
            if n == sites:
                break
            pos = 600 + i * 5000 + below(3000)
            ref = seqs[c][pos - 1]
            n += 1
            f.write(f"chr{c + 1}\t{pos}\t{ref}\t{nxt[ref]}\ts{n:05d}\n")
PY

"$CFSPOT" simulate --panel "$dir/p.tsv" --reference "$dir/g.fa" -o "$dir" -n sim \
  --depth 100 --mutations all --tumour-fraction 0.01 --seed 1 --level 1 -@ 2
"$CFSPOT" call --panel "$dir/p.tsv" --reference "$dir/g.fa" -@ 2 -o "$dir/scale" "$dir/sim.bam"
ls -l "$dir"/scale.*
