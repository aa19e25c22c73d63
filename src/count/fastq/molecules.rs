//! Molecules straight from FASTQ: each fragment's UMI ([`super::umis`])
//! and its placed ends, its calls at the sites kept by site, then, once
//! every read is placed, each site's fragments grouped into families
//! ([`group_fragments`]) and counted once each by their consensus
//! ([`FamilyTally`], as the BAM engine counts `MI` families).
//!
//! FASTQ is in no order, so a family's copies can be anywhere in the
//! files: the calls are kept until the end. What is kept is one entry per
//! fragment per site it reads (its ends, UMI and call, ~100 bytes), so
//! memory grows with the reads at the hotspots (a 10,000-fragment site is
//! about 1 MB), not with the files.
//!
//! The ends are the placed mates' unclipped 5' ends (as fgbio groups by,
//! and [`crate::count::molecule::ends_of`] reads them with `MC`), so a
//! copy whose end was soft-clipped for an error stays in its family.
//! Grouping: two-part UMIs (one per end, a duplex library's) by fgbio's
//! `paired` strategy, so a molecule's two strands are one family (as `MI`
//! `17/A` and `17/B` are one molecule) whichever unit is counted; one-part
//! UMIs by the directional rule. Both tolerate one mismatch. Paired
//! grouping needs both ends: a fragment with one mate placed is left out
//! of the molecules (and said so).

use super::place::Placement;
use super::umis::FastqUmis;
use super::{FastqError, PanelIndex};
use crate::count::fragment::FragmentCall;
use crate::count::molecule::tally::{FamilyKey, FamilyTally};
use crate::count::molecule::{group_fragments, End, Ends, Fragment, Grouping, Strategy};
use crate::count::site::SiteCounts;
use crate::count::{CountPlan, Unit};

/// What a molecule count from FASTQ needs besides the plan.
#[derive(Debug)]
pub struct MoleculeSetup {
    pub umis: FastqUmis,
    pub grouping: Grouping,
    /// Each window's contig as a number (the first window of that contig),
    /// for [`Ends::tid`].
    tids: Vec<i32>,
}

impl MoleculeSetup {
    /// The grouping for `umis` and `unit` (see the module doc); `--duplex`
    /// with one-part UMIs is refused: the strands cannot be told apart.
    pub fn new(umis: FastqUmis, unit: Unit, index: &PanelIndex) -> Result<Self, FastqError> {
        if unit == Unit::Duplex && umis.tagged() && !umis.paired_umis() {
            return Err(FastqError::Invalid(format!(
                "--duplex needs a UMI at each end of the molecule (two-part UMIs: a read structure with M on both reads, or AAAA-CCCC / AAAA+CCCC in the headers), to tell a molecule's two strands apart; {}",
                umis.describe()
            )));
        }
        let strategy = if umis.paired_umis() || (unit == Unit::Duplex && !umis.tagged()) {
            Strategy::Paired
        } else {
            Strategy::Directional
        };
        let tids = index
            .windows
            .iter()
            .map(|w| {
                let first = index.windows.iter().position(|o| o.contig == w.contig);
                first.unwrap_or(0) as i32
            })
            .collect();
        Ok(MoleculeSetup {
            umis,
            grouping: Grouping {
                strategy,
                ..Grouping::default()
            },
            tids,
        })
    }

    /// Where a fragment sits, from its placed mates: `None` when neither
    /// is placed, or when paired grouping needs both ends and it has one.
    pub fn ends(&self, r1: Option<&Placement>, r2: Option<&Placement>) -> Option<Ends> {
        let end = |p: &Placement| End {
            pos: if p.reverse {
                p.unclipped_end() - 1
            } else {
                p.unclipped_start()
            },
            reverse: p.reverse,
        };
        let tid = |p: &Placement| self.tids[p.window as usize];
        let ends = match (r1, r2) {
            (Some(a), Some(b)) if tid(a) == tid(b) => Ends::of_pair(tid(a), end(a), end(b)),
            (Some(a), _) => Ends::of_single(tid(a), end(a)),
            (None, Some(b)) => Ends::of_single(tid(b), end(b)),
            (None, None) => return None,
        };
        (self.grouping.strategy != Strategy::Paired || ends.upper.is_some()).then_some(ends)
    }
}

/// Each site's fragments (ends and tag) and their calls there, in input
/// order; fragments left out of the molecules for want of an end.
#[derive(Debug, Default)]
pub struct Pending {
    sites: Vec<(Vec<Fragment>, Vec<FragmentCall>)>,
    pub one_end: u64,
}

impl Pending {
    pub fn new(sites: usize) -> Self {
        Pending {
            sites: (0..sites).map(|_| Default::default()).collect(),
            one_end: 0,
        }
    }

    pub fn add(&mut self, site: usize, fragment: &Fragment, call: FragmentCall) {
        let (fragments, calls) = &mut self.sites[site];
        fragments.push(fragment.clone());
        calls.push(call);
    }

    /// `other`'s fragments after this one's (batch order).
    pub fn merge(&mut self, other: Pending) {
        for (t, o) in self.sites.iter_mut().zip(other.sites) {
            t.0.extend(o.0);
            t.1.extend(o.1);
        }
        self.one_end += other.one_end;
    }

    /// Group each site's fragments and count each molecule once into
    /// `counts` (panel order), by the plan's unit and consensus options.
    pub fn finish(
        self,
        setup: &MoleculeSetup,
        plan: &CountPlan,
        counts: &mut [SiteCounts],
    ) -> Result<(), FastqError> {
        let mut tally = FamilyTally::new(self.sites.len());
        for (i, (fragments, calls)) in self.sites.into_iter().enumerate() {
            let families = group_fragments(&fragments, &setup.grouping).map_err(|e| {
                FastqError::Invalid(format!(
                    "grouping the fragments at {} into molecules: {e}",
                    plan.panel().hotspots[i].id
                ))
            })?;
            for (id, family) in families.families.iter().enumerate() {
                let molecule = (id as u32).to_le_bytes();
                for m in &family.members {
                    // One-strand grouping: every member on strand A.
                    let key = FamilyKey::new(&molecule, m.strand);
                    tally.add(i, &key, calls[m.index as usize]);
                }
            }
        }
        let models: Vec<_> = plan.models().iter().collect();
        let opts = plan.opts();
        tally.finish(opts.unit, &opts.consensus, &models, counts);
        Ok(())
    }
}

/// The note a run gives: what was used, and what was left out.
pub fn notes(setup: &MoleculeSetup, pending: &Pending) -> Vec<String> {
    let mut notes = vec![format!(
        "molecules from FASTQ: {}; grouped by {} UMIs within {} mismatch(es) and both placed 5' ends",
        setup.umis.describe(),
        setup.grouping.strategy.as_str(),
        setup.grouping.edits
    )];
    if !setup.umis.tagged() {
        notes[0] = format!("molecules from FASTQ: {}", setup.umis.describe());
    }
    if pending.one_end > 0 {
        notes.push(format!(
            "{} fragment(s) with only one mate placed were left out of the molecules: paired (duplex) grouping needs both ends",
            pending.one_end
        ));
    }
    notes
}
