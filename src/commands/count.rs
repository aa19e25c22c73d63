//! `cfspot count`: fragment-level allele counts at every hotspot.

use super::shared::{thread_pool, PanelArgs};
use anyhow::{bail, Context, Result};
use cfspot::count::{count_inputs, flag, prepare_sites, CountOptions, DEFAULT_EXCLUDE_FLAGS};
use cfspot::output::Output;
use cfspot::report::count_tsv;
use clap::Args;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Outputs:
  A TSV with one row per hotspot, in panel order: id contig pos ref alt depth
  ref_count alt_count other_count vaf, then gene, label, strand counts,
  discordant, low_quality, overlaps_merged, fragment-length summaries and,
  for single-base sites, per-base counts A C G T N DEL. Counts are fragments
  (mates that overlap a site count once) unless --count-reads is given.
  See the README for every column.

Examples:
  cfspot count sample.bam                      # embedded demo panel, to stdout
  cfspot count -o counts.tsv -@ 4 sample.bam
  cfspot count --panel my.vcf.gz --reference GRCh38.fa sample.cram
  cfspot count --count-reads -Q 13 sample.bam  # read-level, like samtools mpileup";

/// Count alleles at each hotspot, in fragments.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct CountArgs {
    /// Coordinate-sorted BAM or CRAM (indexed; an index is built if missing),
    /// or FASTQ: R1 and R2, interleaved, or single-end (gzip or plain).
    #[arg(value_name = "INPUT", num_args = 1..=2, required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub panel: PanelArgs,
    /// Output TSV (`-`: stdout). Written whole or not at all.
    #[arg(short = 'o', long, default_value = "-", value_name = "FILE")]
    pub output: PathBuf,
    /// Worker threads (output is identical for any value).
    #[arg(short = '@', long, default_value_t = 1, value_name = "N")]
    pub threads: usize,
    /// Minimum mapping quality of a read.
    #[arg(short = 'q', long, default_value_t = 20, value_name = "INT")]
    pub min_mapq: u8,
    /// Minimum base quality at every base of the allele (else `low_quality`).
    #[arg(short = 'Q', long, default_value_t = 20, value_name = "INT")]
    pub min_baseq: u8,
    /// Only reads with all of these flag bits (samtools-style: number, 0x hex, or names like PROPER_PAIR).
    #[arg(short = 'f', long, default_value = "0", value_name = "FLAGS", value_parser = parse_flags)]
    pub incl_flags: u16,
    /// Skip reads with any of these flag bits [default: UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY = 0xf04].
    #[arg(short = 'F', long, value_name = "FLAGS", value_parser = parse_flags)]
    pub excl_flags: Option<u16>,
    /// Count duplicate-flagged reads.
    #[arg(long)]
    pub keep_duplicates: bool,
    /// Count supplementary alignments.
    #[arg(long)]
    pub keep_supplementary: bool,
    /// Count secondary alignments.
    #[arg(long)]
    pub keep_secondary: bool,
    /// Count QC-failed reads.
    #[arg(long)]
    pub keep_qcfail: bool,
    /// Count reads, not fragments: overlapping mates count twice (as read-level counters do).
    #[arg(long)]
    pub count_reads: bool,
}

/// Parse a samtools-style flag set: decimal, `0x` hex, `0` octal, or
/// comma-separated names.
pub fn parse_flags(s: &str) -> Result<u16, String> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u16::from_str_radix(hex, 16).map_err(|e| format!("bad hex flags {s:?}: {e}"));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
        if s.len() > 1 && s.starts_with('0') {
            return u16::from_str_radix(s, 8).map_err(|e| format!("bad octal flags {s:?}: {e}"));
        }
        return s.parse().map_err(|e| format!("bad flags {s:?}: {e}"));
    }
    let mut bits = 0u16;
    for name in s.split(',') {
        bits |= match name.trim().to_ascii_uppercase().as_str() {
            "PAIRED" => flag::PAIRED,
            "PROPER_PAIR" => flag::PROPER_PAIR,
            "UNMAP" => flag::UNMAPPED,
            "MUNMAP" => flag::MATE_UNMAPPED,
            "REVERSE" => flag::REVERSE,
            "MREVERSE" => flag::MATE_REVERSE,
            "READ1" => flag::READ1,
            "READ2" => flag::READ2,
            "SECONDARY" => flag::SECONDARY,
            "QCFAIL" => flag::QC_FAIL,
            "DUP" => flag::DUPLICATE,
            "SUPPLEMENTARY" => flag::SUPPLEMENTARY,
            other => return Err(format!("unknown flag name {other:?} (use PAIRED, PROPER_PAIR, UNMAP, MUNMAP, REVERSE, MREVERSE, READ1, READ2, SECONDARY, QCFAIL, DUP, SUPPLEMENTARY, or a number)")),
        };
    }
    Ok(bits)
}

impl CountArgs {
    pub fn options(&self) -> CountOptions {
        let mut exclude = self.excl_flags.unwrap_or(DEFAULT_EXCLUDE_FLAGS);
        for (keep, bit) in [
            (self.keep_duplicates, flag::DUPLICATE),
            (self.keep_supplementary, flag::SUPPLEMENTARY),
            (self.keep_secondary, flag::SECONDARY),
            (self.keep_qcfail, flag::QC_FAIL),
        ] {
            if keep {
                exclude &= !bit;
            }
        }
        CountOptions {
            min_mapq: self.min_mapq,
            min_baseq: self.min_baseq,
            exclude_flags: exclude,
            include_flags: self.incl_flags,
            fragments: !self.count_reads,
            ..CountOptions::default()
        }
    }

    pub fn run(&self) -> Result<()> {
        if self.threads == 0 {
            bail!("--threads must be at least 1");
        }
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
        let models = prepare_sites(&panel, reference.as_deref());
        let opts = self.options();
        let counted = thread_pool(self.threads)?
            .install(|| count_inputs(&self.inputs, &panel, &models, reference.as_deref(), &opts))?;
        for note in &counted.notes {
            eprintln!("cfspot: note: {note}");
        }
        let counts = counted.sites;
        let out_path = (self.output.as_os_str() != "-").then_some(self.output.as_path());
        let mut out = Output::create(out_path)
            .with_context(|| format!("cannot write {}", self.output.display()))?;
        count_tsv::write(&mut out, &panel.hotspots, &counts)
            .with_context(|| format!("cannot write {}", self.output.display()))?;
        out.finish()
            .with_context(|| format!("cannot write {}", self.output.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_syntax() {
        assert_eq!(parse_flags("0xF04"), Ok(0xf04));
        assert_eq!(parse_flags("3844"), Ok(3844));
        assert_eq!(parse_flags("07404"), Ok(0o7404));
        assert_eq!(parse_flags("UNMAP,DUP"), Ok(0x404));
        assert!(parse_flags("NOPE").is_err());
    }
}
