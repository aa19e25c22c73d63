//! Counting in molecules: each site's fragment calls kept by family while
//! a site group is read, then one consensus per molecule
//! ([`super::consensus`]) counted once, in the unit's way (`--molecules`:
//! every molecule; `--duplex`: those seen on both strands, which agree).
//!
//! The families are made by [`super::setup::SiteFragments`]: as `MI`
//! assigned them (`17/A` and `17/B` the two strands of molecule 17; an id
//! without a suffix one strand's family), or grouped from UMIs.

use super::consensus::{consensus, duplex, ConsensusOptions};
use super::DuplexStrand as Strand;
use crate::count::allele::SiteModel;
use crate::count::fragment::{FragmentCall, Observation};
use crate::count::site::SiteCounts;
use crate::count::{Allele, Unit};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// A read's family: its molecule and strand.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FamilyKey {
    pub molecule: Box<[u8]>,
    pub strand: Strand,
}

impl FamilyKey {
    /// From an `MI` family (see [`super::umi::parse_family`]); an id
    /// without a strand is one strand's family (A).
    pub fn new(molecule: &[u8], strand: Option<Strand>) -> FamilyKey {
        FamilyKey {
            molecule: molecule.into(),
            strand: strand.unwrap_or(Strand::A),
        }
    }
}

/// The families behind one site's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FamilyStats {
    /// Fragments of every molecule seen at the site.
    pub fragments: u64,
    /// Molecules seen at the site (before the family-size minimum).
    pub families: u64,
    /// Of them, those with fragments from both strands.
    pub duplex_families: u64,
    /// Molecules by their fragments at the site.
    pub sizes: BTreeMap<u32, u64>,
}

impl FamilyStats {
    pub fn merge(&mut self, other: &FamilyStats) {
        self.fragments += other.fragments;
        self.families += other.families;
        self.duplex_families += other.duplex_families;
        for (&s, &n) in &other.sizes {
            *self.sizes.entry(s).or_default() += n;
        }
    }

    /// Median family size (the mean of the two middle ones for an even
    /// count); `None` with no family.
    pub fn median_size(&self) -> Option<f64> {
        let n = self.families;
        if n == 0 {
            return None;
        }
        let nth = |k: u64| {
            let mut seen = 0;
            for (&s, &c) in &self.sizes {
                seen += c;
                if seen > k {
                    return f64::from(s);
                }
            }
            unreachable!("k < families")
        };
        Some((nth((n - 1) / 2) + nth(n / 2)) / 2.0)
    }
}

/// One molecule's fragment calls at a site, by strand, and the first
/// observation added (whichever strand it read).
#[derive(Debug, Default)]
struct Members {
    a: Vec<FragmentCall>,
    b: Vec<FragmentCall>,
    first: Option<Observation>,
}

/// A site group's families while its pass is read: site → molecule →
/// members, in the order their fragments were completed (file order, so
/// the result does not depend on anything else).
#[derive(Debug)]
pub struct FamilyTally {
    sites: Vec<FxHashMap<Box<[u8]>, Members>>,
}

impl FamilyTally {
    pub fn new(sites: usize) -> Self {
        FamilyTally {
            sites: (0..sites).map(|_| FxHashMap::default()).collect(),
        }
    }

    /// One fragment's call at site `j` of the group.
    pub fn add(&mut self, j: usize, family: &FamilyKey, call: FragmentCall) {
        let members = match self.sites[j].get_mut(&family.molecule) {
            Some(m) => m,
            None => self.sites[j].entry(family.molecule.clone()).or_default(),
        };
        if let (None, FragmentCall::Observed(o)) = (members.first, call) {
            members.first = Some(o);
        }
        match family.strand {
            Strand::A => members.a.push(call),
            Strand::B => members.b.push(call),
        }
    }

