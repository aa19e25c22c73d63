//! Every site of a large panel as a distribution, where one row a site would
//! be too many: VAF against depth, binned into small cells shaded by how
//! many sites fall in each (so the figure's size is bounded by its cells,
//! not by the panel), and a histogram of the sites' p-values. Both are drawn
//! from the calls' rows only.

use super::svg::{
    decade_label, esc, f1, int, nice_axis, pct, tick_label, vaf_decades, y_grid, BLUE, GRID, INK,
    ORANGE, VERMILLION,
};
use crate::report::calls::{CallRow, Summary};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Cell side of the VAF-depth figure, in viewBox units (1100 wide).
const CELL: f64 = 4.0;

/// Shades of the cells of sites not detected: the fewest sites a cell of
/// that shade holds, and its opacity. Counts grow by tenfold steps, so a
/// cell of one site and a cell of a thousand differ at a glance.
const SHADES: [(u32, f64); 5] = [(1, 0.22), (2, 0.4), (10, 0.6), (100, 0.8), (1000, 1.0)];

/// A depth axis: linear over a narrow range, log10 over a wide one.
struct DepthAxis {
    log: bool,
    lo: f64,
    hi: f64,
    step: f64,
}

impl DepthAxis {
    fn new(min: f64, max: f64) -> Self {
        if max >= 10.0 * min {
            DepthAxis {
                log: true,
                lo: min.log10().floor(),
                hi: max.log10().ceil(),
                step: 1.0,
            }
        } else {
            let (min, max) = if max > min {
                (min, max)
            } else {
                (min - 1.0, max + 1.0)
            };
            let (_, step) = nice_axis(max - min);
            DepthAxis {
                log: false,
                lo: ((min / step).floor() * step).max(0.0),
                hi: (max / step).ceil() * step,
                step,
            }
        }
    }

    /// The axis position of a depth, 0 at the left end and 1 at the right.
    fn t(&self, depth: f64) -> f64 {
        let v = if self.log { depth.log10() } else { depth };
        ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }

    /// Ticks: (depth, label).
    fn ticks(&self) -> Vec<(f64, String)> {
        let mut out = Vec::new();
        let mut v = self.lo;
        while v <= self.hi + self.step * 1e-6 {
            let depth = if self.log { 10f64.powf(v) } else { v };
            out.push((depth, tick_label(depth)));
            v += self.step;
        }
        out
    }
}

