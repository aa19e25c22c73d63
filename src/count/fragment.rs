//! Collapsing the reads of one unit into one observation: the one rule
//! ([`collapse`]) by which two reads of a site or a position become one,
//! used for the two mates of a fragment at the hotspots
//! ([`merge_mates`], [`collapse_mates`], by the BAM and FASTQ engines
//! alike) and at every background position (`super::background`).
//!
//! Which reads make one unit (mates paired by name in a BAM pass, by
//! record in FASTQ), and on which strand it counts, is the
//! [`super::Unit`]'s to say.

use super::allele::Allele;

/// One read's (or one fragment's) observation at one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    pub allele: Allele,
    /// The lowest base quality among the bases the allele was judged by
    /// (see [`super::allele::Reading`]); for a merged fragment, that of its
    /// best read of the allele.
    pub qual: u8,
    /// Fragment orientation: reverse when read 1 maps to the reverse strand
    /// (equivalently read 2 to the forward strand). For unpaired reads and in
    /// read mode, the read's own strand.
    pub reverse: bool,
    /// |TLEN| of a proper pair, 0 when unknown.
    pub fragment_length: u32,
}

/// What a fragment contributes once both of its mates have been seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FragmentCall {
    /// One observation for the fragment.
    Observed(Observation),
    /// The mates both read the allele confidently and disagree.
    Discordant,
}

/// Two reads of one thing, collapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collapsed<T> {
    /// What the confident reads agree on.
    Read(T),
    /// Neither read it confidently.
    LowQuality,
    /// Both read it confidently, differently.
    Discordant,
}

/// The one collapse rule, given what each read shows confidently (`None`:
/// below the quality threshold). Agreeing reads give what they show; a
/// low-quality read defers to a confident one (the thing was read well
/// once); two confident reads that disagree give nothing.
#[inline]
pub fn collapse<T: PartialEq>(a: Option<T>, b: Option<T>) -> Collapsed<T> {
    match (a, b) {
        (Some(x), Some(y)) if x == y => Collapsed::Read(x),
        (Some(_), Some(_)) => Collapsed::Discordant,
        (Some(x), None) | (None, Some(x)) => Collapsed::Read(x),
        (None, None) => Collapsed::LowQuality,
    }
}

/// Merge the observations of two mates at one site by [`collapse`]: the
/// fragment is `discordant` when two confident mates disagree.
pub fn merge_mates(a: Observation, b: Observation) -> FragmentCall {
    let confident = |o: &Observation| (o.allele != Allele::LowQuality).then_some(o.allele);
    let allele = match collapse(confident(&a), confident(&b)) {
        Collapsed::Read(x) => x,
        Collapsed::LowQuality => Allele::LowQuality,
        Collapsed::Discordant => return FragmentCall::Discordant,
    };
    // Both mates of a proper pair carry the fragment's orientation;
    // prefer the one that read the allele, and its quality.
    let best = match (a.allele == allele, b.allele == allele) {
        (true, true) => {
            if b.qual > a.qual {
                b
            } else {
                a
            }
        }
        (true, false) => a,
        _ => b,
    };
    FragmentCall::Observed(Observation {
        allele,
        qual: best.qual,
        reverse: if a.allele == allele {
            a.reverse
        } else {
            b.reverse
        },
        fragment_length: a.fragment_length.max(b.fragment_length),
    })
}

