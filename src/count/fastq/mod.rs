//! The FASTQ engine: allele counts at hotspots without an aligner.
//!
//! Reads are placed on the reference windows around the panel's sites
//! ([`index`], [`place`]) and each placement is handed to the same
//! [`SiteModel::classify`] as the BAM engine's records, then mates are
//! merged into fragments exactly as [`super::bam`] does. So what a read must
//! show to count is the BAM path's rule, applied to the placement.
//!
//! Inputs are streamed in batches of [`reader::BATCH_RECORDS`] records (one
//! reader thread per file, decompressing), batches are placed in parallel
//! on the current rayon pool, and the per-batch counts are added up in
//! batch order, so the result is the same for any number of threads.
//! Progress is the share of the input files' bytes (compressed, as stored)
//! read by the batches counted so far.

pub mod index;
pub mod molecules;
pub mod place;
pub mod reader;
pub mod umis;

use super::background::BackgroundWindow;
use super::fragment::{collapse_mates, FragmentCall, Observation};
use super::site::SiteCounts;
use super::{CountPlan, SiteGroup};
use crate::count::molecule::setup::SiteFragments as Pending;
use crate::progress::{Measure, Progress};
use index::PanelIndex;
use molecules::MoleculeSetup;
use place::{fragment_length, Placement, Placer};
use rayon::prelude::*;
use reader::{pair_name, Batch, FastqReader, Record, BATCH_RECORDS};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};

#[derive(Debug, thiserror::Error)]
pub enum FastqError {
    #[error("cannot read {path}: {source}", path = path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the compressed data is damaged or cut short at record {record} ({detail}); is the file truncated? (`gzip -t` checks it)", path = path.display())]
    Corrupt {
        path: PathBuf,
        record: u64,
        detail: String,
    },
    #[error("{path}: record {record}: {detail}", path = path.display())]
    Format {
        path: PathBuf,
        record: u64,
        detail: String,
    },
    #[error("record {record} is named {name1:?} in {r1} but {name2:?} in {r2}: R1 and R2 must list the same fragments in the same order", r1 = r1.display(), r2 = r2.display())]
    PairNames {
        r1: PathBuf,
        r2: PathBuf,
        record: u64,
        name1: String,
        name2: String,
    },
    #[error("{short} ends after {records} records but {long} has more: R1 and R2 must hold the same number of reads (was one cut short?)", short = short.display(), long = long.display())]
    PairCount {
        short: PathBuf,
        long: PathBuf,
        records: u64,
    },
    #[error("{path} is interleaved (records 1 and 2 are mates) but record {record} ({name1:?}) is followed by {name2:?}, not by its mate", path = path.display())]
    InterleavedNames {
        path: PathBuf,
        record: u64,
        name1: String,
        name2: String,
    },
    #[error("{path} is interleaved (records 1 and 2 are mates) but holds an odd number of records ({records}): the last read has no mate", path = path.display())]
    InterleavedOdd { path: PathBuf, records: u64 },
    #[error(
        "FASTQ input needs --reference: reads are placed on the reference around each hotspot"
    )]
    NeedsReference,
    #[error("{0}")]
    Reference(String),
    #[error("{0}")]
    Invalid(String),
}

/// True when the file's content (after gunzip) looks like FASTQ: its first
/// record parses.
pub fn looks_like_fastq(path: &Path) -> bool {
    FastqReader::peek(path)
        .and_then(|mut r| r.next_batch(1))
        .is_ok_and(|b| !b.is_empty())
}

/// How the reads of the inputs pair up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Two files, R1 and R2, record by record.
    Paired(PathBuf, PathBuf),
    /// One file whose consecutive records are mates.
    Interleaved(PathBuf),
    /// One file of unpaired reads.
    Single(PathBuf),
}

impl Layout {
    /// The files read.
    pub fn files(&self) -> Vec<&Path> {
        match self {
            Layout::Paired(a, b) => vec![a, b],
            Layout::Interleaved(a) | Layout::Single(a) => vec![a],
        }
    }

