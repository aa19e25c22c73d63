//! The one-pass engine: a coordinate-sorted alignment stream (BAM,
//! uncompressed BAM as `samtools view -u` writes it, SAM, or CRAM) read
//! from standard input once, from start to end, without an index.
//!
//! It counts exactly what the indexed engine counts. Both bundle the
//! plan's site groups into the same passes ([`super::bam::passes`]) and
//! count each with the same
//! [`super::bam::count_pass`]; only the source of a pass's records differs.
//! Here the passes are taken in file order (by header contig, then
//! position) and [`StreamReader`] hands each one the records of the stream
//! that overlap its intervals, by the rule htslib's multi-region iterator
//! applies, so each pass sees the records the index would have fetched, in
//! the same order. A pass is finished as soon as the stream passes its end;
//! the only records kept after that are the few that reach beyond it (a
//! later pass may need them), so memory stays that of one pass whatever
//! the stream's size. Decoding runs on htslib's threads (`-@`); counting is
//! serial.
//!
//! Records are checked for order as they come (the indexed engine relies
//! on the index for that): the first one before its predecessor stops the
//! count. The stream is read to its end even after the last site, so that
//! the program writing into the pipe is not cut off, and so that a
//! truncated or disordered stream is reported rather than half counted.

use super::bam::{assemble, count_pass, passes, ref_end, AlignmentCounts, PassReader};
use super::molecule::setup::{enough_to_detect, AlignedMolecules};
use super::{flag, CountError, CountPlan};
use crate::progress::{Measure, Progress};
use crate::stdin;
use rust_htslib::bam::{self, Read as _};
use std::io::Read as _;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("standard input is empty: nothing was piped in (e.g. `samtools view -u sample.bam | cfspot count -`)")]
    Empty,
    #[error("cannot read standard input as BAM, SAM or CRAM: {detail}")]
    Open { detail: String },
    #[error("standard input is not coordinate-sorted ({detail}); a stream is counted in one pass, in order: sort it first (`samtools sort -u -o - in.bam | cfspot count -`)")]
    Unsorted { detail: String },
}

/// Count every hotspot of the plan in the alignment stream on standard
/// input, in panel order: what [`super::bam::count_bam`] gives for the
/// same records in an indexed file.
pub fn count_stdin(plan: &CountPlan, progress: &Progress) -> Result<AlignmentCounts, CountError> {
    if stdin::peek()
        .read(&mut [0u8; 1])
        .map_err(|e| StreamError::Open {
            detail: e.to_string(),
        })?
        == 0
    {
        return Err(StreamError::Empty.into());
    }
    let open = |detail: String| StreamError::Open { detail };
    let mut feed = stdin::as_path().map_err(|e| open(e.to_string()))?;
    // htslib tells BAM, SAM and CRAM apart; FASTQ was ruled out before.
    let mut reader = bam::Reader::from_path(&feed.path)
        .map_err(|_| open("its first bytes are not BAM, SAM, CRAM or FASTQ".into()))?;
    feed.opened();
    if let Some(fasta) = plan.reference().and_then(|r| r.fasta_path()) {
        // CRAM decoding needs it; BAM and SAM ignore it.
        reader
            .set_reference(fasta)
            .map_err(|e| open(e.to_string()))?;
    }
    let threads = rayon::current_num_threads();
    if threads > 1 {
        reader
            .set_threads(threads)
            .map_err(|e| open(e.to_string()))?;
    }
    let header = reader.header().to_owned();
    let path = Path::new(stdin::NAME);
    let passes = passes(&header, path, plan)?;
    let groups = plan.groups();
    progress.begin(Some(groups.len() as u64), Measure::Items("site groups"));
    // In file order: by the header's contig order, then position.
    let mut order: Vec<usize> = (0..passes.len()).collect();
    order.sort_by_key(|&u| (passes[u].tid, groups[passes[u].members[0]].start));
    let mut stream = StreamReader::new(reader, &header);
    // In molecules, the UMI source is found on the stream's first records,
    // read ahead and held for the passes to replay.
    let molecules = match plan.opts().unit.molecules() {
        true => {
            let first = stream.read_ahead().map_err(|detail| CountError::Read {
                path: path.to_owned(),
                region: "its first records".into(),
                detail,
            })?;
            Some(AlignedMolecules::new(path, first, plan.opts())?)
        }
        false => None,
    };
    let mut counted: Vec<Option<_>> = passes.iter().map(|_| None).collect();
    for (k, &u) in order.iter().enumerate() {
        stream.next_pass = order
            .get(k + 1)
            .map(|&v| (passes[v].tid, groups[passes[v].members[0]].start));
        let result = count_pass(&mut stream, &passes[u], plan, path, molecules.as_ref());
        stream.fault()?;
        counted[u] = Some(result?);
        progress.add(passes[u].members.len() as u64);
    }
    stream.drain().map_err(|detail| CountError::Read {
        path: path.to_owned(),
        region: "the records after the last site".into(),
        detail,
    })?;
    stream.fault()?;
    feed.finish().map_err(|e| open(e.to_string()))?;
    let counted = counted
        .into_iter()
        .map(|c| c.expect("every pass was counted"))
        .collect();
    let mut counts = assemble(&passes, plan, counted);
    counts.molecules = molecules;
    Ok(counts)
}

