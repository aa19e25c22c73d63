//! The BAM/CRAM engine: each group of nearby sites is read in one pass
//! through the index (only the records that touch a site, see
//! [`super::regions`]); groups run in parallel (rayon), one reader per
//! worker.

use super::allele::{AlignedRead, SiteModel};
use super::background::BackgroundWindow;
use super::fragment::{merge_mates, FragmentCall, Observation};
pub use super::input::{AlignmentFormat, AlignmentInput};
use super::reclip::{soft_clips, ReadSpan, Reclipper};
use super::regions::RegionReader;
use super::site::SiteCounts;
use super::{flag, group_sites, CountError, CountOptions, ReadTally, SiteGroup};
use crate::panel::{contig_style_hint_in, Panel};
use crate::progress::{Progress, Unit as ProgressUnit};
use crate::reference::Reference;
use rayon::prelude::*;
use rust_htslib::bam::{self, Read as _};
use rustc_hash::FxHashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Reads are from user files: no accessor may index past what the record
/// holds. `count_unit` skips reads without SEQ (or with a CIGAR that does
/// not fit it) before they are classified; the bounds here hold even so.
/// QUAL `*` is stored as 0xff at every base: it is returned as is and so
/// passes any `-Q`, as samtools mpileup passes it (it shows `~`, Q93).
impl AlignedRead for bam::Record {
    fn ref_start(&self) -> i64 {
        self.pos()
    }
    fn cigar(&self) -> &[u32] {
        self.raw_cigar()
    }
    fn base(&self, qpos: usize) -> u8 {
        if qpos < self.seq_len() {
            self.seq()[qpos]
        } else {
            b'N'
        }
    }
    fn qual(&self, qpos: usize) -> u8 {
        self.qual().get(qpos).copied().unwrap_or(0)
    }
    fn len(&self) -> usize {
        self.seq_len()
    }
}

/// Query bases the CIGAR consumes (M I S = X), to check against SEQ.
fn query_len(cigar: &[u32]) -> usize {
    use super::allele::cigar_op::*;
    cigar
        .iter()
        .filter(|&&c| matches!(c & 0xf, MATCH | INS | SOFT_CLIP | EQUAL | DIFF))
        .map(|&c| (c >> 4) as usize)
        .sum()
}

/// Count every hotspot of `panel` in `input`, in panel order. Runs on the
/// current rayon pool; the result does not depend on its size.
pub fn count_bam(
    input: &AlignmentInput,
    panel: &Panel,
    models: &[SiteModel],
    opts: &CountOptions,
) -> Result<Vec<SiteCounts>, CountError> {
    count_bam_with_background(input, panel, models, None, opts, &Progress::new())
        .map(|(sites, _, _)| sites)
}

/// [`count_bam`], and with `opts.background` also the background tallies
/// (one window per group of sites, in a fixed order), for which the
/// reference is needed.
pub fn count_bam_with_background(
    input: &AlignmentInput,
    panel: &Panel,
    models: &[SiteModel],
    reference: Option<&dyn Reference>,
    opts: &CountOptions,
    progress: &Progress,
) -> Result<(Vec<SiteCounts>, Vec<BackgroundWindow>, ReadTally), CountError> {
    let header_reader = input.open_plain()?;
    let header = header_reader.header().to_owned();
    drop(header_reader);
    let (groups, units) = plan(&header, &input.path, panel, models, reference, opts)?;
    progress.begin(
        Some(groups.len() as u64),
        ProgressUnit::Items("site groups"),
    );
    // Largest units first, each worker taking the next one left: the
    // longest-processing-time rule, which keeps two threads evenly busy
    // where an even split of the list would not (one group of seven TP53
    // sites outweighs several single-site groups). Results land in their
    // unit's slot, so the order of work never shows in the output.
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&u| std::cmp::Reverse(units[u].weight()));
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<UnitCounts, CountError>>>> =
        units.iter().map(|_| Mutex::new(None)).collect();
    let workers = rayon::current_num_threads().min(units.len()).max(1);
    let readers: Vec<RegionReader> = (0..workers)
        .map(|_| input.open_regions())
        .collect::<Result<_, _>>()?;
    readers.into_par_iter().for_each(|mut reader| loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let Some(&u) = order.get(k) else { break };
        let result = count_unit(&mut reader, &units[u], &groups, models, opts, &input.path);
        *slots[u].lock().expect("no panic holds it") = Some(result);
        progress.add(units[u].members.len() as u64);
    });
    let counted = slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("no panic holds it")
                .expect("every unit was counted")
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(assemble(&units, &groups, counted, models.len()))
}

/// What both engines (indexed and streamed) do before reading: check the
/// panel's contigs against the header, group the sites and bundle the
/// groups into units, each with its empty background windows.
pub(super) fn plan(
    header: &bam::HeaderView,
    path: &Path,
    panel: &Panel,
    models: &[SiteModel],
    reference: Option<&dyn Reference>,
    opts: &CountOptions,
) -> Result<(Vec<SiteGroup>, Vec<Unit>), CountError> {
    let names: Vec<String> = header
        .target_names()
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    let mut missing: Vec<String> = Vec::new();
    for h in &panel.hotspots {
        if header.tid(h.contig.as_bytes()).is_none() && !missing.contains(&h.contig) {
            missing.push(h.contig.clone());
        }
    }
    if !missing.is_empty() {
        let hint = contig_style_hint_in(&missing[0], &names, &path.display().to_string());
        return Err(CountError::ContigsMissing {
            path: path.to_owned(),
            missing,
            hint,
        });
    }
    check_lengths(header, panel, reference, path)?;
    let groups = group_sites(panel, models, opts.group_gap);
    // The background needs the reference; counting alone does not (without
    // it, clipped reads are not re-placed).
    let background_reference = if opts.background {
        Some(reference.ok_or(CountError::BackgroundNeedsReference)?)
    } else {
        None
    };
    let units: Vec<Unit> = fetch_units(&groups)
        .into_iter()
        .map(|members| Unit {
            tid: header
                .tid(groups[members[0]].contig.as_bytes())
                .expect("checked above"),
            windows: Mutex::new(
                members
                    .iter()
                    .map(|&g| {
                        background_reference
                            .map(|r| background_window(&groups[g], panel, models, r))
                    })
                    .collect(),
            ),
            reclippers: Mutex::new(
                members
                    .iter()
                    .map(|&g| reference.and_then(|r| Reclipper::new(&groups[g], panel, models, r)))
                    .collect(),
            ),
            intervals: members
                .iter()
                .flat_map(|&g| {
                    if opts.background {
                        vec![(groups[g].start, groups[g].end)]
                    } else {
                        groups[g]
                            .sites
                            .iter()
                            .map(|&i| models[i].footprint())
                            .collect()
                    }
                })
                .collect(),
            members,
        })
        .collect();
    Ok((groups, units))
}