/// VAF against depth for every site with fragments, binned.
pub(super) fn vaf_depth_scatter(h: &mut String, s: &Summary, rows: &[CallRow]) -> std::fmt::Result {
    let noun = s.count.unit.noun();
    let sites: Vec<&CallRow> = rows.iter().filter(|r| r.depth > 0).collect();
    let empty = rows.len() - sites.len();
    if sites.is_empty() {
        return writeln!(h, "<p class=\"muted\">No site has fragments.</p>");
    }
    let vaf = |r: &CallRow| r.alt_count as f64 / r.depth as f64;
    let threshold_vaf = s.settings.factor * s.threshold / 2.0;
    // Decades as the per-site figure chooses them.
    let (dlo, dhi) = vaf_decades(sites.iter().map(|r| vaf(r)).chain([threshold_vaf]));
    let dmin = sites.iter().map(|r| r.depth).min().unwrap_or(1) as f64;
    let dmax = sites.iter().map(|r| r.depth).max().unwrap_or(1) as f64;
    let axis = DepthAxis::new(dmin.min(s.settings.min_depth.max(1) as f64), dmax);

    // Plot area: log VAF from yt to yb, the zero strip below it.
    let (w, ht) = (1100.0, 420.0);
    let (x0, x1, yt, yb) = (92.0, 1080.0, 64.0, 304.0);
    let (z0, z1) = (316.0, 332.0);
    let px = |d: f64| x0 + axis.t(d) * (x1 - x0);
    let py = |v: f64| {
        let t = (v.log10() - dlo as f64) / (dhi - dlo) as f64;
        yb - t.clamp(0.0, 1.0) * (yb - yt)
    };

    // Cells: (detected, column, row) -> sites; row None is the zero strip.
    // On a linear axis wider than a cell a depth, a column is one depth,
    // so that whole-number depths do not leave empty columns between them.
    let cw = if axis.log {
        CELL
    } else {
        ((x1 - x0) / (axis.hi - axis.lo)).max(CELL)
    };
    let mut cells = BTreeMap::<(bool, u32, Option<u32>), u32>::new();
    let cols = ((x1 - x0) / cw).round().max(1.0) as u32;
    let rows_n = ((yb - yt) / CELL) as u32;
    for r in &sites {
        // The small nudge keeps a depth that falls on a column's edge in it.
        let c = (((px(r.depth as f64) - x0) / cw + 1e-9) as u32).min(cols - 1);
        let v = vaf(r);
        let row = (v > 0.0).then(|| (((py(v) - yt) / CELL) as u32).min(rows_n - 1));
        *cells.entry((r.status == "DETECTED", c, row)).or_default() += 1;
    }
    let cell_path = |detected: bool, range: std::ops::Range<u32>| {
        let mut d = String::new();
        for (&(det, c, row), &n) in &cells {
            if det != detected || !range.contains(&n) {
                continue;
            }
            let x = x0 + c as f64 * cw;
            let y = match row {
                Some(row) => yt + row as f64 * CELL,
                None => z0,
            };
            let ch = if row.is_some() { CELL } else { z1 - z0 };
            let _ = write!(d, "M{} {}h{}v{ch}h-{}z", f1(x), f1(y), f1(cw), f1(cw));
        }
        d
    };

    writeln!(
        h,
        "<figure id=\"scatter-plot\"><svg viewBox=\"0 0 {w} {ht}\" role=\"img\" aria-labelledby=\"scatter-title\"><title id=\"scatter-title\">VAF against depth for all {} sites with fragments, in cells shaded by the number of sites</title>",
        sites.len()
    )?;
    // Legend: shades, detected, lines.
    writeln!(
        h,
        "<g font-size=\"12\"><text x=\"{x0}\" y=\"18\">sites in a cell:</text>"
    )?;
    let mut lx = x0 + 92.0;
    for (i, &(from, opacity)) in SHADES.iter().enumerate() {
        let label = match SHADES.get(i + 1) {
            Some(&(next, _)) if next == from + 1 => int(from as u64),
            Some(&(next, _)) => format!("{}–{}", int(from as u64), int(next as u64 - 1)),
            None => format!("≥ {}", int(from as u64)),
        };
        writeln!(
            h,
            "<rect x=\"{}\" y=\"9\" width=\"10\" height=\"10\" fill=\"{BLUE}\" fill-opacity=\"{opacity}\"/><text x=\"{}\" y=\"18\">{}</text>",
            f1(lx),
            f1(lx + 14.0),
            esc(&label)
        )?;
        lx += 24.0 + 8.0 * label.chars().count() as f64;
    }
    writeln!(
        h,
        "<rect x=\"{}\" y=\"9\" width=\"10\" height=\"10\" fill=\"{VERMILLION}\" stroke=\"{INK}\" stroke-width=\"0.8\"/><text x=\"{}\" y=\"18\">detected</text>",
        f1(lx + 10.0),
        f1(lx + 24.0)
    )?;
    let ly = 38.0;
    writeln!(
        h,
        "<line x1=\"{x0}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"{ORANGE}\" stroke-width=\"2.5\" stroke-dasharray=\"5 3\"/><text x=\"{2}\" y=\"{3}\">TF threshold as VAF ({4})</text>",
        ly,
        x0 + 28.0,
        x0 + 34.0,
        ly + 4.0,
        esc(&pct(threshold_vaf))
    )?;
    writeln!(
        h,
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{INK}\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/><text x=\"{3}\" y=\"{4}\">VAF = {5} ÷ depth (--min-alt: fewer alt {noun} are never called)</text>",
        x0 + 250.0,
        ly,
        x0 + 278.0,
        x0 + 284.0,
        ly + 4.0,
        s.settings.min_alt
    )?;
    writeln!(
        h,
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{INK}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/><text x=\"{3}\" y=\"{4}\">--min-depth ({5})</text></g>",
        x0 + 720.0,
        ly - 7.0,
        ly + 7.0,
        x0 + 728.0,
        ly + 4.0,
        s.settings.min_depth
    )?;
    // VAF grid and labels.
    for d in dlo..=dhi {
        let y = py(10f64.powi(d));
        writeln!(
            h,
            "<line x1=\"{x0}\" y1=\"{0}\" x2=\"{x1}\" y2=\"{0}\" stroke=\"#cfcfcf\"/><text x=\"{1}\" y=\"{2}\" font-size=\"12\" text-anchor=\"end\">{3}</text>",
            f1(y),
            x0 - 6.0,
            f1(y + 4.0),
            decade_label(d)
        )?;
        if d < dhi {
            for m in [2.0, 5.0] {
                writeln!(
                    h,
                    "<line x1=\"{x0}\" y1=\"{0}\" x2=\"{x1}\" y2=\"{0}\" stroke=\"{GRID}\" stroke-dasharray=\"2 3\"/>",
                    f1(py(m * 10f64.powi(d)))
                )?;
            }
        }
    }
    writeln!(
        h,
        "<rect x=\"{x0}\" y=\"{z0}\" width=\"{}\" height=\"{}\" fill=\"#f4f4f2\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">0</text>",
        x1 - x0,
        z1 - z0,
        x0 - 6.0,
        (z0 + z1) / 2.0 + 4.0
    )?;
    // Depth ticks.
    for (depth, label) in axis.ticks() {
        let x = f1(px(depth));
        writeln!(
            h,
            "<line x1=\"{x}\" y1=\"{yt}\" x2=\"{x}\" y2=\"{z1}\" stroke=\"{GRID}\"/><text x=\"{x}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            z1 + 18.0,
            esc(&label)
        )?;
    }
    writeln!(
        h,
        "<line x1=\"{x0}\" y1=\"{z1}\" x2=\"{x1}\" y2=\"{z1}\" stroke=\"{INK}\"/><line x1=\"{x0}\" y1=\"{yt}\" x2=\"{x0}\" y2=\"{z1}\" stroke=\"{INK}\"/>"
    )?;
    writeln!(
        h,
        "<text x=\"{}\" y=\"{}\" font-size=\"12.5\" text-anchor=\"middle\">depth ({noun}{})</text><text transform=\"translate(18 {}) rotate(-90)\" font-size=\"12.5\" text-anchor=\"middle\">VAF (alt ÷ depth, log scale)</text>",
        (x0 + x1) / 2.0,
        z1 + 40.0,
        if axis.log { ", log scale" } else { "" },
        (yt + yb) / 2.0
    )?;
    // Cells, palest first, the detected on top.
    for (i, &(from, opacity)) in SHADES.iter().enumerate() {
        let to = SHADES.get(i + 1).map(|s| s.0).unwrap_or(u32::MAX);
        let d = cell_path(false, from..to);
        if !d.is_empty() {
            writeln!(
                h,
                "<path fill=\"{BLUE}\" fill-opacity=\"{opacity}\" d=\"{d}\"/>"
            )?;
        }
    }
    let d = cell_path(true, 1..u32::MAX);
    if !d.is_empty() {
        writeln!(
            h,
            "<path fill=\"{VERMILLION}\" stroke=\"{INK}\" stroke-width=\"0.8\" d=\"{d}\"/>"
        )?;
    }
    // The fewest alt fragments a call needs, as a VAF at each depth.
    if s.settings.min_alt > 0 {
        let mut d = String::new();
        let steps = 80;
        for i in 0..=steps {
            let x = x0 + (x1 - x0) * i as f64 / steps as f64;
            let depth = if axis.log {
                10f64.powf(axis.lo + (axis.hi - axis.lo) * i as f64 / steps as f64)
            } else {
                axis.lo + (axis.hi - axis.lo) * i as f64 / steps as f64
            };
            if depth <= 0.0 {
                continue;
            }
            let v = s.settings.min_alt as f64 / depth;
            if v > 10f64.powi(dhi) || v < 10f64.powi(dlo) {
                continue;
            }
            let _ = write!(
                d,
                "{}{} {}",
                if d.is_empty() { "M" } else { " L" },
                f1(x),
                f1(py(v))
            );
        }
        if !d.is_empty() {
            writeln!(
                h,
                "<path d=\"{d}\" fill=\"none\" stroke=\"{INK}\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>"
            )?;
        }
    }
    if threshold_vaf > 0.0 {
        let y = f1(py(threshold_vaf));
        writeln!(
            h,
            "<line x1=\"{x0}\" y1=\"{y}\" x2=\"{x1}\" y2=\"{y}\" stroke=\"{ORANGE}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>"
        )?;
    }
    if (s.settings.min_depth as f64) >= 10f64.powf(axis.lo) || !axis.log {
        let x = f1(px(s.settings.min_depth as f64));
        writeln!(
            h,
            "<line x1=\"{x}\" y1=\"{yt}\" x2=\"{x}\" y2=\"{z1}\" stroke=\"{INK}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>"
        )?;
    }
    writeln!(h, "</svg>")?;
    let not_drawn = if empty > 0 {
        format!(
            " {} sites with no fragments are not drawn.",
            int(empty as u64)
        )
    } else {
        String::new()
    };
    writeln!(
        h,
        "<figcaption>Each of the {} sites with fragments is counted in a small cell by its depth and VAF; a cell's shade says how many sites it holds (VAF 0 in the strip below the axis). Alt counts are whole numbers, so the sites lie on curves VAF = alt ÷ depth, one curve per alt count. Sites left of --min-depth are LOW_DEPTH.{}</figcaption></figure>",
        int(sites.len() as u64),
        esc(&not_drawn)
    )
}

