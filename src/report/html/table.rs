//! The hotspot table: one row per site with its status badge and note.

use super::svg::{esc, int, nb, pct, GREY, ORANGE, PURPLE, VERMILLION};
use crate::report::calls::{CallRow, Summary};
use std::fmt::Write as _;

fn status_colour(status: &str) -> &'static str {
    match status {
        "DETECTED" => VERMILLION,
        "LOW_DEPTH" => ORANGE,
        "FILTERED" => PURPLE,
        _ => GREY,
    }
}

pub(super) fn hotspot_table(h: &mut String, s: &Summary, rows: &[CallRow]) -> std::fmt::Result {
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
