//! The background error model: how often a fragment shows base `a` where
//! the reference has `r`, estimated from the sample's own non-hotspot
//! positions (a panel of normals can later replace it per site through
//! [`SiteBackground`]).

use crate::count::background::BackgroundWindow;
use serde::Serialize;

/// Positions whose non-reference share exceeds this look germline (a SNP),
/// not error, and are left out (and listed).
pub const GERMLINE_SHARE: f64 = 0.2;
/// … judged only where at least this many fragments cover them.
pub const GERMLINE_MIN_DEPTH: u32 = 10;

const BASES: [u8; 4] = [b'A', b'C', b'G', b'T'];

/// One substitution class `ref > alt`, pooled over positions and strands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassRate {
    /// Fragments showing `alt` at positions whose reference is `ref`.
    pub mismatches: u64,
    /// Fragments read at positions whose reference is `ref`.
    pub depth: u64,
    /// `(mismatches + 0.5) / (depth + 1)`: never exactly 0.
    pub rate: f64,
    /// Beta-binomial over-dispersion between positions (method of moments,
    /// Kleinman 1973); 0 when positions agree as a binomial would.
    pub rho: f64,
    /// The same rate on forward and on reverse fragments (fragment strand =
    /// read 1's), each `(mismatches + 0.5) / (depth + 1)`.
    pub rate_fwd: f64,
    pub rate_rev: f64,
}

/// A germline-looking position left out of the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    pub contig: String,
    /// 1-based.
    pub pos: i64,
    pub reference: char,
    pub depth: u32,
    pub non_ref_share: f64,
}

/// What a site's test uses as its background.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteBackground {
    pub rate: f64,
    pub rho: f64,
    /// Where it came from, e.g. `C>T` or `max_class` (MNV/indel stand-in).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorModel {
    /// `classes[r][a]` for `r != a`, bases in A C G T order.
    pub classes: [[ClassRate; 4]; 4],
    /// Positions that entered the model.
    pub positions: usize,
    /// Positions left out as germline.
    pub excluded: Vec<Excluded>,
}

impl ErrorModel {
    /// Pool the background windows.
    pub fn from_windows(windows: &[BackgroundWindow]) -> Self {
        // Per class: the per-position (mismatches, depth) pairs.
        let mut per_class: Vec<Vec<(u64, u64)>> = vec![Vec::new(); 16];
        // Per class and strand: (mismatches, depth).
        let mut stranded = [[(0u64, 0u64); 2]; 16];
        let mut positions = 0;
        let mut excluded = Vec::new();
        for w in windows {
            for (i, c) in w.counts.iter().enumerate() {
                if w.excluded[i] {
                    continue;
                }
                let Some(r) = crate::count::background::base_index(w.reference[i]) else {
                    continue;
                };
                let by_base: [u32; 4] = std::array::from_fn(|b| c[0][b] + c[1][b]);
                let depth: u32 = by_base.iter().sum();
                if depth == 0 {
                    continue;
                }
                let non_ref = depth - by_base[r];
                let share = non_ref as f64 / depth as f64;
                if depth >= GERMLINE_MIN_DEPTH && share > GERMLINE_SHARE {
                    excluded.push(Excluded {
                        contig: w.contig.clone(),
                        pos: w.start + i as i64 + 1,
                        reference: BASES[r] as char,
                        depth,
                        non_ref_share: share,
                    });
                    continue;
                }
                positions += 1;
                for a in (0..4).filter(|&a| a != r) {
                    per_class[r * 4 + a].push((by_base[a] as u64, depth as u64));
                    for (strand, tally) in stranded[r * 4 + a].iter_mut().enumerate() {
                        tally.0 += c[strand][a] as u64;
                        tally.1 += c[strand].iter().map(|&x| x as u64).sum::<u64>();
                    }
                }
            }
        }
        let classes = std::array::from_fn(|r| {
            std::array::from_fn(|a| {
                let obs = &per_class[r * 4 + a];
                let mismatches: u64 = obs.iter().map(|o| o.0).sum();
                let depth: u64 = obs.iter().map(|o| o.1).sum();
                let [(mf, df), (mr, dr)] = stranded[r * 4 + a];
                ClassRate {
                    mismatches,
                    depth,
                    rate: prior_rate(mismatches, depth),
                    rho: moment_rho(obs),
                    rate_fwd: prior_rate(mf, df),
                    rate_rev: prior_rate(mr, dr),
                }
            })
        });
        ErrorModel {
            classes,
            positions,
            excluded,
        }
    }

    /// The background of one hotspot. SNVs use their substitution class.
    /// MNVs, indels and position-only sites have no class of their own
    /// here; they take the largest class rate as a conservative stand-in
    /// (a panel of normals will give them their own).
    ///
    /// `strand_depths` (forward, reverse fragments at the site) weight the
    /// class's forward and reverse rates, so a strand-specific artefact
    /// counts as much as the site's own strand mix exposes it; `(0, 0)`
    /// gives the pooled rate.
    pub fn for_site(
        &self,
        ref_allele: &str,
        alt_allele: &str,
        strand_depths: (u64, u64),
    ) -> SiteBackground {
        let idx = |s: &str| {
            (s.len() == 1)
                .then(|| crate::count::background::base_index(s.as_bytes()[0]))
                .flatten()
        };
        if let (Some(r), Some(a)) = (idx(ref_allele), idx(alt_allele)) {
            if r != a {
                let c = self.classes[r][a];
                let (f, v) = (strand_depths.0 as f64, strand_depths.1 as f64);
                let rate = if f + v > 0.0 {
                    (f * c.rate_fwd + v * c.rate_rev) / (f + v)
                } else {
                    c.rate
                };
                return SiteBackground {
                    rate,
                    rho: c.rho,
                    source: format!("{}>{}", BASES[r] as char, BASES[a] as char),
                };
            }
        }
        let worst = (0..4)
            .flat_map(|r| (0..4).filter(move |&a| a != r).map(move |a| (r, a)))
            .map(|(r, a)| self.classes[r][a])
            .max_by(|x, y| x.rate.total_cmp(&y.rate))
            .expect("twelve classes");
        SiteBackground {
            rate: worst.rate,
            rho: worst.rho,
            source: "max_class".into(),
        }
    }
}

