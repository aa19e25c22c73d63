//! `cfspot simulate`: a synthetic cfDNA sample with known truth.

use super::shared::{thread_pool, Activity, PanelArgs};
use anyhow::{Context, Result};
use cfspot::output::Inputs;
use cfspot::sim::lengths::LengthParams;
use cfspot::sim::library::Damage;
use cfspot::sim::mutations::MutationRequest;
use cfspot::sim::sources;
use cfspot::sim::{SimParams, Simulation};
use clap::Args;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Model:
  Each fragment is tumour-derived with probability --tumour-fraction; a tumour
  fragment carries a listed mutation with probability CCF x COPIES / 2, so the
  expected VAF is TF x CCF x COPIES / 2 (TF/2 for a clonal heterozygous one).
  Fragments carrying a mutation draw their length from the tumour model
  (shorter, 90-150 bp enriched); all others from the healthy model (mode 167,
  a 10 bp ladder below it, a di-nucleosome peak near 334). Substitution errors
  rise along the read; base qualities state each base's error probability.
  Not the tumour's (any TF, plasma or normal alike; drawn once per fragment, so
  both mates and every PCR copy show them): --germline ID at VAF 0.5; --chip
  ID:VAF, carried by non-tumour fragments only, at VAF; --artefact ID:RATE, a
  recurrent pre-sequencing error, at RATE. The truth TSV then says each site's
  source (tumour, chip, germline, artefact, or none) and their joint VAF.

Outputs (in --out-dir):
  NAME_R1.fastq.gz, NAME_R2.fastq.gz  paired reads (R2 as sequenced: reverse strand)
  NAME.bam, NAME.bam.bai              coordinate-sorted, indexed; MAPQ 60, NM/MD,
                                      @RG SM:NAME; PCR duplicates flagged 0x400
  NAME.truth.tsv                      per hotspot: id mutated expected_vaf depth
                                      alt_fragments vaf (+ more columns)
  NAME.truth.vcf                      the mutated hotspots
  NAME.params.json                    every parameter, the seed and the version
  Files appear together at the end; a failed run leaves none behind.
  The same --seed gives byte-identical files for any -@.

Examples:
  cfspot simulate -o sim --tumour-fraction 0.02 --mutations KRAS_G12D,TP53_R175H:0.5
  cfspot simulate -o sim -n tf1 --tumour-fraction 0.01 --depth 5000 --seed 7 -@ 2
  cfspot simulate -o sim --mutations none --error-rate 0.002 --duplicates 0.3 --umi
  cfspot simulate -o sim --umi --family-size-mean 4 --family-size-dispersion 2
  cfspot simulate -o sim --umi --family-size-mean 6 --pcr-error-rate 1e-4 --damage G>T:0.001
  cfspot simulate -o sim -n wbc -t 0 -m none --chip TP53_R248Q:0.01 --germline EGFR_L858R
  cfspot simulate -o sim -t 0 -m none --cpg-factor 10
  cfspot simulate -o sim -n pon1 -t 0 -m none --artefact KRAS_G12D:0.005,TP53_R175H:0.01
  cfspot simulate -o sim --panel my.vcf.gz --reference GRCh38.fa --mutations all";

