//! How much of what each block gets: the number of unique fragments, the
//! share carrying a mutation, the length tables weighted by where a
//! fragment of each length can start (see the module doc of [`super`]),
//! and the exclusive mutation groups drawn from; and the contigs of the
//! BAM header.

use super::lengths::{Discrete, LengthModel};
use super::{Simulation, CHUNK};
use crate::panel::Panel;
use crate::reference::Reference;

/// How one block's fragments are drawn.
#[derive(Debug, Clone)]
pub struct BlockPlan {
    /// Unique fragments in the block.
    pub fragments: u64,
    /// P(a fragment carries a mutation; it then has a tumour length).
    pub(crate) p_mutant: f64,
    pub(super) healthy_len: Option<Discrete>,
    pub(super) tumour_len: Option<Discrete>,
    /// Exclusive groups of the block's mutations: (panel site, share).
    pub(super) groups: Vec<Vec<(usize, f64)>>,
    /// The block's non-tumour ALTs ([`super::sources`]): (panel site,
    /// chance on a fragment without a tumour mutation, chance on one with).
    pub(super) sources: Vec<(usize, f64, f64)>,
}

impl Simulation<'_> {
    pub(super) fn plan_block(&self, b: usize) -> BlockPlan {
        let block = &self.blocks[b];
        let two_r = 2 * self.params.read_length;
        let weights = |m: &LengthModel| -> (Vec<f64>, f64) {
            let w: Vec<f64> = m
                .iter()
                .map(|(len, p)| match block.start_range(len) {
                    Some((lo, hi)) => p * (hi - lo + 1) as f64 / len.min(two_r) as f64,
                    None => 0.0,
                })
                .collect();
            let z = w.iter().sum();
            (w, z)
        };
        let (wh, zh) = weights(&self.healthy);
        let (wt, zt) = weights(&self.tumour);
        // The block's mutations by exclusive group, groups in their order,
        // members in group order (found from the block's own sites: scanning
        // every group per block was quadratic in the panel).
        let mut touched: Vec<usize> = block
            .sites
            .iter()
            .filter_map(|&s| self.mutations.at(s).map(|m| m.group))
            .collect();
        touched.sort_unstable();
        touched.dedup();
        let groups: Vec<Vec<(usize, f64)>> = touched
            .into_iter()
            .map(|g| {
                self.mutations.groups[g]
                    .iter()
                    .map(|&m| &self.mutations.list[m])
                    .filter(|m| block.sites.binary_search(&m.site).is_ok())
                    .map(|m| (m.site, m.share))
                    .collect()
            })
            .collect();
        let p_none: f64 = groups
            .iter()
            .map(|g| 1.0 - g.iter().map(|x| x.1).sum::<f64>())
            .product();
        let pi_mut = self.params.tumour_fraction * (1.0 - p_none);
        let z = (1.0 - pi_mut) * zh + pi_mut * zt;
        let fragments = (self.params.depth * z).round() as u64;
        BlockPlan {
            fragments,
            p_mutant: if z > 0.0 { pi_mut * zt / z } else { 0.0 },
            healthy_len: Discrete::new(&wh),
            tumour_len: Discrete::new(&wt),
            groups,
            sources: self.sources.block_chances(&block.sites, pi_mut),
        }
    }

    /// Chunks of block `b`.
    pub fn chunks(&self, b: usize) -> u64 {
        self.plans[b].fragments.div_ceil(CHUNK)
    }

    /// Unique fragments in all blocks.
    pub fn fragments(&self) -> u64 {
        self.plans.iter().map(|p| p.fragments).sum()
    }
}

/// Contigs of the BAM header: the panel's `##contig` lines, then any other
/// panel contig (length from an indexed FASTA, else the last base the
/// reference holds, with a note).
pub(super) fn header_contigs(
    panel: &Panel,
    reference: &dyn Reference,
    notes: &mut Vec<String>,
) -> Vec<(String, u64)> {
    let mut contigs: Vec<(String, u64)> = panel.contigs.clone();
    for h in &panel.hotspots {
        if contigs.iter().any(|c| c.0 == h.contig) {
            continue;
        }
        // An indexed FASTA knows the whole length; regional windows do not.
        let len = reference.contig_len(&h.contig).unwrap_or_else(|| {
            // The furthest base the reference holds past this contig's hotspots.
            let last = panel.hotspots.iter().filter(|x| x.contig == h.contig).map(|x| x.end()).max().unwrap_or(h.pos);
            let reach = layout_reach(reference, &h.contig, last);
            notes.push(format!(
                "the panel gives no length for {}; the BAM header says {reach} (the last base the reference holds near its hotspots)",
                h.contig
            ));
            reach
        });
        contigs.push((h.contig.clone(), len));
    }
    contigs
}

/// The end of the reference stretch holding 1-based `pos` (up to 1 Mb on).
fn layout_reach(reference: &dyn Reference, contig: &str, pos: u64) -> u64 {
    let (s, e) = (pos - 1, pos);
    let (mut lo, mut hi) = (0u64, 1_000_000u64);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reference.fetch(contig, s, e + mid).is_ok() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    e + lo
}
