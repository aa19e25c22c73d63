//! Families: the fragments of one site group that came from one molecule.
//!
//! A family is made of fragments with the same [`Ends`] (both outer 5'
//! ends, unclipped, and their strands), the same orientation (which mate
//! is at the lower end) and UMIs that are the same or, by the
//! [`Strategy`], close. Families are position-local: everything needed is
//! in the fragments that cover one site group, so memory stays bounded.
//!
//! The strategies, as fgbio's `GroupReadsByUmi` and umi_tools define them:
//!
//! | strategy      | key                        | UMIs join when                                 |
//! |---------------|----------------------------|------------------------------------------------|
//! | `Identity`    | ends + orientation         | identical                                      |
//! | `Directional` | ends + orientation         | ≤ `edits` apart and count(a) ≥ 2·count(b) − 1   |
//! | `Paired`      | ends (both orientations)   | as `Directional`, read in genome order         |
//!
//! `Directional` is umi_tools' directional method (fgbio's `adjacency`):
//! distinct UMIs are taken from the most fragments down (ties by their
//! bases, so the result never depends on input order); each starts a
//! family unless already taken, and takes, breadth first, every untaken
//! UMI within `edits` mismatches whose count is at most (count + 1) / 2 of
//! the UMI that reaches it. An error copy of a UMI is rare, so it hangs
//! off the abundant true UMI; two true molecules with similar UMIs and
//! similar counts stay apart.
//!
//! `Paired` is fgbio's paired strategy for duplex libraries. Strand A of a
//! molecule is read with read 1 at the lower end and `RX` `α-β`; strand B
//! with read 1 at the upper end and `RX` `β-α`; both have the same ends.
//! Each UMI is therefore read in genome order (lower end's part first),
//! the two orientations share one key, and each member is on strand
//! [`DuplexStrand::A`] when its read 1 is at the lower end (fgbio's `/A`),
//! else `B`. Mismatches are counted over both parts together.
//!
//! Cost: O(u²) UMI comparisons per key for u distinct UMIs at one pair of
//! ends (a handful in practice).
//!
//! Fragments already grouped by another tool (`MI`) keep that grouping,
//! whatever the strategy: one family per id, the strand its suffix names.
//! Fragments without UMIs are grouped by position only (the key alone),
//! and [`Families::basis`] says so.

use super::umi::{shape_text, MoleculeTag, Umi};
use std::collections::BTreeMap;

/// One outer end of a fragment: the 5' end of one mate, where its first
/// sequenced base aligns with the clips at that end counted back in
/// (fgbio's unclipped 5' position), and the mate's strand.
///
/// Ordered by position, then forward before reverse (fgbio's "lower").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct End {
    /// 0-based reference position.
    pub pos: i64,
    pub reverse: bool,
}

/// Where a fragment sits: its contig, both outer ends in genome order, and
/// which of them read 1 is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ends {
    pub tid: i32,
    pub lower: End,
    /// `None` for a read without a mate.
    pub upper: Option<End>,
    /// Is read 1 (or the unpaired read) the lower end? The orientation.
    pub r1_lower: bool,
}

impl Ends {
    /// A pair from its mates' 5' ends. When both ends are at one position
    /// on one strand, read 1 counts as lower if forward (as fgbio has it).
    pub fn of_pair(tid: i32, r1: End, r2: End) -> Ends {
        let r1_lower = r1 < r2 || (r1 == r2 && !r1.reverse);
        let (lower, upper) = if r1_lower { (r1, r2) } else { (r2, r1) };
        Ends {
            tid,
            lower,
            upper: Some(upper),
            r1_lower,
        }
    }

    /// A read without a mate.
    pub fn of_single(tid: i32, end: End) -> Ends {
        Ends {
            tid,
            lower: end,
            upper: None,
            r1_lower: true,
        }
    }
}

/// One fragment to group: where it sits and what it says of its molecule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fragment {
    pub ends: Ends,
    pub tag: MoleculeTag,
}

/// How UMIs are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Identical UMIs only.
    Identity,
    /// umi_tools' directional rule (the default).
    #[default]
    Directional,
    /// Duplex: the two strands of a molecule, with swapped UMIs, in one
    /// family (fgbio's `paired`).
    Paired,
}

impl std::str::FromStr for Strategy {
    type Err = String;
    /// `identity` (also `exact`, umi_tools' `unique`), `directional`
    /// (also fgbio's `adjacency`), `paired`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "identity" | "exact" | "unique" => Ok(Strategy::Identity),
            "directional" | "adjacency" => Ok(Strategy::Directional),
            "paired" => Ok(Strategy::Paired),
            _ => Err(format!(
                "unknown UMI strategy {s:?}: one of identity (exact), directional, paired"
            )),
        }
    }
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Identity => "identity",
            Strategy::Directional => "directional",
            Strategy::Paired => "paired",
        }
    }
}

/// A strategy and how many mismatches it tolerates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grouping {
    pub strategy: Strategy,
    /// Mismatches allowed between joined UMIs (not used by `Identity`).
    pub edits: u32,
}

