#!/usr/bin/env python3
"""Merge the samples' cfspot outputs into one table each.

    merge_calls.py OUT_CALLS.tsv OUT_SUMMARY.tsv SAMPLE=PREFIX [SAMPLE=PREFIX ...]

OUT_CALLS.tsv: every sample's PREFIX.calls.tsv, one row per sample and
hotspot, with a leading `sample` column (headers must agree).
OUT_SUMMARY.tsv: one row per sample from PREFIX.summary.json: status,
tumour fraction with its 95 % interval, sample LoD, detected hotspots and
median depth.
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
    header = None
    with open(calls_out, "w") as out:
        for sample, prefix in pairs:
            with open(f"{prefix}.calls.tsv") as f:
                lines = f.read().splitlines()
            if header is None:
                header = lines[0]
                out.write("sample\t" + header + "\n")
            elif lines[0] != header:
                sys.exit(f"{prefix}.calls.tsv: header differs from the first sample's")
            for line in lines[1:]:
                if line:
                    out.write(f"{sample}\t{line}\n")
    cols = ["sample", "status", "mode", "tf_estimate", "tf_lo", "tf_hi", "threshold",
            "sample_lod", "detected", "median_depth"]
    with open(summary_out, "w") as out:
        out.write("\t".join(cols) + "\n")
        for sample, prefix in pairs:
            with open(f"{prefix}.summary.json") as f:
                s = json.load(f)
            tf = s.get("tumour_fraction") or {}
            row = [sample, s.get("status"), s.get("mode"), tf.get("estimate"), tf.get("lo"),
                   tf.get("hi"), s.get("threshold"), s.get("sample_lod"), s.get("detected"),
                   (s.get("qc") or {}).get("median_depth")]
            out.write("\t".join(cell(v) for v in row) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    pairs = []
    for a in sys.argv[3:]:
        sample, _, prefix = a.partition("=")
        pairs.append((sample, prefix))
    main(sys.argv[1], sys.argv[2], pairs)
