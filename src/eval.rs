//! Calls against simulated truth: confusion counts per sample, the
//! tumour-fraction error, and sensitivity by VAF (the LoD curve) over a
//! dilution series.
//!
//! A hotspot is *positive* when the truth says `mutated` (the simulator
//! put its alt allele in the tumour); a call is *positive* when its status
//! is `DETECTED` (`FILTERED` and `LOW_DEPTH` are negative calls).

use crate::report::calls::CallRow;
use crate::stats::distributions::clopper_pearson;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {path}: {detail}", path = path.display())]
    Read { path: PathBuf, detail: String },
    #[error("{truth} and {calls} do not describe the same hotspots: {detail}", truth = truth.display(), calls = calls.display())]
    Mismatch {
        truth: PathBuf,
        calls: PathBuf,
        detail: String,
    },
}

/// The columns of `NAME.truth.tsv` that evaluation reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TruthSite {
    pub id: String,
    pub mutated: bool,
    pub expected_vaf: f64,
    pub depth: u64,
    pub alt_fragments: u64,
}

pub fn read_truth(path: &Path) -> Result<Vec<TruthSite>, EvalError> {
    let err = |detail: String| EvalError::Read {
        path: path.to_owned(),
        detail,
    };
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(path)
        .map_err(|e| err(e.to_string()))?;
    r.deserialize()
        .enumerate()
        .map(|(i, row)| {
            row.map_err(|e| err(format!("line {}: not a cfspot truth row: {e}", i + 2)))
        })
        .collect()
}

/// What the simulator's `NAME.params.json` and the caller's
/// `PREFIX.summary.json` say about the tumour fraction, when present.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SampleContext {
    pub tf_true: Option<f64>,
    /// Target fragments per site of the simulation.
    pub depth: Option<f64>,
    /// Estimate, lower and upper bound (the upper is absent de novo when
    /// nothing was detected).
    pub tf_estimate: Option<(f64, f64, Option<f64>)>,
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

impl SampleContext {
    /// Look beside the files: `NAME.truth.tsv` → `NAME.params.json`,
    /// `PREFIX.calls.tsv` → `PREFIX.summary.json`.
    pub fn beside(truth: &Path, calls: &Path) -> Self {
        let sibling = |p: &Path, from: &str, to: &str| {
            let s = p.to_string_lossy();
            s.strip_suffix(from)
                .map(|stem| PathBuf::from(format!("{stem}{to}")))
        };
        let params = sibling(truth, ".truth.tsv", ".params.json").and_then(|p| read_json(&p));
        let summary = sibling(calls, ".calls.tsv", ".summary.json").and_then(|p| read_json(&p));
        let param = |k: &str| params.as_ref().and_then(|v| v["parameters"][k].as_f64());
        let tf = summary.as_ref().and_then(|s| {
            let t = &s["tumour_fraction"];
            Some((t["estimate"].as_f64()?, t["lo"].as_f64()?, t["hi"].as_f64()))
        });
        SampleContext {
            tf_true: param("tumour_fraction"),
            depth: param("depth"),
            tf_estimate: tf,
        }
    }
}

/// One sample's evaluation: a row of `eval.tsv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleEval {
    pub sample: String,
    pub truth: String,
    pub calls: String,
    pub depth: Option<f64>,
    pub tp: u64,
    #[serde(rename = "fp")]
    pub fp: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
    pub tn: u64,
    pub sensitivity: Option<f64>,
    pub specificity: Option<f64>,
    pub ppv: Option<f64>,
    pub tf_true: Option<f64>,
    pub tf_estimate: Option<f64>,
    pub tf_lo: Option<f64>,
    pub tf_hi: Option<f64>,
    /// (estimate − truth) / truth.
    pub(crate) tf_relative_error: Option<f64>,
    pub(crate) tf_covered: Option<bool>,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Match truth and calls by hotspot id.
