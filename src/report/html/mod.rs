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
//!
//! Each part of the page has its room: [`svg`] the palette, escaping,
//! number formats and axes they all share; [`verdict`], [`vaf_depth`],
//! [`spread`], [`fragments`] and [`table`] one section each; `style.css`
//! the inline stylesheet (`scale.css` the rules only a large panel's page
//! uses). This file puts the page together and chooses what it shows.
//!
//! A panel of up to `WHOLE_PANEL` (100) sites is shown whole: every site a row
//! of the VAF figure and of the table, in panel order, and the sites used
//! for the tumour fraction listed by name. A larger panel (a tumour-informed
//! MRD panel follows thousands) would make a page of megabytes that nobody
//! can scan row by row, so there the page shows counts instead of lists,
//! draws the detected sites and the others with the smallest p-values (see
//! `top_sites`) as rows,
//! every site as a distribution ([`spread`]: VAF against depth, p-values),
//! and keeps the full table collapsed in a `<details>` (Chromium's
//! find-in-page opens it). Its size then grows by about 140 bytes a site.

mod fragments;
mod spread;
mod svg;
mod table;
mod vaf_depth;
mod verdict;

use super::calls::{CallRow, Summary};
use std::fmt::Write as _;
use svg::esc;

/// The page's stylesheet, inlined so the page loads nothing.
const CSS: &str = include_str!("style.css");
/// The rules of the sections only a large panel's page has.
const SCALE_CSS: &str = include_str!("scale.css");

/// The largest panel shown whole. 100 rows of the VAF figure are 2,000 px,
/// two screens, which is about as many as a reader scans (and the page is
/// ~200 kB); the demo (31) and the usual hotspot panels (tens of sites) are
/// well inside it. It is also the most rows the figure draws at scale, so a
/// page never has more rows than a whole panel's.
const WHOLE_PANEL: usize = 100;

/// The sites a large panel's VAF figure draws, in the order drawn: the
/// detected sites, then the others, each by p-value (ties: more alt
/// fragments, then panel order), [`WHOLE_PANEL`] rows in all. The detected
/// come first because they are what the page is about (they set the
/// tumour fraction); a LOW_DEPTH or FILTERED site can have a smaller
/// p-value than a detected one without being a call.
/// The footer's "Counted in fragments with min_mapq=20, …".
fn counted_in(count: &crate::count::CountSettings) -> String {
    match count.filters_text() {
        f if f.is_empty() => count.unit.noun().to_string(),
        f => format!("{} with {f}", count.unit.noun()),
    }
}

fn top_sites(rows: &[CallRow]) -> Vec<&CallRow> {
    let mut order: Vec<&CallRow> = rows.iter().collect();
    // A stable sort keeps panel order among ties.
    order.sort_by(|a, b| {
        (b.status == "DETECTED")
            .cmp(&(a.status == "DETECTED"))
            .then(a.p_value.total_cmp(&b.p_value))
            .then(b.alt_count.cmp(&a.alt_count))
    });
    order.truncate(WHOLE_PANEL);
    order
}

/// Which sites the top rows are, in words.
fn which(rows: &[CallRow], top: &[&CallRow]) -> String {
    let detected = rows.iter().filter(|r| r.status == "DETECTED").count();
    let n = svg::int(rows.len() as u64);
    if detected == 0 {
        format!(
            "The {} sites with the smallest p-values, of {n} sites (none is detected), smallest first.",
            top.len()
        )
    } else if detected >= top.len() {
        format!(
            "The {} detected sites with the smallest p-values, of {} detected among {n} sites, smallest first.",
            top.len(),
            svg::int(detected as u64)
        )
    } else {
        format!(
            "The {} detected sites, then the {} others with the smallest p-values, of {n} sites (each group smallest p-value first).",
            svg::int(detected as u64),
            top.len() - detected
        )
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

fn page(h: &mut String, s: &Summary, rows: &[CallRow]) -> std::fmt::Result {
    let whole = rows.len() <= WHOLE_PANEL;
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
    // The sheet opens on a line of its own.
    let scale_css = if whole { "" } else { SCALE_CSS };
    writeln!(
        h,
        "<style>\n{CSS}{scale_css}</style>\n</head>\n<body>\n<main>"
    )?;
    writeln!(h, "<h1>cfspot report: {sample}</h1>")?;
    writeln!(
        h,
        "<p class=\"sub\">{} hotspots · {} mode · cfspot {}</p>",
        svg::int(rows.len() as u64),
        esc(&s.mode.replace('_', " ")),
        esc(s.cfspot_version)
    )?;
    writeln!(
        h,
        "<p class=\"warn\" id=\"not-clinical\">{} <span>These results come from a teaching and benchmarking tool; do not use them for diagnosis or treatment decisions.</span></p>",
        esc(s.note)
    )?;
    verdict::verdict(h, s, rows.len(), whole)?;
    if let Some(normal) = &s.normal {
        verdict::matched_normal(h, normal, whole)?;
    }

    // The rows drawn one by one: all, or the top sites.
    let shown: Vec<&CallRow> = if whole {
        rows.iter().collect()
    } else {
        top_sites(rows)
    };
    if whole {
        writeln!(h, "<h2>VAF and depth per hotspot</h2>")?;
        vaf_depth::vaf_depth_plot(h, s, &shown, None)?;
    } else {
        writeln!(
            h,
            "<h2>VAF and depth: the top {} hotspots</h2>",
            shown.len()
        )?;
        vaf_depth::vaf_depth_plot(h, s, &shown, Some(&which(rows, &shown)))?;
        writeln!(h, "<h2>All {} hotspots</h2>", svg::int(rows.len() as u64))?;
        spread::vaf_depth_scatter(h, s, rows)?;
        spread::p_value_histogram(h, rows)?;
    }

    writeln!(h, "<h2>Fragment lengths</h2>")?;
    fragments::fragment_plot(h, s)?;

    writeln!(h, "<h2>Hotspots</h2>")?;
    if whole {
        table::hotspot_table(h, s, &shown, "hotspots")?;
    } else {
        writeln!(h, "<p>{}</p>", esc(&which(rows, &shown)))?;
        table::hotspot_table(h, s, &shown, "top-hotspots")?;
        table::full_table(h, rows)?;
    }

    let lengths = match s.settings.length_note() {
        n if n.is_empty() => n,
        n => format!("Calls {}. ", esc(&n)),
    };
    writeln!(
        h,
        "<footer>Made by cfspot {} from <code>{sample}.calls.tsv</code> and <code>{sample}.summary.json</code>; every number here is in those files. Counted in {}. VAF intervals: {}. Tumour fraction: {}. {lengths}{}</footer>",
        esc(s.cfspot_version),
        esc(&counted_in(&s.count)),
        esc(s.settings.vaf_interval),
        esc(s.tumour_fraction.method),
        esc(s.note)
    )?;
    writeln!(h, "</main>\n</body>\n</html>")
}
