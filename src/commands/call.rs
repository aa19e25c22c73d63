//! `cfspot call`: site calls, limits of detection and the sample verdict.

use super::shared::{
    count_with_bar, input_stem, read_inputs, sample_stem, MoleculeArgs, PanelArgs, ReadFilterArgs,
};
use anyhow::{bail, Context, Result};
use cfspot::calling::{output_paths, verdict, write_outputs};
use cfspot::count::{CountOptions, Unit};
use cfspot::output::{refuse_same_inputs, Output};
use cfspot::panel::Panel;
use cfspot::pipeline;
use cfspot::report::{calls, count_tsv};
use cfspot::stats::background::{BackgroundSource, FixedRate};
use cfspot::stats::call::CallOptions;
use cfspot::stats::context::SampleModel;
use cfspot::stats::pon::{Pon, PonBackground};
use clap::Args;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Outputs (PREFIX defaults to the input's name without its extension):
  PREFIX.calls.tsv     one row per hotspot: depth, alt_count, VAF with its
                       Clopper-Pearson 95% interval, background, p_value,
                       q_value, lod95, status (DETECTED, NOT_DETECTED,
                       LOW_DEPTH, FILTERED; CHIP_OR_GERMLINE with --normal)
                       and a plain-words note; with --normal, the normal's
                       depth, alt, VAF, test and label too
  PREFIX.vcf           the same as VCF 4.3 (FILTER = status, FORMAT GT:AD:DP:AF)
  PREFIX.summary.json  tumour fraction with its 95% interval, the sample
                       status against --tf-threshold, sample LoD, QC and the
                       background error model
  PREFIX.report.html   a self-contained page (no network) to look at: the
                       verdict, the hotspot table and plots of VAF, depth
                       and fragment lengths
  PREFIX_mqc.json      MultiQC custom content for General Statistics: tumour
                       fraction and interval, status, detected, median depth
  PREFIX.hotspots_mqc.json
                       MultiQC custom content: VAF per hotspot (run
                       `multiqc` on a folder of samples to aggregate them)
  With -o -, only the calls TSV is written, to stdout (as bcftools writes
  its VCF), for a pipe; the verdict still goes to stderr.

Examples:
  cfspot call sample.bam                          # demo panel, de novo
  cfspot call -o out/s1 --tf-threshold 0.005 sample.bam
  cfspot call --tumour-informed KRAS_G12D,TP53_R175H sample.bam
  cfspot call --background-rate 1e-3 counts.tsv   # from a count TSV
  cfspot call --pon pon.tsv sample.bam            # against a panel of normals
  cfspot call -o out/p1 --normal p1_wbc.bam p1_plasma.bam   # matched normal
  samtools view -u -q 20 sample.bam | cfspot call -o out/s1 -
  cfspot call -o - sample.bam | grep -w DETECTED   # the detected sites
  cfspot call --length-evidence --min-alt 1 sample.bam   # lengths as evidence
  cfspot call --size-select 90-150 sample.bam      # short fragments only
  cfspot call --duplex --min-strand-size 2 umi.bam # in duplex molecules";

/// Call variants at each hotspot against its background, with each site's
/// limit of detection, and judge the sample's tumour fraction.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct CallArgs {
    /// BAM/CRAM (counted first, with the background around the sites),
    /// FASTQ (R1 [R2]), or a `cfspot count` TSV (needs --background-rate).
    /// `-` reads standard input: a sorted BAM/SAM/CRAM stream, counted in one
    /// pass without an index, or FASTQ (interleaved pairs or single-end).
    #[arg(value_name = "INPUT", num_args = 1..=2, required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub panel: PanelArgs,
    /// Output prefix: writes PREFIX.calls.tsv, PREFIX.vcf, PREFIX.summary.json,
    /// PREFIX.report.html and MultiQC content (PREFIX_mqc.json, PREFIX.hotspots_mqc.json).
    /// Missing folders are created; no output may be one of the inputs.
    /// `-`: the calls TSV to stdout, and nothing else. Needed when INPUT is `-`.
    #[arg(short = 'o', long, value_name = "PREFIX|-")]
    pub output: Option<PathBuf>,
    /// Sample name in the VCF and summary [default: the prefix's file name;
    /// with `-o -`, the input's; `stdin` for `-`].
    #[arg(long, value_name = "NAME")]
    pub sample: Option<String>,
    /// Worker threads (output is identical for any value).
    #[arg(short = '@', long, default_value_t = 1, value_name = "N")]
    pub threads: usize,
    /// Tumour fraction the sample is judged against.
    #[arg(long, default_value_t = 0.01, value_name = "TF")]
    pub tf_threshold: f64,
    /// False-discovery rate for site calls (Benjamini-Hochberg).
    #[arg(long, default_value_t = 0.05, value_name = "A")]
    pub alpha: f64,
    /// Minimum alt fragments for a call.
    #[arg(long, default_value_t = 3, value_name = "K")]
    pub min_alt: u64,
    /// Sites with fewer fragments are LOW_DEPTH.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub min_depth: u64,
    /// Strand bias: a significant site whose Fisher p is below this is FILTERED.
    #[arg(long, default_value_t = 1e-3, value_name = "P")]
    pub strand_p: f64,
    /// Clonality x copy factor: VAF = factor x TF / 2 (1: clonal heterozygous diploid).
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub factor: f64,
    /// Tumour-informed mode: the patient's known mutations (comma-separated
    /// panel IDs, or a VCF), used whether detected or not.
    #[arg(long, value_name = "IDS|VCF")]
    pub tumour_informed: Option<String>,
    /// Background error rate for every site, instead of estimating it from
    /// the sample (needed for count-TSV input).
    #[arg(long, value_name = "RATE")]
    pub background_rate: Option<f64>,
    /// The sample's own background (without --background-rate): context, each
    /// site's trinucleotide context by strand where the sample's contexts differ
    /// (shrunk towards its class; a CpG C>T against CpG C>T), else its class; class,
    /// the 12 substitution classes by strand only.
    #[arg(long, value_enum, default_value_t = SampleModel::Context, value_name = "MODEL")]
    pub background: SampleModel,
    /// Panel of normals (`cfspot pon`): each site is judged against its
    /// beta-binomial there, shrunk towards the sample's own background where
    /// the normals are thin. Refused when built with another panel or
    /// counting settings.
    #[arg(long, value_name = "PON.tsv")]
    pub pon: Option<PathBuf>,
    /// Matched normal (the patient's white blood cells, buffy coat): a
    /// BAM/CRAM, FASTQ (give --normal twice: R1, then R2) or a count TSV,
    /// counted at the same sites with the same filters and judged against
    /// its own background (and --pon, when given). A site whose alt both the
    /// normal and the plasma show is CHIP_OR_GERMLINE, kept out of the
    /// tumour fraction.
    #[arg(long, value_name = "WBC", action = clap::ArgAction::Append)]
    pub normal: Vec<PathBuf>,
    /// The matched normal's name in the VCF and summary [default: its file
    /// name without the extension; of a FASTQ pair, the two names' common
    /// stem: wbc_R1.fq.gz, wbc_R2.fq.gz → wbc].
    #[arg(long, value_name = "NAME", requires = "normal")]
    pub normal_sample: Option<String>,
    /// Weigh each alt fragment's length in the site test, the LoD95 and the
    /// tumour fraction: tumour-born fragments follow a tumour length model
    /// (cfspot's simulator default, refined by the detected sites' alt
    /// fragments when there are 200), error-born ones the sample's own ref
    /// lengths (see the README's "Fragment length as evidence").
    #[arg(long, overrides_with = "no_length_evidence")]
    pub length_evidence: bool,
    /// Counts alone (the default).
    #[arg(long, overrides_with = "length_evidence")]
    pub no_length_evidence: bool,
    /// In-silico size selection (Mouliere 2018): only fragments of MIN-MAX bp
    /// count (fragments without a length, i.e. not proper pairs, leave).
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_size_range)]
    pub size_select: Option<(u32, u32)>,
    #[command(flatten)]
    pub filters: ReadFilterArgs,
    #[command(flatten)]
    pub molecules: MoleculeArgs,
}

