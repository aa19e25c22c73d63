//! The VAF-and-depth figure: per hotspot, VAF on a log axis with a separate
//! zero column (interval, LoD95, the threshold as a VAF) beside its depth.

use super::svg::{
    decade_label, esc, f1, nice_axis, pct, tick_label, vaf_decades, BLUE, GREY, GRID, INK, ORANGE,
    VERMILLION,
};
use crate::report::calls::{CallRow, Summary};
use std::fmt::Write as _;

/// What a hotspot is called on the page: gene and protein change, else id.
fn site_name(r: &CallRow) -> String {
    match (r.gene.is_empty(), r.label.is_empty()) {
        (false, false) => format!("{} {}", r.gene, r.label),
        (false, true) => format!("{} {}", r.gene, r.id),
        (true, false) => r.label.clone(),
        (true, true) => r.id.clone(),
    }
}

/// One figure, two panels sharing the rows: VAF on a log axis (with its
/// interval, LoD95 and the TF threshold as a VAF) and depth as bars.
/// `rows` are the sites drawn, in order; `shown` says which they are when
/// they are not the whole panel (it opens the caption).
pub(super) fn vaf_depth_plot(
    h: &mut String,
    s: &Summary,
    rows: &[&CallRow],
    shown: Option<&str>,
) -> std::fmt::Result {
    if rows.is_empty() {
        return writeln!(h, "<p class=\"muted\">No hotspots.</p>");
    }
    let threshold_vaf = s.settings.factor * s.threshold / 2.0;
    let noun = s.count.unit.noun();
    // Log axis: decades spanning the VAFs, upper bounds, LoD95s and the
    // threshold. Lower bounds below the axis are clipped at its left end
    // (an arrow), so one alt fragment at 10 000x does not squash the rest.
    let (dlo, dhi) = vaf_decades(
        rows.iter()
            .flat_map(|r| [r.vaf.unwrap_or(0.0), r.vaf_hi, r.lod95.unwrap_or(0.0)])
            .chain([threshold_vaf]),
    );

    let row_h = 20.0;
    let top = 62.0;
    let n = rows.len() as f64;
    let height = top + n * row_h + 44.0;
    let (w, label_w) = (1100.0, 180.0);
    // VAF panel: zero column at z, log axis from a0 to a1.
    let (z, a0, a1) = (label_w + 14.0, label_w + 64.0, 770.0);
    // Depth panel.
    let (d0, d1) = (830.0, 1080.0);
    let lx = |v: f64| {
        let t = (v.log10() - dlo as f64) / (dhi - dlo) as f64;
        a0 + t.clamp(0.0, 1.0) * (a1 - a0)
    };
    let vx = |v: f64| if v > 0.0 { lx(v) } else { z };
    let max_depth = rows.iter().map(|r| r.depth).max().unwrap_or(0) as f64;
    let (dmax, dstep) = nice_axis(max_depth.max(s.settings.min_depth as f64));
    let dx = |v: f64| d0 + (v / dmax).clamp(0.0, 1.0) * (d1 - d0);
    let y_of = |i: usize| top + (i as f64 + 0.5) * row_h;
    let bottom = top + n * row_h;

    writeln!(
        h,
        "<figure id=\"vaf-plot\"><svg viewBox=\"0 0 {w} {}\" role=\"img\" aria-labelledby=\"vaf-title\"><title id=\"vaf-title\">VAF per hotspot with 95 % intervals and LoD95 (log axis), and depth per hotspot</title>",
        f1(height)
    )?;
    // Legend.
    let ly = 14.0;
    writeln!(
        h,
        "<g font-size=\"12\"><circle cx=\"{}\" cy=\"{ly}\" r=\"5\" fill=\"{VERMILLION}\" stroke=\"{INK}\"/><text x=\"{}\" y=\"{}\">VAF, detected</text>",
        label_w + 20.0,
        label_w + 30.0,
        ly + 4.0
    )?;
    writeln!(
        h,
        "<circle cx=\"{}\" cy=\"{ly}\" r=\"4.5\" fill=\"#fff\" stroke=\"{INK}\" stroke-width=\"1.5\"/><text x=\"{}\" y=\"{}\">VAF, not detected</text>",
        label_w + 140.0,
        label_w + 150.0,
        ly + 4.0
    )?;
    writeln!(
        h,
        "<path d=\"M{} {} l5 -5 l5 5 l-5 5 z\" fill=\"{GREY}\"/><text x=\"{}\" y=\"{}\">VAF 0 (at the 0 column)</text>",
        label_w + 281.0,
        ly,
        label_w + 292.0,
        ly + 4.0
    )?;
    writeln!(
        h,
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{BLUE}\" stroke-width=\"3\"/><text x=\"{3}\" y=\"{4}\">LoD95</text>",
        label_w + 450.0,
        ly - 7.0,
        ly + 7.0,
        label_w + 458.0,
        ly + 4.0
    )?;
    writeln!(
        h,
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{INK}\" stroke-width=\"1.5\"/><text x=\"{3}\" y=\"{4}\">95 % interval</text>",
        label_w + 510.0,
        ly,
        label_w + 540.0,
        label_w + 546.0,
        ly + 4.0
    )?;
    writeln!(
        h,
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{ORANGE}\" stroke-width=\"2.5\" stroke-dasharray=\"5 3\"/><text x=\"{3}\" y=\"{4}\">TF threshold as VAF ({5})</text></g>",
        label_w + 650.0,
        ly - 7.0,
        ly + 7.0,
        label_w + 658.0,
        ly + 4.0,
        esc(&pct(threshold_vaf))
    )?;
    // Panel titles.
    writeln!(
        h,
        "<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"600\">VAF (log scale)</text><text x=\"{d0}\" y=\"{}\" font-size=\"13\" font-weight=\"600\">Depth ({noun})</text>",
        z,
        top - 12.0,
        top - 12.0
    )?;
    // Row bands and labels.
    for (i, r) in rows.iter().enumerate() {
        let y = top + i as f64 * row_h;
        if i % 2 == 1 {
            writeln!(
                h,
                "<rect x=\"0\" y=\"{}\" width=\"{w}\" height=\"{row_h}\" fill=\"#f4f4f2\"/>",
                f1(y)
            )?;
        }
        let weight = if r.status == "DETECTED" {
            " font-weight=\"700\""
        } else {
            ""
        };
        writeln!(
            h,
            "<text x=\"{}\" y=\"{}\" font-size=\"12.5\" text-anchor=\"end\"{weight}>{}</text>",
            label_w,
            f1(y_of(i) + 4.0),
            esc(&site_name(r))
        )?;
    }
    // VAF grid and axis.
    writeln!(
        h,
        "<line x1=\"{z}\" y1=\"{top}\" x2=\"{z}\" y2=\"{}\" stroke=\"{GRID}\"/><text x=\"{z}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">0</text>",
        f1(bottom),
        f1(bottom + 18.0)
    )?;
    // Axis break between the zero column and the log axis.
    writeln!(
        h,
        "<path d=\"M{} {} l6 -8 M{} {} l6 -8\" stroke=\"{INK}\"/>",
        f1((z + a0) / 2.0 - 5.0),
        f1(bottom + 4.0),
        f1((z + a0) / 2.0),
        f1(bottom + 4.0)
    )?;
    for d in dlo..=dhi {
        let v = 10f64.powi(d);
        let x = lx(v);
        writeln!(
            h,
            "<line x1=\"{0}\" y1=\"{top}\" x2=\"{0}\" y2=\"{1}\" stroke=\"#cfcfcf\"/><text x=\"{0}\" y=\"{2}\" font-size=\"12\" text-anchor=\"middle\">{3}</text>",
            f1(x),
            f1(bottom),
            f1(bottom + 18.0),
            decade_label(d)
        )?;
        if d < dhi {
            for m in [2.0, 5.0] {
                writeln!(
                    h,
                    "<line x1=\"{0}\" y1=\"{top}\" x2=\"{0}\" y2=\"{1}\" stroke=\"{GRID}\" stroke-dasharray=\"2 3\"/>",
                    f1(lx(m * v)),
                    f1(bottom)
                )?;
            }
        }
    }
    writeln!(
        h,
        "<line x1=\"{z}\" y1=\"{0}\" x2=\"{a1}\" y2=\"{0}\" stroke=\"{INK}\"/>",
        f1(bottom)
    )?;
    // Threshold as a VAF.
    if threshold_vaf > 0.0 {
        let xt = f1(lx(threshold_vaf));
        writeln!(
            h,
            "<line x1=\"{xt}\" y1=\"{top}\" x2=\"{xt}\" y2=\"{}\" stroke=\"{ORANGE}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>",
            f1(bottom)
        )?;
    }
    // Marks per row.
    for (i, r) in rows.iter().enumerate() {
        let y = y_of(i);
        let tip = format!(
            "{}: VAF {} (95 % CI {}–{}), {} alt of {} {noun}, LoD95 {}, {}",
            r.id,
            r.vaf.map(pct).unwrap_or_else(|| "–".into()),
            pct(r.vaf_lo),
            pct(r.vaf_hi),
            r.alt_count,
            r.depth,
            r.lod95.map(pct).unwrap_or_else(|| "not reachable".into()),
            r.status
        );
        writeln!(h, "<g><title>{}</title>", esc(&tip))?;
        // Whisker: open (no cap) where it reaches down to 0.
        if r.vaf_hi > 0.0 && r.depth > 0 {
            let (xl, xh) = (vx(r.vaf_lo), vx(r.vaf_hi));
            let clipped = r.vaf_lo > 0.0 && r.vaf_lo < 10f64.powi(dlo);
            writeln!(
                h,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{1}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
                f1(xl),
                f1(y),
                f1(xh)
            )?;
            writeln!(
                h,
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
                f1(xh),
                f1(y - 4.0),
                f1(y + 4.0)
            )?;
            if clipped {
                writeln!(
                    h,
                    "<path d=\"M{} {} l7 -4 v8 z\" fill=\"{INK}\"/>",
                    f1(xl),
                    f1(y)
                )?;
            } else if r.vaf_lo > 0.0 {
                writeln!(
                    h,
                    "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
                    f1(xl),
                    f1(y - 4.0),
                    f1(y + 4.0)
                )?;
            }
        }
        if let Some(l) = r.lod95 {
            let xl = lx(l);
            writeln!(
                h,
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{BLUE}\" stroke-width=\"3\"/>",
                f1(xl),
                f1(y - 7.0),
                f1(y + 7.0)
            )?;
        }
        match r.vaf {
            Some(v) if v > 0.0 => {
                let fill = if r.status == "DETECTED" {
                    VERMILLION
                } else {
                    "#fff"
                };
                let rad = if r.status == "DETECTED" { 5.5 } else { 4.5 };
                writeln!(
                    h,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{rad}\" fill=\"{fill}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
                    f1(lx(v)),
                    f1(y)
                )?;
            }
            Some(_) => {
                writeln!(
                    h,
                    "<path d=\"M{} {} l5 -5 l5 5 l-5 5 z\" fill=\"{GREY}\"/>",
                    f1(z - 5.0),
                    f1(y)
                )?;
            }
            None => {
                writeln!(
                    h,
                    "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{GREY}\">no {noun}</text>",
                    f1(z + 4.0),
                    f1(y + 4.0)
                )?;
            }
        }
        writeln!(h, "</g>")?;
    }
    // Depth panel.
    let mut t = 0.0;
    while t <= dmax * 1.000001 {
        writeln!(
            h,
            "<line x1=\"{0}\" y1=\"{top}\" x2=\"{0}\" y2=\"{1}\" stroke=\"{GRID}\"/><text x=\"{0}\" y=\"{2}\" font-size=\"12\" text-anchor=\"middle\">{3}</text>",
            f1(dx(t)),
            f1(bottom),
            f1(bottom + 18.0),
            esc(&tick_label(t))
        )?;
        t += dstep;
    }
    for (i, r) in rows.iter().enumerate() {
        let y = y_of(i);
        let fill = if r.status == "LOW_DEPTH" {
            ORANGE
        } else {
            "#8c8c8c"
        };
        writeln!(
            h,
            "<rect x=\"{d0}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"><title>{}: depth {} ({})</title></rect>",
            f1(y - row_h * 0.32),
            f1(dx(r.depth as f64) - d0),
            f1(row_h * 0.64),
            esc(&r.id),
            r.depth,
            esc(&r.status)
        )?;
    }
    let xm = f1(dx(s.settings.min_depth as f64));
    writeln!(
        h,
        "<line x1=\"{xm}\" y1=\"{}\" x2=\"{xm}\" y2=\"{}\" stroke=\"{INK}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/><text x=\"{xm}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">min depth {}</text>",
        top - 4.0,
        f1(bottom),
        f1(bottom + 34.0),
        s.settings.min_depth
    )?;
    writeln!(
        h,
        "<line x1=\"{d0}\" y1=\"{0}\" x2=\"{d1}\" y2=\"{0}\" stroke=\"{INK}\"/><line x1=\"{d0}\" y1=\"{top}\" x2=\"{d0}\" y2=\"{0}\" stroke=\"{INK}\"/>",
        f1(bottom)
    )?;
    writeln!(h, "</svg>")?;
    writeln!(
        h,
        "<figcaption>{}Points: VAF (alt ÷ depth) with its {} interval; an interval reaching 0 has no left cap, one reaching below the axis ends in an arrow. Blue bars: LoD95 at that depth and background. Dashed orange line: the tumour-fraction threshold as a VAF (factor {} × threshold ÷ 2). Depth bars in orange are LOW_DEPTH; the dashed line is --min-depth. Hover for exact numbers.</figcaption></figure>",
        shown.map(|t| format!("{} ", esc(t))).unwrap_or_default(),
        esc(s.settings.vaf_interval),
        s.settings.factor
    )
}
