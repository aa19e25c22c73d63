//! The third stage: the sequencer reads a copy's two ends. Substitution
//! errors whose rate rises along the read, with base qualities that state
//! the probability each base was drawn with.
//!
//! The error probability at cycle `c` (0-based) of a read of nominal length
//! `R` is `p(c) = e · (0.25 + 1.5 · c / (R − 1))`, rising linearly from
//! `e/4` to `7e/4`; its mean over the `R` cycles is exactly `e`
//! (`--error-rate`). Each base gets an integer Phred quality: with
//! `q = −10·log10 p(c)`, the base is given `⌊q⌋` or `⌈q⌉` at random, with
//! the chance chosen so that the expected probability of the quality drawn
//! equals `p(c)`, and the base is then miscalled with *its own* quality's
//! probability `10^(−Q/10)`. So every quality is exact for its base, and the
//! mean error is `e`. Qualities are capped at 41 (2 at the low end): a base
//! whose `p(c)` lies beyond the cap gets the cap and is miscalled with
//! `p(c)` (with `--error-rate 0`, every base is Q41 and nothing is
//! miscalled). A miscalled base becomes one of the other three bases with
//! equal chance.

use super::reads::reverse_complement_in_place;
use super::rng::SimRng;

pub(crate) const MAX_QUAL: u8 = 41;
pub(crate) const MIN_QUAL: u8 = 2;

#[derive(Debug, Clone, Copy)]
struct Cycle {
    /// Chance (of 2^32) of the lower quality.
    choose_lo: u64,
    q_lo: u8,
    q_hi: u8,
    /// Miscall chance (of 2^32) under the lower and the higher quality.
    err_lo: u64,
    err_hi: u64,
}

/// Per-cycle error probabilities and quality draws for one run.
#[derive(Debug, Clone)]
pub struct SequencingErrors {
    rate: f64,
    read_length: usize,
    cycles: Vec<Cycle>,
}

fn phred_p(q: u8) -> f64 {
    10f64.powf(-(q as f64) / 10.0)
}

fn of_2_32(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).round() as u64
}

impl SequencingErrors {
    /// `rate` is the mean substitution rate over a full-length read.
    pub fn new(rate: f64, read_length: usize) -> Self {
        let mut m = SequencingErrors {
            rate,
            read_length,
            cycles: Vec::with_capacity(read_length),
        };
        for c in 0..read_length {
            let p = m.cycle_rate(c);
            let q = if p > 0.0 {
                -10.0 * p.log10()
            } else {
                f64::INFINITY
            };
            let cycle = if q >= MAX_QUAL as f64 {
                Cycle {
                    choose_lo: 1 << 32,
                    q_lo: MAX_QUAL,
                    q_hi: MAX_QUAL,
                    err_lo: of_2_32(p),
                    err_hi: of_2_32(p),
                }
            } else if q <= MIN_QUAL as f64 {
                Cycle {
                    choose_lo: 1 << 32,
                    q_lo: MIN_QUAL,
                    q_hi: MIN_QUAL,
                    err_lo: of_2_32(p),
                    err_hi: of_2_32(p),
                }
            } else {
                let q_lo = q.floor() as u8;
                let q_hi = q_lo + 1;
                let (p_lo, p_hi) = (phred_p(q_lo), phred_p(q_hi));
                // λ·p_lo + (1 − λ)·p_hi = p
                let lambda = ((p - p_hi) / (p_lo - p_hi)).clamp(0.0, 1.0);
                Cycle {
                    choose_lo: of_2_32(lambda),
                    q_lo,
                    q_hi,
                    err_lo: of_2_32(p_lo),
                    err_hi: of_2_32(p_hi),
                }
            };
            m.cycles.push(cycle);
        }
        m
    }

    /// The mean rate (`--error-rate`).
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Error probability at cycle `c` (0-based).
    pub fn cycle_rate(&self, c: usize) -> f64 {
        let r = self.read_length.max(1);
        let frac = if r > 1 {
            c as f64 / (r - 1) as f64
        } else {
            0.5
        };
        self.rate * (0.25 + 1.5 * frac)
    }

    /// Expected miscalls over the first `len` cycles.
    #[cfg(test)] // a check of the error profile, for the tests
    pub(crate) fn expected_errors(&self, len: usize) -> f64 {
        (0..len).map(|c| self.cycle_rate(c)).sum()
    }

