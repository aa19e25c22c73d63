//! The consensus of one molecule at one site: what its fragments' reads
//! say the original molecule held there, and how sure that is.
//!
//! The model is fgbio's (`CallMolecularConsensusReads`, and fgumi's
//! `ConsensusBaseBuilder` after it), applied to an allele instead of a
//! base:
//! 1. Each member fragment's [`Observation`] votes with an error
//!    probability: its base quality's, combined with the chance of an error
//!    after the UMI was attached (PCR, library: `post_umi`) by
//!    [`two_trials`].
//! 2. Every candidate allele `c` gets the likelihood
//!    `Π (1 − e_i if the member shows c, else e_i / 3)`, with a flat prior.
//!    The candidates are the alleles shown plus, up to four, alleles no
//!    member shows (as fgbio's four bases: a lone read at Q30 is then right
//!    with chance 0.999, not 1).
//! 3. The consensus is the allele of highest posterior; its error is the
//!    posterior of all the others, combined with the chance of an error
//!    before the UMI (`pre_umi`: damage, the first PCR cycle), which no
//!    number of reads removes.
//! 4. Too small a family gives nothing ([`Call`] `None`); a consensus below
//!    `min_qual` (the members disagree) or an exact tie shows no allele
//!    ([`Call::Disagree`]); members that read nothing confidently give
//!    [`Call::LowQuality`].
//!
//! A duplex molecule ([`duplex`]) is each strand's consensus, and both must
//! show the same allele.
//!
//! [`consensus`] is the fast path (log space, one sum per allele);
//! [`oracle`] (tests only) is the slow obvious one (every candidate's
//! product in linear space), and a proptest holds them equal.

use crate::count::allele::Allele;
use crate::count::fragment::{FragmentCall, Observation};

/// Highest quality a consensus is given (the SAM spec's highest printable
/// quality, as fgbio caps it).
pub const MAX_QUAL: u8 = 93;

/// How members vote and which families count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsensusOptions {
    /// Phred-scaled chance of an error before the UMI was attached, shared
    /// by every read of the molecule (fgbio `--error-rate-pre-umi`, 45).
    pub pre_umi: u8,
    /// Phred-scaled chance of an error after it, independent in each read
    /// (fgbio `--error-rate-post-umi`, 40).
    pub post_umi: u8,
    /// Fewest fragments a molecule needs at the site to be counted.
    pub min_family_size: u32,
    /// Fewest fragments each strand needs for a duplex molecule.
    pub min_strand_size: u32,
    /// Lowest consensus quality that shows an allele: below it the members
    /// disagree too much.
    pub min_qual: u8,
}

impl Default for ConsensusOptions {
    /// fgbio's error rates. Family sizes of one: `--molecules` counts
    /// molecules, and a molecule read once is still one (its read's quality
    /// stands for it); fgumi's ctDNA preset (3 in all, 2 a strand) is
    /// `--min-family-size 3 --min-strand-size 2`. `min_qual` 10: a 2-to-1
    /// vote of equal reads (Q34 at Q30) shows the majority allele, a 1-to-1
    /// vote, or two reads at Q20 against one at Q38 (Q9), shows none.
    fn default() -> Self {
        ConsensusOptions {
            pre_umi: 45,
            post_umi: 40,
            min_family_size: 1,
            min_strand_size: 1,
            min_qual: 10,
        }
    }
}

/// A molecule's consensus at one site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Call {
    /// The allele, its Phred quality, and the first member that showed it
    /// (its strand and fragment length stand for the molecule's).
    Allele {
        allele: Allele,
        qual: u8,
        member: Observation,
    },
    /// The members disagree: no allele is sure enough.
    Disagree,
    /// No member read the site confidently.
    LowQuality,
}

impl Call {
    /// The call as one observation of the site, for [`crate::count::SiteCounts`].
    pub fn fragment_call(self, low_quality: Observation) -> FragmentCall {
        match self {
            Call::Allele {
                allele,
                qual,
                member,
            } => FragmentCall::Observed(Observation {
                allele,
                qual,
                ..member
            }),
            Call::Disagree => FragmentCall::Discordant,
            Call::LowQuality => FragmentCall::Observed(Observation {
                allele: Allele::LowQuality,
                ..low_quality
            }),
        }
    }
}

