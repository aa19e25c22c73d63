//! The truth: what the simulated sample holds at each hotspot, counted the
//! way `cfspot count` counts.
//!
//! Each unique molecule's two reads, as written to the BAM but without
//! sequencing errors, are classified at every site with the counter's own
//! [`SiteModel::classify`] and mates are merged with its own
//! [`merge_mates`]. So `depth` (fragments a read covers the allele in:
//! ref + alt + other) and `alt_fragments` are what `cfspot count` reports on
//! an error-free run, by construction; the end-to-end tests check that the
//! BAM written says the same.

use super::mutations::Mutations;
use crate::count::fragment::{merge_mates, FragmentCall, Observation};
use crate::count::{AlignedRead, Allele, SiteModel};
use crate::panel::Hotspot;
use serde::Serialize;
use std::io::Write;

/// An error-free read for classification.
pub struct TrueRead<'a> {
    pub pos: u64,
    pub cigar: &'a [u32],
    pub seq: &'a [u8],
}

impl AlignedRead for TrueRead<'_> {
    fn ref_start(&self) -> i64 {
        self.pos as i64
    }
    fn cigar(&self) -> &[u32] {
        self.cigar
    }
    fn base(&self, qpos: usize) -> u8 {
        self.seq[qpos]
    }
    fn qual(&self, _qpos: usize) -> u8 {
        u8::MAX
    }
    fn len(&self) -> usize {
        self.seq.len()
    }
}

/// Tallies at one site. Integer sums only, so merging chunks in any
/// grouping gives the same result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteTruth {
    pub ref_fragments: u64,
    pub alt_fragments: u64,
    pub other_fragments: u64,
    pub discordant: u64,
    pub ref_len_sum: u64,
    pub alt_len_sum: u64,
    pub ref_short: u64,
    pub alt_short: u64,
}

impl SiteTruth {
    pub fn depth(&self) -> u64 {
        self.ref_fragments + self.alt_fragments + self.other_fragments
    }

    pub fn add(&mut self, other: &SiteTruth) {
        self.ref_fragments += other.ref_fragments;
        self.alt_fragments += other.alt_fragments;
        self.other_fragments += other.other_fragments;
        self.discordant += other.discordant;
        self.ref_len_sum += other.ref_len_sum;
        self.alt_len_sum += other.alt_len_sum;
        self.ref_short += other.ref_short;
        self.alt_short += other.alt_short;
    }

    /// Record one molecule whose reads are `reads`, of fragment length `len`.
    pub fn observe(&mut self, model: &SiteModel, reads: [&TrueRead; 2], ends: [u64; 2], len: u32) {
        let (fs, fe) = model.footprint();
        let mut obs: [Option<Observation>; 2] = [None, None];
        for (k, r) in reads.iter().enumerate() {
            if fs < r.pos as i64 || fe > ends[k] as i64 {
                continue;
            }
            obs[k] = model.classify(*r, 0).map(|allele| Observation {
                allele,
                reverse: false,
                fragment_length: len,
            });
        }
        let call = match obs {
            [Some(a), Some(b)] => merge_mates(a, b),
            [Some(a), None] | [None, Some(a)] => FragmentCall::Observed(a),
            [None, None] => return,
        };
        let short = (len < crate::count::site::SHORT_FRAGMENT) as u64;
        match call {
            FragmentCall::Discordant => self.discordant += 1,
            FragmentCall::Observed(o) => match o.allele {
                Allele::Ref => {
                    self.ref_fragments += 1;
                    self.ref_len_sum += len as u64;
                    self.ref_short += short;
                }
                Allele::Alt => {
                    self.alt_fragments += 1;
                    self.alt_len_sum += len as u64;
                    self.alt_short += short;
                }
                Allele::Other(_) | Allele::LowQuality => self.other_fragments += 1,
            },
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
    pub copy_factor: Option<f64>,
    pub ref_fragments: u64,
    pub other_fragments: u64,
    pub ref_len_mean: Option<String>,
    pub alt_len_mean: Option<String>,
    pub ref_short_frac: Option<String>,
    pub alt_short_frac: Option<String>,
}

impl TruthRow {
    pub fn new(h: &Hotspot, site: usize, t: &SiteTruth, mutations: &Mutations, tf: f64) -> Self {
        let m = mutations.at(site);
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
        }
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
pub fn write_vcf<W: Write>(
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
