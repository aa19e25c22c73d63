//! `cfspot demo`: simulate, count and explain a sample, with no input.

use super::shared::{thread_pool, Activity};
use anyhow::Result;
use cfspot::calling::{add_outputs, verdict, CalledSample};
use cfspot::count::{CountOptions, SiteCounts};
use cfspot::output::FileSet;
use cfspot::panel::Panel;
use cfspot::pipeline;
use cfspot::report::calls::CallRow;
use cfspot::report::count_tsv;
use cfspot::report::percent::{percent, Digits, Gap};
use cfspot::sim::mutations::MutationRequest;
use cfspot::sim::truth::TruthRow;
use cfspot::sim::{SimParams, Simulation};
use cfspot::stats::call::CallOptions;
use cfspot::stats::context::SampleModel;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

/// The demo sample: a few hotspots mutated at a tumour fraction of 4 %.
pub const DEMO_TUMOUR_FRACTION: f64 = 0.04;
pub const DEMO_DEPTH: f64 = 2000.0;
pub const DEMO_MUTATIONS: &str = "KRAS_G12D,EGFR_E746_A750del,PIK3CA_H1047R,TP53_R175H:0.5";

const AFTER_HELP: &str = "\
What it does:
  Simulates a blood sample on the embedded panel (31 hotspots in KRAS, NRAS,
  EGFR, PIK3CA, HRAS, TP53; GRCh38): tumour fraction 4 %, ~2,000 unique
  fragments per hotspot, KRAS_G12D, EGFR_E746_A750del and PIK3CA_H1047R
  clonal, TP53_R175H subclonal (CCF 0.5); 0.1 % sequencing errors, 20 % PCR
  duplicates. Then counts it and prints what it found next to the truth.

Outputs (in --out-dir):
  demo_R1.fastq.gz, demo_R2.fastq.gz, demo.bam(.bai), demo.truth.tsv,
  demo.truth.vcf, demo.params.json (see `cfspot simulate --help`), and
  demo.counts.tsv (see `cfspot count --help`).

Examples:
  cfspot demo
  cfspot demo -o /tmp/cfspot-demo -@ 4";

/// Simulate, count and explain a sample on the embedded panel: no input needed.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct DemoArgs {
    /// Output folder (created if missing; not `-`: it holds several files).
    #[arg(short = 'o', long, default_value = "cfspot-demo", value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Random seed.
    #[arg(short = 's', long, default_value_t = 1, value_name = "INT")]
    pub seed: u64,
    /// Worker threads (the output is identical for any value).
    #[arg(short = '@', long, default_value_t = 2, value_name = "N")]
    pub threads: usize,
}

/// The demo's percentages, two decimals so its table's columns line up.
fn pct(x: f64) -> String {
    percent(x, Digits::Fixed(2), Gap::Tight)
}

impl DemoArgs {
    pub fn params(&self) -> Result<SimParams> {
        Ok(SimParams {
            name: "demo".into(),
            seed: self.seed,
            tumour_fraction: DEMO_TUMOUR_FRACTION,
            depth: DEMO_DEPTH,
            mutations: MutationRequest::parse(DEMO_MUTATIONS)?,
            error_rate: 0.001,
            duplicates: 0.2,
            threads: self.threads,
            out_dir: self.out_dir.clone(),
            ..SimParams::default()
        })
    }