/// Chance of an error from its Phred quality.
pub fn error_of(qual: u8) -> f64 {
    10f64.powf(-f64::from(qual) / 10.0)
}

/// Phred quality of an error chance, rounded, capped at [`MAX_QUAL`].
pub fn qual_of(error: f64) -> u8 {
    if error <= 0.0 {
        return MAX_QUAL;
    }
    (-10.0 * error.log10())
        .round()
        .clamp(0.0, f64::from(MAX_QUAL)) as u8
}

/// Chance that a base is wrong after two independent chances of error,
/// `a` then `b`: one error, or two where the second does not happen to
/// restore the first (1 in 3): `a + b − 4/3·a·b` (fgbio's
/// `probabilityOfErrorTwoTrials`).
pub fn two_trials(a: f64, b: f64) -> f64 {
    a + b - 4.0 / 3.0 * a * b
}

/// The members' votes: each confident member's allele and error chance.
/// `None` when the family is too small; `Err(call)` when no member votes.
fn votes(
    members: &[FragmentCall],
    min_size: u32,
    opts: &ConsensusOptions,
) -> Option<Result<Vec<(Observation, f64)>, Call>> {
    if (members.len() as u64) < u64::from(min_size.max(1)) {
        return None;
    }
    let post = error_of(opts.post_umi);
    let votes: Vec<(Observation, f64)> = members
        .iter()
        .filter_map(|m| match m {
            FragmentCall::Observed(o) if o.allele != Allele::LowQuality => {
                Some((*o, two_trials(post, error_of(o.qual))))
            }
            _ => None,
        })
        .collect();
    if votes.is_empty() {
        let any_discordant = members
            .iter()
            .any(|m| matches!(m, FragmentCall::Discordant));
        return Some(Err(if any_discordant {
            Call::Disagree
        } else {
            Call::LowQuality
        }));
    }
    Some(Ok(votes))
}

/// The consensus of one strand's (or one whole molecule's) members at a
/// site; `None` when fewer than `min_size` fragments (at least one).
pub fn consensus(members: &[FragmentCall], min_size: u32, opts: &ConsensusOptions) -> Option<Call> {
    let votes = match votes(members, min_size, opts)? {
        Ok(v) => v,
        Err(call) => return Some(call),
    };
    // ln L(c) = Σ ln(e_i/3) + Σ_{i shows c} [ln(1−e_i) − ln(e_i/3)]: the
    // first sum is every candidate's (and the whole of an allele no member
    // shows), so it cancels from the posterior; each allele keeps the
    // second, and an unseen one 0.
    let mut alleles: Vec<(Allele, f64, Observation)> = Vec::with_capacity(2);
    for &(o, e) in &votes {
        let (hit, miss) = ((-e).ln_1p(), (e / 3.0).ln());
        match alleles.iter_mut().find(|(a, _, _)| *a == o.allele) {
            Some(entry) => entry.1 += hit - miss,
            None => alleles.push((o.allele, hit - miss, o)),
        }
    }
    let unseen = 4usize.saturating_sub(alleles.len());
    let best = alleles
        .iter()
        .map(|a| a.1)
        .fold(f64::NEG_INFINITY, f64::max);
    // A tie (within rounding: the same qualities summed in another order)
    // shows no allele, whatever `min_qual`.
    let tied = |x: f64| (x - best).abs() <= 1e-9 * best.abs().max(1.0);
    if alleles.iter().filter(|a| tied(a.1)).count() > 1 {
        return Some(Call::Disagree);
    }
    let &(allele, _, member) = alleles
        .iter()
        .find(|a| a.1 == best)
        .expect("one allele at least");
    // Posterior of everything else relative to the best: each unseen
    // allele weighs e^(0 − best).
    let others: f64 = alleles
        .iter()
        .filter(|a| a.1 != best)
        .map(|a| (a.1 - best).exp())
        .sum::<f64>()
        + unseen as f64 * (-best).exp();
    let error = others / (1.0 + others);
    finish(allele, error, member, opts)
}

