//! Molecules straight from FASTQ: each fragment's UMI ([`super::umis`])
//! and its placed ends, its calls at the sites kept by site
//! ([`SiteFragments`]), then, once every read is placed, each site's
//! fragments grouped into families and counted once each by their
//! consensus, as the BAM engine does for each site group.
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
//! Grouping: as [`choose_grouping`] chooses for the UMIs (two-part UMIs by
//! fgbio's `paired` strategy, so a molecule's two strands are one family,
//! as `MI` `17/A` and `17/B` are one molecule, whichever unit is counted;
//! one-part UMIs by the directional rule; one mismatch tolerated), unless
//! `--umi-strategy`/`--umi-edits` say otherwise. Paired grouping needs
//! both ends: a fragment with one mate placed is left out of the molecules
//! (and said so).

use super::place::Placement;
use super::umis::{FastqUmiSource, FastqUmis};
use super::{FastqError, PanelIndex};
use crate::count::molecule::setup::{
    choose_grouping, describe, MoleculeSource, SiteFragments, UmiKind,
};
use crate::count::molecule::{End, Ends, Grouping, Strategy, UmiSource};
use crate::count::site::SiteCounts;
use crate::count::CountPlan;

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
    /// The grouping for `umis` and the plan's unit and UMI options (see
    /// [`choose_grouping`]); `--umi-source` is for BAM/CRAM records, and
    /// only `none` (position only) applies here.
    pub fn new(umis: FastqUmis, plan: &CountPlan, index: &PanelIndex) -> Result<Self, FastqError> {
        let opts = plan.opts();
        let umis = match opts.umi_source {
            None => umis,
            Some(UmiSource::None) => FastqUmis::none(),
            Some(other) => {
                return Err(FastqError::Invalid(format!(
                    "--umi-source {} is for BAM/CRAM records; FASTQ UMIs come from --read-structure or the headers (found by themselves), or give --umi-source none to group by position only",
                    other.as_str()
                )))
            }
        };
        let grouping = choose_grouping(opts.unit, umis.kind(), &opts.umi_grouping)
            .map_err(|e| FastqError::Invalid(format!("{e}; {}", umis.describe())))?;
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
            grouping,
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

    /// The summary's words for the source.
    pub fn source(&self) -> MoleculeSource {
        let kind = self.umis.kind();
        MoleculeSource {
            umi_source: match self.umis.source {
                FastqUmiSource::Structures(_) => "read-structure",
                FastqUmiSource::Header => "header",
                FastqUmiSource::None => "none",
            }
            .to_string(),
            detail: self.umis.describe(),
            detected: !matches!(self.umis.source, FastqUmiSource::Structures(_)),
            strategy: match kind {
                UmiKind::None => "position",
                _ => self.grouping.strategy.as_str(),
            },
            edits: (kind != UmiKind::None).then_some(self.grouping.edits),
        }
    }
}

/// Group each site's fragments and count each molecule once into `counts`
/// (panel order), by the plan's unit and consensus options.
pub fn finish(
    pending: SiteFragments,
    setup: &MoleculeSetup,
    plan: &CountPlan,
    counts: &mut [SiteCounts],
) -> Result<(), FastqError> {
    let models: Vec<_> = plan.models().iter().collect();
    pending
        .finish(&setup.grouping, plan.opts(), &models, counts)
        .map_err(|(i, e)| {
            FastqError::Invalid(format!(
                "grouping the fragments at {} into molecules: {e}",
                plan.panel().hotspots[i].id
            ))
        })
}

/// The note a run gives: what was used, and what was left out.
pub fn notes(setup: &MoleculeSetup, pending: &SiteFragments) -> Vec<String> {
    let what = format!("from FASTQ, {}", setup.umis.describe());
    let detected = !matches!(setup.umis.source, FastqUmiSource::Structures(_));
    let mut notes = vec![describe(
        &what,
        detected,
        setup.umis.kind(),
        &setup.grouping,
    )];
    if pending.one_end > 0 {
        notes.push(format!(
            "{} fragment(s) with only one mate placed were left out of the molecules: paired (duplex) grouping needs both ends",
            pending.one_end
        ));
    }
    notes
}