    /// Bytes of the files as stored, when every one is a regular file (a
    /// pipe has no size to measure progress against).
    pub fn stored_size(&self) -> Option<u64> {
        self.files()
            .iter()
            .map(|p| {
                (!crate::stdin::is_stdin(p))
                    .then(|| std::fs::metadata(p).ok())
                    .flatten()
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
            })
            .sum()
    }
}

/// Decide the layout by content: two inputs are R1 and R2; one input is
/// interleaved when its first two records carry the same name (after
/// dropping `/1` `/2` and the comment), single-end otherwise.
pub fn detect_layout(inputs: &[PathBuf]) -> Result<Layout, FastqError> {
    match inputs {
        [r1, r2] => Ok(Layout::Paired(r1.clone(), r2.clone())),
        [one] => {
            let first = FastqReader::peek(one)?.next_batch(2)?;
            Ok(
                if first.len() == 2 && first.get(0).name() == first.get(1).name() {
                    Layout::Interleaved(one.clone())
                } else {
                    Layout::Single(one.clone())
                },
            )
        }
        _ => Err(FastqError::Invalid(format!(
            "FASTQ input is one file (single-end or interleaved) or two (R1 R2), not {}",
            inputs.len()
        ))),
    }
}

/// One piece of parallel work: a batch of reads, or of pairs.
struct Work {
    r1: Batch,
    r2: Option<Batch>,
    interleaved: bool,
}

/// What the FASTQ engine counted.
#[derive(Debug)]
pub struct FastqCounts {
    /// One per hotspot, in panel order.
    pub sites: Vec<SiteCounts>,
    /// One window per group of sites (empty unless tallied).
    pub background: Vec<BackgroundWindow>,
    /// What the user should know (in molecules: where the UMIs were).
    pub notes: Vec<String>,
    /// In molecules: where the UMIs came from and how they were grouped.
    pub molecules: Option<crate::count::molecule::setup::MoleculeSource>,
}

/// Count every hotspot of the plan from FASTQ `inputs` (paired R1 R2,
/// interleaved, or single-end), in panel order, on the plan's reference
/// (which FASTQ needs: reads are placed on it); with `opts.background`
/// also the background tallies: one window per group of sites, as the BAM
/// engine makes them, filled by the placed fragments that reach the
/// group's sites. In molecules, the UMIs are found as [`umis`] says and
/// the families grouped as [`molecules`] does. Runs on the current rayon
/// pool; the result does not depend on its size. `progress` counts
/// [`Measure::Bytes`] of the inputs as stored.
pub fn count_fastq(
    inputs: &[PathBuf],
    plan: &CountPlan,
    progress: &Progress,
) -> Result<FastqCounts, FastqError> {
    let reference = plan.reference().ok_or(FastqError::NeedsReference)?;
    let layout = detect_layout(inputs)?;
    let index = PanelIndex::build(plan)?;
    let molecules =
        match plan.opts().unit.molecules() {
            true => {
                let umis = umis::FastqUmis::detect(&layout, &plan.opts().read_structures)?;
                Some(MoleculeSetup::new(umis, plan, &index)?)
            }
            false if !plan.opts().read_structures.is_empty() => return Err(FastqError::Invalid(
                "--read-structure needs --molecules or --duplex: without them UMIs are not used"
                    .into(),
            )),
            false => None,
        };
    let backgrounds: Vec<BackgroundWindow> = if plan.opts().background {
        (0..plan.groups().len())
            .map(|g| plan.background_window(g, reference))
            .collect()
    } else {
        Vec::new()
    };
    let engine = Engine {
        index: &index,
        plan,
        layout: &layout,
        backgrounds: &backgrounds,
        molecules: molecules.as_ref(),
    };
    engine.run_with_progress(progress)
}