    pub fn run(&self) -> Result<()> {
        if self.threads == 0 {
            anyhow::bail!("--threads must be at least 1");
        }
        if self.out_dir.as_os_str() == "-" {
            anyhow::bail!(
                "demo writes a folder of files (the simulated sample, its counts, calls and report), which stdout cannot hold: give -o DIR"
            );
        }
        let clock = Instant::now();
        let panel = Panel::demo();
        let reference = cfspot::reference::open("demo")?;
        let params = self.params()?;
        let pool = thread_pool(self.threads)?;
        // 1. Simulate.
        let sim = Simulation::new(&params, &panel, reference.as_ref())?;
        let activity = Activity::start("simulating");
        let summary = pool.install(|| sim.run_with_progress(activity.progress()))?;
        drop(activity);
        let activity = Activity::start("counting and calling");
        // 2. Count, as `cfspot count demo.bam` would, with the background
        //    around the hotspots that calling needs.
        let opts = CountOptions {
            background: true,
            ..CountOptions::default()
        };
        let counted = pool.install(|| {
            pipeline::count_sample(
                std::slice::from_ref(&summary.bam),
                &panel,
                Some(reference.as_ref()),
                &opts,
                activity.progress(),
            )
        })?;
        // The counts and the calls appear together, or none of them.
        let mut files = FileSet::new();
        let counts_path = self.out_dir.join("demo.counts.tsv");
        files.write(&counts_path, |out| {
            count_tsv::write(out, &panel.hotspots, &counted.sites, &counted.settings)
        })?;
        // 3. Call, as `cfspot call -o DIR/demo DIR/demo.bam` would.
        let background = SampleModel::Context.estimate(&counted.background)?;
        let called = pipeline::call_sample(
            "demo",
            &panel,
            &counted,
            background.as_ref(),
            None,
            &CallOptions::default(),
        );
        let call_files = add_outputs(&mut files, &self.out_dir.join("demo"), &panel, &called)?;
        files.finish()?;
        drop(activity);
        let elapsed = clock.elapsed().as_secs_f64();
        print!(
            "{}",
            self.explain(
                &summary.truth,
                &counted.sites,
                &called,
                summary.pairs,
                summary.fragments,
                elapsed,
                &counts_path,
                &[summary.files.clone(), call_files].concat()
            )
        );
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn explain(
        &self,
        truth: &[TruthRow],
        counts: &[SiteCounts],
        called: &CalledSample,
        pairs: u64,
        fragments: u64,
        seconds: f64,
        counts_path: &std::path::Path,
        files: &[PathBuf],
    ) -> String {
        let mut s = String::new();
        let tf = DEMO_TUMOUR_FRACTION;
        s += &format!(
            "cfspot demo: a simulated blood sample with {} of its cell-free DNA from a tumour\n\
             (tumour fraction), read at 31 cancer hotspots: {fragments} unique DNA fragments,\n\
             {pairs} read pairs, simulated and counted in {seconds:.1} s.\n\n",
            pct(tf)
        );
        s += "  hotspot               depth    alt      VAF  call           LoD95   truth\n";
        let row = |t: &TruthRow, c: &SiteCounts, r: &CallRow| {
            let vaf = c.vaf().map(pct).unwrap_or_else(|| "-".into());
            let lod = r.lod95.map(pct).unwrap_or_else(|| "-".into());
            let truth = if t.mutated {
                format!("mutant, expected {}", pct(t.expected()))
            } else {
                "not mutated".into()
            };
            format!(
                "  {:<20} {:>6} {:>6} {:>8}  {:<12} {:>7}   {}\n",
                t.id,
                c.depth(),
                c.alt_count(),
                vaf,
                r.status,
                lod,
                truth
            )
        };
        let sites = || truth.iter().zip(counts).zip(&called.rows);
        for ((t, c), r) in sites().filter(|((t, _), _)| t.mutated) {
            s += &row(t, c, r);
        }
        let wild: Vec<(&SiteCounts, &CallRow)> = sites()
            .filter(|((t, _), _)| !t.mutated)
            .map(|((_, c), r)| (c, r))
            .collect();
        let wild_alt: u64 = wild.iter().map(|(c, _)| c.alt_count()).sum();
        let wild_depth: u64 = wild.iter().map(|(c, _)| c.depth()).sum();
        let wild_called = wild.iter().filter(|(_, r)| r.status == "DETECTED").count();
        s += &format!(
            "  {:<20} {:>6} {:>6} {:>8}  {:<12} {:>7}   not mutated (all together)\n",
            format!("{} other hotspots", wild.len()),
            wild_depth,
            wild_alt,
            pct(wild_alt as f64 / wild_depth.max(1) as f64),
            format!("{wild_called} DETECTED"),
            "",
        );
        let sum = &called.summary;
        s += &format!("\nVerdict: {}\n", verdict(sum));
        s += &format!(
            "\nHow to read it:\n\
             - depth: unique DNA fragments read across the hotspot (PCR duplicates and the\n\
             \x20 two reads of one fragment count once); alt: fragments showing the mutation;\n\
             \x20 VAF = alt / depth.\n\
             - A tumour cell carries a clonal heterozygous mutation on one of its two copies,\n\
             \x20 so its expected VAF is half the tumour fraction: {} here. TP53_R175H is in half\n\
             \x20 of the tumour cells (CCF 0.5): {}. The counts scatter around these values\n\
             \x20 because only ~2,000 fragments were sampled.\n\
             - The other hotspots are not mutated; any alt fragment there is a sequencing\n\
             \x20 error. Errors are rare per fragment because the two reads of a fragment\n\
             \x20 usually overlap a site and must agree.\n\
             - call: DETECTED when the alt fragments are too many to be that background\n\
             \x20 error (measured on this sample's own non-hotspot positions; false discovery\n\
             \x20 rate 5 %). LoD95: the smallest VAF this depth would detect 95 % of the time;\n\
             \x20 below it, \"not detected\" does not mean \"not there\".\n\
             - Verdict: the tumour fraction fitted over all hotspots, mutated or not (VAF =\n\
             \x20 TF/2 for a clonal heterozygous mutation; a site clearly below that, as TP53\n\
             \x20 often is, is set aside as subclonal), with its 95 % interval, judged against\n\
             \x20 a threshold of {}.\n",
            pct(tf / 2.0),
            pct(tf / 4.0),
            pct(sum.threshold),
        );
        s += &format!("\nFiles written in {}:\n", self.out_dir.display());
        for f in files.iter().map(|f| f.as_path()).chain([counts_path]) {
            let what = match f.file_name().and_then(|n| n.to_str()).unwrap_or("") {
                n if n.ends_with(".fastq.gz") => "reads as a sequencer writes them",
                n if n.ends_with(".bam.bai") => "its index",
                n if n.ends_with(".bam") => "the reads aligned to GRCh38 (coordinate-sorted)",
                n if n.ends_with(".truth.tsv") => "what the sample really holds, per hotspot",
                n if n.ends_with(".truth.vcf") => "the mutations, as a VCF",
                n if n.ends_with(".params.json") => "every setting and the seed (to reproduce it)",
                n if n.ends_with(".counts.tsv") => "what cfspot count found, per hotspot",
                n if n.ends_with(".calls.tsv") => {
                    "each hotspot called against its background, with LoD95"
                }
                n if n.ends_with(".vcf") => "the calls as a VCF",
                n if n.ends_with(".summary.json") => {
                    "tumour fraction, verdict, QC, background model"
                }
                n if n.ends_with(".report.html") => "the report: open it in a browser",
                n if n.ends_with("_mqc.json") => "MultiQC content, for a cohort report",
                _ => "",
            };
            s += &format!(
                "  {:<28} {what}\n",
                f.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
        }
        let d = self.out_dir.display();
        s += &format!(
            "\nWhat next:\n\
             - Open {d}/demo.report.html in a browser: the verdict, plots and every call.\n\
             - Compare {d}/demo.calls.tsv with {d}/demo.truth.tsv: cfspot eval --truth {d}/demo.truth.tsv --calls {d}/demo.calls.tsv\n\
             - Look at the reads: samtools tview {d}/demo.bam -p chr12:25245300\n\
             - Count it yourself: cfspot count -o counts.tsv {d}/demo.bam\n\
             - Make your own sample: cfspot simulate --help (try --tumour-fraction 0.002).\n\
             cfspot is for teaching and benchmarking; it is not a clinical tool.\n"
        );
        s
    }
}
