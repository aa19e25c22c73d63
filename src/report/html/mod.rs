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
//! [`fragments`] and [`table`] one section each; `style.css` the inline
//! stylesheet. This file puts the page together.

mod fragments;
mod svg;
mod table;
mod vaf_depth;
mod verdict;

use super::calls::{CallRow, Summary};
use std::fmt::Write as _;
use svg::esc;

/// The page's stylesheet, inlined so the page loads nothing.
const CSS: &str = include_str!("style.css");

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
    writeln!(h, "<style>\n{CSS}</style>\n</head>\n<body>\n<main>")?;
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
    verdict::verdict(h, s)?;

    writeln!(h, "<h2>VAF and depth per hotspot</h2>")?;
    vaf_depth::vaf_depth_plot(h, s, rows)?;

    writeln!(h, "<h2>Fragment lengths</h2>")?;
    fragments::fragment_plot(h, s)?;

    writeln!(h, "<h2>Hotspots</h2>")?;
    table::hotspot_table(h, s, rows)?;

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
