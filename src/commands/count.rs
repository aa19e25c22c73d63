//! `cfspot count`: fragment-level allele counts at every hotspot.

use super::shared::{count_with_bar, read_inputs, PanelArgs, ReadFilterArgs};
use anyhow::{bail, Context, Result};
use cfspot::count::molecule::setup::GroupingChoice;
use cfspot::count::molecule::{ReadStructure, Strategy, UmiSource};
use cfspot::count::{flag, CountOptions, Unit};
use cfspot::output::Output;
use cfspot::report::count_tsv;
use clap::Args;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Outputs:
  A TSV with one row per hotspot, in panel order: id contig pos ref alt depth
  ref_count alt_count other_count vaf, then gene, label, strand counts,
  discordant, low_quality, overlaps_merged, fragment-length summaries and,
  for single-base sites, per-base counts A C G T N DEL; last, the unit and
  filters counted with: unit min_mapq min_baseq incl_flags excl_flags.
  Counts are fragments (mates that overlap a site count once) unless
  --count-reads is given. See the README for every column.

Examples:
  cfspot count sample.bam                      # embedded demo panel, to stdout
  cfspot count -o counts.tsv -@ 4 sample.bam
  cfspot count --panel my.vcf.gz --reference GRCh38.fa sample.cram
  cfspot count --count-reads -Q 13 sample.bam  # read-level, like samtools mpileup
  cfspot count --duplex --min-strand-size 2 grouped.bam  # duplex molecules (MI tags)
  cfspot count --molecules --umi-source rx --umi-edits 2 sample.bam  # group RX UMIs
  cfspot count --molecules R1.fq.gz R2.fq.gz    # molecules, UMIs in the read names
  cfspot count --duplex --read-structure 8M2S+T 8M2S+T R1.fq.gz R2.fq.gz  # inline UMIs
  samtools view -u -F 0x400 sample.bam | cfspot count -   # a stream, no index
  samtools fastq sample.unaligned.bam | cfspot count -    # interleaved FASTQ";

/// Count alleles at each hotspot, in fragments.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct CountArgs {
    /// Coordinate-sorted BAM or CRAM (indexed; an index is built if missing),
    /// or FASTQ: R1 and R2, interleaved, or single-end (gzip or plain).
    /// `-` reads standard input: a coordinate-sorted BAM, uncompressed BAM,
    /// SAM or CRAM stream (counted in one pass, no index needed), or FASTQ,
    /// interleaved (as `samtools fastq` writes it) or single-end.
    #[arg(value_name = "INPUT", num_args = 1..=2, required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub panel: PanelArgs,
    /// Output TSV (`-`: stdout). Written whole or not at all; missing
    /// folders are created; never one of the inputs.
    #[arg(short = 'o', long, default_value = "-", value_name = "FILE")]
    pub output: PathBuf,
    /// Worker threads (output is identical for any value).
    #[arg(short = '@', long, default_value_t = 1, value_name = "N")]
    pub threads: usize,
    #[command(flatten)]
    pub filters: ReadFilterArgs,
    #[command(flatten)]
    pub molecules: MoleculeArgs,
}

/// Counting in molecules (UMI families): from a BAM whose reads carry their
/// family in the `MI` tag or their UMI (`RX`, read name), or from FASTQ
/// with UMIs.
#[derive(clap::Args, Debug, Clone)]
pub struct MoleculeArgs {
    /// Count molecules: the fragments of one family (as the MI tag assigns
    /// them, or grouped by cfspot from UMIs and fragment ends: see
    /// --umi-source; both strands of a duplex together) give one consensus. Reads flagged as
    /// duplicates count (they are the family's copies) unless --excl-flags
    /// says otherwise.
    #[arg(long, conflicts_with_all = ["count_reads", "duplex"])]
    pub molecules: bool,
    /// Count duplex molecules: those read on both strands (MI `ID/A` and
    /// `ID/B`, or swapped two-part UMIs), each strand's consensus showing
    /// the same allele.
    #[arg(long, conflicts_with = "count_reads")]
    pub duplex: bool,
    /// Fewest fragments a molecule needs at a site to count (fgumi's ctDNA
    /// preset: 3).
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub min_family_size: u32,
    /// With --duplex: fewest fragments each strand needs (fgumi's ctDNA
    /// preset: 2).
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub min_strand_size: u32,
    /// FASTQ with UMIs in the reads: one fgbio read structure per read of
    /// a fragment (`8M2S+T 8M2S+T`: 8 UMI bases, 2 skipped, the rest
    /// template), the UMI cut off before placing. Without it, FASTQ UMIs
    /// are read from the headers (an `RX:Z:` field, or the name's end after
    /// ':' or '_') when every read has one, else molecules are grouped by
    /// position only; the note says which.
    #[arg(long, value_name = "RS", num_args = 1..=2, value_parser = parse_read_structure)]
    pub read_structure: Vec<ReadStructure>,
    /// BAM/CRAM: where the reads keep their molecule. `auto` takes, from
    /// the first 1,000 reads, the first that every one has of: `mi`
    /// (families already grouped by fgbio/fgumi, used as they are), `rx`
    /// (UMI bases in the RX tag, `AAAA-CCCC` for duplex), `name` (the UMI
    /// after the read name's last ':' or '_'); `none` groups fragments by
    /// their ends only (two molecules with the same ends count once). What
    /// was used is said on stderr.
    #[arg(long, default_value = "auto", value_name = "SOURCE", value_parser = parse_umi_source)]
    pub umi_source: UmiChoice,
    /// How UMIs are grouped into families: `directional` (umi_tools'
    /// count-weighted rule, fgbio's adjacency; default for one UMI a
    /// fragment), `paired` (fgbio's duplex strategy: a molecule's two
    /// strands, with swapped UMIs, together; default for two-part UMIs),
    /// `identity` (identical UMIs only).
    #[arg(long, value_name = "STRATEGY")]
    pub umi_strategy: Option<Strategy>,
    /// UMI mismatches tolerated within a family (directional and paired)
    /// [default: 1].
    #[arg(long, value_name = "N")]
    pub umi_edits: Option<u32>,
}

