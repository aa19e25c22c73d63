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

    fn slot(&self, pos: i64) -> Option<usize> {
        let i = usize::try_from(pos - self.start).ok()?;
        (i < self.reference.len() && !self.excluded[i]).then_some(i)
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
    pub fn add_fragment<R: AlignedRead + ?Sized>(
        &mut self,
        read: &R,
        mate: Option<&R>,
        reverse: bool,
        min_baseq: u8,
    ) {
        let strand = usize::from(reverse);
        let Some(mate) = mate else {
            for_each_aligned(read, |pos, q| {
                if let Some(i) = self.slot(pos) {
                    if read.qual(q) >= min_baseq {
                        if let Some(b) = base_index(read.base(q)) {
                            self.counts[i][strand][b] += 1;
                        }
                    }
                }
            });
            return;
        };
        // Bases of the first mate by position, then the second merged in.
        let mut first: Vec<(i64, u8, bool)> = Vec::new(); // (pos, base, confident)
        for_each_aligned(read, |pos, q| {
            if self.slot(pos).is_some() {
                first.push((pos, read.base(q), read.qual(q) >= min_baseq));
            }
        });
        let mut used = vec![false; first.len()];
        for_each_aligned(mate, |pos, q| {
            let Some(i) = self.slot(pos) else { return };
            let (mb, mok) = (mate.base(q), mate.qual(q) >= min_baseq);
            let base = match first.binary_search_by_key(&pos, |x| x.0) {
                Ok(k) => {
                    used[k] = true;
                    let (fb, fok) = (first[k].1, first[k].2);
                    match collapse(fok.then_some(fb), mok.then_some(mb)) {
                        Collapsed::Read(b) => Some(b),
                        Collapsed::LowQuality | Collapsed::Discordant => None,
                    }
                }
                Err(_) => mok.then_some(mb),
            };
            if let Some(b) = base.and_then(base_index) {
                self.counts[i][strand][b] += 1;
            }
        });
        for (k, &(pos, b, ok)) in first.iter().enumerate() {
            if !used[k] && ok {
                if let (Some(i), Some(b)) = (self.slot(pos), base_index(b)) {
                    self.counts[i][strand][b] += 1;
                }
            }
        }
    }
}

/// Call `f(ref_pos, query_pos)` for every aligned base of a read, in order.
fn for_each_aligned<R: AlignedRead + ?Sized>(read: &R, mut f: impl FnMut(i64, usize)) {
    let (mut r, mut q) = (read.ref_start(), 0usize);
    for &c in read.cigar() {
        let (op, len) = (c & 0xf, (c >> 4) as usize);
        match op {
            MATCH | EQUAL | DIFF => {
                for k in 0..len {
                    f(r + k as i64, q + k);
                }
                r += len as i64;
                q += len;
            }
            INS | SOFT_CLIP => q += len,
            DEL | REF_SKIP => r += len as i64,
            _ => {}
        }
    }
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
}
