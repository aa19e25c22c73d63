//! The truth: what the simulated sample holds at each hotspot, worked out
//! from what the simulator made, not from what the counter would see.
//!
//! The simulator knows every unique fragment's footprint, the reference
//! span each of its two reads aligns over (reads shorter than the fragment,
//! the read-length cut and an insertion clipped at a read end included) and
//! the events the fragment carries. A fragment counts at a site when one of
//! its reads spans the site's footprint with aligned bases (the counter's
//! coverage rule: the allele's bases for an SNV or MNV, both anchors of the
//! widened region for an indel). It is then alt when the fragment carries
//! the site's own event, ref when it carries no event that the counter's
//! rule reads at the site, other otherwise (an event of an overlapping
//! hotspot). Nothing here calls the counter's classifier or mate merging,
//! so "an error-free `cfspot count` equals the truth" (`tests/simulate.rs`)
//! checks the counter against an independent account.
//!
//! **Molecules.** Each unique fragment is one molecule and one PCR family
//! (the library reads every fragment at least once, and all of a family's
//! read pairs have the fragment's two read spans), so the families covering
//! a site are exactly the unique fragments covering it (`families` =
//! `depth`, `alt_families` = `alt_fragments`): what a UMI-aware count in
//! molecules must find. A family is a *duplex* when it holds read pairs of
//! both strands (A and B in `MI`); `duplex_families` and
//! `alt_duplex_families` count those, and `read_pairs` the read pairs of the
//! families covering the site. A molecule's allele is its true one, before
//! PCR errors and damage ([`super::library`]). These columns appear only
//! when a library setting is on (`--umi`, `--family-size-mean`,
//! `--pcr-error-rate`, `--damage`, `--cpg-factor`), so other runs write
//! what they always did.

use super::mutations::Mutations;
use super::reads::Event;
use super::sources::Sources;
use crate::panel::Hotspot;
use serde::Serialize;
use std::io::Write;

/// Fragments shorter than this are "short" in the truth's length columns:
/// the counter's threshold, a definition shared with it, not its logic.
const SHORT_FRAGMENT: u32 = crate::count::site::SHORT_FRAGMENT;

/// A site as the truth reads it: its footprint and how events count there.
#[derive(Debug, Clone)]
pub(crate) struct TruthSite {
    /// Reference interval (0-based, half-open) a read must span with
    /// aligned bases; anchors included for indel sites.
    pub start: u64,
    pub end: u64,
    /// Equal-length alleles (SNV, MNV, position-only) are read base by
    /// base; every other site by the indels between its anchors.
    pub(crate) by_bases: bool,
    /// The site's own event (what alt means here); `None` for a
    /// position-only site.
    pub(crate) event: Option<Event>,
}

impl TruthSite {
    /// `footprint` is the site's reference interval as the counter defines
    /// it (the ambiguity region of an indel, widened over repeats, plus its
    /// anchors).
    pub fn new(h: &Hotspot, footprint: (i64, i64)) -> TruthSite {
        let by_bases = h.alt_allele == "." || h.alt_allele.len() == h.ref_allele.len();
        TruthSite {
            start: footprint.0.max(0) as u64,
            end: footprint.1.max(0) as u64,
            by_bases,
            event: (h.alt_allele != ".").then(|| Event::from_hotspot(h)),
        }
    }

    /// Whether the counter's rule reads event `e` at this site. At a site
    /// read base by base: any event changing, deleting or inserting between
    /// its bases. At an indel site: an indel touching an anchor or lying
    /// between the anchors (a substitution there leaves the indel count
    /// alone, as the README's counting section defines it).
    fn reads(&self, e: &Event) -> bool {
        let (fs, fe) = (self.start, self.end);
        if e.start == e.end {
            // An insertion before `e.start`: between two of the site's bases,
            // or between its anchors (the same inequality for both shapes).
            fs < e.start && e.start < fe
        } else if self.by_bases || e.alt.len() as u64 != e.end - e.start {
            e.start < fe && e.end > fs
        } else {
            false
        }
    }
}

/// What a fragment covering a site holds there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allele {
    Ref,
    Alt,
    /// Another event the site's rule reads (an overlapping hotspot's).
    Other,
}

/// Tallies at one site. Integer sums only, so merging chunks in any
/// grouping gives the same result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteTruth {
    pub ref_fragments: u64,
    pub alt_fragments: u64,
    pub other_fragments: u64,
    pub(crate) ref_len_sum: u64,
    pub(crate) alt_len_sum: u64,
    pub(crate) ref_short: u64,
    pub(crate) alt_short: u64,
    /// Families with read pairs of both strands, and those of them alt.
    pub duplex_families: u64,
    pub alt_duplex_families: u64,
    /// Read pairs of the families covering the site.
    pub read_pairs: u64,
}

