//! Which site groups are read in one pass, and in which order the workers
//! take the passes: deterministic by construction, since each pass's result
//! lands in its own slot whatever the order of work.

use crate::count::background::BackgroundWindow;
use crate::count::reclip::Reclipper;
use crate::count::refcheck::GroupRefChecks;
use crate::count::SiteGroup;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Groups closer than this on a contig are read in one pass. A BAI's linear
/// index has 16 kb windows: separate fetches of two groups in one window
/// start from the same file offset and would read the blocks between them
/// twice (15 MB of 135 on the deep benchmark BAM).
pub(super) const SHARED_WINDOW: i64 = 1 << 14;

/// About how far beyond an interval the reads that overlap it start or end
/// (a read length); only weighs passes for scheduling.
const READ_REACH: i64 = 150;

/// Site groups read in one pass of the multi-region iterator.
pub(in crate::count) struct Pass {
    pub(in crate::count) tid: u32,
    /// Indices into the groups, in position order.
    pub(in crate::count) members: Vec<usize>,
    /// What the pass reads: each group's span when the background is
    /// tallied (every fragment around it), else only the sites' footprints
    /// (a read that counts spans one).
    pub(super) intervals: Vec<(i64, i64)>,
    /// Each member's empty background window, taken by the worker.
    pub(super) windows: Mutex<Vec<Option<BackgroundWindow>>>,
    /// Each member's re-placer of clipped reads, taken by the worker.
    pub(super) reclippers: Mutex<Vec<Option<Reclipper>>>,
    /// Each member's REF checks against the reads' MD tags (only without a
    /// reference), taken by the worker.
    pub(super) ref_checks: Mutex<Vec<Option<GroupRefChecks>>>,
}

impl Pass {
    /// Roughly proportional to the records the pass reads at even depth:
    /// the bases within a read length of its intervals.
    fn weight(&self) -> i64 {
        let mut padded: Vec<(i64, i64)> = self
            .intervals
            .iter()
            .map(|&(s, e)| (s - READ_REACH, e + READ_REACH))
            .collect();
        padded.sort_unstable();
        let (mut total, mut reach) = (0, i64::MIN);
        for (s, e) in padded {
            total += (e - s.max(reach)).max(0);
            reach = reach.max(e);
        }
        total
    }
}

/// Consecutive groups (of `group_sites`, ordered by contig and position)
/// bundled into passes by [`SHARED_WINDOW`].
pub(super) fn fetch_passes(groups: &[SiteGroup]) -> Vec<Vec<usize>> {
    let mut passes: Vec<Vec<usize>> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let joins = passes.last().is_some_and(|p| {
            let last = &groups[*p.last().expect("passes are never empty")];
            last.contig == g.contig && g.start - last.end < SHARED_WINDOW
        });
        match passes.last_mut() {
            Some(p) if joins => p.push(i),
            _ => passes.push(vec![i]),
        }
    }
    passes
}

/// Run `count` on every pass, one worker per reader, and give the results
/// in pass order.
///
/// Largest passes first, each worker taking the next one left: the
/// longest-processing-time rule, which keeps two threads evenly busy where
/// an even split of the list would not (one group of seven TP53 sites
/// outweighs several single-site groups). Results land in their pass's
/// slot, so the order of work never shows in the output.
pub(super) fn largest_first<R: Send, T: Send>(
    passes: &[Pass],
    readers: Vec<R>,
    count: impl Fn(&mut R, &Pass) -> T + Sync,
) -> Vec<T> {
    let mut order: Vec<usize> = (0..passes.len()).collect();
    order.sort_by_key(|&p| std::cmp::Reverse(passes[p].weight()));
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = passes.iter().map(|_| Mutex::new(None)).collect();
    readers.into_par_iter().for_each(|mut reader| loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let Some(&p) = order.get(k) else { break };
        let result = count(&mut reader, &passes[p]);
        *slots[p].lock().expect("no panic holds it") = Some(result);
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("no panic holds it")
                .expect("every pass was counted")
        })
        .collect()
}
