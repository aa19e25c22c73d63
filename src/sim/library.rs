//! The second stage: what happens to a unique fragment before the
//! sequencer. Its UMIs are attached (with `--umi`), it is amplified into
//! PCR copies, and each copy comes from one strand of the original duplex.
//!
//! Each unique fragment is read `1 + Poisson(d / (1 − d))` times
//! (`--duplicates d` is the expected share of duplicate pairs), or, with
//! `--family-size-mean M`, `1 + Poisson(M − 1)` times, over-dispersed with
//! `--family-size-dispersion k` to `1 + NB(M − 1, k)` (a Gamma-Poisson
//! mixture: variance `(M − 1) + (M − 1)² / k`), as PCR families are in real
//! libraries. Every unique fragment is read at least once, so `--depth`
//! keeps its meaning and each fragment is one family. Each copy
//! comes from strand A or B at random; a B-strand copy is read from the
//! other end (read 1 and read 2 swap ends), and with `--umi` its two UMIs
//! are swapped in the `RX` tag and the read name, and its `MI` tag ends
//! `/B`, as fgbio's duplex grouping writes it. With `--umi-error-rate e`
//! each UMI base of each copy is misread with chance `e` (in `RX` and the
//! read name alike; `MI` stays the true molecule), so a family's reads can
//! disagree on their UMI as real ones do.

use super::rng::SimRng;
use super::SimParams;

/// The library settings of one run.
#[derive(Debug, Clone)]
pub struct Library {
    /// Mean PCR duplicates per unique fragment.
    dup_lambda: f64,
    /// Their negative binomial's dispersion (`None`: Poisson).
    dispersion: Option<f64>,
    /// UMI length, with `--umi`.
    umi_length: Option<usize>,
    /// Chance that each UMI base of a copy is read wrong (`--umi-error-rate`).
    umi_error_rate: f64,
}

/// A unique fragment as the library holds it: its UMIs and its copies.
pub struct Molecule {
    /// On strand A, is read 1 the left (forward) read?
    r1_left_a: bool,
    /// The UMIs of strand A's read 1 and read 2.
    umis: Option<(String, String)>,
    /// Read pairs made from it (first copy included).
    pub copies: u64,
}

/// One copy: a read pair to sequence, with its names.
pub struct Copy {
    /// Read 1 is the left (forward) read.
    pub r1_left: bool,
    /// A PCR duplicate (not the first copy): flagged 0x400.
    pub duplicate: bool,
    pub qname: String,
    /// The `RX` tag (`UMI1-UMI2`), with `--umi`.
    pub rx: Option<String>,
    /// The `MI` tag (`BLOCK:FRAGMENT/A` or `/B`), with `--umi`.
    pub mi: Option<String>,
}

fn random_umi(rng: &mut SimRng, len: usize) -> String {
    (0..len)
        .map(|_| b"ACGT"[rng.below(4) as usize] as char)
        .collect()
}

impl Library {
    pub fn new(p: &SimParams) -> Library {
        let dup_lambda = match p.family_size_mean {
            Some(m) => m - 1.0,
            None => p.duplicates / (1.0 - p.duplicates),
        };
        Library {
            dup_lambda,
            dispersion: p.family_size_dispersion,
            umi_length: p.umi.then_some(p.umi_length),
            umi_error_rate: p.umi_error_rate.unwrap_or(0.0),
        }
    }

    /// Expected read pairs per unique fragment.
    pub fn mean_copies(&self) -> f64 {
        1.0 + self.dup_lambda
    }

    /// Tag and amplify one unique fragment.
    pub fn molecule(&self, rng: &mut SimRng) -> Molecule {
        let r1_left_a = rng.next_u64() & 1 == 0;
        let umis = self
            .umi_length
            .map(|len| (random_umi(rng, len), random_umi(rng, len)));
        let copies = 1 + match self.dispersion {
            Some(k) => rng.negative_binomial(self.dup_lambda, k),
            None => rng.poisson(self.dup_lambda),
        };
        Molecule {
            r1_left_a,
            umis,
            copies,
        }
    }

    /// A UMI as this copy's reads show it: each base substituted with
    /// `--umi-error-rate` (by one of the other three at equal chance). The
    /// `MI` tag keeps the molecule's true identity. Without the flag no
    /// draw is made, so the stream is what it always was.
    fn umi_read(&self, rng: &mut SimRng, umi: &str) -> String {
        if self.umi_error_rate <= 0.0 {
            return umi.to_string();
        }
        umi.bytes()
            .map(|b| {
                if rng.uniform() < self.umi_error_rate {
                    let others: Vec<u8> = b"ACGT".iter().copied().filter(|&x| x != b).collect();
                    others[rng.below(3) as usize] as char
                } else {
                    b as char
                }
            })
            .collect()
    }

