//! Background: what the fragments show at the positions around the hotspots
//! that are not hotspots. Their mismatches are the sequencing and PCR error
//! a real call must beat (see `stats::background`).
//!
//! Counted with the same filters and the same collapse rule as the
//! hotspots ([`super::fragment::collapse`]): two overlapping mates give one
//! observation per position when they agree, a low-quality base defers to
//! its mate's confident one, and confident disagreeing mates give none.
//! Which reads make a whole unit, and its strand, are the
//! [`super::Unit`]'s rules, applied by the engines. Positions within
//! [`HOTSPOT_MARGIN`] bp of a hotspot are left out.

use super::allele::cigar_op::{DEL, DIFF, EQUAL, INS, MATCH, REF_SKIP, SOFT_CLIP};
use super::allele::AlignedRead;
use super::fragment::{collapse, Collapsed};

/// Positions this close to a hotspot's footprint are not background.
pub const HOTSPOT_MARGIN: i64 = 2;

/// Index of a base in the `[A, C, G, T]` tallies, `None` for anything else.
pub fn base_index(b: u8) -> Option<usize> {
    crate::bases::code(b).map(usize::from)
}

/// Fragment-level base tallies over one reference window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackgroundWindow {
    pub contig: String,
    /// 0-based position of `reference[0]`.
    pub start: i64,
    /// Upper-case reference bases of the window.
    pub reference: Vec<u8>,
    /// Per position: left out (near a hotspot, or not A/C/G/T).
    pub excluded: Vec<bool>,
    /// Per position, per fragment strand (0 forward, 1 reverse): fragments
    /// showing A, C, G, T.
    pub counts: Vec<[[u32; 4]; 2]>,
}

impl BackgroundWindow {
    /// An empty window; `hotspots` are footprints (0-based, half-open) to
    /// leave out, with [`HOTSPOT_MARGIN`] around each.
    pub fn new(contig: &str, start: i64, reference: Vec<u8>, hotspots: &[(i64, i64)]) -> Self {
        let n = reference.len();
        let excluded = (0..n)
            .map(|i| {
                let p = start + i as i64;
                base_index(reference[i]).is_none()
                    || hotspots
                        .iter()
                        .any(|&(s, e)| p >= s - HOTSPOT_MARGIN && p < e + HOTSPOT_MARGIN)
            })
            .collect();
        BackgroundWindow {
            contig: contig.to_string(),
            start,
            reference,
            excluded,
            counts: vec![[[0; 4]; 2]; n],
        }
    }