pub fn pair<'a>(
    truth: &'a [TruthSite],
    calls: &'a [CallRow],
    truth_path: &Path,
    calls_path: &Path,
) -> Result<Vec<(&'a TruthSite, &'a CallRow)>, EvalError> {
    let by_id: BTreeMap<&str, &CallRow> = calls.iter().map(|c| (c.id.as_str(), c)).collect();
    let missing: Vec<&str> = truth
        .iter()
        .filter(|t| !by_id.contains_key(t.id.as_str()))
        .map(|t| t.id.as_str())
        .collect();
    if !missing.is_empty() || truth.len() != calls.len() {
        return Err(EvalError::Mismatch {
            truth: truth_path.to_owned(),
            calls: calls_path.to_owned(),
            detail: format!(
                "{} truth rows, {} call rows; not called: {}",
                truth.len(),
                calls.len(),
                missing
                    .iter()
                    .take(5)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(truth.iter().map(|t| (t, by_id[t.id.as_str()])).collect())
}

pub fn evaluate(
    sample: &str,
    truth_path: &Path,
    calls_path: &Path,
    pairs: &[(&TruthSite, &CallRow)],
    ctx: SampleContext,
) -> SampleEval {
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    for (t, c) in pairs {
        match (t.mutated, c.status == "DETECTED") {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => tn += 1,
        }
    }
    let (est, lo, hi) = match ctx.tf_estimate {
        Some((e, l, h)) => (Some(e), Some(l), h),
        None => (None, None, None),
    };
    SampleEval {
        sample: sample.to_string(),
        truth: truth_path.display().to_string(),
        calls: calls_path.display().to_string(),
        depth: ctx.depth,
        tp,
        fp,
        fn_,
        tn,
        sensitivity: ratio(tp, tp + fn_),
        specificity: ratio(tn, tn + fp),
        ppv: ratio(tp, tp + fp),
        tf_true: ctx.tf_true,
        tf_estimate: est,
        tf_lo: lo,
        tf_hi: hi,
        tf_relative_error: match (est, ctx.tf_true) {
            (Some(e), Some(t)) if t > 0.0 => Some((e - t) / t),
            _ => None,
        },
        tf_covered: match (lo, hi, ctx.tf_true) {
            (Some(l), Some(h), Some(t)) => Some(l <= t && t <= h),
            // No upper bound: covered when the truth is above the lower one.
            (Some(l), None, Some(t)) => Some(l <= t),
            _ => None,
        },
    }
}

/// One point of the LoD curve: mutated sites at one design VAF (and target
/// depth), how many were called, with a Clopper–Pearson 95 % interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurvePoint {
    pub depth: Option<u64>,
    pub expected_vaf: f64,
    pub sites: u64,
    pub detected: u64,
    pub sensitivity: f64,
    pub sensitivity_lo: f64,
    pub sensitivity_hi: f64,
    /// Mean LoD95 the caller predicted at these sites.
    pub mean_lod95: Option<f64>,
}

/// Sensitivity by (target depth, design VAF) over many samples.
pub fn lod_curve(samples: &[(SampleContext, Vec<(&TruthSite, &CallRow)>)]) -> Vec<CurvePoint> {
    // Key: depth and VAF in integer millionths, so equal designs group.
    let mut groups: BTreeMap<(i64, i64), (u64, u64, f64, u64)> = BTreeMap::new();
    for (ctx, pairs) in samples {
        let d = ctx.depth.map(|d| d.round() as i64).unwrap_or(-1);
        for (t, c) in pairs
            .iter()
            .filter(|(t, _)| t.mutated && t.expected_vaf > 0.0)
        {
            let g = groups
                .entry((d, (t.expected_vaf * 1e6).round() as i64))
                .or_default();
            g.0 += 1;
            g.1 += u64::from(c.status == "DETECTED");
            if let Some(l) = c.lod95 {
                g.2 += l;
                g.3 += 1;
            }
        }
    }
    groups
        .into_iter()
        .map(|((d, v), (n, k, lod_sum, lod_n))| {
            let (lo, hi) = clopper_pearson(k, n, 0.05);
            CurvePoint {
                depth: (d >= 0).then_some(d as u64),
                expected_vaf: v as f64 / 1e6,
                sites: n,
                detected: k,
                sensitivity: k as f64 / n as f64,
                sensitivity_lo: lo,
                sensitivity_hi: hi,
                mean_lod95: (lod_n > 0).then(|| lod_sum / lod_n as f64),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth(id: &str, mutated: bool, vaf: f64) -> TruthSite {
        TruthSite {
            id: id.into(),
            mutated,
            expected_vaf: vaf,
            depth: 1000,
            alt_fragments: 0,
        }
    }

    fn call(id: &str, status: &str, lod: f64) -> CallRow {
        CallRow {
            id: id.into(),
            gene: String::new(),
            label: String::new(),
            contig: "c".into(),
            pos: 1,
            ref_allele: "A".into(),
            alt: "C".into(),
            depth: 1000,
            ref_count: 990,
            alt_count: 10,
            vaf: Some(0.01),
            vaf_lo: 0.0,
            vaf_hi: 0.02,
            background: 1e-4,
            background_rho: 0.0,
            background_source: "A>C".into(),
            p_value: 0.5,
            q_value: 0.5,
            lod95: Some(lod),
            strand_p: 1.0,
            alt_fwd: 5,
            alt_rev: 5,
            alt_len_median: None,
            status: status.into(),
            filter: String::new(),
            note: String::new(),
            normal_depth: None,
            normal_ref_count: None,
            normal_alt: None,
            normal_vaf: None,
            normal_p_value: None,
            normal_excess_p: None,
            normal_label: None,
            judged_by: None,
        }
    }

    #[test]
    fn confusion_and_rates() {
        let t = [
            truth("a", true, 0.01),
            truth("b", true, 0.01),
            truth("c", false, 0.0),
            truth("d", false, 0.0),
        ];
        let c = [
            call("b", "NOT_DETECTED", 0.004),
            call("a", "DETECTED", 0.004),
            call("c", "DETECTED", 0.004),
            call("d", "FILTERED", 0.004),
        ];
        let p = Path::new("x");
        let pairs = pair(&t, &c, p, p).unwrap();
        let ctx = SampleContext {
            tf_true: Some(0.02),
            depth: Some(1000.0),
            tf_estimate: Some((0.025, 0.015, Some(0.03))),
        };
        let e = evaluate("s", p, p, &pairs, ctx);
        assert_eq!((e.tp, e.fp, e.fn_, e.tn), (1, 1, 1, 1));
        assert_eq!(
            (e.sensitivity, e.specificity, e.ppv),
            (Some(0.5), Some(0.5), Some(0.5))
        );
        assert!((e.tf_relative_error.unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(e.tf_covered, Some(true));
        let curve = lod_curve(&[(ctx, pairs)]);
        assert_eq!(curve.len(), 1);
        assert_eq!(
            (curve[0].sites, curve[0].detected, curve[0].expected_vaf),
            (2, 1, 0.01)
        );
        assert!(curve[0].sensitivity_lo < 0.5 && curve[0].sensitivity_hi > 0.5);
    }

    #[test]
    fn mismatched_sites_are_an_error() {
        let t = [truth("a", true, 0.01)];
        let c = [call("z", "DETECTED", 0.004)];
        let e = pair(&t, &c, Path::new("t.tsv"), Path::new("c.tsv")).unwrap_err();
        assert!(e.to_string().contains("t.tsv") && e.to_string().contains("a"));
    }
}
