//! `PREFIX.report.html`: one self-contained page to look at a sample.
//!
//! The page is built from [`Summary`] and the [`CallRow`]s only, that is
//! from what `summary.json` and `calls.tsv` hold, so every number on it can
//! be found (or recomputed) from those files. It loads nothing: CSS is
//! inline, fonts are the reader's system fonts, and the plots are inline SVG
//! with no script, so it opens offline, prints, and can be mailed as one
//! file.
//!
//! The SVG is written by hand rather than with a plotting crate (`plotters`
//! would be the alternative): the four plots are a few rectangles, lines and
//! paths, so hand-written SVG costs no dependency and a few hundred lines,
//! keeps the file small (a few tens of kB), gives exact control over what
//! is drawn (a log axis with a separate zero column, whiskers that stay
//! open towards 0, `<title>` tooltips carrying the exact numbers) and keeps
//! the output byte-for-byte deterministic.
//!
//! Colours are the Okabe–Ito palette (safe for colour-blind readers), and
//! no meaning is carried by colour alone: statuses are also written out,
//! markers differ in shape.

use super::calls::{CallRow, Summary};
use super::percent::{percent, Digits, Gap};
use std::fmt::Write as _;

// Okabe–Ito.
const BLUE: &str = "#0072B2";
const VERMILLION: &str = "#D55E00";
const ORANGE: &str = "#E69F00";
const PURPLE: &str = "#CC79A7";
const GREY: &str = "#6b6b6b";
const INK: &str = "#1a1a1a";
const GRID: &str = "#e3e3e3";

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report's percentages: `0.0295` → `2.95 %`, two significant digits
/// however small, the sign kept on the number's line.
fn pct(v: f64) -> String {
    percent(v, Digits::Significant, Gap::NoBreak)
}

/// `10^d` as a percentage: `-3` → `0.1 %`.
fn decade_label(d: i32) -> String {
    let decimals = (-(d + 2)).max(0) as usize;
    format!("{:.decimals$}\u{a0}%", 10f64.powi(d + 2))
}

/// Text that keeps `number %` together.
fn nb(s: &str) -> String {
    s.replace(" %", "\u{a0}%")
}

/// Coordinates with one decimal.
fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// Thousands separated with a thin space: `12345` → `12 345`.
fn int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

fn status_colour(status: &str) -> &'static str {
    match status {
        "DETECTED" => VERMILLION,
        "LOW_DEPTH" => ORANGE,
        "FILTERED" => PURPLE,
        _ => GREY,
    }
}

/// What a hotspot is called on the page: gene and protein change, else id.
fn site_name(r: &CallRow) -> String {
    match (r.gene.is_empty(), r.label.is_empty()) {
        (false, false) => format!("{} {}", r.gene, r.label),
        (false, true) => format!("{} {}", r.gene, r.id),
        (true, false) => r.label.clone(),
        (true, true) => r.id.clone(),
    }
}

