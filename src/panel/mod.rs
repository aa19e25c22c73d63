//! Hotspot panels: the sites cfspot looks at.
//!
//! A panel is read in two steps, each with its own type:
//!
//! 1. **Parse** ([`RawPanel`], `parse.rs`): the file's bytes (plain, gzip
//!    or bgzip) become [`RawSite`]s. The format is told from the content
//!    (`parse.rs`), and each format has its own file: VCF (`vcf.rs`), TSV
//!    with a header naming `contig pos ref alt` and optional `id gene label`
//!    (`tsv.rs`), BED, positions only (`bed.rs`). Every problem of a file is
//!    reported together, each as `FILE:LINE: what is wrong (what to do)`.
//! 2. **Resolve** ([`RawPanel::resolve`], `resolve.rs`): checked against the
//!    reference, a raw panel becomes a [`Panel`] of [`Hotspot`]s. A BED site
//!    has no REF until the reference gives it one, so a raw site's alleles
//!    are a [`RawAlleles`], and every hotspot of a `Panel` has its REF bases:
//!    code that takes a `Panel` need not ask.
//!
//! How a panel's contig names relate to another file's (`chr12` vs `12`)
//! is `contigs.rs`. Sites are grouped into fetch windows by the counter
//! (`count::CountPlan`), since the grouping depends on its settings.
mod bed;
mod contigs;
mod parse;
mod resolve;
mod tsv;
mod vcf;

pub(crate) use contigs::contig_style_hint_in;
pub use parse::RawPanel;
pub(crate) use parse::{RawAlleles, RawSite};

use crate::reference::list_problems;
use std::path::{Path, PathBuf};

/// One hotspot allele of a resolved [`Panel`]. `pos` is 1-based, VCF-style
/// (indels carry their anchor base).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hotspot {
    pub contig: String,
    pub pos: u64,
    /// Reference allele, upper-case ACGTN (from the panel file, or from the
    /// reference for a BED site); never empty in a resolved panel.
    pub ref_allele: String,
    /// Alternate allele, upper-case ACGTN, or "." for a BED (position-only) site.
    pub alt_allele: String,
    pub id: String,
    /// Gene symbol, "" when the panel has none.
    pub gene: String,
    /// Protein change (VCF INFO/HGVSP) or TSV `label`, "" when none.
    pub label: String,
    /// Where the hotspot came from: "FILE:LINE" (or "demo:LINE").
    pub(crate) origin: String,
}

impl Hotspot {
    /// A one-base site: REF of length 1 and an ALT of length 1 or "." (position only).
    #[cfg(test)] // the counter asks its SiteModel; the tests ask the panel
    pub(crate) fn is_single_base(&self) -> bool {
        self.ref_allele.len() == 1 && (self.alt_allele.len() == 1 || self.alt_allele == ".")
    }

    /// A position-only site (from BED): ALT is ".".
    pub(crate) fn is_position_only(&self) -> bool {
        self.alt_allele == "."
    }

    /// 1-based inclusive last reference position the REF allele covers
    /// (`pos` itself for a hotspot built by hand with an empty REF).
    pub fn end(&self) -> u64 {
        self.pos + (self.ref_allele.len().max(1) as u64) - 1
    }
}

/// A panel checked against the reference (or needing none): every
/// hotspot has its REF bases. Made by [`RawPanel::resolve`], or by
/// [`Panel::load`] and its siblings for panels that give their REF bases.
#[derive(Debug, Clone)]
pub struct Panel {
    /// The path, or "demo" for the embedded panel.
    pub source: String,
    pub hotspots: Vec<Hotspot>,
    /// (name, length) from VCF `##contig` lines, in file order; empty when unknown.
    /// `##contig` lines without a `length` are left out.
    pub contigs: Vec<(String, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PanelError {
    #[error("cannot read panel {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("panel {path} has {} problem(s):\n{}", problems.len(), list_problems(problems))]
    Invalid { path: String, problems: Vec<String> },
    #[error("panel {path} holds no hotspots")]
    Empty { path: String },
    /// The panel does not fit the reference: REF mismatches, contigs or
    /// positions the reference lacks. Every problem is listed.
    #[error(
        "panel {path} does not match reference {reference}; {} problem(s):\n{}",
        problems.len(),
        list_problems(problems)
    )]
    Reference {
        path: String,
        reference: String,
        problems: Vec<String>,
    },
    /// A BED (position-only) panel needs a reference to learn its REF bases.
    #[error(
        "panel {path} is a BED file (positions only): cfspot needs the reference bases at \
         those positions; give the reference with --reference FASTA"
    )]
    NeedsReference { path: String },
    /// A BED file where each site must give its alleles (a patient's
    /// mutation list, read by [`Panel::from_path`]).
    #[error(
        "{path} is a BED file (positions only), but here every site needs its REF and ALT \
         alleles: give a VCF or TSV"
    )]
    PositionsOnly { path: String },
}

impl Panel {
    /// The embedded demo panel (31 GRCh38 hotspots), source "demo".
    pub fn demo() -> Panel {
        RawPanel::demo()
            .resolve(None)
            .expect("the embedded demo panel is valid (checked by unit tests)")
    }

    /// `demo` for the embedded panel, otherwise a path; see [`Panel::from_bytes`].
    pub fn load(spec: &str) -> Result<Panel, PanelError> {
        given_alleles(RawPanel::load(spec)?)
    }