/// Simulate a cfDNA sample with known truth (FASTQ, BAM, truth tables).
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub panel: PanelArgs,
    /// Output folder (created if missing; not `-`: it holds several files).
    #[arg(short = 'o', long, default_value = ".", value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Sample name: file prefix, read-name prefix and @RG SM.
    #[arg(short = 'n', long, default_value = "sim", value_name = "NAME")]
    pub name: String,
    /// Random seed; the same seed gives byte-identical outputs.
    #[arg(short = 's', long, default_value_t = 1, value_name = "INT")]
    pub seed: u64,
    /// Tumour fraction: the share of cfDNA fragments that come from the tumour (0..1).
    #[arg(short = 't', long, default_value_t = 0.05, value_name = "F")]
    pub tumour_fraction: f64,
    /// Unique fragments whose reads cover each hotspot, on average.
    #[arg(short = 'd', long, default_value_t = 1000.0, value_name = "N")]
    pub depth: f64,
    /// Mutations the tumour carries: `all`, `none`, or comma-separated panel IDs, each
    /// optionally ID:CCF or ID:CCF:COPIES (cancer cell fraction, default 1; mutant copy
    /// factor, default 1 = heterozygous, 2 = every copy).
    #[arg(short = 'm', long, default_value = "all", value_name = "IDS")]
    pub mutations: String,
    /// Read length (paired reads; fragments shorter than this give shorter reads).
    #[arg(short = 'l', long, default_value_t = 150, value_name = "BP")]
    pub read_length: u32,
    /// Mean substitution error rate per base (rises along the read: e/4 at the first
    /// cycle, 7e/4 at the last).
    #[arg(short = 'e', long, default_value_t = 0.001, value_name = "RATE")]
    pub error_rate: f64,
    /// Expected share of read pairs that are PCR duplicates (flagged 0x400 in the BAM).
    #[arg(long, default_value_t = 0.0, value_name = "SHARE")]
    pub duplicates: f64,
    /// PCR families instead: mean read pairs per unique fragment (>= 1; both strands
    /// together), each read 1 + Poisson(M - 1) times. Off by default; not with --duplicates.
    #[arg(long, value_name = "M")]
    pub family_size_mean: Option<f64>,
    /// Over-dispersed families: 1 + NB(M - 1, K) read pairs, variance (M-1) + (M-1)^2/K
    /// (smaller K, wider spread). Needs --family-size-mean; without it, Poisson.
    #[arg(long, value_name = "K")]
    pub family_size_dispersion: Option<f64>,
    /// Add UMIs: in the read name (UMI1+UMI2), the RX tag (UMI1-UMI2) and the duplex
    /// strand in the MI tag (MOLECULE/A or /B).
    #[arg(long)]
    pub umi: bool,
    /// Length of each of the two UMIs.
    #[arg(long, default_value_t = 8, value_name = "BP")]
    pub umi_length: usize,
    /// Chance that each UMI base of a read pair is misread (RX and read name; MI keeps the
    /// true molecule). Off by default; needs --umi.
    #[arg(long, value_name = "RATE")]
    pub umi_error_rate: Option<f64>,
    /// PCR errors, per base per duplication, inherited by every descendant of the copy
    /// they were made in (an error of cycle 1 is in about half of its strand's reads).
    /// Both reads of a pair share them. Off by default.
    #[arg(long, value_name = "RATE")]
    pub pcr_error_rate: Option<f64>,
    /// PCR cycles of the error model [default: 10]. Needs --pcr-error-rate.
    #[arg(long, value_name = "N")]
    pub pcr_cycles: Option<u32>,
    /// Chance that a molecule is copied at each PCR cycle [default: 1]. Needs
    /// --pcr-error-rate.
    #[arg(long, value_name = "E")]
    pub pcr_efficiency: Option<f64>,
    /// Single-strand damage, FROM>TO:RATE comma-separated (G>T:0.001 oxidation,
    /// C>T:0.001 deamination): per base of one original strand, in every read of that
    /// strand's family and none of the other strand's. Off by default.
    #[arg(long, value_name = "LIST")]
    pub damage: Option<String>,
    /// CpG deamination: at the C of a CpG, on the strand that carries it, C>T is F
    /// times the sequencer's C>T (--error-rate / 3), made before sequencing (both
    /// mates and every copy of that strand show it; G>A at the CpG's G from the
    /// bottom strand). Off (1) by default.
    #[arg(long, value_name = "F")]
    pub cpg_factor: Option<f64>,
    /// A heterozygous germline SNP at a panel ID (comma list or repeated): every
    /// fragment, tumour or not, carries its ALT with chance 0.5.
    #[arg(long, value_name = "IDS")]
    pub germline: Vec<String>,
    /// A blood-cell (CHIP) mutation, ID:VAF (comma list or repeated): at VAF in plasma
    /// whatever the tumour fraction, carried by non-tumour fragments only; a matched
    /// white-cell sample is --tumour-fraction 0 with the same --chip.
    #[arg(long, value_name = "ID:VAF")]
    pub chip: Vec<String>,
    /// A recurrent artefact, ID:RATE (comma list or repeated): that hotspot's ALT on
    /// every fragment with chance RATE, in tumour and normal samples alike, made before
    /// sequencing (both mates and every PCR copy show it).
    #[arg(long, value_name = "ID:RATE")]
    pub artefact: Vec<String>,
    /// Fragments overlap a target of ± this many bp around each hotspot.
    #[arg(short = 'w', long, default_value_t = 300, value_name = "BP")]
    pub window: u64,
    /// Healthy fragment length mode (bp).
    #[arg(long, default_value_t = LengthParams::healthy().mode, value_name = "BP")]
    pub healthy_mode: f64,
    /// Healthy mono-nucleosome peak sd (bp).
    #[arg(long, default_value_t = LengthParams::healthy().sd, value_name = "BP")]
    pub healthy_sd: f64,
    /// Share of healthy fragments in the 10 bp ladder below the mode.
    #[arg(long, default_value_t = LengthParams::healthy().ladder, value_name = "SHARE")]
    pub healthy_ladder: f64,
    /// Tumour fragment length mode (bp).
    #[arg(long, default_value_t = LengthParams::tumour().mode, value_name = "BP")]
    pub tumour_mode: f64,
    /// Tumour mono-nucleosome peak sd (bp).
    #[arg(long, default_value_t = LengthParams::tumour().sd, value_name = "BP")]
    pub tumour_sd: f64,
    /// Share of tumour fragments in the 10 bp ladder below the mode.
    #[arg(long, default_value_t = LengthParams::tumour().ladder, value_name = "SHARE")]
    pub tumour_ladder: f64,
    /// The tumour length model is the healthy one (its --tumour-* settings are
    /// ignored): a check that length evidence gains nothing when lengths carry
    /// no signal.
    #[arg(long)]
    pub tumour_lengths_healthy: bool,
    /// Share of (healthy) fragments in the di-nucleosome peak (tumour: 0.4 × this).
    #[arg(long, default_value_t = LengthParams::healthy().dinucleosome, value_name = "SHARE")]
    pub dinucleosome: f64,
    /// Shortest fragment (bp).
    #[arg(long, default_value_t = 50, value_name = "BP")]
    pub min_fragment: u32,
    /// Longest fragment (bp).
    #[arg(long, default_value_t = 450, value_name = "BP")]
    pub max_fragment: u32,
    /// BGZF compression level of the BAM and FASTQ files (0-9). 1 is fastest; 6 makes
    /// files about a third smaller and takes about twice as long.
    #[arg(long, default_value_t = 1, value_name = "0-9")]
    pub level: u32,
    /// Worker threads (the output is identical for any value).
    #[arg(short = '@', long, default_value_t = 1, value_name = "N")]
    pub threads: usize,
}