/// The final call from the best allele's posterior error: the pre-UMI
/// error added, the quality threshold applied.
fn finish(
    allele: Allele,
    error: f64,
    member: Observation,
    opts: &ConsensusOptions,
) -> Option<Call> {
    let qual = qual_of(two_trials(error_of(opts.pre_umi), error));
    Some(if qual < opts.min_qual {
        Call::Disagree
    } else {
        Call::Allele {
            allele,
            qual,
            member,
        }
    })
}

/// A duplex molecule's call from its two strands' members: each strand's
/// consensus (at least `min_strand_size` fragments each, and
/// `min_family_size` in all), then both must show the same allele. `None`
/// when a strand is missing or too small: not a duplex molecule here.
pub fn duplex(a: &[FragmentCall], b: &[FragmentCall], opts: &ConsensusOptions) -> Option<Call> {
    if ((a.len() + b.len()) as u64) < u64::from(opts.min_family_size) {
        return None;
    }
    let (ca, cb) = (
        consensus(a, opts.min_strand_size, opts)?,
        consensus(b, opts.min_strand_size, opts)?,
    );
    Some(match (ca, cb) {
        (
            Call::Allele {
                allele: x,
                qual: qx,
                member,
            },
            Call::Allele {
                allele: y,
                qual: qy,
                ..
            },
        ) if x == y => Call::Allele {
            allele: x,
            // Two independent strands agree: their errors multiply (fgbio
            // adds the two qualities).
            qual: qx.saturating_add(qy).min(MAX_QUAL),
            member,
        },
        (Call::LowQuality, Call::LowQuality) => Call::LowQuality,
        _ => Call::Disagree,
    })
}

