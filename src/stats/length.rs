//! Fragment length as evidence (`call --length-evidence`; INVAR, Wan et
//! al. 2020, is the published model).
//!
//! An alt fragment at a site is either tumour-born, and then its length
//! follows the tumour's length distribution `t`, or error-born, and then
//! it is a fragment like any other and follows the sample's own `s`. With
//! `m` the tumour-born share (VAF `v`) and `e` the background, a fragment
//! shows the alt with length `l` with probability `v(1−e)t(l) + (1−v)e·s(l)`,
//! and the ref with `(1 − p)s(l)`; so, with `r(l) = t(l)/s(l)`, the site's
//! log-likelihood is, up to terms free of `v`,
//!
//! `ℓ(v) = Σ_alt log(v(1−e)r(l_j) + (1−v)e) + (n − a) log(1 − p)`,
//!
//! which is the count likelihood when every `r` is 1.
//!
//! **The two distributions.** `s` is the pooled length histogram of the
//! sample's ref fragments at every site, smoothed (a ±2 bp triangle) and
//! shrunk towards `t` by [`SAMPLE_PRIOR`] pseudo-fragments, so that a
//! length the ref fragments happen not to show does not give an unbounded
//! ratio. `t` is cfspot's simulator default (`sim::lengths`: mode 145 bp,
//! sd 10, a 10 bp ladder holding 45 %, on 50–450 bp; it is not fitted to
//! published ctDNA profiles), refined by the sample's own alt fragments at
//! the sites its count test detects, when they are [`REFINE_MIN`] or more
//! (a posterior mean with the default worth [`TUMOUR_PRIOR`] fragments).
//! `r` is capped at [`MAX_RATIO`] and then scaled so that `Σ s·r = 1`
//! (`r·s` is then the model's tumour distribution). A fragment without a
//! length (not a proper pair) has `r = 1`: it says nothing.
//!
//! **Site test.** The statistic is the log-likelihood ratio at a fixed
//! alternative `v₁`, the site's count-only LoD95 (Neyman–Pearson: the most
//! powerful test against it, and `v₁` depends on the depth and background
//! only, not on the data): `T = Σ_alt u(l_j)` with
//! `u(l) = log(1 − v₁ + v₁(1−e)r(l)/e) − log((1 − p₁)/(1 − e))` (the ref
//! fragments' term is `n·log((1−p₁)/(1−e))`, free of the data). Each `u`
//! is rounded *up* to the lattice [`STEP`]·ℕ (and negative ones, which are
//! at most `v₁e/(1−e)` below 0, to 0), so `T` grows with every alt
//! fragment. Under the null the alt count `A` follows the count test's
//! (beta-)binomial and each alt fragment's length follows `s`, so
//! `P(T ≥ t) = Σ_a P(A = a)·P(U₁ + … + U_a ≥ t)` is summed exactly, by
//! convolution on the lattice with every sum at or above `t` kept in one
//! absorbing cell, up to `a` = [`EXACT_ALTS`] or until the rest of
//! `P(A > a)` is below 10⁻⁶ of the sum; what is left, `P(A > a)`, is added
//! whole. So the p-value is exact for the rounded statistic, or an upper
//! bound: valid. Deeply detected sites (more than [`EXACT_ALTS`] alt
//! fragments past the background) get at most `P(A > 60)` of their count.
//!
//! **LoD95.** The smallest `v` with `P(T ≥ t* and A ≥ min_alt) ≥ 0.95`,
//! `t*` the critical value at the per-site level, for `A ~ Binomial(n,
//! v + (1 − v)e)` and each alt fragment tumour-born with probability
//! `v/(v + (1 − v)e)`: exact on the same lattice, bisection in `log v`.
//!
//! **Tumour fraction.** The site's alt term `a·log p` becomes
//! `Σ_alt log(m(1−e)r_j + (1−m)e)` with `m = f·TF/2` (see
//! `tumour_fraction` and `de_novo`); still concave in TF.
//!
//! Cost: per site, `O(a·t/STEP·K)` for the p-value (`K` the lattice cells
//! of one fragment, ≤ ~160) and ~30 such sums for the LoD.

use super::background::SiteBackground;
use super::distributions::{beta_binomial_sf, binomial_sf};
use crate::count::site::LengthHistogram;
use crate::count::SiteCounts;
use crate::sim::lengths::{LengthModel, LengthParams};
use serde::Serialize;