/// Put the units' counts (one per unit, in unit order) back in panel
/// order, with the background windows in unit order and the read tallies
/// summed.
pub(super) fn assemble(
    units: &[Unit],
    groups: &[SiteGroup],
    counted: Vec<UnitCounts>,
    n_sites: usize,
) -> (Vec<SiteCounts>, Vec<BackgroundWindow>, ReadTally) {
    let mut out: Vec<Option<SiteCounts>> = vec![None; n_sites];
    let mut background = Vec::new();
    let mut reads = ReadTally::default();
    for (unit, counted) in units.iter().zip(counted) {
        reads.primary += counted.reads.primary;
        reads.duplicates += counted.reads.duplicates;
        reads.no_sequence += counted.reads.no_sequence;
        for (&g, group) in unit.members.iter().zip(counted.groups) {
            for (&i, c) in groups[g].sites.iter().zip(group.sites) {
                out[i] = Some(c);
            }
            background.extend(group.background);
        }
    }
    let sites = out
        .into_iter()
        .map(|c| c.expect("every site is in one group"))
        .collect();
    (sites, background, reads)
}

/// The panel and the reference against the header's contig lengths (every
/// panel contig is in the header by now). A site past a contig's end, or a
/// contig of another length in the reference, means another assembly: the
/// counts would be of other bases, so both stop the run.
fn check_lengths(
    header: &bam::HeaderView,
    panel: &Panel,
    reference: Option<&dyn Reference>,
    path: &Path,
) -> Result<(), CountError> {
    let len = |contig: &str| {
        header
            .tid(contig.as_bytes())
            .and_then(|tid| header.target_len(tid))
    };
    for h in &panel.hotspots {
        let Some(len) = len(&h.contig) else { continue };
        let last = h.pos + (h.ref_allele.len() as u64).max(1) - 1;
        if last > len {
            return Err(CountError::BeyondContig {
                origin: h.origin.clone(),
                contig: h.contig.clone(),
                pos: h.pos,
                len,
                path: path.to_owned(),
            });
        }
    }
    let Some(reference) = reference else {
        return Ok(());
    };
    let mut seen: Vec<&str> = Vec::new();
    for h in &panel.hotspots {
        if seen.contains(&h.contig.as_str()) {
            continue;
        }
        seen.push(&h.contig);
        if let (Some(ref_len), Some(bam_len)) = (reference.contig_len(&h.contig), len(&h.contig)) {
            if ref_len != bam_len {
                return Err(CountError::ReferenceLengthMismatch {
                    contig: h.contig.clone(),
                    reference: reference.describe(),
                    ref_len,
                    path: path.to_owned(),
                    bam_len,
                });
            }
        }
    }
    Ok(())
}

/// How far beyond a group's sites the background is tallied (the reads
/// fetched for the sites reach about a fragment length further).
const BACKGROUND_PAD: i64 = 500;

/// The empty background window of a group: as much of ±BACKGROUND_PAD as
/// the reference holds, with every panel site on the contig left out.
pub(crate) fn background_window(
    group: &SiteGroup,
    panel: &Panel,
    models: &[SiteModel],
    reference: &dyn Reference,
) -> BackgroundWindow {
    let hotspots: Vec<(i64, i64)> = panel
        .hotspots
        .iter()
        .zip(models)
        .filter(|(h, _)| h.contig == group.contig)
        .map(|(_, m)| m.footprint())
        .collect();
    match crate::reference::fetch_around(
        reference,
        &group.contig,
        group.start,
        group.end,
        BACKGROUND_PAD,
    ) {
        Some((start, seq)) => BackgroundWindow::new(&group.contig, start, seq, &hotspots),
        None => BackgroundWindow::new(&group.contig, group.start, Vec::new(), &hotspots),
    }
}

/// Reference end (exclusive) of an alignment.
pub(super) fn ref_end(pos: i64, cigar: &[u32]) -> i64 {
    use super::allele::cigar_op::*;
    pos + cigar
        .iter()
        .filter(|&&c| matches!(c & 0xf, MATCH | DEL | REF_SKIP | EQUAL | DIFF))
        .map(|&c| (c >> 4) as i64)
        .sum::<i64>()
}

/// Groups closer than this on a contig are read in one pass. A BAI's linear
/// index has 16 kb windows: separate fetches of two groups in one window
/// start from the same file offset and would read the blocks between them
/// twice (15 MB of 135 on the deep benchmark BAM).
const SHARED_WINDOW: i64 = 1 << 14;

/// About how far beyond an interval the reads that overlap it start or end
/// (a read length); only weighs units for scheduling.
const READ_REACH: i64 = 150;

/// Site groups read in one pass of the multi-region iterator.
pub(super) struct Unit {
    pub(super) tid: u32,
    /// Indices into the groups, in position order.
    pub(super) members: Vec<usize>,
    /// What the pass reads: each group's span when the background is
    /// tallied (every fragment around it), else only the sites' footprints
    /// (a read that counts spans one).
    pub(super) intervals: Vec<(i64, i64)>,
    /// Each member's empty background window, taken by the worker.
    windows: Mutex<Vec<Option<BackgroundWindow>>>,
    /// Each member's re-placer of clipped reads, taken by the worker.
    reclippers: Mutex<Vec<Option<Reclipper>>>,
}

impl Unit {
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
/// bundled into units by [`SHARED_WINDOW`].
fn fetch_units(groups: &[SiteGroup]) -> Vec<Vec<usize>> {
    let mut units: Vec<Vec<usize>> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let joins = units.last().is_some_and(|u| {
            let last = &groups[*u.last().expect("units are never empty")];
            last.contig == g.contig && g.start - last.end < SHARED_WINDOW
        });
        match units.last_mut() {
            Some(u) if joins => u.push(i),
            _ => units.push(vec![i]),
        }
    }
    units
}

/// Observations of one read, keyed by the site's index within its group.
type ReadObs = Vec<(u16, Observation)>;

/// A read waiting for its mate: its observations, and the read itself when
/// the background is tallied (every position of the pair is merged).
struct Pending {
    obs: ReadObs,
    record: Option<bam::Record>,
}

/// What one group of sites yields.
struct GroupCounts {
    sites: Vec<SiteCounts>,
    background: Option<BackgroundWindow>,
}

/// What one unit yields: its groups' counts, in member order, and the reads
/// it read.
pub(super) struct UnitCounts {
    groups: Vec<GroupCounts>,
    reads: ReadTally,
}

/// What every group needs to know of a read that passed the filters.
struct ReadFacts {
    pos: i64,
    end: i64,
    /// Soft-clipped bases at its start and end.
    clips: (u32, u32),
    /// Its fragment's strand: read 1's.
    fragment_reverse: bool,
    /// Paired, and its mate may still come in this pass (or came already).
    mate_may_come: bool,
    paired: bool,
    observation: Observation,
}