/// `--size-select MIN-MAX`: two lengths in bp, MIN ≤ MAX.
fn parse_size_range(s: &str) -> std::result::Result<(u32, u32), String> {
    let bad = || format!("{s:?} is not MIN-MAX in bp (e.g. 90-150)");
    let (lo, hi) = s.split_once('-').ok_or_else(bad)?;
    let lo: u32 = lo.trim().parse().map_err(|_| bad())?;
    let hi: u32 = hi.trim().parse().map_err(|_| bad())?;
    if lo > hi || hi == 0 {
        return Err(format!("{s:?}: MIN must be at most MAX, and MAX above 0"));
    }
    Ok((lo, hi))
}

/// Panel indices of the patient's mutations: IDs, or a VCF matched by
/// position and alleles.
fn informed_sites(spec: &str, panel: &Panel) -> Result<Vec<usize>> {
    let path = Path::new(spec);
    let wanted: Vec<usize> = if path.is_file() {
        let known = Panel::from_path(path)?;
        known
            .hotspots
            .iter()
            .map(|k| {
                panel
                    .hotspots
                    .iter()
                    .position(|h| {
                        h.contig == k.contig
                            && h.pos == k.pos
                            && h.ref_allele == k.ref_allele
                            && h.alt_allele == k.alt_allele
                    })
                    .with_context(|| {
                        format!(
                            "{} ({}:{} {}>{}) is not in the panel",
                            k.id, k.contig, k.pos, k.ref_allele, k.alt_allele
                        )
                    })
            })
            .collect::<Result<_>>()?
    } else {
        spec.split(',')
            .map(|id| {
                let id = id.trim();
                panel
                    .hotspots
                    .iter()
                    .position(|h| h.id == id)
                    .with_context(|| {
                        format!("--tumour-informed: {id:?} is not a panel ID (and not a file)")
                    })
            })
            .collect::<Result<_>>()?
    };
    if wanted.is_empty() {
        bail!("--tumour-informed names no mutation");
    }
    Ok(wanted)
}