/// `--umi-source`: `None` for `auto` (found on the reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UmiChoice(pub Option<UmiSource>);

fn parse_umi_source(s: &str) -> std::result::Result<UmiChoice, String> {
    match s {
        "auto" => Ok(UmiChoice(None)),
        s => s
            .parse()
            .map(|u| UmiChoice(Some(u)))
            .map_err(|e: String| e.replace("one of mi", "auto, or one of mi")),
    }
}

/// A read structure; a file given where one was expected (clap takes up
/// to two values, so one structure before the inputs takes the first
/// input too) is named as such.
fn parse_read_structure(s: &str) -> std::result::Result<ReadStructure, String> {
    ReadStructure::parse(s).map_err(|e| {
        if std::path::Path::new(s).exists() {
            format!("{s} is a file, not a read structure: with one structure, put the inputs before --read-structure")
        } else {
            e.to_string()
        }
    })
}

impl MoleculeArgs {
    /// The unit these flags ask for, if any.
    fn unit(&self) -> Option<Unit> {
        match (self.molecules, self.duplex) {
            (true, _) => Some(Unit::Molecule),
            (false, true) => Some(Unit::Duplex),
            (false, false) => None,
        }
    }

    /// Set the unit and the consensus options (the sizes only mean
    /// something in molecules). A family's copies are what duplicate
    /// marking flags, so the default filters keep them in molecules
    /// (`explicit_exclude`: the user's --excl-flags stand).
    pub fn apply(&self, opts: &mut CountOptions, explicit_exclude: bool) -> Result<()> {
        let Some(unit) = self.unit() else {
            if self.min_family_size != 1 || self.min_strand_size != 1 {
                bail!("--min-family-size and --min-strand-size need --molecules or --duplex");
            }
            if !self.read_structure.is_empty() {
                bail!("--read-structure needs --molecules or --duplex: without them UMIs are not used");
            }
            if self.umi_source.0.is_some()
                || self.umi_strategy.is_some()
                || self.umi_edits.is_some()
            {
                bail!("--umi-source, --umi-strategy and --umi-edits need --molecules or --duplex: without them UMIs are not used");
            }
            return Ok(());
        };
        opts.umi_source = self.umi_source.0;
        opts.umi_grouping = GroupingChoice {
            strategy: self.umi_strategy,
            edits: self.umi_edits,
        };
        opts.read_structures = self.read_structure.clone();
        opts.unit = unit;
        if !explicit_exclude {
            opts.exclude_flags &= !flag::DUPLICATE;
        }
        opts.consensus.min_family_size = self.min_family_size;
        opts.consensus.min_strand_size = self.min_strand_size;
        Ok(())
    }
}

impl CountArgs {
    pub fn run(&self) -> Result<()> {
        if self.threads == 0 {
            bail!("--threads must be at least 1");
        }
        read_inputs(&self.inputs, &self.panel)?
            .refuse_overwrite(std::slice::from_ref(&self.output))?;
        let (panel, reference) = self.panel.load()?;
        if reference.is_none()
            && panel
                .hotspots
                .iter()
                .any(|h| h.ref_allele.len() != h.alt_allele.len())
        {
            eprintln!(
                "cfspot: note: no --reference, so indels are matched only as the panel writes them \
                 (an aligner's equivalent placement in a repeat is not recognised)"
            );
        }
        let mut opts = self.filters.options();
        self.molecules
            .apply(&mut opts, self.filters.excl_flags.is_some())?;
        let counted = count_with_bar(
            &self.inputs,
            &panel,
            reference.as_deref(),
            &opts,
            self.threads,
        )?;
        let out_path = (self.output.as_os_str() != "-").then_some(self.output.as_path());
        let mut out = Output::create(out_path)
            .with_context(|| format!("cannot write {}", self.output.display()))?;
        count_tsv::write(&mut out, &panel.hotspots, &counted.sites, &counted.settings)
            .with_context(|| format!("cannot write {}", self.output.display()))?;
        out.finish()
            .with_context(|| format!("cannot write {}", self.output.display()))?;
        Ok(())
    }
}
