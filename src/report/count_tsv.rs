//! The `count` table: one row per hotspot, in panel order.

use crate::count::site::{summarise_lengths, SiteCounts};
use crate::panel::Hotspot;
use crate::panel::Panel;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::Path;

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
    crate::tsv::write_rows(
        out,
        hotspots
            .iter()
            .zip(counts)
            .map(|(h, c)| CountRow::new(h, c)),
    )
}

/// True when the file starts like a `cfspot count` TSV.
pub fn looks_like(path: &Path) -> bool {
    std::fs::File::open(path)
        .ok()
        .and_then(|f| BufReader::new(f).lines().next())
        .and_then(|l| l.ok())
        .is_some_and(|l| l.starts_with("id\tcontig\tpos\tref\talt\tdepth"))
}

/// Counts from a `cfspot count` TSV, matched to `panel` by id (the strand
/// and fragment counts; lengths and per-base columns are not read back).
pub fn read(path: &Path, panel: &Panel) -> Result<Vec<SiteCounts>, String> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut by_id = std::collections::HashMap::new();
    for (i, row) in r.deserialize::<CountRow>().enumerate() {
        let row =
            row.map_err(|e| format!("{}:{}: not a cfspot count row: {e}", path.display(), i + 2))?;
        let c = SiteCounts {
            ref_fwd: row.ref_fwd,
            ref_rev: row.ref_rev,
            alt_fwd: row.alt_fwd,
            alt_rev: row.alt_rev,
            other: row.other_count,
            discordant: row.discordant,
            low_quality: row.low_quality,
            overlaps_merged: row.overlaps_merged,
            ..SiteCounts::default()
        };
        by_id.insert(row.id, c);
    }
    let missing: Vec<&str> = panel
        .hotspots
        .iter()
        .filter(|h| !by_id.contains_key(&h.id))
        .map(|h| h.id.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} has no row for {} of the panel's hotspots ({}); count with the same --panel",
            path.display(),
            missing.len(),
            missing
                .iter()
                .take(5)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(panel
        .hotspots
        .iter()
        .map(|h| by_id.remove(&h.id).expect("checked"))
        .collect())
}