/// Lengths above this share one bin.
pub const MAX_LENGTH: u32 = 1000;
const NONE_BIN: usize = MAX_LENGTH as usize + 1;
const BINS: usize = MAX_LENGTH as usize + 2;
/// Cap on `t(l)/s(l)`.
pub const MAX_RATIO: f64 = 50.0;
/// Pseudo-fragments (distributed as `t`) added to the sample's ref lengths.
pub const SAMPLE_PRIOR: f64 = 50.0;
/// Alt fragments at detected sites needed to refine `t`.
pub const REFINE_MIN: u64 = 200;
/// Weight of the default `t`, in fragments, when it is refined.
pub const TUMOUR_PRIOR: f64 = 200.0;
/// Lattice step of the per-fragment score (log-likelihood units).
pub const STEP: f64 = 0.05;
/// Alt counts summed exactly in the p-value; the rest is bounded.
pub const EXACT_ALTS: u64 = 60;
/// The simulator's default fragment range (`cfspot simulate`'s
/// `--min-fragment`/`--max-fragment`), the support of the default `t`.
const DEFAULT_RANGE: (u32, u32) = (50, 450);

fn bin(len: u32) -> usize {
    len.min(MAX_LENGTH) as usize
}

/// ±2 bp triangle (weights 1 2 3 2 1) over the length bins.
fn smooth(counts: &[f64]) -> Vec<f64> {
    const W: [f64; 5] = [1.0, 2.0, 3.0, 2.0, 1.0];
    let n = counts.len();
    let mut out = vec![0.0; n];
    for (i, &c) in counts.iter().enumerate() {
        if c == 0.0 {
            continue;
        }
        // Renormalise at the edges so no mass is lost.
        let lo = i.saturating_sub(2);
        let hi = (i + 2).min(n - 1);
        let total: f64 = (lo..=hi).map(|j| W[j + 2 - i]).sum();
        for j in lo..=hi {
            out[j] += c * W[j + 2 - i] / total;
        }
    }
    out
}

fn normalised(mut v: Vec<f64>) -> Vec<f64> {
    let total: f64 = v.iter().sum();
    if total > 0.0 {
        v.iter_mut().for_each(|x| *x /= total);
    }
    v
}

/// The default tumour length distribution over the length bins.
fn default_tumour() -> Vec<f64> {
    let mut t = vec![0.0; MAX_LENGTH as usize + 1];
    // The simulator's own defaults always build.
    if let Ok(m) = LengthModel::new(
        &LengthParams::tumour(),
        DEFAULT_RANGE.0,
        DEFAULT_RANGE.1,
        "tumour",
    ) {
        for (l, p) in m.iter() {
            t[bin(l)] += p;
        }
    }
    t
}

/// What the outputs say about the length models used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LengthSummary {
    /// Ref fragments with a length behind the sample's distribution.
    pub sample_fragments: u64,
    /// Median of the sample's ref lengths (bp).
    pub sample_median: u32,
    /// Alt fragments at count-detected sites that refined the tumour
    /// default (0: the default alone).
    pub tumour_refined_from: u64,
    /// Median of the tumour model used (bp).
    pub tumour_median: u32,
}

/// The two length models of one sample and their ratio.
#[derive(Debug, Clone, PartialEq)]
pub struct LengthEvidence {
    /// `s` over the bins, the no-length bin included (sums to 1).
    sample: Vec<f64>,
    /// `r = t/s` (capped, scaled so that `Σ s·r = 1`); 1 in the no-length
    /// bin.
    ratio: Vec<f64>,
    pub summary: LengthSummary,
}

fn median(pmf: &[f64]) -> u32 {
    let total: f64 = pmf.iter().sum();
    let mut acc = 0.0;
    for (i, &p) in pmf.iter().enumerate() {
        acc += p;
        if acc >= total / 2.0 {
            return i as u32;
        }
    }
    0
}

