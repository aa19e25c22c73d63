//! Reading a panel file into a [`RawPanel`]: decompression, text checks,
//! format detection, and the [`Parser`] that the per-format readers
//! (`vcf.rs`, `tsv.rs`, `bed.rs`) fill. Nothing here consults a reference.
use super::{bed, tsv, PanelError};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

const DEMO_VCF: &str = include_str!("../../assets/demo/hotspots.vcf");

/// The file formats a panel can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PanelFormat {
    Vcf,
    Tsv,
    Bed,
}

/// What a panel file says about a site's alleles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawAlleles {
    /// REF and ALT as the file gives them (VCF, TSV), checked and upper-cased.
    Given {
        ref_allele: String,
        alt_allele: String,
    },
    /// A BED site: the position only. Its REF comes from the reference at
    /// resolution; its ALT is then ".".
    PositionOnly,
}

/// One site as read from its file, before the reference is consulted.
/// `pos` is 1-based, VCF-style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSite {
    pub contig: String,
    pub pos: u64,
    pub alleles: RawAlleles,
    pub id: String,
    /// Gene symbol, "" when the panel has none.
    pub gene: String,
    /// Protein change (VCF INFO/HGVSP) or TSV `label`, "" when none.
    pub label: String,
    /// Where the site came from: "FILE:LINE" (or "demo:LINE").
    pub(crate) origin: String,
}

/// A panel as parsed: its sites in file order, not yet checked against a
/// reference. [`RawPanel::resolve`] makes it a [`super::Panel`].
#[derive(Debug, Clone)]
pub struct RawPanel {
    /// The path, or "demo" for the embedded panel.
    pub source: String,
    pub sites: Vec<RawSite>,
    /// (name, length) from VCF `##contig` lines, in file order; empty when unknown.
    /// `##contig` lines without a `length` are left out.
    pub contigs: Vec<(String, u64)>,
}

impl RawPanel {
    /// The embedded demo panel (31 GRCh38 hotspots), source "demo".
    pub fn demo() -> RawPanel {
        RawPanel::from_bytes("demo", DEMO_VCF.as_bytes())
            .expect("the embedded demo panel is valid (checked by unit tests)")
    }

    /// `demo` for the embedded panel, otherwise a path.
    pub fn load(spec: &str) -> Result<RawPanel, PanelError> {
        if spec == "demo" {
            return Ok(RawPanel::demo());
        }
        RawPanel::from_path(Path::new(spec))
    }

    /// Reads a panel file: VCF, TSV or BED, optionally gzip/bgzip-compressed.
    ///
    /// Format detection, by content: VCF when a line starts with
    /// `##fileformat=VCF` or `#CHROM`; TSV when the first non-empty line not
    /// starting with `##` is a tab-separated header naming `contig` and
    /// `pos` (a leading `#` is allowed; `chrom` and `position` are accepted
    /// too); BED when the name ends in `.bed`/`.bed.gz` or the first data
    /// line has 3+ columns with integer start and end.
    pub fn from_path(path: &Path) -> Result<RawPanel, PanelError> {
        let io = |source| PanelError::Io {
            path: path.to_path_buf(),
            source,
        };
        if path.is_dir() {
            return Err(io(std::io::Error::other(
                "it is a folder; give a VCF, TSV or BED file",
            )));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        RawPanel::from_bytes(&path.display().to_string(), &bytes)
    }

    /// Parses a panel from the bytes of a file (possibly gzip-compressed);
    /// `source` is the file name used in messages and origins.
    pub fn from_bytes(source: &str, bytes: &[u8]) -> Result<RawPanel, PanelError> {
        let decompressed;
        let bytes = if crate::gzip::is_gzip(bytes) {
            let mut out = Vec::new();
            if let Err(e) = flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out) {
                return Err(PanelError::Io {
                    path: PathBuf::from(source),
                    source: std::io::Error::new(
                        e.kind(),
                        format!("cannot decompress it: {e} (is the file complete?)"),
                    ),
                });
            }
            decompressed = out;
            &decompressed[..]
        } else {
            bytes
        };
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                return Err(PanelError::Invalid {
                    path: source.to_string(),
                    problems: vec![format!(
                        "{source}:{line}: not UTF-8 text (is it a binary file such as a BAM? \
                         give a VCF, TSV or BED file)"
                    )],
                });
            }
        };
        let lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        let format = detect_format(source, &lines).ok_or_else(|| PanelError::Invalid {
            path: source.to_string(),
            problems: vec![format!(
                "{source}: cannot tell the panel format. cfspot reads: VCF (a \
                 '##fileformat=VCF' or '#CHROM' header line, then CHROM POS ID REF ALT ... \
                 records); TSV (a tab-separated header line naming at least the columns \
                 'contig pos ref alt', optional 'id gene label'); or BED (name ending in \
                 .bed, tab-separated 'contig start end [name]', 0-based start, end exclusive)"
            )],
        })?;
        let mut parser = Parser::new(source);
        match format {
            PanelFormat::Vcf => parser.vcf(&lines),
            PanelFormat::Tsv => parser.tsv(&lines),
            PanelFormat::Bed => parser.bed(&lines),
        }
        parser.finish()
    }
}

