//! Per-site tallies, the one output type of every counting engine.

use super::allele::{Allele, SiteModel};
use super::fragment::{FragmentCall, Observation};
use super::molecule::tally::FamilyStats;
use std::collections::BTreeMap;

/// Order of the per-base columns of single-base sites.
pub const BASE_COLUMNS: [u8; 6] = [b'A', b'C', b'G', b'T', b'N', b'*'];

/// Fragment-length threshold for the "short" share (ctDNA is enriched
/// below it).
pub const SHORT_FRAGMENT: u32 = 150;

/// Everything counted at one site. All counts are fragments (or reads in
/// read mode).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteCounts {
    pub ref_fwd: u64,
    pub ref_rev: u64,
    pub alt_fwd: u64,
    pub alt_rev: u64,
    pub other: u64,
    /// Fragments whose two mates read different alleles confidently.
    pub discordant: u64,
    /// Fragments whose allele bases fell below the base-quality threshold.
    pub low_quality: u64,
    /// Fragments whose two mates both covered the site (merged into one).
    pub overlaps_merged: u64,
    /// Single-base sites: fragments showing A, C, G, T, N and a deletion.
    pub bases: Option<[u64; 6]>,
    /// Fragment lengths (|TLEN| of proper pairs) of ref and alt fragments.
    pub ref_lengths: LengthHistogram,
    pub alt_lengths: LengthHistogram,
    /// Counted in molecules: the families behind the counts (which are
    /// then molecules, `discordant` those whose fragments disagree).
    pub families: Option<FamilyStats>,
}

impl SiteCounts {
    pub fn new(model: &SiteModel) -> Self {
        SiteCounts {
            bases: model.is_single_base().then_some([0; 6]),
            ..Default::default()
        }
    }

    pub fn ref_count(&self) -> u64 {
        self.ref_fwd + self.ref_rev
    }
    pub fn alt_count(&self) -> u64 {
        self.alt_fwd + self.alt_rev
    }
    /// Fragments that read an allele: ref + alt + other.
    pub fn depth(&self) -> u64 {
        self.ref_count() + self.alt_count() + self.other
    }
    /// alt / depth, `None` at zero depth.
    pub fn vaf(&self) -> Option<f64> {
        let d = self.depth();
        (d > 0).then(|| self.alt_count() as f64 / d as f64)
    }

    /// Add another tally of the same site: sums, histograms included, so
    /// the result does not depend on the order tallies are merged in.
    pub fn merge(&mut self, other: SiteCounts) {
        self.ref_fwd += other.ref_fwd;
        self.ref_rev += other.ref_rev;
        self.alt_fwd += other.alt_fwd;
        self.alt_rev += other.alt_rev;
        self.other += other.other;
        self.discordant += other.discordant;
        self.low_quality += other.low_quality;
        self.overlaps_merged += other.overlaps_merged;
        if let (Some(x), Some(y)) = (self.bases.as_mut(), other.bases) {
            for (x, y) in x.iter_mut().zip(y) {
                *x += y;
            }
        }
        self.ref_lengths.merge(&other.ref_lengths);
        self.alt_lengths.merge(&other.alt_lengths);
        match (self.families.as_mut(), other.families) {
            (Some(x), Some(y)) => x.merge(&y),
            (None, y) => self.families = y,
            (Some(_), None) => {}
        }
    }

    /// Add one fragment's (or read's) outcome.
    pub fn add(&mut self, model: &SiteModel, call: FragmentCall) {
        let obs = match call {
            FragmentCall::Discordant => {
                self.discordant += 1;
                return;
            }
            FragmentCall::Observed(o) => o,
        };
        self.add_observation(model, obs);
    }

    fn add_observation(&mut self, model: &SiteModel, obs: Observation) {
        let len = obs.fragment_length;
        match obs.allele {
            Allele::LowQuality => {
                self.low_quality += 1;
                return;
            }
            Allele::Ref => {
                *if obs.reverse {
                    &mut self.ref_rev
                } else {
                    &mut self.ref_fwd
                } += 1;
                if len > 0 {
                    self.ref_lengths.add(len);
                }
            }
            Allele::Alt => {
                *if obs.reverse {
                    &mut self.alt_rev
                } else {
                    &mut self.alt_fwd
                } += 1;
                if len > 0 {
                    self.alt_lengths.add(len);
                }
            }
            Allele::Other(_) => self.other += 1,
        }
        if let (Some(bases), Some(b)) = (self.bases.as_mut(), model.base_of(obs.allele)) {
            let column = BASE_COLUMNS.iter().position(|&c| c == b).unwrap_or(4); // IUPAC → N
            bases[column] += 1;
        }
    }
}

