//! What `call` writes: `calls.tsv`, a VCF 4.3 and `summary.json`.
//!
//! Every number in the VCF and the summary is also in `calls.tsv` (or is
//! computed from it as the summary says), so reports can be recomputed.

use super::percent::{percent, Digits, Gap};
use crate::count::site::LengthHistogram;
use crate::count::{CountSettings, ReadTally, SiteCounts, Unit};
use crate::panel::{Hotspot, Panel};
pub use crate::stats::background::BackgroundSummary;
use crate::stats::background::SourceKind;
use crate::stats::call::{CallOptions, SampleCall, SiteCall, SiteStatus};
use crate::stats::length::LengthSummary;
use crate::stats::normal::{NormalLabel, NormalSite, NormalSummary};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// Proportions with 6 decimals (`0.012345`).
fn fixed6<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:.6}"))
}

fn fixed6_opt<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => fixed6(v, s),
        None => s.serialize_str(""),
    }
}

/// Rates and p-values, 4 significant digits (`1.234e-5`).
fn sci4<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:.3e}"))
}

/// [`sci4`] of a column that is skipped when `None`.
fn sci4_opt<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => sci4(v, s),
        None => s.serialize_none(),
    }
}

/// [`fixed6_opt`] of a column that is skipped when `None`.
fn fixed6_opt_opt<S: serde::Serializer>(v: &Option<Option<f64>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => fixed6_opt(v, s),
        None => s.serialize_none(),
    }
}

/// One row of `calls.tsv`. Column names are part of cfspot's interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRow {
    pub id: String,
    pub gene: String,
    pub label: String,
    pub contig: String,
    pub pos: u64,
    #[serde(rename = "ref")]
    pub ref_allele: String,
    pub alt: String,
    pub depth: u64,
    pub ref_count: u64,
    pub alt_count: u64,
    #[serde(serialize_with = "fixed6_opt")]
    pub vaf: Option<f64>,
    #[serde(serialize_with = "fixed6")]
    pub vaf_lo: f64,
    #[serde(serialize_with = "fixed6")]
    pub vaf_hi: f64,
    #[serde(serialize_with = "sci4")]
    pub background: f64,
    #[serde(serialize_with = "sci4")]
    pub background_rho: f64,
    pub background_source: String,
    #[serde(serialize_with = "sci4")]
    pub p_value: f64,
    #[serde(serialize_with = "sci4")]
    pub q_value: f64,
    #[serde(serialize_with = "fixed6_opt")]
    pub lod95: Option<f64>,
    #[serde(serialize_with = "sci4")]
    pub strand_p: f64,
    pub alt_fwd: u64,
    pub alt_rev: u64,
    pub alt_len_median: Option<f64>,
    pub status: String,
    pub filter: String,
    pub note: String,
    // The matched normal (`call --normal`): written only when one was
    // given, so that a call without it writes the same columns as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal_depth: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal_ref_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal_alt: Option<u64>,
    /// Outer `None`: no normal; inner `None`: the normal has no depth here.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fixed6_opt_opt"
    )]
    pub normal_vaf: Option<Option<f64>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "sci4_opt"
    )]
    pub normal_p_value: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "sci4_opt"
    )]
    pub normal_excess_p: Option<f64>,
    /// `absent`, `chip`, `germline`, `normal_uninformative` or `normal_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal_label: Option<String>,
    /// Which source judged the site (`None` for a row read back from a
    /// file): kept for issue 13's `background_source`, not written yet.
    #[serde(skip)]
    pub judged_by: Option<SourceKind>,
}

