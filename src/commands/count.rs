//! `cfspot count`: fragment-level allele counts at every hotspot.

use super::shared::{count_with_bar, read_inputs, MoleculeArgs, PanelArgs, ReadFilterArgs};
use anyhow::{bail, Context, Result};
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
