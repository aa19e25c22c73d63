//! Allele counting at hotspots, by the [`Unit`] the options name (a
//! fragment by default, or a read).
//!
//! A [`CountPlan`] (built once from panel, reference and options) holds
//! the sites' [`SiteModel`]s and the groups of nearby sites read together;
//! [`count_inputs`] hands it to the engine the input calls for (an indexed
//! BAM/CRAM, [`bam::count_bam`]; a stream, [`stream::count_stdin`];
//! FASTQ, [`fastq::count_fastq`]), which fills one [`SiteCounts`] per
//! hotspot, in panel order.

pub mod allele;
pub mod background;
pub mod bam;
pub mod fastq;
pub mod fragment;
pub mod input;
pub mod molecule;
mod plan;
pub mod reclip;
pub mod refcheck;
mod regions;
pub mod settings;
pub mod site;
pub mod stream;
pub mod unit;

use crate::panel::PanelError;
use crate::progress::Progress;
use crate::reference::ReferenceError;
pub use allele::{AlignedRead, Allele, OwnedRead, SiteModel};
pub(crate) use plan::prepare_sites;
pub use plan::{CountPlan, SiteGroup};
pub use settings::CountSettings;
pub use site::SiteCounts;
use std::path::PathBuf;
pub use unit::Unit;

/// SAM flag bits (SAM spec §1.4).
pub mod flag {
    pub const PAIRED: u16 = 0x1;
    pub const PROPER_PAIR: u16 = 0x2;
    pub const UNMAPPED: u16 = 0x4;
    pub const MATE_UNMAPPED: u16 = 0x8;
    pub const REVERSE: u16 = 0x10;
    pub const MATE_REVERSE: u16 = 0x20;
    pub const READ1: u16 = 0x40;
    pub const READ2: u16 = 0x80;
    pub const SECONDARY: u16 = 0x100;
    pub const QC_FAIL: u16 = 0x200;
    pub const DUPLICATE: u16 = 0x400;
    pub const SUPPLEMENTARY: u16 = 0x800;
}

/// Reads excluded by default: unmapped, secondary, QC-fail, duplicate,
/// supplementary (`-F 0xF04`).
pub const DEFAULT_EXCLUDE_FLAGS: u16 =
    flag::UNMAPPED | flag::SECONDARY | flag::QC_FAIL | flag::DUPLICATE | flag::SUPPLEMENTARY;

/// Which reads count, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountOptions {
    /// Minimum mapping quality of a read.
    pub min_mapq: u8,
    /// Minimum base quality at every base the allele is read from.
    pub min_baseq: u8,
    /// A read with any of these flag bits is skipped. Unmapped reads are
    /// always skipped: they have no alignment to read an allele from.
    pub exclude_flags: u16,
    /// A read must have all of these flag bits.
    pub include_flags: u16,
    /// What one count stands for: a fragment (its mates merged, the
    /// default) or a read.
    pub unit: Unit,
    /// Sites closer than this (bp) are fetched together.
    pub group_gap: u64,
    /// Also tally the background (non-hotspot positions around the sites),
    /// as calling needs. Needs a reference.
    pub background: bool,
    /// How a family's fragments make one molecule (molecule and duplex
    /// units).
    pub consensus: molecule::consensus::ConsensusOptions,
    /// FASTQ in molecules: where each read's UMI bases are (fgbio read
    /// structures, one per read of a fragment); empty: UMIs in the headers,
    /// or none.
    pub read_structures: Vec<molecule::ReadStructure>,
    /// Where BAM/CRAM records keep their UMIs (`--umi-source`); `None`:
    /// found on the first records.
    pub umi_source: Option<molecule::UmiSource>,
    /// How UMIs are grouped (`--umi-strategy`, `--umi-edits`).
    pub umi_grouping: molecule::setup::GroupingChoice,
}

impl Default for CountOptions {
    fn default() -> Self {
        CountOptions {
            min_mapq: 20,
            min_baseq: 20,
            exclude_flags: DEFAULT_EXCLUDE_FLAGS,
            include_flags: 0,
            unit: Unit::Fragment,
            group_gap: 1000,
            background: false,
            consensus: Default::default(),
            read_structures: Vec::new(),
            umi_source: None,
            umi_grouping: Default::default(),
        }
    }
}

