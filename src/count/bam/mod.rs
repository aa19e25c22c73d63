//! The BAM/CRAM engine: each group of nearby sites is read in one pass
//! through the index (only the records that touch a site, see
//! [`super::regions`]); passes run in parallel (rayon), one reader per
//! worker.
//!
//! This module owns the entry points and what comes before and after the
//! reading: the panel checked against the header, the plan's groups
//! bundled into passes ([`passes`]), and the passes' counts put back in
//! panel order ([`assemble`]). [`schedule`] decides which groups are read in one
//! pass and in which order the workers take them; [`pass`] reads one pass
//! and holds the per-group state (mates waiting for each other, the
//! background). The streamed engine (`super::stream`) shares all three.

mod pass;
mod schedule;
#[cfg(test)]
pub(crate) mod tests;

use super::allele::AlignedRead;
use super::background::BackgroundWindow;
pub use super::input::{AlignmentFormat, AlignmentInput};
use super::molecule::background::BackgroundLayers;
use super::molecule::setup::{enough_to_detect, AlignedMolecules};
use super::reclip::Reclipper;
use super::refcheck::{GroupRefChecks, RefCheck};
use super::regions::RegionReader;
use super::site::SiteCounts;
use super::{CountError, CountPlan, ReadTally};
use crate::panel::{contig_style_hint_in, Panel};
use crate::progress::{Measure, Progress};
use crate::reference::Reference;
pub(super) use pass::{count_pass, PassCounts, PassReader};
use rust_htslib::bam::{self, Read as _};
pub(super) use schedule::Pass;
use std::path::Path;
use std::sync::Mutex;

/// Reads are from user files: no accessor may index past what the record
/// holds. `pass::count_pass` skips reads without SEQ (or with a CIGAR that does
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
    fn base_codes_into(&self, out: &mut Vec<u8>) {
        // Two 4-bit codes a byte, high nibble first (SAM spec §4.2.3:
        // A 1, C 2, G 4, T 8); everything else (N, IUPAC) is 4, as `base`'s
        // letters would be, without building a `Seq` per base.
        const CODES: [u8; 16] = [4, 0, 1, 4, 2, 4, 4, 4, 3, 4, 4, 4, 4, 4, 4, 4];
        let n = self.seq_len();
        let encoded = self.seq().encoded;
        out.clear();
        out.resize(2 * encoded.len(), 4);
        for (pair, &byte) in out.chunks_exact_mut(2).zip(encoded) {
            pair[0] = CODES[usize::from(byte >> 4)];
            pair[1] = CODES[usize::from(byte & 0xf)];
        }
        out.truncate(n);
    }
    fn quals_into(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(self.qual());
    }
}

/// What an alignment engine (indexed or streamed) counted, in panel order.
#[derive(Debug, Clone)]
pub struct AlignmentCounts {
    pub sites: Vec<SiteCounts>,
    /// One window per group of sites, in a fixed order (with
    /// `opts.background`).
    pub background: Vec<BackgroundWindow>,
    pub reads: ReadTally,
    /// Per site, what the reads' MD tags said of its REF; all empty when a
    /// reference was given (it checks REF itself).
    pub ref_checks: Vec<RefCheck>,
    /// Counting in molecules: the UMI source and grouping used.
    pub molecules: Option<AlignedMolecules>,
    /// In molecules with the background: it in fragments, simplex and
    /// duplex molecules, in the order of `background`.
    pub layers: Option<BackgroundLayers>,
}

/// Count every hotspot of the plan in `input`, in panel order, and with
/// `opts.background` also the background tallies (one window per group of
/// sites, in group order), for which the plan needs a reference. Runs on
/// the current rayon pool; the result does not depend on its size.
pub fn count_bam(
    input: &AlignmentInput,
    plan: &CountPlan,
    progress: &Progress,
) -> Result<AlignmentCounts, CountError> {
    let mut header_reader = input.open_plain()?;
    let header = header_reader.header().to_owned();
    let molecules = match plan.opts().unit.molecules() {
        true => {
            let first = first_records(&mut header_reader, &input.path)?;
            Some(AlignedMolecules::new(&input.path, &first, plan.opts())?)
        }
        false => None,
    };
    drop(header_reader);
    let passes = passes(&header, &input.path, plan)?;
    progress.begin(
        Some(plan.groups().len() as u64),
        Measure::Items("site groups"),
    );
    let workers = rayon::current_num_threads().min(passes.len()).max(1);
    let readers: Vec<RegionReader> = (0..workers)
        .map(|_| input.open_regions())
        .collect::<Result<_, _>>()?;
    let counted = schedule::largest_first(&passes, readers, |reader, pass| {
        let result = count_pass(reader, pass, plan, &input.path, molecules.as_ref());
        progress.add(pass.members.len() as u64);
        result
    })
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?;
    let mut counts = assemble(&passes, plan, counted);
    counts.molecules = molecules;
    Ok(counts)
}

