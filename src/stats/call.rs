//! Site calls and the sample verdict.
//!
//! Per site: one-sided p-value of the alt count under the background
//! (beta-binomial when positions are over-dispersed), Benjamini–Hochberg
//! q-values across the panel, a strand-balance check, the 95 % limit of
//! detection at this depth, and a Clopper–Pearson VAF interval. Per sample:
//! the tumour fraction (de novo by a mixture over every site, see `de_novo`, or tumour-informed
//! over the patient's own mutations) against a threshold.

use super::background::{SiteBackground, SourceKind};
use super::de_novo;
use super::distributions::{
    benjamini_hochberg, beta_binomial_sf, binomial_sf, clopper_pearson, fisher_exact,
};
use super::length::LengthEvidence;
use super::normal::NormalSite;
use super::tumour_fraction::{self, SiteEvidence, TfEstimate};
use crate::count::SiteCounts;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq)]
pub struct CallOptions {
    /// False-discovery rate for site calls (Benjamini–Hochberg).
    pub alpha: f64,
    /// A call needs at least this many alt fragments.
    pub min_alt: u64,
    /// Sites with fewer fragments are `LOW_DEPTH`.
    pub min_depth: u64,
    /// Fisher's exact p below this is strand bias.
    pub strand_p: f64,
    /// Clonality × copy factor: VAF = factor · TF / 2.
    pub factor: f64,
    /// The tumour fraction the sample is judged against.
    pub tf_threshold: f64,
    /// Weigh each alt fragment's length in the site test, the LoD95 and
    /// the tumour fraction (see `stats::length`).
    pub length_evidence: bool,
    /// In-silico size selection: only fragments of these lengths (bp,
    /// inclusive) count (applied to the counts before calling; see
    /// `stats::length::size_select`).
    pub size_select: Option<(u32, u32)>,
}

impl Default for CallOptions {
    fn default() -> Self {
        CallOptions {
            alpha: 0.05,
            min_alt: 3,
            min_depth: 100,
            strand_p: 1e-3,
            factor: 1.0,
            tf_threshold: 0.01,
            length_evidence: false,
            size_select: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SiteStatus {
    Detected,
    NotDetected,
    LowDepth,
    Filtered,
    /// The matched normal carries the alt (`call --normal`): CHIP or
    /// germline, not tumour; kept out of the tumour fraction.
    ChipOrGermline,
}

impl SiteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SiteStatus::Detected => "DETECTED",
            SiteStatus::NotDetected => "NOT_DETECTED",
            SiteStatus::LowDepth => "LOW_DEPTH",
            SiteStatus::Filtered => "FILTERED",
            SiteStatus::ChipOrGermline => "CHIP_OR_GERMLINE",
        }
    }
}

/// The call at one site.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteCall {
    pub depth: u64,
    pub alt: u64,
    pub vaf: Option<f64>,
    pub vaf_lo: f64,
    pub vaf_hi: f64,
    pub background: SiteBackground,
    pub p_value: f64,
    pub q_value: f64,
    /// Smallest VAF called with ≥ 95 % probability here; `None` when even
    /// VAF 1 would not be (no depth).
    pub lod95: Option<f64>,
    pub strand_p: f64,
    pub status: SiteStatus,
    /// Why a site is `FILTERED` (e.g. `strand_bias`), empty otherwise.
    pub filter: String,
    /// What the matched normal shows here (`call --normal`), if one was given.
    pub normal: Option<NormalSite>,
}

impl SiteCall {
    /// Whether the site may weigh in the tumour fraction and the sample's
    /// limit of detection: not a strand artefact, and not an alt the
    /// matched normal carries.
    pub fn tumour_evidence(&self) -> bool {
        !matches!(
            self.status,
            SiteStatus::Filtered | SiteStatus::ChipOrGermline
        )
    }
}

/// p-value of `alt` of `depth` under a background.
pub fn site_p_value(alt: u64, depth: u64, bg: &SiteBackground) -> f64 {
    beta_binomial_sf(alt, depth, bg.rate, bg.rho)
}