/// `(m + 0.5) / (n + 1)`: a rate that is never exactly 0 or 1.
fn prior_rate(m: u64, n: u64) -> f64 {
    (m as f64 + 0.5) / (n as f64 + 1.0)
}

/// Kleinman's method-of-moments estimate of the beta-binomial intra-class
/// correlation ρ from per-position (successes, trials), clamped to
/// [0, 0.5]. With `p̂ = Σm/Σn`, `S = Σ n_i (m_i/n_i − p̂)²`, `N = Σ n_i`:
/// `E[S] = p(1−p) [(K−1) + ρ (N − Σn_i²/N − (K−1))]`, solved for ρ.
pub fn moment_rho(obs: &[(u64, u64)]) -> f64 {
    let obs: Vec<(f64, f64)> = obs
        .iter()
        .filter(|o| o.1 > 0)
        .map(|&(m, n)| (m as f64, n as f64))
        .collect();
    let k = obs.len() as f64;
    if k < 2.0 {
        return 0.0;
    }
    let n: f64 = obs.iter().map(|o| o.1).sum();
    let p = obs.iter().map(|o| o.0).sum::<f64>() / n;
    if p <= 0.0 || p >= 1.0 {
        return 0.0;
    }
    let s: f64 = obs.iter().map(|&(m, ni)| ni * (m / ni - p).powi(2)).sum();
    let sum_n2: f64 = obs.iter().map(|o| o.1 * o.1).sum();
    let denom = n - sum_n2 / n - (k - 1.0);
    if denom <= 0.0 {
        return 0.0;
    }
    ((s / (p * (1.0 - p)) - (k - 1.0)) / denom).clamp(0.0, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(reference: &[u8], counts: Vec<[[u32; 4]; 2]>) -> BackgroundWindow {
        let mut w = BackgroundWindow::new("chrT", 0, reference.to_vec(), &[]);
        w.counts = counts;
        w
    }

    #[test]
    fn pooled_rates_and_germline_exclusion() {
        // Three C positions: 1000 fragments each, 1, 2 and 3 showing T; one
        // A position that is a heterozygous SNP (half G).
        let c = |t: u32| [[0, 1000 - t, 0, t], [0; 4]];
        let w = window(b"CCCA", vec![c(1), c(2), c(3), [[250, 0, 250, 0], [0; 4]]]);
        let m = ErrorModel::from_windows(&[w]);
        let ct = m.classes[1][3];
        assert_eq!((ct.mismatches, ct.depth), (6, 3000));
        assert!((ct.rate - 6.5 / 3001.0).abs() < 1e-15);
        assert_eq!(m.positions, 3);
        assert_eq!(m.excluded.len(), 1);
        assert_eq!((m.excluded[0].pos, m.excluded[0].reference), (4, 'A'));
        // No A positions remain: the A>G rate is the prior's 0.5 / 1.
        assert_eq!(m.classes[0][2].rate, 0.5);
        let site = m.for_site("C", "T", (0, 0));
        assert_eq!(site.source, "C>T");
        assert_eq!(site.rate, ct.rate);
        assert_eq!(m.for_site("CT", "C", (10, 10)).source, "max_class");
    }

    #[test]
    fn strand_specific_rates_weight_by_the_sites_strands() {
        // C>T errors only on forward fragments: 10 of 1000 forward, 0 of
        // 1000 reverse.
        let w = window(b"C", vec![[[0, 990, 0, 10], [0, 1000, 0, 0]]]);
        let m = ErrorModel::from_windows(&[w]);
        let c = m.classes[1][3];
        assert!((c.rate_fwd - 10.5 / 1001.0).abs() < 1e-15);
        assert!((c.rate_rev - 0.5 / 1001.0).abs() < 1e-15);
        // A site read only on forward fragments gets the forward rate; a
        // balanced one the mean; no depth the pooled rate.
        assert!((m.for_site("C", "T", (100, 0)).rate - c.rate_fwd).abs() < 1e-15);
        let mean = (c.rate_fwd + c.rate_rev) / 2.0;
        assert!((m.for_site("C", "T", (50, 50)).rate - mean).abs() < 1e-15);
        assert_eq!(m.for_site("C", "T", (0, 0)).rate, c.rate);
    }

    #[test]
    fn dispersion_zero_for_equal_rates_positive_for_unequal() {
        // Identical rates at every position: S = 0, so ρ̂ clamps at 0.
        assert_eq!(moment_rho(&[(10, 1000), (10, 1000), (10, 1000)]), 0.0);
        // Wildly different rates: clearly over-dispersed.
        let rho = moment_rho(&[(0, 1000), (50, 1000), (0, 1000), (40, 1000)]);
        assert!(rho > 0.01, "{rho}");
        // Two positions: S = Σ n (x − p̂)² = 2·1000·0.01² = 0.2; p̂ = 0.02;
        // ρ̂ = (0.2/(0.02·0.98) − 1) / (2000 − 1000 − 1) = 0.0092054…
        let rho = moment_rho(&[(10, 1000), (30, 1000)]);
        let want = (0.2 / (0.02 * 0.98) - 1.0) / 999.0;
        assert!((rho - want).abs() < 1e-12, "{rho} vs {want}");
    }
}
