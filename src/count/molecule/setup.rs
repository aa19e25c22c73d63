//! What counting in molecules is set up with, whichever engine reads the
//! fragments: where the UMIs come from, how they are grouped, and each
//! site's fragments kept until the families are made.
//!
//! - [`choose_grouping`]: the grouping for the UMIs an input has and the
//!   unit asked for (`--umi-strategy`, `--umi-edits`, or the default:
//!   fgbio's `paired` for two-part UMIs, one per end, so that a duplex
//!   molecule's two strands are one family whichever unit is counted; the
//!   directional rule for one-part UMIs).
//! - [`AlignedMolecules`]: for BAM/CRAM (indexed or a stream), the UMI
//!   source found on the first records (`MI` > `RX` > read name, see
//!   [`super::umi::detect`]) or given (`--umi-source`), and the grouping.
//! - [`SiteFragments`]: each site's fragments (ends and tag) and their
//!   calls, grouped into families with [`group_fragments`] when the site's
//!   reads are all in (a site group's pass for BAM, the whole input for
//!   FASTQ) and counted once each by their consensus ([`FamilyTally`]).
//!   Families another tool assigned (`MI`) are taken as they are.
//! - [`MoleculeSummary`]: what a run says of its molecules (source,
//!   strategy, family sizes, duplex yield).

use super::group::{group_fragments, Fragment, GroupError, Grouping, Strategy};
use super::tally::{FamilyKey, FamilyStats, FamilyTally};
use super::umi::{
    detect, DetectError, MoleculeTag, UmiReader, UmiSource, UmiSourceError, DETECT_RECORDS,
};
use crate::count::allele::SiteModel;
use crate::count::fragment::FragmentCall;
use crate::count::site::SiteCounts;
use crate::count::{flag, CountOptions, Unit};
use rust_htslib::bam;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// How the user asked UMIs to be grouped: `None` where not given (the
/// default for the input's UMIs applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupingChoice {
    /// `--umi-strategy`.
    pub strategy: Option<Strategy>,
    /// `--umi-edits` (default 1).
    pub edits: Option<u32>,
}

/// What an input's records say of their molecules, as grouping sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UmiKind {
    /// Families already assigned (`MI`): used as they are.
    Assigned,
    /// One UMI per fragment.
    Single,
    /// Two-part UMIs, one per end (a duplex library's).
    Paired,
    /// No UMIs: grouped by position only.
    None,
}

/// The grouping for `kind` of UMIs counted in `unit`, or why it cannot be.
pub fn choose_grouping(
    unit: Unit,
    kind: UmiKind,
    choice: &GroupingChoice,
) -> Result<Grouping, String> {
    let edits = choice.edits.unwrap_or(1);
    if kind == UmiKind::Assigned {
        if choice.strategy.is_some() || choice.edits.is_some() {
            return Err("--umi-strategy and --umi-edits group UMIs; families in the MI tag are used as assigned (give --umi-source rx or name to group the UMIs again)".into());
        }
        return Ok(Grouping {
            strategy: Strategy::Identity,
            edits: 0,
        });
    }
    if unit == Unit::Duplex && kind == UmiKind::Single {
        return Err("--duplex needs a UMI at each end of the molecule (two-part UMIs: RX AAAA-CCCC, a read name ending AAAA+CCCC, or a read structure with M on both reads), to tell a molecule's two strands apart".into());
    }
    let strategy = match choice.strategy {
        Some(s) => s,
        None if kind == UmiKind::Paired || (unit == Unit::Duplex && kind == UmiKind::None) => {
            Strategy::Paired
        }
        None => Strategy::Directional,
    };
    if strategy == Strategy::Paired && kind == UmiKind::Single {
        return Err("--umi-strategy paired needs two-part UMIs, one per end (RX AAAA-CCCC): it pairs the two strands of a molecule by their swapped UMIs".into());
    }
    if unit == Unit::Duplex && strategy != Strategy::Paired {
        return Err(format!(
            "--duplex needs --umi-strategy paired (the default for two-part UMIs): {} grouping keeps a molecule's two strands apart, so none is seen on both",
            strategy.as_str()
        ));
    }
    Ok(Grouping { strategy, edits })
}