/// Where a record sorts in a coordinate-sorted file: by header contig,
/// then position; unplaced reads (no contig) last, in any order.
fn sort_key(record: &bam::Record) -> (u32, i64) {
    match u32::try_from(record.tid()) {
        Ok(tid) => (tid, record.pos()),
        Err(_) => (u32::MAX, 0),
    }
}

/// Reference end (exclusive) as htslib's iterators see it
/// (`bam_endpos`): an unmapped read, or one without reference bases,
/// covers one position.
fn end_pos(record: &bam::Record) -> i64 {
    let pos = record.pos();
    if record.flags() & flag::UNMAPPED != 0 {
        return pos + 1;
    }
    ref_end(pos, record.raw_cigar()).max(pos + 1)
}

/// The pass being read: its contig and sorted intervals.
struct Current {
    tid: u32,
    intervals: Vec<(i64, i64)>,
    /// The end of the last interval: a record starting there or later
    /// overlaps none of them.
    end: i64,
}

impl Current {
    fn overlaps(&self, record: &bam::Record) -> bool {
        let (pos, end) = (record.pos(), end_pos(record));
        self.intervals.iter().any(|&(s, e)| end > s && e > pos)
    }

    /// Is the record past every interval of the pass (and so, the stream
    /// being sorted, every record after it too)?
    fn passed_by(&self, record: &bam::Record) -> bool {
        let (tid, pos) = sort_key(record);
        tid > self.tid || (tid == self.tid && pos >= self.end)
    }
}

/// A sorted stream handed out pass by pass (see the module docs).
struct StreamReader {
    reader: bam::Reader,
    names: Vec<String>,
    /// Records already read from the stream that a later pass may need, in
    /// stream order: those reaching into the next pass, and the first
    /// record past the current one.
    held: Vec<bam::Record>,
    /// Contig and start of the pass after the current one (its first
    /// group's start, where its intervals begin).
    next_pass: Option<(u32, i64)>,
    /// The next held record to hand out to the current pass.
    replay: usize,
    current: Option<Current>,
    /// Sort key of the last record read from the stream.
    last: Option<(u32, i64)>,
    /// The first record out of order, described.
    unsorted: Option<String>,
    /// The stream ended (or a record out of order stopped it).
    done: bool,
}

impl StreamReader {
    fn new(reader: bam::Reader, header: &bam::HeaderView) -> Self {
        let names = header
            .target_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect();
        StreamReader {
            reader,
            names,
            held: Vec::new(),
            next_pass: None,
            replay: 0,
            current: None,
            last: None,
            unsorted: None,
            done: false,
        }
    }

    /// The order fault that stopped the stream, if any.
    fn fault(&self) -> Result<(), StreamError> {
        match &self.unsorted {
            Some(detail) => Err(StreamError::Unsorted {
                detail: detail.clone(),
            }),
            None => Ok(()),
        }
    }

    fn place(&self, (tid, pos): (u32, i64)) -> String {
        match self.names.get(tid as usize) {
            Some(name) => format!("{name}:{}", pos + 1),
            None => "an unplaced read".into(),
        }
    }