/// The smallest alt count whose p-value clears `level` at this depth.
pub fn critical_alt(depth: u64, bg: &SiteBackground, level: f64) -> Option<u64> {
    // The p-value falls as k grows: bisection over k.
    if depth == 0 || site_p_value(depth, depth, bg) > level {
        return None;
    }
    let (mut lo, mut hi) = (0u64, depth); // p(lo) > level ≥ p(hi)
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if site_p_value(mid, depth, bg) <= level {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// LoD95: the smallest VAF `v` with `P(X ≥ need) ≥ 0.95` for
/// `X ~ Binomial(depth, v + (1 − v)·e)`, where `need` is the larger of
/// `min_alt` and the critical count at `level`. Monotone in `v`: bisection.
pub fn lod95(depth: u64, bg: &SiteBackground, level: f64, min_alt: u64) -> Option<f64> {
    let need = critical_alt(depth, bg, level)?.max(min_alt);
    if need > depth {
        return None;
    }
    let power = |v: f64| binomial_sf(need, depth, v + (1.0 - v) * bg.rate);
    if power(0.0) >= 0.95 {
        return Some(0.0);
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if power(mid) >= 0.95 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// The count test's calls (BH q < α and at least `min_alt` alt): the sites
/// whose alt fragments refine the tumour length model.
fn count_detected(
    counts: &[SiteCounts],
    backgrounds: &[SiteBackground],
    opts: &CallOptions,
) -> Vec<usize> {
    let p: Vec<f64> = counts
        .iter()
        .zip(backgrounds)
        .map(|(c, bg)| site_p_value(c.alt_count(), c.depth(), bg))
        .collect();
    let q = benjamini_hochberg(&p);
    (0..counts.len())
        .filter(|&i| q[i] < opts.alpha && counts[i].alt_count() >= opts.min_alt)
        .collect()
}

/// The sample's length models when `opts.length_evidence` is on (and its
/// fragments have lengths): `None` otherwise.
pub fn length_model(
    counts: &[SiteCounts],
    backgrounds: &[SiteBackground],
    opts: &CallOptions,
) -> Option<LengthEvidence> {
    if !opts.length_evidence {
        return None;
    }
    LengthEvidence::from_sample(counts, &count_detected(counts, backgrounds, opts))
}

/// Call every site. `backgrounds[i]` is site `i`'s background.
pub fn call_sites(
    counts: &[SiteCounts],
    backgrounds: &[SiteBackground],
    opts: &CallOptions,
) -> Vec<SiteCall> {
    let lengths = length_model(counts, backgrounds, opts);
    call_sites_with(counts, backgrounds, opts, lengths.as_ref())
}

/// [`call_sites`] with the length models given (`None`: counts alone).
pub fn call_sites_with(
    counts: &[SiteCounts],
    backgrounds: &[SiteBackground],
    opts: &CallOptions,
    lengths: Option<&LengthEvidence>,
) -> Vec<SiteCall> {
    let m = counts.len().max(1);
    // α/m: a safe stand-in for the Benjamini–Hochberg cut when asking what
    // a site alone would need.
    let level = opts.alpha / m as f64;
    let count_lod: Vec<Option<f64>> = counts
        .iter()
        .zip(backgrounds)
        .map(|(c, bg)| lod95(c.depth(), bg, level, opts.min_alt))
        .collect();
    let p: Vec<f64> = counts
        .iter()
        .zip(backgrounds)
        .zip(&count_lod)
        .map(|((c, bg), lod)| match (lengths, lod) {
            (Some(l), Some(v)) => l.p_value(c, bg, LengthEvidence::alternative(*v, bg)),
            _ => site_p_value(c.alt_count(), c.depth(), bg),
        })
        .collect();
    // Sites of one depth and background share a LoD (the random-genome
    // panels have thousands of sites and far fewer distinct pairs).
    let mut lod_cache = std::collections::HashMap::new();
    let lods: Vec<Option<f64>> = counts
        .iter()
        .zip(backgrounds)
        .zip(&count_lod)
        .map(|((c, bg), lod)| match (lengths, lod) {
            (Some(l), Some(v)) => {
                let key = (c.depth(), bg.rate.to_bits(), bg.rho.to_bits());
                *lod_cache.entry(key).or_insert_with(|| {
                    let v1 = LengthEvidence::alternative(*v, bg);
                    l.lod95(c.depth(), bg, v1, level, opts.min_alt)
                })
            }
            _ => *lod,
        })
        .collect();
    let q = benjamini_hochberg(&p);
    counts
        .iter()
        .zip(backgrounds)
        .enumerate()
        .map(|(i, (c, bg))| {
            let (depth, alt) = (c.depth(), c.alt_count());
            let (vaf_lo, vaf_hi) = clopper_pearson(alt, depth, 0.05);
            let strand_p = fisher_exact(c.ref_fwd, c.ref_rev, c.alt_fwd, c.alt_rev);
            let significant = q[i] < opts.alpha && alt >= opts.min_alt;
            let (status, filter) = if depth < opts.min_depth {
                (SiteStatus::LowDepth, String::new())
            } else if significant && strand_p < opts.strand_p {
                (SiteStatus::Filtered, "strand_bias".to_string())
            } else if significant {
                (SiteStatus::Detected, String::new())
            } else {
                (SiteStatus::NotDetected, String::new())
            };
            SiteCall {
                depth,
                alt,
                vaf: c.vaf(),
                vaf_lo,
                vaf_hi,
                background: bg.clone(),
                p_value: p[i],
                q_value: q[i],
                lod95: lods[i],
                strand_p,
                status,
                filter,
                normal: None,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SampleStatus {
    /// The TF interval lies above the threshold.
    CtdnaDetected,
    /// ctDNA is seen, but its TF interval reaches down to the threshold.
    BelowThreshold,
    NotDetected,
}

impl SampleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SampleStatus::CtdnaDetected => "CTDNA_DETECTED",
            SampleStatus::BelowThreshold => "BELOW_THRESHOLD",
            SampleStatus::NotDetected => "NOT_DETECTED",
        }
    }
}

/// The sample-level result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleCall {
    /// `de_novo` (a mixture over every site) or `tumour_informed`.
    pub mode: &'static str,
    pub tumour_fraction: TfEstimate,
    /// Panel indices of the sites the estimate rests on: tumour-informed,
    /// the patient's mutations; de novo, the sites the mixture puts in the
    /// clonal component (posterior ≥ ½).
    pub sites_used: Vec<usize>,
    /// How many sites the likelihood ran over (de novo: every site not
    /// `FILTERED` and with depth, less the subclonal ones).
    pub sites_fitted: usize,
    /// De novo: panel indices of mutated sites found below the clonal VAF,
    /// kept out of TF.
    pub subclonal: Vec<usize>,
    /// De novo: π̂, the share of the fitted sites that carry the mutation.
    pub mutated_share: Option<f64>,
    pub status: SampleStatus,
    pub threshold: f64,
    /// The smallest TF this sample would detect with ≥ 95 % probability:
    /// de novo, through its most sensitive site (2·LoD95/factor); tumour-
    /// informed, through the pooled depth of the patient's sites.
    pub lod: Option<f64>,
}

/// Judge the sample. `informed`: the panel indices of the patient's known
/// mutations (tumour-informed mode), or `None` for de novo.
pub fn judge_sample(
    counts: &[SiteCounts],
    calls: &[SiteCall],
    informed: Option<&[usize]>,
    opts: &CallOptions,
) -> SampleCall {
    let backgrounds: Vec<SiteBackground> = calls.iter().map(|c| c.background.clone()).collect();
    let lengths = length_model(counts, &backgrounds, opts);
    judge_sample_with(counts, calls, informed, opts, lengths.as_ref())
}

/// [`judge_sample`] with the length models given (`None`: counts alone).
/// The tumour-informed LoD pools the patient's sites by counts alone.
pub fn judge_sample_with(
    counts: &[SiteCounts],
    calls: &[SiteCall],
    informed: Option<&[usize]>,
    opts: &CallOptions,
    lengths: Option<&LengthEvidence>,
) -> SampleCall {
    let weights: Vec<Vec<(f64, u64)>> = counts
        .iter()
        .map(|c| lengths.map(|l| l.weights(c)).unwrap_or_default())
        .collect();
    let evidence = |i: usize| SiteEvidence {
        depth: calls[i].depth,
        alt: calls[i].alt,
        background: calls[i].background.rate,
        factor: opts.factor,
        lengths: &weights[i],
    };
    let gather = |ids: &[usize]| ids.iter().map(|&i| evidence(i)).collect::<Vec<_>>();
    // The patient's mutations that the matched normal does not carry: a
    // tumour-informed list can name a CHIP too (blood in the tumour tissue).
    let informed: Option<Vec<usize>> = informed.map(|ids| {
        ids.iter()
            .copied()
            .filter(|&i| calls[i].status != SiteStatus::ChipOrGermline)
            .collect()
    });
    let informed = informed.as_deref();
    let (mode, tf, used, fitted, subclonal, share) = match informed {
        Some(ids) => {
            let tf = tumour_fraction::estimate(&gather(ids));
            (
                "tumour_informed",
                tf,
                ids.to_vec(),
                ids.len(),
                Vec::new(),
                None,
            )
        }
        None => {
            // Every site that has depth and is not an artefact (nor an alt
            // the matched normal carries): the ones without the mutation
            // are what keeps the estimate honest.
            let fitted: Vec<usize> = (0..calls.len())
                .filter(|&i| calls[i].depth > 0 && calls[i].tumour_evidence())
                .collect();
            let fit = de_novo::estimate(&gather(&fitted));
            let used = (0..fitted.len())
                .filter(|&k| fit.posterior[k] >= 0.5)
                .map(|k| fitted[k])
                .collect();
            let subclonal: Vec<usize> = fit.subclonal.iter().map(|&k| fitted[k]).collect();
            let n = fitted.len() - subclonal.len();
            let share = Some(fit.mutated_share);
            ("de_novo", fit.estimate, used, n, subclonal, share)
        }
    };
    let seen = tf.lrt_p_value < opts.alpha;
    let status = if !seen {
        SampleStatus::NotDetected
    } else if tf.lo > opts.tf_threshold {
        SampleStatus::CtdnaDetected
    } else {
        SampleStatus::BelowThreshold
    };
    let to_tf = |vaf: f64| (2.0 * vaf / opts.factor).min(1.0);
    let lod = match informed {
        None => calls
            .iter()
            .filter(|c| c.status != SiteStatus::ChipOrGermline)
            .filter_map(|c| c.lod95)
            .map(to_tf)
            .min_by(f64::total_cmp),
        Some(ids) => {
            // Pool the patient's sites into one test at level α.
            let depth: u64 = ids.iter().map(|&i| counts[i].depth()).sum();
            let rate = if depth == 0 {
                0.0
            } else {
                ids.iter()
                    .map(|&i| calls[i].background.rate * counts[i].depth() as f64)
                    .sum::<f64>()
                    / depth as f64
            };
            let bg = SiteBackground {
                rate,
                rho: 0.0,
                source: "pooled".into(),
                judged_by: SourceKind::Pooled,
            };
            lod95(depth, &bg, opts.alpha, 1).map(to_tf)
        }
    };
    SampleCall {
        mode,
        tumour_fraction: tf,
        sites_used: used,
        sites_fitted: fitted,
        subclonal,
        mutated_share: share,
        status,
        threshold: opts.tf_threshold,
        lod,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A fixed background (the matched normal's tests use it too).
    pub(in crate::stats) fn bg(rate: f64) -> SiteBackground {
        SiteBackground {
            rate,
            rho: 0.0,
            source: "test".into(),
            judged_by: SourceKind::Fixed,
        }
    }

    #[test]
    fn critical_count_and_lod_at_a_worked_site() {
        // Depth 1000, background 1e-3, level 0.05/31: P(X ≥ k) for
        // Binomial(1000, 0.001) is 3.64e-3 at k = 5 and 5.88e-4 at k = 6
        // (exact sums), so the critical count is 6.
        let b = bg(1e-3);
        assert_eq!(critical_alt(1000, &b, 0.05 / 31.0), Some(6));
        let lod = lod95(1000, &b, 0.05 / 31.0, 3).unwrap();
        // At the LoD the power is 95 %, and just below it less.
        let power = |v: f64| binomial_sf(6, 1000, v + (1.0 - v) * 1e-3);
        assert!((power(lod) - 0.95).abs() < 1e-6, "{lod}");
        // Poisson sanity: need mean λ with P(Poisson(λ) ≥ 6) = 0.95, λ ≈ 10.51,
        // so v ≈ (10.51/1000 − 0.001) ≈ 0.0095.
        assert!((lod - 0.0095).abs() < 0.0005, "{lod}");
    }

    #[test]
    fn statuses() {
        let c = SiteCounts {
            ref_fwd: 500,
            ref_rev: 480,
            alt_fwd: 11,
            alt_rev: 9,
            ..SiteCounts::default()
        };
        let low = SiteCounts {
            ref_fwd: 40,
            ..SiteCounts::default()
        };
        let biased = SiteCounts {
            alt_fwd: 20,
            alt_rev: 0,
            ..c.clone()
        };
        let none = SiteCounts {
            alt_fwd: 1,
            alt_rev: 0,
            ..c.clone()
        };
        let counts = [c, low, biased, none];
        let bgs = vec![bg(1e-3); 4];
        let calls = call_sites(&counts, &bgs, &CallOptions::default());
        let st: Vec<_> = calls.iter().map(|c| c.status).collect();
        assert_eq!(
            st,
            [
                SiteStatus::Detected,
                SiteStatus::LowDepth,
                SiteStatus::Filtered,
                SiteStatus::NotDetected
            ]
        );
        assert_eq!(calls[2].filter, "strand_bias");
        // VAF interval brackets the VAF.
        assert!(calls[0].vaf_lo < 0.02 && calls[0].vaf_hi > 0.02);
        // Sample: one detected site at VAF 0.02 → TF ≈ 2·(0.02 − e)/(1 − 2e).
        let s = judge_sample(&counts, &calls, None, &CallOptions::default());
        assert_eq!(s.sites_used, vec![0]);
        // The mixture also weighs the 40-fragment site with no alt (it may
        // carry the mutation unseen): at most 40 of 1,040 fragments, so the
        // estimate is within 4 % of the one-site value; the site with 1 alt
        // of 981 is clearly not mutated and the strand-biased one is out.
        let want = 2.0 * (20.0 / 1000.0 - 1e-3) / (1.0 - 2e-3);
        let got = s.tumour_fraction.estimate;
        assert!(got <= want + 1e-9 && got > 0.96 * want, "{got} vs {want}");
        assert_eq!(s.sites_fitted, 3);
        assert_eq!(s.status, SampleStatus::CtdnaDetected);
        // A higher threshold puts it below.
        let hi = CallOptions {
            tf_threshold: 0.05,
            ..CallOptions::default()
        };
        assert_eq!(
            judge_sample(&counts, &calls, None, &hi).status,
            SampleStatus::BelowThreshold
        );
        // Tumour-informed on the site with 1 alt of 981: not seen.
        let s = judge_sample(&counts, &calls, Some(&[3]), &CallOptions::default());
        assert_eq!(s.status, SampleStatus::NotDetected);
        assert!(s.lod.unwrap() > 0.0);
    }
}