    /// Sequence `bases` (in sequencing order: index = cycle) in place,
    /// writing Phred qualities into `quals`. Returns the number of miscalls.
    pub fn sequence(&self, rng: &mut SimRng, bases: &mut [u8], quals: &mut [u8]) -> u32 {
        let mut errors = 0;
        for (c, (b, q)) in bases.iter_mut().zip(quals.iter_mut()).enumerate() {
            let cy = self.cycles[c.min(self.cycles.len() - 1)];
            let r = rng.next_u64();
            let (hi, lo) = (r >> 32, r & 0xffff_ffff);
            let (qual, err) = if hi < cy.choose_lo {
                (cy.q_lo, cy.err_lo)
            } else {
                (cy.q_hi, cy.err_hi)
            };
            *q = qual;
            if lo < err {
                errors += 1;
                let k = rng.below(3) as usize;
                *b = substitute(*b, k);
            }
        }
        errors
    }
}

/// The two reads of one copy as the sequencer gives them: each in its
/// cycle order (the right read reverse-complemented), with qualities.
pub(crate) struct ReadPair {
    pub left: (Vec<u8>, Vec<u8>),
    pub right: (Vec<u8>, Vec<u8>),
}

impl SequencingErrors {
    /// Read the first and the last `r` bases of `template` (a copy's bases
    /// in reference orientation): the left read forward, the right read
    /// from its other end.
    pub(crate) fn read_pair(&self, rng: &mut SimRng, template: &[u8], r: usize) -> ReadPair {
        let lm = template.len();
        let mut lseq = template[..r].to_vec();
        let mut lq = vec![0u8; r];
        self.sequence(rng, &mut lseq, &mut lq);
        let mut rseq = template[lm - r..].to_vec();
        reverse_complement_in_place(&mut rseq);
        let mut rq = vec![0u8; r];
        self.sequence(rng, &mut rseq, &mut rq);
        ReadPair {
            left: (lseq, lq),
            right: (rseq, rq),
        }
    }
}

/// The `k`-th (0..3) of the three bases other than `b` (N becomes A/C/G).
pub(super) fn substitute(b: u8, k: usize) -> u8 {
    const BASES: [u8; 4] = [b'A', b'C', b'G', b'T'];
    let mut n = 0;
    for x in BASES {
        if x != b {
            if n == k {
                return x;
            }
            n += 1;
        }
    }
    b'A'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_rises_and_averages_to_the_rate() {
        let m = SequencingErrors::new(0.002, 150);
        assert!(m.cycle_rate(0) < m.cycle_rate(149));
        assert!((m.expected_errors(150) / 150.0 - 0.002).abs() < 1e-12);
        assert!((m.cycle_rate(0) - 0.0005).abs() < 1e-12);
    }

    #[test]
    fn qualities_are_consistent_with_the_draw() {
        // Per cycle, E[10^(-Q/10)] equals p(c): check the mixing chance.
        let m = SequencingErrors::new(0.004, 100);
        for (c, cy) in m.cycles.iter().enumerate() {
            let l = cy.choose_lo as f64 / 4_294_967_296.0;
            let p = l * phred_p(cy.q_lo) + (1.0 - l) * phred_p(cy.q_hi);
            assert!((p - m.cycle_rate(c)).abs() < 1e-9, "cycle {c}");
        }
        // Realised: 2,000 reads × 100 bases = 200,000 bases at mean 0.004:
        // 800 errors expected, sd <= sqrt(800) = 28.3; 5 sd = 141.
        let mut rng = SimRng::stream(5, &[]);
        let (mut errors, mut implied) = (0u32, 0.0);
        for _ in 0..2000 {
            let mut b = vec![b'A'; 100];
            let mut q = vec![0; 100];
            errors += m.sequence(&mut rng, &mut b, &mut q);
            implied += q.iter().map(|&x| phred_p(x)).sum::<f64>();
        }
        assert!((errors as f64 - 800.0).abs() < 141.0, "{errors}");
        // The qualities' own error probabilities add up to the same: each
        // base's is p_lo or p_hi (within 26 % of p(c)), so the sum's sd is
        // below sqrt(200,000) × 0.002 ≈ 0.9; 20 is > 20 sd.
        assert!((implied - 800.0).abs() < 20.0, "{implied}");
    }

    #[test]
    fn zero_rate_is_error_free_at_the_cap() {
        let m = SequencingErrors::new(0.0, 50);
        let mut rng = SimRng::stream(5, &[]);
        let mut b = b"ACGTN".repeat(10);
        let orig = b.clone();
        let mut q = vec![0; 50];
        assert_eq!(m.sequence(&mut rng, &mut b, &mut q), 0);
        assert_eq!(b, orig);
        assert!(q.iter().all(|&x| x == MAX_QUAL));
        assert_eq!(substitute(b'C', 0), b'A');
        assert_eq!(substitute(b'C', 2), b'T');
    }
}