    /// Add the tallies of another copy of this window.
    pub fn merge(&mut self, other: &BackgroundWindow) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            for (sa, sb) in a.iter_mut().zip(b) {
                for (x, y) in sa.iter_mut().zip(sb) {
                    *x += y;
                }
            }
        }
    }

    /// Add one fragment: a read alone, or two mates. `reverse` is the
    /// fragment's strand (read 1's).
    ///
    /// The hot loop of `call`: every aligned base of every fetched read
    /// passes here. So each read is decoded once (not per base), its
    /// CIGAR walked once into aligned stretches cut to the window, and the
    /// bases tallied stretch by stretch; only where the two mates overlap
    /// is a base held back for [`collapse`].
    pub fn add_fragment<R: AlignedRead + ?Sized>(
        &mut self,
        read: &R,
        mate: Option<&R>,
        reverse: bool,
        min_baseq: u8,
    ) {
        let strand = usize::from(reverse);
        SCRATCH.with(|scratch| {
            let Scratch {
                first,
                second,
                held,
            } = &mut *scratch.borrow_mut();
            first.load(read, self.start, self.reference.len());
            let Some(mate) = mate else {
                self.tally(first, 0..self.reference.len(), strand, min_baseq);
                return;
            };
            second.load(mate, self.start, self.reference.len());
            // Window positions both mates' aligned stretches span (either
            // may still have a deletion there).
            let both = first.span().start.max(second.span().start)
                ..first.span().end.min(second.span().end);
            if both.is_empty() {
                self.tally(first, 0..self.reference.len(), strand, min_baseq);
                self.tally(second, 0..self.reference.len(), strand, min_baseq);
                return;
            }
            // Outside the overlap each mate's bases count alone.
            for read in [&*first, &*second] {
                self.tally(read, 0..both.start, strand, min_baseq);
                self.tally(read, both.end..self.reference.len(), strand, min_baseq);
            }
            // Inside it, when neither mate has a deletion there (the usual
            // case): the two mates' bases side by side.
            if let (Some(a), Some(b)) = (first.slices(both.clone()), second.slices(both.clone())) {
                let excluded = &self.excluded[both.clone()];
                let counts = &mut self.counts[both.clone()];
                for k in 0..both.len() {
                    // `collapse` without branches: the confident base, the
                    // first's when both are, and none when two confident
                    // ones differ (or neither is confident).
                    let (ok_a, ok_b) = (a.1[k] >= min_baseq, b.1[k] >= min_baseq);
                    let base = if ok_a { a.0[k] } else { b.0[k] };
                    let agree = !(ok_a && ok_b) || a.0[k] == b.0[k];
                    let counted = (ok_a || ok_b) && agree && base < NO_BASE && !excluded[k];
                    counts[k][strand][usize::from(base & 3)] += u32::from(counted);
                }
                return;
            }
            // Else: the first mate's bases held by position, the
            // second's collapsed with them, and the first's that found no
            // partner (the second has a deletion there) counted alone.
            held.clear();
            held.resize(both.len(), Held::Absent);
            let excluded = &self.excluded;
            first.each_base(both.clone(), |i, base, qual| {
                if !excluded[i] {
                    held[i - both.start] = Held::Base(base, qual >= min_baseq);
                }
            });
            let counts = &mut self.counts;
            second.each_base(both.clone(), |i, base, qual| {
                if excluded[i] {
                    return;
                }
                let confident = (qual >= min_baseq).then_some(base);
                let seen = match std::mem::replace(&mut held[i - both.start], Held::Used) {
                    Held::Base(b, ok) => match collapse(ok.then_some(b), confident) {
                        Collapsed::Read(b) => Some(b),
                        Collapsed::LowQuality | Collapsed::Discordant => None,
                    },
                    Held::Absent | Held::Used => confident,
                };
                if let Some(b) = seen.filter(|&b| b < NO_BASE) {
                    counts[i][strand][usize::from(b)] += 1;
                }
            });
            for (k, h) in held.iter().enumerate() {
                if let Held::Base(b, true) = *h {
                    if b < NO_BASE {
                        self.counts[both.start + k][strand][usize::from(b)] += 1;
                    }
                }
            }
        });
    }

    /// Add one fragment already merged by [`merged_bases`]: the tally
    /// [`Self::add_fragment`] makes of the same reads, without decoding
    /// them again (a molecule background needs the merged bases anyway).
    pub(crate) fn add_merged(&mut self, merged: &MergedBases, reverse: bool) {
        let strand = usize::from(reverse);
        let counts = &mut self.counts[merged.first..merged.first + merged.bases.len()];
        for (c, &b) in counts.iter_mut().zip(&merged.bases) {
            if b < NO_BASE {
                c[strand][usize::from(b)] += 1;
            }
        }
    }

    /// Count the confident A/C/G/T bases of `read` at the window positions
    /// in `range` that are not left out: stretch by stretch, each a run of
    /// adjacent slices.
    fn tally(
        &mut self,
        read: &Decoded,
        range: std::ops::Range<usize>,
        strand: usize,
        min_baseq: u8,
    ) {
        for &(i, q, n) in &read.stretches {
            let (lo, hi) = (i.max(range.start), (i + n).min(range.end));
            if lo >= hi {
                continue;
            }
            let from = q + (lo - i);
            let len = hi - lo;
            let bases = &read.bases[from..from + len];
            let quals = &read.quals[from..from + len];
            let excluded = &self.excluded[lo..hi];
            let counts = &mut self.counts[lo..hi];
            for k in 0..len {
                let b = bases[k];
                if quals[k] >= min_baseq && !excluded[k] && b < NO_BASE {
                    counts[k][strand][usize::from(b)] += 1;
                }
            }
        }
    }
}

/// A base of the first mate where the two overlap.
#[derive(Clone, Copy)]
enum Held {
    /// The first mate has no aligned base here (a deletion, or left out).
    Absent,
    /// Its base, and whether its quality is confident.
    Base(u8, bool),
    /// Merged with the second mate's already.
    Used,
}

