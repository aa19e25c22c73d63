#!/usr/bin/env python3
"""Draw the LoD curve from `cfspot eval`'s PREFIX.lod_curve.tsv.

    plot_lod.py LOD_CURVE.tsv OUT.svg OUT.html

Sensitivity (share of mutated hotspots called DETECTED) against the design
VAF, one line per depth, with Clopper-Pearson 95 % bars; a diamond on the
95 % line marks the mean LoD95 cfspot predicted at that depth. Plain Python
(no matplotlib).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from svgplot import PALETTE, Axis, Chart, fmt_pct, html_page, num, read_tsv  # noqa: E402


def main(tsv, svg_path, html_path):
    rows = read_tsv(tsv)
    need = {"depth", "expected_vaf", "sites", "detected", "sensitivity", "sensitivity_lo",
            "sensitivity_hi", "mean_lod95"}
    if not rows or not need <= set(rows[0]):
        sys.exit(f"{tsv}: expected columns {sorted(need)}")
    depths = sorted({int(float(r["depth"])) for r in rows})
    vafs = [num(r["expected_vaf"]) for r in rows if num(r["expected_vaf"])]
    lods = [num(r["mean_lod95"]) for r in rows if num(r["mean_lod95"])]
    xs = vafs + lods
    x = Axis(min(xs) / 1.5, max(xs) * 1.5, log=True, label="design VAF (log scale)")
    y = Axis(0, 1, label="sensitivity (95 % Clopper–Pearson)", fmt=fmt_pct,
             ticks=[0, 0.2, 0.4, 0.6, 0.8, 1.0])
    y.lo, y.hi = -0.02, 1.02
    chart = Chart(x, y, title="cfspot limit of detection")
    chart.hline(0.95, "95 %")
    for i, d in enumerate(depths):
        color = PALETTE[i % len(PALETTE)]
        pts = []
        for r in rows:
            if int(float(r["depth"])) != d or num(r["expected_vaf"]) is None:
                continue
            pts.append(dict(x=num(r["expected_vaf"]), y=num(r["sensitivity"]),
                            lo=num(r["sensitivity_lo"]), hi=num(r["sensitivity_hi"]),
                            tip=f"depth {d}, VAF {fmt_pct(num(r['expected_vaf']))}: "
                                f"{r['detected']}/{r['sites']} detected"))
        chart.add(f"{d:,} fragments", pts, color=color)
        dl = [num(r["mean_lod95"]) for r in rows
              if int(float(r["depth"])) == d and num(r["mean_lod95"])]
        if dl:
            lod = sum(dl) / len(dl)
            chart.add(f"predicted LoD95 ({d:,})", [dict(x=lod, y=0.95, tip=f"mean LoD95 {fmt_pct(lod)}")],
                      color=color, line=False, marker="diamond", hollow=True)
    svg = chart.svg()
    with open(svg_path, "w") as f:
        f.write(svg + "\n")
    head = ["depth", "design VAF", "sites", "detected", "sensitivity", "95 % CI", "mean LoD95"]
    table = []
    for r in sorted(rows, key=lambda r: (float(r["depth"]), float(r["expected_vaf"] or 0))):
        lo, hi = num(r["sensitivity_lo"]), num(r["sensitivity_hi"])
        table.append([r["depth"], fmt_pct(num(r["expected_vaf"]) or 0), r["sites"], r["detected"],
                      fmt_pct(num(r["sensitivity"]) or 0),
                      f"{fmt_pct(lo)} – {fmt_pct(hi)}" if lo is not None and hi is not None else "",
                      fmt_pct(num(r["mean_lod95"])) if num(r["mean_lod95"]) else ""])
    intro = ("Each point: every demo hotspot mutated (clonal heterozygous, VAF = TF/2) in "
             "simulated samples at that design VAF and depth; sensitivity is the share of "
             "mutated hotspots called <code>DETECTED</code>. Diamonds: the LoD95 cfspot "
             "predicted, averaged over the samples of that depth.")
    with open(html_path, "w") as f:
        f.write(html_page("cfspot LoD curve", svg, intro, table, head) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