impl SimulateArgs {
    pub fn params(&self) -> Result<SimParams> {
        let healthy = LengthParams {
            mode: self.healthy_mode,
            sd: self.healthy_sd,
            ladder: self.healthy_ladder,
            dinucleosome: self.dinucleosome,
            ..LengthParams::healthy()
        };
        let tumour = if self.tumour_lengths_healthy {
            healthy
        } else {
            LengthParams {
                mode: self.tumour_mode,
                sd: self.tumour_sd,
                ladder: self.tumour_ladder,
                dinucleosome: self.dinucleosome * 0.4,
                ..LengthParams::tumour()
            }
        };
        Ok(SimParams {
            name: self.name.clone(),
            seed: self.seed,
            tumour_fraction: self.tumour_fraction,
            depth: self.depth,
            mutations: MutationRequest::parse(&self.mutations)?,
            read_length: self.read_length,
            error_rate: self.error_rate,
            healthy,
            tumour,
            min_fragment: self.min_fragment,
            max_fragment: self.max_fragment,
            duplicates: self.duplicates,
            family_size_mean: self.family_size_mean,
            family_size_dispersion: self.family_size_dispersion,
            umi: self.umi,
            umi_length: self.umi_length,
            umi_error_rate: self.umi_error_rate,
            pcr_error_rate: self.pcr_error_rate,
            pcr_cycles: self.pcr_cycles,
            pcr_efficiency: self.pcr_efficiency,
            damage: match &self.damage {
                Some(s) => Damage::parse_list(s).map_err(anyhow::Error::msg)?,
                None => Vec::new(),
            },
            cpg_factor: self.cpg_factor,
            germline: sources::parse_ids(&self.germline),
            chip: sources::parse_site_rates("--chip", &self.chip, "VAF", 1.0)?,
            artefacts: sources::parse_site_rates("--artefact", &self.artefact, "RATE", 0.5)?,
            window: self.window,
            compression_level: self.level,
            threads: self.threads,
            out_dir: self.out_dir.clone(),
        })
    }

    pub fn run(&self) -> Result<()> {
        if self.threads == 0 {
            anyhow::bail!("--threads must be at least 1");
        }
        if self.out_dir.as_os_str() == "-" {
            anyhow::bail!(
                "simulate writes a folder of files (BAM and index, R1/R2 FASTQ, truth, parameters), which stdout cannot hold: give -o DIR"
            );
        }
        let params = self.params()?;
        params.validate()?;
        let mut inputs = Inputs::new();
        self.panel.add_inputs(&mut inputs);
        inputs.refuse_overwrite(&params.output_files())?;
        let (panel, reference) = self.panel.load()?;
        let reference = reference.context(
            "simulate needs the reference bases around each hotspot: give --reference FASTA \
             (indexed, or regional windows named chrom:start-end)",
        )?;
        let sim = Simulation::new(&params, &panel, reference.as_ref())?;
        let activity = Activity::start("simulating");
        let summary =
            thread_pool(self.threads)?.install(|| sim.run_with_progress(activity.progress()))?;
        drop(activity);
        for note in &summary.notes {
            eprintln!("cfspot: note: {note}");
        }
        eprintln!(
            "cfspot: simulated {} unique fragments, {} read pairs; wrote {}",
            summary.fragments,
            summary.pairs,
            summary
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(())
    }
}