/// The shared, read-only state of one count.
pub struct Engine<'a> {
    pub index: &'a PanelIndex,
    pub plan: &'a CountPlan<'a>,
    pub layout: &'a Layout,
    /// Empty background windows, one per group of the plan (none unless
    /// tallied).
    pub backgrounds: &'a [BackgroundWindow],
    /// Counting in molecules: the UMIs and grouping.
    pub molecules: Option<&'a MoleculeSetup>,
}

/// What one batch yields: site counts and background tallies, and in
/// molecules the fragments' calls still to be grouped.
struct Part {
    sites: Vec<SiteCounts>,
    background: Vec<BackgroundWindow>,
    pending: Pending,
}

/// Send batches of `n` records of `path` down a channel until the end,
/// an error, or the receiver hanging up.
fn spawn_reader<'s>(
    scope: &'s std::thread::Scope<'s, '_>,
    path: &Path,
    n: usize,
    cap: usize,
) -> Receiver<Result<Batch, FastqError>> {
    let (tx, rx) = sync_channel(cap);
    let path = path.to_owned();
    scope.spawn(move || {
        let mut reader = match FastqReader::open(&path) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        loop {
            let batch = reader.next_batch(n);
            let stop = !matches!(&batch, Ok(b) if !b.is_empty());
            if tx.send(batch).is_err() || stop {
                return;
            }
        }
    });
    rx
}

