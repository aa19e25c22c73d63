#!/usr/bin/env python3
"""Write test-data/mini.sam: a handful of reads on the demo panel whose
counts can be worked out by hand (see test-data/cases/mini/README.md, checked by tests/cases.rs).

Regenerate the BAM with:
    python3 test-data/make_mini.py && \
    samtools sort -o test-data/mini.bam test-data/mini.sam && \
    samtools index test-data/mini.bam
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = os.path.join(HERE, "..", "assets", "demo")


def windows():
    wins, name = {}, None
    for line in open(os.path.join(ASSETS, "regions.fa")):
        line = line.strip()
        if line.startswith(">"):
            name = line[1:]
            wins[name] = []
        else:
            wins[name].append(line.upper())
    out = []
    for name, parts in wins.items():
        contig, rng = name.split(":")
        start = int(rng.split("-")[0])
        out.append((contig, start, "".join(parts)))
    return out


WINS = windows()


def ref(contig, a, b):
    """Reference bases, 1-based inclusive."""
    for c, s, seq in WINS:
        if c == contig and s <= a and b < s + len(seq):
            return seq[a - s : b - s + 1]
    raise ValueError(f"{contig}:{a}-{b} not in the demo windows")


def with_base(seq, offset, base):
    return seq[:offset] + base + seq[offset + 1 :]


def header():
    lines = ["@HD\tVN:1.6\tSO:coordinate"]
    for line in open(os.path.join(ASSETS, "hotspots.vcf")):
        if line.startswith("##contig=<ID="):
            body = line.strip()[len("##contig=<ID=") : -1]
            fields = dict(kv.split("=") for kv in ("ID=" + body).split(","))
            lines.append(f"@SQ\tSN:{fields['ID']}\tLN:{fields['length']}")
    lines.append("@RG\tID:mini\tSM:mini")
    return lines


def sam(name, flag, contig, pos, mapq, cigar, seq, pnext=0, tlen=0, qual=None):
    qual = qual or "I" * len(seq)
    rnext = "=" if pnext else "*"
    return f"{name}\t{flag}\t{contig}\t{pos}\t{mapq}\t{cigar}\t{rnext}\t{pnext}\t{tlen}\t{seq}\t{qual}\tRG:Z:mini"


R1F, R2R = 0x1 | 0x2 | 0x20 | 0x40, 0x1 | 0x2 | 0x10 | 0x80
REV, DUP = 0x10, 0x400

records = []

# KRAS G12D: chr12:25245350 C>T. Reads of 60 bp from 25245321 (site at offset 29).
k1 = ref("chr12", 25245321, 25245380)
k2 = ref("chr12", 25245331, 25245390)  # mate: site at offset 19
assert k1[29] == "C" and k2[19] == "C"
alt1, alt2 = with_base(k1, 29, "T"), with_base(k2, 19, "T")
for i in range(3):  # three fragments, both mates show T: 3 alt fragments
    records.append(sam(f"alt{i}", R1F, "chr12", 25245321, 60, "60M", alt1, 25245331, 70))
    records.append(sam(f"alt{i}", R2R, "chr12", 25245331, 60, "60M", alt2, 25245321, -70))
# One fragment whose mates disagree (T vs C): discordant.
records.append(sam("disc", R1F, "chr12", 25245321, 60, "60M", alt1, 25245331, 180))
records.append(sam("disc", R2R, "chr12", 25245331, 60, "60M", k2, 25245321, -180))
# Six unpaired ref reads, four forward and two reverse.
for i in range(6):
    records.append(sam(f"ref{i}", REV if i >= 4 else 0, "chr12", 25245321, 60, "60M", k1))
# Filtered: a duplicate and a MAPQ-10 read, both T.
records.append(sam("dup", DUP, "chr12", 25245321, 60, "60M", alt1))
records.append(sam("lowmapq", 0, "chr12", 25245321, 10, "60M", alt1))
# Low base quality at the site (T at Q10): low_quality.
records.append(sam("lowbq", 0, "chr12", 25245321, 60, "60M", alt1, qual="I" * 29 + "+" + "I" * 30))

# EGFR exon 19: chr7:55174771 AGGAATTAAGAGAAGC>A (deletes 55174772-55174786),
# and L747P chr7:55174776 TT>CC inside it.
e = ref("chr7", 55174741, 55174830)
off = lambda p: p - 55174741
deleted = e[: off(55174771) + 1] + e[off(55174787) :]
n_before = off(55174771) + 1
mnv = e[: off(55174776)] + "CC" + e[off(55174778) :]
records.append(sam("egfr_ref", 0, "chr7", 55174741, 60, f"{len(e)}M", e))
records.append(sam("egfr_del1", 0, "chr7", 55174741, 60, f"{n_before}M15D{len(deleted) - n_before}M", deleted))
records.append(sam("egfr_del2", REV, "chr7", 55174741, 60, f"{n_before}M15D{len(deleted) - n_before}M", deleted))
records.append(sam("egfr_mnv", 0, "chr7", 55174741, 60, f"{len(mnv)}M", mnv))
# Ends inside the MNV: counts at neither site.
short = e[: off(55174776) + 1]
records.append(sam("egfr_short", 0, "chr7", 55174741, 60, f"{len(short)}M", short))

# The same reads are the counting case cases/mini (run by tests/cases.rs).
for path in ["mini.sam", os.path.join("cases", "mini", "reads.sam")]:
    with open(os.path.join(HERE, path), "w") as f:
        f.write("\n".join(header() + records) + "\n")
