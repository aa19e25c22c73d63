//! Fragments, not reads: the two mates of one fragment that both cover a
//! site give one observation.

use super::allele::Allele;

/// One read's (or one fragment's) observation at one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    pub allele: Allele,
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

/// Merge the observations of two mates at one site.
///
/// Agreeing mates give one observation. A low-quality mate defers to a
/// confident one (the fragment was read well once). Two confident mates
/// that disagree give no ref/alt observation: the fragment is `discordant`.
pub fn merge_mates(a: Observation, b: Observation) -> FragmentCall {
    let allele = match (a.allele, b.allele) {
        (x, y) if x == y => x,
        (Allele::LowQuality, y) => y,
        (x, Allele::LowQuality) => x,
        _ => return FragmentCall::Discordant,
    };
    FragmentCall::Observed(Observation {
        allele,
        // Both mates of a proper pair carry the fragment's orientation;
        // prefer the one that read the allele.
        reverse: if a.allele == allele {
            a.reverse
        } else {
            b.reverse
        },
        fragment_length: a.fragment_length.max(b.fragment_length),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(allele: Allele) -> Observation {
        Observation {
            allele,
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
        let alt = obs(Allele::Alt);
        assert_eq!(merge_mates(lq, alt), FragmentCall::Observed(alt));
        assert_eq!(merge_mates(alt, lq), FragmentCall::Observed(alt));
    }
}