impl CallRow {
    /// The row of one site; `unit` is what its counts count (the notes
    /// say it).
    pub fn new(h: &Hotspot, c: &SiteCounts, call: &SiteCall, unit: Unit) -> Self {
        // A VAF or LoD in the note's sentence: `0.0021` → `0.21 %`.
        let in_words = |v| percent(v, Digits::Rounded, Gap::Space);
        let lod = call
            .lod95
            .map(in_words)
            .unwrap_or_else(|| "not reachable".into());
        let note = match call.status {
            SiteStatus::Detected => format!(
                "detected at VAF {} ({}–{}), {} of {} {}",
                in_words(call.vaf.unwrap_or(0.0)),
                in_words(call.vaf_lo),
                in_words(call.vaf_hi),
                call.alt,
                call.depth,
                unit.noun()
            ),
            SiteStatus::NotDetected => format!("not detected; LoD95 here {lod}"),
            SiteStatus::LowDepth => {
                format!(
                    "low depth ({} {}); LoD95 here {lod}",
                    call.depth,
                    unit.noun()
                )
            }
            SiteStatus::Filtered => format!("filtered ({}); LoD95 here {lod}", call.filter),
            SiteStatus::ChipOrGermline => String::new(),
        };
        // A site the panel of normals flags is reported, and says so.
        let note = match call.background.source.strip_prefix("pon:") {
            Some(flags) => format!("{note}; flagged in the panel of normals: {flags}"),
            None => note,
        };
        let note = match &call.normal {
            Some(n) => normal_note(note, call, n),
            None => note,
        };
        let normal = call.normal.as_ref();
        CallRow {
            id: h.id.clone(),
            gene: h.gene.clone(),
            label: h.label.clone(),
            contig: h.contig.clone(),
            pos: h.pos,
            ref_allele: h.ref_allele.clone(),
            alt: h.alt_allele.clone(),
            depth: call.depth,
            ref_count: c.ref_count(),
            alt_count: call.alt,
            vaf: call.vaf,
            vaf_lo: call.vaf_lo,
            vaf_hi: call.vaf_hi,
            background: call.background.rate,
            background_rho: call.background.rho,
            background_source: call.background.source.clone(),
            p_value: call.p_value,
            q_value: call.q_value,
            lod95: call.lod95,
            strand_p: call.strand_p,
            alt_fwd: c.alt_fwd,
            alt_rev: c.alt_rev,
            alt_len_median: c.alt_lengths.summary().map(|s| s.median),
            status: call.status.as_str().to_string(),
            filter: call.filter.clone(),
            note,
            normal_depth: normal.map(|n| n.depth),
            normal_ref_count: normal.map(|n| n.ref_count),
            normal_alt: normal.map(|n| n.alt),
            normal_vaf: normal.map(|n| n.vaf),
            normal_p_value: normal.map(|n| n.p_value),
            normal_excess_p: normal.map(|n| n.excess_p),
            normal_label: normal.map(|n| n.label.as_str().to_string()),
            judged_by: Some(call.background.judged_by),
        }
    }
}

/// A row's note with what the matched normal says: the whole note at a
/// `CHIP_OR_GERMLINE` site, a clause after the plasma's own elsewhere.
fn normal_note(note: String, call: &SiteCall, n: &NormalSite) -> String {
    let in_words = |v| percent(v, Digits::Rounded, Gap::Space);
    let seen = format!(
        "{} of {}, VAF {}",
        n.alt,
        n.depth,
        n.vaf.map(in_words).unwrap_or_else(|| "–".into())
    );
    let plasma_vaf = call.vaf.map(in_words).unwrap_or_else(|| "–".into());
    match (call.status, n.label) {
        (SiteStatus::ChipOrGermline, label) => {
            let looks = if label == NormalLabel::Germline {
                "germline-like VAF"
            } else {
                "CHIP-like VAF"
            };
            let excess = if n.excess {
                format!(
                    "; plasma far above the normal (one-sided Fisher p {:.1e}): tumour on top of CHIP is possible, check the tumour tissue",
                    n.excess_p
                )
            } else {
                String::new()
            };
            format!("alt also in the matched normal ({seen}, p {:.1e}; {looks}): CHIP or germline, not tumour, kept out of the tumour fraction; plasma VAF {plasma_vaf}{excess}", n.p_value)
        }
        (_, NormalLabel::Uninformative) => {
            format!("{note}; the matched normal is too thin to tell CHIP ({seen})")
        }
        (_, NormalLabel::Absent) => format!("{note}; not in the matched normal ({seen})"),
        (_, NormalLabel::NormalOnly) => format!(
            "{note}; alt in the matched normal ({seen}, p {:.1e}) but not above background in the plasma: not CHIP or germline evidence here",
            n.p_value
        ),
        // A carried alt at a FILTERED site: the plasma's artefact stands.
        (_, _) => format!("{note}; alt also in the matched normal ({seen})"),
    }
}

/// Write `calls.tsv`.
pub fn write_tsv<W: Write>(out: W, rows: &[CallRow]) -> csv::Result<()> {
    crate::tsv::write_rows(out, rows)
}