    /// Each molecule's consensus counted once at its site, and the sites'
    /// family statistics.
    pub fn finish(
        self,
        unit: Unit,
        opts: &ConsensusOptions,
        models: &[&SiteModel],
        counts: &mut [SiteCounts],
    ) {
        for ((molecules, model), counts) in self.sites.into_iter().zip(models).zip(counts) {
            let mut stats = FamilyStats::default();
            for members in molecules.into_values() {
                let size = members.a.len() + members.b.len();
                stats.fragments += size as u64;
                stats.families += 1;
                let both = !members.a.is_empty() && !members.b.is_empty();
                stats.duplex_families += u64::from(both);
                *stats
                    .sizes
                    .entry(u32::try_from(size).unwrap_or(u32::MAX))
                    .or_default() += 1;
                let call = if unit == Unit::Duplex {
                    duplex(&members.a, &members.b, opts)
                } else {
                    let all: Vec<FragmentCall> =
                        members.a.iter().chain(&members.b).copied().collect();
                    consensus(&all, opts.min_family_size, opts)
                };
                if let Some(call) = call {
                    // The molecule's strand is its first fragment's (in
                    // input order), not that of the strand a grouping tool
                    // happened to name A: tools differ in which they call
                    // A (fgbio: read 1 at the lower end; the simulator: its
                    // own choice), and the strand-bias test must not.
                    let low_quality = members.first.unwrap_or(Observation {
                        allele: Allele::LowQuality,
                        qual: 0,
                        reverse: false,
                        fragment_length: 0,
                    });
                    let mut call = call.fragment_call(low_quality);
                    if let (FragmentCall::Observed(o), Some(first)) = (&mut call, members.first) {
                        o.reverse = first.reverse;
                    }
                    counts.add(model, call);
                }
            }
            counts.families = Some(stats);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::bam::tests::{bam, kras_read, sam, CONTIGS};
    use crate::count::input::AlignmentInput;
    use crate::count::{bam::count_bam, CountError, CountOptions, CountPlan};
    use crate::panel::Panel;
    use crate::progress::Progress;

    /// Single-end reads over KRAS G12D, alt or ref, each with an `MI` tag
    /// (`None`: without one), counted on the demo panel by `unit`.
    fn count_families(
        reads: &[(bool, Option<&str>)],
        unit: Unit,
    ) -> Result<SiteCounts, CountError> {
        let dir = tempfile::tempdir().unwrap();
        let records: Vec<String> = reads
            .iter()
            .enumerate()
            .map(|(i, &(alt, mi))| {
                let line = sam(
                    &format!("r{i}"),
                    0,
                    "chr12",
                    25245321,
                    60,
                    "60M",
                    0,
                    0,
                    &kras_read(alt),
                    None,
                );
                match mi {
                    Some(mi) => format!("{}\tMI:Z:{mi}\n", line.trim_end()),
                    None => line,
                }
            })
            .collect();
        let header = format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}");
        let path = bam(dir.path(), "families", &header, &records);
        let panel = Panel::demo();
        let input = AlignmentInput::open(&path, None)?;
        let opts = CountOptions {
            unit,
            ..CountOptions::default()
        };
        let plan = CountPlan::new(&panel, None, &opts);
        let counts = count_bam(&input, &plan, &Progress::new())?.sites;
        let i = panel
            .hotspots
            .iter()
            .position(|h| h.id == "KRAS_G12D")
            .unwrap();
        Ok(counts[i].clone())
    }

    /// Four molecules: 1 three alt reads on strand A; 2 two ref and one
    /// dissenting alt; 3 one ref on A and one alt on B (a tie); 4 two ref
    /// on each strand.
    const FOUR: [(bool, Option<&str>); 12] = [
        (true, Some("1/A")),
        (false, Some("2/A")),
        (true, Some("1/A")),
        (false, Some("3/A")),
        (false, Some("4/A")),
        (true, Some("2/A")),
        (false, Some("4/B")),
        (true, Some("3/B")),
        (true, Some("1/A")),
        (false, Some("2/A")),
        (false, Some("4/A")),
        (false, Some("4/B")),
    ];

    #[test]
    fn each_molecule_counts_once() {
        let reads = count_families(&FOUR, Unit::Fragment).unwrap();
        assert_eq!((reads.ref_count(), reads.alt_count()), (7, 5));
        assert_eq!(reads.families, None, "fragments: no family columns");
        let m = count_families(&FOUR, Unit::Molecule).unwrap();
        // 1 alt; 2 and 4 ref; 3 a tie, no allele.
        assert_eq!((m.ref_count(), m.alt_count(), m.discordant), (2, 1, 1));
        assert_eq!(m.depth(), 3);
        let stats = m.families.unwrap();
        assert_eq!(
            (stats.fragments, stats.families, stats.duplex_families),
            (12, 4, 2)
        );
        // Sizes 3, 3, 2, 4.
        assert_eq!(stats.median_size(), Some(3.0));
    }

    #[test]
    fn duplex_molecules_need_both_strands_agreeing() {
        let d = count_families(&FOUR, Unit::Duplex).unwrap();
        // 4 on both strands, ref; 3 on both, disagreeing; 1 and 2 on one.
        assert_eq!((d.ref_count(), d.alt_count(), d.discordant), (1, 0, 1));
        assert_eq!(d.families.unwrap().duplex_families, 2);
    }

    #[test]
    fn a_read_without_its_family_is_an_error() {
        let e = count_families(&[(true, Some("1/A")), (true, None)], Unit::Molecule).unwrap_err();
        assert!(matches!(&e, CountError::Molecules(_)), "{e}");
        assert!(
            e.to_string().contains(
                "families as assigned in the MI tag on 1 of the first 2 records, not on record r1: it has no MI tag"
            ),
            "{e}"
        );
        // Not needed when counting fragments.
        let f = count_families(&[(true, None)], Unit::Fragment).unwrap();
        assert_eq!(f.alt_count(), 1);
    }

    #[test]
    fn median_of_sizes() {
        let mut s = FamilyStats::default();
        assert_eq!(s.median_size(), None);
        for (size, n) in [(1, 2), (4, 1), (9, 1)] {
            s.sizes.insert(size, n);
            s.families += n;
        }
        // 1 1 4 9
        assert_eq!(s.median_size(), Some(2.5));
        s.sizes.insert(20, 1);
        s.families += 1;
        assert_eq!(s.median_size(), Some(4.0));
    }
}
