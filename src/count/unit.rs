//! The counting unit: what one observation at a site stands for, and the
//! words every output uses to say so.
//!
//! A read alone; a fragment (its two mates merged into one observation,
//! the default); a molecule (the fragments sharing a UMI, collapsed into
//! one); a duplex molecule (both strands of one). Every engine makes a
//! site's families the same way (`super::molecule::setup`): as `MI`
//! assigned them, or grouped from UMIs and fragment ends.

/// What one count stands for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Every read counts on its own: overlapping mates count twice, as
    /// read-level counters (samtools mpileup) count.
    Read,
    /// The two mates of a fragment give one observation.
    #[default]
    Fragment,
    /// The fragments of one original molecule (one UMI family) give one.
    Molecule,
    /// Both strands of one molecule (a duplex family) give one.
    Duplex,
}

impl Unit {
    /// Every unit, in order of size.
    pub const ALL: [Unit; 4] = [Unit::Read, Unit::Fragment, Unit::Molecule, Unit::Duplex];

    /// A stable one-word name, for headers and machine-read outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Read => "read",
            Unit::Fragment => "fragment",
            Unit::Molecule => "molecule",
            Unit::Duplex => "duplex",
        }
    }

    /// The unit [`Unit::as_str`] names (as a count TSV's `unit` column
    /// holds it); `None` for any other word.
    pub fn from_name(name: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.as_str() == name)
    }

    /// What a count of several is called in prose ("12 fragments").
    pub fn noun(self) -> &'static str {
        match self {
            Unit::Read => "reads",
            Unit::Fragment => "fragments",
            Unit::Molecule => "molecules",
            Unit::Duplex => "duplex molecules",
        }
    }

    /// What one is called in prose ("one fragment").
    pub fn singular(self) -> &'static str {
        match self {
            Unit::Read => "read",
            Unit::Fragment => "fragment",
            Unit::Molecule => "molecule",
            Unit::Duplex => "duplex molecule",
        }
    }

    /// Do the two mates of a pair belong to one unit? (Every unit but the
    /// read is made of whole fragments.)
    pub fn pairs_mates(self) -> bool {
        self != Unit::Read
    }

    /// The strand a read's observations count on: in a unit made of
    /// fragments, the fragment's (read 1's strand; read 2's, flipped),
    /// else the read's own. `reverse` is the read's own strand.
    #[inline]
    pub fn strand(self, paired: bool, read2: bool, reverse: bool) -> bool {
        reverse ^ (self.pairs_mates() && paired && read2)
    }

    /// Is a read alone a whole unit? The background takes whole units
    /// only: a read in read mode or one without a mate is one, never half
    /// a pair whose other half was not seen.
    #[inline]
    pub fn whole_alone(self, paired: bool) -> bool {
        !(self.pairs_mates() && paired)
    }

    /// Is it made of UMI families (molecule or duplex)?
    pub fn molecules(self) -> bool {
        matches!(self, Unit::Molecule | Unit::Duplex)
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        let words: Vec<_> = Unit::ALL
            .iter()
            .map(|u| (u.as_str(), u.singular(), u.noun()))
            .collect();
        assert_eq!(
            words,
            [
                ("read", "read", "reads"),
                ("fragment", "fragment", "fragments"),
                ("molecule", "molecule", "molecules"),
                ("duplex", "duplex molecule", "duplex molecules"),
            ]
        );
        assert_eq!(Unit::default(), Unit::Fragment);
        assert_eq!(Unit::Read.to_string(), "read");
        for u in Unit::ALL {
            assert_eq!(Unit::from_name(u.as_str()), Some(u));
        }
        assert_eq!(Unit::from_name("reads"), None);
        assert_eq!(Unit::from_name("Fragment"), None);
    }

    #[test]
    fn molecule_units() {
        assert!(Unit::Duplex.molecules() && Unit::Molecule.molecules());
        assert!(!Unit::Fragment.molecules() && !Unit::Read.molecules());
        assert!(!Unit::Read.pairs_mates() && Unit::Molecule.pairs_mates());
    }

    #[test]
    fn strands_and_whole_units() {
        let (f, r) = (Unit::Fragment, Unit::Read);
        // (paired, read2, reverse) -> strand: read 2 counts on read 1's.
        assert!(!f.strand(true, true, true) && f.strand(true, true, false));
        assert!(f.strand(true, false, true) && !f.strand(true, false, false));
        assert!(f.strand(false, true, true), "unpaired: its own");
        assert!(r.strand(true, true, true) && !r.strand(true, true, false));
        assert!(f.whole_alone(false) && !f.whole_alone(true));
        assert!(r.whole_alone(true) && r.whole_alone(false));
    }
}
