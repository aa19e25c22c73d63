//! The hotspot tables: one row per site with its status badge and note
//! ([`hotspot_table`], the whole panel or the top sites at scale), and at
//! scale every site in a compact table collapsed under `<details>`
//! ([`full_table`]).

use super::svg::{esc, int, nb, pct, BLUE, GREY, ORANGE, PURPLE, VERMILLION};
use crate::report::calls::{CallRow, Summary};
use std::fmt::Write as _;

fn status_colour(status: &str) -> &'static str {
    match status {
        "DETECTED" => VERMILLION,
        "LOW_DEPTH" => ORANGE,
        "FILTERED" => PURPLE,
        "CHIP_OR_GERMLINE" => BLUE,
        _ => GREY,
    }
}

/// `VAF (lo–hi)`, or `–` without fragments.
fn vaf_text(r: &CallRow) -> String {
    match r.vaf {
        Some(v) => format!("{} ({}–{})", pct(v), pct(r.vaf_lo), pct(r.vaf_hi)),
        None => "–".into(),
    }
}

/// `rows` in the order given; `id` the table's element id.
pub(super) fn hotspot_table(
    h: &mut String,
    s: &Summary,
    rows: &[&CallRow],
    id: &str,
) -> std::fmt::Result {
    let noun = s.count.unit.noun();
    writeln!(h, "<table id=\"{id}\">\n<thead><tr><th>Gene</th><th>Change</th><th>ID</th><th class=\"n\">Depth</th><th class=\"n\">Alt</th><th class=\"n\">VAF (95 % CI)</th><th class=\"n\">LoD95</th><th>Status</th><th>Note</th></tr></thead>\n<tbody>")?;
    for r in rows {
        let vaf = vaf_text(r);
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
        "<p class=\"muted\">A site is DETECTED when its Benjamini–Hochberg q-value is below {} with at least {} alt {noun} and no strand bias; LOW_DEPTH below {} {noun}. LoD95: the smallest VAF called with ≥ 95 % probability at that depth and background.</p>",
        s.settings.alpha, s.settings.min_alt, s.settings.min_depth
    )
}

/// A p-value in a few characters: `0.35`, `1`, `1.8e-3`.
fn p_text(p: f64) -> String {
    if p == 0.0 {
        "0".into()
    } else if p >= 0.01 {
        let t = format!("{p:.2}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{p:.1e}")
    }
}

/// Every site, in panel order, collapsed: at 10,000 sites the rows are most
/// of the page, so each is written short (end tags the HTML syntax lets go
/// unwritten, classes instead of inline styles, no sentence: the note's
/// numbers are the row's cells) at about 140 bytes. Find-in-page searches
/// it (Chromium opens a closed `<details>` on a match); calls.tsv holds the
/// same rows.
pub(super) fn full_table(h: &mut String, rows: &[CallRow]) -> std::fmt::Result {
    writeln!(
        h,
        "<details id=\"all-hotspots\"><summary>All {} hotspots, in panel order (click to open)</summary>",
        int(rows.len() as u64)
    )?;
    writeln!(h, "<table id=\"hotspots\" class=\"compact\">\n<thead><tr><th>Gene<th>Change<th>ID<th>Position<th>Depth<th>Alt<th>VAF (95 % CI)<th>LoD95<th>p<th>q<th>Status<th>Filter</tr></thead>\n<tbody>")?;
    for r in rows {
        let vaf = vaf_text(r);
        let lod = r.lod95.map(pct).unwrap_or_else(|| "–".into());
        let (row_class, status_class) = match r.status.as_str() {
            "DETECTED" => (" class=detected", "sd"),
            "LOW_DEPTH" => ("", "sl"),
            "FILTERED" => ("", "sf"),
            _ => ("", "sn"),
        };
        writeln!(
            h,
            "<tr{row_class}><td>{}<td>{}<td>{}<td>{}:{} {}&gt;{}<td>{}<td>{}<td>{}<td>{}<td>{}<td>{}<td class={status_class}>{}<td>{}",
            esc(&r.gene),
            esc(&r.label),
            esc(&r.id),
            esc(&r.contig),
            r.pos,
            esc(&r.ref_allele),
            esc(&r.alt),
            int(r.depth),
            int(r.alt_count),
            esc(&vaf),
            esc(&lod),
            p_text(r.p_value),
            p_text(r.q_value),
            esc(&r.status),
            esc(&r.filter)
        )?;
    }
    writeln!(h, "</tbody>\n</table>\n</details>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_are_short() {
        assert_eq!(p_text(1.0), "1");
        assert_eq!(p_text(0.35), "0.35");
        assert_eq!(p_text(0.05), "0.05");
        assert_eq!(p_text(0.0018), "1.8e-3");
        assert_eq!(p_text(0.0), "0");
        assert_eq!(p_text(1.234e-300), "1.2e-300");
    }
}
