//! The fragment-length figure: densities of REF fragments and of ALT
//! fragments at detected hotspots, from the summary's length histograms.

use super::svg::{esc, f1, int, nice_axis, pct, y_grid, BLUE, GREY, INK, VERMILLION};
use crate::count::site::{summarise_histogram, SHORT_FRAGMENT};
use crate::report::calls::Summary;
use crate::report::percent::{percent, Digits, Gap};
use std::fmt::Write as _;

/// Density per bp of a `[length, count]` histogram, in `bin`-bp bins.
fn densities(hist: &[(u32, u64)], bin: u32) -> (Vec<(u32, f64)>, u64) {
    let total: u64 = hist.iter().map(|(_, c)| c).sum();
    let mut bins = std::collections::BTreeMap::<u32, u64>::new();
    for &(l, c) in hist {
        *bins.entry(l / bin * bin).or_default() += c;
    }
    let d = bins
        .into_iter()
        .map(|(b, c)| (b, c as f64 / (total.max(1) as f64 * bin as f64)))
        .collect();
    (d, total)
}

/// A histogram's legend text: its median and short share, by the same
/// definition as the TSVs' columns.
fn describe(hist: &[(u32, u64)]) -> String {
    match summarise_histogram(hist.iter().copied()) {
        Some(s) => format!(
            "median {} bp, {} under {SHORT_FRAGMENT} bp",
            s.median,
            pct(s.short_fraction)
        ),
        None => "none".into(),
    }
}

