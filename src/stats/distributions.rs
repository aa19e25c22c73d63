//! Tail probabilities and intervals, computed so that small p-values stay
//! exact (no `1 - cdf` where the tail is tiny).

use statrs::function::beta::{beta_reg, inv_beta_reg, ln_beta};
use statrs::function::gamma::ln_gamma;

/// `P(X ≥ k)` for `X ~ Binomial(n, p)`, through the regularised incomplete
/// beta function `I_p(k, n − k + 1)`: exact in the far tail.
pub fn binomial_sf(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    beta_reg(k as f64, (n - k + 1) as f64, p)
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// `P(X ≥ k)` for `X ~ BetaBinomial(n, α, β)` with mean `p` and
/// over-dispersion `rho` (`α = p(1−ρ)/ρ`, `β = (1−p)(1−ρ)/ρ`). `rho = 0` is
/// the binomial. The tail is summed term by term above the mean (terms fall
/// away geometrically there) and through the complement below it, where the
/// tail is large and the complement loses nothing.
pub fn beta_binomial_sf(k: u64, n: u64, p: f64, rho: f64) -> f64 {
    if rho <= 1e-12 {
        return binomial_sf(k, n, p);
    }
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let a = p * (1.0 - rho) / rho;
    let b = (1.0 - p) * (1.0 - rho) / rho;
    let ln_b_ab = ln_beta(a, b);
    let ln_pmf = |x: u64| ln_choose(n, x) + ln_beta(x as f64 + a, (n - x) as f64 + b) - ln_b_ab;
    if (k as f64) > n as f64 * p {
        let mut sum = 0.0;
        for x in k..=n {
            let term = ln_pmf(x).exp();
            sum += term;
            if term < sum * 1e-17 {
                break;
            }
        }
        sum.min(1.0)
    } else {
        let below: f64 = (0..k).map(|x| ln_pmf(x).exp()).sum();
        (1.0 - below).clamp(0.0, 1.0)
    }
}

/// Clopper–Pearson ("exact") two-sided interval for a binomial proportion
/// at level `1 − alpha`. Conservative: covers at least `1 − alpha`.
pub fn clopper_pearson(k: u64, n: u64, alpha: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let lo = if k == 0 {
        0.0
    } else {
        inv_beta_reg(k as f64, (n - k + 1) as f64, alpha / 2.0)
    };
    let hi = if k == n {
        1.0
    } else {
        inv_beta_reg((k + 1) as f64, (n - k) as f64, 1.0 - alpha / 2.0)
    };
    (lo, hi)
}

/// Two-sided Fisher's exact test of a 2×2 table `[[a, b], [c, d]]`: the
/// probability, under fixed margins, of every table no more likely than
/// the one seen.
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (r1, r2, c1) = (a + b, c + d, a + c);
    let ln_p = |x: u64| hypergeometric_ln_pmf(r1, r2, c1, x);
    let lo = c1.saturating_sub(r2);
    let hi = c1.min(r1);
    let seen = ln_p(a);
    let mut p = 0.0;
    for x in lo..=hi {
        let lp = ln_p(x);
        // Relative tolerance, as R's fisher.test, so ties count.
        if lp <= seen + 1e-7 {
            p += lp.exp();
        }
    }
    p.min(1.0)
}

/// The hypergeometric behind Fisher's test: the log-probability, under
/// fixed margins (rows `r1`, `r2`, first column `c1`), that `x` of the first
/// row fall in the first column.
fn hypergeometric_ln_pmf(r1: u64, r2: u64, c1: u64, x: u64) -> f64 {
    ln_choose(r1, x) + ln_choose(r2, c1 - x) - ln_choose(r1 + r2, c1)
}

/// One-sided Fisher's exact test of `[[a, b], [c, d]]`: the probability,
/// under fixed margins, of `a` or more in the first cell, i.e. that the
/// first row's share in the first column is as far above the second row's
/// as seen, or further (R's `fisher.test(alternative = "greater")`).
pub fn fisher_greater(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (r1, r2, c1) = (a + b, c + d, a + c);
    let hi = c1.min(r1);
    let p: f64 = (a..=hi)
        .map(|x| hypergeometric_ln_pmf(r1, r2, c1, x).exp())
        .sum();
    p.min(1.0)
}

