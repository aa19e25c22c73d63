//! One pass: the records of a pass's intervals read in file order, each
//! classified at the sites of every group it overlaps, mates merged into
//! fragments, and the background tallied. The per-group state
//! ([`GroupState`]) lives only while its pass is read.

use super::{ref_end, Pass};
use crate::count::allele::SiteModel;
use crate::count::background::BackgroundWindow;
use crate::count::fragment::{collapse_mates, FragmentCall, Observation};
use crate::count::molecule::background::{Layers, WindowFragments};
use crate::count::molecule::setup::{AlignedMolecules, SiteFragments};
use crate::count::molecule::{Fragment, Grouping, Strategy};
use crate::count::reclip::{soft_clips, ReadSpan, Reclipper};
use crate::count::refcheck::GroupRefChecks;
use crate::count::regions::RegionReader;
use crate::count::site::SiteCounts;
use crate::count::{flag, CountError, CountOptions, CountPlan, ReadTally, SiteGroup};
use rust_htslib::bam;
use rustc_hash::FxHashMap;
use std::path::Path;

/// Query bases the CIGAR consumes (M I S = X), to check against SEQ.
fn query_len(cigar: &[u32]) -> usize {
    use crate::count::allele::cigar_op::*;
    cigar
        .iter()
        .filter(|&&c| matches!(c & 0xf, MATCH | INS | SOFT_CLIP | EQUAL | DIFF))
        .map(|&c| (c >> 4) as usize)
        .sum()
}

/// Observations of one read, keyed by the site's index within its group.
type ReadObs = Vec<(u16, Observation)>;

/// A read waiting for its mate: its observations, and the read itself when
/// the background is tallied (every position of the pair is merged).
struct Pending {
    obs: ReadObs,
    record: Option<bam::Record>,
    fragment: Option<Fragment>,
}

/// What one group of sites yields.
pub(super) struct GroupCounts {
    pub(super) sites: Vec<SiteCounts>,
    pub(super) background: Option<BackgroundWindow>,
    /// In molecules: the background in fragments, simplex and duplex
    /// (`background` is the unit's).
    pub(super) layers: Option<Layers>,
    pub(super) ref_checks: Option<GroupRefChecks>,
}

/// What one pass yields: its groups' counts, in member order, and the reads
/// it read.
pub(in crate::count) struct PassCounts {
    pub(super) groups: Vec<GroupCounts>,
    pub(super) reads: ReadTally,
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
    /// Its fragment's ends and tag, when counting in molecules.
    fragment: Option<Fragment>,
}

/// One group's counts while its pass is read.
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
    /// REF against the reads' MD tags, when no reference was given.
    ref_checks: Option<GroupRefChecks>,
    /// Counting in molecules: each site's fragments and their calls,
    /// grouped and counted when the group is done.
    fragments: Option<SiteFragments>,
    /// Counting in molecules with the background: the window's fragments,
    /// grouped into families when the group is done.
    window_fragments: Option<WindowFragments>,
}

impl<'a> GroupState<'a> {
    fn new(
        group: &SiteGroup,
        models: &'a [SiteModel],
        background: Option<BackgroundWindow>,
        reclipper: Option<Reclipper>,
        ref_checks: Option<GroupRefChecks>,
        molecules: bool,
    ) -> Self {
        let sites: Vec<&SiteModel> = group.sites.iter().map(|&i| &models[i]).collect();
        GroupState {
            start: group.start,
            end: group.end,
            counts: sites.iter().map(|m| SiteCounts::new(m)).collect(),
            fragments: molecules.then(|| SiteFragments::new(sites.len())),
            window_fragments: (molecules && background.is_some()).then(WindowFragments::default),
            sites,
            pending: FxHashMap::default(),
            background,
            reclipper,
            ref_checks,
        }
    }

    /// Whether the fetch of this group alone would have returned the read
    /// (htslib's overlap rule: a read without reference bases covers one).
    fn overlaps(&self, read: &ReadFacts) -> bool {
        read.pos < self.end && read.end.max(read.pos + 1) > self.start
    }

    fn add(&mut self, obs: &[(u16, Observation)], fragment: Option<&Fragment>) {
        for &(j, o) in obs {
            self.count(j as usize, FragmentCall::Observed(o), fragment);
        }
    }

