//! The `count` table: one row per hotspot, in panel order, each row
//! ending in the unit and the filters the sample was counted with; and
//! reading one back (with or without those columns) for `call`.

use crate::count::settings::{flags_hex, parse_flags};
use crate::count::site::SiteCounts;
use crate::count::{CountSettings, Unit};
use crate::panel::Hotspot;
use crate::panel::Panel;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One row of the count TSV. Column names are part of cfspot's interface
/// (README, "Output: count TSV"); empty cells mean "cannot be known". The
/// fields are the columns, in order: this struct is the one list of them.
/// A column added later goes at the end as an `Option`, so that files
/// written before it still read back (a missing column reads as `None`).
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
    /// What one count stands for (`fragment`, `read`), then the filters
    /// counted with (empty where they do not apply: FASTQ reads have no
    /// mapping quality or flags). Absent from older files.
    pub unit: Option<String>,
    pub min_mapq: Option<u8>,
    pub min_baseq: Option<u8>,
    pub incl_flags: Option<String>,
    pub excl_flags: Option<String>,
    /// Counted in molecules only (absent otherwise, so fragment and read
    /// tables keep their columns): the fragments behind the site's
    /// molecules, the molecules seen (before the family-size minimum), those
    /// seen on both strands, and the median fragments per molecule.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fragments: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub families: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duplex_families: Option<u64>,
    /// Empty (but present) at a site no molecule covers.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub median_family_size: Option<String>,
}

impl CountRow {
    pub fn new(h: &Hotspot, c: &SiteCounts, settings: &CountSettings) -> Self {
        let ref_len = c.ref_lengths.summary();
        let alt_len = c.alt_lengths.summary();
        let base = |i: usize| c.bases.map(|b| b[i]);
        let fam = c.families.as_ref();
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
            unit: Some(settings.unit.as_str().to_string()),
            min_mapq: settings.min_mapq,
            min_baseq: settings.min_baseq,
            incl_flags: settings.incl_flags.map(flags_hex),
            excl_flags: settings.excl_flags.map(flags_hex),
            fragments: fam.map(|f| f.fragments),
            families: fam.map(|f| f.families),
            duplex_families: fam.map(|f| f.duplex_families),
            median_family_size: fam
                .map(|f| f.median_size().map(|m| format!("{m}")).unwrap_or_default()),
        }
    }

    /// The unit and filters this row says it was counted with (`None` for a
    /// row of an older file, which has no `unit`).
    fn settings(&self) -> Result<Option<CountSettings>, String> {
        let Some(name) = self.unit.as_deref() else {
            return Ok(None);
        };
        let unit = Unit::from_name(name).ok_or_else(|| {
            format!("unit {name:?} is not one of read, fragment, molecule, duplex")
        })?;
        let flags = |cell: &Option<String>, column: &str| {
            cell.as_deref()
                .map(|s| parse_flags(s).ok_or_else(|| format!("{column} {s:?} is not a flag set")))
                .transpose()
        };
        Ok(Some(CountSettings {
            unit,
            min_mapq: self.min_mapq,
            min_baseq: self.min_baseq,
            incl_flags: flags(&self.incl_flags, "incl_flags")?,
            excl_flags: flags(&self.excl_flags, "excl_flags")?,
        }))
    }
}