pub(super) fn detect_format(source: &str, lines: &[&str]) -> Option<PanelFormat> {
    if lines
        .iter()
        .any(|l| l.starts_with("##fileformat=VCF") || l.starts_with("#CHROM"))
    {
        return Some(PanelFormat::Vcf);
    }
    if let Some(first) = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with("##"))
    {
        let cols = tsv::header_columns(first);
        if cols.contains_key(&tsv::Column::Contig) && cols.contains_key(&tsv::Column::Pos) {
            return Some(PanelFormat::Tsv);
        }
    }
    let lower = source.to_ascii_lowercase();
    if lower.ends_with(".bed") || lower.ends_with(".bed.gz") || lower.ends_with(".bed.bgz") {
        return Some(PanelFormat::Bed);
    }
    let first_data = lines.iter().map(|l| l.trim()).find(|l| {
        !l.is_empty() && !l.starts_with('#') && !l.starts_with("track") && !l.starts_with("browser")
    })?;
    let cols = bed::split(first_data);
    if cols.len() >= 3 && cols[1].parse::<u64>().is_ok() && cols[2].parse::<u64>().is_ok() {
        return Some(PanelFormat::Bed);
    }
    None
}

/// Collects sites and problems while parsing one file.
pub(super) struct Parser<'a> {
    pub(super) source: &'a str,
    pub(super) sites: Vec<RawSite>,
    pub(super) contigs: Vec<(String, u64)>,
    pub(super) problems: Vec<String>,
    /// id -> line of first use
    ids: HashMap<String, usize>,
}

/// Why an allele is unusable, or None when it is fine.
fn allele_problem(allele: &str) -> Option<&'static str> {
    if allele.is_empty() || allele == "." {
        Some("is empty")
    } else if allele == "*" {
        Some("is '*' (a spanning deletion), which cfspot cannot count")
    } else if allele.starts_with('<') || allele.contains('[') || allele.contains(']') {
        Some("is symbolic or a breakend, which cfspot cannot count; write the bases")
    } else if !allele
        .bytes()
        .all(|b| matches!(b.to_ascii_uppercase(), b'A' | b'C' | b'G' | b'T' | b'N'))
    {
        Some("holds characters other than A, C, G, T, N")
    } else {
        None
    }
}

impl<'a> Parser<'a> {
    pub(super) fn new(source: &'a str) -> Self {
        Parser {
            source,
            sites: Vec::new(),
            contigs: Vec::new(),
            problems: Vec::new(),
            ids: HashMap::new(),
        }
    }

    pub(super) fn problem(&mut self, line: usize, what: impl std::fmt::Display) {
        self.problems
            .push(format!("{}:{line}: {what}", self.source));
    }

    pub(super) fn finish(self) -> Result<RawPanel, PanelError> {
        if !self.problems.is_empty() {
            return Err(PanelError::Invalid {
                path: self.source.to_string(),
                problems: self.problems,
            });
        }
        if self.sites.is_empty() {
            return Err(PanelError::Empty {
                path: self.source.to_string(),
            });
        }
        Ok(RawPanel {
            source: self.source.to_string(),
            sites: self.sites,
            contigs: self.contigs,
        })
    }