/// Read a `calls.tsv` back (for `eval` and reports).
pub fn read_tsv(path: &std::path::Path) -> Result<Vec<CallRow>, String> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    r.deserialize()
        .enumerate()
        .map(|(i, row)| {
            row.map_err(|e| {
                format!(
                    "{}:{}: not a cfspot calls.tsv row: {e}",
                    path.display(),
                    i + 2
                )
            })
        })
        .collect()
}

/// Percent-encode what VCF 4.3 forbids in INFO values.
fn vcf_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            ':' | ';' | '=' | '%' | ',' | ' ' | '\t' | '\n' | '\r' => {
                for b in ch.to_string().bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn vcf_float(v: f64) -> String {
    format!("{v:.6e}")
}

/// Write the VCF: one record per hotspot, in panel order. FILTER carries the
/// status (`PASS` for DETECTED), INFO the test, FORMAT `GT:AD:DP:AF`, in
/// the unit `count` says. The matched normal's column follows the plasma's
/// when `normal` names it, as somatic callers write a tumour/normal pair
/// (Mutect2's `##normal_sample`/`##tumor_sample` header lines, Strelka's
/// NORMAL and TUMOR columns): the normal's GT (`0/1` where it carries the
/// alt), AD, DP and AF, with what its test says in INFO (`NORMAL`, `NP`,
/// `NEXCESSP`) and FILTER `CHIP_OR_GERMLINE` where the label holds.
pub fn write_vcf<W: Write>(
    mut out: W,
    sample: &str,
    normal: Option<&str>,
    count: &CountSettings,
    panel: &Panel,
    rows: &[CallRow],
) -> std::io::Result<()> {
    writeln!(out, "##fileformat=VCFv4.3")?;
    writeln!(out, "##source=cfspot {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(
        out,
        "##cfspotNote=\"Not a clinical tool: for teaching and benchmarking.\""
    )?;
    // What AD and DP count, and the filters the reads passed: a VCF of
    // molecules must not read as one of reads.
    writeln!(out, "##cfspotUnit={}", count.unit)?;
    let filters = count.filters_text();
    if !filters.is_empty() {
        writeln!(out, "##cfspotFilters=\"{filters}\"")?;
    }
    let (noun, noun_cap) = (count.unit.noun(), capitalised(count.unit.noun()));
    let mut contigs: Vec<(String, Option<u64>)> = panel
        .contigs
        .iter()
        .map(|(c, l)| (c.clone(), Some(*l)))
        .collect();
    for h in &panel.hotspots {
        if !contigs.iter().any(|(c, _)| c == &h.contig) {
            contigs.push((h.contig.clone(), None));
        }
    }
    for (c, len) in contigs {
        match len {
            Some(l) => writeln!(out, "##contig=<ID={c},length={l}>")?,
            None => writeln!(out, "##contig=<ID={c}>")?,
        }
    }
    for (id, desc) in [
        ("PASS", "All filters passed: DETECTED".to_string()),
        (
            "NOT_DETECTED",
            format!("Alt {noun} not above background (q >= alpha or alt < min-alt)"),
        ),
        ("LOW_DEPTH", format!("Fewer {noun} than --min-depth")),
        (
            "STRAND_BIAS",
            format!("Significant, but alt {noun} sit on one strand (Fisher p < --strand-p)"),
        ),
    ] {
        writeln!(out, "##FILTER=<ID={id},Description=\"{desc}\">")?;
    }
    if let Some(name) = normal {
        writeln!(out, "##FILTER=<ID=CHIP_OR_GERMLINE,Description=\"The matched normal carries the alt (its alt count above its own background, one-sided p < alpha): clonal haematopoiesis or germline, not tumour; kept out of the tumour fraction\">")?;
        for (id, num, ty, desc) in [
            ("NORMAL", "1", "String", "What the matched normal says: absent, chip, germline, normal_uninformative (too thin to tell) or normal_only (not above background in the plasma)"),
            ("NP", "1", "Float", "One-sided p-value of the normal's alt count under the normal's own background"),
            ("NEXCESSP", "1", "Float", "One-sided Fisher p that the plasma's alt share is above the normal's"),
        ] {
            writeln!(out, "##INFO=<ID={id},Number={num},Type={ty},Description=\"{desc}\">")?;
        }
        writeln!(out, "##tumor_sample={sample}")?;
        writeln!(out, "##normal_sample={name}")?;
    }
    for (id, num, ty, desc) in [
        ("GENE", "1", "String", "Gene symbol"),
        ("HGVSP", "1", "String", "Protein change"),
        (
            "BG",
            "1",
            "Float",
            "Background error rate used for the test",
        ),
        (
            "BGRHO",
            "1",
            "Float",
            "Beta-binomial over-dispersion of the background",
        ),
        (
            "P",
            "1",
            "Float",
            "One-sided p-value of the alt count under the background",
        ),
        (
            "Q",
            "1",
            "Float",
            "Benjamini-Hochberg q-value across the panel",
        ),
        (
            "LOD95",
            "1",
            "Float",
            "Smallest VAF called with >= 95% probability at this depth",
        ),
        (
            "VAFLO",
            "1",
            "Float",
            "Clopper-Pearson 95% lower bound of the VAF",
        ),
        (
            "VAFHI",
            "1",
            "Float",
            "Clopper-Pearson 95% upper bound of the VAF",
        ),
    ] {
        writeln!(
            out,
            "##INFO=<ID={id},Number={num},Type={ty},Description=\"{desc}\">"
        )?;
    }
    for (id, num, ty, desc) in [
        (
            "GT",
            "1",
            "String",
            "Genotype: 0/1 when DETECTED, else 0/0".to_string(),
        ),
        (
            "AD",
            "R",
            "Integer",
            format!("{noun_cap} showing REF and ALT"),
        ),
        (
            "DP",
            "1",
            "Integer",
            format!("{noun_cap} showing any allele (ref + alt + other)"),
        ),
        ("AF", "A", "Float", format!("Alt {noun} / DP")),
    ] {
        writeln!(
            out,
            "##FORMAT=<ID={id},Number={num},Type={ty},Description=\"{desc}\">"
        )?;
    }
    let normal_column = normal.map(|n| format!("\t{n}")).unwrap_or_default();
    writeln!(
        out,
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}{normal_column}"
    )?;
    for r in rows {
        let filter = match r.status.as_str() {
            "DETECTED" => "PASS",
            "FILTERED" if r.filter == "strand_bias" => "STRAND_BIAS",
            s => s,
        };
        let mut normal_cell = String::new();
        let mut info = Vec::new();
        if !r.gene.is_empty() {
            info.push(format!("GENE={}", vcf_escape(&r.gene)));
        }
        if !r.label.is_empty() {
            info.push(format!("HGVSP={}", vcf_escape(&r.label)));
        }
        info.push(format!("BG={}", vcf_float(r.background)));
        info.push(format!("BGRHO={}", vcf_float(r.background_rho)));
        info.push(format!("P={}", vcf_float(r.p_value)));
        info.push(format!("Q={}", vcf_float(r.q_value)));
        if let Some(l) = r.lod95 {
            info.push(format!("LOD95={}", vcf_float(l)));
        }
        info.push(format!("VAFLO={}", vcf_float(r.vaf_lo)));
        info.push(format!("VAFHI={}", vcf_float(r.vaf_hi)));
        if normal.is_some() {
            if let Some(label) = &r.normal_label {
                info.push(format!("NORMAL={}", vcf_escape(label)));
            }
            if let Some(p) = r.normal_p_value {
                info.push(format!("NP={}", vcf_float(p)));
            }
            if let Some(p) = r.normal_excess_p {
                info.push(format!("NEXCESSP={}", vcf_float(p)));
            }
            normal_cell = normal_sample_cell(r);
        }
        let gt = if r.status == "DETECTED" { "0/1" } else { "0/0" };
        let af = r
            .vaf
            .map(|v| format!("{v:.6}"))
            .unwrap_or_else(|| ".".into());
        let id = if r.id.is_empty() { "." } else { &r.id };
        let (alt, ad) = if r.alt == "." {
            (".".to_string(), format!("{}", r.ref_count))
        } else {
            (r.alt.clone(), format!("{},{}", r.ref_count, r.alt_count))
        };
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t.\t{}\t{}\tGT:AD:DP:AF\t{}:{}:{}:{}{normal_cell}",
            r.contig,
            r.pos,
            vcf_escape(id),
            r.ref_allele,
            alt,
            filter,
            info.join(";"),
            gt,
            ad,
            r.depth,
            af
        )?;
    }
    Ok(())
}

