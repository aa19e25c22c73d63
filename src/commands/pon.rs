//! `cfspot pon`: a panel of normals from normal samples. The counting is
//! `pipeline::count_sample`'s (or a count TSV's), the fit and the file
//! `stats::pon`'s; this is the arguments and the order of the steps.

use super::shared::{read_inputs, sample_stem, thread_pool, PanelArgs, ReadFilterArgs};
use anyhow::{bail, Context, Result};
use cfspot::count::Unit;
use cfspot::output::Output;
use cfspot::pipeline;
use cfspot::progress::Progress;
use cfspot::report::count_tsv;
use cfspot::stats::background::{BackgroundSource, ClassRates, FixedRate};
use cfspot::stats::pon::{self, Pon, PonHeader};
use clap::Args;
use rayon::prelude::*;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Outputs:
  PON.tsv   header lines (##cfspot_pon=1, the panel and its checksum, the
            counting unit and settings, the sample names), then one row per
            hotspot: each normal's alt and depth by strand, the fitted
            beta-binomial (rate, rho by the method of moments) and flags
            (germline, recurrent). `cfspot call --pon PON.tsv` judges each
            site against it, and refuses a PoN of another panel or settings.

Examples:
  cfspot pon -o pon.tsv normal1.bam normal2.bam normal3.bam
  cfspot pon -@ 4 -o pon.tsv normals/*.bam
  cfspot pon -o pon.tsv n1_R1.fq.gz,n1_R2.fq.gz n2_R1.fq.gz,n2_R2.fq.gz
  cfspot pon --background-rate 1e-4 -o pon.tsv n1.counts.tsv n2.counts.tsv
  cfspot call --pon pon.tsv plasma.bam";

/// Build a panel of normals: what normal samples show at each hotspot,
/// for `cfspot call --pon`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct PonArgs {
    /// Normal samples, each a BAM/CRAM, a FASTQ (paired: `R1,R2`, one
    /// argument) or a `cfspot count` TSV (counted with the same settings).
    #[arg(value_name = "NORMAL", required = true, num_args = 1..)]
    pub normals: Vec<String>,
    #[command(flatten)]
    pub panel: PanelArgs,
    /// The panel of normals to write.
    #[arg(short = 'o', long, value_name = "PON.tsv")]
    pub output: PathBuf,
    /// Worker threads, shared by the normals (output is identical for any value).
    #[arg(short = '@', long, default_value_t = 1, value_name = "N")]
    pub threads: usize,
    /// The background each normal's alt is tested against for the
    /// `recurrent` flag, instead of each normal's own class rates (needed
    /// for count TSVs, which hold no background positions).
    #[arg(long, value_name = "RATE")]
    pub background_rate: Option<f64>,
    #[command(flatten)]
    pub filters: ReadFilterArgs,
}

impl PonArgs {
    pub fn run(&self) -> Result<()> {
        if self.threads == 0 {
            bail!("--threads must be at least 1");
        }
        if let Some(r) = self.background_rate {
            if !(r > 0.0 && r < 0.5) {
                bail!("--background-rate must be in (0, 0.5)");
            }
        }
        let normals: Vec<Vec<PathBuf>> = self
            .normals
            .iter()
            .map(|n| n.split(',').map(PathBuf::from).collect())
            .collect();
        if let Some(n) = normals.iter().find(|n| n.len() > 2) {
            bail!(
                "a normal is one BAM/CRAM, count TSV or FASTQ, or two FASTQ files R1,R2: {} names {}",
                n.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(","),
                n.len()
            );
        }
        if normals.iter().flatten().any(|p| cfspot::stdin::is_stdin(p)) {
            bail!("cfspot pon reads its normals from files, not standard input");
        }
        let all: Vec<PathBuf> = normals.iter().flatten().cloned().collect();
        read_inputs(&all, &self.panel)?.refuse_overwrite(std::slice::from_ref(&self.output))?;
        let (panel, reference) = self.panel.load()?;
        let mut opts = self.filters.options();
        opts.background = self.background_rate.is_none();
        let is_tsv = |n: &[PathBuf]| count_tsv::looks_like(&n[0]);
        if self.background_rate.is_none() {
            if let Some(n) = normals.iter().find(|n| is_tsv(n)) {
                bail!(
                    "{} is a count TSV, which holds no background positions: give --background-rate (e.g. 1e-4) for the recurrent flag",
                    n[0].display()
                );
            }
        }

        // Every normal counted with the same rules, in parallel; each one's
        // own background for the recurrent flag.
        let counted = thread_pool(self.threads)?.install(|| {
            normals
                .par_iter()
                .map(|n| -> Result<_> {
                    let name = n[0].display();
                    let counted = if is_tsv(n) {
                        pipeline::read_counts(
                            &n[0],
                            &panel,
                            self.filters.count_reads.then_some(Unit::Read),
                        )?
                    } else {
                        pipeline::count_sample(
                            n,
                            &panel,
                            reference.as_deref(),
                            &opts,
                            &Progress::new(),
                        )
                        .with_context(|| format!("cannot count normal {name}"))?
                    };
                    let background: Box<dyn BackgroundSource> = match self.background_rate {
                        Some(rate) => Box::new(FixedRate(rate)),
                        None => Box::new(
                            ClassRates::estimate(&counted.background)
                                .with_context(|| format!("normal {name}"))?,
                        ),
                    };
                    Ok((counted.sites, background))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        let (sites, backgrounds): (Vec<_>, Vec<_>) = counted.into_iter().unzip();
        let backgrounds: Vec<&dyn BackgroundSource> =
            backgrounds.iter().map(|b| b.as_ref()).collect();
        let header = PonHeader {
            version: pon::FORMAT_VERSION,
            panel: self.panel.panel.clone(),
            checksum: pon::panel_checksum(&panel),
            unit: opts.unit.as_str().into(),
            settings: pon::settings(&opts),
            background: match self.background_rate {
                Some(r) => format!("fixed rate {r}"),
                None => "each normal's own class rates".into(),
            },
            // Commas separate the names in the header.
            samples: normals
                .iter()
                .map(|n| sample_stem(n).replace(',', "_"))
                .collect(),
        };
        let pon = Pon::build(header, &panel, &sites, &backgrounds)?;
        let mut out = Output::create(Some(&self.output))
            .with_context(|| format!("cannot write {}", self.output.display()))?;
        pon.write(&mut out)
            .and_then(|_| out.finish())
            .with_context(|| format!("cannot write {}", self.output.display()))?;
        let flagged = |flag| {
            pon.sites
                .iter()
                .filter(|s| s.flags().contains(&flag))
                .count()
        };
        eprintln!(
            "cfspot: panel of normals: {} normals at {} sites; {} site(s) recurrent, {} germline; wrote {}",
            normals.len(),
            pon.sites.len(),
            flagged("recurrent"),
            flagged("germline"),
            self.output.display()
        );
        Ok(())
    }
}
