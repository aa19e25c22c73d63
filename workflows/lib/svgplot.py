"""A small, dependency-free SVG chart: points, lines and error bars on
linear or log axes, with a legend. Enough for the workflows' LoD curve and
tumour-fraction trajectory; plain Python so the workflows need nothing
beyond Snakemake and cfspot.
"""

import html
import math

PALETTE = ["#1b6ca8", "#d1495b", "#2a9d8f", "#e9a03b", "#6c4f9c", "#5c677d"]


def esc(s):
    return html.escape(str(s), quote=True)


def nice_ticks(lo, hi, n=5):
    """Round linear ticks covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = first
    while t <= hi + 1e-9 * step:
        ticks.append(round(t, 12))
        t += step
    return ticks


def log_ticks(lo, hi):
    """1-2-5 ticks per decade covering [lo, hi] (lo > 0)."""
    ticks = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10.0 ** e
            if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9):
                ticks.append(v)
    return ticks


def fmt_pct(v):
    """A fraction as a short percentage label: 0.0005 -> 0.05 %."""
    p = v * 100
    if p == 0:
        return "0 %"
    s = f"{p:.3g}"
    return f"{s} %"


class Axis:
    def __init__(self, lo, hi, log=False, label="", fmt=fmt_pct, ticks=None):
        if log:
            lo, hi = max(lo, 1e-12), max(hi, lo * 10)
        self.lo, self.hi, self.log, self.label, self.fmt = lo, hi, log, label, fmt
        self.ticks = ticks if ticks is not None else (log_ticks(lo, hi) if log else nice_ticks(lo, hi))

    def frac(self, v):
        if self.log:
            v = max(v, self.lo)
            return (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        return (v - self.lo) / (self.hi - self.lo)


class Chart:
    """One plot panel. Add series, then call svg()."""

    def __init__(self, x, y, title="", width=720, height=440):
        self.x, self.y, self.title = x, y, title
        self.width, self.height = width, height
        self.margin = dict(left=72, right=190, top=40, bottom=58)
        self.series = []
        self.hlines = []

    def add(self, name, points, color=None, line=True, marker="circle", hollow=False, dash=None):
        """points: list of dicts with x, y and optional lo, hi (y error bar)."""
        color = color or PALETTE[len(self.series) % len(PALETTE)]
        self.series.append(dict(name=name, points=points, color=color, line=line,
                                marker=marker, hollow=hollow, dash=dash))

    def hline(self, y, label, color="#888"):
        self.hlines.append((y, label, color))

    def _px(self, v):
        m = self.margin
        return m["left"] + self.x.frac(v) * (self.width - m["left"] - m["right"])

    def _py(self, v):
        m = self.margin
        return self.height - m["bottom"] - self.y.frac(v) * (self.height - m["top"] - m["bottom"])

    def _marker(self, kind, cx, cy, color, hollow):
        fill = "white" if hollow else color
        if kind == "square":
            return (f'<rect x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8" '
                    f'fill="{fill}" stroke="{color}" stroke-width="1.5"/>')
        if kind == "diamond":
            return (f'<path d="M{cx:.1f},{cy - 5:.1f} L{cx + 5:.1f},{cy:.1f} L{cx:.1f},{cy + 5:.1f} '
                    f'L{cx - 5:.1f},{cy:.1f} Z" fill="{fill}" stroke="{color}" stroke-width="1.5"/>')
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{fill}" stroke="{color}" stroke-width="1.5"/>'

    def svg(self):
        m, W, H = self.margin, self.width, self.height
        x0, x1 = m["left"], W - m["right"]
        y0, y1 = H - m["bottom"], m["top"]
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
               f'viewBox="0 0 {W} {H}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
               f'<rect width="{W}" height="{H}" fill="white"/>']
        if self.title:
            out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="22" text-anchor="middle" '
                       f'font-size="15" font-weight="bold">{esc(self.title)}</text>')
        # grid and ticks
        for t in self.x.ticks:
            px = self._px(t)
            out.append(f'<line x1="{px:.1f}" y1="{y0}" x2="{px:.1f}" y2="{y1}" stroke="#e6e6e6"/>')
            out.append(f'<text x="{px:.1f}" y="{y0 + 16}" text-anchor="middle">{esc(self.x.fmt(t))}</text>')
        for t in self.y.ticks:
            py = self._py(t)
            out.append(f'<line x1="{x0}" y1="{py:.1f}" x2="{x1}" y2="{py:.1f}" stroke="#e6e6e6"/>')
            out.append(f'<text x="{x0 - 6}" y="{py + 4:.1f}" text-anchor="end">{esc(self.y.fmt(t))}</text>')
        out.append(f'<rect x="{x0}" y="{y1}" width="{x1 - x0}" height="{y0 - y1}" fill="none" stroke="#333"/>')
        out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{H - 14}" text-anchor="middle">{esc(self.x.label)}</text>')
        out.append(f'<text transform="translate(16,{(y0 + y1) / 2:.1f}) rotate(-90)" '
                   f'text-anchor="middle">{esc(self.y.label)}</text>')
        for y, label, color in self.hlines:
            py = self._py(y)
            out.append(f'<line x1="{x0}" y1="{py:.1f}" x2="{x1}" y2="{py:.1f}" stroke="{color}" '
                       f'stroke-dasharray="5,4"/>')
            out.append(f'<text x="{x1 - 4}" y="{py - 4:.1f}" text-anchor="end" fill="{color}">{esc(label)}</text>')
        # series
        for s in self.series:
            pts = sorted(s["points"], key=lambda p: p["x"])
            c = s["color"]
            out.append(f'<g class="series" data-name="{esc(s["name"])}">')
            if s["line"] and len(pts) > 1:
                d = " ".join(f'{"M" if i == 0 else "L"}{self._px(p["x"]):.1f},{self._py(p["y"]):.1f}'
                             for i, p in enumerate(pts))
                dash = f' stroke-dasharray="{s["dash"]}"' if s["dash"] else ""
                out.append(f'<path d="{d}" fill="none" stroke="{c}" stroke-width="1.8"{dash}/>')
            for p in pts:
                px, py = self._px(p["x"]), self._py(p["y"])
                if p.get("lo") is not None and p.get("hi") is not None:
                    plo, phi = self._py(p["lo"]), self._py(p["hi"])
                    out.append(f'<line x1="{px:.1f}" y1="{plo:.1f}" x2="{px:.1f}" y2="{phi:.1f}" '
                               f'stroke="{c}" stroke-width="1.4"/>')
                    for yy in (plo, phi):
                        out.append(f'<line x1="{px - 4:.1f}" y1="{yy:.1f}" x2="{px + 4:.1f}" y2="{yy:.1f}" '
                                   f'stroke="{c}" stroke-width="1.4"/>')
                tip = p.get("tip")
                mk = self._marker(s["marker"], px, py, c, s["hollow"])
                if tip:
                    mk = f'<g>{mk}<title>{esc(tip)}</title></g>'
                out.append(mk)
            out.append('</g>')
        # legend
        lx, ly = x1 + 16, y1 + 8
        for i, s in enumerate(self.series):
            yy = ly + i * 20
            out.append(f'<line x1="{lx}" y1="{yy}" x2="{lx + 22}" y2="{yy}" stroke="{s["color"]}" '
                       f'stroke-width="1.8"' + (f' stroke-dasharray="{s["dash"]}"' if s["dash"] else "")
                       + ('' if s["line"] else ' stroke-opacity="0"') + '/>')
            out.append(self._marker(s["marker"], lx + 11, yy, s["color"], s["hollow"]))
            out.append(f'<text x="{lx + 30}" y="{yy + 4}">{esc(s["name"])}</text>')
        out.append('</svg>')
        return "\n".join(out)


def html_page(title, svg, intro="", table_rows=None, table_head=None):
    """A self-contained page embedding the SVG inline (no network)."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{esc(title)}</title>",
             "<style>body{font-family:Helvetica,Arial,sans-serif;max-width:960px;margin:2em auto;"
             "color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
             "padding:3px 8px;text-align:right}th{background:#f3f3f3}.note{color:#8a1c1c}</style>",
             "</head><body>", f"<h1>{esc(title)}</h1>"]
    if intro:
        parts.append(f"<p>{intro}</p>")
    parts.append(svg)
    if table_rows:
        parts.append("<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in table_head)
                     + "</tr></thead><tbody>")
        for r in table_rows:
            parts.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>")
        parts.append("</tbody></table>")
    parts.append('<p class="note">Synthetic data from <code>cfspot simulate</code>. '
                 "cfspot is not a clinical tool.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def read_tsv(path):
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    head = lines[0].split("\t")
    return [dict(zip(head, l.split("\t"))) for l in lines[1:]]


def num(s):
    return float(s) if s not in (None, "", "NA", "nan") else None