/// Median and share below [`SHORT_FRAGMENT`] of a set of fragment lengths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LengthSummary {
    pub median: f64,
    pub short_fraction: f64,
}

/// Lengths below this are counted in a dense array indexed by length;
/// longer ones (rare: cfDNA is under 1,000 bp but for a few multi-
/// nucleosome fragments and odd TLENs) in a map.
const DENSE_LENGTHS: usize = 1001;

/// Fragment lengths as a histogram (length → fragments): merging two is a
/// sum, so it cannot depend on the order of merging (a list appended in
/// merge order would, and grows with every fragment). Lengths 0..=1000
/// are an array indexed by length, allocated at the first fragment: adding
/// one is an increment, cheaper than a map's search in the counting loop.
#[derive(Debug, Clone, Default)]
pub struct LengthHistogram {
    /// Fragments by length, for lengths below [`DENSE_LENGTHS`]; empty
    /// until the first such fragment.
    dense: Vec<u64>,
    /// Fragments of longer lengths.
    long: BTreeMap<u32, u64>,
}

impl LengthHistogram {
    /// Count one fragment of this length.
    pub fn add(&mut self, length: u32) {
        match usize::try_from(length) {
            Ok(i) if i < DENSE_LENGTHS => {
                if self.dense.is_empty() {
                    self.dense = vec![0; DENSE_LENGTHS];
                }
                self.dense[i] += 1;
            }
            _ => *self.long.entry(length).or_default() += 1,
        }
    }
    /// Add another histogram's counts.
    pub fn merge(&mut self, other: &LengthHistogram) {
        if self.dense.is_empty() {
            self.dense.clone_from(&other.dense);
        } else {
            for (x, &y) in self.dense.iter_mut().zip(&other.dense) {
                *x += y;
            }
        }
        for (&l, &c) in &other.long {
            *self.long.entry(l).or_default() += c;
        }
    }
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
    /// Fragments counted.
    pub fn total(&self) -> u64 {
        self.iter().map(|(_, c)| c).sum()
    }
    /// `(length, fragments)` in increasing length, lengths with none left
    /// out.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u64)> + Clone + '_ {
        // DENSE_LENGTHS fits u32, so the index does too.
        let dense = (0u32..).zip(self.dense.iter().copied());
        let long = self.long.iter().map(|(&l, &c)| (l, c));
        dense.chain(long).filter(|&(_, c)| c > 0)
    }
    /// Every length once per fragment, in increasing length.
    pub fn lengths(&self) -> impl Iterator<Item = u32> + '_ {
        self.iter()
            .flat_map(|(l, c)| std::iter::repeat_n(l, c as usize))
    }
    /// Median and short share; `None` when empty.
    pub fn summary(&self) -> Option<LengthSummary> {
        summarise_histogram(self.iter())
    }
}

/// Equal when they count the same fragments, however they store them.
impl PartialEq for LengthHistogram {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}
impl Eq for LengthHistogram {}

impl FromIterator<u32> for LengthHistogram {
    fn from_iter<I: IntoIterator<Item = u32>>(lengths: I) -> Self {
        let mut h = LengthHistogram::default();
        for l in lengths {
            h.add(l);
        }
        h
    }
}

