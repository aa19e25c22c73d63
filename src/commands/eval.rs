//! `cfspot eval`: calls against simulated truth.

use anyhow::{bail, Context, Result};
use cfspot::eval::{evaluate, lod_curve, pair, read_truth, CurvePoint, SampleContext, SampleEval};
use cfspot::output::{Inputs, Output};
use cfspot::report::calls::read_tsv;
use cfspot::report::percent::{percent, Digits, Gap};
use cfspot::tsv::write_rows;
use clap::Args;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Outputs:
  stdout               one line per sample (TP FP FN TN, sensitivity,
                       specificity, PPV, tumour fraction vs truth) and the
                       LoD curve: sensitivity by design VAF and target depth
  PREFIX.eval.tsv      the per-sample table (with -o)
  PREFIX.lod_curve.tsv sensitivity by VAF with 95% Clopper-Pearson bounds (with -o)
  With -o -, stdout is the per-sample table (PREFIX.eval.tsv) instead.
  The true tumour fraction and depth come from NAME.params.json beside the
  truth; the estimate from PREFIX.summary.json beside the calls.

Examples:
  cfspot eval --truth sim/s1.truth.tsv --calls out/s1.calls.tsv
  cfspot eval -o dilution --sheet pairs.tsv   # columns: truth calls [sample]";

/// Evaluate calls against simulated truth (one or many samples).
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct EvalArgs {
    /// A truth table (`NAME.truth.tsv` from `cfspot simulate`); repeat, paired with --calls.
    #[arg(long, value_name = "TRUTH.tsv")]
    pub truth: Vec<PathBuf>,
    /// A calls table (`PREFIX.calls.tsv` from `cfspot call`); repeat, in the order of --truth.
    #[arg(long, value_name = "CALLS.tsv")]
    pub calls: Vec<PathBuf>,
    /// A TSV of pairs with header `truth calls` (optional `sample`), paths relative to the sheet.
    #[arg(long, value_name = "FILE")]
    pub sheet: Option<PathBuf>,
    /// Also write PREFIX.eval.tsv and PREFIX.lod_curve.tsv. `-`: the
    /// per-sample table (as PREFIX.eval.tsv) to stdout, instead of the text.
    #[arg(short = 'o', long, value_name = "PREFIX|-")]
    pub output: Option<PathBuf>,
}

fn sample_name(truth: &Path) -> String {
    let name = truth
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.strip_suffix(".truth.tsv").unwrap_or(&name).to_string()
}

fn read_sheet(path: &Path) -> Result<Vec<(String, PathBuf, PathBuf)>> {
    let base = path.parent().unwrap_or(Path::new(""));
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let head = r.headers()?.clone();
    let col = |n: &str| head.iter().position(|h| h == n);
    let (Some(t), Some(c)) = (col("truth"), col("calls")) else {
        bail!(
            "{}: the header needs columns `truth` and `calls`",
            path.display()
        );
    };
    let s = col("sample");
    r.records()
        .enumerate()
        .map(|(i, rec)| {
            let rec = rec.with_context(|| format!("{}:{}", path.display(), i + 2))?;
            let get = |k: usize| {
                rec.get(k).filter(|v| !v.is_empty()).with_context(|| {
                    format!("{}:{}: empty or missing column", path.display(), i + 2)
                })
            };
            let truth = base.join(get(t)?);
            let calls = base.join(get(c)?);
            let name = match s {
                Some(k) => get(k)?.to_string(),
                None => sample_name(&truth),
            };
            Ok((name, truth, calls))
        })
        .collect()
}

/// The tables `-o PREFIX` writes: PREFIX.eval.tsv and PREFIX.lod_curve.tsv.
fn output_paths(prefix: &Path) -> [PathBuf; 2] {
    let path = |ext: &str| PathBuf::from(format!("{}.{ext}", prefix.display()));
    [path("eval.tsv"), path("lod_curve.tsv")]
}

/// `rows` written as a TSV to `path`, not yet put in place
/// ([`Output::finish`]).
fn table<T: Serialize>(path: &Path, rows: &[T]) -> Result<Output> {
    let mut out =
        Output::create(Some(path)).with_context(|| format!("cannot write {}", path.display()))?;
    write_rows(&mut out, rows)?;
    Ok(out)
}

/// A rate or tumour fraction in the table, `-` where it cannot be known.
fn pct(v: Option<f64>) -> String {
    v.map(|v| percent(v, Digits::Fixed(1), Gap::Tight))
        .unwrap_or_else(|| "-".into())
}

