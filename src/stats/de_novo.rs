//! De novo tumour fraction: a mixture over every site, so that the sites a
//! tumour does not carry, and the ones it carries but that happened to show
//! few alt fragments, both count.
//!
//! Fitting TF over the *detected* sites alone is the winner's curse: when
//! many sites carry the mutation at low depth, only the lucky ones pass the
//! test, and their VAFs overstate TF (7,190 mutated sites at 100×, TF 1 %:
//! 5.9 %). Here each site `i` (alt `a_i` of `n_i`, background `e_i`, factor
//! `f_i`) either carries the mutation, with probability π, and shows it at
//! `p_i(TF) = f_i·TF/2·(1 − e_i) + (1 − f_i·TF/2)·e_i`, or does not, and shows
//! the background `e_i`:
//!
//! `ℓ(TF, π) = Σ_i log[π·Binom(a_i | n_i, p_i(TF)) + (1 − π)·Binom(a_i | n_i, e_i)]`.
//!
//! Written with `d_i(TF) = log Binom(a_i | n_i, p_i) − log Binom(a_i | n_i, e_i)`,
//! `ℓ(TF, π) − ℓ(0) = Σ_i log(1 − π + π·e^{d_i})`: concave in π for a fixed TF,
//! so π is profiled out by bisection on its derivative; the profile
//! `ℓ_p(TF) = max_π ℓ(TF, π)` is maximised on a log-spaced grid of TF
//! (10⁻⁵ … 1, 121 points) refined by golden section, and its 95 % interval is
//! `{TF : 2(ℓ_p(TF̂) − ℓ_p(TF)) ≤ 3.84}` (one-sided 2.71 at TF̂ = 0), the ends
//! found by bisection between grid points. When TF̂ = 0 the profile is flat
//! above (π → 0 fits any TF), so nothing bounds TF from above: the upper end
//! is 1 and the report says so.
//!
//! **Clonal sites set TF.** A subclonal site (its mutation in a share of
//! the tumour cells) shows a VAF below `TF/2` and would pull a one-VAF fit
//! down. After the fit, the mutated site (posterior ≥ ½) whose alt count is
//! lowest against the clonal VAF is refitted out: TF is fitted without it,
//! and if its count is below that fit's prediction with one-sided binomial
//! `P(X ≤ a_i) < 0.01` it is *subclonal*, leaves the fit, and the next one is
//! tried. A free subclonal component in the mixture cannot do this: with
//! its weight and VAF free, "every site subclonal, TF anywhere above" fits
//! as well as the truth, and TF has no upper bound. The test keeps the
//! default that a mutated site is clonal unless its own count says it is
//! lower; at low depth it cannot tell a CCF-0.5 site from a clonal one, and
//! such a site stays in (pulling TF down by its share of the evidence).
//!
//! **Detection** (the likelihood-ratio test of TF = 0) uses
//! `Λ = 2(ℓ_p(TF̂) − ℓ(0))`. Under TF = 0, π is not identified, so Λ is not
//! ½χ²₁ (the supremum over TF of a χ² process is larger: 6.9 % of
//! tumour-free 31-site samples pass the 5 % cut). Its p-value is Davies'
//! (1987) bound for that supremum, `½P(χ²₁ ≥ Λ) + V·e^{−Λ/2}/(2π)`, with `V`
//! the total variation over the TF grid of the standardised score of π at
//! 0, `Z(TF) = Σ(e^{d_i} − 1)/√Σ(e^{d_i} − 1)²`: valid, conservative at few
//! sites (tests below; `scripts/tf_bias.sh` for simulated samples).
//!
//! Cost: `O(m)` per evaluation of `ℓ(TF, π)`; about 60 per profile point
//! (the bisection for π), ~250 profile points per fit, and one refit per
//! subclonal candidate tried: ~3 s of CPU at 7,190 sites, milliseconds at 31.

use super::distributions::binomial_sf;
use super::tumour_fraction::{bisect, mutant_share, SiteEvidence, TfEstimate, CHI2_90, CHI2_95};
use statrs::function::erf::erfc;

/// One-sided level at which a mutated site counts as below the clonal VAF.
pub const SUBCLONAL_LEVEL: f64 = 0.01;

/// The de novo fit.
#[derive(Debug, Clone, PartialEq)]
pub struct MixtureFit {
    pub estimate: TfEstimate,
    /// π̂: the share of the fitted sites that carry the clonal mutation.
    pub mutated_share: f64,
    /// Per input site: the posterior probability that it carries the
    /// mutation at the clonal VAF (0 for subclonal sites, which left the
    /// fit).
    pub posterior: Vec<f64>,
    /// Input indices found below the clonal VAF (subclonal).
    pub subclonal: Vec<usize>,
}