impl CountOptions {
    /// Does a read with these flags and mapping quality count?
    pub fn keeps(&self, flags: u16, mapq: u8) -> bool {
        flags & (self.exclude_flags | flag::UNMAPPED) == 0
            && flags & self.include_flags == self.include_flags
            && mapq >= self.min_mapq
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CountError {
    #[error(transparent)]
    Panel(#[from] PanelError),
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error(transparent)]
    Fastq(#[from] fastq::FastqError),
    #[error(transparent)]
    Stream(#[from] stream::StreamError),
    #[error("counting in molecules: {0}")]
    Molecules(#[from] molecule::setup::SetupError),
    #[error("counting in molecules: {0}")]
    Umi(#[from] Box<molecule::umi::UmiSourceError>),
    #[error("counting in molecules: {path}: grouping the fragments at {site}: {detail}", path = path.display())]
    Grouping {
        path: PathBuf,
        site: String,
        detail: String,
    },
    #[error(
        "the background error model needs the reference around the hotspots: give --reference"
    )]
    BackgroundNeedsReference,
    #[error("no input given")]
    NoInput,
    #[error("{path}: the background in molecules (call --molecules or --duplex) is measured from BAM/CRAM only; align the FASTQ, or give --background-rate", path = path.display())]
    MoleculeBackgroundFromFastq { path: PathBuf },
    #[error("two inputs are read as FASTQ R1 and R2, but {path} is BAM or CRAM, not FASTQ (give one BAM or CRAM alone, or two FASTQ files)", path = path.display())]
    NotFastq { path: PathBuf },
    #[error("cannot open {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    #[error("{path} is a SAM text file; cfspot reads BAM or CRAM through an index (convert with `samtools sort -o OUT.bam {path}` and `samtools index OUT.bam`)", path = path.display())]
    SamText { path: PathBuf },
    #[error("{path} is truncated: its {what} is missing (was it still being written, or cut short in a copy?)", path = path.display())]
    Truncated { path: PathBuf, what: &'static str },
    #[error("{path} is empty: {what}; there are no reads to count", path = path.display())]
    Empty { path: PathBuf, what: &'static str },
    #[error("{path} is corrupt: {detail} (`samtools quickcheck -v {path}` checks a file; make it again from its source)", path = path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("cannot read the header of {path}: it is corrupt or not a BAM/CRAM header (`samtools view -H {path}` shows what htslib sees)", path = path.display())]
    BadHeader { path: PathBuf },
    #[error("{}", index_mismatch_message(path, index.as_deref(), detail))]
    IndexMismatch {
        path: PathBuf,
        index: Option<PathBuf>,
        detail: String,
    },
    #[error("{path} is not coordinate-sorted ({detail}); sort and index it: `samtools sort -o sorted.bam {path} && samtools index sorted.bam`", path = path.display())]
    Unsorted { path: PathBuf, detail: String },
    #[error("{path} has no index and cfspot could not build one: {detail}", path = path.display())]
    NoIndex { path: PathBuf, detail: String },
    #[error("{path} is CRAM: decoding it needs the reference it was written against; give it with --reference FASTA (an indexed FASTA with whole contigs, not regional windows)", path = path.display())]
    CramNeedsReference { path: PathBuf },
    #[error("{origin}: the site {contig}:{pos} ends beyond {contig}, which is {len} bp long in the header of {path}; is the panel for another assembly?", path = path.display())]
    BeyondContig {
        origin: String,
        contig: String,
        pos: u64,
        len: u64,
        path: PathBuf,
    },
    #[error("{contig} is {ref_len} bp long in the reference {reference} but {bam_len} bp in the header of {path}: the reads were aligned to another assembly; give the reference they were aligned to", path = path.display())]
    ReferenceLengthMismatch {
        contig: String,
        reference: String,
        ref_len: u64,
        path: PathBuf,
        bam_len: u64,
    },
    /// Without a reference, the reads' MD tags contradict the panel's REF
    /// at some sites (see [`refcheck`]). Every such site is listed.
    #[error(
        "panel {panel} does not match the reads of {path}: {} site(s) have a REF that the reads' MD tags contradict (is the panel for another assembly?):\n{}\nWithout --reference REF is checked against the MD tags; give --reference FASTA (the genome the reads were aligned to) to check it against that instead",
        problems.len(),
        crate::reference::list_problems(problems),
        path = path.display()
    )]
    RefContradictsMd {
        panel: String,
        path: PathBuf,
        problems: Vec<String>,
    },
    #[error("{}", contig_message(path, missing, hint))]
    ContigsMissing {
        path: PathBuf,
        missing: Vec<String>,
        hint: Option<String>,
    },
    #[error("cannot read {path} in {region}: {detail} (the file may be corrupt, or its index made for another file: `samtools quickcheck -v` checks the one, `samtools index` rebuilds the other)", path = path.display())]
    Read {
        path: PathBuf,
        region: String,
        detail: String,
    },
}

fn index_mismatch_message(
    path: &std::path::Path,
    index: Option<&std::path::Path>,
    detail: &str,
) -> String {
    let index = index.map_or("the index".to_string(), |i| {
        format!("the index {}", i.display())
    });
    format!(
        "{index} does not belong to {path} ({detail}): rebuild it with `samtools index {path}`",
        path = path.display()
    )
}

fn contig_message(path: &std::path::Path, missing: &[String], hint: &Option<String>) -> String {
    let mut m = format!(
        "the panel's contig(s) {} are not in the header of {}",
        missing.join(", "),
        path.display()
    );
    if let Some(h) = hint {
        m.push_str("; ");
        m.push_str(h);
    }
    m
}

/// Primary alignments fetched around the sites, and how many of them are
/// flagged duplicates (for the duplicate share in QC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadTally {
    pub primary: u64,
    pub duplicates: u64,
    /// Reads that passed the filters but hold no bases to read an allele
    /// from (SEQ `*`, or a CIGAR that does not fit SEQ): skipped.
    pub no_sequence: u64,
    /// Counting in molecules by paired (duplex) grouping: reads left out
    /// because their fragment has one end (a mate unmapped, or none).
    pub one_end_reads: u64,
}

/// What an engine counted.
#[derive(Debug, Clone)]
pub struct Counted {
    /// One entry per hotspot, in panel order.
    pub sites: Vec<SiteCounts>,
    /// Background tallies, one window per group of sites (empty unless
    /// `CountOptions::background`).
    pub background: Vec<background::BackgroundWindow>,
    /// Reads seen (BAM/CRAM only; zero for FASTQ).
    pub reads: ReadTally,
    /// Things the user should know (an index built, …), for stderr.
    pub notes: Vec<String>,
    /// The unit and the filters the counts were made with, for the outputs
    /// to say.
    pub settings: CountSettings,
    /// In molecules: the UMI source, the grouping, family sizes and duplex
    /// yield over the hotspots.
    pub molecules: Option<molecule::setup::MoleculeSummary>,
    /// In molecules with the background (BAM/CRAM): the background in
    /// fragments, simplex and duplex molecules; `background` is the unit's.
    pub background_layers: Option<molecule::background::BackgroundLayers>,
}

/// Count `inputs` by `plan` with the engine their content calls for: one
/// BAM/CRAM (or `-`, a stream), or one or two FASTQ files (which need the
/// plan's reference to place reads on). `progress` hears how far the
/// engine is (FASTQ: bytes of the input files read; BAM/CRAM: site groups
/// counted).
pub fn count_inputs(
    inputs: &[PathBuf],
    plan: &CountPlan,
    progress: &Progress,
) -> Result<Counted, CountError> {
    let mut notes = Vec::new();
    let first = inputs.first().ok_or(CountError::NoInput)?;
    let mut settings = CountSettings::aligned(plan.opts());
    let mut source = None;
    let mut layers = None;
    let (sites, background, reads) = if fastq::looks_like_fastq(first) {
        // The FASTQ engine groups families over the whole input, so its
        // background windows would have to keep every fragment's bases
        // until the end: not done (yet); a background in fragments would
        // judge molecule counts by the wrong unit.
        if plan.opts().unit.molecules() && plan.opts().background {
            return Err(CountError::MoleculeBackgroundFromFastq {
                path: crate::stdin::shown(first),
            });
        }
        settings = CountSettings::placed(plan.opts());
        // Every input must be FASTQ: a BAM read as FASTQ would fail on
        // its binary bytes, quoted back at the user. (Standard input is
        // read once, by the engine, which says what is wrong with it.)
        for other in inputs[1..].iter().filter(|p| !crate::stdin::is_stdin(p)) {
            if let Err(e) =
                fastq::reader::FastqReader::open(other).and_then(|mut r| r.next_batch(1))
            {
                return Err(if input::sniff(other).is_ok() {
                    CountError::NotFastq {
                        path: other.clone(),
                    }
                } else {
                    CountError::Fastq(e)
                });
            }
        }
        let counted = fastq::count_fastq(inputs, plan, progress)?;
        notes.extend(counted.notes);
        source = counted.molecules;
        (counted.sites, counted.background, ReadTally::default())
    } else {
        let [path] = inputs else {
            // What the first file is not, if it is neither BAM nor CRAM.
            if !crate::stdin::is_stdin(first) {
                input::sniff(first)?;
            }
            return Err(CountError::NotFastq {
                path: crate::stdin::shown(first),
            });
        };
        let counted = if crate::stdin::is_stdin(path) {
            // No index to read through: one pass over the stream.
            stream::count_stdin(plan, progress)?
        } else {
            let input = bam::AlignmentInput::open(path, plan.reference())?;
            notes.extend(input.notes.iter().cloned());
            if input.index_built {
                notes.push(format!(
                    "{} had no index; built one beside it",
                    path.display()
                ));
            }
            bam::count_bam(&input, plan, progress)?
        };
        if plan.reference().is_none() {
            notes.extend(check_ref_by_md(plan.panel(), &counted.ref_checks, path)?);
        }
        if let Some(m) = &counted.molecules {
            notes.push(m.describe());
            source = Some(m.source());
        }
        if counted.reads.one_end_reads > 0 {
            notes.push(format!(
                "{} read(s) without a mapped mate were left out of the molecules: paired (duplex) grouping needs both ends of a fragment",
                counted.reads.one_end_reads
            ));
        }
        if counted.reads.no_sequence > 0 {
            notes.push(format!(
                "{} read(s) of {} passed the filters but have no sequence (SEQ `*`, or a CIGAR that does not fit SEQ); they show no allele and were skipped",
                counted.reads.no_sequence,
                crate::stdin::shown(path).display()
            ));
        }
        layers = counted.layers;
        (counted.sites, counted.background, counted.reads)
    };
    let molecules = source.map(|s| molecule::setup::MoleculeSummary::new(s, &sites));
    if let Some(m) = &molecules {
        notes.push(m.line());
    }
    Ok(Counted {
        sites,
        background,
        reads,
        notes,
        settings,
        molecules,
        background_layers: layers,
    })
}

/// Without a reference, the panel's REF against what the reads' MD tags
/// said (`checks`, in panel order): an error listing every site they
/// contradict, else a note when some sites could not be checked, so a
/// wrong REF is never counted quietly.
fn check_ref_by_md(
    panel: &crate::panel::Panel,
    checks: &[refcheck::RefCheck],
    path: &std::path::Path,
) -> Result<Option<String>, CountError> {
    let problems: Vec<String> = panel
        .hotspots
        .iter()
        .zip(checks)
        .filter_map(|(h, c)| c.problem(h))
        .collect();
    if !problems.is_empty() {
        return Err(CountError::RefContradictsMd {
            panel: panel.source.clone(),
            path: crate::stdin::shown(path),
            problems,
        });
    }
    let unchecked = checks.iter().filter(|c| !c.checked()).count();
    Ok(match unchecked {
        0 => None,
        n if n == checks.len() => Some(
            "no --reference, and no read with an MD tag spans a site: the panel's REF alleles were not checked"
                .to_string(),
        ),
        n => Some(format!(
            "no --reference: the REF of {n} of {} sites was not checked (no read with an MD tag spans them); the others agree with the reads' MD tags",
            checks.len()
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let o = CountOptions::default();
        assert!(o.keeps(flag::PAIRED | flag::PROPER_PAIR | flag::READ1, 60));
        assert!(!o.keeps(flag::PAIRED | flag::READ1, 19));
        for f in [
            flag::UNMAPPED,
            flag::SECONDARY,
            flag::QC_FAIL,
            flag::DUPLICATE,
            flag::SUPPLEMENTARY,
        ] {
            assert!(!o.keeps(f, 60), "flag {f:#x}");
        }
        let keep_dups = CountOptions {
            exclude_flags: DEFAULT_EXCLUDE_FLAGS & !flag::DUPLICATE,
            ..o.clone()
        };
        assert!(keep_dups.keeps(flag::DUPLICATE, 60));
        // Unmapped reads never count, whatever -F says.
        let none = CountOptions {
            exclude_flags: 0,
            ..o.clone()
        };
        assert!(!none.keeps(flag::UNMAPPED, 60));
        let incl = CountOptions {
            include_flags: flag::PROPER_PAIR,
            ..o
        };
        assert!(!incl.keeps(flag::PAIRED, 60));
        assert!(incl.keeps(flag::PAIRED | flag::PROPER_PAIR, 60));
    }
}
