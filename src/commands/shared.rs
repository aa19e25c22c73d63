//! Options and steps that several subcommands share.

use anyhow::{Context, Result};
use cfspot::count::{flag, CountOptions, DEFAULT_EXCLUDE_FLAGS};
use cfspot::panel::Panel;
use cfspot::reference::{self, Reference};

/// `--panel` / `--reference`, as every command that reads a panel takes them.
#[derive(clap::Args, Debug, Clone)]
pub struct PanelArgs {
    /// Hotspot panel: VCF (plain or bgzipped), TSV (`contig pos ref alt
    /// [id gene label]` with header) or BED; `demo` is the embedded GRCh38
    /// demo panel (31 hotspots).
    #[arg(short = 'p', long, default_value = "demo", value_name = "FILE|demo")]
    pub panel: String,
    /// Reference FASTA: indexed (a `.fai` is built if missing) or regional
    /// windows named `chrom:start-end`; `demo` is the embedded demo windows.
    /// Default: `demo` with the demo panel, none otherwise.
    #[arg(short = 'r', long, value_name = "FASTA|demo")]
    pub reference: Option<String>,
}

impl PanelArgs {
    /// Load the panel and the reference, and check the one against the other.
    pub fn load(&self) -> Result<(Panel, Option<Box<dyn Reference>>)> {
        let mut panel = Panel::load(&self.panel)?;
        let spec = self
            .reference
            .clone()
            .or_else(|| (self.panel == "demo").then(|| "demo".to_string()));
        let reference = match spec {
            Some(s) => {
                Some(reference::open(&s).with_context(|| format!("cannot use reference {s}"))?)
            }
            None => None,
        };
        panel.resolve(reference.as_deref())?;
        Ok((panel, reference))
    }
}

/// Worker threads for rayon; the output never depends on it.
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .context("cannot start worker threads")
}

/// Which reads count: the samtools-style filters `count` and `call` share.
#[derive(clap::Args, Debug, Clone)]
pub struct ReadFilterArgs {
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

impl ReadFilterArgs {
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

/// A spinner with the elapsed time on stderr while a long step runs, only
/// when stderr is a terminal (never in pipes, logs or CI). Cleared on drop.
pub struct Activity(Option<indicatif::ProgressBar>);

impl Activity {
    pub fn start(what: &str) -> Self {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return Activity(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(what.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Activity(Some(bar))
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
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