/// One group's counts while its unit is read.
struct GroupState<'a> {
    start: i64,
    end: i64,
    sites: Vec<&'a SiteModel>,
    counts: Vec<SiteCounts>,
    /// Reads waiting for their mate, by name.
    pending: FxHashMap<Vec<u8>, Pending>,
    background: Option<BackgroundWindow>,
    /// Re-places clipped reads near the group's indel and MNV sites; `None`
    /// when it has none (or no reference was given).
    reclipper: Option<Reclipper>,
}

impl<'a> GroupState<'a> {
    fn new(
        group: &SiteGroup,
        models: &'a [SiteModel],
        background: Option<BackgroundWindow>,
        reclipper: Option<Reclipper>,
    ) -> Self {
        let sites: Vec<&SiteModel> = group.sites.iter().map(|&i| &models[i]).collect();
        GroupState {
            start: group.start,
            end: group.end,
            counts: sites.iter().map(|m| SiteCounts::new(m)).collect(),
            sites,
            pending: FxHashMap::default(),
            background,
            reclipper,
        }
    }

    /// Whether the fetch of this group alone would have returned the read
    /// (htslib's overlap rule: a read without reference bases covers one).
    fn overlaps(&self, read: &ReadFacts) -> bool {
        read.pos < self.end && read.end.max(read.pos + 1) > self.start
    }

    fn add(&mut self, obs: &[(u16, Observation)]) {
        for &(j, o) in obs {
            self.counts[j as usize].add(self.sites[j as usize], FragmentCall::Observed(o));
        }
    }

    /// Classify the read at every site it spans, and merge it with its mate
    /// or leave it waiting for it.
    fn observe(
        &mut self,
        record: &bam::Record,
        read: &ReadFacts,
        obs: &mut ReadObs,
        opts: &CountOptions,
    ) {
        obs.clear();
        let span = ReadSpan {
            pos: read.pos,
            end: read.end,
            clips: read.clips,
        };
        // The read placed afresh, once, when a clip of it lies near a site
        // whose allele may hide in one, or it ends inside one (see
        // `count::reclip`).
        let mut placed = None;
        for (j, site) in self.sites.iter().enumerate() {
            let (s, e) = site.footprint();
            let spans = s >= read.pos && e <= read.end;
            let reclipper = self.reclipper.as_mut().filter(|r| r.near(j, &span));
            let allele = match reclipper {
                Some(r) => {
                    let placement = placed.get_or_insert_with(|| {
                        r.place(&span, record.seq().as_bytes(), record.qual().to_vec())
                    });
                    match placement {
                        Some(p) => site.classify(p, opts.min_baseq),
                        // Too poor a placement: the CIGAR stands.
                        None if spans => site.classify(record, opts.min_baseq),
                        None => None,
                    }
                }
                None if spans => site.classify(record, opts.min_baseq),
                None => continue,
            };
            if let Some(allele) = allele {
                obs.push((
                    j as u16,
                    Observation {
                        allele,
                        ..read.observation
                    },
                ));
            }
        }
        if obs.is_empty() && self.background.is_none() {
            return;
        }
        if let Some(mate) = read
            .mate_may_come
            .then(|| self.pending.remove(record.qname()))
            .flatten()
        {
            for &(j, o) in obs.iter() {
                match mate.obs.iter().find(|(k, _)| *k == j) {
                    Some(&(_, m)) => {
                        self.counts[j as usize].overlaps_merged += 1;
                        self.counts[j as usize].add(self.sites[j as usize], merge_mates(m, o));
                    }
                    None => self.add(&[(j, o)]),
                }
            }
            for &(k, m) in &mate.obs {
                if !obs.iter().any(|(j, _)| *j == k) {
                    self.add(&[(k, m)]);
                }
            }
            if let Some(bg) = self.background.as_mut() {
                bg.add_fragment(
                    record,
                    mate.record.as_ref(),
                    read.fragment_reverse,
                    opts.min_baseq,
                );
            }
        } else if read.mate_may_come && (record.mpos() >= read.pos || record.mtid() < 0) {
            // The mate is still ahead: wait for it. A mate whose place is
            // not written (RNEXT `*`) may be ahead too, as htslib's overlap
            // detection assumes; if it never comes, the read counts alone.
            let waiting = Pending {
                obs: std::mem::take(obs),
                record: self.background.is_some().then(|| record.clone()),
            };
            self.pending.insert(record.qname().to_vec(), waiting);
        } else {
            // No mate to wait for (unpaired, read mode, or the mate came
            // earlier and showed nothing here).
            self.add(obs);
            // The background takes whole fragments only: a read alone when
            // it is one (unpaired, or read mode), never half a pair whose
            // other half was not fetched.
            if let Some(bg) = self.background.as_mut().filter(|_| !read.mate_may_come) {
                if !(opts.fragments && read.paired) {
                    bg.add_fragment(record, None, read.fragment_reverse, opts.min_baseq);
                }
            }
        }
    }

    /// Mates that never came (filtered, or outside the fetched regions):
    /// their observations count alone; the background takes whole
    /// fragments only.
    fn finish(mut self) -> GroupCounts {
        for (_, w) in std::mem::take(&mut self.pending) {
            self.add(&w.obs);
        }
        GroupCounts {
            sites: self.counts,
            background: self.background,
        }
    }
}

/// Where a unit's records come from: the index (a [`RegionReader`]) or a
/// stream read once from start to end (`super::stream`). Either way, after
/// `fetch`, `read` hands out in file order every record that overlaps one
/// of the intervals (htslib's rule: a read without reference bases covers
/// one), each once.
pub(super) trait UnitReader {
    fn fetch(&mut self, contig: &str, intervals: &[(i64, i64)]) -> Result<(), String>;
    fn read(&mut self, record: &mut bam::Record) -> Option<Result<(), String>>;
}

impl UnitReader for RegionReader {
    fn fetch(&mut self, contig: &str, intervals: &[(i64, i64)]) -> Result<(), String> {
        RegionReader::fetch(self, contig, intervals)
    }
    fn read(&mut self, record: &mut bam::Record) -> Option<Result<(), String>> {
        RegionReader::read(self, record)
    }
}

