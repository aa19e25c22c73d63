//! The panel's reference windows and a k-mer index of both their strands.
//!
//! Every group of nearby hotspots gets a window of reference reaching
//! [`WINDOW_PAD`] bp past its sites (as far as the reference has bases);
//! overlapping windows are merged. Each k-mer (k = [`K`]) of either strand
//! that occurs once in all the windows is indexed by its position; k-mers
//! seen twice or more are marked ambiguous and never seed a placement.

use super::FastqError;
use crate::count::allele::SiteModel;
use crate::count::{CountPlan, SiteGroup};
use crate::panel::Panel;
use crate::reference::Reference;

/// k-mer length of the seeds (2 bits a base: fits a `u32`).
pub const K: usize = 16;

/// Reference kept on each side of a group of sites: a read is placed when
/// it lies in a window, and both mates must be placed for a fragment length
/// (fragments up to ~600 bp).
pub const WINDOW_PAD: i64 = 800;

/// Panel substitution alleles allowed at a window position, as bits
/// `1 << code(base)` (A=0, C=1, G=2, T=3): they do not count as mismatches
/// when a read is placed, so alt reads are placed exactly like ref reads.
pub type AltMask = u8;

#[derive(Debug, Clone)]
pub struct Window {
    pub contig: String,
    /// 0-based reference position of `seq[0]`.
    pub start: i64,
    /// Upper-case reference bases.
    pub seq: Vec<u8>,
    pub alt_ok: Vec<AltMask>,
    /// Hotspots (panel indices) whose footprint lies in this window, by
    /// footprint start.
    pub sites: Vec<usize>,
    /// Offset of this window in the index's global coordinates.
    pub offset: u64,
    /// Longest indel among this window's hotspots (bp).
    pub max_indel: usize,
    /// The hotspots' indels, which placement tries at no gap cost.
    pub events: Vec<KnownIndel>,
}

/// A panel indel as placement sees it, in window coordinates: a deletion
/// of `len` bases anywhere inside `[lo, hi)`, or an insertion of `len`
/// bases before any position in `lo..=hi` (the classifier's widened region,
/// so every equivalent placement is tried).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownIndel {
    pub deletion: bool,
    pub len: usize,
    pub lo: i64,
    pub hi: i64,
}

impl Window {
    pub fn end(&self) -> i64 {
        self.start + self.seq.len() as i64
    }

    /// A window over one group of sites alone, `pad` bp past its sites as
    /// far as the reference has bases; `None` when the reference lacks the
    /// sites. BAM mode re-places clipped reads on it (see
    /// `count::reclip`), with the alleles and events [`PanelIndex::build`]
    /// gives its windows.
    pub fn around_group(
        group: &SiteGroup,
        panel: &Panel,
        models: &[SiteModel],
        reference: &dyn Reference,
        pad: i64,
    ) -> Option<Window> {
        let (start, seq) =
            crate::reference::fetch_around(reference, &group.contig, group.start, group.end, pad)?;
        let mut w = Window {
            contig: group.contig.clone(),
            start,
            seq: seq.iter().map(|b| b.to_ascii_uppercase()).collect(),
            alt_ok: Vec::new(),
            sites: group.sites.clone(),
            offset: 0,
            max_indel: 0,
            events: Vec::new(),
        };
        w.annotate(panel, models);
        Some(w)
    }

    /// Fill in what placement needs from the window's sites: their
    /// substitution alleles (`alt_ok`) and their indels (`events`,
    /// `max_indel`).
    fn annotate(&mut self, panel: &Panel, models: &[SiteModel]) {
        self.alt_ok = vec![0; self.seq.len()];
        self.sites.sort_by_key(|&i| (models[i].footprint(), i));
        for &i in &self.sites {
            let h = &panel.hotspots[i];
            let (r, a) = (h.ref_allele.as_bytes(), h.alt_allele.as_bytes());
            if r.len() == a.len() {
                for (j, &b) in a.iter().enumerate() {
                    let p = h.pos as i64 - 1 + j as i64 - self.start;
                    if let (Ok(p), Some(c)) = (usize::try_from(p), code(b.to_ascii_uppercase())) {
                        if p < self.alt_ok.len() {
                            self.alt_ok[p] |= 1 << c;
                        }
                    }
                }
            } else if a != b"." {
                let len = r.len().abs_diff(a.len());
                self.max_indel = self.max_indel.max(len);
                // Widened region: the footprint without its anchors.
                let (fs, fe) = models[i].footprint();
                let (lo, hi) = (fs + 1 - self.start, fe - 1 - self.start);
                // Pure insertions and deletions only (the classifier
                // reads a complex allele's bases, not an event).
                let ins = a.len() > r.len() && a.starts_with(&r[..1]) && r.len() == 1;
                let del = r.len() > a.len() && r.starts_with(&a[..1]) && a.len() == 1;
                if ins || del {
                    self.events.push(KnownIndel {
                        deletion: del,
                        len,
                        lo,
                        hi,
                    });
                }
            }
        }
    }
}