/// `molecules` → `Molecules`, for the start of a description.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The normal's sample column, with its leading tab: `GT:AD:DP:AF` as the
/// plasma's (`0/1` where the normal carries the alt, `./.` without depth).
fn normal_sample_cell(r: &CallRow) -> String {
    let (Some(depth), Some(reference), Some(alt)) =
        (r.normal_depth, r.normal_ref_count, r.normal_alt)
    else {
        return "\t./.:.:.:.".into();
    };
    let carries = matches!(r.normal_label.as_deref(), Some("chip" | "germline"));
    let gt = match (depth, carries) {
        (0, _) => "./.",
        (_, true) => "0/1",
        _ => "0/0",
    };
    let af = r
        .normal_vaf
        .flatten()
        .map(|v| format!("{v:.6}"))
        .unwrap_or_else(|| ".".into());
    let ad = if r.alt == "." {
        format!("{reference}")
    } else {
        format!("{reference},{alt}")
    };
    format!("\t{gt}:{ad}:{depth}:{af}")
}

/// `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub sample: String,
    pub cfspot_version: &'static str,
    pub note: &'static str,
    pub status: &'static str,
    pub threshold: f64,
    pub mode: &'static str,
    pub tumour_fraction: TfSummary,
    pub sample_lod: Option<f64>,
    pub sites_used: Vec<String>,
    /// How many sites the TF likelihood ran over (de novo: all but
    /// `FILTERED`, uncovered and subclonal sites).
    pub sites_fitted: usize,
    /// De novo: sites found below the clonal VAF, kept out of TF.
    pub sites_subclonal: Vec<String>,
    /// De novo: the share of the fitted sites that carry the mutation.
    pub mutated_share: Option<f64>,
    pub detected: Vec<String>,
    pub settings: Settings,
    /// What one count stands for and the read filters it passed (the
    /// count's own settings, so a call from a count TSV says what the
    /// count said).
    pub count: CountSettings,
    pub qc: Qc,
    pub fragment_lengths: FragmentLengths,
    pub background: BackgroundSummary,
    /// The matched normal (`call --normal`); absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normal: Option<NormalSummary>,
}

