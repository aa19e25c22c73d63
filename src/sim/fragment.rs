//! The first stage of a chunk: one unique fragment drawn for a block. Its
//! class (mutant with the plan's probability, then a tumour haplotype with
//! at least one mutation), its length from that class's table, its place
//! (uniform over the starts that overlap the target), the non-tumour ALTs
//! it carries ([`super::sources`]: one draw each, only in blocks that have
//! one), its bases and alignment ([`Fragment::build`]), and where its two
//! reads align.

use super::layout::Block;
use super::plan::BlockPlan;
use super::reads::{self, Event, Fragment, RefSpan};
use super::rng::SimRng;
use super::Simulation;

/// A unique fragment with the alignments of its two reads.
pub(crate) struct Drawn {
    pub frag: Fragment,
    /// Reference span (bp) of the fragment.
    pub len: u32,
    /// Bases per read: `min(read length, fragment bases)`.
    pub(crate) read_len: usize,
    /// Position and CIGAR of the left (forward) and right (reverse) read.
    pub left: (u64, Vec<u32>),
    pub right: (u64, Vec<u32>),
}

impl Drawn {
    /// Reference spans `[start, end)` of the two reads.
    pub fn spans(&self) -> [(u64, u64); 2] {
        [
            (self.left.0, reads::ref_end(self.left.0, &self.left.1)),
            (self.right.0, reads::ref_end(self.right.0, &self.right.1)),
        ]
    }
}

/// Buffers reused from one fragment to the next.
#[derive(Default)]
pub(crate) struct Scratch<'s> {
    haplotype: Vec<usize>,
    /// The haplotype's events, sorted: `Fragment::carried` indexes these.
    pub(crate) events: Vec<&'s Event>,
}

impl<'a> Simulation<'a> {
    /// Draw a tumour haplotype carrying at least one mutation: panel sites.
    fn draw_haplotype(&self, plan: &BlockPlan, rng: &mut SimRng, out: &mut Vec<usize>) {
        out.clear();
        for _ in 0..1_000_000 {
            for g in &plan.groups {
                let u = rng.uniform();
                let mut cum = 0.0;
                for &(site, share) in g {
                    cum += share;
                    if u < cum {
                        out.push(site);
                        break;
                    }
                }
            }
            if !out.is_empty() {
                return;
            }
        }
    }

    /// Draw one unique fragment of `block`; `None` when the draw does not
    /// fit (the plan counts it, the sample does not hold it).
    pub(super) fn draw_fragment<'s>(
        &'s self,
        block: &Block,
        plan: &BlockPlan,
        rng: &mut SimRng,
        scratch: &mut Scratch<'s>,
    ) -> Option<Drawn> {
        let mutant = plan.p_mutant > 0.0 && rng.uniform() < plan.p_mutant;
        let table = if mutant {
            self.draw_haplotype(plan, rng, &mut scratch.haplotype);
            plan.tumour_len.as_ref()
        } else {
            scratch.haplotype.clear();
            plan.healthy_len.as_ref()
        };
        let table = table?;
        let len = self.params.min_fragment + table.sample(rng) as u32;
        let (lo, hi) = block.start_range(len)?;
        let start = lo + rng.below(hi - lo + 1);
        scratch.events.clear();
        scratch
            .events
            .extend(scratch.haplotype.iter().map(|&s| &self.events[s]));
        for &(site, p_healthy, p_mutant) in &plan.sources {
            let p = if mutant { p_mutant } else { p_healthy };
            if rng.uniform() < p {
                scratch.events.push(&self.events[site]);
            }
        }
        // Stable: on one footprint the tumour's event comes first and wins.
        scratch.events.sort_by_key(|e| (e.start, e.end));
        let span = RefSpan {
            start: block.seq_start,
            seq: &block.seq,
        };
        let frag = Fragment::build(&span, start, start + len as u64, &scratch.events);
        let lm = frag.seq.len();
        let read_len = (self.params.read_length as usize).min(lm);
        let left = frag.alignment(0, read_len);
        let right = frag.alignment(lm - read_len, lm);
        Some(Drawn {
            frag,
            len,
            read_len,
            left,
            right,
        })
    }
}