impl Default for Grouping {
    fn default() -> Self {
        Grouping {
            strategy: Strategy::Directional,
            edits: 1,
        }
    }
}

/// The two strands of a duplex molecule, as fgbio names them (`/A`, `/B`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DuplexStrand {
    A,
    B,
}

/// One fragment of a family: its index in the input, and for duplex
/// grouping the strand it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Member {
    pub index: u32,
    pub strand: Option<DuplexStrand>,
}

/// The fragments of one molecule, by input index, ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub members: Vec<Member>,
}

impl Family {
    /// How many fragments (read pairs) it holds.
    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// How many members read strand A and strand B.
    pub fn strand_sizes(&self) -> (usize, usize) {
        let a = self
            .members
            .iter()
            .filter(|m| m.strand == Some(DuplexStrand::A))
            .count();
        let b = self
            .members
            .iter()
            .filter(|m| m.strand == Some(DuplexStrand::B))
            .count();
        (a, b)
    }

    /// Were both strands seen?
    pub fn is_duplex(&self) -> bool {
        let (a, b) = self.strand_sizes();
        a > 0 && b > 0
    }
}

/// What the families were made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// UMIs, grouped by this strategy.
    Umis(Strategy),
    /// Families another tool assigned (`MI`), as they were.
    Assigned,
    /// No UMIs: ends and orientation only. Two molecules with the same
    /// ends fall into one family.
    PositionOnly,
}

/// Every fragment of the input in exactly one family. A family's place in
/// `families` is its id: families are ordered by key (ends, then
/// orientation, read 1 lower first, unless paired) and within a key from
/// the largest down (ties by the UMI at the family's root), so ids never
/// depend on the input's order. Assigned families are ordered by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Families {
    pub families: Vec<Family>,
    /// `None` when there were no fragments.
    pub basis: Option<Basis>,
}

impl Families {
    /// Each input fragment's family id.
    pub fn family_of(&self, fragments: usize) -> Vec<u32> {
        let mut of = vec![u32::MAX; fragments];
        for (id, f) in self.families.iter().enumerate() {
            for m in &f.members {
                of[m.index as usize] = id as u32;
            }
        }
        of
    }
}

/// Fragments that cannot be grouped. `index` is the fragment's place in
/// the input, for the caller to name the record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    #[error("fragment {index} has {found} where the fragments before it have {expected}: one input must tag all its reads one way")]
    MixedTags {
        index: usize,
        expected: &'static str,
        found: &'static str,
    },
    #[error("fragment {index} has UMI {umi} of {found} bases where the others have {expected}: all UMIs of one input must have one length")]
    UmiLength {
        index: usize,
        umi: String,
        expected: String,
        found: String,
    },
    #[error("fragment {index} has UMI {umi} of one part: duplex (paired) grouping needs two, as RX writes AAAA-CCCC")]
    NotPaired { index: usize, umi: String },
    #[error("fragment {index} is a read without a mate: duplex (paired) grouping needs both mates' ends")]
    Unpaired { index: usize },
}

/// What families are made within: contig, lower end, upper end, and
/// whether read 1 is at the upper end (always `false` when paired).
type Key = (i32, End, Option<End>, bool);

/// Group `fragments` into families by `grouping`. Every fragment ends up
/// in one family; see the module doc for the rules.
pub fn group_fragments(
    fragments: &[Fragment],
    grouping: &Grouping,
) -> Result<Families, GroupError> {
    let Some(first) = fragments.first() else {
        return Ok(Families {
            families: Vec::new(),
            basis: None,
        });
    };
    check_tags(fragments)?;
    let paired = grouping.strategy == Strategy::Paired;
    let strand_of = |ends: &Ends| {
        paired.then_some(if ends.r1_lower {
            DuplexStrand::A
        } else {
            DuplexStrand::B
        })
    };
    // The key of a fragment: its ends, and its orientation (read 1 lower
    // first) unless paired grouping puts both orientations together.
    let key_of =
        |ends: &Ends| -> Key { (ends.tid, ends.lower, ends.upper, !paired && !ends.r1_lower) };
    let (basis, families) = match &first.tag {
        MoleculeTag::Family { .. } => (Basis::Assigned, assigned(fragments)),
        MoleculeTag::Untagged => {
            let mut by_key: BTreeMap<Key, Vec<Member>> = BTreeMap::new();
            for (i, f) in fragments.iter().enumerate() {
                if paired && f.ends.upper.is_none() {
                    return Err(GroupError::Unpaired { index: i });
                }
                by_key.entry(key_of(&f.ends)).or_default().push(Member {
                    index: i as u32,
                    strand: strand_of(&f.ends),
                });
            }
            let families = by_key.into_values().map(|members| Family { members });
            (Basis::PositionOnly, families.collect())
        }
        MoleculeTag::Umi(_) => {
            // Per key, each distinct UMI (read in genome order when paired)
            // and the fragments showing it.
            let mut by_key: BTreeMap<Key, BTreeMap<Vec<u8>, Vec<Member>>> = BTreeMap::new();
            for (i, f) in fragments.iter().enumerate() {
                let MoleculeTag::Umi(umi) = &f.tag else {
                    unreachable!("check_tags: one kind of tag")
                };
                let bases = if paired {
                    genome_order(umi, &f.ends, i)?
                } else {
                    umi.bases()
                };
                by_key
                    .entry(key_of(&f.ends))
                    .or_default()
                    .entry(bases)
                    .or_default()
                    .push(Member {
                        index: i as u32,
                        strand: strand_of(&f.ends),
                    });
            }
            let mut families = Vec::new();
            for umis in by_key.into_values() {
                match grouping.strategy {
                    Strategy::Identity => {
                        // Most fragments first, as the other strategies.
                        let mut fs: Vec<_> = umis.into_iter().collect();
                        fs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
                        families.extend(fs.into_iter().map(|(_, members)| Family { members }));
                    }
                    Strategy::Directional | Strategy::Paired => {
                        let mut fs = directional(umis, grouping.edits);
                        // Largest family first, ties by the root's UMI.
                        fs.sort_by(|a, b| b.1.size().cmp(&a.1.size()).then_with(|| a.0.cmp(&b.0)));
                        families.extend(fs.into_iter().map(|(_, f)| f));
                    }
                }
            }
            (Basis::Umis(grouping.strategy), families)
        }
    };
    let mut families: Vec<Family> = families;
    for f in &mut families {
        f.members.sort_unstable();
    }
    Ok(Families {
        families,
        basis: Some(basis),
    })
}