pub use crate::bases::code;
pub(crate) use crate::bases::complement;

/// A hit: global position of the k-mer's first base (forward strand) and
/// whether the read k-mer is the reverse complement of the window's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub pos: u32,
    pub reverse: bool,
}

const EMPTY: u32 = u32::MAX;
const AMBIGUOUS: u32 = u32::MAX - 1;

/// Open-addressing table from k-mer to `pos << 1 | reverse`.
#[derive(Debug, Clone)]
pub struct KmerTable {
    keys: Vec<u32>,
    vals: Vec<u32>,
    mask: usize,
}

#[inline]
fn slot(key: u32, mask: usize) -> usize {
    (((key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 32) as usize & mask
}

impl KmerTable {
    fn with_capacity(n: usize) -> Self {
        let size = (n * 2).next_power_of_two().max(1024);
        KmerTable {
            keys: vec![0; size],
            vals: vec![EMPTY; size],
            mask: size - 1,
        }
    }

    fn insert(&mut self, key: u32, val: u32) {
        let mut i = slot(key, self.mask);
        loop {
            if self.vals[i] == EMPTY {
                self.keys[i] = key;
                self.vals[i] = val;
                return;
            }
            if self.keys[i] == key {
                if self.vals[i] != val {
                    self.vals[i] = AMBIGUOUS;
                }
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    #[inline]
    pub fn get(&self, key: u32) -> Option<Hit> {
        let mut i = slot(key, self.mask);
        loop {
            let v = self.vals[i];
            if v == EMPTY {
                return None;
            }
            if self.keys[i] == key {
                return (v != AMBIGUOUS).then_some(Hit {
                    pos: v >> 1,
                    reverse: v & 1 == 1,
                });
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Windows plus the k-mer table over them.
#[derive(Debug, Clone)]
pub struct PanelIndex {
    pub windows: Vec<Window>,
    pub table: KmerTable,
}

/// Fetch `[s, e)` widened by up to `pad` on each side, as far as the
/// reference has bases (regional references end at their windows).
fn fetch_padded(
    r: &dyn Reference,
    contig: &str,
    s: i64,
    e: i64,
    pad: i64,
) -> Result<(i64, Vec<u8>), FastqError> {
    crate::reference::fetch_around(r, contig, s, e, pad).ok_or_else(|| {
        FastqError::Reference(format!(
            "{contig}:{}-{e} is not in the reference {}; FASTQ reads are placed on the reference around each hotspot",
            s + 1,
            r.describe()
        ))
    })
}

impl PanelIndex {
    /// The windows of the plan's groups, on its reference (FASTQ needs one).
    pub fn build(plan: &CountPlan) -> Result<Self, FastqError> {
        let reference = plan.reference().ok_or(FastqError::NeedsReference)?;
        let (panel, models) = (plan.panel(), plan.models());
        let mut windows: Vec<Window> = Vec::new();
        for g in plan.groups() {
            let (start, seq) = fetch_padded(reference, &g.contig, g.start, g.end, WINDOW_PAD)?;
            let seq: Vec<u8> = seq.iter().map(|b| b.to_ascii_uppercase()).collect();
            match windows.last_mut() {
                Some(w) if w.contig == g.contig && start <= w.end() => {
                    let end = start + seq.len() as i64;
                    if end > w.end() {
                        let from = (w.end() - start) as usize;
                        w.seq.extend_from_slice(&seq[from..]);
                    }
                    w.sites.extend_from_slice(&g.sites);
                }
                _ => windows.push(Window {
                    contig: g.contig.clone(),
                    start,
                    alt_ok: Vec::new(),
                    seq,
                    sites: g.sites.clone(),
                    offset: 0,
                    max_indel: 0,
                    events: Vec::new(),
                }),
            }
        }
        let mut offset = 0u64;
        for w in &mut windows {
            w.offset = offset;
            // A gap of K between windows: no k-mer spans two.
            offset += w.seq.len() as u64 + K as u64;
            w.annotate(panel, models);
        }
        if offset >= (u32::MAX >> 2) as u64 {
            return Err(FastqError::Invalid(
                "the panel's windows hold more than 1 Gbp; FASTQ mode is for panels (align whole genomes with an aligner)".into(),
            ));
        }
        let total: usize = windows.iter().map(|w| w.seq.len()).sum();
        let mut table = KmerTable::with_capacity(2 * total);
        let mask = (1u64 << (2 * K)) - 1;
        for w in &windows {
            let (mut fwd, mut rev, mut valid) = (0u64, 0u64, 0usize);
            for (i, &b) in w.seq.iter().enumerate() {
                match code(b) {
                    Some(c) => {
                        fwd = ((fwd << 2) | c as u64) & mask;
                        rev = (rev >> 2) | (((3 - c) as u64) << (2 * (K - 1)));
                        valid += 1;
                    }
                    None => valid = 0,
                }
                if valid >= K {
                    let pos = (w.offset + (i + 1 - K) as u64) as u32;
                    table.insert(fwd as u32, pos << 1);
                    table.insert(rev as u32, pos << 1 | 1);
                }
            }
        }
        Ok(PanelIndex { windows, table })
    }

    /// The window holding global position `g`.
    pub fn window_at(&self, g: u64) -> Option<usize> {
        let i = self
            .windows
            .partition_point(|w| w.offset <= g)
            .checked_sub(1)?;
        (g < self.windows[i].offset + self.windows[i].seq.len() as u64).then_some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::CountOptions;

    #[test]
    fn demo_windows_index_every_site() {
        let panel = Panel::demo();
        let reference = crate::reference::open("demo").unwrap();
        let plan = CountPlan::new(&panel, Some(reference.as_ref()), &CountOptions::default());
        let idx = PanelIndex::build(&plan).unwrap();
        let mut all: Vec<usize> = idx.windows.iter().flat_map(|w| w.sites.clone()).collect();
        all.sort();
        assert_eq!(all, (0..panel.hotspots.len()).collect::<Vec<_>>());
        // Each window's k-mers are found where they are, on both strands.
        let w = &idx.windows[3];
        let kmer: Vec<u8> = w.seq[100..100 + K].to_vec();
        let enc = |s: &[u8]| {
            s.iter()
                .fold(0u32, |a, &b| a << 2 | code(b).unwrap() as u32)
        };
        let hit = idx.table.get(enc(&kmer)).unwrap();
        assert_eq!((hit.pos as u64, hit.reverse), (w.offset + 100, false));
        let rc: Vec<u8> = kmer.iter().rev().map(|&b| complement(b)).collect();
        let hit = idx.table.get(enc(&rc)).unwrap();
        assert_eq!((hit.pos as u64, hit.reverse), (w.offset + 100, true));
        assert_eq!(idx.window_at(w.offset + 5), Some(3));
        // KRAS G12D's alt base is allowed where it sits.
        let g12d = panel
            .hotspots
            .iter()
            .position(|h| h.id == "KRAS_G12D")
            .unwrap();
        let w = idx
            .windows
            .iter()
            .find(|w| w.sites.contains(&g12d))
            .unwrap();
        let p = (panel.hotspots[g12d].pos as i64 - 1 - w.start) as usize;
        assert_eq!(w.alt_ok[p] & (1 << code(b'T').unwrap()), 1 << 3);
        let egfr = idx
            .windows
            .iter()
            .find(|w| w.contig == "chr7" && w.max_indel > 0)
            .unwrap();
        assert_eq!(egfr.max_indel, 15);
        assert_eq!(egfr.events.len(), 1);
        let ev = egfr.events[0];
        assert!(ev.deletion && ev.len == 15 && ev.hi - ev.lo >= 15);
    }
}
