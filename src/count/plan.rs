//! The plan of one count: what is counted (the panel's sites, each with
//! its [`SiteModel`]), how (the [`CountOptions`]), against what (the
//! reference, when there is one), and in which bundles (the
//! [`SiteGroup`]s, nearby sites read together). Built once, from panel +
//! reference + options, and handed to whichever engine the input calls
//! for (BAM/CRAM through its index, a stream on standard input, FASTQ), so
//! no engine prepares sites or groups of its own and every one sees the
//! same models and the same groups.

use super::allele::{self, SiteModel};
use super::background::{BackgroundWindow, HOTSPOT_MARGIN};
use super::site::SiteCounts;
use super::CountOptions;
use crate::panel::{Hotspot, Panel};
use crate::reference::{fetch_around, Reference};

/// Sites whose footprints lie within `gap` bp of each other, fetched together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteGroup {
    pub contig: String,
    /// 0-based, half-open region covering every site's footprint.
    pub start: i64,
    pub end: i64,
    /// Panel indices, by footprint start.
    pub sites: Vec<usize>,
}

/// One count's sites, models, groups, options and reference (see the
/// module docs). Site `i` is the panel's hotspot `i` throughout: models
/// and every engine's counts are in panel order.
pub struct CountPlan<'a> {
    panel: &'a Panel,
    reference: Option<&'a dyn Reference>,
    opts: CountOptions,
    models: Vec<SiteModel>,
    groups: Vec<SiteGroup>,
}

impl<'a> CountPlan<'a> {
    /// Prepare every site's model (with the reference around it, so indels
    /// can be widened over repeats) and group nearby sites by
    /// `opts.group_gap`.
    pub fn new(
        panel: &'a Panel,
        reference: Option<&'a dyn Reference>,
        opts: &CountOptions,
    ) -> CountPlan<'a> {
        let models = prepare_sites(panel, reference);
        let groups = group_sites(panel, &models, opts.group_gap);
        CountPlan {
            panel,
            reference,
            opts: opts.clone(),
            models,
            groups,
        }
    }

    pub fn panel(&self) -> &'a Panel {
        self.panel
    }

    pub fn hotspots(&self) -> &'a [Hotspot] {
        &self.panel.hotspots
    }

    pub fn reference(&self) -> Option<&'a dyn Reference> {
        self.reference
    }

    pub fn opts(&self) -> &CountOptions {
        &self.opts
    }

    /// One model per hotspot, in panel order.
    pub fn models(&self) -> &[SiteModel] {
        &self.models
    }

    /// The groups, ordered by contig name and position.
    pub fn groups(&self) -> &[SiteGroup] {
        &self.groups
    }

    /// How many sites (hotspots) are counted.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// Zero counts for every site, in panel order.
    pub fn empty_counts(&self) -> Vec<SiteCounts> {
        self.models.iter().map(SiteCounts::new).collect()
    }

    /// The empty background window of group `g`: as much of
    /// ±[`BACKGROUND_PAD`] as `reference` holds, with every panel site on
    /// the contig left out.
    pub(crate) fn background_window(
        &self,
        g: usize,
        reference: &dyn Reference,
    ) -> BackgroundWindow {
        let group = &self.groups[g];
        let (start, seq) = fetch_around(
            reference,
            &group.contig,
            group.start,
            group.end,
            BACKGROUND_PAD,
        )
        .unwrap_or((group.start, Vec::new()));
        // Only the sites whose margins reach into the window: the window
        // checks each position against each one it is given (a 10,000-site
        // panel would be 10,000 windows times 2,500 sites a contig).
        let end = start + seq.len() as i64;
        let hotspots: Vec<(i64, i64)> = self
            .panel
            .hotspots
            .iter()
            .zip(&self.models)
            .filter(|(h, _)| h.contig == group.contig)
            .map(|(_, m)| m.footprint())
            .filter(|&(s, e)| s - HOTSPOT_MARGIN < end && e + HOTSPOT_MARGIN > start)
            .collect();
        BackgroundWindow::new(&group.contig, start, seq, &hotspots)
    }
}

/// How far beyond a group's sites the background is tallied (the reads
/// fetched for the sites reach about a fragment length further).
const BACKGROUND_PAD: i64 = 500;

/// How far around a site the reference is fetched to widen indels over
/// repeats (a longer repeat is widened only this far).
const WIDEN_PAD: i64 = 200;

/// One model per hotspot, in panel order. The simulator places its
/// fragments by the same footprints, so it prepares models too.
pub(crate) fn prepare_sites(panel: &Panel, reference: Option<&dyn Reference>) -> Vec<SiteModel> {
    panel
        .hotspots
        .iter()
        .map(|h| {
            let window = reference.and_then(|r| {
                let start = h.pos as i64 - 1;
                fetch_around(
                    r,
                    &h.contig,
                    start,
                    start + h.ref_allele.len() as i64,
                    WIDEN_PAD,
                )
            });
            let win = window
                .as_ref()
                .map(|(start, seq)| allele::RefWindow { start: *start, seq });
            SiteModel::new(h.pos, h.ref_allele.as_bytes(), h.alt_allele.as_bytes(), win)
        })
        .collect()
}

/// Bundle nearby sites. Deterministic: groups are ordered by contig name
/// and position.
fn group_sites(panel: &Panel, models: &[SiteModel], gap: u64) -> Vec<SiteGroup> {
    let mut order: Vec<usize> = (0..models.len()).collect();
    order.sort_by(|&a, &b| {
        let (ha, hb) = (&panel.hotspots[a], &panel.hotspots[b]);
        (&ha.contig, models[a].footprint(), a).cmp(&(&hb.contig, models[b].footprint(), b))
    });
    let mut groups: Vec<SiteGroup> = Vec::new();
    for i in order {
        let contig = &panel.hotspots[i].contig;
        let (s, e) = models[i].footprint();
        match groups.last_mut() {
            Some(g) if &g.contig == contig && s <= g.end + gap as i64 => {
                g.end = g.end.max(e);
                g.sites.push(i);
            }
            _ => groups.push(SiteGroup {
                contig: contig.clone(),
                start: s,
                end: e,
                sites: vec![i],
            }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_groups_cover_every_site_once() {
        let panel = Panel::demo();
        let reference = crate::reference::open("demo").unwrap();
        let plan = CountPlan::new(&panel, Some(reference.as_ref()), &CountOptions::default());
        let mut seen: Vec<usize> = plan.groups().iter().flat_map(|g| g.sites.clone()).collect();
        seen.sort();
        assert_eq!(seen, (0..panel.hotspots.len()).collect::<Vec<_>>());
        for g in plan.groups() {
            for &i in &g.sites {
                let (s, e) = plan.models()[i].footprint();
                assert!(g.start <= s && e <= g.end);
            }
        }
        // Sites on different contigs never share a group; KRAS G12/G13 do.
        let kras: Vec<_> = plan
            .groups()
            .iter()
            .filter(|g| g.contig == "chr12")
            .collect();
        assert!(kras.iter().any(|g| g.sites.len() == 4));
    }
}