impl SiteTruth {
    pub fn depth(&self) -> u64 {
        self.ref_fragments + self.alt_fragments + self.other_fragments
    }

    pub fn add(&mut self, other: &SiteTruth) {
        self.ref_fragments += other.ref_fragments;
        self.alt_fragments += other.alt_fragments;
        self.other_fragments += other.other_fragments;
        self.ref_len_sum += other.ref_len_sum;
        self.alt_len_sum += other.alt_len_sum;
        self.ref_short += other.ref_short;
        self.alt_short += other.alt_short;
        self.duplex_families += other.duplex_families;
        self.alt_duplex_families += other.alt_duplex_families;
        self.read_pairs += other.read_pairs;
    }

    /// Record one unique fragment of length `len` whose two reads align
    /// over reference `spans` (`[start, end)` each) and which carries
    /// `events`. Both reads come from one fragment, so when both span the
    /// site they show the same allele: mates never disagree here. Returns
    /// the fragment's allele at the site, `None` when it does not cover it.
    pub(crate) fn observe(
        &mut self,
        site: &TruthSite,
        spans: [(u64, u64); 2],
        events: &[&Event],
        len: u32,
    ) -> Option<Allele> {
        let spans_site = |&(s, e): &(u64, u64)| s <= site.start && e >= site.end;
        if !spans.iter().any(spans_site) {
            return None;
        }
        let mut read_here = events.iter().filter(|e| site.reads(e));
        let short = (len < SHORT_FRAGMENT) as u64;
        Some(match (read_here.next(), read_here.next()) {
            (None, _) => {
                self.ref_fragments += 1;
                self.ref_len_sum += len as u64;
                self.ref_short += short;
                Allele::Ref
            }
            (Some(e), None) if site.event.as_ref() == Some(*e) => {
                self.alt_fragments += 1;
                self.alt_len_sum += len as u64;
                self.alt_short += short;
                Allele::Alt
            }
            _ => {
                self.other_fragments += 1;
                Allele::Other
            }
        })
    }

    /// Record the family of a fragment [`SiteTruth::observe`] found
    /// covering the site with `allele`: `read_pairs` of it, of both strands
    /// when `duplex`.
    pub fn family(&mut self, allele: Allele, read_pairs: u64, duplex: bool) {
        self.read_pairs += read_pairs;
        if duplex {
            self.duplex_families += 1;
            self.alt_duplex_families += (allele == Allele::Alt) as u64;
        }
    }
}

/// One row of `NAME.truth.tsv`. The first six columns are an interface
/// (issue 3): `id mutated expected_vaf depth alt_fragments vaf`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TruthRow {
    pub id: String,
    pub mutated: bool,
    pub expected_vaf: String,
    pub depth: u64,
    pub alt_fragments: u64,
    /// alt_fragments / depth, empty at depth 0.
    pub vaf: Option<String>,
    pub contig: String,
    pub pos: u64,
    #[serde(rename = "ref")]
    pub ref_allele: String,
    pub alt: String,
    pub gene: String,
    pub ccf: Option<f64>,
    pub(crate) copy_factor: Option<f64>,
    pub ref_fragments: u64,
    pub other_fragments: u64,
    pub(crate) ref_len_mean: Option<String>,
    pub(crate) alt_len_mean: Option<String>,
    pub(crate) ref_short_frac: Option<String>,
    pub(crate) alt_short_frac: Option<String>,
    /// The molecule columns (module docs), only with a library setting
    /// on ([`TruthRow::with_molecules`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub families: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_families: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplex_families: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_duplex_families: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_pairs: Option<u64>,
    /// Where the site's ALT comes from (`tumour`, `chip`, `germline`,
    /// `artefact`, joined by `+`, or `none`) and the VAF all of them aim at
    /// together ([`Sources::truth_of`]). Only when `--germline`, `--chip`
    /// or `--artefact` is given (absent columns otherwise, so a run without
    /// them writes what it always did); `mutated` and `expected_vaf` stay the
    /// tumour's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_vaf: Option<String>,
}