impl LengthEvidence {
    /// From the sample's counts: `s` from the ref fragments at every site,
    /// `t` from the default, refined by the alt fragments at `detected`
    /// (panel indices the count test detects). `None` when no ref fragment
    /// has a length (single-end or read-level counts): nothing to weigh.
    pub fn from_sample(counts: &[SiteCounts], detected: &[usize]) -> Option<LengthEvidence> {
        let mut refs = vec![0.0; MAX_LENGTH as usize + 1];
        let (mut with_length, mut all_refs) = (0u64, 0u64);
        for c in counts {
            for (l, n) in c.ref_lengths.iter() {
                refs[bin(l)] += n as f64;
                with_length += n;
            }
            all_refs += c.ref_count();
        }
        if with_length == 0 {
            return None;
        }
        let mut tumour = default_tumour();
        let mut alts = vec![0.0; tumour.len()];
        let mut refined = 0u64;
        for &i in detected {
            for (l, n) in counts[i].alt_lengths.iter() {
                alts[bin(l)] += n as f64;
                refined += n;
            }
        }
        if refined >= REFINE_MIN {
            let alts = smooth(&alts);
            let w = refined as f64;
            for (t, a) in tumour.iter_mut().zip(&alts) {
                *t = (TUMOUR_PRIOR * *t + a) / (TUMOUR_PRIOR + w);
            }
        } else {
            refined = 0;
        }
        let tumour = normalised(tumour);
        let refs_smooth = smooth(&refs);
        let n = with_length as f64;
        let s_len: Vec<f64> = refs_smooth
            .iter()
            .zip(&tumour)
            .map(|(c, t)| (c + SAMPLE_PRIOR * t) / (n + SAMPLE_PRIOR))
            .collect();
        // The share of fragments without a length, as among the refs.
        let none = (all_refs.saturating_sub(with_length)) as f64 / all_refs.max(1) as f64;
        let mut sample: Vec<f64> = s_len.iter().map(|p| p * (1.0 - none)).collect();
        sample.push(none);
        let mut ratio: Vec<f64> = tumour
            .iter()
            .zip(&s_len)
            .map(|(t, s)| {
                if *s > 0.0 {
                    (t / s).min(MAX_RATIO)
                } else {
                    0.0
                }
            })
            .collect();
        let mass: f64 = ratio.iter().zip(&s_len).map(|(r, s)| r * s).sum();
        ratio.iter_mut().for_each(|r| *r /= mass);
        ratio.push(1.0);
        debug_assert_eq!(sample.len(), BINS);
        Some(LengthEvidence {
            summary: LengthSummary {
                sample_fragments: with_length,
                sample_median: median(&refs),
                tumour_refined_from: refined,
                tumour_median: median(&tumour),
            },
            sample,
            ratio,
        })
    }

    /// The alt fragments of a site as `(bin, fragments)`, the ones without
    /// a length in the no-length bin.
    fn alt_bins(c: &SiteCounts) -> Vec<(usize, u64)> {
        let mut out: Vec<(usize, u64)> = Vec::new();
        let mut with_length = 0;
        for (l, n) in c.alt_lengths.iter() {
            let b = bin(l);
            match out.last_mut() {
                Some(last) if last.0 == b => last.1 += n,
                _ => out.push((b, n)),
            }
            with_length += n;
        }
        let none = c.alt_count().saturating_sub(with_length);
        if none > 0 {
            out.push((NONE_BIN, none));
        }
        out
    }

    /// A site's alt fragments as `(r, fragments)`: what the tumour-fraction
    /// likelihood weighs.
    pub fn weights(&self, c: &SiteCounts) -> Vec<(f64, u64)> {
        Self::alt_bins(c)
            .into_iter()
            .map(|(b, n)| (self.ratio[b], n))
            .collect()
    }

    /// Lattice score of each bin at alternative `v1`, background `e`.
    fn scores(&self, v1: f64, e: f64) -> Vec<usize> {
        let e = e.clamp(1e-12, 0.5);
        let v1 = v1.clamp(1e-12, 1.0 - 1e-9);
        let p1 = v1 * (1.0 - e) + (1.0 - v1) * e;
        let refs = ((1.0 - p1) / (1.0 - e)).ln();
        self.ratio
            .iter()
            .map(|&r| {
                let u = (1.0 - v1 + v1 * (1.0 - e) * r / e).ln() - refs;
                // Rounded up: the statistic only grows with an alt fragment.
                (u / STEP).ceil().max(0.0) as usize
            })
            .collect()
    }

