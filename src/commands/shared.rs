//! Options and steps that several subcommands share.

use anyhow::{bail, Context, Result};
use cfspot::count::molecule::setup::GroupingChoice;
use cfspot::count::molecule::{ReadStructure, Strategy, UmiSource};
use cfspot::count::{flag, CountOptions, Counted, Unit, DEFAULT_EXCLUDE_FLAGS};
use cfspot::output::{refuse_same_inputs, Inputs};
use cfspot::panel::Panel;
use cfspot::progress::{Measure, Progress};
use cfspot::reference::{self, Reference};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::Duration;

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
    /// The panel and reference files (none for `demo`).
    pub fn add_inputs(&self, inputs: &mut Inputs) {
        inputs.panel(&self.panel);
        if let Some(r) = &self.reference {
            inputs.reference(r);
        }
    }

    /// Load the panel and the reference, and check the one against the other.
    pub fn load(&self) -> Result<(Panel, Option<Box<dyn Reference>>)> {
        let panel = cfspot::panel::RawPanel::load(&self.panel)?;
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
        let panel = panel.resolve(reference.as_deref())?;
        Ok((panel, reference))
    }
}

/// The files `count` and `call` read (the reads, their indexes, the panel
/// and the reference), for [`Inputs::refuse_overwrite`]; two reads inputs
/// that are one file (R1 given again as R2) are refused here.
pub fn read_inputs(reads: &[PathBuf], panel: &PanelArgs) -> Result<Inputs> {
    refuse_same_inputs(reads)?;
    let mut inputs = Inputs::new();
    for r in reads {
        inputs.reads(r);
    }
    panel.add_inputs(&mut inputs);
    Ok(inputs)
}

/// A reads or counts file's name without its extensions (`s1.bam` →
/// `s1`, `n1_R1.fq.gz` → `n1_R1`): the prefix `call` writes to.
pub fn input_stem(path: &std::path::Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.trim_end_matches(".gz")
        .trim_end_matches(".bam")
        .trim_end_matches(".cram")
        .trim_end_matches(".tsv")
        .trim_end_matches(".fastq")
        .trim_end_matches(".fq")
        .to_string()
}

/// One sample's name from its files: [`input_stem`] of a single file; of a
/// FASTQ pair, the two stems' common start without the mate tag left at
/// its end (`n1_R1.fq.gz`, `n1_R2.fq.gz` → `n1`; `s_S1_L001_R1_001`,
/// `s_S1_L001_R2_001` → `s_S1_L001`; `a_1`, `a_2` → `a`), or R1's stem
/// when they share nothing.
pub fn sample_stem(paths: &[PathBuf]) -> String {
    let stems: Vec<String> = paths.iter().map(|p| input_stem(p)).collect();
    let [r1, r2] = stems.as_slice() else {
        return stems.into_iter().next().unwrap_or_default();
    };
    let common: String = r1
        .chars()
        .zip(r2.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a)
        .collect();
    let sep = |c: char| matches!(c, '_' | '.' | '-');
    let mut stem = common.trim_end_matches(sep);
    // The mate tag's letter (`_R1`/`_R2` share `_R`), when a separator
    // stands before it.
    if let Some(rest) = stem.strip_suffix(['R', 'r']) {
        if rest.ends_with(sep) {
            stem = rest.trim_end_matches(sep);
        }
    }
    if stem.is_empty() {
        r1.clone()
    } else {
        stem.to_string()
    }
}

/// Worker threads for rayon; the output never depends on it.
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .context("cannot start worker threads")
}

/// Count `inputs` on `threads` workers behind a "counting" bar, and pass
/// the engine's notes on to stderr: what `count` and `call` both do.
pub fn count_with_bar(
    inputs: &[PathBuf],
    panel: &Panel,
    reference: Option<&dyn Reference>,
    opts: &CountOptions,
    threads: usize,
) -> Result<Counted> {
    let activity = Activity::start("counting");
    let counted = thread_pool(threads)?.install(|| {
        cfspot::pipeline::count_sample(inputs, panel, reference, opts, activity.progress())
    })?;
    drop(activity);
    for note in &counted.notes {
        eprintln!("cfspot: note: {note}");
    }
    Ok(counted)
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
            unit: if self.count_reads {
                Unit::Read
            } else {
                Unit::Fragment
            },
            ..CountOptions::default()
        }
    }
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

/// What a long step shows on stderr while it runs, only when stderr is a
/// terminal (pipes, logs, CI and tests see nothing at all): a bar with the
/// share done, rate and ETA once the engine has said how much there is
/// ([`Progress::begin`]), a spinner with the elapsed time before that or
/// when the total cannot be known. The engines only bump counters in the
/// [`Progress`] handed to them; a thread here reads it ten times a second
/// and draws, so drawing never slows the work. Cleared on drop.
pub struct Activity {
    progress: Arc<Progress>,
    display: Option<Display>,
}