/// Write the table (header + one row per hotspot), every row saying
/// `settings`.
pub fn write<W: Write>(
    out: W,
    hotspots: &[Hotspot],
    counts: &[SiteCounts],
    settings: &CountSettings,
) -> csv::Result<()> {
    crate::tsv::write_rows(
        out,
        hotspots
            .iter()
            .zip(counts)
            .map(|(h, c)| CountRow::new(h, c, settings)),
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
        "{path}:{line}: counted {this}, but line {first_line} {first}; a count TSV holds one count (call each count on its own)",
        path = path.display()
    )]
    Mixed {
        path: PathBuf,
        line: usize,
        this: String,
        first_line: usize,
        first: String,
    },
    #[error(
        "{path} was counted by {unit} (its `unit` column), not by {asked}: a count TSV is called in the unit it was counted in (call it without --count-reads, or count again with it)",
        path = path.display(),
        unit = .unit.singular(),
        asked = .asked.singular()
    )]
    UnitAsked {
        path: PathBuf,
        unit: Unit,
        asked: Unit,
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

/// How a row's settings read in a message: "by read with min_mapq=20, …",
/// or "with no unit" for a row without one.
fn describe(settings: &Option<CountSettings>) -> String {
    match settings {
        None => "with no unit".to_string(),
        Some(s) => match s.filters_text() {
            f if f.is_empty() => format!("by {}", s.unit.singular()),
            f => format!("by {} with {f}", s.unit.singular()),
        },
    }
}

/// Counts from a `cfspot count` TSV, matched to `panel` by id (the strand
/// and allele counts; lengths and per-base columns are not read back), and
/// the settings its rows say they were counted with. A file from before the
/// settings columns is taken in the unit `asked` for (`--count-reads`), by
/// fragment if none, its filters unknown; a file that names its unit must
/// agree with `asked`, and all its rows with each other.
pub fn read(
    path: &Path,
    panel: &Panel,
    asked: Option<Unit>,
) -> Result<(Vec<SiteCounts>, CountSettings), CountTsvError> {
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
    // The first row's settings and its line, which every other row must match.
    let mut said: Option<(usize, Option<CountSettings>)> = None;
    for (i, row) in r.deserialize::<CountRow>().enumerate() {
        let line = i + 2;
        let bad_row = |detail: String| CountTsvError::Row {
            path: path.to_owned(),
            line,
            detail,
        };
        let row = row.map_err(|e| bad_row(e.to_string()))?;
        let settings = row.settings().map_err(bad_row)?;
        match &said {
            None => said = Some((line, settings)),
            Some((first_line, first)) if *first != settings => {
                return Err(CountTsvError::Mixed {
                    path: path.to_owned(),
                    line,
                    this: describe(&settings),
                    first_line: *first_line,
                    first: describe(first),
                })
            }
            Some(_) => {}
        }
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
    let Some((_, said)) = said else {
        return Err(CountTsvError::NoRows {
            path: path.to_owned(),
        });
    };
    let settings = match said {
        None => CountSettings::unit_only(asked.unwrap_or_default()),
        Some(s) => match asked {
            Some(asked) if asked != s.unit => {
                return Err(CountTsvError::UnitAsked {
                    path: path.to_owned(),
                    unit: s.unit,
                    asked,
                })
            }
            _ => s,
        },
    };
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
    let sites = panel
        .hotspots
        .iter()
        // Every id is there (checked above); a panel may name one twice.
        .map(|h| by_id.get(&h.id).cloned().unwrap_or_default())
        .collect();
    Ok((sites, settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo panel's first two hotspots.
    fn panel() -> Panel {
        let mut p = Panel::demo();
        p.hotspots.truncate(2);
        p
    }

    /// A count TSV for [`panel`], written by hand: the columns a row needs,
    /// then `head` (tab-separated names) with each row's `cells`.
    fn table(dir: &Path, head: &str, cells: [&str; 2]) -> PathBuf {
        let p = panel();
        let mut text = "id\tcontig\tpos\tref\talt\tdepth\tref_count\talt_count\tother_count\tgene\tlabel\tref_fwd\tref_rev\talt_fwd\talt_rev\tdiscordant\tlow_quality\toverlaps_merged".to_string();
        if !head.is_empty() {
            text += &format!("\t{head}");
        }
        text.push('\n');
        for (h, extra) in p.hotspots.iter().zip(cells) {
            text += &format!(
                "{}\t{}\t{}\t{}\t{}\t10\t7\t3\t0\t\t\t4\t3\t2\t1\t0\t0\t0",
                h.id, h.contig, h.pos, h.ref_allele, h.alt_allele
            );
            if !head.is_empty() {
                text += &format!("\t{extra}");
            }
            text.push('\n');
        }
        let path = dir.join("c.tsv");
        std::fs::write(&path, text).unwrap();
        path
    }

    const SETTINGS: &str = "unit\tmin_mapq\tmin_baseq\tincl_flags\texcl_flags";

    #[test]
    fn an_older_file_without_settings_reads_in_the_unit_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = table(dir.path(), "", ["", ""]);
        let (sites, settings) = read(&path, &panel(), None).unwrap();
        assert_eq!(settings, CountSettings::unit_only(Unit::Fragment));
        assert_eq!(
            (sites[1].ref_fwd, sites[1].alt_rev, sites[1].depth()),
            (4, 1, 10)
        );
        let (_, settings) = read(&path, &panel(), Some(Unit::Read)).unwrap();
        assert_eq!(settings, CountSettings::unit_only(Unit::Read));
    }

    #[test]
    fn a_file_says_its_unit_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let row = "read\t30\t13\t0x2\t0xf04";
        let path = table(dir.path(), SETTINGS, [row, row]);
        let want = CountSettings {
            unit: Unit::Read,
            min_mapq: Some(30),
            min_baseq: Some(13),
            incl_flags: Some(0x2),
            excl_flags: Some(0xf04),
        };
        for asked in [None, Some(Unit::Read)] {
            assert_eq!(read(&path, &panel(), asked).unwrap().1, want);
        }
        // FASTQ: no mapping quality, no flags.
        let row = "fragment\t\t20\t\t";
        let path = table(dir.path(), SETTINGS, [row, row]);
        let (_, got) = read(&path, &panel(), None).unwrap();
        assert_eq!(
            got,
            CountSettings {
                min_baseq: Some(20),
                ..CountSettings::unit_only(Unit::Fragment)
            }
        );
        // --count-reads on a file counted by fragment.
        let e = read(&path, &panel(), Some(Unit::Read)).unwrap_err();
        assert!(matches!(
            e,
            CountTsvError::UnitAsked {
                unit: Unit::Fragment,
                asked: Unit::Read,
                ..
            }
        ));
        assert!(e.to_string().ends_with(
            "c.tsv was counted by fragment (its `unit` column), not by read: a count TSV is called in the unit it was counted in (call it without --count-reads, or count again with it)"
        ), "{e}");
    }

    #[test]
    fn rows_that_disagree_are_refused_with_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = table(
            dir.path(),
            SETTINGS,
            ["read\t20\t20\t0x0\t0xf04", "fragment\t20\t20\t0x0\t0xf04"],
        );
        let e = read(&path, &panel(), None).unwrap_err().to_string();
        assert!(e.ends_with(
            "c.tsv:3: counted by fragment with min_mapq=20, min_baseq=20, incl_flags=0x0, excl_flags=0xf04, but line 2 by read with min_mapq=20, min_baseq=20, incl_flags=0x0, excl_flags=0xf04; a count TSV holds one count (call each count on its own)"
        ), "{e}");
        let path = table(
            dir.path(),
            SETTINGS,
            ["read\t20\t20\t0x0\t0xf04", "read\t\t\t\t"],
        );
        let e = read(&path, &panel(), None).unwrap_err().to_string();
        assert!(
            e.contains("c.tsv:3: counted by read, but line 2 by read with min_mapq=20"),
            "{e}"
        );
        let path = table(dir.path(), SETTINGS, ["\t\t\t\t", "read\t\t\t\t"]);
        let e = read(&path, &panel(), None).unwrap_err().to_string();
        assert!(
            e.contains("c.tsv:3: counted by read, but line 2 with no unit"),
            "{e}"
        );
        for (row, what) in [
            (
                "reads\t20\t20\t0x0\t0xf04",
                "unit \"reads\" is not one of read, fragment",
            ),
            (
                "read\t20\t20\t0x0\tDUP",
                "excl_flags \"DUP\" is not a flag set",
            ),
        ] {
            let path = table(dir.path(), SETTINGS, [row, row]);
            let e = read(&path, &panel(), None).unwrap_err().to_string();
            assert!(
                e.contains("c.tsv:2: not a cfspot count row: ") && e.contains(what),
                "{e}"
            );
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = panel();
        let counts = vec![SiteCounts::default(); 2];
        let settings = CountSettings {
            unit: Unit::Read,
            min_mapq: Some(0),
            min_baseq: Some(13),
            incl_flags: Some(0x3),
            excl_flags: Some(0x4),
        };
        let mut text = Vec::new();
        write(&mut text, &p.hotspots, &counts, &settings).unwrap();
        let text = String::from_utf8(text).unwrap();
        let head = text.lines().next().unwrap();
        assert!(
            head.ends_with("\tDEL\tunit\tmin_mapq\tmin_baseq\tincl_flags\texcl_flags"),
            "{head}"
        );
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .ends_with("\tread\t0\t13\t0x3\t0x4"),
            "{text}"
        );
        let path = dir.path().join("w.tsv");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read(&path, &p, None).unwrap(), (counts, settings));
    }
}