    /// One fragment's lattice distribution: bins weighted by `weight`.
    fn lattice(scores: &[usize], weight: impl Fn(usize) -> f64) -> Vec<f64> {
        let top = scores.iter().copied().max().unwrap_or(0);
        let mut q = vec![0.0; top + 1];
        for (b, &k) in scores.iter().enumerate() {
            q[k] += weight(b);
        }
        q
    }

    /// The alternative a site is tested against: its count-only LoD95
    /// (see the module doc), at least the background.
    pub fn alternative(count_lod: f64, bg: &SiteBackground) -> f64 {
        count_lod.max(bg.rate).min(0.5)
    }

    /// The observed statistic (lattice units) of site `c` at `v1`.
    fn observed(&self, c: &SiteCounts, scores: &[usize]) -> usize {
        Self::alt_bins(c)
            .iter()
            .map(|&(b, n)| scores[b] * n as usize)
            .sum()
    }

    /// The length-weighted p-value of site `c` against alternative `v1`
    /// (see the module doc).
    pub fn p_value(&self, c: &SiteCounts, bg: &SiteBackground, v1: f64) -> f64 {
        let scores = self.scores(v1, bg.rate);
        let k = self.observed(c, &scores);
        let q0 = Self::lattice(&scores, |b| self.sample[b]);
        null_tail(k, c.depth(), bg, &q0)
    }

    /// The LoD95 with length evidence at this depth and background: see
    /// the module doc. `v1` is the site's alternative, `level` the per-site
    /// level. `None` when no VAF reaches 95 % power.
    pub fn lod95(
        &self,
        depth: u64,
        bg: &SiteBackground,
        v1: f64,
        level: f64,
        min_alt: u64,
    ) -> Option<f64> {
        if depth == 0 {
            return None;
        }
        let scores = self.scores(v1, bg.rate);
        let q0 = Self::lattice(&scores, |b| self.sample[b]);
        let crit = critical(depth, bg, &q0, level)?;
        let e = bg.rate;
        let power = |v: f64| {
            let p = v + (1.0 - v) * e;
            let w = v / p;
            let q = Self::lattice(&scores, |b| self.sample[b] * (w * self.ratio[b] + 1.0 - w));
            alt_power(crit, depth, p, min_alt, &q)
        };
        if power(1.0) < 0.95 {
            return None;
        }
        let (mut lo, mut hi) = (1e-8f64.ln(), 0.0f64);
        if power(lo.exp()) >= 0.95 {
            return Some(lo.exp());
        }
        for _ in 0..30 {
            let mid = 0.5 * (lo + hi);
            if power(mid.exp()) >= 0.95 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi.exp())
    }
}

/// One more fragment: `conv ⊛ q`, with every sum ≥ `conv.len() − 1` kept
/// in the last (absorbing) cell.
fn step(conv: &[f64], q: &[f64]) -> Vec<f64> {
    let last = conv.len() - 1;
    let mut out = vec![0.0; conv.len()];
    for (i, &c) in conv.iter().enumerate() {
        if c == 0.0 {
            continue;
        }
        if i == last {
            out[last] += c;
            continue;
        }
        for (k, &p) in q.iter().enumerate() {
            out[(i + k).min(last)] += c * p;
        }
    }
    out
}

/// `P(T ≥ k)` under the null: `A` as the count test's (beta-)binomial, each
/// alt fragment's score distributed as `q0`.
fn null_tail(k: usize, depth: u64, bg: &SiteBackground, q0: &[f64]) -> f64 {
    if k == 0 {
        return 1.0;
    }
    let sf = |a: u64| beta_binomial_sf(a, depth, bg.rate, bg.rho);
    let mut conv = vec![0.0; k + 1];
    conv[0] = 1.0;
    let (mut p, mut sf_a) = (0.0, 1.0);
    for a in 0..=depth {
        let sf_next = sf(a + 1);
        p += (sf_a - sf_next).max(0.0) * conv[k];
        if a >= EXACT_ALTS || sf_next <= 1e-6 * p || sf_next < 1e-300 {
            p += sf_next;
            break;
        }
        conv = step(&conv, q0);
        sf_a = sf_next;
    }
    p.min(1.0)
}

