#!/usr/bin/env python3
"""Tumour-fraction trajectory of one patient from tumour-informed calls.

    plot_trajectory.py PATIENT OUT.tsv OUT.svg OUT.html NAME:DAY:TRUE_TF:SUMMARY.json ...

Reads each time point's summary.json (`tumour_fraction.estimate/lo/hi`,
`status`, `threshold`, `sample_lod`), writes the table and draws TF against
day on a log axis with its 95 % likelihood interval; the simulated truth as
hollow squares, the threshold as a dashed line. A lower bound of 0 is drawn
at the bottom of the axis.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from svgplot import Axis, Chart, fmt_pct, html_page  # noqa: E402


def main(patient, tsv_out, svg_out, html_out, points):
    rows = []
    for p in points:
        name, day, true_tf, path = p.split(":", 3)
        with open(path) as f:
            s = json.load(f)
        tf = s.get("tumour_fraction") or {}
        rows.append(dict(name=name, day=float(day), true_tf=float(true_tf), status=s.get("status"),
                         mode=s.get("mode"), estimate=tf.get("estimate"), lo=tf.get("lo"),
                         hi=tf.get("hi"), threshold=s.get("threshold"),
                         sample_lod=s.get("sample_lod"),
                         lrt_p=tf.get("lrt_p_value")))
    rows.sort(key=lambda r: r["day"])
    cols = ["time_point", "day", "true_tf", "tf_estimate", "tf_lo", "tf_hi", "status", "mode",
            "threshold", "sample_lod", "lrt_p_value"]
    with open(tsv_out, "w") as f:
        f.write("\t".join(cols) + "\n")
        for r in rows:
            vals = [r["name"], f"{r['day']:g}", r["true_tf"], r["estimate"], r["lo"], r["hi"],
                    r["status"], r["mode"], r["threshold"], r["sample_lod"], r["lrt_p"]]
            f.write("\t".join("" if v is None else str(v) for v in vals) + "\n")

    positive = [v for r in rows for v in (r["estimate"], r["lo"], r["hi"], r["true_tf"], r["threshold"])
                if v is not None and v > 0]
    ymin = min(positive) / 3 if positive else 1e-4
    ymax = max(positive) * 2 if positive else 1.0
    days = [r["day"] for r in rows]
    span = (max(days) - min(days)) or 1.0
    x = Axis(min(days) - 0.05 * span, max(days) + 0.05 * span, label="day",
             fmt=lambda v: f"{v:g}")
    y = Axis(ymin, ymax, log=True, label="tumour fraction (log scale; 95 % interval)")
    chart = Chart(x, y, title=f"{patient}: tumour fraction over time")
    thr = next((r["threshold"] for r in rows if r["threshold"] is not None), None)
    if thr:
        chart.hline(thr, f"threshold {fmt_pct(thr)}")
    chart.add("estimate (tumour-informed)",
              [dict(x=r["day"], y=r["estimate"] if r["estimate"] else ymin,
                    lo=r["lo"] if r["lo"] else ymin, hi=r["hi"] if r["hi"] else ymin,
                    tip=f"{r['name']}: {fmt_pct(r['estimate'] or 0)} "
                        f"({fmt_pct(r['lo'] or 0)}–{fmt_pct(r['hi'] or 0)}), {r['status']}")
               for r in rows])
    chart.add("simulated truth", [dict(x=r["day"], y=r["true_tf"] if r["true_tf"] > 0 else ymin,
                                       tip=f"{r['name']}: true TF {fmt_pct(r['true_tf'])}")
                                  for r in rows],
              marker="square", hollow=True, dash="4,3", color="#5c677d")
    svg = chart.svg()
    with open(svg_out, "w") as f:
        f.write(svg + "\n")
    head = ["time point", "day", "true TF", "TF estimate", "95 % interval", "status"]
    table = [[r["name"], f"{r['day']:g}", fmt_pct(r["true_tf"]), fmt_pct(r["estimate"] or 0),
              f"{fmt_pct(r['lo'] or 0)} – {fmt_pct(r['hi'] or 0)}", r["status"]] for r in rows]
    intro = ("Every time point called tumour-informed on the mutations the baseline showed "
             "(<code>cfspot call --tumour-informed</code>): the tumour fraction is fitted over "
             "those sites, detected or not, as in minimal-residual-disease tracking.")
    with open(html_out, "w") as f:
        f.write(html_page(f"{patient}: tumour-fraction trajectory", svg, intro, table, head) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