    /// Reads a panel file; see [`Panel::from_bytes`].
    pub fn from_path(path: &Path) -> Result<Panel, PanelError> {
        given_alleles(RawPanel::from_path(path)?)
    }

    /// Parses a panel whose sites give their alleles (VCF or TSV), as a
    /// patient's mutation list does, without consulting a reference: a BED
    /// file is refused ([`PanelError::PositionsOnly`]). A panel to count
    /// at is a [`RawPanel`], resolved against the reference.
    pub fn from_bytes(source: &str, bytes: &[u8]) -> Result<Panel, PanelError> {
        given_alleles(RawPanel::from_bytes(source, bytes)?)
    }

    pub fn len(&self) -> usize {
        self.hotspots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hotspots.is_empty()
    }
}

/// `raw` as a panel when every site gives its alleles.
fn given_alleles(raw: RawPanel) -> Result<Panel, PanelError> {
    match raw.resolve(None) {
        Err(PanelError::NeedsReference { path }) => Err(PanelError::PositionsOnly { path }),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn demo_panel() {
        let p = Panel::demo();
        assert_eq!(p.source, "demo");
        assert_eq!(p.hotspots.len(), 31);
        let snv = p.hotspots.iter().filter(|h| h.is_single_base()).count();
        let mnv: Vec<&Hotspot> = p
            .hotspots
            .iter()
            .filter(|h| h.ref_allele.len() > 1 && h.ref_allele.len() == h.alt_allele.len())
            .collect();
        let del: Vec<&Hotspot> = p
            .hotspots
            .iter()
            .filter(|h| h.ref_allele.len() > h.alt_allele.len())
            .collect();
        assert_eq!((snv, mnv.len(), del.len()), (29, 1, 1));
        assert_eq!(mnv[0].id, "EGFR_L747P");
        assert_eq!(del[0].id, "EGFR_E746_A750del");
        assert_eq!(del[0].ref_allele.len(), 16);
        let first = &p.hotspots[0];
        assert_eq!(
            first,
            &Hotspot {
                contig: "chr1".into(),
                pos: 114713908,
                ref_allele: "T".into(),
                alt_allele: "C".into(),
                id: "NRAS_Q61R".into(),
                gene: "NRAS".into(),
                label: "p.Q61R".into(),
                origin: "demo:12".into(),
            }
        );
        assert_eq!(p.hotspots[30].id, "TP53_R175H");
        assert_eq!(p.contigs.len(), 6);
        assert_eq!(p.contigs[4], ("chr12".to_string(), 133275309));
        assert!(Panel::load("demo").is_ok());
    }

    #[test]
    fn bgzipped_vcf_loads_like_plain() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("p.vcf");
        std::fs::write(&plain, include_str!("../../assets/demo/hotspots.vcf")).unwrap();
        let gz = dir.path().join("p.vcf.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(include_str!("../../assets/demo/hotspots.vcf").as_bytes())
            .unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let a = Panel::load(plain.to_str().unwrap()).unwrap();
        let b = Panel::load(gz.to_str().unwrap()).unwrap();
        assert_eq!(a.hotspots.len(), 31);
        assert_eq!(a.contigs, b.contigs);
        for (x, y) in a.hotspots.iter().zip(&b.hotspots) {
            assert_eq!(
                (
                    &x.id,
                    &x.contig,
                    x.pos,
                    &x.ref_allele,
                    &x.alt_allele,
                    &x.gene,
                    &x.label
                ),
                (
                    &y.id,
                    &y.contig,
                    y.pos,
                    &y.ref_allele,
                    &y.alt_allele,
                    &y.gene,
                    &y.label
                )
            );
        }
        assert_eq!(a.hotspots[0].origin, format!("{}:12", plain.display()));
        assert_eq!(b.hotspots[0].origin, format!("{}:12", gz.display()));
        let err = Panel::load(dir.path().join("missing.vcf").to_str().unwrap()).unwrap_err();
        assert!(matches!(err, PanelError::Io { .. }), "{err}");
        assert!(err.to_string().contains("missing.vcf"));
    }

    /// Without a reference, a panel that gives its alleles loads as a
    /// `Panel` (as parsed), and a BED panel is refused as one that lacks
    /// them (not as one that lacks a reference: none would help).
    #[test]
    fn panel_without_reference() {
        let tsv = "contig\tpos\tref\talt\nchr1\t5\ta\tC\n";
        let p = Panel::from_bytes("p.tsv", tsv.as_bytes()).unwrap();
        assert_eq!(
            (p.hotspots[0].ref_allele.as_str(), p.hotspots[0].id.as_str()),
            ("A", "chr1:5A>C")
        );
        let err = Panel::from_bytes("p.bed", b"chr1\t4\t5\n").unwrap_err();
        assert!(matches!(err, PanelError::PositionsOnly { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "p.bed is a BED file (positions only), but here every site needs its REF and ALT \
             alleles: give a VCF or TSV"
        );
    }

    #[test]
    fn single_base() {
        let mut h = Panel::demo().hotspots[0].clone();
        assert!(h.is_single_base());
        h.alt_allele = ".".into();
        assert!(h.is_single_base());
        h.ref_allele = "TT".into();
        assert!(!h.is_single_base());
    }
}