/// The slow obvious consensus: every candidate's likelihood as a product,
/// normalised, in linear space (families small enough not to underflow).
#[cfg(test)]
pub(crate) fn oracle(
    members: &[FragmentCall],
    min_size: u32,
    opts: &ConsensusOptions,
) -> Option<Call> {
    let votes = match votes(members, min_size, opts)? {
        Ok(v) => v,
        Err(call) => return Some(call),
    };
    let mut shown: Vec<Allele> = Vec::new();
    for (o, _) in &votes {
        if !shown.contains(&o.allele) {
            shown.push(o.allele);
        }
    }
    // Candidates: the shown alleles, then unseen ones (`None`) up to four.
    let mut candidates: Vec<Option<Allele>> = shown.iter().copied().map(Some).collect();
    while candidates.len() < 4 {
        candidates.push(None);
    }
    let likelihood = |c: Option<Allele>| -> f64 {
        votes
            .iter()
            .map(|(o, e)| {
                if Some(o.allele) == c {
                    1.0 - e
                } else {
                    e / 3.0
                }
            })
            .product()
    };
    let l: Vec<f64> = candidates.iter().map(|&c| likelihood(c)).collect();
    let total: f64 = l.iter().sum();
    let best = (0..shown.len())
        .max_by(|&i, &j| l[i].total_cmp(&l[j]))
        .expect("one shown");
    if (0..shown.len())
        .filter(|&i| (l[i] - l[best]).abs() <= 1e-9 * l[best])
        .count()
        > 1
    {
        return Some(Call::Disagree);
    }
    let member = votes
        .iter()
        .find(|(o, _)| o.allele == shown[best])
        .expect("shown")
        .0;
    finish(shown[best], 1.0 - l[best] / total, member, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obs(allele: Allele, qual: u8) -> FragmentCall {
        FragmentCall::Observed(Observation {
            allele,
            qual,
            reverse: false,
            fragment_length: 160,
        })
    }

    fn called(c: Option<Call>) -> Option<(Allele, u8)> {
        match c {
            Some(Call::Allele { allele, qual, .. }) => Some((allele, qual)),
            _ => None,
        }
    }

    const O: ConsensusOptions = ConsensusOptions {
        pre_umi: 45,
        post_umi: 40,
        min_family_size: 1,
        min_strand_size: 1,
        min_qual: 10,
    };

    #[test]
    fn phred_arithmetic() {
        assert_eq!(qual_of(error_of(30)), 30);
        assert_eq!(qual_of(0.0), MAX_QUAL);
        assert_eq!(qual_of(1.0), 0);
        // Two errors of 1/2: the second restores the first a third of the
        // time, so 1/2 + 1/2 − 1/3.
        assert!((two_trials(0.5, 0.5) - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(two_trials(0.0, 0.01), 0.01);
    }

    #[test]
    fn one_read_keeps_its_quality_under_the_error_floors() {
        // Q30 read: e = 1e-3 + 1e-4 − 4/3·1e-7 → posterior error the same
        // (four candidates: 3·(e/3) against 1 − e), then + 10^−4.5.
        let e = two_trials(1e-4, 1e-3);
        let expect = qual_of(two_trials(10f64.powf(-4.5), e));
        assert_eq!(expect, 29);
        assert_eq!(
            called(consensus(&[obs(Allele::Ref, 30)], 1, &O)),
            Some((Allele::Ref, expect))
        );
        // A Q60 read cannot beat the floors: post 40 and pre 45 → Q≈39.
        assert_eq!(
            called(consensus(&[obs(Allele::Alt, 60)], 1, &O)),
            Some((
                Allele::Alt,
                qual_of(two_trials(10f64.powf(-4.5), 1e-4 + 1e-6 - 4e-10 / 3.0))
            ))
        );
    }

    #[test]
    fn agreeing_reads_reach_the_pre_umi_floor() {
        // Five Q30 reads agree: the posterior error is ~1e-15, so the
        // consensus error is the pre-UMI rate, Q45.
        let m = vec![obs(Allele::Alt, 30); 5];
        assert_eq!(called(consensus(&m, 1, &O)), Some((Allele::Alt, 45)));
    }

    #[test]
    fn qualities_weigh_the_vote() {
        // One dissenting read: two Q30 refs against one Q30 alt. By hand:
        // L(ref)/L(alt) = (1−e)/(e/3) with e = two_trials(1e-4, 1e-3);
        // error = (L(alt) + 2·L(unseen)) / ΣL.
        let e = two_trials(1e-4, 1e-3);
        let (h, m) = (1.0 - e, e / 3.0);
        let (lr, la, lu) = (h * h * m, h * m * m, m * m * m);
        let err = (la + 2.0 * lu) / (lr + la + 2.0 * lu);
        let q = qual_of(two_trials(10f64.powf(-4.5), err));
        assert_eq!(q, 34, "2-to-1 at Q30 is Q34");
        let fam = [
            obs(Allele::Ref, 30),
            obs(Allele::Alt, 30),
            obs(Allele::Ref, 30),
        ];
        assert_eq!(called(consensus(&fam, 1, &O)), Some((Allele::Ref, q)));
        // One confident alt against two poor refs: the alt wins.
        let fam = [
            obs(Allele::Ref, 5),
            obs(Allele::Alt, 40),
            obs(Allele::Ref, 5),
        ];
        assert_eq!(
            called(consensus(&fam, 1, &O)).map(|c| c.0),
            Some(Allele::Alt)
        );
        // Two Q20 refs against one Q38 alt: by hand, e_ref ≈ 0.0101, e_alt
        // ≈ 2.6e-4, error ≈ (e_ref/3)² / ((1 − e_ref)²·e_alt/3) ≈ 0.12, Q9,
        // below 10: no allele.
        let fam = [
            obs(Allele::Ref, 20),
            obs(Allele::Alt, 38),
            obs(Allele::Ref, 20),
        ];
        assert_eq!(consensus(&fam, 1, &O), Some(Call::Disagree));
    }

    #[test]
    fn ties_show_no_allele() {
        let fam = [obs(Allele::Ref, 30), obs(Allele::Alt, 30)];
        assert_eq!(consensus(&fam, 1, &O), Some(Call::Disagree));
        let lenient = ConsensusOptions { min_qual: 0, ..O };
        assert_eq!(consensus(&fam, 1, &lenient), Some(Call::Disagree));
        assert_eq!(oracle(&fam, 1, &lenient), Some(Call::Disagree));
        let fam = [
            obs(Allele::Other(b'G'), 30),
            obs(Allele::Alt, 30),
            obs(Allele::Ref, 35),
        ];
        assert_eq!(
            called(consensus(&fam, 1, &lenient)).map(|c| c.0),
            Some(Allele::Ref)
        );
    }

    #[test]
    fn min_family_size() {
        let fam = vec![obs(Allele::Alt, 30); 2];
        assert_eq!(consensus(&fam, 3, &O), None);
        assert!(called(consensus(&fam, 2, &O)).is_some());
        assert_eq!(consensus(&[], 0, &O), None, "an empty family is none");
        // Low-quality members count towards the size but do not vote.
        let fam = [
            obs(Allele::LowQuality, 5),
            obs(Allele::Alt, 30),
            obs(Allele::LowQuality, 8),
        ];
        assert_eq!(
            called(consensus(&fam, 3, &O)).map(|c| c.0),
            Some(Allele::Alt)
        );
        let fam = [obs(Allele::LowQuality, 5), obs(Allele::LowQuality, 8)];
        assert_eq!(consensus(&fam, 1, &O), Some(Call::LowQuality));
        let fam = [FragmentCall::Discordant, obs(Allele::LowQuality, 8)];
        assert_eq!(consensus(&fam, 1, &O), Some(Call::Disagree));
    }

    #[test]
    fn duplex_strands_must_agree() {
        let (a, b) = (vec![obs(Allele::Alt, 30); 3], vec![obs(Allele::Alt, 30); 2]);
        let (qa, qb) = (
            called(consensus(&a, 1, &O)).unwrap().1,
            called(consensus(&b, 1, &O)).unwrap().1,
        );
        assert_eq!(
            called(duplex(&a, &b, &O)),
            Some((Allele::Alt, (qa + qb).min(MAX_QUAL)))
        );
        // Damage on one strand: B shows ref.
        let b = vec![obs(Allele::Ref, 30); 2];
        assert_eq!(duplex(&a, &b, &O), Some(Call::Disagree));
        // One strand alone is no duplex; nor a strand under its minimum.
        assert_eq!(duplex(&a, &[], &O), None);
        let strict = ConsensusOptions {
            min_strand_size: 2,
            ..O
        };
        assert_eq!(duplex(&a, &b[..1], &strict), None);
        let total = ConsensusOptions {
            min_family_size: 6,
            ..O
        };
        assert_eq!(duplex(&a, &b, &total), None);
        // A strand that cannot say: no allele.
        let lq = [obs(Allele::LowQuality, 3)];
        assert_eq!(duplex(&a, &lq, &O), Some(Call::Disagree));
        assert_eq!(duplex(&lq, &lq, &O), Some(Call::LowQuality));
    }

    fn member() -> impl Strategy<Value = FragmentCall> {
        let allele = prop_oneof![
            Just(Allele::Ref),
            Just(Allele::Alt),
            Just(Allele::Other(b'G')),
            Just(Allele::Other(b'T')),
            Just(Allele::Other(b'*')),
            Just(Allele::LowQuality),
        ];
        prop_oneof![
            10 => (allele, 2u8..=60, any::<bool>()).prop_map(|(allele, qual, reverse)| {
                FragmentCall::Observed(Observation { allele, qual, reverse, fragment_length: 150 })
            }),
            1 => Just(FragmentCall::Discordant),
        ]
    }

    proptest! {
        /// The fast path and the oracle agree on the allele, and on its
        /// quality within one step of rounding (the two sum in different
        /// orders, which can move a value sitting on a .5 boundary).
        #[test]
        fn fast_path_equals_oracle(
            members in prop::collection::vec(member(), 0..30),
            min_size in 0u32..4,
            pre in 20u8..60, post in 20u8..60, min_qual in 0u8..40,
        ) {
            let opts = ConsensusOptions { pre_umi: pre, post_umi: post, min_qual, ..O };
            let (fast, slow) = (consensus(&members, min_size, &opts), oracle(&members, min_size, &opts));
            match (fast, slow) {
                (Some(Call::Allele { allele: a, qual: qa, member: ma }),
                 Some(Call::Allele { allele: b, qual: qb, member: mb })) => {
                    prop_assert_eq!(a, b);
                    prop_assert_eq!(ma, mb);
                    prop_assert!(qa.abs_diff(qb) <= 1, "{} vs {}", qa, qb);
                }
                // That step of rounding at the threshold itself.
                (Some(Call::Allele { qual, .. }), Some(Call::Disagree))
                | (Some(Call::Disagree), Some(Call::Allele { qual, .. })) => {
                    prop_assert_eq!(qual, min_qual);
                }
                (f, s) => prop_assert_eq!(f, s),
            }
        }
    }
}