impl Engine<'_> {
    pub fn run(&self) -> Result<FastqCounts, FastqError> {
        self.run_with_progress(&Progress::new())
    }

    /// [`Engine::run`], adding to `progress` the file bytes behind each
    /// chunk of batches once it is counted.
    pub fn run_with_progress(&self, progress: &Progress) -> Result<FastqCounts, FastqError> {
        progress.begin(self.layout.stored_size(), Measure::Bytes);
        // File bytes behind every batch received so far, the final empty
        // ones included (they hold the gzip trailer); reported after the
        // batches are counted, so the bar never runs ahead of the work.
        let received = &Cell::new(0u64);
        let mut reported = 0u64;
        let chunk = (2 * rayon::current_num_threads()).max(2);
        let mut total: Vec<SiteCounts> = self.plan.empty_counts();
        let mut background: Vec<BackgroundWindow> = self.backgrounds.to_vec();
        let mut pending = self.empty_pending();
        std::thread::scope(|scope| -> Result<(), FastqError> {
            let mut next: Box<dyn FnMut() -> Result<Option<Work>, FastqError>> = match self.layout {
                Layout::Paired(p1, p2) => {
                    let rx1 = spawn_reader(scope, p1, BATCH_RECORDS, chunk);
                    let rx2 = spawn_reader(scope, p2, BATCH_RECORDS, chunk);
                    let (p1, p2) = (p1.clone(), p2.clone());
                    Box::new(move || {
                        let hung_up = || FastqError::Invalid("a FASTQ reader stopped".into());
                        let b1 = rx1.recv().map_err(|_| hung_up())??;
                        let b2 = rx2.recv().map_err(|_| hung_up())??;
                        received.set(b1.bytes_read + b2.bytes_read);
                        if b1.len() != b2.len() {
                            let (short, long, b) = if b1.len() < b2.len() {
                                (&p1, &p2, &b1)
                            } else {
                                (&p2, &p1, &b2)
                            };
                            return Err(FastqError::PairCount {
                                short: short.clone(),
                                long: long.clone(),
                                records: b.first_record - 1 + b.len() as u64,
                            });
                        }
                        Ok((!b1.is_empty()).then_some(Work {
                            r1: b1,
                            r2: Some(b2),
                            interleaved: false,
                        }))
                    })
                }
                Layout::Interleaved(p) | Layout::Single(p) => {
                    let interleaved = matches!(self.layout, Layout::Interleaved(_));
                    let rx = spawn_reader(scope, p, BATCH_RECORDS * 2, chunk);
                    let p = p.clone();
                    Box::new(move || {
                        let b = rx
                            .recv()
                            .map_err(|_| FastqError::Invalid("a FASTQ reader stopped".into()))??;
                        received.set(b.bytes_read);
                        if interleaved && b.len() % 2 == 1 {
                            return Err(FastqError::InterleavedOdd {
                                path: p.clone(),
                                records: b.first_record - 1 + b.len() as u64,
                            });
                        }
                        Ok((!b.is_empty()).then_some(Work {
                            r1: b,
                            r2: None,
                            interleaved,
                        }))
                    })
                }
            };
            let mut works = Vec::with_capacity(chunk);
            let mut finished = false;
            while !finished {
                works.clear();
                while works.len() < chunk {
                    match next()? {
                        Some(w) => works.push(w),
                        None => {
                            finished = true;
                            break;
                        }
                    }
                }
                let parts: Vec<Result<Part, FastqError>> = works
                    .par_iter()
                    .map_init(Placer::default, |placer, w| self.count_work(placer, w))
                    .collect();
                for part in parts {
                    let part = part?;
                    for (t, p) in total.iter_mut().zip(part.sites) {
                        t.merge(p);
                    }
                    for (t, p) in background.iter_mut().zip(part.background) {
                        t.merge(&p);
                    }
                    pending.merge(part.pending);
                }
                progress.add(received.get().saturating_sub(reported));
                reported = received.get();
            }
            Ok(())
        })?;
        let mut notes = Vec::new();
        if let Some(setup) = self.molecules {
            notes = molecules::notes(setup, &pending);
            molecules::finish(pending, setup, self.plan, &mut total)?;
        }
        Ok(FastqCounts {
            sites: total,
            background,
            notes,
            molecules: self.molecules.map(MoleculeSetup::source),
        })
    }

    fn empty_pending(&self) -> Pending {
        match self.molecules {
            Some(_) => Pending::new(self.plan.models().len()),
            None => Pending::default(),
        }
    }

    fn count_work(&self, placer: &mut Placer, w: &Work) -> Result<Part, FastqError> {
        let mut part = Part {
            sites: self.plan.empty_counts(),
            background: self.backgrounds.to_vec(),
            pending: self.empty_pending(),
        };
        match (&w.r2, w.interleaved) {
            (Some(r2), _) => {
                let Layout::Paired(p1, p2) = self.layout else {
                    unreachable!("two batches come from two files")
                };
                for k in 0..w.r1.len() {
                    let (a, b) = (w.r1.get(k), r2.get(k));
                    let record = w.r1.first_record + k as u64;
                    if a.name() != b.name() {
                        return Err(FastqError::PairNames {
                            r1: p1.clone(),
                            r2: p2.clone(),
                            record,
                            name1: String::from_utf8_lossy(a.name()).into_owned(),
                            name2: String::from_utf8_lossy(b.name()).into_owned(),
                        });
                    }
                    self.add_reads(placer, &mut part, (a, p1), Some((b, p2)), record)?;
                }
            }
            (None, true) => {
                let Layout::Interleaved(p) = self.layout else {
                    unreachable!("interleaved work comes from an interleaved file")
                };
                for k in (0..w.r1.len()).step_by(2) {
                    let (a, b) = (w.r1.get(k), w.r1.get(k + 1));
                    let record = w.r1.first_record + k as u64;
                    if a.name() != b.name() {
                        return Err(FastqError::InterleavedNames {
                            path: p.clone(),
                            record,
                            name1: String::from_utf8_lossy(pair_name(a.header)).into_owned(),
                            name2: String::from_utf8_lossy(pair_name(b.header)).into_owned(),
                        });
                    }
                    self.add_reads(placer, &mut part, (a, p), Some((b, p)), record)?;
                }
            }
            (None, false) => {
                let Layout::Single(p) = self.layout else {
                    unreachable!("single-end work comes from a single-end file")
                };
                for k in 0..w.r1.len() {
                    let record = w.r1.first_record + k as u64;
                    self.add_reads(placer, &mut part, (w.r1.get(k), p), None, record)?;
                }
            }
        }
        Ok(part)
    }

    /// Place one fragment's reads (read 1, and read 2 when paired; record
    /// `record` of their files) and add them to `part`: counted, or in
    /// molecules their templates placed and their calls kept with the
    /// fragment's ends and UMI.
    fn add_reads(
        &self,
        placer: &mut Placer,
        part: &mut Part,
        r1: (Record<'_>, &PathBuf),
        r2: Option<(Record<'_>, &PathBuf)>,
        record: u64,
    ) -> Result<(), FastqError> {
        let paired = r2.is_some();
        let Some(setup) = self.molecules else {
            let pa = placer.place(self.index, r1.0.seq, r1.0.qual);
            let pb = r2.and_then(|(b, _)| placer.place(self.index, b.seq, b.qual));
            self.add_fragment(&mut part.sites, pa.as_ref(), pb.as_ref(), paired);
            self.add_background(&mut part.background, pa.as_ref(), pb.as_ref(), paired);
            return Ok(());
        };
        let (t1, t2, tag) =
            setup
                .umis
                .split((r1.0, r1.1), r2.map(|(b, p)| (b, p.as_path())), record)?;
        let pa = placer.place(self.index, t1.seq(), t1.qual());
        let pb = t2.and_then(|t| placer.place(self.index, t.seq(), t.qual()));
        let (pa, pb) = (pa.as_ref(), pb.as_ref());
        self.add_background(&mut part.background, pa, pb, paired);
        let Some(ends) = setup.ends(pa, pb) else {
            part.pending.one_end += u64::from(pa.is_some() || pb.is_some());
            return Ok(());
        };
        let fragment = crate::count::molecule::Fragment { ends, tag };
        let (sites, pending) = (&mut part.sites, &mut part.pending);
        self.fragment_calls(pa, pb, paired, |i, call, merged| {
            sites[i].overlaps_merged += u64::from(merged);
            pending.add(i, &fragment, call);
        });
        Ok(())
    }

    /// The strand a fragment counts on, by its unit's rule: read 1's, or
    /// read 2's (as the unit reads it) when read 1 was not placed.
    fn fragment_strand(
        &self,
        r1: Option<&Placement>,
        r2: Option<&Placement>,
        paired: bool,
    ) -> Option<bool> {
        let unit = self.plan.opts().unit;
        match (r1, r2) {
            (Some(a), _) => Some(unit.strand(paired, false, a.reverse)),
            (None, Some(b)) => Some(unit.strand(paired, true, b.reverse)),
            (None, None) => None,
        }
    }

    /// Add a fragment to the background windows of the groups it reaches,
    /// as the BAM engine does for the reads it fetches around each group:
    /// mates on one window merge, on the fragment's strand.
    fn add_background(
        &self,
        background: &mut [BackgroundWindow],
        r1: Option<&Placement>,
        r2: Option<&Placement>,
        paired: bool,
    ) {
        if background.is_empty() {
            return;
        }
        let Some(reverse) = self.fragment_strand(r1, r2, paired) else {
            return;
        };
        let (unit, min_baseq) = (self.plan.opts().unit, self.plan.opts().min_baseq);
        let contig = |p: &Placement| &self.index.windows[p.window as usize].contig;
        let reaches = |p: &Placement, g: &SiteGroup| {
            contig(p) == &g.contig && p.ref_start < g.end && p.ref_end > g.start
        };
        // As the BAM engine sees a group: the reads that reach its sites'
        // region, and whole units only (both mates there, or one read that
        // is a unit by itself).
        for (g, w) in self.plan.groups().iter().zip(background.iter_mut()) {
            let a = r1.filter(|p| reaches(p, g));
            let b = r2.filter(|p| reaches(p, g));
            match (a, b) {
                (Some(a), Some(b)) if unit.pairs_mates() => {
                    w.add_fragment(a, Some(b), reverse, min_baseq)
                }
                _ if !unit.whole_alone(paired) => {}
                (a, b) => {
                    for p in [a, b].into_iter().flatten() {
                        w.add_fragment(p, None, p.reverse, min_baseq);
                    }
                }
            }
        }
    }

    /// The observations a placed read gives at each of its window's sites
    /// that its aligned bases span (panel index, observation), on strand
    /// `reverse`.
    fn observe(
        &self,
        p: &Placement,
        reverse: bool,
        fragment_length: u32,
        out: &mut Vec<(usize, Observation)>,
    ) {
        let models = self.plan.models();
        for &i in &self.index.windows[p.window as usize].sites {
            let (s, e) = models[i].footprint();
            if s < p.ref_start || e > p.ref_end {
                continue;
            }
            if let Some(r) = models[i].read_allele(p, self.plan.opts().min_baseq) {
                out.push((
                    i,
                    Observation {
                        allele: r.allele,
                        qual: r.qual,
                        reverse,
                        fragment_length,
                    },
                ));
            }
        }
    }

    /// Add one fragment (or single read) to `counts`, by
    /// [`Engine::fragment_calls`].
    pub fn add_fragment(
        &self,
        counts: &mut [SiteCounts],
        r1: Option<&Placement>,
        r2: Option<&Placement>,
        paired: bool,
    ) {
        let models = self.plan.models();
        self.fragment_calls(r1, r2, paired, |i, call, merged| {
            counts[i].overlaps_merged += u64::from(merged);
            counts[i].add(&models[i], call);
        });
    }

    /// One fragment's (or single read's) call at each site it reads, given
    /// to `sink(site, call, overlap_merged)`, with the BAM engine's rules:
    /// the unit's strand; mates that both read a site merged (the earlier
    /// by position first, as the BAM engine meets them); |TLEN| only for a
    /// proper pair.
    fn fragment_calls(
        &self,
        r1: Option<&Placement>,
        r2: Option<&Placement>,
        paired: bool,
        mut sink: impl FnMut(usize, FragmentCall, bool),
    ) {
        let Some(reverse) = self.fragment_strand(r1, r2, paired) else {
            return;
        };
        let flen = match (r1, r2) {
            (Some(a), Some(b)) => fragment_length(a, b).unwrap_or(0),
            _ => 0,
        };
        // Mates of one fragment count on its strand; a read alone (read
        // mode) on its own.
        let pairs = self.plan.opts().unit.pairs_mates();
        let strand = |p: &Placement| if pairs { reverse } else { p.reverse };
        let (mut o1, mut o2) = (Vec::new(), Vec::new());
        if let Some(a) = r1 {
            self.observe(a, strand(a), flen, &mut o1);
        }
        if let Some(b) = r2 {
            self.observe(b, strand(b), flen, &mut o2);
        }
        if !pairs {
            for &(i, o) in o1.iter().chain(&o2) {
                sink(i, FragmentCall::Observed(o), false);
            }
            return;
        }
        let r1_first = match (r1, r2) {
            (Some(a), Some(b)) => a.ref_start <= b.ref_start,
            _ => true,
        };
        let (first, second) = if r1_first { (&o1, &o2) } else { (&o2, &o1) };
        collapse_mates(first, second, sink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::molecule::ReadStructure;
    use crate::count::CountOptions;
    use crate::panel::Panel;

    #[test]
    fn read_structures_need_molecules() {
        let dir = tempfile::tempdir().unwrap();
        let fq = dir.path().join("r.fq");
        std::fs::write(&fq, "@r1\nACGTACGTAC\n+\nIIIIIIIIII\n").unwrap();
        let panel = Panel::demo();
        let reference = crate::reference::open("demo").unwrap();
        let opts = CountOptions {
            read_structures: vec![ReadStructure::parse("4M+T").unwrap()],
            ..CountOptions::default()
        };
        let plan = CountPlan::new(&panel, Some(reference.as_ref()), &opts);
        let e = count_fastq(&[fq], &plan, &Progress::new()).unwrap_err();
        assert!(
            e.to_string().contains("needs --molecules or --duplex"),
            "{e}"
        );
    }
}
