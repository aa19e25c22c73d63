#!/usr/bin/env python3
"""A random genome and a 7,190-site SNV panel on it, byte-for-byte the same
on every run (its own xorshift stream, no library RNG).

usage: random_panel.py OUT_DIR  -> OUT_DIR/g.fa, OUT_DIR/p.tsv

4 contigs of 12.5 Mb; sites every 6,950 bp from 5 kb in (so >= 2 kb apart
and well inside the simulator's windows), 1,798 on the first two contigs
and 1,797 on the last two; ALT a different base drawn from the stream.
"""
import os
import sys

state = 0x2545F4914F6CDD1D
MASK = (1 << 64) - 1


def nxt():
    global state
    state ^= (state << 13) & MASK
    state ^= state >> 7
    state ^= (state << 17) & MASK
    return state


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
CONTIG, STEP, FIRST = 12_500_000, 6950, 5000
counts = [1798, 1798, 1797, 1797]
seqs = []
with open(os.path.join(out, "g.fa"), "w") as fa:
    for c in range(4):
        # 16 bases per draw (2 bits each).
        buf = bytearray()
        while len(buf) < CONTIG:
            x = nxt()
            buf.extend(b"ACGT"[(x >> (2 * k)) & 3] for k in range(16))
        seq = bytes(buf[:CONTIG])
        seqs.append(seq)
        fa.write(f">rg{c + 1}\n")
        for i in range(0, CONTIG, 60):
            fa.write(seq[i : i + 60].decode() + "\n")
with open(os.path.join(out, "p.tsv"), "w") as p:
    p.write("contig\tpos\tref\talt\tid\n")
    for c, n in enumerate(counts):
        for k in range(n):
            pos = FIRST + k * STEP
            ref = chr(seqs[c][pos - 1])
            alts = [b for b in "ACGT" if b != ref]
            alt = alts[nxt() % 3]
            p.write(f"rg{c + 1}\t{pos}\t{ref}\t{alt}\trg{c + 1}_{pos}\n")