    /// The next record of the stream into `record`, checked for order:
    /// `None` at the end or at the first record out of order.
    fn next_from_stream(&mut self, record: &mut bam::Record) -> Option<Result<(), String>> {
        if self.done {
            return None;
        }
        match self.reader.read(record) {
            None => {
                self.done = true;
                return None;
            }
            Some(Err(e)) => {
                self.done = true;
                return Some(Err(e.to_string()));
            }
            // rust-htslib 1.0.2 reports htslib's -3 (the stream ends inside
            // a record's fixed core) as success, leaving a record with no
            // data whose accessors panic: it is a truncated stream.
            Some(Ok(())) if record.inner().l_data == 0 => {
                self.done = true;
                return Some(Err(
                    "it ends inside a record (truncated or corrupt)".to_string()
                ));
            }
            Some(Ok(())) => {}
        }
        let key = sort_key(record);
        if let Some(last) = self.last.filter(|&last| key < last) {
            let name = String::from_utf8_lossy(record.qname()).into_owned();
            self.unsorted = Some(format!(
                "read {name} at {} follows one at {}",
                self.place(key),
                self.place(last)
            ));
            self.done = true;
            return None;
        }
        self.last = Some(key);
        Some(Ok(()))
    }

    /// Read the stream's first records (enough for UMI detection) into the
    /// held records, for the passes to replay: they are in stream order,
    /// as held records always are, and each pass drops those that end
    /// before it, as it drops any held record.
    fn read_ahead(&mut self) -> Result<&[bam::Record], String> {
        let mut record = bam::Record::new();
        while !enough_to_detect(&self.held) {
            match self.next_from_stream(&mut record) {
                None => break,
                Some(r) => r?,
            }
            self.held.push(record.clone());
        }
        Ok(&self.held)
    }

    /// Read the rest of the stream, checking order and integrity.
    fn drain(&mut self) -> Result<(), String> {
        let mut record = bam::Record::new();
        while let Some(r) = self.next_from_stream(&mut record) {
            r?;
        }
        Ok(())
    }
}

impl PassReader for StreamReader {
    fn fetch(&mut self, contig: &str, intervals: &[(i64, i64)]) -> Result<(), String> {
        let tid = self
            .names
            .iter()
            .position(|n| n == contig)
            .and_then(|t| u32::try_from(t).ok())
            .ok_or_else(|| format!("contig {contig} is not in the header"))?;
        let mut intervals = intervals.to_vec();
        intervals.sort_unstable();
        let start = intervals.first().map_or(0, |i| i.0);
        let end = intervals.iter().map(|i| i.1).max().unwrap_or(0);
        // Passes come in stream order: what ends before this one starts is
        // of no use to it or to any later one.
        self.held.retain(|r| {
            let (t, _) = sort_key(r);
            t > tid || (t == tid && end_pos(r) > start)
        });
        self.replay = 0;
        self.current = Some(Current {
            tid,
            intervals,
            end,
        });
        Ok(())
    }

    fn read(&mut self, record: &mut bam::Record) -> Option<Result<(), String>> {
        let current = self.current.take()?;
        let result = loop {
            let from_stream = if let Some(held) = self.held.get(self.replay) {
                if current.passed_by(held) {
                    break None;
                }
                *record = held.clone();
                self.replay += 1;
                false
            } else {
                match self.next_from_stream(record) {
                    None => break None,
                    Some(Err(e)) => break Some(Err(e)),
                    Some(Ok(())) => {}
                }
                if current.passed_by(record) {
                    self.held.push(record.clone());
                    self.replay = self.held.len();
                    break None;
                }
                true
            };
            // Passes lie 16 kb apart or more, so this is rare (a spliced or
            // a long read). A read that ends before the next pass starts
            // can overlap no later pass either: they start later still, or
            // on later contigs.
            let reaches_next = self
                .next_pass
                .is_some_and(|(tid, start)| tid == current.tid && end_pos(record) > start);
            if from_stream && reaches_next {
                self.held.push(record.clone());
                self.replay = self.held.len();
            }
            if current.overlaps(record) {
                break Some(Ok(()));
            }
        };
        if result.is_some() {
            self.current = Some(current);
        }
        result
    }
}