/// What a BAM/CRAM's molecules are made from: the UMI source (with the
/// UMI length its first records set) and the grouping.
#[derive(Debug, Clone)]
pub struct AlignedMolecules {
    pub reader: UmiReader,
    pub grouping: Grouping,
    /// Was the source found on the records (not given)?
    pub detected: bool,
}

/// Why an input's molecules cannot be counted.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Detect(#[from] Box<DetectError>),
    #[error(transparent)]
    Record(#[from] Box<UmiSourceError>),
    #[error("{}: {detail} ({})", path.display(), by.describe())]
    Grouping {
        path: std::path::PathBuf,
        by: UmiSource,
        detail: String,
    },
}

impl AlignedMolecules {
    /// The source for `path` (`opts.umi_source`, or found on `first`, its
    /// first records) and the grouping for it and `opts.unit`. A source
    /// given is checked on the same records, so a UMI missing or malformed
    /// near the start is named before anything is counted.
    pub fn new(
        path: &Path,
        first: &[bam::Record],
        opts: &CountOptions,
    ) -> Result<Self, SetupError> {
        let (reader, detected) = match opts.umi_source {
            None => (detect(path, first)?, true),
            Some(source) => {
                let mut reader = UmiReader::new(source, path);
                for r in first.iter().filter(|r| primary(r)).take(DETECT_RECORDS) {
                    reader.tag_of(r)?;
                }
                (reader, false)
            }
        };
        let grouping =
            choose_grouping(opts.unit, reader.kind(), &opts.umi_grouping).map_err(|detail| {
                SetupError::Grouping {
                    path: path.to_path_buf(),
                    by: reader.source,
                    detail,
                }
            })?;
        Ok(AlignedMolecules {
            reader,
            grouping,
            detected,
        })
    }

    /// What was used, in words, for the run's notes.
    pub fn describe(&self) -> String {
        describe(
            self.reader.source.describe(),
            self.detected,
            self.reader.kind(),
            &self.grouping,
        )
    }

    /// The summary's words for the source.
    pub fn source(&self) -> MoleculeSource {
        MoleculeSource {
            umi_source: self.reader.source.as_str().to_string(),
            detail: self.reader.source.describe().to_string(),
            detected: self.detected,
            strategy: match self.reader.kind() {
                UmiKind::Assigned => "assigned",
                UmiKind::None => "position",
                _ => self.grouping.strategy.as_str(),
            },
            edits: match self.reader.kind() {
                UmiKind::Assigned | UmiKind::None => None,
                _ => Some(self.grouping.edits),
            },
        }
    }
}

/// The records [`detect`] looks at: neither secondary nor supplementary.
fn primary(r: &bam::Record) -> bool {
    r.flags() & (flag::SECONDARY | flag::SUPPLEMENTARY) == 0
}

/// Has `records` enough of an input's first records for [`detect`]?
pub fn enough_to_detect(records: &[bam::Record]) -> bool {
    records.iter().filter(|r| primary(r)).count() >= DETECT_RECORDS
}

/// The note for a source (`what`, in words) and its grouping.
pub fn describe(what: &str, detected: bool, kind: UmiKind, grouping: &Grouping) -> String {
    let how = if detected {
        "found on the first records"
    } else {
        "as given"
    };
    match kind {
        UmiKind::Assigned => format!("molecules: {what} ({how}), taken as they are"),
        UmiKind::None => format!(
            "molecules: {what} ({how}): fragments with the same ends and orientation are one molecule{}, so two molecules with the same ends count once",
            if grouping.strategy == Strategy::Paired {
                " (both orientations: a molecule's two strands)"
            } else {
                ""
            }
        ),
        UmiKind::Single | UmiKind::Paired => format!(
            "molecules: {what} ({how}); grouped by the {} rule within {} mismatch(es), with both outer 5' ends and the orientation{}",
            grouping.strategy.as_str(),
            grouping.edits,
            if grouping.strategy == Strategy::Paired {
                " (a molecule's two strands, with swapped UMIs, together)"
            } else {
                ""
            }
        ),
    }
}

