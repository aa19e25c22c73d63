//! The `count` table: one row per hotspot, in panel order.

use crate::count::site::SiteCounts;
use crate::panel::Hotspot;
use crate::panel::Panel;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

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
        let ref_len = c.ref_lengths.summary();
        let alt_len = c.alt_lengths.summary();
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

/// The start of a `cfspot count` TSV's header line.
const HEADER_START: &str = "id\tcontig\tpos\tref\talt\tdepth";

/// A count TSV that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum CountTsvError {
    #[error("cannot read count TSV {path}: {detail}", path = path.display())]
    Io { path: PathBuf, detail: String },
    #[error("{path} is empty; {WHAT}", path = path.display())]
    Empty { path: PathBuf },
    #[error("{path}:1: not the header of a cfspot count TSV; {WHAT}", path = path.display())]
    Header { path: PathBuf },
    #[error("{path} holds a header but no rows; {WHAT}", path = path.display())]
    NoRows { path: PathBuf },
    #[error("{path}:{line}: not a cfspot count row: {detail}", path = path.display())]
    Row {
        path: PathBuf,
        line: usize,
        detail: String,
    },
    #[error(
        "{path} has no row for {missing} of the panel's hotspots ({first}); count with the same --panel",
        path = path.display()
    )]
    Missing {
        path: PathBuf,
        missing: usize,
        first: String,
    },
}

/// What the messages say a count TSV must hold.
const WHAT: &str = "a count TSV (as `cfspot count -o FILE` writes it) starts with the \
                    header `id contig pos ref alt depth ...` and has a row for every \
                    hotspot of the panel";

/// True when the file is meant as a `cfspot count` TSV: it starts like one,
/// or it is named `.tsv` (so that an empty or broken count TSV is reported
/// as such, not as an unreadable BAM).
pub fn looks_like(path: &Path) -> bool {
    let named = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    named
        || std::fs::File::open(path)
            .ok()
            .and_then(|f| BufReader::new(f).lines().next())
            .and_then(|l| l.ok())
            .is_some_and(|l| l.starts_with(HEADER_START))
}

/// Counts from a `cfspot count` TSV, matched to `panel` by id (the strand
/// and fragment counts; lengths and per-base columns are not read back).
pub fn read(path: &Path, panel: &Panel) -> Result<Vec<SiteCounts>, CountTsvError> {
    let io = |e: &dyn std::fmt::Display| CountTsvError::Io {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    let mut first_line = String::new();
    BufReader::new(std::fs::File::open(path).map_err(|e| io(&e))?)
        .read_line(&mut first_line)
        .map_err(|e| io(&e))?;
    if first_line.is_empty() {
        return Err(CountTsvError::Empty {
            path: path.to_owned(),
        });
    }
    if !first_line.starts_with(HEADER_START) {
        return Err(CountTsvError::Header {
            path: path.to_owned(),
        });
    }
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(path)
        .map_err(|e| io(&e))?;
    let mut by_id = std::collections::HashMap::new();
    for (i, row) in r.deserialize::<CountRow>().enumerate() {
        let row = row.map_err(|e| CountTsvError::Row {
            path: path.to_owned(),
            line: i + 2,
            detail: e.to_string(),
        })?;
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
    if by_id.is_empty() {
        return Err(CountTsvError::NoRows {
            path: path.to_owned(),
        });
    }
    let missing: Vec<&str> = panel
        .hotspots
        .iter()
        .filter(|h| !by_id.contains_key(&h.id))
        .map(|h| h.id.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(CountTsvError::Missing {
            path: path.to_owned(),
            missing: missing.len(),
            first: missing[..missing.len().min(5)].join(", "),
        });
    }
    Ok(panel
        .hotspots
        .iter()
        // Every id is there (checked above); a panel may name one twice.
        .map(|h| by_id.get(&h.id).cloned().unwrap_or_default())
        .collect())
}
