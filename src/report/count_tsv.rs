//! The `count` table: one row per hotspot, in panel order.

use crate::count::site::{summarise_lengths, SiteCounts};
use crate::panel::Hotspot;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// One row of the count TSV. Column names are part of cfspot's interface
/// (README, "Output: count TSV"); empty cells mean "cannot be known".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub struct CountRow {
    pub id: String,
    pub contig: String,
    pub pos: u64,
    #[serde(rename = "ref")]
    pub ref_allele: String,
    pub alt: String,
    pub depth: u64,
    pub ref_count: u64,
    pub alt_count: u64,
    pub other_count: u64,
    pub vaf: Option<String>,
    pub gene: String,
    pub label: String,
    pub ref_fwd: u64,
    pub ref_rev: u64,
    pub alt_fwd: u64,
    pub alt_rev: u64,
    pub discordant: u64,
    pub low_quality: u64,
    pub overlaps_merged: u64,
    pub ref_len_median: Option<String>,
    pub alt_len_median: Option<String>,
    pub ref_short_frac: Option<String>,
    pub alt_short_frac: Option<String>,
    pub A: Option<u64>,
    pub C: Option<u64>,
    pub G: Option<u64>,
    pub T: Option<u64>,
    pub N: Option<u64>,
    pub DEL: Option<u64>,
}

impl CountRow {
    pub fn new(h: &Hotspot, c: &SiteCounts) -> Self {
        let ref_len = summarise_lengths(&c.ref_lengths);
        let alt_len = summarise_lengths(&c.alt_lengths);
        let base = |i: usize| c.bases.map(|b| b[i]);
        CountRow {
            id: h.id.clone(),
            contig: h.contig.clone(),
            pos: h.pos,
            ref_allele: h.ref_allele.clone(),
            alt: h.alt_allele.clone(),
            depth: c.depth(),
            ref_count: c.ref_count(),
            alt_count: c.alt_count(),
            other_count: c.other,
            // A position-only site has no ALT, so no VAF.
            vaf: (h.alt_allele != ".")
                .then(|| c.vaf().map(|v| format!("{v:.6}")))
                .flatten(),
            gene: h.gene.clone(),
            label: h.label.clone(),
            ref_fwd: c.ref_fwd,
            ref_rev: c.ref_rev,
            alt_fwd: c.alt_fwd,
            alt_rev: c.alt_rev,
            discordant: c.discordant,
            low_quality: c.low_quality,
            overlaps_merged: c.overlaps_merged,
            ref_len_median: ref_len.map(|s| format!("{}", s.median)),
            alt_len_median: alt_len.map(|s| format!("{}", s.median)),
            ref_short_frac: ref_len.map(|s| format!("{:.4}", s.short_fraction)),
            alt_short_frac: alt_len.map(|s| format!("{:.4}", s.short_fraction)),
            A: base(0),
            C: base(1),
            G: base(2),
            T: base(3),
            N: base(4),
            DEL: base(5),
        }
    }
}

/// Write the table (header + one row per hotspot).
pub fn write<W: Write>(out: W, hotspots: &[Hotspot], counts: &[SiteCounts]) -> csv::Result<()> {
    let mut w = csv::WriterBuilder::new().delimiter(b'\t').from_writer(out);
    for (h, c) in hotspots.iter().zip(counts) {
        w.serialize(CountRow::new(h, c))?;
    }
    w.flush()?;
    Ok(())
}