/// The code of a base that is not A, C, G or T.
const NO_BASE: u8 = 4;

/// One read decoded for the tally: its bases' codes (A 0, C 1, G 2, T 3,
/// else [`NO_BASE`]; two non-ACGT bases may differ as letters yet both
/// count for nothing, alone, merged or discordant) and qualities, and its
/// aligned stretches cut to the window, as (first window index, first
/// query index, length), in reference order.
#[derive(Default)]
struct Decoded {
    bases: Vec<u8>,
    quals: Vec<u8>,
    stretches: Vec<(usize, usize, usize)>,
}

impl Decoded {
    fn load<R: AlignedRead + ?Sized>(&mut self, read: &R, start: i64, len: usize) {
        read.base_codes_into(&mut self.bases);
        read.quals_into(&mut self.quals);
        self.stretches.clear();
        let len = len as i64;
        let (mut r, mut q) = (read.ref_start() - start, 0usize);
        for &c in read.cigar() {
            let (op, n) = (c & 0xf, (c >> 4) as usize);
            match op {
                MATCH | EQUAL | DIFF => {
                    // The part of [r, r + n) inside [0, len).
                    let (lo, hi) = (r.max(0), (r + n as i64).min(len));
                    if lo < hi {
                        let skip = (lo - r) as usize;
                        self.stretches
                            .push((lo as usize, q + skip, (hi - lo) as usize));
                    }
                    r += n as i64;
                    q += n;
                }
                INS | SOFT_CLIP => q += n,
                DEL | REF_SKIP => r += n as i64,
                _ => {}
            }
        }
        // A CIGAR that claims more bases than the read holds (a SEQ `*`
        // is refused before this) reads past its end as N of quality 0,
        // as `AlignedRead::base` and `qual` do for a BAM record.
        let need = self.stretches.last().map_or(0, |&(_, q, n)| q + n);
        if self.bases.len() < need {
            self.bases.resize(need, NO_BASE);
        }
        if self.quals.len() < need {
            self.quals.resize(need, 0);
        }
    }

    /// Window positions from the first aligned base to past the last.
    fn span(&self) -> std::ops::Range<usize> {
        match (self.stretches.first(), self.stretches.last()) {
            (Some(&(a, _, _)), Some(&(b, _, n))) => a..b + n,
            _ => 0..0,
        }
    }

    /// The bases and qualities at the window positions `range`, when one
    /// stretch covers all of it.
    fn slices(&self, range: std::ops::Range<usize>) -> Option<(&[u8], &[u8])> {
        let &(i, q, _) = self
            .stretches
            .iter()
            .find(|&&(i, _, n)| i <= range.start && range.end <= i + n)?;
        let from = q + (range.start - i);
        let to = from + range.len();
        Some((&self.bases[from..to], &self.quals[from..to]))
    }

    /// `f(window index, base code, quality)` for every aligned base at the
    /// window positions in `range`, in order.
    #[inline(always)]
    fn each_base(&self, range: std::ops::Range<usize>, mut f: impl FnMut(usize, u8, u8)) {
        for &(i, q, n) in &self.stretches {
            let (lo, hi) = (i.max(range.start), (i + n).min(range.end));
            if lo >= hi {
                continue;
            }
            let from = q + (lo - i);
            let bases = &self.bases[from..from + (hi - lo)];
            let quals = &self.quals[from..from + (hi - lo)];
            for k in 0..hi - lo {
                f(lo + k, bases[k], quals[k]);
            }
        }
    }
}