/// `log Binom(a | n, p_i(tf)) − log Binom(a | n, e_i)`.
fn log_ratio(s: &SiteEvidence, tf: f64) -> f64 {
    if tf <= 0.0 || s.depth == 0 {
        return 0.0;
    }
    let (p, e) = (mutant_share(s, tf), mutant_share(s, 0.0));
    let (a, b) = (s.alt as f64, (s.depth - s.alt) as f64);
    let alt = if s.lengths.is_empty() {
        a * (p / e).ln()
    } else {
        s.alt_log(tf) - s.alt_log(0.0)
    };
    alt + b * ((1.0 - p) / (1.0 - e)).ln()
}

/// `log(1 − π + π·e^d)`, without overflow for large `d`.
fn term(d: f64, pi: f64) -> f64 {
    if d > 0.0 {
        d + (pi + (1.0 - pi) * (-d).exp()).ln()
    } else {
        (1.0 - pi + pi * d.exp()).ln()
    }
}

/// `∂/∂π log(1 − π + π·e^d)`.
fn term_slope(d: f64, pi: f64) -> f64 {
    if d > 0.0 {
        let q = (-d).exp();
        (1.0 - q) / (pi + (1.0 - pi) * q)
    } else {
        let r = d.exp();
        (r - 1.0) / (1.0 - pi + pi * r)
    }
}

/// The best π for these log-ratios and `Σ log(1 − π + π e^{d_i})` there.
fn profile_pi(ds: &[f64]) -> (f64, f64) {
    let slope = |pi: f64| ds.iter().map(|&d| term_slope(d, pi)).sum::<f64>();
    let value = |pi: f64| ds.iter().map(|&d| term(d, pi)).sum::<f64>();
    let pi = if slope(0.0) <= 0.0 {
        0.0
    } else if slope(1.0) >= 0.0 {
        1.0
    } else {
        bisect(0.0, 1.0, slope)
    };
    (pi, value(pi))
}

/// `ℓ_p(tf) − ℓ(0)` over `sites`, with its π.
fn profile(sites: &[SiteEvidence], tf: f64) -> (f64, f64) {
    if tf <= 0.0 {
        return (0.0, 0.0);
    }
    let ds: Vec<f64> = sites.iter().map(|s| log_ratio(s, tf)).collect();
    profile_pi(&ds)
}

const GRID_LO: f64 = 1e-5;
const GRID_POINTS: usize = 121;

fn grid() -> Vec<f64> {
    let mut g = vec![0.0];
    let span = (1.0 / GRID_LO).ln();
    g.extend(
        (0..GRID_POINTS).map(|k| GRID_LO * (span * k as f64 / (GRID_POINTS - 1) as f64).exp()),
    );
    g
}