    /// Copy `c` of `molecule`, fragment `m` of block `b` in sample `name`.
    pub fn copy(
        &self,
        rng: &mut SimRng,
        molecule: &Molecule,
        name: &str,
        (b, m, c): (usize, u64, u32),
    ) -> Copy {
        let strand_b = rng.next_u64() & 1 == 1;
        let (rx, qname, mi) = match &molecule.umis {
            Some((a, bb)) => {
                let (u1, u2) = if strand_b { (bb, a) } else { (a, bb) };
                let (u1, u2) = (self.umi_read(rng, u1), self.umi_read(rng, u2));
                (
                    Some(format!("{u1}-{u2}")),
                    format!("{name}:{b}:{m}:{c}:{u1}+{u2}"),
                    Some(format!("{b}:{m}/{}", if strand_b { 'B' } else { 'A' })),
                )
            }
            None => (None, format!("{name}:{b}:{m}:{c}"), None),
        };
        Copy {
            r1_left: molecule.r1_left_a ^ strand_b,
            duplicate: c > 0,
            qname,
            rx,
            mi,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Family sizes (read pairs per unique fragment) with
    /// `--family-size-mean 5 --family-size-dispersion 1.5`: N − 1 ~ NB(4,
    /// 1.5), mean 5, variance 4 + 16 / 1.5 = 14.67. p = 1.5 / 5.5 = 0.273,
    /// excess kurtosis 6 / 1.5 + p² / (1.5 (1 − p)) = 4.07, mu4 = 7.07 ×
    /// 14.67² = 1,521. 100,000 families: the mean's sd is 0.0121 (5 sd =
    /// 0.061), the variance's sqrt((1521 − 215) / n) = 0.114 (5 sd = 0.57).
    /// Without a dispersion the sizes are 1 + Poisson(4): variance 4 (sd of
    /// the sample variance sqrt((3 · 16 + 4 − 16) / n) = 0.019; 5 sd = 0.095).
    #[test]
    fn family_sizes_are_one_plus_negative_binomial() {
        let moments = |p: &SimParams| {
            let lib = Library::new(p);
            let mut rng = SimRng::stream(12, &[]);
            let n = 100_000;
            let xs: Vec<f64> = (0..n)
                .map(|_| lib.molecule(&mut rng).copies as f64)
                .collect();
            assert!(xs.iter().all(|&x| x >= 1.0));
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            (m, v)
        };
        let mut p = SimParams {
            family_size_mean: Some(5.0),
            family_size_dispersion: Some(1.5),
            ..SimParams::default()
        };
        let (m, v) = moments(&p);
        assert!((m - 5.0).abs() < 0.061, "{m}");
        assert!((v - 14.667).abs() < 0.57, "{v}");
        p.family_size_dispersion = None;
        let (m, v) = moments(&p);
        assert!((m - 5.0).abs() < 0.032, "{m}");
        assert!((v - 4.0).abs() < 0.095, "{v}");
    }

    /// `--umi-error-rate 0.02`, 2 × 8 UMI bases: over 20,000 copies of one
    /// molecule, 320,000 bases, 6,400 misread expected (binomial sd 79.2;
    /// 5 sd = 396); `MI` is untouched, and the read name carries the same
    /// UMIs as `RX`.
    #[test]
    fn umi_bases_are_misread_at_the_rate() {
        let p = SimParams {
            umi: true,
            umi_length: 8,
            umi_error_rate: Some(0.02),
            ..SimParams::default()
        };
        let lib = Library::new(&p);
        let mut rng = SimRng::stream(13, &[]);
        let mol = lib.molecule(&mut rng);
        let (a, b) = mol.umis.clone().unwrap();
        let mut wrong = 0;
        for c in 0..20_000 {
            let copy = lib.copy(&mut rng, &mol, "s", (0, 0, c));
            let rx = copy.rx.unwrap();
            let (u1, u2) = rx.split_once('-').unwrap();
            let strand_b = copy.mi.as_deref().unwrap().ends_with("/B");
            let (t1, t2) = if strand_b { (&b, &a) } else { (&a, &b) };
            wrong += u1.bytes().zip(t1.bytes()).filter(|(x, y)| x != y).count();
            wrong += u2.bytes().zip(t2.bytes()).filter(|(x, y)| x != y).count();
            assert!(copy.qname.ends_with(&format!("{u1}+{u2}")));
        }
        assert!((wrong as f64 - 6400.0).abs() < 396.0, "{wrong}");
    }
}
