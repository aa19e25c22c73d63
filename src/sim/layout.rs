//! Where fragments go: target windows around the hotspots, merged into
//! blocks that are simulated (and written) one after another.
//!
//! Each hotspot's target is its site (anchors included for indels) ±
//! `--window` bp. Fragments are captured when they overlap a target, so a
//! block also needs reference up to the longest fragment beyond its target;
//! both are clipped to what the reference holds (the demo windows hold ±500
//! bp around each site). Targets closer than the longest fragment are merged
//! into one block. Blocks further apart can still interleave their reads (a
//! long fragment at the right edge of one block puts its right read past
//! the left reads of the next), so the writer merges neighbouring blocks'
//! records, holding back only those at or past [`later_floors`]: the BAM is
//! sorted for any panel with no sort pass, one block in memory at a time.

use super::SimError;
use crate::count::SiteModel;
use crate::panel::Panel;
use crate::reference::Reference;

/// One stretch of reference that fragments are drawn from.
#[derive(Debug, Clone)]
pub struct Block {
    pub contig: String,
    /// Index of the contig in the BAM header.
    pub tid: usize,
    /// 0-based position of `seq[0]`; fragments lie inside `seq`.
    pub(crate) seq_start: u64,
    pub seq: Vec<u8>,
    /// Target `[target_start, target_end)`: every fragment overlaps it.
    pub(crate) target_start: u64,
    pub(crate) target_end: u64,
    /// No fragment starts before this (keeps consecutive blocks in order).
    pub(crate) start_floor: u64,
    /// Panel indices of the sites inside `seq`.
    pub sites: Vec<usize>,
}

impl Block {
    pub(crate) fn seq_end(&self) -> u64 {
        self.seq_start + self.seq.len() as u64
    }

    /// Inclusive range of start positions for a fragment spanning `len` bp
    /// of reference: it must overlap the target, fit in the sequence, and not
    /// start before the floor. `None` when there is no room.
    pub(crate) fn start_range(&self, len: u32) -> Option<(u64, u64)> {
        let len = len as i64;
        let lo = (self.seq_start as i64)
            .max(self.target_start as i64 - len + 1)
            .max(self.start_floor as i64);
        let hi = (self.seq_end() as i64 - len).min(self.target_end as i64 - 1);
        (hi >= lo).then_some((lo as u64, hi as u64))
    }

    /// The last possible fragment start.
    fn max_start(&self, min_len: u32) -> u64 {
        (self.seq_end() - min_len as u64).min(self.target_end - 1)
    }
}

/// For each block, the lowest position a record of any later block on the
/// same contig can have (fragments lie inside their block's `seq`, so no
/// read starts before its `seq_start`); `None` when no later block shares
/// the contig. Blocks are ordered by contig, so a record before this floor
/// can be written once its own block is made.
pub(crate) fn later_floors(blocks: &[Block]) -> Vec<Option<u64>> {
    let mut floors = vec![None; blocks.len()];
    let mut next: Option<(usize, u64)> = None;
    for (b, block) in blocks.iter().enumerate().rev() {
        floors[b] = next.filter(|n| n.0 == block.tid).map(|n| n.1);
        let lowest = floors[b].map_or(block.seq_start, |f| f.min(block.seq_start));
        next = Some((block.tid, lowest));
    }
    floors
}