/// Each site's fragments (ends and tag) and their calls, in input order;
/// fragments left out of the molecules for want of an end.
#[derive(Debug, Default)]
pub struct SiteFragments {
    sites: Vec<(Vec<Fragment>, Vec<FragmentCall>)>,
    /// Fragments that paired grouping could not place (one mate alone).
    pub one_end: u64,
}

impl SiteFragments {
    pub fn new(sites: usize) -> Self {
        SiteFragments {
            sites: (0..sites).map(|_| Default::default()).collect(),
            one_end: 0,
        }
    }

    /// One fragment's call at site `site`.
    pub fn add(&mut self, site: usize, fragment: &Fragment, call: FragmentCall) {
        let (fragments, calls) = &mut self.sites[site];
        fragments.push(fragment.clone());
        calls.push(call);
    }

    /// `other`'s fragments after this one's (batch order).
    pub fn merge(&mut self, other: SiteFragments) {
        for (t, o) in self.sites.iter_mut().zip(other.sites) {
            t.0.extend(o.0);
            t.1.extend(o.1);
        }
        self.one_end += other.one_end;
    }

    /// Group each site's fragments by `grouping` and count each molecule
    /// once into `counts` (one per site, with its model in `models`), by
    /// `opts`' unit and consensus. A site whose fragments cannot be
    /// grouped gives its index and why.
    pub fn finish(
        self,
        grouping: &Grouping,
        opts: &CountOptions,
        models: &[&SiteModel],
        counts: &mut [SiteCounts],
    ) -> Result<(), (usize, GroupError)> {
        let mut tally = FamilyTally::new(self.sites.len());
        for (i, (fragments, calls)) in self.sites.into_iter().enumerate() {
            let keys = family_keys(&fragments, grouping).map_err(|e| (i, e))?;
            for (key, &call) in keys.iter().zip(&calls) {
                tally.add(i, key, call);
            }
        }
        tally.finish(opts.unit, &opts.consensus, models, counts);
        Ok(())
    }
}

/// Each fragment's family (molecule and strand), in input order: as
/// another tool assigned it (`MI`), or grouped by `grouping`. What a site's
/// fragments and a background window's are grouped by alike.
pub fn family_keys(
    fragments: &[Fragment],
    grouping: &Grouping,
) -> Result<Vec<FamilyKey>, GroupError> {
    // Families another tool assigned (MI) are taken by their id as they
    // come: what group_fragments' assigned families give (one per id),
    // without sorting them by id first, which is a fifth of a molecule
    // count's cost and changes nothing counted.
    if let Some(ids) = assigned_keys(fragments) {
        return Ok(ids);
    }
    let families = group_fragments(fragments, grouping)?;
    let mut keys = vec![None; fragments.len()];
    for (id, family) in families.families.iter().enumerate() {
        let molecule = (id as u32).to_le_bytes();
        for m in &family.members {
            // One-strand grouping: every member on strand A.
            keys[m.index as usize] = Some(FamilyKey::new(&molecule, m.strand));
        }
    }
    Ok(keys
        .into_iter()
        .map(|k| k.expect("group_fragments places every fragment in a family"))
        .collect())
}

/// Each fragment's family key when every one has an assigned family
/// (`MI`); `None` otherwise (grouping checks mixed tags).
fn assigned_keys(fragments: &[Fragment]) -> Option<Vec<FamilyKey>> {
    fragments
        .iter()
        .map(|f| match &f.tag {
            MoleculeTag::Family { id, strand } => Some(FamilyKey::new(id.as_bytes(), *strand)),
            _ => None,
        })
        .collect()
}

/// Where a run's UMIs came from and how they were grouped, as the summary
/// says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoleculeSource {
    /// `mi`, `rx`, `name`, `none` (BAM/CRAM); `read-structure`, `header`,
    /// `none` (FASTQ).
    pub umi_source: String,
    /// The same in words.
    pub detail: String,
    /// Found on the first records (`true`) or given (`--umi-source`).
    pub detected: bool,
    /// `directional`, `paired`, `identity`; `assigned` for MI families;
    /// `position` without UMIs.
    pub strategy: &'static str,
    /// UMI mismatches tolerated (`null` when UMIs are not compared).
    pub edits: Option<u32>,
}

