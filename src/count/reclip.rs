//! Re-placing a soft-clipped read near a panel indel or MNV (BAM mode).
//!
//! An aligner pays a gap penalty for an indel (bwa mem: 6 + 1 a base) and
//! 4 a mismatch, but only 5 to clip a read end. A read whose end lies
//! within ~20 bp past a 15 bp deletion is therefore written `112M15S` or
//! `16S122M`, and one that ends in an MNV's two mismatches clips them: the
//! CIGAR no longer spans the allele, and the read would not count. Such a
//! read (a clip of at least [`MIN_CLIP`] bases whose boundary lies within
//! [`MARGIN`] bp of the footprint of a site that [`may hide in a
//! clip`](SiteModel::may_hide_in_clip), or aligned bases that end inside
//! that footprint) is placed afresh from its whole
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

    /// Is the read to be re-placed for the group's site `j`: has it a clip
    /// at or near the site, or does an end of its aligned bases lie inside
    /// the site's footprint? The latter, unclipped, is a read whose last
    /// base past a deletion was kept as a mismatch (bwa mem clips only from
    /// two mismatches on); its CIGAR leaves it uncounted there, and
    /// placement, as in FASTQ mode, decides.
    pub fn near(&self, j: usize, read: &ReadSpan) -> bool {
        let Some((fs, fe)) = self.footprints[j] else {
            return false;
        };
        let near = |b: i64| b >= fs - MARGIN && b <= fe + MARGIN;
        let inside = |b: i64| b > fs && b < fe;
        (read.clips.0 >= MIN_CLIP && near(read.pos))
            || (read.clips.1 >= MIN_CLIP && near(read.end))
            || inside(read.pos)
            || inside(read.end)
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

    mod agree {
        use super::*;
        use crate::count::allele::{Allele, OwnedRead};
        use crate::count::fastq::index::PanelIndex;
        use crate::count::{CountOptions, CountPlan};
        use crate::reference::regional::RegionalFasta;
        use proptest::prelude::*;

        /// 0-based position of the base after the event's anchor.
        const AT: usize = 200;

        fn base() -> impl Strategy<Value = u8> {
            prop_oneof![Just(b'A'), Just(b'C'), Just(b'G'), Just(b'T')]
        }

        /// One random site: a deletion of `len` bases after the anchor
        /// (reference base AT - 1), or an insertion of `ins` there.
        struct Case {
            panel: Panel,
            reference: RegionalFasta,
            seq: Vec<u8>,
        }

        fn case(seq: &[u8], deletion: bool, len: usize, ins: &[u8]) -> Case {
            let anchor = seq[AT - 1] as char;
            let (r, a) = if deletion {
                (
                    String::from_utf8(seq[AT - 1..AT + len].to_vec()).unwrap(),
                    anchor.to_string(),
                )
            } else {
                (
                    anchor.to_string(),
                    format!("{anchor}{}", String::from_utf8(ins.to_vec()).unwrap()),
                )
            };
            let tsv = format!("contig\tpos\tref\talt\tid\nchrT\t{AT}\t{r}\t{a}\tX\n");
            let panel = Panel::from_bytes("t.tsv", tsv.as_bytes()).unwrap();
            let fasta = format!(">chrT\n{}\n", String::from_utf8(seq.to_vec()).unwrap());
            let reference = RegionalFasta::from_bytes("t.fa", fasta.as_bytes()).unwrap();
            Case {
                panel,
                reference,
                seq: seq.to_vec(),
            }
        }

        /// What the CIGAR walker, the re-placement of the read as an
        /// aligner clipped it, and the FASTQ placer (from the bare read)
        /// say.
        fn three_ways(c: &Case, full: &OwnedRead, clipped: &OwnedRead) -> [Option<Allele>; 3] {
            let plan = CountPlan::new(&c.panel, Some(&c.reference), &CountOptions::default());
            let site = &plan.models()[0];
            let walker = site.classify(full, 20);
            let mut reclipper =
                Reclipper::new(&plan.groups()[0], &c.panel, plan.models(), &c.reference).unwrap();
            let span = ReadSpan {
                pos: clipped.start,
                end: crate::count::bam::ref_end(clipped.start, &clipped.cigar),
                clips: soft_clips(&clipped.cigar),
            };
            let replaced = reclipper
                .place(&span, clipped.seq.clone(), clipped.qual.clone())
                .and_then(|p| site.classify(&p, 20));
            let index = PanelIndex::build(&plan).unwrap();
            let q33: Vec<u8> = full.qual.iter().map(|q| q + 33).collect();
            let fastq = Placer::default()
                .place(&index, &full.seq, &q33)
                .and_then(|p| site.classify(&p, 20));
            [walker, replaced, fastq]
        }

        fn read(start: usize, cigar: String, seq: &[u8]) -> OwnedRead {
            OwnedRead {
                start: start as i64,
                cigar: parse_cigar(&cigar),
                seq: seq.to_vec(),
                qual: vec![30; seq.len()],
            }
        }

        proptest! {
            // A fixed seed: the suite runs the same 96 cases every time.
            #![proptest_config(proptest::test_runner::Config { cases: 96, rng_seed: proptest::test_runner::RngSeed::Fixed(12), ..proptest::test_runner::Config::default() })]

            /// A read of the alt haplotype, written with the event in its
            /// CIGAR and written with the event's near side clipped: ALT
            /// all three ways. `short` (the clipped side) is long enough
            /// that the read cannot be read as the reference by chance.
            #[test]
            fn clipped_event_reads_agree(
                seq in proptest::collection::vec(base(), 2 * AT),
                deletion in any::<bool>(),
                len in 1usize..=20,
                ins in proptest::collection::vec(base(), 20),
                short in 16usize..=30,
                long in 60usize..=120,
                clip_right in any::<bool>(),
            ) {
                let ins = &ins[..len];
                let c = case(&seq, deletion, len, ins);
                let mut hap = c.seq[..AT].to_vec();
                if !deletion {
                    hap.extend_from_slice(ins);
                }
                let rest = if deletion { AT + len } else { AT };
                hap.extend_from_slice(&c.seq[rest..]);
                let ev = if deletion { format!("{len}D") } else { format!("{len}I") };
                let ins_len = if deletion { 0 } else { len };
                let (before, after) = if clip_right { (long, short) } else { (short, long) };
                let bases = &hap[AT - before..AT + ins_len + after];
                let full = read(AT - before, format!("{before}M{ev}{after}M"), bases);
                let clipped = if clip_right {
                    read(AT - before, format!("{before}M{}S", ins_len + after), bases)
                } else {
                    read(rest, format!("{}S{after}M", before + ins_len), bases)
                };
                prop_assert_eq!(three_ways(&c, &full, &clipped), [Some(Allele::Alt); 3]);
            }

            /// A reference read over the same sites: REF all three ways.
            #[test]
            fn reference_reads_agree(
                seq in proptest::collection::vec(base(), 2 * AT),
                deletion in any::<bool>(),
                len in 1usize..=20,
                ins in proptest::collection::vec(base(), 20),
                before in 16usize..=120,
                after in 40usize..=120,
            ) {
                let c = case(&seq, deletion, len, &ins[..len]);
                let bases = &c.seq[AT - before..AT + after];
                let r = read(AT - before, format!("{}M", before + after), bases);
                prop_assert_eq!(three_ways(&c, &r, &r), [Some(Allele::Ref); 3]);
            }
        }
    }
}