impl CallArgs {
    /// One sample's counts (`inputs`: the plasma's or the normal's) and
    /// the background they are judged against: a count TSV with
    /// --background-rate, else the reads counted with the flanks around the
    /// sites (unless --background-rate is given).
    fn count(
        &self,
        inputs: &[PathBuf],
        panel: &Panel,
        reference: Option<&dyn cfspot::reference::Reference>,
    ) -> Result<(cfspot::count::Counted, Box<dyn BackgroundSource>)> {
        let first = &inputs[0];
        let mut count_opts = self.count_options()?;
        if count_tsv::looks_like(first) {
            // Read first: an empty or broken TSV is the first thing to say.
            let asked = (count_opts.unit != Unit::Fragment).then_some(count_opts.unit);
            let counted = pipeline::read_counts(first, panel, asked)?;
            let Some(rate) = self.background_rate else {
                bail!(
                    "{} is a count TSV, which holds no background positions: give --background-rate (e.g. 1e-3), or call the BAM itself",
                    first.display()
                );
            };
            return Ok((counted, Box::new(FixedRate(rate))));
        }
        count_opts.background = self.background_rate.is_none();
        let counted = count_with_bar(inputs, panel, reference, &count_opts, self.threads)?;
        let background: Box<dyn BackgroundSource> = match self.background_rate {
            Some(rate) => Box::new(FixedRate(rate)),
            None => self.background.estimate(&counted.background)?,
        };
        Ok((counted, background))
    }

    /// The filters and the unit (`--count-reads`, `--molecules`,
    /// `--duplex` with their UMI options) both samples are counted with.
    fn count_options(&self) -> Result<CountOptions> {
        let mut opts = self.filters.options();
        self.molecules
            .apply(&mut opts, self.filters.excl_flags.is_some())?;
        Ok(opts)
    }