    /// One fragment's call at site `j`: counted, or kept with its ends and
    /// tag when counting in molecules.
    fn count(&mut self, j: usize, call: FragmentCall, fragment: Option<&Fragment>) {
        match (self.fragments.as_mut(), fragment) {
            (Some(fragments), Some(f)) => fragments.add(j, f, call),
            _ => self.counts[j].add(self.sites[j], call),
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
        if let Some(checks) = self.ref_checks.as_mut() {
            checks.observe(record, read.pos, read.end);
        }
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
            let reading = match reclipper {
                Some(r) => {
                    let placement = placed.get_or_insert_with(|| {
                        r.place(&span, record.seq().as_bytes(), record.qual().to_vec())
                    });
                    match placement {
                        Some(p) => site.read_allele(p, opts.min_baseq),
                        // Too poor a placement: the CIGAR stands.
                        None if spans => site.read_allele(record, opts.min_baseq),
                        None => None,
                    }
                }
                None if spans => site.read_allele(record, opts.min_baseq),
                None => continue,
            };
            if let Some(reading) = reading {
                obs.push((
                    j as u16,
                    Observation {
                        allele: reading.allele,
                        qual: reading.qual,
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
            collapse_mates(&mate.obs, obs, |j, call, merged| {
                let j = j as usize;
                self.counts[j].overlaps_merged += u64::from(merged);
                self.count(j, call, read.fragment.as_ref());
            });
            self.tally_background(record, mate.record.as_ref(), read, opts.min_baseq);
        } else if read.mate_may_come && (record.mpos() >= read.pos || record.mtid() < 0) {
            // The mate is still ahead: wait for it. A mate whose place is
            // not written (RNEXT `*`) may be ahead too, as htslib's overlap
            // detection assumes; if it never comes, the read counts alone.
            let waiting = Pending {
                obs: std::mem::take(obs),
                record: self.background.is_some().then(|| record.clone()),
                fragment: read.fragment.clone(),
            };
            self.pending.insert(record.qname().to_vec(), waiting);
        } else {
            // No mate to wait for (unpaired, read mode, or the mate came
            // earlier and showed nothing here).
            self.add(obs, read.fragment.as_ref());
            // The background takes whole fragments only: a read alone when
            // it is one (unpaired, or read mode), never half a pair whose
            // other half was not fetched.
            if !read.mate_may_come && opts.unit.whole_alone(read.paired) {
                self.tally_background(record, None, read, opts.min_baseq);
            }
        }
    }

    /// One whole fragment into the background: tallied, and in molecules
    /// kept for its family too.
    fn tally_background(
        &mut self,
        record: &bam::Record,
        mate: Option<&bam::Record>,
        read: &ReadFacts,
        min_baseq: u8,
    ) {
        let Some(bg) = self.background.as_mut() else {
            return;
        };
        match (self.window_fragments.as_mut(), read.fragment.as_ref()) {
            (Some(w), Some(f)) => w.add(bg, f, record, mate, read.fragment_reverse, min_baseq),
            _ => bg.add_fragment(record, mate, read.fragment_reverse, min_baseq),
        }
    }

    /// Mates that never came (filtered, or outside the fetched regions):
    /// their observations count alone; the background takes whole
    /// fragments only.
    /// In molecules, each site's fragments are grouped and counted now;
    /// a site whose fragments cannot be grouped gives its index in the
    /// group and why.
    fn finish(
        mut self,
        opts: &CountOptions,
        grouping: Option<&Grouping>,
    ) -> Result<GroupCounts, (usize, String)> {
        for (_, w) in std::mem::take(&mut self.pending) {
            self.add(&w.obs, w.fragment.as_ref());
        }
        let mut layers = None;
        if let (Some(fragments), Some(grouping)) = (self.fragments.take(), grouping) {
            fragments
                .finish(grouping, opts, &self.sites, &mut self.counts)
                .map_err(|(j, e)| (j, e.to_string()))?;
            if let (Some(w), Some(bg)) = (self.window_fragments.take(), self.background.take()) {
                // The window's families are the sites' fragments and their
                // neighbours: a fragment that cannot be grouped is named
                // at the group's first site.
                let l = w
                    .finish(bg, grouping, opts)
                    .map_err(|e| (0, e.to_string()))?;
                self.background = Some(l.duplex.as_ref().unwrap_or(&l.simplex).clone());
                layers = Some(l);
            }
        }
        Ok(GroupCounts {
            sites: self.counts,
            background: self.background,
            layers,
            ref_checks: self.ref_checks,
        })
    }
}

/// Where a pass's records come from: the index (a [`RegionReader`]) or a
/// stream read once from start to end (`crate::count::stream`). Either way, after
/// `fetch`, `read` hands out in file order every record that overlaps one
/// of the intervals (htslib's rule: a read without reference bases covers
/// one), each once.
pub(in crate::count) trait PassReader {
    fn fetch(&mut self, contig: &str, intervals: &[(i64, i64)]) -> Result<(), String>;
    fn read(&mut self, record: &mut bam::Record) -> Option<Result<(), String>>;
}

impl PassReader for RegionReader {
    fn fetch(&mut self, contig: &str, intervals: &[(i64, i64)]) -> Result<(), String> {
        RegionReader::fetch(self, contig, intervals)
    }
    fn read(&mut self, record: &mut bam::Record) -> Option<Result<(), String>> {
        RegionReader::read(self, record)
    }
}

/// Count the groups of one pass over its intervals.
pub(in crate::count) fn count_pass(
    reader: &mut impl PassReader,
    pass: &Pass,
    plan: &CountPlan,
    path: &Path,
    molecules: Option<&AlignedMolecules>,
) -> Result<PassCounts, CountError> {
    let (models, opts) = (plan.models(), plan.opts());
    let windows = std::mem::take(&mut *pass.windows.lock().expect("no panic holds it"));
    let reclippers = std::mem::take(&mut *pass.reclippers.lock().expect("no panic holds it"));
    let ref_checks = std::mem::take(&mut *pass.ref_checks.lock().expect("no panic holds it"));
    let groups: Vec<&SiteGroup> = pass.members.iter().map(|&g| &plan.groups()[g]).collect();
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
        .zip(windows.into_iter().zip(reclippers).zip(ref_checks))
        .map(|(g, ((w, r), c))| GroupState::new(g, models, w, r, c, opts.unit.molecules()))
        .collect();
    reader.fetch(contig, &pass.intervals).map_err(read_error)?;
    let mut record = bam::Record::new();
    let mut obs: ReadObs = Vec::new();
    let mut last_pos = i64::MIN;
    // States before this index end before the current read (see the sweep
    // below).
    let mut done = 0;
    debug_assert!(states.windows(2).all(|w| w[0].end <= w[1].start));
    let mut reads = ReadTally::default();
    // Each pass reads UMIs of the length the first records set.
    let mut umis = molecules.map(|m| m.reader.clone());
    let paired_grouping = molecules.is_some_and(|m| m.grouping.strategy == Strategy::Paired);
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
        let fragment = match umis.as_mut() {
            Some(umis) => {
                let f = umis.fragment_of(&record)?;
                // Paired (duplex) grouping needs both ends: a read whose
                // mate is unmapped, or without one, is left out.
                if paired_grouping && f.ends.upper.is_none() {
                    reads.one_end_reads += 1;
                    continue;
                }
                Some(f)
            }
            None => None,
        };
        let paired = flags & flag::PAIRED != 0;
        let reverse = flags & flag::REVERSE != 0;
        let fragment_reverse = opts.unit.strand(paired, flags & flag::READ2 != 0, reverse);
        let read = ReadFacts {
            pos,
            end: ref_end(pos, record.raw_cigar()),
            clips: soft_clips(record.raw_cigar()),
            fragment_reverse,
            mate_may_come: opts.unit.pairs_mates()
                && paired
                && flags & flag::MATE_UNMAPPED == 0
                // RNEXT `*` (-1): the mate's contig is not written; one of
                // the same name on this contig is the mate (as in htslib).
                && (record.mtid() == pass.tid as i32 || record.mtid() < 0),
            paired,
            observation: Observation {
                allele: crate::count::Allele::Ref,
                qual: 0,
                reverse: fragment_reverse,
                fragment_length: if paired && flags & flag::PROPER_PAIR != 0 {
                    u32::try_from(record.insert_size().unsigned_abs()).unwrap_or(u32::MAX)
                } else {
                    0
                },
            },
            fragment,
        };
        // The groups the read overlaps, by a sweep: a pass's groups are
        // disjoint and in position order (`group_sites`), and reads come
        // by position, so a group ended before this read ends before every
        // later one, and none from the first that starts past the read's
        // end on can overlap it. Checking every group of the pass instead
        // cost 10,000 sites' `count` most of its time.
        while done < states.len() && states[done].end <= pos {
            done += 1;
        }
        let reach = read.end.max(read.pos + 1);
        for state in states[done..].iter_mut().take_while(|g| g.start < reach) {
            if state.overlaps(&read) {
                state.observe(&record, &read, &mut obs, opts);
            }
        }
    }
    let grouping = molecules.map(|m| &m.grouping);
    let groups = states
        .into_iter()
        .zip(&groups)
        .map(|(state, group)| {
            state.finish(opts, grouping).map_err(|(j, detail)| {
                let site = &plan.panel().hotspots[group.sites[j]];
                CountError::Grouping {
                    path: path.to_owned(),
                    site: site.id.clone(),
                    detail,
                }
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(PassCounts { groups, reads })
}