/// A round axis maximum and tick step for `0..=max`.
fn nice_axis(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 {
        return (1.0, 1.0);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

fn tick_label(v: f64) -> String {
    if v >= 1000.0 {
        int(v.round() as u64)
    } else if v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// Write the report.
pub fn write_html<W: std::io::Write>(
    mut out: W,
    summary: &Summary,
    rows: &[CallRow],
) -> std::io::Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    page(&mut h, summary, rows).expect("writing to a String cannot fail");
    out.write_all(h.as_bytes())?;
    out.flush()
}

const CSS: &str = r#"
:root { --ink: #1a1a1a; --muted: #555; --line: #d0d0d0; --panel: #f6f6f4; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 2px; letter-spacing: -0.01em; }
h2 { font-size: 1.15rem; margin: 34px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
p { margin: 6px 0; }
.sub { color: var(--muted); margin: 0 0 14px; }
.warn { border: 2px solid #1a1a1a; background: #fff8e1; padding: 10px 14px; margin: 12px 0 18px;
  font-weight: 600; border-radius: 6px; }
.warn span { font-weight: 400; }
.verdict { border: 1px solid var(--line); border-left: 10px solid var(--accent); border-radius: 6px;
  padding: 14px 18px; background: var(--panel); }
.verdict .status { font-size: 1.45rem; font-weight: 700; margin: 0; }
.verdict .code { font: 600 0.8rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 1px 6px; vertical-align: middle; }
.verdict .why { font-size: 1.05rem; margin: 6px 0 4px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px 18px; margin: 14px 0 4px; }
.kv { border-top: 1px solid var(--line); padding-top: 4px; }
.kv .k { color: var(--muted); font-size: 0.82rem; }
.kv .v { font-weight: 600; font-variant-numeric: tabular-nums; }
figure { margin: 8px 0 0; }
figcaption { color: var(--muted); font-size: 0.88rem; margin-top: 4px; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; fill: #1a1a1a; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #1a1a1a; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafaf8; }
tr.detected td { background: #fdf0e8; }
.badge { display: inline-block; font: 600 0.72rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  padding: 1px 6px; border-radius: 3px; border: 1.5px solid var(--c); color: #1a1a1a; white-space: nowrap; }
.badge::before { content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 5px;
  background: var(--c); border-radius: 50%; vertical-align: 0; }
td.note { min-width: 15em; }
.muted { color: var(--muted); }
footer { margin-top: 36px; color: var(--muted); font-size: 0.82rem; border-top: 1px solid var(--line); padding-top: 8px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, .verdict, .warn { break-inside: avoid; }
  tr { break-inside: avoid; }
  .verdict, tr.detected td, .warn { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

fn page(h: &mut String, s: &Summary, rows: &[CallRow]) -> std::fmt::Result {
    let sample = esc(&s.sample);
    writeln!(h, "<!DOCTYPE html>")?;
    writeln!(h, "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
    writeln!(
        h,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        h,
        "<meta name=\"generator\" content=\"cfspot {}\">",
        esc(s.cfspot_version)
    )?;
    writeln!(h, "<title>cfspot report: {sample}</title>")?;
    writeln!(h, "<style>{CSS}</style>\n</head>\n<body>\n<main>")?;
    writeln!(h, "<h1>cfspot report: {sample}</h1>")?;
    writeln!(
        h,
        "<p class=\"sub\">{} hotspots · {} mode · cfspot {}</p>",
        rows.len(),
        esc(&s.mode.replace('_', " ")),
        esc(s.cfspot_version)
    )?;
    writeln!(
        h,
        "<p class=\"warn\" id=\"not-clinical\">{} <span>These results come from a teaching and benchmarking tool; do not use them for diagnosis or treatment decisions.</span></p>",
        esc(s.note)
    )?;
    verdict(h, s)?;

    writeln!(h, "<h2>VAF and depth per hotspot</h2>")?;
    vaf_depth_plot(h, s, rows)?;

    writeln!(h, "<h2>Fragment lengths</h2>")?;
    fragment_plot(h, s)?;

    writeln!(h, "<h2>Hotspots</h2>")?;
    hotspot_table(h, s, rows)?;

    writeln!(
        h,
        "<footer>Made by cfspot {} from <code>{sample}.calls.tsv</code> and <code>{sample}.summary.json</code>; every number here is in those files. VAF intervals: {}. Tumour fraction: {}. {}</footer>",
        esc(s.cfspot_version),
        esc(s.settings.vaf_interval),
        esc(s.tumour_fraction.method),
        esc(s.note)
    )?;
    writeln!(h, "</main>\n</body>\n</html>")
}

fn verdict(h: &mut String, s: &Summary) -> std::fmt::Result {
    let tf = &s.tumour_fraction;
    let (accent, headline) = match s.status {
        "CTDNA_DETECTED" => (VERMILLION, "ctDNA detected above the threshold"),
        "BELOW_THRESHOLD" => (ORANGE, "ctDNA seen, not clearly above the threshold"),
        _ => (BLUE, "No ctDNA detected"),
    };
    let lod = s
        .sample_lod
        .map(pct)
        .unwrap_or_else(|| "not reachable (no depth)".into());
    let interval = format!(
        "{} (95 % CI {}–{})",
        pct(tf.estimate),
        pct(tf.lo),
        tf.hi.map(pct).unwrap_or_else(|| "–".into())
    );
    let why = match s.status {
        "CTDNA_DETECTED" => format!(
            "Tumour fraction {interval}: the whole interval lies above the {} threshold.",
            pct(s.threshold)
        ),
        "BELOW_THRESHOLD" => format!(
            "Tumour fraction {interval}: the interval reaches down to the {} threshold.",
            pct(s.threshold)
        ),
        _ if s.sites_used.is_empty() => format!(
            "No hotspot is above background. This sample would detect a tumour fraction of {lod} with 95 % probability (threshold {}).",
            pct(s.threshold)
        ),
        _ => format!(
            "Tumour fraction {interval} is not distinguishable from 0 (threshold {}).",
            pct(s.threshold)
        ),
    };
    writeln!(
        h,
        "<section class=\"verdict\" id=\"verdict\" style=\"--accent:{accent}\">"
    )?;
    writeln!(
        h,
        "<p class=\"status\">{headline} <span class=\"code\">{}</span></p>",
        esc(s.status)
    )?;
    writeln!(h, "<p class=\"why\">{}</p>", esc(&why))?;
    tf_strip(h, s)?;
    writeln!(h, "<div class=\"grid\">")?;
    let used = if s.sites_used.is_empty() {
        "none".to_string()
    } else {
        s.sites_used.join(", ")
    };
    let dup =
        s.qc.duplicate_share
            .map(pct)
            .unwrap_or_else(|| "unknown".into());
    let mode_len =
        s.qc.fragment_length_mode
            .map(|l| format!("{l} bp"))
            .unwrap_or_else(|| "–".into());
    let items: [(&str, String); 10] = [
        ("Tumour fraction", pct(tf.estimate)),
        (
            "95 % interval",
            match tf.hi {
                Some(hi) => format!("{} – {}", pct(tf.lo), pct(hi)),
                None => "– (nothing detected to bound it)".into(),
            },
        ),
        ("Threshold", pct(s.threshold)),
        ("Sample LoD (95 %)", lod.clone()),
        ("Mode", s.mode.replace('_', " ")),
        ("Detected hotspots", format!("{}", s.detected.len())),
        ("Sites used for TF", used),
        ("Median depth", format!("{}", s.qc.median_depth)),
        ("Fragment-length mode", mode_len),
        ("Duplicate share", dup),
    ];
    for (k, v) in items {
        writeln!(
            h,
            "<div class=\"kv\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>",
            esc(k),
            esc(&v)
        )?;
    }
    writeln!(h, "</div>\n</section>")
}

/// The tumour fraction on a linear axis: interval, estimate, threshold and
/// sample LoD.
fn tf_strip(h: &mut String, s: &Summary) -> std::fmt::Result {
    let tf = &s.tumour_fraction;
    let top = [
        tf.hi.unwrap_or(0.0),
        s.threshold,
        s.sample_lod.unwrap_or(0.0),
    ]
    .into_iter()
    .filter(|v| v.is_finite())
    .fold(0.0f64, f64::max)
        * 1.15;
    let (max, step) = nice_axis(top.max(1e-4));
    let (w, x0, x1) = (1100.0, 20.0, 1080.0);
    let x = |v: f64| x0 + (v.clamp(0.0, max) / max) * (x1 - x0);
    writeln!(
        h,
        "<figure><svg viewBox=\"0 0 {w} 92\" role=\"img\" aria-labelledby=\"tf-title\"><title id=\"tf-title\">Tumour fraction {} with its 95 % interval {}–{}, threshold {}</title>",
        pct(tf.estimate),
        pct(tf.lo),
        tf.hi.map(pct).unwrap_or_else(|| "–".into()),
        pct(s.threshold)
    )?;
    // Axis.
    let ya = 58.0;
    writeln!(
        h,
        "<line x1=\"{x0}\" y1=\"{ya}\" x2=\"{x1}\" y2=\"{ya}\" stroke=\"{INK}\"/>"
    )?;
    let mut t = 0.0;
    while t <= max * 1.000001 {
        writeln!(
            h,
            "<line x1=\"{0}\" y1=\"{ya}\" x2=\"{0}\" y2=\"{1}\" stroke=\"{INK}\"/><text x=\"{0}\" y=\"{2}\" font-size=\"12\" text-anchor=\"middle\">{3}</text>",
            f1(x(t)),
            ya + 5.0,
            ya + 19.0,
            esc(&pct(t))
        )?;
        t += step;
    }
    // Threshold.
    let xt = x(s.threshold);
    writeln!(
        h,
        "<line x1=\"{0}\" y1=\"14\" x2=\"{0}\" y2=\"{ya}\" stroke=\"{ORANGE}\" stroke-width=\"2.5\" stroke-dasharray=\"6 4\"/><text x=\"{1}\" y=\"12\" font-size=\"12\" text-anchor=\"start\">threshold {2}</text>",
        f1(xt),
        f1(xt + 4.0),
        esc(&pct(s.threshold))
    )?;
    // Sample LoD.
    if let Some(l) = s.sample_lod {
        let xl = x(l);
        writeln!(
            h,
            "<path d=\"M{0} {1} l-5 -8 h10 z\" fill=\"{BLUE}\"><title>sample LoD {2}</title></path><text x=\"{0}\" y=\"{3}\" font-size=\"11\" text-anchor=\"middle\" fill=\"{BLUE}\">LoD</text>",
            f1(xl),
            ya - 1.0,
            esc(&pct(l)),
            ya - 12.0
        )?;
    }
    // Interval and estimate (only when something was estimated).
    if !s.sites_used.is_empty() {
        let yi = 34.0;
        let hi = tf.hi.unwrap_or(tf.estimate);
        let (xl, xh, xe) = (f1(x(tf.lo)), f1(x(hi)), f1(x(tf.estimate)));
        let (yt, yb) = (yi - 7.0, yi + 7.0);
        writeln!(
            h,
            "<g><title>tumour fraction {} (95 % CI {}–{})</title>",
            esc(&pct(tf.estimate)),
            esc(&pct(tf.lo)),
            esc(&pct(hi))
        )?;
        writeln!(
            h,
            "<line x1=\"{xl}\" y1=\"{yi}\" x2=\"{xh}\" y2=\"{yi}\" stroke=\"{INK}\" stroke-width=\"3\"/><line x1=\"{xl}\" y1=\"{yt}\" x2=\"{xl}\" y2=\"{yb}\" stroke=\"{INK}\" stroke-width=\"2\"/><line x1=\"{xh}\" y1=\"{yt}\" x2=\"{xh}\" y2=\"{yb}\" stroke=\"{INK}\" stroke-width=\"2\"/><circle cx=\"{xe}\" cy=\"{yi}\" r=\"6.5\" fill=\"{VERMILLION}\" stroke=\"{INK}\" stroke-width=\"1.5\"/></g>"
        )?;
    }
    writeln!(h, "</svg></figure>")
}

fn hotspot_table(h: &mut String, s: &Summary, rows: &[CallRow]) -> std::fmt::Result {
    writeln!(h, "<table id=\"hotspots\">\n<thead><tr><th>Gene</th><th>Change</th><th>ID</th><th class=\"n\">Depth</th><th class=\"n\">Alt</th><th class=\"n\">VAF (95 % CI)</th><th class=\"n\">LoD95</th><th>Status</th><th>Note</th></tr></thead>\n<tbody>")?;
    for r in rows {
        let vaf = match r.vaf {
            Some(v) => format!("{} ({}–{})", pct(v), pct(r.vaf_lo), pct(r.vaf_hi)),
            None => "–".into(),
        };
        let lod = r.lod95.map(pct).unwrap_or_else(|| "not reachable".into());
        let class = if r.status == "DETECTED" {
            " class=\"detected\""
        } else {
            ""
        };
        writeln!(
            h,
            "<tr{class}><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td><span class=\"badge\" style=\"--c:{}\">{}</span></td><td class=\"note\">{}</td></tr>",
            esc(&r.gene),
            esc(&r.label),
            esc(&r.id),
            int(r.depth),
            int(r.alt_count),
            esc(&vaf),
            esc(&lod),
            status_colour(&r.status),
            esc(&r.status),
            esc(&nb(&r.note))
        )?;
    }
    writeln!(h, "</tbody>\n</table>")?;
    writeln!(
        h,
        "<p class=\"muted\">A site is DETECTED when its Benjamini–Hochberg q-value is below {} with at least {} alt fragments and no strand bias; LOW_DEPTH below {} fragments. LoD95: the smallest VAF called with ≥ 95 % probability at that depth and background.</p>",
        s.settings.alpha, s.settings.min_alt, s.settings.min_depth
    )
}

/// One figure, two panels sharing the rows: VAF on a log axis (with its
/// interval, LoD95 and the TF threshold as a VAF) and depth as bars.
fn vaf_depth_plot(h: &mut String, s: &Summary, rows: &[CallRow]) -> std::fmt::Result {
    if rows.is_empty() {
        return writeln!(h, "<p class=\"muted\">No hotspots.</p>");
    }
    let threshold_vaf = s.settings.factor * s.threshold / 2.0;
    // Log axis: decades spanning the VAFs, upper bounds, LoD95s and the
    // threshold. Lower bounds below the axis are clipped at its left end
    // (an arrow), so one alt fragment at 10 000x does not squash the rest.
    let positives: Vec<f64> = rows
        .iter()
        .flat_map(|r| [r.vaf.unwrap_or(0.0), r.vaf_hi, r.lod95.unwrap_or(0.0)])
        .chain([threshold_vaf])
        .filter(|v| *v > 0.0 && v.is_finite())
        .collect();
    let lo = positives.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = positives.iter().cloned().fold(0.0f64, f64::max);
    let (mut dlo, mut dhi) = if lo.is_finite() {
        (lo.log10().floor() as i32, hi.log10().ceil() as i32)
    } else {
        (-4, -1)
    };
    dlo = dlo.clamp(-7, -1);
    dhi = dhi.clamp(dlo + 1, 0);
    if dhi - dlo < 2 {
        dlo = (dhi - 2).max(-7);
    }

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
        "<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"600\">VAF (log scale)</text><text x=\"{d0}\" y=\"{}\" font-size=\"13\" font-weight=\"600\">Depth (fragments)</text>",
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
            "{}: VAF {} (95 % CI {}–{}), {} alt of {} fragments, LoD95 {}, {}",
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
                    "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{GREY}\">no fragments</text>",
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
        "<figcaption>Points: VAF (alt ÷ depth) with its {} interval; an interval reaching 0 has no left cap, one reaching below the axis ends in an arrow. Blue bars: LoD95 at that depth and background. Dashed orange line: the tumour-fraction threshold as a VAF (factor {} × threshold ÷ 2). Depth bars in orange are LOW_DEPTH; the dashed line is --min-depth. Hover for exact numbers.</figcaption></figure>",
        esc(s.settings.vaf_interval),
        s.settings.factor
    )
}

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

fn median_and_short(hist: &[(u32, u64)]) -> Option<(u32, f64)> {
    let total: u64 = hist.iter().map(|(_, c)| c).sum();
    if total == 0 {
        return None;
    }
    let mut seen = 0;
    let mut median = 0;
    for &(l, c) in hist {
        seen += c;
        if seen * 2 >= total {
            median = l;
            break;
        }
    }
    let short: u64 = hist.iter().filter(|(l, _)| *l < 150).map(|(_, c)| c).sum();
    Some((median, short as f64 / total as f64))
}

fn fragment_plot(h: &mut String, s: &Summary) -> std::fmt::Result {
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
    let mut t = 0.0;
    while t <= ymax * 1.000001 {
        writeln!(
            h,
            "<line x1=\"{x0}\" y1=\"{0}\" x2=\"{x1}\" y2=\"{0}\" stroke=\"{GRID}\"/><text x=\"{1}\" y=\"{2}\" font-size=\"12\" text-anchor=\"end\">{3}</text>",
            f1(py(t)),
            x0 - 6.0,
            f1(py(t) + 4.0),
            esc(&percent(t, Digits::Fixed(1), Gap::Space))
        )?;
        t += ystep;
    }
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
    // 150 bp mark: ctDNA is enriched below it.
    writeln!(
        h,
        "<line x1=\"{0}\" y1=\"{y0}\" x2=\"{0}\" y2=\"{y1}\" stroke=\"{GREY}\" stroke-dasharray=\"3 3\"/><text x=\"{1}\" y=\"{2}\" font-size=\"11\" fill=\"{GREY}\" text-anchor=\"end\">150 bp</text>",
        f1(px(150.0)),
        f1(px(150.0) - 4.0),
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
    let describe = |hist: &[(u32, u64)]| match median_and_short(hist) {
        Some((m, sh)) => format!("median {m} bp, {} under 150 bp", pct(sh)),
        None => "none".into(),
    };
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
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn percentages_and_axes() {
        assert_eq!(pct(0.0295), "2.95\u{a0}%");
        assert_eq!(nice_axis(2030.0), (3000.0, 1000.0));
        assert_eq!(nice_axis(90.0), (100.0, 25.0));
        assert_eq!(decade_label(-3), "0.1\u{a0}%");
        assert_eq!(decade_label(0), "100\u{a0}%");
        assert_eq!(int(1234567), "1\u{2009}234\u{2009}567");
    }

    #[test]
    fn density_sums_to_one() {
        let (d, n) = densities(&[(100, 3), (101, 1), (167, 4)], 5);
        assert_eq!(n, 8);
        let total: f64 = d.iter().map(|(_, v)| v * 5.0).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert_eq!(
            median_and_short(&[(100, 3), (167, 4)]),
            Some((167, 3.0 / 7.0))
        );
    }
}
