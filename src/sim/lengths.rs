//! Fragment-length models: healthy cfDNA and tumour-derived ctDNA.
//!
//! A model is a discrete distribution over fragment lengths (reference span,
//! bp) in `[min, max]`, mixed from three parts, each a discretised normal
//! density normalised over the support:
//!
//! * the mono-nucleosome peak at `mode` (sd `sd`);
//! * a 10 bp ladder below it: peaks at `mode - 10k` (k = 1, 2, ...; sd 2 bp)
//!   with weights `ladder_decay^(k-1)`, together holding `ladder` of the mass;
//! * a di-nucleosome peak at `2 × mode` (sd `2 × sd`) holding `dinucleosome`.
//!
//! Defaults: healthy mode 167, ladder 0.25 (decay 0.6), di-nucleosome 0.05;
//! tumour mode 145, ladder 0.45 (decay 0.8), di-nucleosome 0.02 — so tumour
//! fragments are shorter and enriched at 90–150 bp.

use super::rng::SimRng;
use super::SimError;
use serde::Serialize;

/// Width (sd, bp) of each ladder peak.
const LADDER_SD: f64 = 2.0;
/// Spacing of the ladder.
const LADDER_STEP: f64 = 10.0;

/// Parameters of one length model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LengthParams {
    pub mode: f64,
    pub sd: f64,
    /// Share of the mass in the 10 bp ladder below the mode.
    pub ladder: f64,
    /// Weight ratio of successive ladder peaks.
    pub ladder_decay: f64,
    /// Share of the mass in the di-nucleosome peak.
    pub dinucleosome: f64,
}

impl LengthParams {
    pub fn healthy() -> Self {
        LengthParams {
            mode: 167.0,
            sd: 6.0,
            ladder: 0.25,
            ladder_decay: 0.6,
            dinucleosome: 0.05,
        }
    }
    pub fn tumour() -> Self {
        LengthParams {
            mode: 145.0,
            sd: 10.0,
            ladder: 0.45,
            ladder_decay: 0.8,
            dinucleosome: 0.02,
        }
    }
}

/// A length distribution over `[min, max]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LengthModel {
    pub min: u32,
    pub max: u32,
    /// `pmf[i]` is the probability of length `min + i`.
    pmf: Vec<f64>,
}

/// A normal density discretised on the support and normalised to 1 (all
/// zeros when it has no mass there).
fn peak(min: u32, max: u32, mean: f64, sd: f64) -> Vec<f64> {
    let mut v: Vec<f64> = (min..=max)
        .map(|l| {
            let z = (l as f64 - mean) / sd;
            (-0.5 * z * z).exp()
        })
        .collect();
    let total: f64 = v.iter().sum();
    if total > 1e-300 {
        v.iter_mut().for_each(|x| *x /= total);
    } else {
        v.iter_mut().for_each(|x| *x = 0.0);
    }
    v
}

impl LengthModel {
    /// `which` names the model in error messages ("healthy", "tumour").
    pub fn new(p: &LengthParams, min: u32, max: u32, which: &str) -> Result<Self, SimError> {
        let bad = |flag: &str, msg: String| Err(SimError::param(flag, msg));
        if min < 20 || min > max || max > 5000 {
            return bad(
                "--min-fragment/--max-fragment",
                format!("need 20 <= min <= max <= 5000 (got {min} and {max})"),
            );
        }
        if !(p.mode >= min as f64 && p.mode <= max as f64) {
            return bad(
                &format!("--{which}-mode"),
                format!("{} is outside the fragment lengths {min}..{max}", p.mode),
            );
        }
        if !(p.sd > 0.0 && p.sd.is_finite()) {
            return bad(
                &format!("--{which}-sd"),
                format!("must be > 0 (got {})", p.sd),
            );
        }
        if !(0.0..1.0).contains(&p.ladder) {
            return bad(
                &format!("--{which}-ladder"),
                format!("must be in [0, 1) (got {})", p.ladder),
            );
        }
        if !(0.0..1.0).contains(&p.dinucleosome) || p.ladder + p.dinucleosome >= 1.0 {
            return bad(
                "--dinucleosome",
                format!(
                    "the {which} di-nucleosome share must be in [0, 1) and, with the ladder share, below 1 (got {} + {})",
                    p.dinucleosome, p.ladder
                ),
            );
        }
        if !(p.ladder_decay > 0.0 && p.ladder_decay <= 1.0) {
            return bad(
                "ladder decay",
                format!("must be in (0, 1] (got {})", p.ladder_decay),
            );
        }
        let n = (max - min + 1) as usize;
        let main = peak(min, max, p.mode, p.sd);
        let mut ladder = vec![0.0; n];
        let mut w = 1.0;
        let mut k = 1;
        let mut ladder_weight = 0.0;
        while p.mode - LADDER_STEP * k as f64 >= min as f64 - 3.0 * LADDER_SD {
            let pk = peak(min, max, p.mode - LADDER_STEP * k as f64, LADDER_SD);
            if pk.iter().any(|&x| x > 0.0) {
                ladder.iter_mut().zip(&pk).for_each(|(a, b)| *a += w * b);
                ladder_weight += w;
            }
            w *= p.ladder_decay;
            k += 1;
        }
        let di = peak(min, max, 2.0 * p.mode, 2.0 * p.sd);
        // Parts with no mass on the support drop out; the rest is renormalised.
        let mut parts = vec![(1.0 - p.ladder - p.dinucleosome, main)];
        if ladder_weight > 0.0 {
            ladder.iter_mut().for_each(|x| *x /= ladder_weight);
            parts.push((p.ladder, ladder));
        }
        if di.iter().any(|&x| x > 0.0) {
            parts.push((p.dinucleosome, di));
        }
        let mut pmf = vec![0.0; n];
        for (share, part) in &parts {
            pmf.iter_mut().zip(part).for_each(|(a, b)| *a += share * b);
        }
        let total: f64 = pmf.iter().sum();
        pmf.iter_mut().for_each(|x| *x /= total);
        Ok(LengthModel { min, max, pmf })
    }

