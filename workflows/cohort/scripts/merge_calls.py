#!/usr/bin/env python3
"""Merge the samples' cfspot outputs into one table each.

    merge_calls.py OUT_CALLS.tsv OUT_SUMMARY.tsv SAMPLE=PREFIX [SAMPLE=PREFIX ...]

OUT_CALLS.tsv: every sample's PREFIX.calls.tsv, one row per sample and
hotspot, with a leading `sample` column; the columns are every table's
(empty where a sample has none: the normal_* ones of a plasma called
without a matched normal).
OUT_SUMMARY.tsv: one row per sample from PREFIX.summary.json: status,
tumour fraction with its 95 % interval, sample LoD, detected hotspots,
median depth, and the matched normal with the sites it labels
CHIP_OR_GERMLINE (empty without one).
"""

import json
import sys


def cell(v):
    if v is None:
        return ""
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return str(v)


def main(calls_out, summary_out, pairs):
    # Columns: the union, in the order first seen (a plasma called with a
    # matched normal has the normal_* columns, one without has not; its
    # cells there are empty).
    tables, header = [], []
    for sample, prefix in pairs:
        with open(f"{prefix}.calls.tsv") as f:
            lines = [l for l in f.read().splitlines() if l]
        if not lines:
            sys.exit(f"{prefix}.calls.tsv: empty")
        head = lines[0].split("\t")
        header += [c for c in head if c not in header]
        tables.append((sample, head, [l.split("\t") for l in lines[1:]]))
    with open(calls_out, "w") as out:
        out.write("\t".join(["sample"] + header) + "\n")
        for sample, head, rows in tables:
            for row in rows:
                cells = dict(zip(head, row))
                out.write("\t".join([sample] + [cells.get(c, "") for c in header]) + "\n")
    cols = ["sample", "status", "mode", "tf_estimate", "tf_lo", "tf_hi", "threshold",
            "sample_lod", "detected", "median_depth", "normal", "chip_or_germline"]
    with open(summary_out, "w") as out:
        out.write("\t".join(cols) + "\n")
        for sample, prefix in pairs:
            with open(f"{prefix}.summary.json") as f:
                s = json.load(f)
            tf = s.get("tumour_fraction") or {}
            row = [sample, s.get("status"), s.get("mode"), tf.get("estimate"), tf.get("lo"),
                   tf.get("hi"), s.get("threshold"), s.get("sample_lod"), s.get("detected"),
                   (s.get("qc") or {}).get("median_depth"),
                   (s.get("normal") or {}).get("sample"),
                   (s.get("normal") or {}).get("chip_or_germline")]
            out.write("\t".join(cell(v) for v in row) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    pairs = []
    for a in sys.argv[3:]:
        sample, _, prefix = a.partition("=")
        pairs.append((sample, prefix))
    main(sys.argv[1], sys.argv[2], pairs)