    /// `--normal`: one or two files (FASTQ R1 and R2), not the sample's own
    /// reads, and not standard input twice.
    fn check_normal(&self) -> Result<()> {
        if self.normal.len() > 2 {
            bail!(
                "--normal takes one file, or two for FASTQ R1 and R2 (given {} times)",
                self.normal.len()
            );
        }
        refuse_same_inputs(&self.normal)?;
        let stdin = |paths: &[PathBuf]| paths.iter().any(|p| cfspot::stdin::is_stdin(p));
        if stdin(&self.normal) && stdin(&self.inputs) {
            bail!("the sample and --normal cannot both be standard input (-)");
        }
        for n in &self.normal {
            for i in &self.inputs {
                let same = match (std::fs::canonicalize(n), std::fs::canonicalize(i)) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => false,
                };
                if same {
                    bail!(
                        "--normal {} is one of the sample's own inputs: the matched normal is the patient's white-cell sample, counted beside the plasma",
                        n.display()
                    );
                }
            }
        }
        Ok(())
    }

    fn options(&self) -> Result<CallOptions> {
        if !(0.0..=1.0).contains(&self.tf_threshold) {
            bail!("--tf-threshold must be between 0 and 1");
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            bail!("--alpha must be between 0 and 1");
        }
        if !(self.factor > 0.0 && self.factor <= 2.0) {
            bail!("--factor must be in (0, 2]");
        }
        Ok(CallOptions {
            alpha: self.alpha,
            min_alt: self.min_alt,
            min_depth: self.min_depth,
            strand_p: self.strand_p,
            factor: self.factor,
            tf_threshold: self.tf_threshold,
            length_evidence: self.length_evidence && !self.no_length_evidence,
            size_select: self.size_select,
        })
    }

    pub fn run(&self) -> Result<()> {
        if self.threads == 0 {
            bail!("--threads must be at least 1");
        }
        let opts = self.options()?;
        if let Some(r) = self.background_rate {
            if !(r > 0.0 && r < 0.5) {
                bail!("--background-rate must be in (0, 0.5)");
            }
        }
        let first = &self.inputs[0];
        let to_stdout = self.output.as_ref().is_some_and(|o| o.as_os_str() == "-");
        if self.output.is_none() && cfspot::stdin::is_stdin(first) {
            bail!("call on standard input has no file name to make a prefix of: give -o PREFIX (or -o - for the calls TSV on stdout)");
        }
        let stem_of_input = || PathBuf::from(input_stem(first));
        let prefix = match &self.output {
            Some(o) if !to_stdout => o.clone(),
            _ if cfspot::stdin::is_stdin(first) => PathBuf::from("stdin"),
            _ => stem_of_input(),
        };
        self.check_normal()?;
        // Nothing is read or written before it is sure that no output is
        // an input.
        let mut inputs = read_inputs(&self.inputs, &self.panel)?;
        for n in &self.normal {
            inputs.reads(n);
        }
        if let Some(spec) = self.tumour_informed.as_deref() {
            if Path::new(spec).is_file() {
                inputs.file(Path::new(spec), "the --tumour-informed VCF");
            }
        }
        if let Some(pon) = &self.pon {
            inputs.file(pon, "the --pon panel of normals");
        }
        if !to_stdout {
            inputs.refuse_overwrite(&output_paths(&prefix))?;
        }
        let (panel, reference) = self.panel.load()?;
        // Read and checked before counting: a PoN of another panel or
        // settings is refused before the work, not after.
        let pon = match &self.pon {
            Some(path) => {
                let pon = Pon::read(path)?;
                pon.check(path, &panel, &self.panel.panel, &self.count_options()?)?;
                Some((pon, path))
            }
            None => None,
        };
        let informed = self
            .tumour_informed
            .as_deref()
            .map(|s| informed_sites(s, &panel))
            .transpose()?;
        let sample = self.sample.clone().unwrap_or_else(|| {
            prefix
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "sample".into())
        });

        // Counts, and the background they are judged against.
        let (counted, background) = self.count(&self.inputs, &panel, reference.as_deref())?;
        // With a PoN, both samples are judged against it, each shrunk towards
        // its own background: a site-specific artefact of the assay is in
        // the white-cell normal too, and must no more make a CHIP label
        // there than a call in the plasma.
        let against_pon = |background: Box<dyn BackgroundSource>| -> Box<dyn BackgroundSource> {
            match &pon {
                Some((pon, path)) => Box::new(PonBackground::new(pon.clone(), path, background)),
                None => background,
            }
        };
        let background = against_pon(background);
        // The matched normal: the same counting, and its own background
        // (against the PoN when given): the normal's question is whether
        // it carries the alt above its own errors.
        let normal_name = self.normal.first().map(|_| {
            self.normal_sample
                .clone()
                .unwrap_or_else(|| match sample_stem(&self.normal) {
                    s if s.is_empty() || s == "-" => "normal".to_string(),
                    s => s,
                })
        });
        let normal = match &normal_name {
            Some(_) => {
                let (counted, background) = self
                    .count(&self.normal, &panel, reference.as_deref())
                    .context("the matched normal (--normal)")?;
                Some((counted, against_pon(background)))
            }
            None => None,
        };
        if let Some((n, _)) = &normal {
            // A count TSV says its own unit: the two VAFs compare only in one.
            let (ours, theirs) = (counted.settings.unit, n.settings.unit);
            if ours != theirs {
                bail!(
                    "the matched normal {} is counted in {theirs}s, the sample in {ours}s: count both in one unit",
                    self.normal[0].display()
                );
            }
        }
        let matched =
            normal
                .as_ref()
                .zip(normal_name.as_deref())
                .map(|((counted, background), name)| pipeline::MatchedNormal {
                    sample: name,
                    counted,
                    background: background.as_ref(),
                });
        let called = pipeline::call_sample_with_normal(
            &sample,
            &panel,
            &counted,
            background.as_ref(),
            matched.as_ref(),
            informed.as_deref(),
            &opts,
        );
        if to_stdout {
            // As `count` writes its table: the one TSV, whole, to stdout.
            let mut out = Output::create(None).context("cannot write to stdout")?;
            calls::write_tsv(&mut out, &called.rows).context("cannot write to stdout")?;
            out.finish().context("cannot write to stdout")?;
            eprintln!("cfspot: {}", verdict(&called.summary));
            return Ok(());
        }
        let written = write_outputs(&prefix, &panel, &called)?;
        eprintln!("cfspot: {}", verdict(&called.summary));
        let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        eprintln!("cfspot: wrote {}", names.join(", "));
        Ok(())
    }
}