/// Per-thread buffers, so no read allocates.
#[derive(Default)]
struct Scratch {
    first: Decoded,
    second: Decoded,
    held: Vec<Held>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// One fragment's bases in a window as [`BackgroundWindow::add_fragment`]
/// merges them, with their qualities, for a consensus of its family
/// ([`crate::count::molecule::background`]): `bases[k]`, `quals[k]` are at
/// window index `first + k`, a base code (0-3) where the fragment shows one
/// confidently (mates merged by [`collapse`], the higher quality kept when
/// they agree), else [`NO_BASE`] or above. Positions left out are not.
pub(crate) struct MergedBases {
    pub first: usize,
    pub bases: Vec<u8>,
    pub quals: Vec<u8>,
}

/// [`MergedBases`] of `read` (and `mate`) in `window`.
pub(crate) fn merged_bases<R: AlignedRead + ?Sized>(
    window: &BackgroundWindow,
    read: &R,
    mate: Option<&R>,
    min_baseq: u8,
) -> MergedBases {
    // Not yet seen: apart from the codes and NO_BASE (a confident base
    // that is not A/C/G/T, which collapses as a base of its own).
    const ABSENT: u8 = u8::MAX;
    SCRATCH.with(|scratch| {
        let Scratch { first, second, .. } = &mut *scratch.borrow_mut();
        let n = window.reference.len();
        first.load(read, window.start, n);
        let mut span = first.span();
        if let Some(mate) = mate {
            second.load(mate, window.start, n);
            let s = second.span();
            if !s.is_empty() {
                span = if span.is_empty() {
                    s
                } else {
                    span.start.min(s.start)..span.end.max(s.end)
                };
            }
        }
        let mut out = MergedBases {
            first: span.start,
            bases: vec![ABSENT; span.len()],
            quals: vec![0; span.len()],
        };
        first.each_base(span.clone(), |i, base, qual| {
            if qual >= min_baseq {
                out.bases[i - span.start] = base;
                out.quals[i - span.start] = qual;
            }
        });
        if mate.is_some() {
            second.each_base(span.clone(), |i, base, qual| {
                let k = i - span.start;
                if qual < min_baseq {
                    return;
                }
                let (seen, q) = (out.bases[k], out.quals[k]);
                let confident = |b: u8| (b != ABSENT).then_some(b);
                match collapse(confident(seen), Some(base)) {
                    Collapsed::Read(b) => (out.bases[k], out.quals[k]) = (b, q.max(qual)),
                    Collapsed::LowQuality | Collapsed::Discordant => out.bases[k] = NO_BASE,
                }
            });
        }
        for (k, b) in out.bases.iter_mut().enumerate() {
            if window.excluded[span.start + k] {
                *b = NO_BASE;
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::allele::tests::test_read;

    const REF: &[u8] = b"ACGTACGTACGTACGTACGT";

    fn total(w: &BackgroundWindow) -> [u32; 4] {
        let mut t = [0; 4];
        for c in &w.counts {
            for s in c {
                for b in 0..4 {
                    t[b] += s[b];
                }
            }
        }
        t
    }

    #[test]
    fn hotspots_and_margins_are_left_out() {
        // Hotspot at 0-based 10; margin 2 leaves out 8..=12.
        let w = BackgroundWindow::new("c", 0, REF.to_vec(), &[(10, 11)]);
        let out: Vec<usize> = (0..20).filter(|&i| w.excluded[i]).collect();
        assert_eq!(out, vec![8, 9, 10, 11, 12]);
    }

    #[test]
    fn overlapping_mates_count_once_and_disagreements_drop() {
        let mut w = BackgroundWindow::new("c", 0, REF.to_vec(), &[]);
        let r1 = test_read(1, "10M", "ACGTACGTAC"); // 0..10
        let mut mate_seq = b"TACGTACGTA".to_vec(); // 0-based 7..17
        mate_seq[1] = b'T'; // position 8: A vs T → discordant
        let r2 = test_read(8, "10M", std::str::from_utf8(&mate_seq).unwrap());
        w.add_fragment(&r1, Some(&r2), false, 20);
        // Positions 0..17 once each, except 8 (discordant): 16 observations.
        assert_eq!(total(&w).iter().sum::<u32>(), 16);
        assert_eq!(w.counts[8], [[0; 4]; 2]);
        assert_eq!(w.counts[7][0], [0, 0, 0, 1]); // T
    }

    #[test]
    fn low_quality_defers_and_strand_is_kept() {
        let mut w = BackgroundWindow::new("c", 0, REF.to_vec(), &[]);
        let r1 = test_read(1, "4M", "ACGT").with_qual_at(2, 5);
        let r2 = test_read(1, "4M", "ACCT"); // position 2: confident C vs low G
        w.add_fragment(&r1, Some(&r2), true, 20);
        assert_eq!(w.counts[2][1], [0, 1, 0, 0]);
        assert_eq!(total(&w).iter().sum::<u32>(), 4);
        // A single read with an insertion and a deletion: aligned bases only.
        let mut w = BackgroundWindow::new("c", 0, REF.to_vec(), &[]);
        let r = test_read(1, "2M1I2M2D2M", "ACGGTCG");
        w.add_fragment(&r, None, false, 20);
        assert_eq!(total(&w), [1, 2, 2, 1]);
    }

    #[test]
    fn a_deletion_inside_the_overlap_leaves_the_other_mate_alone() {
        let mut w = BackgroundWindow::new("c", 0, REF.to_vec(), &[]);
        // Read 1: 0..6, deleted 6..8, 8..12. Read 2: 4..14, its base at
        // 6 low quality, at 9 a confident T where read 1 shows the
        // reference's C.
        let r1 = test_read(1, "6M2D4M", "ACGTACACGT");
        let r2 = test_read(5, "10M", "ACGTATGTAC").with_qual_at(2, 5);
        w.add_fragment(&r1, Some(&r2), false, 20);
        // 0..14 once each, less 6 (only a low-quality base) and 9
        // (discordant).
        assert_eq!(total(&w).iter().sum::<u32>(), 12);
        assert_eq!(w.counts[6], [[0; 4]; 2]);
        assert_eq!(w.counts[7][0], [0, 0, 0, 1]); // read 2's T alone
        assert_eq!(w.counts[9], [[0; 4]; 2]);
        assert_eq!(w.counts[13][0], [0, 1, 0, 0]); // read 2's last base, C
    }

    /// The merged bases tallied give what `add_fragment` tallies, on the
    /// cases above and an N against a base, with a hotspot's margin left
    /// out: the molecule background tallies its raw fragments that way.
    #[test]
    fn merged_bases_tally_as_add_fragment_does() {
        let cases = [
            (
                test_read(1, "10M", "ACGTACGTAC"),
                Some(test_read(8, "10M", "TTCGTACGTA")),
            ),
            (
                test_read(1, "4M", "ACGT").with_qual_at(2, 5),
                Some(test_read(1, "4M", "ACCT")),
            ),
            (test_read(1, "2M1I2M2D2M", "ACGGTCG"), None),
            (
                test_read(1, "6M2D4M", "ACGTACACGT"),
                Some(test_read(5, "10M", "ACGTATGTAC").with_qual_at(2, 5)),
            ),
            (test_read(1, "3M2I10M", "ACGTTTACGTACGTA"), None),
            (
                test_read(1, "8M", "ACNTACGT"),
                Some(test_read(3, "8M", "GTACNTAC")),
            ),
            (
                test_read(9, "6M", "ACGTAC"),
                Some(test_read(1, "4M", "ACGT")),
            ),
        ];
        for (start, hotspots) in [(0, vec![]), (0, vec![(10, 11)]), (5, vec![])] {
            let reference = REF[start as usize..15].to_vec();
            for ((r1, r2), reverse) in cases.iter().flat_map(|c| [(c, false), (c, true)]) {
                let mut direct = BackgroundWindow::new("c", start, reference.clone(), &hotspots);
                let mut merged = direct.clone();
                direct.add_fragment(r1, r2.as_ref(), reverse, 20);
                let bases = merged_bases(&merged, r1, r2.as_ref(), 20);
                merged.add_merged(&bases, reverse);
                assert_eq!(direct.counts, merged.counts, "{r1:?} {r2:?} at {start}");
            }
        }
    }

    #[test]
    fn reads_are_cut_to_the_window() {
        // Window 5..15; the read spans 0..13 with 2 inserted bases.
        let mut w = BackgroundWindow::new("c", 5, REF[5..15].to_vec(), &[]);
        let r = test_read(1, "3M2I10M", "ACGTTTACGTACGTA");
        w.add_fragment(&r, None, true, 20);
        // Positions 5..13 of its 10M part (reference 3..13): eight bases.
        assert_eq!(total(&w).iter().sum::<u32>(), 8);
        assert_eq!(w.counts[0][1], [0, 1, 0, 0]); // reference 5: C
        assert_eq!(w.counts[7][1], [1, 0, 0, 0]); // reference 12: A
        assert_eq!(w.counts[8], [[0; 4]; 2]);
    }
}