impl EvalArgs {
    pub fn run(&self) -> Result<()> {
        if self.truth.len() != self.calls.len() {
            bail!(
                "give --truth and --calls in pairs ({} truth, {} calls)",
                self.truth.len(),
                self.calls.len()
            );
        }
        let mut jobs: Vec<(String, PathBuf, PathBuf)> = self
            .truth
            .iter()
            .zip(&self.calls)
            .map(|(t, c)| (sample_name(t), t.clone(), c.clone()))
            .collect();
        if let Some(sheet) = &self.sheet {
            jobs.extend(read_sheet(sheet)?);
        }
        if jobs.is_empty() {
            bail!("nothing to evaluate: give --truth and --calls, or --sheet");
        }
        let outputs = self.output.as_deref().map(output_paths);
        if let Some(outputs) = &outputs {
            let mut inputs = Inputs::new();
            if let Some(sheet) = &self.sheet {
                inputs.file(sheet, "the sheet");
            }
            for (_, t, c) in &jobs {
                inputs.file(t, "the truth table").file(c, "the calls table");
            }
            inputs.refuse_overwrite(outputs)?;
        }
        let mut loaded = Vec::new();
        for (name, t, c) in &jobs {
            let truth = read_truth(t)?;
            let calls = read_tsv(c).map_err(anyhow::Error::msg)?;
            loaded.push((name, t, c, truth, calls));
        }
        let mut evals: Vec<SampleEval> = Vec::new();
        let mut for_curve = Vec::new();
        for (name, t, c, truth, calls) in &loaded {
            let pairs = pair(truth, calls, t, c)?;
            let ctx = SampleContext::beside(t, c);
            evals.push(evaluate(name, t, c, &pairs, ctx));
            for_curve.push((ctx, pairs));
        }
        let curve: Vec<CurvePoint> = lod_curve(&for_curve);
        if self.output.as_ref().is_some_and(|o| o.as_os_str() == "-") {
            // A pipe wants the table, not the report laid out for reading.
            let mut out = Output::create(None).context("cannot write to stdout")?;
            write_rows(&mut out, &evals)?;
            out.finish().context("cannot write to stdout")?;
            return Ok(());
        }

        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{:<20} {:>4} {:>4} {:>4} {:>4} {:>7} {:>7} {:>7} {:>8} {:>8} {:>16}",
            "sample",
            "TP",
            "FP",
            "FN",
            "TN",
            "sens",
            "spec",
            "PPV",
            "TF true",
            "TF est",
            "TF 95% CI"
        )?;
        for e in &evals {
            let ci = match (e.tf_lo, e.tf_hi) {
                (Some(l), Some(h)) => format!("{}-{}", pct(Some(l)), pct(Some(h))),
                _ => "-".into(),
            };
            writeln!(
                out,
                "{:<20} {:>4} {:>4} {:>4} {:>4} {:>7} {:>7} {:>7} {:>8} {:>8} {:>16}",
                e.sample,
                e.tp,
                e.fp,
                e.fn_,
                e.tn,
                pct(e.sensitivity),
                pct(e.specificity),
                pct(e.ppv),
                pct(e.tf_true),
                pct(e.tf_estimate),
                ci
            )?;
        }
        if !curve.is_empty() {
            writeln!(out, "\nLoD curve (mutated sites by design VAF):")?;
            writeln!(
                out,
                "{:>8} {:>9} {:>6} {:>9} {:>7} {:>17} {:>10}",
                "depth", "VAF", "sites", "detected", "sens", "95% CI", "mean LoD95"
            )?;
            for p in &curve {
                let depth = p
                    .depth
                    .map(|d| format!("{d:.0}"))
                    .unwrap_or_else(|| "-".into());
                writeln!(
                    out,
                    "{:>8} {:>9} {:>6} {:>9} {:>7} {:>17} {:>10}",
                    depth,
                    percent(p.expected_vaf, Digits::Fixed(3), Gap::Tight),
                    p.sites,
                    p.detected,
                    pct(Some(p.sensitivity)),
                    format!(
                        "{}-{}",
                        pct(Some(p.sensitivity_lo)),
                        pct(Some(p.sensitivity_hi))
                    ),
                    p.mean_lod95
                        .map(|l| percent(l, Digits::Fixed(3), Gap::Tight))
                        .unwrap_or_else(|| "-".into())
                )?;
            }
        }
        out.flush()?;

        if let Some([eval_path, curve_path]) = &outputs {
            // Both tables are written before either is put in place, so a
            // failure leaves neither.
            let a = table(eval_path, &evals)?;
            let b = table(curve_path, &curve)?;
            a.finish()?;
            b.finish()?;
            eprintln!(
                "cfspot: wrote {} and {}",
                eval_path.display(),
                curve_path.display()
            );
        }
        Ok(())
    }
}