/// Count the groups of one unit in one pass over its intervals.
pub(super) fn count_unit(
    reader: &mut impl UnitReader,
    unit: &Unit,
    groups: &[SiteGroup],
    models: &[SiteModel],
    opts: &CountOptions,
    path: &Path,
) -> Result<UnitCounts, CountError> {
    let windows = std::mem::take(&mut *unit.windows.lock().expect("no panic holds it"));
    let reclippers = std::mem::take(&mut *unit.reclippers.lock().expect("no panic holds it"));
    let groups: Vec<&SiteGroup> = unit.members.iter().map(|&g| &groups[g]).collect();
    let contig = &groups[0].contig;
    let region = || {
        let (first, last) = (groups[0], groups[groups.len() - 1]);
        format!("{contig}:{}-{}", first.start + 1, last.end)
    };
    let read_error = |detail: String| CountError::Read {
        path: path.to_owned(),
        region: region(),
        detail,
    };
    let mut states: Vec<GroupState> = groups
        .iter()
        .zip(windows.into_iter().zip(reclippers))
        .map(|(g, (w, r))| GroupState::new(g, models, w, r))
        .collect();
    reader.fetch(contig, &unit.intervals).map_err(read_error)?;
    let mut record = bam::Record::new();
    let mut obs: ReadObs = Vec::new();
    let mut last_pos = i64::MIN;
    let mut reads = ReadTally::default();
    while let Some(r) = reader.read(&mut record) {
        r.map_err(read_error)?;
        let pos = record.pos();
        if pos < last_pos {
            return Err(CountError::Unsorted {
                path: path.to_owned(),
                detail: format!(
                    "in {} a read at {} follows one at {}",
                    region(),
                    pos + 1,
                    last_pos + 1
                ),
            });
        }
        last_pos = pos;
        let flags = record.flags();
        if flags & (flag::SECONDARY | flag::SUPPLEMENTARY | flag::UNMAPPED) == 0 {
            reads.primary += 1;
            reads.duplicates += u64::from(flags & flag::DUPLICATE != 0);
        }
        if !opts.keeps(flags, record.mapq()) {
            continue;
        }
        // SEQ `*` (a secondary written without its bases, or a read whose
        // bases were stripped): it shows no allele. A CIGAR that is not
        // `*` must consume exactly SEQ (SAM spec §1.4.6); htslib checks
        // that for SAM text, not for every binary record.
        let cigar = record.raw_cigar();
        if record.seq_len() == 0 || (!cigar.is_empty() && query_len(cigar) != record.seq_len()) {
            reads.no_sequence += 1;
            continue;
        }
        let paired = flags & flag::PAIRED != 0;
        let reverse = flags & flag::REVERSE != 0;
        let fragment_reverse = if opts.fragments && paired && flags & flag::READ2 != 0 {
            !reverse
        } else {
            reverse
        };
        let read = ReadFacts {
            pos,
            end: ref_end(pos, record.raw_cigar()),
            clips: soft_clips(record.raw_cigar()),
            fragment_reverse,
            mate_may_come: opts.fragments
                && paired
                && flags & flag::MATE_UNMAPPED == 0
                // RNEXT `*` (-1): the mate's contig is not written; one of
                // the same name on this contig is the mate (as in htslib).
                && (record.mtid() == unit.tid as i32 || record.mtid() < 0),
            paired,
            observation: Observation {
                allele: super::Allele::Ref,
                reverse: fragment_reverse,
                fragment_length: if paired && flags & flag::PROPER_PAIR != 0 {
                    u32::try_from(record.insert_size().unsigned_abs()).unwrap_or(u32::MAX)
                } else {
                    0
                },
            },
        };
        for state in states.iter_mut().filter(|g| g.overlaps(&read)) {
            state.observe(&record, &read, &mut obs, opts);
        }
    }
    Ok(UnitCounts {
        groups: states.into_iter().map(GroupState::finish).collect(),
        reads,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::count::{prepare_sites, CountOptions, DEFAULT_EXCLUDE_FLAGS};
    use crate::reference;
    use std::path::PathBuf;

    pub(crate) const CONTIGS: &str = "@SQ\tSN:chr1\tLN:248956422\n@SQ\tSN:chr3\tLN:198295559\n\
        @SQ\tSN:chr7\tLN:159345973\n@SQ\tSN:chr11\tLN:135086622\n\
        @SQ\tSN:chr12\tLN:133275309\n@SQ\tSN:chr17\tLN:83257441\n";

    /// Demo reference bases, 1-based inclusive.
    fn demo_ref(contig: &str, from: u64, to: u64) -> String {
        let r = reference::open("demo").unwrap();
        String::from_utf8(r.fetch(contig, from - 1, to).unwrap()).unwrap()
    }

    /// One SAM line; quality 'I' (40) everywhere unless `qual` is given.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sam(
        name: &str,
        flag: u16,
        contig: &str,
        pos: u64,
        mapq: u8,
        cigar: &str,
        pnext: u64,
        tlen: i64,
        seq: &str,
        qual: Option<&str>,
    ) -> String {
        let q = qual
            .map(str::to_string)
            .unwrap_or_else(|| "I".repeat(seq.len()));
        let rnext = if pnext == 0 { "*" } else { "=" };
        format!("{name}\t{flag}\t{contig}\t{pos}\t{mapq}\t{cigar}\t{rnext}\t{pnext}\t{tlen}\t{seq}\t{q}\n")
    }

    /// Write SAM text (records in coordinate order) as an indexed BAM.
    pub(crate) fn bam(dir: &Path, name: &str, header: &str, records: &[String]) -> PathBuf {
        let sam_path = dir.join(format!("{name}.sam"));
        let mut text = String::from(header);
        for r in records {
            text.push_str(r);
        }
        std::fs::write(&sam_path, text).unwrap();
        let bam_path = dir.join(format!("{name}.bam"));
        let mut reader = bam::Reader::from_path(&sam_path).unwrap();
        let hdr = bam::Header::from_template(reader.header());
        let mut w = bam::Writer::from_path(&bam_path, &hdr, bam::Format::Bam).unwrap();
        for rec in reader.records() {
            w.write(&rec.unwrap()).unwrap();
        }
        drop(w);
        bam::index::build(&bam_path, None, bam::index::Type::Bai, 1).unwrap();
        bam_path
    }

    fn count(path: &Path, opts: &CountOptions) -> (Panel, Vec<SiteCounts>) {
        let panel = Panel::demo();
        let counts = count_panel(path, &panel, opts);
        (panel, counts)
    }

    /// Count `panel` with the demo reference, as `cfspot count` does.
    fn count_panel(path: &Path, panel: &Panel, opts: &CountOptions) -> Vec<SiteCounts> {
        let reference = reference::open("demo").unwrap();
        let r = Some(reference.as_ref());
        let input = AlignmentInput::open(path, r).unwrap();
        let models = prepare_sites(panel, r);
        count_bam_with_background(&input, panel, &models, r, opts, &Progress::new())
            .unwrap()
            .0
    }

    fn site<'a>(panel: &Panel, counts: &'a [SiteCounts], id: &str) -> &'a SiteCounts {
        let i = panel.hotspots.iter().position(|h| h.id == id).unwrap();
        &counts[i]
    }

    #[test]
    fn region_reader_returns_each_overlapping_record_once() {
        let dir = tempfile::tempdir().unwrap();
        let seq = "A".repeat(50);
        // 1-based starts of 50 bp reads on chr12: r1 touches only the first
        // interval, r2 both, r3 none (between them), r4 only the second.
        let records: Vec<String> = [("r1", 1000), ("r2", 1040), ("r3", 1100), ("r4", 1160)]
            .iter()
            .map(|&(n, p)| sam(n, 0, "chr12", p, 60, "50M", 0, 0, &seq, None))
            .collect();
        let path = bam(
            dir.path(),
            "regions",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &records,
        );
        let input = AlignmentInput::open(&path, None).unwrap();
        let mut reader = input.open_regions().unwrap();
        let names = |reader: &mut RegionReader, intervals: &[(i64, i64)]| {
            reader.fetch("chr12", intervals).unwrap();
            let mut record = bam::Record::new();
            let mut names = Vec::new();
            while let Some(r) = reader.read(&mut record) {
                r.unwrap();
                names.push(String::from_utf8(record.qname().to_vec()).unwrap());
            }
            names
        };
        // 0-based half-open: [1045, 1050) and [1189, 1190), given out of
        // order; each record once, in file order.
        assert_eq!(
            names(&mut reader, &[(1189, 1190), (1045, 1050)]),
            ["r1", "r2", "r4"]
        );
        // A second fetch on the same reader starts afresh.
        assert_eq!(names(&mut reader, &[(1085, 1101)]), ["r2", "r3"]);
        assert!(reader.fetch("chrUn", &[(0, 1)]).is_err());
    }

    #[test]
    fn groups_sharing_an_index_window_are_read_in_one_unit() {
        let group = |contig: &str, start: i64, end: i64| SiteGroup {
            contig: contig.into(),
            start,
            end,
            sites: vec![],
        };
        let groups = [
            group("chr1", 100, 200),
            group("chr1", 200 + SHARED_WINDOW - 1, 200 + SHARED_WINDOW),
            group("chr1", 200 + 3 * SHARED_WINDOW, 200 + 3 * SHARED_WINDOW + 1),
            group("chr2", 300, 301),
        ];
        assert_eq!(fetch_units(&groups), vec![vec![0, 1], vec![2], vec![3]]);
    }

    /// KRAS G12D is chr12:25245350 C>T. A 60 bp read from 25245321.
    pub(crate) fn kras_read(alt: bool) -> String {
        let mut s = demo_ref("chr12", 25245321, 25245380).into_bytes();
        assert_eq!(s[29], b'C');
        if alt {
            s[29] = b'T';
        }
        String::from_utf8(s).unwrap()
    }

    const R1F: u16 = 0x1 | 0x2 | 0x40 | 0x20; // paired, proper, read1, mate reverse
    const R2R: u16 = 0x1 | 0x2 | 0x80 | 0x10; // paired, proper, read2, reverse

    #[test]
    fn overlapping_mates_count_once_and_disagreeing_mates_are_discordant() {
        let dir = tempfile::tempdir().unwrap();
        // A 70 bp fragment over KRAS G12D: read 1 forward from 25245321,
        // read 2 reverse from 25245331; each mate shows alt (T) or ref (C).
        let mate2 =
            |alt: bool| kras_read(alt)[10..].to_string() + &demo_ref("chr12", 25245381, 25245390);
        let r1 = |name: &str, qual: Option<&str>| {
            sam(
                name,
                R1F,
                "chr12",
                25245321,
                60,
                "60M",
                25245331,
                70,
                &kras_read(true),
                qual,
            )
        };
        let r2 = |name: &str, alt: bool| {
            sam(
                name,
                R2R,
                "chr12",
                25245331,
                60,
                "60M",
                25245321,
                -70,
                &mate2(alt),
                None,
            )
        };
        let low_at_site = format!("{}#{}", "I".repeat(29), "I".repeat(30));
        let recs = vec![
            r1("agree", None),
            r1("disagree", None),
            r1("lowq", Some(&low_at_site)),
            r2("agree", true),
            r2("disagree", false),
            r2("lowq", false),
        ];
        let path = bam(
            dir.path(),
            "mates",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );
        let (panel, counts) = count(&path, &CountOptions::default());
        let g12d = site(&panel, &counts, "KRAS_G12D");
        // agree: one alt fragment; disagree: discordant; lowq: R1's low-quality
        // T defers to R2's confident C (ref).
        assert_eq!(
            (
                g12d.alt_count(),
                g12d.ref_count(),
                g12d.discordant,
                g12d.overlaps_merged
            ),
            (1, 1, 1, 3)
        );
        assert_eq!(
            (g12d.alt_fwd, g12d.alt_rev),
            (1, 0),
            "fragment orientation is read 1's strand"
        );
        assert_eq!(g12d.alt_lengths, vec![70]);
        assert_eq!(g12d.bases, Some([0, 1, 0, 1, 0, 0]));
        // Read mode: every read counts, low quality kept apart.
        let reads = CountOptions {
            fragments: false,
            ..CountOptions::default()
        };
        let (_, counts) = count(&path, &reads);
        let g12d = site(&panel, &counts, "KRAS_G12D");
        assert_eq!(
            (
                g12d.alt_count(),
                g12d.ref_count(),
                g12d.low_quality,
                g12d.discordant
            ),
            (3, 2, 1, 0)
        );
        assert_eq!(
            (g12d.alt_fwd, g12d.alt_rev, g12d.ref_rev),
            (2, 1, 2),
            "read mode keeps each read's strand"
        );
    }

    #[test]
    fn each_filter_drops_its_reads() {
        let dir = tempfile::tempdir().unwrap();
        let alt = kras_read(true);
        let recs: Vec<String> = [
            ("dup", 0x400u16, 60u8),
            ("secondary", 0x100, 60),
            ("qcfail", 0x200, 60),
            ("supplementary", 0x800, 60),
            ("lowmapq", 0, 19),
            ("okmapq", 0, 20),
        ]
        .iter()
        .map(|(n, f, q)| sam(n, *f, "chr12", 25245321, *q, "60M", 0, 0, &alt, None))
        .collect();
        let path = bam(
            dir.path(),
            "filters",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );
        let (panel, counts) = count(&path, &CountOptions::default());
        assert_eq!(site(&panel, &counts, "KRAS_G12D").alt_count(), 1);
        for (bit, expect) in [(0x400u16, 2), (0x100, 2), (0x200, 2), (0x800, 2)] {
            let opts = CountOptions {
                exclude_flags: DEFAULT_EXCLUDE_FLAGS & !bit,
                ..CountOptions::default()
            };
            let (_, counts) = count(&path, &opts);
            assert_eq!(
                site(&panel, &counts, "KRAS_G12D").alt_count(),
                expect,
                "keep {bit:#x}"
            );
        }
        let opts = CountOptions {
            min_mapq: 0,
            ..CountOptions::default()
        };
        assert_eq!(
            site(&panel, &count(&path, &opts).1, "KRAS_G12D").alt_count(),
            2
        );
        let opts = CountOptions {
            include_flags: 0x400,
            exclude_flags: 0,
            ..CountOptions::default()
        };
        assert_eq!(
            site(&panel, &count(&path, &opts).1, "KRAS_G12D").alt_count(),
            1
        );
    }

    #[test]
    fn egfr_deletion_and_overlapping_mnv() {
        // EGFR_E746_A750del: chr7:55174771 AGGAATTAAGAGAAGC>A deletes 55174772-55174786.
        // EGFR_L747P: chr7:55174776 TT>CC, inside that deletion.
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (55174741u64, 55174830u64);
        let refseq = demo_ref("chr7", a, b);
        let off = |p: u64| (p - a) as usize;
        let del = format!("{}{}", &refseq[..=off(55174771)], &refseq[off(55174787)..]);
        let mut mnv = refseq.clone().into_bytes();
        assert_eq!(&mnv[off(55174776)..=off(55174777)], b"TT");
        mnv[off(55174776)] = b'C';
        mnv[off(55174777)] = b'C';
        let mnv = String::from_utf8(mnv).unwrap();
        let end_in_mnv = &refseq[..=off(55174776)];
        let n_before = off(55174771) + 1;
        let recs = vec![
            sam(
                "ref",
                0,
                "chr7",
                a,
                60,
                &format!("{}M", refseq.len()),
                0,
                0,
                &refseq,
                None,
            ),
            sam(
                "del",
                0,
                "chr7",
                a,
                60,
                &format!("{}M15D{}M", n_before, del.len() - n_before),
                0,
                0,
                &del,
                None,
            ),
            sam(
                "mnv",
                0,
                "chr7",
                a,
                60,
                &format!("{}M", mnv.len()),
                0,
                0,
                &mnv,
                None,
            ),
            sam(
                "short",
                0,
                "chr7",
                a,
                60,
                &format!("{}M", end_in_mnv.len()),
                0,
                0,
                end_in_mnv,
                None,
            ),
        ];
        let path = bam(
            dir.path(),
            "egfr",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );
        let (panel, counts) = count(&path, &CountOptions::default());
        let d = site(&panel, &counts, "EGFR_E746_A750del");
        let m = site(&panel, &counts, "EGFR_L747P");
        // Deletion site: the ref read and the MNV read carry no indel, so both
        // read REF; the deletion read is ALT. The short read ends inside.
        assert_eq!(
            (d.ref_count(), d.alt_count(), d.other, d.depth()),
            (2, 1, 0, 3)
        );
        // MNV site: ref → ref, MNV → alt, deletion → other; the short read ends inside.
        assert_eq!(
            (m.ref_count(), m.alt_count(), m.other, m.depth()),
            (1, 1, 1, 3)
        );
        assert_eq!(m.bases, None);
    }

    #[test]
    fn identical_for_any_thread_count_and_in_panel_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut recs = Vec::new();
        for i in 0..40 {
            recs.push(sam(
                &format!("r{i}"),
                0,
                "chr12",
                25245321,
                60,
                "60M",
                0,
                0,
                &kras_read(i % 3 == 0),
                None,
            ));
        }
        let path = bam(
            dir.path(),
            "threads",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );
        let (panel, one) = count(&path, &CountOptions::default());
        for threads in [2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let many = pool.install(|| count(&path, &CountOptions::default()).1);
            assert_eq!(one, many, "{threads} threads");
        }
        assert_eq!(site(&panel, &one, "KRAS_G12D").alt_count(), 14);
        assert_eq!(site(&panel, &one, "KRAS_G12V").alt_count(), 0);
        assert_eq!(site(&panel, &one, "KRAS_G12V").depth(), 40);
        let mut tsv = Vec::new();
        crate::report::count_tsv::write(&mut tsv, &panel.hotspots, &one).unwrap();
        let ids: Vec<String> = String::from_utf8(tsv)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect();
        let want: Vec<String> = panel.hotspots.iter().map(|h| h.id.clone()).collect();
        assert_eq!(ids, want);
    }

    #[test]
    fn reads_without_usable_sequence_are_skipped_and_tallied() {
        let dir = tempfile::tempdir().unwrap();
        let alt = kras_read(true);
        let header = format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}");
        let recs = vec![
            // SEQ `*`: no allele, tallied.
            sam(
                "noseq",
                0,
                "chr12",
                25245321,
                60,
                "60M",
                0,
                0,
                "*",
                Some("*"),
            ),
            // QUAL `*` passes -Q 20, as in samtools mpileup.
            sam(
                "noqual",
                0,
                "chr12",
                25245321,
                60,
                "60M",
                0,
                0,
                &alt,
                Some("*"),
            ),
            // The largest TLEN SAM allows; its mate never comes.
            sam(
                "tlen",
                R1F,
                "chr12",
                25245321,
                60,
                "60M",
                25245321,
                -2147483647,
                &alt,
                None,
            ),
            // A mapped read with CIGAR `*`, on G12D itself: htslib's SAM
            // parser flags it unmapped (so it is neither primary nor
            // counted); as a binary record it would span no reference base
            // and show no allele either.
            sam("nocigar", 0, "chr12", 25245350, 60, "*", 0, 0, &alt, None),
        ];
        let path = bam(dir.path(), "noseq", &header, &recs);
        let panel = Panel::demo();
        let reference = reference::open("demo").unwrap();
        let input = AlignmentInput::open(&path, Some(reference.as_ref())).unwrap();
        let models = prepare_sites(&panel, Some(reference.as_ref()));
        let (counts, _, reads) = count_bam_with_background(
            &input,
            &panel,
            &models,
            None,
            &CountOptions::default(),
            &Progress::new(),
        )
        .unwrap();
        let g12d = site(&panel, &counts, "KRAS_G12D");
        assert_eq!((g12d.alt_count(), g12d.depth()), (2, 2));
        assert_eq!(g12d.alt_lengths, vec![2147483647]);
        assert_eq!((reads.primary, reads.no_sequence), (3, 1));
    }

    #[test]
    fn sites_beyond_a_contig_and_references_of_other_lengths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let seq = kras_read(true);
        let path = bam(
            dir.path(),
            "short",
            "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:c1\tLN:60\n",
            &[sam("a", 0, "c1", 1, 60, "60M", 0, 0, &seq, None)],
        );
        let input = AlignmentInput::open(&path, None).unwrap();
        let tsv = dir.path().join("panel.tsv");
        let count_with = |rows: &str, reference: Option<&dyn Reference>| {
            std::fs::write(&tsv, format!("contig\tpos\tref\talt\n{rows}")).unwrap();
            let panel = Panel::load(tsv.to_str().unwrap()).unwrap();
            let models = prepare_sites(&panel, None);
            count_bam_with_background(
                &input,
                &panel,
                &models,
                reference,
                &CountOptions::default(),
                &Progress::new(),
            )
        };
        // The last base (60) counts; a site at 61, or a deletion whose REF
        // runs past 60, does not.
        let last = &seq[59..60];
        assert!(count_with(&format!("c1\t60\t{last}\tN\n"), None).is_ok());
        for (row, line) in [
            (format!("c1\t10\tA\tT\nc1\t61\tA\tT\n"), 3),
            (format!("c1\t59\t{}A\t{}\n", &seq[58..60], &seq[58..59]), 2),
        ] {
            let e = count_with(&row, None).unwrap_err();
            assert!(matches!(e, CountError::BeyondContig { .. }), "{e}");
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("panel.tsv:{line}"))
                    && msg.contains("60 bp long in the header of"),
                "{msg}"
            );
        }
        // A reference whose c1 is 61 bp: another assembly.
        let fa = dir.path().join("ref.fa");
        std::fs::write(&fa, format!(">c1\n{seq}A\n")).unwrap();
        let r = reference::open(fa.to_str().unwrap()).unwrap();
        let e = count_with(&format!("c1\t60\t{last}\tN\n"), Some(r.as_ref())).unwrap_err();
        assert!(
            matches!(e, CountError::ReferenceLengthMismatch { .. }),
            "{e}"
        );
        assert!(e.to_string().contains("61 bp long in the reference"), "{e}");
    }

    #[test]
    fn bad_inputs_give_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let reference = reference::open("demo").unwrap();
        let r = Some(reference.as_ref());
        let recs = vec![sam(
            "a",
            0,
            "chr12",
            25245321,
            60,
            "60M",
            0,
            0,
            &kras_read(true),
            None,
        )];
        let good = bam(
            dir.path(),
            "good",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );

        // Truncated: cut the last bytes off.
        let bytes = std::fs::read(&good).unwrap();
        let cut = dir.path().join("cut.bam");
        std::fs::write(&cut, &bytes[..bytes.len() - 30]).unwrap();
        let e = AlignmentInput::open(&cut, r).unwrap_err();
        assert!(matches!(e, CountError::Truncated { .. }), "{e}");
        assert!(e.to_string().contains("cut.bam"));

        // Missing index: built beside the file.
        let noidx = dir.path().join("noidx.bam");
        std::fs::copy(&good, &noidx).unwrap();
        let input = AlignmentInput::open(&noidx, r).unwrap();
        assert!(input.index_built);
        assert!(dir.path().join("noidx.bam.bai").exists());

        // The header says SO:unsorted but the records are sorted: the
        // records decide (samtools indexes it too), with an index or without.
        let unsorted = bam(
            dir.path(),
            "unsorted",
            &format!("@HD\tVN:1.6\tSO:unsorted\n{CONTIGS}"),
            &recs,
        );
        assert!(!AlignmentInput::open(&unsorted, r).unwrap().index_built);
        std::fs::remove_file(dir.path().join("unsorted.bam.bai")).unwrap();
        assert!(AlignmentInput::open(&unsorted, r).unwrap().index_built);

        // Really unsorted, no header claim, no index: indexing fails.
        let a = sam(
            "x",
            0,
            "chr12",
            25245400,
            60,
            "10M",
            0,
            0,
            "ACGTACGTAC",
            None,
        );
        let b = sam(
            "y",
            0,
            "chr12",
            25245300,
            60,
            "10M",
            0,
            0,
            "ACGTACGTAC",
            None,
        );
        let sam_path = dir.path().join("mess.sam");
        std::fs::write(&sam_path, format!("{CONTIGS}{a}{b}")).unwrap();
        let mess = dir.path().join("mess.bam");
        {
            let mut reader = bam::Reader::from_path(&sam_path).unwrap();
            let hdr = bam::Header::from_template(reader.header());
            let mut w = bam::Writer::from_path(&mess, &hdr, bam::Format::Bam).unwrap();
            for rec in reader.records() {
                w.write(&rec.unwrap()).unwrap();
            }
        }
        let e = AlignmentInput::open(&mess, r).unwrap_err();
        assert!(matches!(e, CountError::Unsorted { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("record 2 (y) at chr12:25245300 follows one at chr12:25245400"),
            "{e}"
        );
        assert!(e.to_string().contains("samtools sort"));

        // SAM text, and CRAM without a reference.
        let e = AlignmentInput::open(&sam_path, r).unwrap_err();
        assert!(matches!(e, CountError::SamText { .. }), "{e}");
        let cram = dir.path().join("x.cram");
        std::fs::write(&cram, b"CRAM\x03\x00rest").unwrap();
        let e = AlignmentInput::open(&cram, r).unwrap_err();
        assert!(e.to_string().contains("--reference"), "{e}");

        // Contigs named the Ensembl way.
        let ens = bam(
            dir.path(),
            "ensembl",
            "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:12\tLN:133275309\n",
            &[sam(
                "a",
                0,
                "12",
                25245321,
                60,
                "60M",
                0,
                0,
                &kras_read(true),
                None,
            )],
        );
        let input = AlignmentInput::open(&ens, r).unwrap();
        let panel = Panel::demo();
        let models = prepare_sites(&panel, r);
        let e = count_bam(&input, &panel, &models, &CountOptions::default()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("chr12") && msg.contains("ensembl.bam"),
            "{msg}"
        );
        assert!(
            matches!(e, CountError::ContigsMissing { hint: Some(_), .. }),
            "{msg}"
        );
    }

    /// EGFR_E746_A750del (chr7:55174771 AGGAATTAAGAGAAGC>A) deletes
    /// 55174772-55174786. The deletion haplotype from `from` (1-based) on:
    /// `before` bases up to 55174771, then `after` bases from 55174787.
    fn egfr_del_read(before: u64, after: u64) -> String {
        demo_ref("chr7", 55174772 - before, 55174771)
            + &demo_ref("chr7", 55174787, 55174786 + after)
    }

    #[test]
    fn deletions_written_as_soft_clips_count_as_alt() {
        let dir = tempfile::tempdir().unwrap();
        // bwa mem's two ways of writing the deletion near a read end: the
        // bases past it clipped (`112M15S`), or those before it (`16S122M`).
        let right = egfr_del_read(112, 15);
        let left = egfr_del_read(16, 122);
        // A reference read whose last 15 bases are neither haplotype
        // (adapter, say): re-placed, it still does not reach the far
        // anchor, so it is not counted at the deletion.
        let junk = demo_ref("chr7", 55174660, 55174771) + "TTTTTTTTTTTTTTT";
        let recs = vec![
            sam(
                "right", 0, "chr7", 55174660, 60, "112M15S", 0, 0, &right, None,
            ),
            sam(
                "junk", 0, "chr7", 55174660, 60, "112M15S", 0, 0, &junk, None,
            ),
            sam(
                "left", 16, "chr7", 55174787, 60, "16S122M", 0, 0, &left, None,
            ),
        ];
        let path = bam(
            dir.path(),
            "delclip",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );
        let (panel, counts) = count(&path, &CountOptions::default());
        let d = site(&panel, &counts, "EGFR_E746_A750del");
        assert_eq!((d.alt_count(), d.depth()), (2, 2));
        assert_eq!((d.alt_fwd, d.alt_rev), (1, 1), "each read keeps its strand");
        // The MNV inside the deletion: both clipped deletion reads show a
        // deleted MNV (`other`) once placed; the junk read ends before it.
        let m = site(&panel, &counts, "EGFR_L747P");
        assert_eq!((m.alt_count(), m.other, m.depth()), (0, 2, 2));
        // Without a reference nothing is re-placed: the CIGARs stand, and
        // neither clipped read spans the deletion.
        let input = AlignmentInput::open(&path, None).unwrap();
        let models = prepare_sites(&panel, None);
        let bare = count_bam(&input, &panel, &models, &CountOptions::default()).unwrap();
        assert_eq!(site(&panel, &bare, "EGFR_E746_A750del").depth(), 0);
    }

    #[test]
    fn a_read_ending_one_base_past_the_deletion_counts_as_alt() {
        // bwa mem keeps a single mismatching last base aligned (a mismatch
        // costs 4, a clip 5): a read with 70 bases before the EGFR deletion
        // and 1 after comes as `71M`, its aligned bases ending inside the
        // deletion's footprint. Placed (as FASTQ mode places it) its last
        // base is the far anchor: ALT.
        let dir = tempfile::tempdir().unwrap();
        let read = egfr_del_read(70, 1);
        assert_ne!(
            demo_ref("chr7", 55174772, 55174772),
            demo_ref("chr7", 55174787, 55174787),
            "the last base is a mismatch on the reference"
        );
        let recs = vec![sam(
            "one", 0, "chr7", 55174702, 60, "71M", 0, 0, &read, None,
        )];
        let path = bam(
            dir.path(),
            "onepast",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );
        let (panel, counts) = count(&path, &CountOptions::default());
        let d = site(&panel, &counts, "EGFR_E746_A750del");
        assert_eq!((d.alt_count(), d.depth()), (1, 1));
    }

    #[test]
    fn an_mnv_written_as_a_soft_clip_counts_as_alt() {
        // EGFR_L747P: chr7:55174776 TT>CC. A read from 55174700 to
        // 55174785 carrying CC, with the two mismatches and what follows
        // clipped (`76M10S`), as an aligner writes it; and the same read
        // clipped at its start (`10S..`) in the other orientation.
        let dir = tempfile::tempdir().unwrap();
        let mut mnv = demo_ref("chr7", 55174700, 55174785).into_bytes();
        let at = (55174776 - 55174700) as usize;
        assert_eq!(&mnv[at..at + 2], b"TT");
        mnv[at] = b'C';
        mnv[at + 1] = b'C';
        let mnv = String::from_utf8(mnv).unwrap();
        let mut left = demo_ref("chr7", 55174766, 55174860).into_bytes();
        let at = (55174776 - 55174766) as usize;
        left[at] = b'C';
        left[at + 1] = b'C';
        let left = String::from_utf8(left).unwrap();
        let recs = vec![
            sam("right", 0, "chr7", 55174700, 60, "76M10S", 0, 0, &mnv, None),
            sam(
                "left", 16, "chr7", 55174778, 60, "12S83M", 0, 0, &left, None,
            ),
        ];
        let path = bam(
            dir.path(),
            "mnvclip",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );
        let (panel, counts) = count(&path, &CountOptions::default());
        let m = site(&panel, &counts, "EGFR_L747P");
        assert_eq!((m.alt_count(), m.depth()), (2, 2));
    }

    #[test]
    fn an_insertion_written_as_a_soft_clip_counts_as_alt() {
        // A panel insertion of 9 bases after chr12:25245300 (in the demo
        // reference's KRAS window), and a read carrying it with the
        // inserted bases and the 6 after them clipped (`50M15S`).
        let dir = tempfile::tempdir().unwrap();
        let mut panel = Panel::demo();
        let anchor = demo_ref("chr12", 25245300, 25245300);
        let inserted = "GATTACAGA";
        panel.hotspots.push(crate::panel::Hotspot {
            contig: "chr12".into(),
            pos: 25245300,
            ref_allele: anchor.clone(),
            alt_allele: format!("{anchor}{inserted}"),
            id: "TEST_INS".into(),
            gene: "KRAS".into(),
            label: String::new(),
            origin: "test".into(),
        });
        let read = demo_ref("chr12", 25245251, 25245300)
            + inserted
            + &demo_ref("chr12", 25245301, 25245306);
        let full = demo_ref("chr12", 25245251, 25245300)
            + inserted
            + &demo_ref("chr12", 25245301, 25245340);
        let recs = vec![
            sam(
                "clipped", 0, "chr12", 25245251, 60, "50M15S", 0, 0, &read, None,
            ),
            sam(
                "written", 0, "chr12", 25245251, 60, "50M9I40M", 0, 0, &full, None,
            ),
        ];
        let path = bam(
            dir.path(),
            "insclip",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );
        let counts = count_panel(&path, &panel, &CountOptions::default());
        let i = site(&panel, &counts, "TEST_INS");
        assert_eq!((i.alt_count(), i.depth()), (2, 2));
    }

    #[test]
    fn mates_without_rnext_merge_by_name() {
        // Both mates of one fragment over KRAS G12D with RNEXT `*` (the
        // `sam` helper writes `*` for PNEXT 0): one fragment, not two.
        let dir = tempfile::tempdir().unwrap();
        let mate2 = kras_read(true)[10..].to_string() + &demo_ref("chr12", 25245381, 25245390);
        let recs = vec![
            sam(
                "frag",
                0x1 | 0x40,
                "chr12",
                25245321,
                60,
                "60M",
                0,
                0,
                &kras_read(true),
                None,
            ),
            // A pair whose other mate is missing from the file counts alone.
            sam(
                "lone",
                0x1 | 0x40,
                "chr12",
                25245321,
                60,
                "60M",
                0,
                0,
                &kras_read(true),
                None,
            ),
            sam(
                "frag",
                0x1 | 0x80 | 0x10,
                "chr12",
                25245331,
                60,
                "60M",
                0,
                0,
                &mate2,
                None,
            ),
        ];
        let path = bam(
            dir.path(),
            "rnext",
            &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
            &recs,
        );
        let (panel, counts) = count(&path, &CountOptions::default());
        let g12d = site(&panel, &counts, "KRAS_G12D");
        assert_eq!((g12d.alt_count(), g12d.overlaps_merged), (2, 1));
    }
}
