//! The background in molecules: what the families covering a site group's
//! window show at its non-hotspot positions, one consensus base per
//! molecule (`--molecules`) or per duplex molecule whose two strands agree
//! (`--duplex`), so that `call` tests, and gives the LoD95 and tumour
//! fraction, in the unit it counted the hotspots in.
//!
//! While a pass is read, each whole fragment that reaches the window is
//! kept with its ends and tag ([`super::Fragment`]) and its merged bases
//! (mates collapsed as the fragment tally collapses them,
//! [`crate::count::background::merged_bases`]); the raw fragment tally
//! goes on as without molecules. When the pass is done, the window's
//! fragments are grouped into families by [`family_keys`], as each
//! site's are, and at every position each family's members that show a
//! confident base there vote by [`consensus`] (and [`duplex`]): the very
//! rule a hotspot's molecule is called by. A member whose base there is
//! below the quality threshold, or whose mates disagree, is not a member
//! at that position (at a hotspot it still counts towards the family
//! size; with the default `--min-family-size 1` that makes no
//! difference).
//!
//! All three tallies come from the one pass ([`Layers`]): raw fragments,
//! simplex molecules (every family's consensus), and with `--duplex` duplex
//! molecules, so the report can set their error rates side by side.

use super::consensus::{consensus, duplex, Call};
use super::group::{Fragment, GroupError, Grouping};
use super::setup::family_keys;
use super::DuplexStrand;
use crate::count::allele::{AlignedRead, Allele};
use crate::count::background::{merged_bases, BackgroundWindow, MergedBases};
use crate::count::fragment::{FragmentCall, Observation};
use crate::count::CountOptions;
use rustc_hash::FxHashMap;

/// The background of one site group in the three units a molecule count
/// measures it in.
#[derive(Debug, Clone)]
pub struct Layers {
    /// Every whole fragment, as a fragment count tallies it.
    pub fragments: BackgroundWindow,
    /// One consensus base per molecule (family).
    pub simplex: BackgroundWindow,
    /// One per duplex molecule whose strands agree (`--duplex` only).
    pub duplex: Option<BackgroundWindow>,
}

/// All groups' [`Layers`], one window per group in each.
#[derive(Debug, Clone, Default)]
pub struct BackgroundLayers {
    pub fragments: Vec<BackgroundWindow>,
    pub simplex: Vec<BackgroundWindow>,
    /// Empty unless `--duplex`.
    pub duplex: Vec<BackgroundWindow>,
}

impl BackgroundLayers {
    pub fn push(&mut self, layers: Layers) {
        self.fragments.push(layers.fragments);
        self.simplex.push(layers.simplex);
        self.duplex.extend(layers.duplex);
    }
}

/// A window's fragments while its pass is read.
#[derive(Default)]
pub struct WindowFragments {
    fragments: Vec<Fragment>,
    reverse: Vec<bool>,
    bases: Vec<MergedBases>,
}

impl WindowFragments {
    /// One whole fragment (`read`, and its `mate`) of strand `reverse`:
    /// tallied raw in `window` and kept for its family.
    pub fn add<R: AlignedRead + ?Sized>(
        &mut self,
        window: &mut BackgroundWindow,
        fragment: &Fragment,
        read: &R,
        mate: Option<&R>,
        reverse: bool,
        min_baseq: u8,
    ) {
        let bases = merged_bases(window, read, mate, min_baseq);
        window.add_merged(&bases, reverse);
        if bases.bases.iter().all(|&b| b >= 4) {
            return;
        }
        self.fragments.push(fragment.clone());
        self.reverse.push(reverse);
        self.bases.push(bases);
    }

    /// Group the fragments and tally each family's consensus: the raw
    /// `window` and the molecule tallies made from it, by `opts`' unit and
    /// consensus options.
    pub fn finish(
        self,
        window: BackgroundWindow,
        grouping: &Grouping,
        opts: &CountOptions,
    ) -> Result<Layers, GroupError> {
        let mut simplex = empty_like(&window);
        let mut duplex_window =
            (opts.unit == crate::count::Unit::Duplex).then(|| empty_like(&window));
        let keys = family_keys(&self.fragments, grouping)?;
        // Molecules in the order their first fragment came, each with its
        // members by strand.
        let mut index: FxHashMap<&[u8], usize> = FxHashMap::default();
        let mut molecules: Vec<[Vec<usize>; 2]> = Vec::new();
        for (f, key) in keys.iter().enumerate() {
            let m = *index.entry(&key.molecule).or_insert_with(|| {
                molecules.push([Vec::new(), Vec::new()]);
                molecules.len() - 1
            });
            molecules[m][usize::from(key.strand == DuplexStrand::B)].push(f);
        }
        let c = &opts.consensus;
        let (mut a, mut b, mut all) = (Vec::new(), Vec::new(), Vec::new());
        for [on_a, on_b] in &molecules {
            // The molecule's strand is its first fragment's, as at a
            // hotspot (see `tally`).
            let members = on_a.iter().chain(on_b);
            let first = members.clone().min().expect("a molecule has a member");
            let strand = usize::from(self.reverse[*first]);
            let lo = members
                .clone()
                .map(|&f| self.bases[f].first)
                .min()
                .unwrap_or(0);
            let hi = members
                .map(|&f| self.bases[f].first + self.bases[f].bases.len())
                .max()
                .unwrap_or(0);
            for i in lo..hi {
                if window.excluded[i] {
                    continue;
                }
                self.calls_at(i, on_a, &mut a);
                self.calls_at(i, on_b, &mut b);
                if a.is_empty() && b.is_empty() {
                    continue;
                }
                all.clear();
                all.extend_from_slice(&a);
                all.extend_from_slice(&b);
                if let Some(base) = base_of(consensus(&all, c.min_family_size, c)) {
                    simplex.counts[i][strand][base] += 1;
                }
                if let Some(d) = duplex_window.as_mut() {
                    if let Some(base) = base_of(duplex(&a, &b, c)) {
                        d.counts[i][strand][base] += 1;
                    }
                }
            }
        }
        Ok(Layers {
            fragments: window,
            simplex,
            duplex: duplex_window,
        })
    }

    /// The calls of `members` that show a confident base at window index
    /// `i`, into `out`.
    fn calls_at(&self, i: usize, members: &[usize], out: &mut Vec<FragmentCall>) {
        out.clear();
        for &f in members {
            let m = &self.bases[f];
            let Some(k) = i.checked_sub(m.first).filter(|&k| k < m.bases.len()) else {
                continue;
            };
            if m.bases[k] < 4 {
                out.push(FragmentCall::Observed(Observation {
                    allele: Allele::Other(m.bases[k]),
                    qual: m.quals[k],
                    reverse: self.reverse[f],
                    fragment_length: 0,
                }));
            }
        }
    }
}

/// The base code a consensus shows, if it shows one.
fn base_of(call: Option<Call>) -> Option<usize> {
    match call? {
        Call::Allele {
            allele: Allele::Other(b),
            ..
        } => Some(usize::from(b)),
        _ => None,
    }
}

/// A window like `w` with nothing tallied.
fn empty_like(w: &BackgroundWindow) -> BackgroundWindow {
    BackgroundWindow {
        counts: vec![[[0; 4]; 2]; w.counts.len()],
        ..w.clone()
    }
}