struct Display {
    bar: indicatif::ProgressBar,
    /// Dropped to stop the poller at once (rather than after its sleep).
    stop: Option<mpsc::Sender<()>>,
    poller: Option<std::thread::JoinHandle<()>>,
}

impl Activity {
    pub fn start(what: &str) -> Self {
        use std::io::IsTerminal;
        let progress = Arc::new(Progress::new());
        if !std::io::stderr().is_terminal() {
            return Activity {
                progress,
                display: None,
            };
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(style(None, false));
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        let (stop, stopped) = mpsc::channel();
        let poller = {
            let (bar, progress) = (bar.clone(), Arc::clone(&progress));
            std::thread::Builder::new()
                .name("cfspot-progress".into())
                .spawn(move || poll(&bar, &progress, &stopped))
                .ok()
        };
        Activity {
            progress,
            display: Some(Display {
                bar,
                stop: Some(stop),
                poller,
            }),
        }
    }

    /// The counter to hand to the engine.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }
}

/// Mirror `progress` on `bar` until `stop` hangs up.
fn poll(bar: &indicatif::ProgressBar, progress: &Progress, stop: &mpsc::Receiver<()>) {
    let mut shown = None;
    loop {
        let s = progress.snapshot();
        let look = (s.step, s.measure, s.total.is_some());
        if shown != Some(look) {
            // A new step: its own style, and a rate and ETA of its own.
            bar.set_style(style(s.measure, s.total.is_some()));
            bar.set_position(0);
            bar.reset_eta();
            shown = Some(look);
        }
        if let Some(total) = s.total {
            bar.set_length(total);
        }
        bar.set_position(s.done);
        match stop.recv_timeout(Duration::from_millis(100)) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
    }
}

/// How a step looks: what it counts, and whether it knows its total. Kept
/// under 80 columns (the bar takes what is left), since a line that wraps
/// cannot be redrawn in place.
fn style(measure: Option<Measure>, known_total: bool) -> indicatif::ProgressStyle {
    let template = match (measure, known_total) {
        (Some(Measure::Bytes), true) => "{spinner} {msg} [{wide_bar}] {percent:>3}% of \
             {binary_total_bytes}, {binary_bytes_per_sec}, ETA {eta}"
            .to_string(),
        (Some(Measure::Bytes), false) => {
            "{spinner} {msg}: {binary_bytes}, {binary_bytes_per_sec} ({elapsed})".to_string()
        }
        (Some(Measure::Items(what)), true) => format!(
            "{{spinner}} {{msg}} [{{wide_bar}}] {{percent:>3}}% of {{human_len}} {}, \
             {{rate}}, ETA {{eta}}",
            braces_escaped(what)
        ),
        (Some(Measure::Items(what)), false) => format!(
            "{{spinner}} {{msg}}: {{human_pos}} {}, {{rate}} ({{elapsed}})",
            braces_escaped(what)
        ),
        (None, _) => "{spinner} {msg} ({elapsed})".to_string(),
    };
    indicatif::ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
        .progress_chars("=> ")
        // Whole items per second: indicatif's {per_sec} shows four decimals.
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}/s", indicatif::HumanCount(state.per_sec() as u64));
            },
        )
}

fn braces_escaped(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

impl Drop for Activity {
    fn drop(&mut self) {
        if let Some(mut d) = self.display.take() {
            drop(d.stop.take());
            if let Some(poller) = d.poller.take() {
                let _ = poller.join();
            }
            d.bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_named_by_its_common_stem() {
        let stem =
            |names: &[&str]| sample_stem(&names.iter().map(PathBuf::from).collect::<Vec<_>>());
        assert_eq!(stem(&["d/n1_R1.fq.gz", "d/n1_R2.fq.gz"]), "n1");
        assert_eq!(stem(&["wbc_R1.fastq.gz", "wbc_R2.fastq.gz"]), "wbc");
        assert_eq!(
            stem(&["s_S1_L001_R1_001.fastq.gz", "s_S1_L001_R2_001.fastq.gz"]),
            "s_S1_L001"
        );
        assert_eq!(stem(&["a_1.fq", "a_2.fq"]), "a");
        assert_eq!(stem(&["a.r1.fq", "a.r2.fq"]), "a");
        // An R that is the name's own, not a mate tag, stays.
        assert_eq!(stem(&["oR1.fq", "oR2.fq"]), "oR");
        // Nothing in common: R1's stem.
        assert_eq!(stem(&["x.fq", "y.fq"]), "x");
        assert_eq!(stem(&["n1.bam"]), "n1");
    }

    #[test]
    fn flag_syntax() {
        assert_eq!(parse_flags("0xF04"), Ok(0xf04));
        assert_eq!(parse_flags("3844"), Ok(3844));
        assert_eq!(parse_flags("07404"), Ok(0o7404));
        assert_eq!(parse_flags("UNMAP,DUP"), Ok(0x404));
        assert!(parse_flags("NOPE").is_err());
    }
}