/// The smallest lattice statistic whose null tail is ≤ `level`.
fn critical(depth: u64, bg: &SiteBackground, q0: &[f64], level: f64) -> Option<usize> {
    let top = q0.len().max(2) - 1;
    let limit = top * depth.min(EXACT_ALTS) as usize;
    let mut hi = top.max(1);
    while null_tail(hi, depth, bg, q0) > level {
        if hi >= limit {
            return None;
        }
        hi = (hi * 2).min(limit);
    }
    let mut lo = 0; // tail(0) = 1 > level
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if null_tail(mid, depth, bg, q0) <= level {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// `P(T ≥ crit and A ≥ min_alt)` for `A ~ Binomial(depth, p)`, each alt
/// fragment's score distributed as `q`.
fn alt_power(crit: usize, depth: u64, p: f64, min_alt: u64, q: &[f64]) -> f64 {
    let mut conv = vec![0.0; crit + 1];
    conv[0] = 1.0;
    let (mut power, mut sf_a) = (0.0, 1.0);
    for a in 0..=depth {
        let sf_next = binomial_sf(a + 1, depth, p);
        if a >= min_alt {
            power += (sf_a - sf_next).max(0.0) * conv[crit];
        }
        if sf_next < 1e-9 {
            break;
        }
        conv = step(&conv, q);
        sf_a = sf_next;
    }
    power
}

/// In-silico size selection (Mouliere et al. 2018): the site's counts as
/// if only fragments of `lo..=hi` bp had been sequenced. Ref and alt
/// become the fragments of their length histograms in range (fragments
/// without a length leave); each keeps its strand split in proportion
/// (rounded), `other` keeps its share of the refs. The background is the
/// flanks' rates over all fragments (size selection barely moves a
/// sequencer's per-base error).
pub fn size_select(c: &SiteCounts, lo: u32, hi: u32) -> SiteCounts {
    let keep = |h: &LengthHistogram| -> LengthHistogram {
        let mut out = LengthHistogram::default();
        for (l, n) in h.iter().filter(|&(l, _)| (lo..=hi).contains(&l)) {
            for _ in 0..n {
                out.add(l);
            }
        }
        out
    };
    let split = |fwd: u64, rev: u64, kept: u64| -> (u64, u64) {
        let total = fwd + rev;
        if total == 0 {
            return (0, 0);
        }
        let kept = kept.min(total);
        let f = ((fwd as f64) * kept as f64 / total as f64).round() as u64;
        (f.min(kept), kept - f.min(kept))
    };
    let (ref_lengths, alt_lengths) = (keep(&c.ref_lengths), keep(&c.alt_lengths));
    let (ref_fwd, ref_rev) = split(c.ref_fwd, c.ref_rev, ref_lengths.total());
    let (alt_fwd, alt_rev) = split(c.alt_fwd, c.alt_rev, alt_lengths.total());
    let share = ref_lengths.total() as f64 / c.ref_count().max(1) as f64;
    SiteCounts {
        ref_fwd,
        ref_rev,
        alt_fwd,
        alt_rev,
        other: (c.other as f64 * share).round() as u64,
        ref_lengths,
        alt_lengths,
        ..c.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::background::SourceKind;
    use crate::stats::distributions::beta_binomial_sf;

    fn bg(rate: f64) -> SiteBackground {
        SiteBackground {
            rate,
            rho: 0.0,
            source: "test".into(),
            judged_by: SourceKind::Fixed,
        }
    }

    struct Rng(u64);
    impl Rng {
        fn u(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        fn pick(&mut self, m: &LengthModel) -> u32 {
            let u = self.u();
            let mut acc = 0.0;
            for (l, p) in m.iter() {
                acc += p;
                if acc > u {
                    return l;
                }
            }
            m.max
        }
    }

    fn model(p: LengthParams) -> LengthModel {
        LengthModel::new(&p, 50, 450, "x").unwrap()
    }

    /// A site of `depth` fragments, `alt` of them tumour-born (tumour
    /// lengths) plus errors at rate `e`, the rest healthy lengths.
    fn site(
        r: &mut Rng,
        depth: u64,
        vaf: f64,
        e: f64,
        healthy: &LengthModel,
        tumour: &LengthModel,
    ) -> SiteCounts {
        let mut c = SiteCounts::default();
        let (mut refs, mut alts) = (LengthHistogram::default(), LengthHistogram::default());
        for _ in 0..depth {
            let u = r.u();
            if u < vaf {
                alts.add(r.pick(tumour));
                c.alt_fwd += 1;
            } else if u < vaf + (1.0 - vaf) * e {
                alts.add(r.pick(healthy));
                c.alt_fwd += 1;
            } else {
                refs.add(r.pick(healthy));
                c.ref_fwd += 1;
            }
        }
        c.ref_lengths = refs;
        c.alt_lengths = alts;
        c
    }

    #[test]
    fn all_ratios_one_is_the_count_test() {
        // Lengths that say nothing (no fragment has one, so r = 1 and every
        // alt fragment scores the same u): T is a multiple of A, and the
        // p-value is the count test's P(A ≥ a).
        let c = SiteCounts {
            ref_fwd: 2000,
            alt_fwd: 6,
            ..SiteCounts::default()
        };
        // One ref length among 10⁷ refs: the null's length bins hold 10⁻⁷.
        let with_len = SiteCounts {
            ref_fwd: 10_000_000,
            ref_lengths: [167].into_iter().collect(),
            ..SiteCounts::default()
        };
        let ev = LengthEvidence::from_sample(&[with_len], &[]).unwrap();
        let b = bg(1e-3);
        let p = ev.p_value(&c, &b, 0.004);
        let want = beta_binomial_sf(6, 2006, 1e-3, 0.0);
        assert!((p - want).abs() < 1e-5 * want, "{p} vs {want}");
    }

    #[test]
    fn null_p_values_are_valid_and_tumour_lengths_add_power() {
        // 3,000 tumour-free sites at 2,000 fragments, e = 1e-3, lengths
        // from the simulator's healthy model: P(p ≤ t) ≤ t. The p-value is
        // discrete, so at t = 0.05 the count is ≤ Binomial(3000, 0.05):
        // mean 150, sd 11.9, and ≤ 190 with probability > 0.999.
        let (h, t) = (
            model(LengthParams::healthy()),
            model(LengthParams::tumour()),
        );
        let mut r = Rng(0x1e57);
        let sample: Vec<SiteCounts> = (0..31)
            .map(|_| site(&mut r, 2000, 0.0, 1e-3, &h, &t))
            .collect();
        let ev = LengthEvidence::from_sample(&sample, &[]).unwrap();
        let b = bg(1e-3);
        let level = 0.05 / 31.0;
        let v1 = crate::stats::call::lod95(2000, &b, level, 1).unwrap();
        let mut small = [0usize; 3];
        for _ in 0..3000 {
            let c = site(&mut r, 2000, 0.0, 1e-3, &h, &t);
            let p = ev.p_value(&c, &b, v1);
            for (k, cut) in [0.05, 0.01, 0.001].iter().enumerate() {
                small[k] += usize::from(p <= *cut);
            }
        }
        // 0.01: mean 30, sd 5.4, ≤ 50; 0.001: mean 3, ≤ 11 (P > 0.999).
        assert!(
            small[0] <= 190 && small[1] <= 50 && small[2] <= 11,
            "{small:?}"
        );
        // Power: 400 sites at the count LoD's VAF with tumour lengths for
        // the tumour-born alt fragments. The count test detects ≥ 95 % of
        // them by definition; the length test's own LoD is below the
        // count's, and it detects at least as many at the count LoD.
        let count_p = |c: &SiteCounts| beta_binomial_sf(c.alt_count(), c.depth(), 1e-3, 0.0);
        let lod = ev.lod95(2000, &b, v1, level, 1).unwrap();
        assert!(lod < 0.8 * v1, "length LoD {lod} vs count {v1}");
        let vaf = lod;
        let (mut by_len, mut by_count) = (0, 0);
        for _ in 0..400 {
            let c = site(&mut r, 2000, vaf, 1e-3, &h, &t);
            by_len += usize::from(ev.p_value(&c, &b, v1) <= level && c.alt_count() >= 1);
            by_count += usize::from(count_p(&c) <= level);
        }
        eprintln!("null {small:?}; LoD {lod:.5} vs count {v1:.5}; {by_len} by length, {by_count} by count");
        // At its own LoD the length test detects 95 %: Binomial(400, 0.95)
        // is ≥ 366 with probability > 0.999; the count test, below its LoD,
        // fewer.
        assert!(
            by_len >= 366,
            "{by_len} of 400 by length, {by_count} by count"
        );
        assert!(
            by_count < by_len,
            "{by_len} by length vs {by_count} by count"
        );
    }

    #[test]
    fn weights_and_refinement() {
        let (h, t) = (
            model(LengthParams::healthy()),
            model(LengthParams::tumour()),
        );
        let mut r = Rng(99);
        let mut sample: Vec<SiteCounts> = (0..4)
            .map(|_| site(&mut r, 3000, 0.0, 1e-3, &h, &t))
            .collect();
        // A detected site with 300 tumour-born alt fragments.
        sample.push(site(&mut r, 3000, 0.1, 1e-3, &h, &t));
        let plain = LengthEvidence::from_sample(&sample, &[]).unwrap();
        let refined = LengthEvidence::from_sample(&sample, &[4]).unwrap();
        assert_eq!(plain.summary.tumour_refined_from, 0);
        assert!(refined.summary.tumour_refined_from >= REFINE_MIN);
        // Healthy median 167 (the simulator's mode), tumour's below 150.
        assert!((plain.summary.sample_median as i64 - 167).abs() <= 2);
        assert!(plain.summary.tumour_median < 150);
        // Weights cover every alt fragment; short ones weigh more.
        let w = plain.weights(&sample[4]);
        assert_eq!(w.iter().map(|x| x.1).sum::<u64>(), sample[4].alt_count());
        let r140 = plain.ratio[140];
        let r167 = plain.ratio[167];
        assert!(r140 > 3.0 * r167, "{r140} vs {r167}");
        // Σ s·r = 1 over the length bins plus the no-length bin's share.
        let total: f64 = plain
            .sample
            .iter()
            .zip(&plain.ratio)
            .map(|(s, r)| s * r)
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }

    #[test]
    fn size_selection_keeps_the_fragments_in_range() {
        let c = SiteCounts {
            ref_fwd: 3,
            ref_rev: 1,
            alt_fwd: 1,
            alt_rev: 1,
            other: 2,
            ref_lengths: [100, 140, 167, 300].into_iter().collect(),
            alt_lengths: [120, 200].into_iter().collect(),
            ..SiteCounts::default()
        };
        let s = size_select(&c, 90, 150);
        assert_eq!(s.ref_lengths, [100, 140].into_iter().collect());
        assert_eq!(s.alt_lengths, [120].into_iter().collect());
        // 2 of 4 refs in range: strands 3:1 scaled to 1.5 → 2 and 0; the
        // alt's one fragment on the forward strand (1:1 → 0.5 rounds up).
        assert_eq!((s.ref_fwd, s.ref_rev, s.alt_fwd, s.alt_rev), (2, 0, 1, 0));
        assert_eq!(s.other, 1);
        assert_eq!(s.depth(), 4);
    }

    #[test]
    fn tumour_fraction_with_lengths() {
        use crate::stats::tumour_fraction::{estimate, SiteEvidence};
        let plain = SiteEvidence {
            depth: 2000,
            alt: 20,
            background: 1e-3,
            factor: 1.0,
            lengths: &[],
        };
        // Every r = 1: the count likelihood, the same estimate.
        let ones = [(1.0, 20)];
        let same = SiteEvidence {
            lengths: &ones,
            ..plain
        };
        let (a, b) = (estimate(&[plain]), estimate(&[same]));
        assert!((a.estimate - b.estimate).abs() < 1e-9, "{a:?} {b:?}");
        assert!((a.lrt_statistic - b.lrt_statistic).abs() < 1e-6);
        // Tumour-like lengths (r = 5) make the same count stronger evidence
        // against TF = 0; error-like ones (r = 0.2) weaker.
        let short = [(5.0, 20)];
        let long = [(0.2, 20)];
        let s = estimate(&[SiteEvidence {
            lengths: &short,
            ..plain
        }]);
        let l = estimate(&[SiteEvidence {
            lengths: &long,
            ..plain
        }]);
        assert!(s.lrt_statistic > a.lrt_statistic && a.lrt_statistic > l.lrt_statistic);
        // With lengths the alt term is Σ log(m(1−e)r + (1−m)e): at its
        // maximum the derivative is 0 (checked by a finite difference).
        let ev = [SiteEvidence {
            lengths: &short,
            ..plain
        }];
        let ll = |t: f64| crate::stats::tumour_fraction::log_likelihood(&ev, t);
        let h = 1e-7;
        assert!((ll(s.estimate + h) - ll(s.estimate - h)).abs() / (2.0 * h) < 1e-2);
    }
}