/// One kind of tag throughout, and UMIs of one shape.
fn check_tags(fragments: &[Fragment]) -> Result<(), GroupError> {
    let first = &fragments[0].tag;
    let shape = match first {
        MoleculeTag::Umi(u) => Some(u.shape()),
        _ => None,
    };
    for (i, f) in fragments.iter().enumerate() {
        if std::mem::discriminant(&f.tag) != std::mem::discriminant(first) {
            return Err(GroupError::MixedTags {
                index: i,
                expected: first.kind(),
                found: f.tag.kind(),
            });
        }
        if let (MoleculeTag::Umi(u), Some(shape)) = (&f.tag, shape) {
            if u.shape() != shape {
                return Err(GroupError::UmiLength {
                    index: i,
                    umi: u.to_string(),
                    expected: shape_text(shape),
                    found: shape_text(u.shape()),
                });
            }
        }
    }
    Ok(())
}

/// A duplex UMI with the lower end's part first: read 1's part is at the
/// lower end when read 1 is.
fn genome_order(umi: &Umi, ends: &Ends, index: usize) -> Result<Vec<u8>, GroupError> {
    let Some(second) = umi.second() else {
        return Err(GroupError::NotPaired {
            index,
            umi: umi.to_string(),
        });
    };
    if ends.upper.is_none() {
        return Err(GroupError::Unpaired { index });
    }
    let (lo, hi) = if ends.r1_lower {
        (umi.first(), second)
    } else {
        (second, umi.first())
    };
    Ok([lo, hi].concat())
}

/// Families as another tool assigned them: one per id, ordered by id.
fn assigned(fragments: &[Fragment]) -> Vec<Family> {
    let mut by_id: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
    for (i, f) in fragments.iter().enumerate() {
        if let MoleculeTag::Family { id, strand } = &f.tag {
            by_id.entry(id).or_default().push(Member {
                index: i as u32,
                strand: *strand,
            });
        }
    }
    by_id
        .into_values()
        .map(|members| Family { members })
        .collect()
}

/// Mismatches between two UMIs of one length, counted up to `limit + 1`.
fn mismatches(a: &[u8], b: &[u8], limit: u32) -> u32 {
    let mut n = 0;
    for (x, y) in a.iter().zip(b) {
        if x != y {
            n += 1;
            if n > limit {
                break;
            }
        }
    }
    n
}

/// The directional rule over the distinct UMIs of one key (see the module
/// doc): each family with the UMI at its root.
fn directional(umis: BTreeMap<Vec<u8>, Vec<Member>>, edits: u32) -> Vec<(Vec<u8>, Family)> {
    let mut nodes: Vec<(Vec<u8>, Vec<Member>)> = umis.into_iter().collect();
    nodes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    let mut taken = vec![false; nodes.len()];
    let mut families = Vec::new();
    for root in 0..nodes.len() {
        if taken[root] {
            continue;
        }
        taken[root] = true;
        let mut queue = std::collections::VecDeque::from([root]);
        let mut members = Vec::new();
        while let Some(j) = queue.pop_front() {
            members.extend_from_slice(&nodes[j].1);
            let count = nodes[j].1.len();
            for k in 0..nodes.len() {
                if !taken[k]
                    && count + 1 >= 2 * nodes[k].1.len()
                    && mismatches(&nodes[j].0, &nodes[k].0, edits) <= edits
                {
                    taken[k] = true;
                    queue.push_back(k);
                }
            }
        }
        families.push((nodes[root].0.clone(), Family { members }));
    }
    families
}

#[cfg(test)]
mod tests;
