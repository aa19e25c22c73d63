//! Re-placing a soft-clipped read near a panel indel or MNV (BAM mode).
//!
//! An aligner pays a gap penalty for an indel (bwa mem: 6 + 1 a base) and
//! 4 a mismatch, but only 5 to clip a read end. A read whose end lies
//! within ~20 bp past a 15 bp deletion is therefore written `112M15S` or
//! `16S122M`, and one that ends in an MNV's two mismatches clips them: the
//! CIGAR no longer spans the allele, and the read would not count. Such a
//! read (a clip of at least [`MIN_CLIP`] bases whose boundary lies within
//! [`MARGIN`] bp of the footprint of a site that [`may hide in a
//! clip`](SiteModel::may_hide_in_clip)) is placed afresh from its whole
//! sequence, clipped bases included, by the FASTQ engine's own placer
//! ([`Placer::align_on`]): on the reference around the site, where the
//! panel's indels cost nothing and its alt bases match (so the reference
//! and the alt haplotypes are tried alike), with the diagonal the
//! aligner's placement gives. The site then classifies that placement, so
//! BAM mode counts the read as FASTQ mode counts it. Every other read, and
//! every SNV site, is classified from its CIGAR as before.

use super::allele::cigar_op::{HARD_CLIP, SOFT_CLIP};
use super::allele::SiteModel;
use super::fastq::index::{Window, WINDOW_PAD};
use super::fastq::place::{Placement, Placer, MAX_BAND};
use super::SiteGroup;
use crate::panel::Panel;
use crate::reference::Reference;

/// Shortest soft clip that is re-placed. bwa mem keeps a single mismatching
/// last base aligned (a mismatch costs 4, a clip 5), so a one-base clip is
/// rare and its one base says little; two bases already show an MNV or the
/// far side of a deletion.
pub const MIN_CLIP: u32 = 2;

/// How far (bp) beyond a site's footprint a clip's boundary may lie and
/// still be re-placed: an aligner may align a few bases past the event
/// (they happen to match) before it clips.
pub const MARGIN: i64 = 10;

/// Soft-clipped bases at the start and at the end of a CIGAR (BAM
/// encoding); hard clips, which hold no bases, are looked through.
pub fn soft_clips(cigar: &[u32]) -> (u32, u32) {
    (clip_at(cigar.iter()), clip_at(cigar.iter().rev()))
}

/// The soft clip that `ops` (a CIGAR from one end) starts with.
fn clip_at<'a>(mut ops: impl Iterator<Item = &'a u32>) -> u32 {
    ops.find(|&&c| c & 0xf != HARD_CLIP)
        .filter(|&&c| c & 0xf == SOFT_CLIP)
        .map_or(0, |&c| c >> 4)
}

/// What one group of sites needs to re-place clipped reads: the reference
/// window around it (as the FASTQ engine builds one) and a placer.
#[derive(Debug)]
pub struct Reclipper {
    window: Window,
    placer: Placer,
    /// Each of the group's sites (in group order): its footprint when its
    /// allele may hide in a clip.
    footprints: Vec<Option<(i64, i64)>>,
}

/// Where a read lies, as [`Reclipper`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSpan {
    /// 0-based reference start and end (exclusive) of its aligned bases.
    pub pos: i64,
    pub end: i64,
    /// Soft-clipped bases at its start and end ([`soft_clips`]).
    pub clips: (u32, u32),
}

impl Reclipper {
    /// `None` when no site of the group may hide in a clip (nothing to
    /// re-place), or when the reference lacks the group's bases.
    pub fn new(
        group: &SiteGroup,
        panel: &Panel,
        models: &[SiteModel],
        reference: &dyn Reference,
    ) -> Option<Self> {
        let footprints: Vec<Option<(i64, i64)>> = group
            .sites
            .iter()
            .map(|&i| models[i].may_hide_in_clip().then(|| models[i].footprint()))
            .collect();
        if footprints.iter().all(Option::is_none) {
            return None;
        }
        let window = Window::around_group(group, panel, models, reference, WINDOW_PAD)?;
        Some(Reclipper {
            window,
            placer: Placer::default(),
            footprints,
        })
    }

    /// Does the read have a clip at or near the group's site `j`?
    pub fn near(&self, j: usize, read: &ReadSpan) -> bool {
        let Some((fs, fe)) = self.footprints[j] else {
            return false;
        };
        let near = |b: i64| b >= fs - MARGIN && b <= fe + MARGIN;
        (read.clips.0 >= MIN_CLIP && near(read.pos)) || (read.clips.1 >= MIN_CLIP && near(read.end))
    }

    /// Place the read's bases `seq` (reference orientation, clipped bases
    /// included) with Phred `qual` afresh; `None` when it places too poorly.
    pub fn place(&mut self, read: &ReadSpan, seq: Vec<u8>, qual: Vec<u8>) -> Option<Placement> {
        let len = seq.len() as i64;
        let start = self.window.start;
        // The diagonal of its first base had it no clip, and that of its
        // last: they differ by the indels in its CIGAR. The band reaches
        // both, as the FASTQ placer's reaches every seed's.
        let diag = read.pos - read.clips.0 as i64 - start;
        let end_diag = read.end + read.clips.1 as i64 - len - start;
        let band = if (end_diag - diag).abs() <= MAX_BAND {
            (diag.min(end_diag) - 4, diag.max(end_diag) + 4)
        } else {
            (diag, diag)
        };
        self.placer.align_on(&self.window, seq, qual, diag, band)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::allele::tests::parse_cigar;

    #[test]
    fn soft_clips_look_through_hard_clips() {
        assert_eq!(soft_clips(&parse_cigar("112M15S")), (0, 15));
        assert_eq!(soft_clips(&parse_cigar("16S122M")), (16, 0));
        assert_eq!(soft_clips(&parse_cigar("5H3S20M4S2H")), (3, 4));
        assert_eq!(soft_clips(&parse_cigar("5H20M")), (0, 0));
        assert_eq!(soft_clips(&[]), (0, 0));
    }
}