    /// Probability of length `len` (0 outside the support).
    #[cfg(test)] // only the tests look one length up
    pub(crate) fn pmf(&self, len: u32) -> f64 {
        if len < self.min || len > self.max {
            return 0.0;
        }
        self.pmf[(len - self.min) as usize]
    }

    /// (length, probability) over the support.
    pub fn iter(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.pmf
            .iter()
            .enumerate()
            .map(|(i, &p)| (self.min + i as u32, p))
    }

    pub fn mean(&self) -> f64 {
        self.iter().map(|(l, p)| l as f64 * p).sum()
    }

    pub fn variance(&self) -> f64 {
        let m = self.mean();
        self.iter().map(|(l, p)| (l as f64 - m).powi(2) * p).sum()
    }

    /// P(length < `len`).
    pub fn share_below(&self, len: u32) -> f64 {
        self.iter().filter(|&(l, _)| l < len).map(|(_, p)| p).sum()
    }

    /// The most likely length.
    pub fn mode(&self) -> u32 {
        let mut best = (self.min, -1.0);
        for (l, p) in self.iter() {
            if p > best.1 {
                best = (l, p);
            }
        }
        best.0
    }
}

/// A discrete distribution over `0..n`, sampled by binary search on its
/// cumulative weights.
#[derive(Debug, Clone)]
pub(crate) struct Discrete {
    cum: Vec<f64>,
}

impl Discrete {
    /// `None` when every weight is 0.
    pub fn new(weights: &[f64]) -> Option<Self> {
        let mut cum = Vec::with_capacity(weights.len());
        let mut t = 0.0;
        for &w in weights {
            t += w.max(0.0);
            cum.push(t);
        }
        (t > 0.0).then_some(Discrete { cum })
    }

    pub fn total(&self) -> f64 {
        *self.cum.last().unwrap_or(&0.0)
    }

    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> usize {
        let u = rng.uniform() * self.total();
        let i = self.cum.partition_point(|&c| c <= u);
        // Skip zero-weight entries at the end (u can equal a plateau).
        i.min(self.cum.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_have_the_documented_shape() {
        let h = LengthModel::new(&LengthParams::healthy(), 50, 450, "healthy").unwrap();
        let t = LengthModel::new(&LengthParams::tumour(), 50, 450, "tumour").unwrap();
        let sum: f64 = h.iter().map(|(_, p)| p).sum();
        assert!((sum - 1.0).abs() < 1e-9);
        assert_eq!(h.mode(), 167);
        // A ladder peak 10 bp below the mode is a local maximum.
        assert!(h.pmf(157) > h.pmf(154) && h.pmf(157) > h.pmf(160));
        // A di-nucleosome bump near 334.
        assert!(h.pmf(334) > h.pmf(290));
        assert!(
            t.mean() < h.mean() - 15.0,
            "tumour {} healthy {}",
            t.mean(),
            h.mean()
        );
        assert!(t.share_below(150) > 0.6 && h.share_below(150) < 0.25);
        let mass_90_150 = |m: &LengthModel| {
            m.iter()
                .filter(|&(l, _)| (90..150).contains(&l))
                .map(|(_, p)| p)
                .sum::<f64>()
        };
        assert!(mass_90_150(&t) > 2.5 * mass_90_150(&h));
    }

    #[test]
    fn bad_parameters_name_the_flag() {
        let mut p = LengthParams::healthy();
        p.mode = 20.0;
        let e = LengthModel::new(&p, 50, 450, "healthy")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--healthy-mode"), "{e}");
        let e = LengthModel::new(&LengthParams::healthy(), 300, 200, "healthy")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--min-fragment"), "{e}");
    }

    #[test]
    fn discrete_sampling_follows_weights() {
        let d = Discrete::new(&[0.0, 1.0, 3.0, 0.0]).unwrap();
        let mut r = SimRng::stream(1, &[]);
        let n = 40_000;
        let threes = (0..n).filter(|_| d.sample(&mut r) == 2).count();
        let ones = (0..n).filter(|_| d.sample(&mut r) == 1).count();
        // Binomial(40000, 0.75): sd = sqrt(40000 * 0.75 * 0.25) = 86.6; 5 sd = 433.
        assert!((threes as f64 - 30_000.0).abs() < 433.0);
        assert!((ones as f64 - 10_000.0).abs() < 433.0);
        assert!(Discrete::new(&[0.0, 0.0]).is_none());
    }
}