/// One fragment's calls from its two mates' observations (each keyed by
/// site, at most once a site; `first` is the mate that comes first in
/// position): merged where both mates read a site, alone where one did.
/// `add(site, call, merged)` is called once for every site either mate
/// read, `merged` when both did.
pub fn collapse_mates<K: Copy + PartialEq>(
    first: &[(K, Observation)],
    second: &[(K, Observation)],
    mut add: impl FnMut(K, FragmentCall, bool),
) {
    for &(k, a) in first {
        match second.iter().find(|(j, _)| *j == k) {
            Some(&(_, b)) => add(k, merge_mates(a, b), true),
            None => add(k, FragmentCall::Observed(a), false),
        }
    }
    for &(k, b) in second {
        if !first.iter().any(|(j, _)| *j == k) {
            add(k, FragmentCall::Observed(b), false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(allele: Allele) -> Observation {
        Observation {
            allele,
            qual: 30,
            reverse: false,
            fragment_length: 160,
        }
    }

    #[test]
    fn agreeing_mates_give_one() {
        for a in [
            Allele::Ref,
            Allele::Alt,
            Allele::Other(b'T'),
            Allele::LowQuality,
        ] {
            assert_eq!(merge_mates(obs(a), obs(a)), FragmentCall::Observed(obs(a)));
        }
    }

    #[test]
    fn disagreeing_mates_are_discordant() {
        let pairs = [
            (Allele::Ref, Allele::Alt),
            (Allele::Alt, Allele::Other(b'G')),
            (Allele::Other(b'A'), Allele::Other(b'G')),
            (Allele::Ref, Allele::Other(b'*')),
        ];
        for (a, b) in pairs {
            assert_eq!(merge_mates(obs(a), obs(b)), FragmentCall::Discordant);
            assert_eq!(merge_mates(obs(b), obs(a)), FragmentCall::Discordant);
        }
    }

    #[test]
    fn low_quality_mate_defers() {
        let mut lq = obs(Allele::LowQuality);
        lq.reverse = true;
        lq.qual = 12;
        let alt = obs(Allele::Alt);
        assert_eq!(merge_mates(lq, alt), FragmentCall::Observed(alt));
        assert_eq!(merge_mates(alt, lq), FragmentCall::Observed(alt));
    }

    #[test]
    fn a_merged_fragment_keeps_its_best_read_of_the_allele() {
        let (mut a, mut b) = (obs(Allele::Alt), obs(Allele::Alt));
        (a.qual, b.qual) = (25, 38);
        let FragmentCall::Observed(m) = merge_mates(a, b) else {
            panic!("agreeing mates")
        };
        assert_eq!(m.qual, 38);
        let FragmentCall::Observed(m) = merge_mates(b, a) else {
            panic!("agreeing mates")
        };
        assert_eq!(m.qual, 38);
        // Two low-quality mates: still low quality, at the better of them.
        let (mut a, mut b) = (obs(Allele::LowQuality), obs(Allele::LowQuality));
        (a.qual, b.qual) = (4, 11);
        assert_eq!(
            merge_mates(a, b),
            FragmentCall::Observed(Observation { qual: 11, ..a })
        );
    }

    #[test]
    fn the_collapse_rule() {
        assert_eq!(collapse(Some(b'A'), Some(b'A')), Collapsed::Read(b'A'));
        assert_eq!(collapse(Some(b'A'), Some(b'C')), Collapsed::Discordant);
        assert_eq!(collapse(Some(b'A'), None), Collapsed::Read(b'A'));
        assert_eq!(collapse(None, Some(b'C')), Collapsed::Read(b'C'));
        assert_eq!(collapse::<u8>(None, None), Collapsed::LowQuality);
    }

    #[test]
    fn mates_collapse_site_by_site() {
        let first = [(0u16, obs(Allele::Ref)), (2, obs(Allele::Alt))];
        let second = [(2u16, obs(Allele::Ref)), (5, obs(Allele::Alt))];
        let mut calls = Vec::new();
        collapse_mates(&first, &second, |k, call, merged| {
            calls.push((k, call, merged))
        });
        calls.sort_by_key(|c| c.0);
        assert_eq!(
            calls,
            [
                (0, FragmentCall::Observed(obs(Allele::Ref)), false),
                (2, FragmentCall::Discordant, true),
                (5, FragmentCall::Observed(obs(Allele::Alt)), false),
            ]
        );
    }
}
