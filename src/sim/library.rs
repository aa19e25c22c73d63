//! The second stage: what happens to a unique fragment before the
//! sequencer. Its UMIs are attached (with `--umi`), it is amplified into
//! PCR copies, and each copy comes from one strand of the original duplex.
//!
//! Each unique fragment is read `1 + Poisson(d / (1 − d))` times
//! (`--duplicates d` is the expected share of duplicate pairs). Each copy
//! comes from strand A or B at random; a B-strand copy is read from the
//! other end (read 1 and read 2 swap ends), and with `--umi` its two UMIs
//! are swapped in the `RX` tag and the read name, and its `MI` tag ends
//! `/B`, as fgbio's duplex grouping writes it.

use super::rng::SimRng;
use super::SimParams;

/// The library settings of one run.
#[derive(Debug, Clone)]
pub struct Library {
    /// Mean PCR duplicates per unique fragment.
    dup_lambda: f64,
    /// UMI length, with `--umi`.
    umi_length: Option<usize>,
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
        Library {
            dup_lambda: p.duplicates / (1.0 - p.duplicates),
            umi_length: p.umi.then_some(p.umi_length),
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
        let copies = 1 + rng.poisson(self.dup_lambda);
        Molecule {
            r1_left_a,
            umis,
            copies,
        }
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