/// An input's first records from the start of the file, enough for
/// [`crate::count::molecule::umi::detect`] (fewer when the file has fewer).
fn first_records(reader: &mut bam::Reader, path: &Path) -> Result<Vec<bam::Record>, CountError> {
    let mut first = Vec::new();
    let mut record = bam::Record::new();
    while !enough_to_detect(&first) {
        match reader.read(&mut record) {
            None => break,
            Some(Err(e)) => {
                return Err(CountError::Read {
                    path: path.to_owned(),
                    region: "its first records".into(),
                    detail: e.to_string(),
                })
            }
            // A truncated file's last record (rust-htslib reports it read,
            // with no data): the pass that reaches it says so.
            Some(Ok(())) if record.inner().l_data == 0 => break,
            Some(Ok(())) => first.push(record.clone()),
        }
    }
    Ok(first)
}

/// What both engines (indexed and streamed) do before reading: check the
/// panel's contigs against the header, and bundle the plan's groups into
/// passes, each with its empty background windows.
pub(super) fn passes(
    header: &bam::HeaderView,
    path: &Path,
    plan: &CountPlan,
) -> Result<Vec<Pass>, CountError> {
    let (panel, reference, opts) = (plan.panel(), plan.reference(), plan.opts());
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
    let (groups, models) = (plan.groups(), plan.models());
    // The background needs the reference; counting alone does not (without
    // it, clipped reads are not re-placed).
    let background_reference = if opts.background {
        Some(reference.ok_or(CountError::BackgroundNeedsReference)?)
    } else {
        None
    };
    let passes: Vec<Pass> = schedule::fetch_passes(groups)
        .into_iter()
        .map(|members| Pass {
            tid: header
                .tid(groups[members[0]].contig.as_bytes())
                .expect("checked above"),
            windows: Mutex::new(
                members
                    .iter()
                    .map(|&g| background_reference.map(|r| plan.background_window(g, r)))
                    .collect(),
            ),
            reclippers: Mutex::new(
                members
                    .iter()
                    .map(|&g| reference.and_then(|r| Reclipper::new(&groups[g], panel, models, r)))
                    .collect(),
            ),
            // A reference checks REF itself (`Panel::resolve`); without one
            // the reads' MD tags are the only word on it.
            ref_checks: Mutex::new(
                members
                    .iter()
                    .map(|&g| {
                        reference.is_none().then(|| {
                            GroupRefChecks::new(groups[g].sites.iter().map(|&i| &panel.hotspots[i]))
                        })
                    })
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
    Ok(passes)
}

/// Put the passes' counts (one per pass, in pass order) back in panel
/// order, with the background windows in pass order and the read tallies
/// summed.
pub(super) fn assemble(
    passes: &[Pass],
    plan: &CountPlan,
    counted: Vec<PassCounts>,
) -> AlignmentCounts {
    let (groups, n_sites) = (plan.groups(), plan.len());
    let mut out: Vec<Option<SiteCounts>> = vec![None; n_sites];
    let mut ref_checks = vec![RefCheck::default(); n_sites];
    let mut background = Vec::new();
    let mut layers: Option<BackgroundLayers> = None;
    let mut reads = ReadTally::default();
    for (pass, counted) in passes.iter().zip(counted) {
        reads.primary += counted.reads.primary;
        reads.duplicates += counted.reads.duplicates;
        reads.no_sequence += counted.reads.no_sequence;
        reads.one_end_reads += counted.reads.one_end_reads;
        for (&g, group) in pass.members.iter().zip(counted.groups) {
            for (&i, c) in groups[g].sites.iter().zip(group.sites) {
                out[i] = Some(c);
            }
            if let Some(checks) = group.ref_checks {
                for (&i, c) in groups[g].sites.iter().zip(checks.checks) {
                    ref_checks[i] = c;
                }
            }
            background.extend(group.background);
            if let Some(l) = group.layers {
                layers.get_or_insert_with(Default::default).push(l);
            }
        }
    }
    let sites = out
        .into_iter()
        .map(|c| c.expect("every site is in one group"))
        .collect();
    AlignmentCounts {
        sites,
        background,
        reads,
        ref_checks,
        molecules: None,
        layers,
    }
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

/// Reference end (exclusive) of an alignment.
pub(super) fn ref_end(pos: i64, cigar: &[u32]) -> i64 {
    use super::allele::cigar_op::*;
    pos + cigar
        .iter()
        .filter(|&&c| matches!(c & 0xf, MATCH | DEL | REF_SKIP | EQUAL | DIFF))
        .map(|&c| (c >> 4) as i64)
        .sum::<i64>()
}