/// Summarise a `(length, count)` histogram sorted by length (as every
/// histogram cfspot writes is); `None` when it counts nothing.
///
/// The one definition of cfspot's length median and short share, used by
/// the count TSV, the calls TSV and the HTML report alike. The median is
/// the usual one (the middle length, or the mean of the middle two for an
/// even count: what R's `median` or numpy's give), so a column called
/// `*_len_median` can be recomputed from the lengths it names with any
/// tool; the short share counts lengths strictly below [`SHORT_FRAGMENT`].
pub fn summarise_histogram<I>(hist: I) -> Option<LengthSummary>
where
    I: IntoIterator<Item = (u32, u64)>,
    I::IntoIter: Clone,
{
    let hist = hist.into_iter();
    let n: u64 = hist.clone().map(|(_, c)| c).sum();
    if n == 0 {
        return None;
    }
    // The lengths at 0-based ranks (n-1)/2 and n/2: one length when n is
    // odd, the middle pair when it is even.
    let at_rank = |rank: u64| {
        let mut seen = 0;
        hist.clone()
            .find(|&(_, c)| {
                seen += c;
                seen > rank
            })
            .map_or(0, |(l, _)| l)
    };
    let median = (at_rank((n - 1) / 2) as f64 + at_rank(n / 2) as f64) / 2.0;
    let short: u64 = hist
        .filter(|&(l, _)| l < SHORT_FRAGMENT)
        .map(|(_, c)| c)
        .sum();
    Some(LengthSummary {
        median,
        short_fraction: short as f64 / n as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_short_share() {
        let summary = |l: &[u32]| l.iter().copied().collect::<LengthHistogram>().summary();
        assert_eq!(summary(&[]), None);
        let s = summary(&[170, 120, 160]).unwrap();
        assert_eq!(s.median, 160.0);
        assert!((s.short_fraction - 1.0 / 3.0).abs() < 1e-12);
        let s = summary(&[100, 149, 150, 200]).unwrap();
        assert_eq!(s.median, 149.5);
        assert_eq!(s.short_fraction, 0.5);
        assert_eq!(summarise_histogram([(100, 0)]), None);
        // Even count: the middle pair 100 and 167 is averaged.
        let s = summarise_histogram([(100, 2), (167, 1), (200, 1)]).unwrap();
        assert_eq!(s.median, 133.5);
        assert_eq!(s.short_fraction, 0.5);
        let s = summarise_histogram([(100, 3), (167, 4)]).unwrap();
        assert_eq!(s.median, 167.0);
    }

    #[test]
    fn merging_does_not_depend_on_order() {
        let model = SiteModel::new(5, b"A", b"G", None);
        let tally = |lengths: &[u32]| {
            let mut c = SiteCounts::new(&model);
            for &fragment_length in lengths {
                let allele = Allele::Ref;
                let obs = Observation {
                    allele,
                    qual: 30,
                    reverse: false,
                    fragment_length,
                };
                c.add(&model, FragmentCall::Observed(obs));
            }
            c
        };
        let (a, b) = (tally(&[167, 140, 167]), tally(&[90, 167]));
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(b);
        ba.merge(a);
        // Length lists appended in merge order differed here.
        assert_eq!(ab, ba);
        let h = &ab.ref_lengths;
        assert_eq!(h.iter().collect::<Vec<_>>(), [(90, 1), (140, 1), (167, 3)]);
        assert_eq!(h.total(), 5);
        assert_eq!(h.lengths().collect::<Vec<_>>(), [90, 140, 167, 167, 167]);
    }

    #[test]
    fn long_lengths_keep_their_order() {
        // 1000 is the last length of the dense array, 1001 the first of the
        // map; u32::MAX is what a huge TLEN gives.
        let mut a: LengthHistogram = [u32::MAX, 1001, 1000, 167].into_iter().collect();
        a.merge(&[1001, 2].into_iter().collect());
        let expect = [(2, 1), (167, 1), (1000, 1), (1001, 2), (u32::MAX, 1)];
        assert_eq!(a.iter().collect::<Vec<_>>(), expect);
        // Long lengths only: no dense array, yet equal to the same counts
        // merged into a histogram that has one.
        let long: LengthHistogram = [1001].into_iter().collect();
        let mut merged: LengthHistogram = [3].into_iter().collect();
        assert_ne!(long, merged);
        merged.merge(&long);
        assert_eq!(merged.iter().collect::<Vec<_>>(), [(3, 1), (1001, 1)]);
        let mut dense_but_empty = LengthHistogram {
            dense: vec![0; DENSE_LENGTHS],
            ..Default::default()
        };
        assert!(dense_but_empty.is_empty() && LengthHistogram::default().is_empty());
        dense_but_empty.merge(&long);
        assert_eq!(dense_but_empty, long);
    }

    #[test]
    fn per_base_columns_and_depth() {
        let model = SiteModel::new(5, b"A", b"G", None);
        let mut c = SiteCounts::new(&model);
        let o = |allele, reverse| {
            FragmentCall::Observed(Observation {
                allele,
                qual: 30,
                reverse,
                fragment_length: 140,
            })
        };
        c.add(&model, o(Allele::Ref, false));
        c.add(&model, o(Allele::Alt, true));
        c.add(&model, o(Allele::Other(b'T'), false));
        c.add(&model, o(Allele::Other(b'*'), false));
        c.add(&model, o(Allele::LowQuality, false));
        c.add(&model, FragmentCall::Discordant);
        assert_eq!(
            (c.ref_count(), c.alt_count(), c.other, c.depth()),
            (1, 1, 2, 4)
        );
        assert_eq!((c.alt_rev, c.low_quality, c.discordant), (1, 1, 1));
        assert_eq!(c.bases, Some([1, 0, 1, 1, 0, 1]));
        assert_eq!(c.vaf(), Some(0.25));
        assert_eq!(c.alt_lengths, LengthHistogram::from_iter([140]));
        let mnv = SiteModel::new(5, b"AC", b"GG", None);
        assert_eq!(SiteCounts::new(&mnv).bases, None);
    }
}