/// Bins of the p-value histogram, each 0.05 wide.
const P_BINS: usize = 20;

/// The sites' p-values in 20 bins, the detected ones stacked at the bottom,
/// with the flat line a uniform distribution would give.
pub(super) fn p_value_histogram(h: &mut String, rows: &[CallRow]) -> std::fmt::Result {
    let sites: Vec<&CallRow> = rows
        .iter()
        .filter(|r| r.depth > 0 && r.p_value.is_finite())
        .collect();
    if sites.is_empty() {
        return Ok(());
    }
    let n = sites.len();
    let mut bins = [(0u64, 0u64); P_BINS];
    for r in &sites {
        let b = ((r.p_value.clamp(0.0, 1.0) * P_BINS as f64) as usize).min(P_BINS - 1);
        if r.status == "DETECTED" {
            bins[b].0 += 1;
        } else {
            bins[b].1 += 1;
        }
    }
    let uniform = n as f64 / P_BINS as f64;
    let top = bins
        .iter()
        .map(|(d, o)| (d + o) as f64)
        .fold(uniform, f64::max);
    let (ymax, ystep) = nice_axis(top * 1.08);
    let (w, ht) = (1100.0, 330.0);
    let (x0, x1, y0, y1) = (92.0, 1080.0, 50.0, 270.0);
    let bw = (x1 - x0) / P_BINS as f64;
    let py = |c: f64| y1 - (c / ymax).clamp(0.0, 1.0) * (y1 - y0);
    writeln!(
        h,
        "<figure id=\"p-histogram\"><svg viewBox=\"0 0 {w} {ht}\" role=\"img\" aria-labelledby=\"p-title\"><title id=\"p-title\">Histogram of the p-values of all {n} sites with fragments</title>"
    )?;
    y_grid(h, (x0, x1), (ymax, ystep), py, tick_label)?;
    for (i, &(det, other)) in bins.iter().enumerate() {
        let x = x0 + i as f64 * bw;
        let (lo_p, hi_p) = (i as f64 / P_BINS as f64, (i + 1) as f64 / P_BINS as f64);
        let total = det + other;
        writeln!(
            h,
            "<g><title>p {lo_p:.2}–{hi_p:.2}{}: {} sites ({} detected)</title>",
            if i + 1 == P_BINS { " (1 included)" } else { "" },
            int(total),
            int(det)
        )?;
        // Detected at the bottom, the others stacked on them.
        for (from, to, fill) in [(0, det, VERMILLION), (det, total, "#8c8c8c")] {
            if to > from {
                writeln!(
                    h,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"/>",
                    f1(x + 1.0),
                    f1(py(to as f64)),
                    f1(bw - 2.0),
                    f1(py(from as f64) - py(to as f64))
                )?;
            }
        }
        writeln!(
            h,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text></g>",
            f1(x + bw / 2.0),
            f1(py(total as f64) - 4.0),
            int(total)
        )?;
    }
    for i in (0..=P_BINS).step_by(2) {
        let x = f1(x0 + i as f64 * bw);
        writeln!(
            h,
            "<line x1=\"{x}\" y1=\"{y1}\" x2=\"{x}\" y2=\"{}\" stroke=\"{INK}\"/><text x=\"{x}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            y1 + 5.0,
            y1 + 19.0,
            tick_label(i as f64 / P_BINS as f64)
        )?;
    }
    writeln!(
        h,
        "<line x1=\"{x0}\" y1=\"{y1}\" x2=\"{x1}\" y2=\"{y1}\" stroke=\"{INK}\"/><line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"{INK}\"/>"
    )?;
    let yu = f1(py(uniform));
    writeln!(
        h,
        "<line x1=\"{x0}\" y1=\"{yu}\" x2=\"{x1}\" y2=\"{yu}\" stroke=\"{BLUE}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
    )?;
    writeln!(
        h,
        "<text x=\"{}\" y=\"{}\" font-size=\"12.5\" text-anchor=\"middle\">p-value</text><text transform=\"translate(18 {}) rotate(-90)\" font-size=\"12.5\" text-anchor=\"middle\">sites</text>",
        (x0 + x1) / 2.0,
        y1 + 40.0,
        (y0 + y1) / 2.0
    )?;
    let below: u64 = bins[0].0 + bins[0].1;
    writeln!(
        h,
        "<g font-size=\"12\"><rect x=\"{x0}\" y=\"10\" width=\"12\" height=\"12\" fill=\"{VERMILLION}\"/><text x=\"{}\" y=\"20\">detected</text><rect x=\"{}\" y=\"10\" width=\"12\" height=\"12\" fill=\"#8c8c8c\"/><text x=\"{}\" y=\"20\">not detected</text><line x1=\"{}\" y1=\"16\" x2=\"{}\" y2=\"16\" stroke=\"{BLUE}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"20\">uniform, as under the null: {} ÷ {P_BINS} = {} sites a bin</text></g>",
        x0 + 17.0,
        x0 + 90.0,
        x0 + 107.0,
        x0 + 210.0,
        x0 + 246.0,
        x0 + 252.0,
        int(n as u64),
        esc(&tick_label((uniform * 10.0).round() / 10.0))
    )?;
    writeln!(h, "</svg>")?;
    writeln!(
        h,
        "<figcaption>If no site carried a mutation, a test that matches its background would spread the p-values evenly (the dashed line), and a valid one never puts more than a share t of the sites below t: here {} sites have p &lt; 0.05, where a sample without ctDNA would have {} or fewer on average. An excess at the left is signal. Counts are whole numbers, so p-values are discrete: a site with no alt fragment has p = 1 (the last bar), and at low depth the null piles up there rather than lying flat. Detected sites are those whose Benjamini–Hochberg q-value clears α, not every p &lt; 0.05.</figcaption></figure>",
        int(below),
        int((n as f64 * 0.05).round() as u64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_axis_is_linear_when_narrow_and_log_when_wide() {
        let a = DepthAxis::new(66.0, 133.0);
        assert!(!a.log);
        assert!(a.lo <= 66.0 && a.hi >= 133.0);
        assert_eq!(a.t(a.lo), 0.0);
        assert_eq!(a.t(a.hi), 1.0);
        let b = DepthAxis::new(40.0, 12_000.0);
        assert!(b.log);
        assert_eq!((b.lo, b.hi), (1.0, 5.0));
        assert_eq!(b.ticks().len(), 5);
        assert!((b.t(1000.0) - 0.5).abs() < 1e-12);
        // One depth only still spans something.
        let c = DepthAxis::new(100.0, 100.0);
        assert!(c.hi > c.lo);
    }
}