/// What a run says of its molecules: the source and grouping, and over the
/// hotspots (a molecule covering two sites counts at each) the family
/// sizes and duplex yield.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoleculeSummary {
    #[serde(flatten)]
    pub source: MoleculeSource,
    /// Families (molecules) seen at the sites, before the size minimum.
    pub families: u64,
    /// Of them, those read on both strands.
    pub duplex_families: u64,
    /// `duplex_families / families`.
    pub duplex_yield: Option<f64>,
    /// Fragments behind the families.
    pub fragments: u64,
    /// `fragments / families`.
    pub fragments_per_molecule: Option<f64>,
    /// Families by their fragments at the site: size → count.
    pub family_sizes: BTreeMap<u32, u64>,
}

impl MoleculeSummary {
    /// The summary of `sites` counted in molecules from `source`.
    pub fn new(source: MoleculeSource, sites: &[SiteCounts]) -> Self {
        let mut all = FamilyStats::default();
        for s in sites.iter().filter_map(|s| s.families.as_ref()) {
            all.merge(s);
        }
        let share = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        MoleculeSummary {
            source,
            families: all.families,
            duplex_families: all.duplex_families,
            duplex_yield: share(all.duplex_families, all.families),
            fragments: all.fragments,
            fragments_per_molecule: share(all.fragments, all.families),
            family_sizes: all.sizes,
        }
    }

    /// One line for stderr.
    pub fn line(&self) -> String {
        let f = |x: Option<f64>, scale: f64| x.map_or("-".into(), |v| format!("{:.2}", v * scale));
        format!(
            "molecules at the hotspots: {} families of {} fragments ({} fragments per molecule), {} seen on both strands ({} % duplex yield)",
            self.families,
            self.fragments,
            f(self.fragments_per_molecule, 1.0),
            self.duplex_families,
            f(self.duplex_yield, 100.0)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(unit: Unit, kind: UmiKind, s: Option<Strategy>) -> Result<Strategy, String> {
        let choice = GroupingChoice {
            strategy: s,
            edits: None,
        };
        choose_grouping(unit, kind, &choice).map(|g| g.strategy)
    }

    #[test]
    fn the_default_grouping_follows_the_umis() {
        use Strategy::*;
        use UmiKind as K;
        let m = Unit::Molecule;
        assert_eq!(choose(m, K::Single, None), Ok(Directional));
        assert_eq!(choose(m, K::Paired, None), Ok(Paired));
        assert_eq!(choose(m, K::None, None), Ok(Directional));
        assert_eq!(choose(Unit::Duplex, K::None, None), Ok(Paired));
        assert_eq!(choose(Unit::Duplex, K::Paired, None), Ok(Paired));
        assert_eq!(choose(m, K::Paired, Some(Identity)), Ok(Identity));
        let g = choose_grouping(m, K::Single, &GroupingChoice::default()).unwrap();
        assert_eq!(g.edits, 1);
    }

    #[test]
    fn groupings_that_cannot_work_are_refused() {
        use Strategy::*;
        use UmiKind as K;
        let e = choose(Unit::Duplex, K::Single, None).unwrap_err();
        assert!(e.contains("--duplex needs a UMI at each end"), "{e}");
        let e = choose(Unit::Molecule, K::Single, Some(Paired)).unwrap_err();
        assert!(e.contains("needs two-part UMIs"), "{e}");
        let e = choose(Unit::Duplex, K::Paired, Some(Directional)).unwrap_err();
        assert!(e.contains("--duplex needs --umi-strategy paired"), "{e}");
        let e = choose(Unit::Molecule, K::Assigned, Some(Directional)).unwrap_err();
        assert!(e.contains("used as assigned"), "{e}");
        let edits = GroupingChoice {
            strategy: None,
            edits: Some(2),
        };
        assert!(choose_grouping(Unit::Molecule, K::Assigned, &edits).is_err());
        assert!(choose(Unit::Duplex, K::Assigned, None).is_ok());
    }
}