/// Fragment-length histograms, as `[length, fragments]` pairs in length
/// order: REF fragments of every site, and ALT fragments of the detected
/// sites (elsewhere ALT fragments are mostly error).
#[derive(Debug, Clone, Serialize)]
pub struct FragmentLengths {
    #[serde(rename = "ref")]
    pub ref_fragments: Vec<(u32, u64)>,
    #[serde(rename = "alt_detected")]
    pub alt_fragments: Vec<(u32, u64)>,
}

/// The sum of several sites' histograms, as `[length, fragments]` pairs.
fn histogram<'a>(sites: impl Iterator<Item = &'a LengthHistogram>) -> Vec<(u32, u64)> {
    let mut h = LengthHistogram::default();
    for site in sites {
        h.merge(site);
    }
    h.iter().collect()
}

impl FragmentLengths {
    pub fn new(counts: &[SiteCounts], calls: &[SiteCall]) -> Self {
        FragmentLengths {
            ref_fragments: histogram(counts.iter().map(|c| &c.ref_lengths)),
            alt_fragments: histogram(
                counts
                    .iter()
                    .zip(calls)
                    .filter(|(_, s)| s.status == SiteStatus::Detected)
                    .map(|(c, _)| &c.alt_lengths),
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TfSummary {
    pub estimate: f64,
    pub lo: f64,
    /// `null` when nothing bounds it: de novo with an estimate of 0 (the
    /// tumour may carry none of the sites; the sample LoD says what could
    /// have been seen).
    pub hi: Option<f64>,
    pub lrt_statistic: f64,
    pub lrt_p_value: f64,
    pub method: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub alpha: f64,
    pub min_alt: u64,
    pub min_depth: u64,
    pub strand_p: f64,
    pub factor: f64,
    pub vaf_interval: &'static str,
    /// `call --length-evidence`: the length models the tests weighed
    /// (absent when off, or when no fragment had a length).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length_evidence: Option<LengthSummary>,
    /// `call --size-select MIN-MAX`: the fragment lengths (bp) that counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_select: Option<[u32; 2]>,
}

impl Settings {
    /// What the outputs say about length evidence and size selection, in
    /// words (empty when neither was used).
    pub fn length_note(&self) -> String {
        let mut parts = Vec::new();
        if let Some([lo, hi]) = self.size_select {
            parts.push(format!("size-selected to {lo}-{hi} bp fragments"));
        }
        if let Some(l) = &self.length_evidence {
            let tumour = if l.tumour_refined_from > 0 {
                format!(
                    "refined by {} detected alt fragments",
                    l.tumour_refined_from
                )
            } else {
                "cfspot's simulator default".to_string()
            };
            parts.push(format!(
                "fragment lengths weighed as evidence (sample's median {} bp from {} ref fragments; tumour's median {} bp, {tumour})",
                l.sample_median, l.sample_fragments, l.tumour_median
            ));
        }
        parts.join("; ")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Qc {
    pub median_depth: f64,
    /// Most common length among the sites' ref and alt fragments.
    pub fragment_length_mode: Option<u32>,
    /// Duplicate-flagged share of the primary reads fetched around the
    /// sites (`None` when unknown, as for FASTQ or TSV input).
    pub duplicate_share: Option<f64>,
}

/// QC numbers from the counts.
pub fn qc(counts: &[SiteCounts], reads: Option<ReadTally>) -> Qc {
    let mut depths: Vec<u64> = counts.iter().map(|c| c.depth()).collect();
    depths.sort_unstable();
    let n = depths.len();
    let median_depth = match n {
        0 => 0.0,
        _ if n % 2 == 1 => depths[n / 2] as f64,
        _ => (depths[n / 2 - 1] + depths[n / 2]) as f64 / 2.0,
    };
    let hist = histogram(counts.iter().flat_map(|c| [&c.ref_lengths, &c.alt_lengths]));
    // Ties go to the shorter length (length order, first maximum).
    let fragment_length_mode = hist
        .into_iter()
        .fold(None, |best: Option<(u32, u64)>, (l, c)| match best {
            Some((_, bc)) if bc >= c => best,
            _ => Some((l, c)),
        })
        .map(|(l, _)| l);
    Qc {
        median_depth,
        fragment_length_mode,
        duplicate_share: reads
            .filter(|r| r.primary > 0)
            .map(|r| r.duplicates as f64 / r.primary as f64),
    }
}

/// Assemble the summary.
#[allow(clippy::too_many_arguments)]
pub fn summary(
    sample: &str,
    panel: &Panel,
    calls: &[SiteCall],
    sample_call: &SampleCall,
    opts: &CallOptions,
    count: CountSettings,
    qc: Qc,
    fragment_lengths: FragmentLengths,
    background: BackgroundSummary,
) -> Summary {
    let tf = &sample_call.tumour_fraction;
    Summary {
        sample: sample.to_string(),
        cfspot_version: env!("CARGO_PKG_VERSION"),
        note: "Not a clinical tool: for teaching and benchmarking only.",
        status: sample_call.status.as_str(),
        threshold: sample_call.threshold,
        mode: sample_call.mode,
        tumour_fraction: TfSummary {
            estimate: tf.estimate,
            lo: tf.lo,
            // De novo at TF 0 the mixture fits any TF with no site mutated:
            // nothing bounds it.
            hi: (sample_call.mode != "de_novo" || tf.estimate > 0.0).then_some(tf.hi),
            lrt_statistic: tf.lrt_statistic,
            lrt_p_value: tf.lrt_p_value,
            method: match sample_call.mode {
                "de_novo" => "maximum likelihood of a mixture over all sites (each carries the clonal mutation with probability pi, else shows background; pi profiled out, subclonal sites left out); 95% profile-likelihood interval (one-sided at TF = 0)",
                _ => "maximum likelihood; 95% profile-likelihood interval (one-sided at TF = 0)",
            },
        },
        sample_lod: sample_call.lod,
        sites_used: sample_call
            .sites_used
            .iter()
            .map(|&i| panel.hotspots[i].id.clone())
            .collect(),
        sites_fitted: sample_call.sites_fitted,
        sites_subclonal: sample_call
            .subclonal
            .iter()
            .map(|&i| panel.hotspots[i].id.clone())
            .collect(),
        mutated_share: sample_call.mutated_share,
        detected: calls
            .iter()
            .zip(&panel.hotspots)
            .filter(|(c, _)| c.status == SiteStatus::Detected)
            .map(|(_, h)| h.id.clone())
            .collect(),
        settings: Settings {
            alpha: opts.alpha,
            min_alt: opts.min_alt,
            min_depth: opts.min_depth,
            strand_p: opts.strand_p,
            factor: opts.factor,
            vaf_interval: "Clopper-Pearson 95%",
            length_evidence: None,
            size_select: opts.size_select.map(|(lo, hi)| [lo, hi]),
        },
        count,
        qc,
        fragment_lengths,
        background,
        normal: None,
    }
}