/// Benjamini–Hochberg q-values, in the input's order.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]).then(i.cmp(&j)));
    let mut q = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative closeness.
    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
    }

    #[test]
    fn worked_example_depth_1000_alt_5_background_1e3() {
        // 1 − Σ_{x=0}^{4} C(1000, x) 0.001^x 0.999^(1000−x), summed exactly
        // with Python's math.comb: 0.0036368780295…; 3 significant digits:
        // 3.64e-3.
        let p = binomial_sf(5, 1000, 1e-3);
        assert!(close(p, 0.003_636_878_029_5, 1e-9), "{p}");
        assert_eq!(format!("{p:.2e}"), "3.64e-3");
    }

    #[test]
    fn far_tail_is_not_rounded_to_zero() {
        // P(X ≥ 100) for Binomial(1000, 1e-3) is about C(1000,100) 1e-300
        // ≈ 6e-161: well inside f64, and must not underflow to 0.
        let p = binomial_sf(100, 1000, 1e-3);
        assert!(p > 1e-170 && p < 1e-150, "{p}");
        // The log of the leading term, computed directly, bounds it below.
        let lead =
            (ln_choose(1000, 100) + 100.0 * 1e-3f64.ln() + 900.0 * (1.0 - 1e-3f64).ln()).exp();
        assert!(p >= lead && p < lead * 1.2, "{p} vs {lead}");
    }

    #[test]
    fn beta_binomial_tends_to_binomial_and_is_wider() {
        for (k, n, p) in [(5u64, 1000u64, 1e-3), (3, 200, 5e-3), (20, 5000, 2e-3)] {
            let b = binomial_sf(k, n, p);
            let bb = beta_binomial_sf(k, n, p, 1e-9);
            assert!(close(bb, b, 1e-4), "{k} {n} {p}: {bb} vs {b}");
            // Over-dispersion fattens the upper tail beyond the mean.
            assert!(beta_binomial_sf(k, n, p, 1e-2) > b);
        }
        // Below the mean the complement path is used; still a probability.
        let x = beta_binomial_sf(1, 1000, 0.01, 1e-3);
        assert!(x > 0.99 && x <= 1.0);
    }

    #[test]
    fn beta_binomial_matches_direct_sum() {
        // Direct sum of the pmf over the whole tail (no early stop).
        let (n, p, rho) = (300u64, 0.01, 0.05);
        let a = p * (1.0 - rho) / rho;
        let b = (1.0 - p) * (1.0 - rho) / rho;
        let pmf = |x: u64| {
            (ln_choose(n, x) + ln_beta(x as f64 + a, (n - x) as f64 + b) - ln_beta(a, b)).exp()
        };
        for k in [0u64, 1, 2, 3, 8, 20, 60] {
            let direct: f64 = (k..=n).map(pmf).sum();
            assert!(
                close(beta_binomial_sf(k, n, p, rho), direct, 1e-9),
                "k = {k}"
            );
        }
    }

    #[test]
    fn clopper_pearson_known_values() {
        // 0 of 10: upper bound 1 − 0.025^(1/10) = 0.30850…
        let (lo, hi) = clopper_pearson(0, 10, 0.05);
        assert_eq!(lo, 0.0);
        assert!(close(hi, 1.0 - 0.025f64.powf(0.1), 1e-9), "{hi}");
        // 10 of 10: lower bound 0.025^(1/10) = 0.69150…
        let (lo, hi) = clopper_pearson(10, 10, 0.05);
        assert!(close(lo, 0.025f64.powf(0.1), 1e-9));
        assert_eq!(hi, 1.0);
        // Symmetry: k of n mirrors n−k of n.
        let (lo, hi) = clopper_pearson(3, 20, 0.05);
        let (lo2, hi2) = clopper_pearson(17, 20, 0.05);
        assert!(close(lo, 1.0 - hi2, 1e-9) && close(hi, 1.0 - lo2, 1e-9));
    }

    #[test]
    fn fisher_known_values() {
        // The tea-tasting table [[3, 1], [1, 3]]: two-sided p = 34/70 = 0.4857…
        assert!(close(fisher_exact(3, 1, 1, 3), 34.0 / 70.0, 1e-9));
        // [[10, 0], [0, 10]]: 2 / C(20, 10) = 1.0825e-5.
        assert!(close(fisher_exact(10, 0, 0, 10), 2.0 / 184_756.0, 1e-9));
        assert!(close(fisher_exact(5, 5, 5, 5), 1.0, 1e-9));
        // One-sided, by hand: margins 4/4/4, P(X = 3) = C(4,3)·C(4,1)/C(8,4)
        // = 16/70 and P(X = 4) = 1/70.
        assert!(close(fisher_greater(3, 1, 1, 3), 17.0 / 70.0, 1e-9));
        assert!(close(fisher_greater(10, 0, 0, 10), 1.0 / 184_756.0, 1e-9));
        assert!(close(fisher_greater(0, 10, 0, 10), 1.0, 1e-12));
        // The other direction: 1 − P(X = 0) = 1 − 1/70.
        assert!(close(fisher_greater(1, 3, 3, 1), 69.0 / 70.0, 1e-9));
    }

    #[test]
    fn bh_q_values() {
        // Hand-computed: sorted p 0.01, 0.02, 0.03, 0.5 with m = 4:
        // 0.04, 0.04, 0.04, 0.5 (monotone from the top).
        let q = benjamini_hochberg(&[0.5, 0.01, 0.03, 0.02]);
        let want = [0.5, 0.04, 0.04, 0.04];
        for (a, b) in q.iter().zip(want) {
            assert!(close(*a, b, 1e-12), "{q:?}");
        }
    }
}
