//! Tumour fraction by maximum likelihood, with a profile-likelihood
//! interval and the likelihood-ratio test of TF = 0.
//!
//! `ℓ(TF) = Σ_i log Binom(a_i | n_i, p_i)`, with
//! `p_i = f_i·TF/2·(1 − e_i) + (1 − f_i·TF/2)·e_i`: a tumour fragment shows
//! the mutation with probability `f_i/2` (1/2 for a clonal heterozygous
//! diploid site; `f_i` folds in clonality and copy number), and any
//! fragment may show it by error at rate `e_i`. `ℓ` is concave in TF, so the
//! maximum and the interval ends are found by bisection.

use serde::Serialize;
use statrs::function::erf::erfc;

/// One site's evidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteEvidence<'a> {
    pub depth: u64,
    pub alt: u64,
    pub background: f64,
    /// Clonality × copy factor (1 for clonal heterozygous diploid).
    pub factor: f64,
    /// With length evidence: the alt fragments as `(r, fragments)`, `r` the
    /// ratio of the tumour's to the sample's length density (see
    /// `stats::length`); empty: counts alone.
    pub lengths: &'a [(f64, u64)],
}

impl SiteEvidence<'_> {
    /// The alt fragments' log-likelihood at `tf`, up to a constant:
    /// `a·log p` from counts alone, `Σ log(m(1−e)r_j + (1−m)e)` with lengths.
    pub(super) fn alt_log(&self, tf: f64) -> f64 {
        if self.lengths.is_empty() {
            return self.alt as f64 * mutant_share(self, tf).ln();
        }
        let (m, e) = ((self.factor * tf / 2.0).clamp(0.0, 1.0), self.background);
        self.lengths
            .iter()
            .map(|&(r, n)| n as f64 * (m * (1.0 - e) * r + (1.0 - m) * e).max(1e-300).ln())
            .sum()
    }

    /// `∂/∂tf` of [`Self::alt_log`] with lengths.
    fn alt_slope(&self, tf: f64) -> f64 {
        let e = self.background;
        let m = (self.factor * tf / 2.0).clamp(0.0, 1.0);
        self.lengths
            .iter()
            .map(|&(r, n)| {
                let x = (m * (1.0 - e) * r + (1.0 - m) * e).max(1e-300);
                n as f64 * self.factor / 2.0 * ((1.0 - e) * r - e) / x
            })
            .sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TfEstimate {
    pub estimate: f64,
    pub lo: f64,
    pub hi: f64,
    /// `2(ℓ(TF̂) − ℓ(0))`.
    pub lrt_statistic: f64,
    /// One-sided p-value of TF = 0 (boundary: ½ χ²₁).
    pub lrt_p_value: f64,
}

/// χ²₁ 95 % quantile (two-sided interval) and 90 % quantile (one-sided, at
/// the TF = 0 boundary).
pub(super) const CHI2_95: f64 = 3.841_458_820_694_124;
pub(super) const CHI2_90: f64 = 2.705_543_454_095_404;

pub(super) fn mutant_share(s: &SiteEvidence, tf: f64) -> f64 {
    let m = (s.factor * tf / 2.0).clamp(0.0, 1.0);
    (m * (1.0 - s.background) + (1.0 - m) * s.background).clamp(1e-300, 1.0 - 1e-16)
}

/// Log-likelihood up to a constant (the binomial coefficients cancel in
/// every ratio used here).
pub fn log_likelihood(sites: &[SiteEvidence], tf: f64) -> f64 {
    sites
        .iter()
        .map(|s| {
            let p = mutant_share(s, tf);
            s.alt_log(tf) + (s.depth - s.alt) as f64 * (1.0 - p).ln()
        })
        .sum()
}

fn derivative(sites: &[SiteEvidence], tf: f64) -> f64 {
    sites
        .iter()
        .map(|s| {
            let p = mutant_share(s, tf);
            let dp = s.factor / 2.0 * (1.0 - 2.0 * s.background);
            if s.lengths.is_empty() {
                // Counts alone, as this was before lengths (same rounding).
                (s.alt as f64 / p - (s.depth - s.alt) as f64 / (1.0 - p)) * dp
            } else {
                s.alt_slope(tf) - (s.depth - s.alt) as f64 / (1.0 - p) * dp
            }
        })
        .sum()
}

/// Bisection for the point in `[lo, hi]` where `f` changes sign
/// (`f(lo) > 0 ≥ f(hi)`).
pub(super) fn bisect(mut lo: f64, mut hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Estimate TF on [0, 1] from `sites` (empty: TF 0 with an empty interval
/// at 0).
pub fn estimate(sites: &[SiteEvidence]) -> TfEstimate {
    if sites.is_empty() || sites.iter().all(|s| s.depth == 0) {
        return TfEstimate {
            estimate: 0.0,
            lo: 0.0,
            hi: 0.0,
            lrt_statistic: 0.0,
            lrt_p_value: 1.0,
        };
    }
    let tf = if derivative(sites, 0.0) <= 0.0 {
        0.0
    } else if derivative(sites, 1.0) >= 0.0 {
        1.0
    } else {
        bisect(0.0, 1.0, |t| derivative(sites, t))
    };
    let best = log_likelihood(sites, tf);
    let drop = |t: f64| 2.0 * (best - log_likelihood(sites, t));
    let lrt = drop(0.0).max(0.0);
    // At the boundary the interval is one-sided.
    let cut = if tf == 0.0 { CHI2_90 } else { CHI2_95 };
    let lo = if tf == 0.0 || drop(0.0) <= cut {
        0.0
    } else {
        bisect(0.0, tf, |t| drop(t) - cut)
    };
    let hi = if drop(1.0) <= cut {
        1.0
    } else {
        bisect(tf, 1.0, |t| cut - drop(t))
    };
    TfEstimate {
        estimate: tf,
        lo,
        hi,
        lrt_statistic: lrt,
        lrt_p_value: 0.5 * erfc((lrt / 2.0).sqrt()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(depth: u64, alt: u64) -> SiteEvidence<'static> {
        SiteEvidence {
            depth,
            alt,
            background: 0.0,
            factor: 1.0,
            lengths: &[],
        }
    }

    #[test]
    fn one_site_without_error_is_twice_the_vaf() {
        // With e = 0 and f = 1, p = TF/2: the MLE is 2·a/n exactly.
        let t = estimate(&[site(1000, 20)]);
        assert!((t.estimate - 0.04).abs() < 1e-9, "{t:?}");
        assert!(t.lo < 0.04 && t.hi > 0.04);
        // The interval ends sit where the log-likelihood has dropped by
        // 3.84/2.
        let s = [site(1000, 20)];
        let best = log_likelihood(&s, t.estimate);
        for end in [t.lo, t.hi] {
            assert!((2.0 * (best - log_likelihood(&s, end)) - CHI2_95).abs() < 1e-6);
        }
        // Wald check: 2·SE(VAF) = 2·sqrt(0.02·0.98/1000) ≈ 0.00885; the profile
        // interval on TF is about ±1.96 of that, within 20 %.
        let wald = 1.96 * 2.0 * (0.02f64 * 0.98 / 1000.0).sqrt();
        assert!(
            ((t.hi - t.lo) / 2.0 - wald).abs() < 0.2 * wald,
            "{t:?} vs ±{wald}"
        );
    }

    #[test]
    fn pooled_sites_and_background() {
        // Two sites, same background 1e-3: p = TF/2(1−e) + (1−TF/2)e is the
        // pooled alt share (a1+a2)/(n1+n2) = 30/3000 = 0.01, so
        // TF/2 = (0.01 − 0.001)/(1 − 0.002) → TF = 0.018036…
        let s = [
            SiteEvidence {
                depth: 1000,
                alt: 10,
                background: 1e-3,
                factor: 1.0,
                lengths: &[],
            },
            SiteEvidence {
                depth: 2000,
                alt: 20,
                background: 1e-3,
                factor: 1.0,
                lengths: &[],
            },
        ];
        let t = estimate(&s);
        let want = 2.0 * (0.01 - 0.001) / (1.0 - 0.002);
        assert!((t.estimate - want).abs() < 1e-9, "{} vs {want}", t.estimate);
        assert!(t.lrt_p_value < 1e-6);
    }

    #[test]
    fn nothing_seen_gives_zero_and_a_one_sided_bound() {
        let s = [SiteEvidence {
            depth: 5000,
            alt: 5,
            background: 1e-3,
            factor: 1.0,
            lengths: &[],
        }];
        let t = estimate(&s);
        // a/n = 1e-3 equals the background: the MLE is 0.
        assert_eq!(t.estimate, 0.0);
        assert_eq!(t.lo, 0.0);
        assert!(t.hi > 0.0 && t.hi < 0.01, "{t:?}");
        assert!(
            (2.0 * (log_likelihood(&s, 0.0) - log_likelihood(&s, t.hi)) - CHI2_90).abs() < 1e-6
        );
        assert!(t.lrt_p_value >= 0.5 - 1e-12);
    }
}