    pub(super) fn parse_pos(&mut self, line: usize, text: &str, what: &str) -> Option<u64> {
        match text.trim().parse::<u64>() {
            Ok(0) => {
                self.problem(
                    line,
                    format!("{what} is 0 (positions are 1-based; the first base is 1)"),
                );
                None
            }
            Ok(p) => Some(p),
            Err(_) => {
                self.problem(
                    line,
                    format!("{what} '{text}' is not a whole number (give a 1-based position)"),
                );
                None
            }
        }
    }

    /// Checks the alleles; returns (REF, ALT) upper-cased when both are fine.
    pub(super) fn alleles(&mut self, line: usize, r: &str, a: &str) -> Option<(String, String)> {
        let mut ok = true;
        if let Some(why) = allele_problem(r) {
            self.problem(line, format!("REF '{r}' {why}"));
            ok = false;
        }
        if let Some(why) = allele_problem(a) {
            if a == "." || a.is_empty() {
                self.problem(
                    line,
                    format!(
                        "ALT '{a}' is empty (give the alternate allele; for position-only \
                         sites use a BED panel)"
                    ),
                );
            } else {
                self.problem(line, format!("ALT '{a}' {why}"));
            }
            ok = false;
        }
        if !ok {
            return None;
        }
        let (r, a) = (r.to_ascii_uppercase(), a.to_ascii_uppercase());
        if r == a {
            self.problem(
                line,
                format!("REF and ALT are both '{r}' (a hotspot must change the sequence)"),
            );
            return None;
        }
        Some((r, a))
    }

    pub(super) fn add(&mut self, line: usize, site: RawSite) {
        if let Some(&first) = self.ids.get(&site.id) {
            self.problem(
                line,
                format!(
                    "duplicate id '{}' (first used at {}:{first}); ids must be unique, \
                     rename one",
                    site.id, self.source
                ),
            );
            return;
        }
        self.ids.insert(site.id.clone(), line);
        self.sites.push(site);
    }

    pub(super) fn origin(&self, line: usize) -> String {
        format!("{}:{line}", self.source)
    }
}

/// The id of a VCF or TSV hotspot whose file gives none (empty or `.`):
/// `chr12:25245350C>T`, one rule for both formats.
pub(super) fn unnamed_id(contig: &str, pos: u64, r: &str, a: &str) -> String {
    format!("{contig}:{pos}{r}>{a}")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) const HEAD: &str =
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";

    pub(crate) fn parse(name: &str, text: &str) -> Result<RawPanel, PanelError> {
        RawPanel::from_bytes(name, text.as_bytes())
    }

    pub(crate) fn problems(r: Result<RawPanel, PanelError>) -> Vec<String> {
        match r {
            Err(PanelError::Invalid { problems, .. }) => problems,
            Err(e) => panic!("expected Invalid, got {e}"),
            Ok(p) => panic!("expected an error, got {} sites", p.sites.len()),
        }
    }

    #[test]
    fn duplicate_ids_name_both_lines() {
        let text = format!(
            "{HEAD}chr1\t5\tX\tA\tC\t.\t.\t.\nchr1\t6\tY\tA\tC\t.\t.\t.\nchr1\t7\tX\tA\tG\t.\t.\t.\n"
        );
        let pr = problems(parse("d.vcf", &text));
        assert_eq!(pr.len(), 1);
        assert!(
            pr[0].starts_with("d.vcf:5: duplicate id 'X' (first used at d.vcf:3)"),
            "{pr:?}"
        );
        // BED: overlapping intervals repeat a position
        let pr = problems(parse("d.bed", "chr1\t0\t3\nchr1\t2\t4\n"));
        assert!(
            pr[0].starts_with("d.bed:2: duplicate id 'chr1:3'"),
            "{pr:?}"
        );
    }

    #[test]
    fn empty_and_unknown_format() {
        assert!(matches!(
            parse("e.vcf", HEAD),
            Err(PanelError::Empty { .. })
        ));
        assert!(matches!(
            parse("e.bed", "track x\n"),
            Err(PanelError::Empty { .. })
        ));
        let pr = problems(parse("what.txt", "hello world\n"));
        assert!(
            pr[0].contains("VCF") && pr[0].contains("TSV") && pr[0].contains("BED"),
            "{pr:?}"
        );
        let pr = problems(RawPanel::from_bytes(
            "bin.bam",
            &[0x42, 0x41, 0x4d, 0xff, 0xfe],
        ));
        assert!(pr[0].contains("not UTF-8"), "{pr:?}");
    }
}