impl TruthRow {
    pub fn new(
        h: &Hotspot,
        site: usize,
        t: &SiteTruth,
        mutations: &Mutations,
        sources: &Sources,
        tf: f64,
    ) -> Self {
        let m = mutations.at(site);
        let (source, source_vaf) = if sources.is_empty() {
            (None, None)
        } else {
            let (name, vaf) = sources.truth_of(site, mutations, tf);
            (Some(name), Some(format!("{vaf:.6}")))
        };
        let ratio =
            |a: u64, b: u64, dp: usize| (b > 0).then(|| format!("{:.*}", dp, a as f64 / b as f64));
        TruthRow {
            id: h.id.clone(),
            mutated: m.is_some(),
            expected_vaf: format!("{:.6}", m.map_or(0.0, |m| tf * m.share)),
            depth: t.depth(),
            alt_fragments: t.alt_fragments,
            vaf: ratio(t.alt_fragments, t.depth(), 6),
            contig: h.contig.clone(),
            pos: h.pos,
            ref_allele: h.ref_allele.clone(),
            alt: h.alt_allele.clone(),
            gene: h.gene.clone(),
            ccf: m.map(|m| m.ccf),
            copy_factor: m.map(|m| m.copy_factor),
            ref_fragments: t.ref_fragments,
            other_fragments: t.other_fragments,
            ref_len_mean: ratio(t.ref_len_sum, t.ref_fragments, 2),
            alt_len_mean: ratio(t.alt_len_sum, t.alt_fragments, 2),
            ref_short_frac: ratio(t.ref_short, t.ref_fragments, 4),
            alt_short_frac: ratio(t.alt_short, t.alt_fragments, 4),
            families: None,
            alt_families: None,
            duplex_families: None,
            alt_duplex_families: None,
            read_pairs: None,
            source,
            source_vaf,
        }
    }

    /// This row with the molecule columns of `t` (module docs).
    pub(crate) fn with_molecules(mut self, t: &SiteTruth) -> Self {
        self.families = Some(t.depth());
        self.alt_families = Some(t.alt_fragments);
        self.duplex_families = Some(t.duplex_families);
        self.alt_duplex_families = Some(t.alt_duplex_families);
        self.read_pairs = Some(t.read_pairs);
        self
    }

    pub fn expected(&self) -> f64 {
        self.expected_vaf.parse().unwrap_or(0.0)
    }
}

/// Write `NAME.truth.tsv`.
pub fn write_tsv<W: Write>(out: W, rows: &[TruthRow]) -> csv::Result<()> {
    crate::tsv::write_rows(out, rows)
}

/// Read a truth TSV back (for `eval` and tests).
pub fn read_tsv(path: &std::path::Path) -> csv::Result<Vec<TruthRow>> {
    let mut r = csv::ReaderBuilder::new().delimiter(b'\t').from_path(path)?;
    r.deserialize().collect()
}

/// `NAME.truth.vcf`: the mutated hotspots, sorted by header contig order and
/// position, with expected and realised VAF.
pub(crate) fn write_vcf<W: Write>(
    mut out: W,
    contigs: &[(String, u64)],
    rows: &[TruthRow],
    sample: &str,
) -> std::io::Result<()> {
    writeln!(out, "##fileformat=VCFv4.2")?;
    writeln!(
        out,
        "##source=cfspot simulate {}",
        env!("CARGO_PKG_VERSION")
    )?;
    for (name, len) in contigs {
        writeln!(out, "##contig=<ID={name},length={len}>")?;
    }
    for line in [
        "##INFO=<ID=EXPECTED_VAF,Number=1,Type=Float,Description=\"VAF the simulation aimed at: TF x CCF x COPIES / 2\">",
        "##INFO=<ID=VAF,Number=1,Type=Float,Description=\"Realised VAF: ALT_FRAGMENTS / DEPTH\">",
        "##INFO=<ID=DEPTH,Number=1,Type=Integer,Description=\"Unique fragments a read covers the allele in (what cfspot count reports as depth on an error-free run)\">",
        "##INFO=<ID=ALT_FRAGMENTS,Number=1,Type=Integer,Description=\"Unique fragments carrying the ALT allele and read across it\">",
        "##INFO=<ID=CCF,Number=1,Type=Float,Description=\"Cancer cell fraction\">",
        "##INFO=<ID=COPIES,Number=1,Type=Float,Description=\"Mutant copy factor (1 = one of two copies)\">",
        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">",
    ] {
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}"
    )?;
    let order = |c: &str| contigs.iter().position(|x| x.0 == c).unwrap_or(usize::MAX);
    let mut mutated: Vec<&TruthRow> = rows.iter().filter(|r| r.mutated).collect();
    mutated.sort_by_key(|r| (order(&r.contig), r.pos));
    for r in mutated {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t.\tPASS\tEXPECTED_VAF={};VAF={};DEPTH={};ALT_FRAGMENTS={};CCF={};COPIES={}\tGT\t0/1",
            r.contig,
            r.pos,
            r.id,
            r.ref_allele,
            r.alt,
            r.expected_vaf,
            r.vaf.as_deref().unwrap_or("."),
            r.depth,
            r.alt_fragments,
            r.ccf.unwrap_or(1.0),
            r.copy_factor.unwrap_or(1.0),
        )?;
    }
    Ok(())
}