pub(super) fn fragment_plot(h: &mut String, s: &Summary) -> std::fmt::Result {
    let fl = &s.fragment_lengths;
    let bin = 5;
    let (r, nr) = densities(&fl.ref_fragments, bin);
    let (a, na) = densities(&fl.alt_fragments, bin);
    if nr + na == 0 {
        return writeln!(
            h,
            "<p class=\"muted\">No fragment lengths (single-end reads, FASTQ or count-TSV input).</p>"
        );
    }
    let lengths = fl
        .ref_fragments
        .iter()
        .chain(&fl.alt_fragments)
        .map(|(l, _)| *l);
    let lmin = lengths.clone().min().unwrap_or(0);
    let lmax = lengths.max().unwrap_or(500);
    let xmin = (lmin / 50 * 50) as f64;
    let xmax = ((lmax / 50 + 1) * 50) as f64;
    let ymax_raw = r.iter().chain(&a).map(|(_, d)| *d).fold(0.0f64, f64::max);
    let (ymax, ystep) = nice_axis(ymax_raw * 1.05);
    let (w, ht) = (1100.0, 330.0);
    let (x0, x1, y0, y1) = (70.0, 1080.0, 58.0, 285.0);
    let px = |l: f64| x0 + (l - xmin) / (xmax - xmin) * (x1 - x0);
    let py = |d: f64| y1 - (d / ymax).clamp(0.0, 1.0) * (y1 - y0);
    writeln!(
        h,
        "<figure id=\"fragment-plot\"><svg viewBox=\"0 0 {w} {ht}\" role=\"img\" aria-labelledby=\"fl-title\"><title id=\"fl-title\">Fragment-length densities of REF fragments and of ALT fragments at detected hotspots</title>"
    )?;
    // Grid and axes.
    y_grid(h, (x0, x1), (ymax, ystep), py, |t| {
        percent(t, Digits::Fixed(1), Gap::Space)
    })?;
    let mut l = xmin;
    while l <= xmax {
        writeln!(
            h,
            "<line x1=\"{0}\" y1=\"{y1}\" x2=\"{0}\" y2=\"{1}\" stroke=\"{INK}\"/><text x=\"{0}\" y=\"{2}\" font-size=\"12\" text-anchor=\"middle\">{3}</text>",
            f1(px(l)),
            y1 + 5.0,
            y1 + 19.0,
            l
        )?;
        l += 50.0;
    }
    writeln!(
        h,
        "<line x1=\"{x0}\" y1=\"{y1}\" x2=\"{x1}\" y2=\"{y1}\" stroke=\"{INK}\"/><line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"{INK}\"/>"
    )?;
    writeln!(
        h,
        "<text x=\"{}\" y=\"{}\" font-size=\"12.5\" text-anchor=\"middle\">fragment length (bp)</text><text transform=\"translate(16 {}) rotate(-90)\" font-size=\"12.5\" text-anchor=\"middle\">share of fragments per bp</text>",
        (x0 + x1) / 2.0,
        y1 + 38.0,
        (y0 + y1) / 2.0
    )?;
    // Short-fragment mark: ctDNA is enriched below it.
    writeln!(
        h,
        "<line x1=\"{0}\" y1=\"{y0}\" x2=\"{0}\" y2=\"{y1}\" stroke=\"{GREY}\" stroke-dasharray=\"3 3\"/><text x=\"{1}\" y=\"{2}\" font-size=\"11\" fill=\"{GREY}\" text-anchor=\"end\">{SHORT_FRAGMENT} bp</text>",
        f1(px(SHORT_FRAGMENT as f64)),
        f1(px(SHORT_FRAGMENT as f64) - 4.0),
        y0 + 10.0
    )?;
    // Step outlines (histogram shape).
    let step_path = |d: &[(u32, f64)]| {
        let mut p = String::new();
        for (i, &(b, v)) in d.iter().enumerate() {
            let (xa, xb, y) = (px(b as f64), px((b + bin) as f64), py(v));
            let prev_end = i > 0 && d[i - 1].0 + bin == b;
            if prev_end {
                let _ = write!(p, " L{} {} L{} {}", f1(xa), f1(y), f1(xb), f1(y));
            } else {
                let _ = write!(
                    p,
                    " M{} {} L{} {} L{} {}",
                    f1(xa),
                    f1(y1),
                    f1(xa),
                    f1(y),
                    f1(xb),
                    f1(y)
                );
            }
            let next_start = i + 1 < d.len() && d[i + 1].0 == b + bin;
            if !next_start {
                let _ = write!(p, " L{} {}", f1(xb), f1(y1));
            }
        }
        p
    };
    if !r.is_empty() {
        writeln!(
            h,
            "<path d=\"{}\" fill=\"{BLUE}\" fill-opacity=\"0.18\" stroke=\"{BLUE}\" stroke-width=\"2\"/>",
            step_path(&r).trim()
        )?;
    }
    if !a.is_empty() {
        writeln!(
            h,
            "<path d=\"{}\" fill=\"none\" stroke=\"{VERMILLION}\" stroke-width=\"2.5\"/>",
            step_path(&a).trim()
        )?;
    }
    // Legend.
    writeln!(
        h,
        "<g font-size=\"12.5\"><rect x=\"{}\" y=\"10\" width=\"22\" height=\"12\" fill=\"{BLUE}\" fill-opacity=\"0.18\" stroke=\"{BLUE}\" stroke-width=\"2\"/><text x=\"{}\" y=\"20\">REF fragments, all hotspots (n = {}; {})</text>",
        x0 + 10.0,
        x0 + 38.0,
        int(nr),
        esc(&describe(&fl.ref_fragments))
    )?;
    let alt_text = if na == 0 {
        "ALT fragments at detected hotspots: none (nothing detected)".to_string()
    } else {
        format!(
            "ALT fragments at detected hotspots (n = {}; {})",
            int(na),
            describe(&fl.alt_fragments)
        )
    };
    writeln!(
        h,
        "<line x1=\"{}\" y1=\"34\" x2=\"{}\" y2=\"34\" stroke=\"{VERMILLION}\" stroke-width=\"2.5\"/><text x=\"{}\" y=\"38\">{}</text></g>",
        x0 + 10.0,
        x0 + 32.0,
        x0 + 38.0,
        esc(&alt_text)
    )?;
    writeln!(h, "</svg>")?;
    writeln!(
        h,
        "<figcaption>Each curve is normalised to its own total ({bin}-bp bins), so the shapes compare whatever the counts. Tumour-derived cfDNA tends to be shorter than the ~167 bp mode of normal cfDNA. ALT fragments elsewhere than at detected hotspots are mostly sequencing error and are left out.</figcaption></figure>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn density_sums_to_one() {
        let (d, n) = densities(&[(100, 3), (101, 1), (167, 4)], 5);
        assert_eq!(n, 8);
        let total: f64 = d.iter().map(|(_, v)| v * 5.0).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert_eq!(
            describe(&[(100, 3), (167, 4)]),
            "median 167 bp, 42.9\u{a0}% under 150 bp"
        );
        // An even count averages the middle pair, as the TSVs' medians do
        // (the page used to show the lower one, 100 bp).
        assert_eq!(
            describe(&[(100, 1), (167, 1)]),
            "median 133.5 bp, 50.0\u{a0}% under 150 bp"
        );
        assert_eq!(describe(&[]), "none");
    }
}
