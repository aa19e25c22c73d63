//! Per-site tallies, the one output type of every counting engine.

use super::allele::{Allele, SiteModel};
use super::fragment::{FragmentCall, Observation};

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
    pub ref_lengths: Vec<u32>,
    pub alt_lengths: Vec<u32>,
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

    /// Add another tally of the same site: sums, and length lists appended
    /// (callers merge in a fixed order, so the lists do not depend on the
    /// thread count).
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
        self.ref_lengths.extend(other.ref_lengths);
        self.alt_lengths.extend(other.alt_lengths);
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
                    self.ref_lengths.push(len);
                }
            }
            Allele::Alt => {
                *if obs.reverse {
                    &mut self.alt_rev
                } else {
                    &mut self.alt_fwd
                } += 1;
                if len > 0 {
                    self.alt_lengths.push(len);
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

/// Summarise lengths; `None` when there are none.
pub fn summarise_lengths(lengths: &[u32]) -> Option<LengthSummary> {
    let mut hist = std::collections::BTreeMap::<u32, u64>::new();
    for &l in lengths {
        *hist.entry(l).or_default() += 1;
    }
    summarise_histogram(&hist.into_iter().collect::<Vec<_>>())
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
pub fn summarise_histogram(hist: &[(u32, u64)]) -> Option<LengthSummary> {
    debug_assert!(hist.windows(2).all(|w| w[0].0 < w[1].0), "unsorted");
    let n: u64 = hist.iter().map(|&(_, c)| c).sum();
    if n == 0 {
        return None;
    }
    // The lengths at 0-based ranks (n-1)/2 and n/2: one length when n is
    // odd, the middle pair when it is even.
    let at_rank = |rank: u64| {
        let mut seen = 0;
        hist.iter()
            .find(|&&(_, c)| {
                seen += c;
                seen > rank
            })
            .map_or(0, |&(l, _)| l)
    };
    let median = (at_rank((n - 1) / 2) as f64 + at_rank(n / 2) as f64) / 2.0;
    let short: u64 = hist
        .iter()
        .filter(|&&(l, _)| l < SHORT_FRAGMENT)
        .map(|&(_, c)| c)
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
        assert_eq!(summarise_lengths(&[]), None);
        let s = summarise_lengths(&[170, 120, 160]).unwrap();
        assert_eq!(s.median, 160.0);
        assert!((s.short_fraction - 1.0 / 3.0).abs() < 1e-12);
        let s = summarise_lengths(&[100, 149, 150, 200]).unwrap();
        assert_eq!(s.median, 149.5);
        assert_eq!(s.short_fraction, 0.5);
        assert_eq!(summarise_histogram(&[(100, 0)]), None);
        // Even count: the middle pair 100 and 167 is averaged.
        let s = summarise_histogram(&[(100, 2), (167, 1), (200, 1)]).unwrap();
        assert_eq!(s.median, 133.5);
        assert_eq!(s.short_fraction, 0.5);
        let s = summarise_histogram(&[(100, 3), (167, 4)]).unwrap();
        assert_eq!(s.median, 167.0);
    }

    #[test]
    fn per_base_columns_and_depth() {
        let model = SiteModel::new(5, b"A", b"G", None);
        let mut c = SiteCounts::new(&model);
        let o = |allele, reverse| {
            FragmentCall::Observed(Observation {
                allele,
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
        assert_eq!(c.alt_lengths, vec![140]);
        let mnv = SiteModel::new(5, b"AC", b"GG", None);
        assert_eq!(SiteCounts::new(&mnv).bases, None);
    }
}