/// Largest `d` in `0..=max` with `ok(d)`, for `ok` true at 0 and monotone.
fn largest(max: u64, ok: impl Fn(u64) -> bool) -> u64 {
    let (mut lo, mut hi) = (0u64, max);
    if ok(hi) {
        return hi;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Whether `reference` holds `contig` over `[s, e)`. Where it knows the
/// contig's length (an indexed FASTA: every stretch inside the contig can
/// be read) that is arithmetic; else (regional windows, in memory) a fetch
/// tells. Planning asks this ~20 times per site (bisecting each side's
/// reach) and once per merge of a growing span: as fetches from an indexed
/// FASTA, those were disk reads, up to a whole merged block each.
fn holds(reference: &dyn Reference, contig: &str, s: u64, e: u64) -> bool {
    match reference.contig_len(contig) {
        Some(len) => s <= e && e <= len,
        None => reference.fetch(contig, s, e).is_ok(),
    }
}

/// Plan the blocks. `contig_tid` maps a contig to its header index.
pub(crate) fn plan_blocks(
    panel: &Panel,
    models: &[SiteModel],
    reference: &dyn Reference,
    pad: u64,
    min_len: u32,
    max_len: u32,
    contig_tid: &dyn Fn(&str) -> usize,
) -> Result<Vec<Block>, SimError> {
    struct Item {
        contig: String,
        tid: usize,
        span: (u64, u64),
        target: (u64, u64),
    }
    let mut items: Vec<Item> = Vec::new();
    let mut problems = Vec::new();
    for (i, h) in panel.hotspots.iter().enumerate() {
        let (fs, fe) = models[i].footprint();
        let (fs, fe) = (fs.max(0) as u64, fe.max(0) as u64);
        let ok = |s: u64, e: u64| holds(reference, &h.contig, s, e);
        if !ok(fs, fe) {
            problems.push(format!(
                "{} ({}:{}): the reference has no bases there",
                h.id, h.contig, h.pos
            ));
            continue;
        }
        let reach = pad + max_len as u64;
        let left = largest(reach.min(fs), |d| ok(fs - d, fe));
        let right = largest(reach, |d| ok(fs - left, fe + d));
        let span = (fs - left, fe + right);
        let target = ((fs.saturating_sub(pad)).max(span.0), (fe + pad).min(span.1));
        items.push(Item {
            contig: h.contig.clone(),
            tid: contig_tid(&h.contig),
            span,
            target,
        });
    }
    if !problems.is_empty() {
        return Err(SimError::Reference {
            reference: reference.describe(),
            problems,
        });
    }
    items.sort_by_key(|it| (it.tid, it.target.0, it.target.1));
    let mut merged: Vec<Item> = Vec::new();
    for it in items {
        if let Some(cur) = merged.last_mut() {
            if cur.tid == it.tid && it.target.0 <= cur.target.1 + max_len as u64 {
                let span = (cur.span.0.min(it.span.0), cur.span.1.max(it.span.1));
                if holds(reference, &it.contig, span.0, span.1) {
                    cur.span = span;
                    cur.target = (cur.target.0.min(it.target.0), cur.target.1.max(it.target.1));
                    continue;
                }
            }
        }
        merged.push(it);
    }
    // Footprints by contig, sorted, so that each block finds its sites by
    // binary search (scanning the panel per block was quadratic: seconds at
    // 10,000 sites, minutes at 40,000).
    let mut by_contig: std::collections::HashMap<&str, Vec<(i64, i64, usize)>> =
        std::collections::HashMap::new();
    for (i, h) in panel.hotspots.iter().enumerate() {
        let (fs, fe) = models[i].footprint();
        by_contig
            .entry(h.contig.as_str())
            .or_default()
            .push((fs, fe, i));
    }
    for v in by_contig.values_mut() {
        v.sort_unstable();
    }
    let mut blocks: Vec<Block> = Vec::with_capacity(merged.len());
    for it in merged {
        let seq = reference
            .fetch(&it.contig, it.span.0, it.span.1)
            .map_err(|e| SimError::Reference {
                reference: reference.describe(),
                problems: vec![e.to_string()],
            })?;
        // The sites whose footprint lies inside the span, in panel order.
        let (lo, hi) = (it.span.0 as i64, it.span.1 as i64);
        let on_contig = by_contig.get(it.contig.as_str()).map_or(&[][..], |v| v);
        let first = on_contig.partition_point(|&(fs, _, _)| fs < lo);
        let mut sites: Vec<usize> = on_contig[first..]
            .iter()
            .take_while(|&&(fs, _, _)| fs <= hi)
            .filter(|&&(_, fe, _)| fe <= hi)
            .map(|&(_, _, i)| i)
            .collect();
        sites.sort_unstable();
        let mut block = Block {
            contig: it.contig,
            tid: it.tid,
            seq_start: it.span.0,
            seq,
            target_start: it.target.0,
            target_end: it.target.1,
            start_floor: 0,
            sites,
        };
        if let Some(prev) = blocks.last() {
            if prev.tid == block.tid {
                block.start_floor = prev.max_start(min_len) + 1;
            }
        }
        blocks.push(block);
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::prepare_sites;

    #[test]
    fn demo_blocks() {
        let panel = Panel::demo();
        let r = crate::reference::open("demo").unwrap();
        let models = prepare_sites(&panel, Some(r.as_ref()));
        let contigs: Vec<String> = panel.contigs.iter().map(|c| c.0.clone()).collect();
        let tid = |c: &str| contigs.iter().position(|x| x == c).unwrap();
        let blocks = plan_blocks(&panel, &models, r.as_ref(), 300, 50, 450, &tid).unwrap();
        // One block per demo window with sites (12 windows).
        assert_eq!(blocks.len(), 12);
        let mut seen: Vec<usize> = blocks.iter().flat_map(|b| b.sites.clone()).collect();
        seen.sort();
        assert_eq!(seen, (0..31).collect::<Vec<_>>());
        for b in &blocks {
            // The reference reaches at least 450 bp beyond each site.
            for &i in &b.sites {
                let (fs, fe) = models[i].footprint();
                assert!(
                    fs as u64 >= b.seq_start + 450 && fe as u64 + 450 <= b.seq_end(),
                    "{}",
                    panel.hotspots[i].id
                );
                assert!(fs as u64 >= b.target_start + 300 && fe as u64 + 300 <= b.target_end);
            }
            let (lo, hi) = b.start_range(167).unwrap();
            assert!(lo >= b.seq_start && hi + 167 <= b.seq_end());
        }
        assert!(blocks
            .windows(2)
            .all(|w| (w[0].tid, w[0].seq_start) < (w[1].tid, w[1].seq_start)));
    }

    #[test]
    fn later_floors_are_the_lowest_start_of_later_blocks_on_the_contig() {
        let block = |tid: usize, seq_start: u64| Block {
            contig: format!("c{tid}"),
            tid,
            seq_start,
            seq: vec![b'A'; 100],
            target_start: seq_start + 10,
            target_end: seq_start + 90,
            start_floor: 0,
            sites: Vec::new(),
        };
        // Block 2 starts before block 1 (a clipped span): block 0's floor is
        // the lower of the two, not its neighbour's.
        let blocks = [
            block(0, 100),
            block(0, 500),
            block(0, 450),
            block(1, 0),
            block(1, 900),
        ];
        assert_eq!(
            later_floors(&blocks),
            vec![Some(450), Some(450), None, Some(900), None]
        );
    }

    #[test]
    fn largest_search() {
        assert_eq!(largest(100, |d| d <= 37), 37);
        assert_eq!(largest(100, |_| true), 100);
        assert_eq!(largest(100, |d| d == 0), 0);
    }
}