/// Maximise `ℓ_p` and find its interval; `(estimate, π̂)`.
fn fit(sites: &[SiteEvidence]) -> (TfEstimate, f64) {
    let g = grid();
    let values: Vec<f64> = g.iter().map(|&t| profile(sites, t).1).collect();
    let best_k = (0..g.len())
        .max_by(|&a, &b| values[a].total_cmp(&values[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    // Golden section between the neighbours of the best grid point.
    let (mut tf, mut best) = (g[best_k], values[best_k]);
    if best_k > 0 && best > 0.0 {
        let (mut a, mut b) = (g[best_k - 1], g[(best_k + 1).min(g.len() - 1)]);
        let r = 0.5 * (5f64.sqrt() - 1.0);
        let f = |t: f64| profile(sites, t).1;
        let (mut c, mut d) = (b - r * (b - a), a + r * (b - a));
        let (mut fc, mut fd) = (f(c), f(d));
        for _ in 0..80 {
            if fc > fd {
                b = d;
                d = c;
                fd = fc;
                c = b - r * (b - a);
                fc = f(c);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + r * (b - a);
                fd = f(d);
            }
            if b - a < 1e-9 * b.max(1e-12) {
                break;
            }
        }
        let t = 0.5 * (a + b);
        let v = f(t);
        if v > best {
            tf = t;
            best = v;
        }
    }
    if best <= 0.0 {
        tf = 0.0;
        best = 0.0;
    }
    let drop = |t: f64| 2.0 * (best - profile(sites, t).1);
    let cut = if tf == 0.0 { CHI2_90 } else { CHI2_95 };
    // Bisection between the last grid point inside and the first outside.
    let end = |inside: f64, outside: f64| {
        let (mut i, mut o) = (inside, outside);
        for _ in 0..100 {
            let mid = 0.5 * (i + o);
            if drop(mid) <= cut {
                i = mid;
            } else {
                o = mid;
            }
            if (o - i).abs() < 1e-12 {
                break;
            }
        }
        0.5 * (i + o)
    };
    let lo = if tf == 0.0 {
        0.0
    } else {
        let below = g.iter().rev().copied().filter(|&t| t < tf);
        let mut inside = tf;
        let mut found = None;
        for t in below {
            if 2.0 * (best - profile(sites, t).1) > cut {
                found = Some(end(inside, t));
                break;
            }
            inside = t;
        }
        found.unwrap_or(0.0)
    };
    let hi = {
        let mut inside = tf;
        let mut found = None;
        for t in g.iter().copied().filter(|&t| t > tf) {
            if 2.0 * (best - profile(sites, t).1) > cut {
                found = Some(end(inside, t));
                break;
            }
            inside = t;
        }
        found.unwrap_or(1.0)
    };
    let (pi, _) = profile(sites, tf);
    let lrt = 2.0 * best;
    // Davies' bound for the sup over TF of the score process of π = 0.
    let z: Vec<f64> = g[1..].iter().map(|&t| score_z(sites, t)).collect();
    let variation: f64 = z.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
    let p = 0.5 * erfc((lrt / 2.0).sqrt())
        + variation * (-lrt / 2.0).exp() / (2.0 * std::f64::consts::PI);
    (
        TfEstimate {
            estimate: tf,
            lo,
            hi,
            lrt_statistic: lrt,
            lrt_p_value: p.min(1.0),
        },
        pi,
    )
}

/// The standardised score of π at π = 0 for a fixed TF:
/// `Σ(e^{d_i} − 1) / √Σ(e^{d_i} − 1)²`, scaled by `e^{−max d}` so that deep
/// sites do not overflow.
fn score_z(sites: &[SiteEvidence], tf: f64) -> f64 {
    let ds: Vec<f64> = sites.iter().map(|s| log_ratio(s, tf)).collect();
    let top = ds.iter().copied().fold(0.0f64, f64::max);
    let (mut s, mut ss) = (0.0, 0.0);
    for d in ds {
        let u = (d - top).exp() - (-top).exp();
        s += u;
        ss += u * u;
    }
    if ss > 0.0 {
        s / ss.sqrt()
    } else {
        0.0
    }
}

fn posterior(s: &SiteEvidence, tf: f64, pi: f64) -> f64 {
    if pi <= 0.0 || tf <= 0.0 {
        return 0.0;
    }
    let d = log_ratio(s, tf);
    // π e^d / (1 − π + π e^d)
    1.0 / (1.0 + (1.0 - pi) / pi * (-d).exp())
}

/// `P(X ≤ a)` for `X ~ Binomial(n, p_i(tf))`.
fn below_clonal(s: &SiteEvidence, tf: f64) -> f64 {
    1.0 - binomial_sf(s.alt + 1, s.depth, mutant_share(s, tf))
}

/// Fit the mixture over `sites` and take subclonal sites out (see the
/// module doc).
pub fn estimate(sites: &[SiteEvidence]) -> MixtureFit {
    let mut kept: Vec<usize> = (0..sites.len()).filter(|&i| sites[i].depth > 0).collect();
    let mut subclonal = Vec::new();
    let pick = |idx: &[usize]| idx.iter().map(|&i| sites[i]).collect::<Vec<_>>();
    let (mut est, mut pi) = fit(&pick(&kept));
    let mut tried = Vec::new();
    loop {
        // The mutated site lowest against the clonal VAF, not yet tried.
        let candidate = kept
            .iter()
            .copied()
            .filter(|i| !tried.contains(i))
            .filter(|&i| posterior(&sites[i], est.estimate, pi) >= 0.5)
            .map(|i| (i, below_clonal(&sites[i], est.estimate)))
            .filter(|&(_, p)| p < 0.5)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((i, _)) = candidate else { break };
        tried.push(i);
        let others: Vec<usize> = kept.iter().copied().filter(|&j| j != i).collect();
        let (e2, pi2) = fit(&pick(&others));
        if e2.estimate > 0.0 && below_clonal(&sites[i], e2.estimate) < SUBCLONAL_LEVEL {
            subclonal.push(i);
            kept = others;
            est = e2;
            pi = pi2;
        } else {
            break;
        }
    }
    let mut post = vec![0.0; sites.len()];
    for &i in &kept {
        post[i] = posterior(&sites[i], est.estimate, pi);
    }
    subclonal.sort_unstable();
    MixtureFit {
        estimate: est,
        mutated_share: pi,
        posterior: post,
        subclonal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);
    impl Rng {
        /// Seeded through splitmix64, so that small seeds do not start
        /// xorshift on a run of tiny values.
        fn new(seed: u64) -> Rng {
            let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            Rng((z ^ (z >> 31)) | 1)
        }
        fn u(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        /// Binomial(n, p) by inversion of its cdf.
        fn binom(&mut self, n: u64, p: f64) -> u64 {
            let u = self.u();
            let mut k = 0u64;
            let mut pmf = (1.0 - p).powi(n as i32);
            let mut cdf = pmf;
            while cdf < u && k < n {
                pmf *= (n - k) as f64 / (k + 1) as f64 * p / (1.0 - p);
                k += 1;
                cdf += pmf;
            }
            k
        }
    }

    fn draw(r: &mut Rng, n: u64, vaf: f64, e: f64) -> SiteEvidence<'static> {
        SiteEvidence {
            depth: n,
            alt: r.binom(n, vaf * (1.0 - e) + (1.0 - vaf) * e),
            background: e,
            factor: 1.0,
            lengths: &[],
        }
    }

    #[test]
    fn many_mutated_sites_at_low_depth_are_not_inflated() {
        // 2,000 sites at 100×, all carrying the mutation at TF 1 % (VAF
        // 0.5 %): ~0.6 alt per site, so a test per site sees only the
        // lucky ones. The mixture over all sites recovers TF: its standard
        // error here is about TF/√(alt excess) ≈ 1 %/√1000 · (1 + the π
        // spread) — a few % of TF; 20 % is several of them.
        let mut r = Rng::new(0x5eed);
        let sites: Vec<_> = (0..2000).map(|_| draw(&mut r, 100, 0.005, 1e-3)).collect();
        let f = estimate(&sites);
        let t = &f.estimate;
        assert!(
            (t.estimate - 0.01).abs() < 0.002,
            "{t:?} π {}",
            f.mutated_share
        );
        assert!(t.lo < 0.01 && 0.01 < t.hi, "{t:?}");
        assert!(t.lrt_p_value < 1e-6);
    }

    #[test]
    fn unmutated_sites_do_not_dilute_and_a_subclonal_one_is_set_aside() {
        // 27 unmutated sites and 4 at 3,000×: three clonal at TF 10 %
        // (VAF 5 %, ~150 alt) and one at CCF 0.4 (VAF 2 %, ~60 alt: 7 sd
        // below the clonal 150).
        let mut r = Rng::new(42);
        let mut sites: Vec<_> = (0..27).map(|_| draw(&mut r, 3000, 0.0, 1e-3)).collect();
        sites.extend((0..3).map(|_| draw(&mut r, 3000, 0.05, 1e-3)));
        sites.push(draw(&mut r, 3000, 0.02, 1e-3));
        let f = estimate(&sites);
        assert_eq!(f.subclonal, vec![30]);
        // π̂ is 3 of the 30 sites left in the fit.
        assert!((f.mutated_share - 0.1).abs() < 0.01, "{}", f.mutated_share);
        let t = &f.estimate;
        // Three sites of 3,000 at VAF 5 %: SE(TF) = 2·√(0.05·0.95/9000) ≈
        // 0.0015; 4 SE is 0.006.
        assert!((t.estimate - 0.1).abs() < 0.006, "{t:?}");
        assert!(f.posterior[27..30].iter().all(|&p| p > 0.99));
        assert!(f.posterior[..27].iter().all(|&p| p < 0.01));
    }

    #[test]
    fn nothing_mutated_gives_zero_and_no_upper_bound() {
        // Every site exactly at background: π̂ = 0, and π → 0 fits any TF,
        // so the interval is [0, 1].
        let sites: Vec<_> = (0..31)
            .map(|_| SiteEvidence {
                depth: 2000,
                alt: 2,
                background: 1e-3,
                factor: 1.0,
                lengths: &[],
            })
            .collect();
        let f = estimate(&sites);
        assert_eq!(f.estimate.estimate, 0.0);
        assert_eq!((f.estimate.lo, f.estimate.hi), (0.0, 1.0));
        assert_eq!(f.mutated_share, 0.0);
        assert!(f.estimate.lrt_p_value >= 0.5);
    }

    #[test]
    fn tumour_free_samples_are_detected_at_most_at_alpha() {
        // 400 tumour-free samples of 31 sites at 2,000× (background 1e-3).
        // A valid test at α = 0.05 detects X ≤ Binomial(400, 0.05) of
        // them: mean 20, P(X ≥ 35) < 0.001. Without Davies' term (½χ²₁
        // alone) the rate measured here is 6.9 %, above α.
        let mut r = Rng::new(12345);
        let mut detected = 0;
        for _ in 0..400 {
            let sites: Vec<_> = (0..31).map(|_| draw(&mut r, 2000, 0.0, 1e-3)).collect();
            detected += usize::from(estimate(&sites).estimate.lrt_p_value < 0.05);
        }
        assert!(
            detected <= 34,
            "{detected} of 400 tumour-free samples detected"
        );
    }
}
