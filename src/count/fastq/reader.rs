//! Streaming FASTQ reading: plain, gzip or BGZF, records gathered into
//! batches that own their bytes.
//!
//! The parser is line-based (`BufRead::read_until`, memchr underneath) and
//! checks what a FASTQ record must be: `@name`, sequence, `+`, quality of
//! the sequence's length. Every problem names the file and the 1-based
//! record number.

use super::FastqError;
use crate::gzip::{is_bgzf, is_gzip, read_up_to, BgzfReader};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Bytes read from the file per `read` call, compressed side.
const IO_BUFFER: usize = 1 << 20;

/// Records held in one batch, at most.
pub const BATCH_RECORDS: usize = 4096;

/// One record, as ranges into its batch's byte buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSpan {
    name: (u32, u32),
    seq: (u32, u32),
    qual: (u32, u32),
}

/// A run of consecutive records of one file.
#[derive(Debug, Default)]
pub struct Batch {
    /// 1-based number of the first record in its file.
    pub first_record: u64,
    /// Bytes of the file as stored (compressed, for gzip) read by the time
    /// this batch was complete, from the start: how far through the file
    /// the reader is, for progress. 0 for a reader over a stream.
    pub bytes_read: u64,
    data: Vec<u8>,
    spans: Vec<RecordSpan>,
}

/// One record borrowed from a batch.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The header line without `@` (name and comment).
    pub header: &'a [u8],
    pub seq: &'a [u8],
    /// Phred+33 qualities, as in the file.
    pub qual: &'a [u8],
}

impl Record<'_> {
    /// The read name: the header up to the first whitespace, without a
    /// trailing `/1` or `/2`.
    pub fn name(&self) -> &[u8] {
        pair_name(self.header)
    }
}

fn is_phred(q: u8) -> bool {
    q.wrapping_sub(b'!') <= b'~' - b'!'
}

fn is_base(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'.' || b == b'-'
}

/// True when every byte is a Phred+33 quality (`!`..`~`). No early exit,
/// so the loop vectorises: checking is most of the parser's time.
pub fn all_phred(qual: &[u8]) -> bool {
    qual.iter().fold(true, |ok, &q| ok & is_phred(q))
}

/// Upper-cases `seq` in place; false when a byte is neither a letter nor
/// `.` or `-`. Branch-free per byte so that it vectorises.
pub fn upper_bases(seq: &mut [u8]) -> bool {
    let mut ok = true;
    for b in seq {
        let c = *b;
        let lower = c.wrapping_sub(b'a') < 26;
        let upper = c.wrapping_sub(b'A') < 26;
        ok &= lower | upper | (c == b'.') | (c == b'-');
        *b = c - ((lower as u8) << 5);
    }
    ok
}

/// The part of a header that names the fragment.
pub fn pair_name(header: &[u8]) -> &[u8] {
    let end = memchr::memchr2(b' ', b'\t', header).unwrap_or(header.len());
    let n = &header[..end];
    match n {
        [head @ .., b'/', b'1' | b'2'] => head,
        _ => n,
    }
}

impl Batch {
    pub fn len(&self) -> usize {
        self.spans.len()
    }
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
    pub fn get(&self, i: usize) -> Record<'_> {
        let s = self.spans[i];
        let r = |(a, b): (u32, u32)| &self.data[a as usize..b as usize];
        Record {
            header: r(s.name),
            seq: r(s.seq),
            qual: r(s.qual),
        }
    }
}

/// A reader that adds up the bytes it hands out: how much of the file the
/// decompressor has taken, which is the only position a gzip stream has.
/// One relaxed add per (1 MiB) read.
struct Tally<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Tally<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Relaxed);
        Ok(n)
    }
}

/// Open `path` as a stream of decompressed bytes.
pub fn open_stream(path: &Path) -> Result<Box<dyn BufRead + Send>, FastqError> {
    open_tallied(path, Arc::default(), Look::Whole)
}

/// Whether a FASTQ is opened to be read through, or only to look at its
/// first records (which, on standard input, leaves them for the reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Whole,
    Start,
}

/// `path` from its first byte, twice: its first bytes (to tell the
/// compression), then a stream. `-` is standard input, which is looked at
/// without using it up, then read once.
fn open_raw(path: &Path, look: Look) -> std::io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut magic = [0u8; 18];
    if crate::stdin::is_stdin(path) {
        let n = read_up_to(&mut crate::stdin::peek(), &mut magic)?;
        let stream = match look {
            Look::Whole => crate::stdin::take()?,
            Look::Start => Box::new(crate::stdin::peek()),
        };
        return Ok((magic[..n].to_vec(), stream));
    }
    let n = read_up_to(&mut File::open(path)?, &mut magic)?;
    Ok((magic[..n].to_vec(), Box::new(File::open(path)?)))
}

/// [`open_stream`], adding the file bytes read to `bytes`.
fn open_tallied(
    path: &Path,
    bytes: Arc<AtomicU64>,
    look: Look,
) -> Result<Box<dyn BufRead + Send>, FastqError> {
    let io = |source| FastqError::Io {
        path: crate::stdin::shown(path),
        source,
    };
    let (magic, inner) = open_raw(path, look).map_err(io)?;
    let n = magic.len();
    let f = Tally { inner, bytes };
    // BGZF (what `cfspot simulate` and htslib write) a block at a time
    // through libdeflate; any other gzip streams through flate2.
    Ok(if is_bgzf(&magic[..n]) {
        Box::new(BgzfReader::new(BufReader::with_capacity(IO_BUFFER, f)))
    } else if is_gzip(&magic[..n]) {
        Box::new(BufReader::with_capacity(
            IO_BUFFER,
            MultiGzDecoder::new(BufReader::with_capacity(IO_BUFFER, f)),
        ))
    } else {
        Box::new(BufReader::with_capacity(IO_BUFFER, f))
    })
}

/// A FASTQ file read record by record into batches.
pub struct FastqReader {
    path: PathBuf,
    inner: Box<dyn BufRead + Send>,
    /// Records read so far.
    records: u64,
    done: bool,
    /// File bytes read so far (stays 0 over a stream).
    bytes_read: Arc<AtomicU64>,
}

impl FastqReader {
    /// Open `path` (`-`: standard input) to read it through.
    pub fn open(path: &Path) -> Result<Self, FastqError> {
        Self::open_for(path, Look::Whole)
    }

    /// Open `path` to look at its first records only: on standard input,
    /// they stay there for [`FastqReader::open`].
    pub fn peek(path: &Path) -> Result<Self, FastqError> {
        Self::open_for(path, Look::Start)
    }

    fn open_for(path: &Path, look: Look) -> Result<Self, FastqError> {
        let bytes_read = Arc::new(AtomicU64::new(0));
        let stream = open_tallied(path, Arc::clone(&bytes_read), look)?;
        Ok(FastqReader {
            bytes_read,
            ..Self::from_stream(&crate::stdin::shown(path), stream)
        })
    }

    pub fn from_stream(path: &Path, inner: Box<dyn BufRead + Send>) -> Self {
        FastqReader {
            path: path.to_owned(),
            inner,
            records: 0,
            done: false,
            bytes_read: Arc::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records read so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    fn format_error(&self, record: u64, detail: impl Into<String>) -> FastqError {
        FastqError::Format {
            path: self.path.clone(),
            record,
            detail: detail.into(),
        }
    }

    /// Read one line (without its `\n` / `\r\n`) onto the end of `data`;
    /// `Ok(None)` at the end of the input. Straight into the batch: no
    /// line buffer to copy from.
    fn line_into(&mut self, data: &mut Vec<u8>) -> Result<Option<(u32, u32)>, FastqError> {
        let start = data.len();
        let n = self.inner.read_until(b'\n', data).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof
                || e.kind() == std::io::ErrorKind::InvalidInput
                || e.kind() == std::io::ErrorKind::InvalidData
            {
                FastqError::Corrupt {
                    path: self.path.clone(),
                    record: self.records + 1,
                    detail: e.to_string(),
                }
            } else {
                FastqError::Io {
                    path: self.path.clone(),
                    source: e,
                }
            }
        })?;
        if n == 0 {
            return Ok(None);
        }
        if data.last() == Some(&b'\n') {
            data.pop();
        }
        if data.len() > start && data.last() == Some(&b'\r') {
            data.pop();
        }
        let end = data.len();
        let too_big = |_| {
            FastqError::Invalid(format!(
                "{}: a batch of records exceeds 4 GiB (is this FASTQ?)",
                self.path.display()
            ))
        };
        Ok(Some((
            u32::try_from(start).map_err(too_big)?,
            u32::try_from(end).map_err(too_big)?,
        )))
    }

    /// Read one record into `batch`; `Ok(false)` at a clean end of input.
    fn next_into(&mut self, batch: &mut Batch) -> Result<bool, FastqError> {
        if self.done {
            return Ok(false);
        }
        let rec = self.records + 1;
        // Skip blank lines between records (and at the end).
        let header = loop {
            let mark = batch.data.len();
            match self.line_into(&mut batch.data)? {
                None => {
                    self.done = true;
                    return Ok(false);
                }
                Some((a, b)) if a == b => batch.data.truncate(mark),
                Some(h) => break h,
            }
        };
        if batch.data[header.0 as usize] != b'@' {
            let shown = String::from_utf8_lossy(
                &batch.data[header.0 as usize..(header.0 as usize + 40).min(header.1 as usize)],
            )
            .into_owned();
            return Err(self.format_error(
                rec,
                format!("expected a header line starting with '@', found {shown:?}"),
            ));
        }
        let name = (header.0 + 1, header.1);
        let eof = |s: &Self, what: &str| {
            s.format_error(
                rec,
                format!("the file ends inside the record (no {what} line); is it truncated?"),
            )
        };
        let seq = self
            .line_into(&mut batch.data)?
            .ok_or_else(|| eof(self, "sequence"))?;
        let plus = self
            .line_into(&mut batch.data)?
            .ok_or_else(|| eof(self, "'+'"))?;
        if plus.0 == plus.1 || batch.data[plus.0 as usize] != b'+' {
            return Err(self.format_error(rec, "the third line of a record must start with '+'"));
        }
        batch.data.truncate(plus.0 as usize);
        let qual = self
            .line_into(&mut batch.data)?
            .ok_or_else(|| eof(self, "quality"))?;
        let (ls, lq) = (seq.1 - seq.0, qual.1 - qual.0);
        if ls != lq {
            return Err(self.format_error(
                rec,
                format!("the quality string has {lq} characters but the sequence has {ls}"),
            ));
        }
        let q = &batch.data[qual.0 as usize..qual.1 as usize];
        if !all_phred(q) {
            let &q = q.iter().find(|&&q| !is_phred(q)).expect("a bad quality");
            return Err(self.format_error(
                rec,
                format!("quality character {q:#04x} is outside Phred+33 ('!'..'~')"),
            ));
        }
        let s = &mut batch.data[seq.0 as usize..seq.1 as usize];
        if !upper_bases(s) {
            let &b = s.iter().find(|&&b| !is_base(b)).expect("a bad base");
            return Err(self.format_error(
                rec,
                format!("sequence character {:?} is not a base", b as char),
            ));
        }
        batch.spans.push(RecordSpan { name, seq, qual });
        self.records = rec;
        Ok(true)
    }

    /// Up to `n` records; an empty batch at the end of input.
    pub fn next_batch(&mut self, n: usize) -> Result<Batch, FastqError> {
        let mut batch = Batch {
            first_record: self.records + 1,
            bytes_read: 0,
            data: Vec::with_capacity(n.min(2 * BATCH_RECORDS) * 320),
            spans: Vec::with_capacity(n.min(2 * BATCH_RECORDS)),
        };
        while batch.spans.len() < n && self.next_into(&mut batch)? {}
        batch.bytes_read = self.bytes_read.load(Relaxed);
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn reader(text: &str) -> FastqReader {
        FastqReader::from_stream(
            Path::new("x.fq"),
            Box::new(Cursor::new(text.as_bytes().to_vec())),
        )
    }

    #[test]
    fn parses_records_and_names() {
        let mut r = reader("@a/1 c\nacgt\n+\nIIII\n\n@b\r\nNN\r\n+b\r\n!!\r\n");
        let b = r.next_batch(10).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b.first_record, 1);
        assert_eq!(b.get(0).name(), b"a");
        assert_eq!(b.get(0).seq, b"ACGT");
        assert_eq!(b.get(1).header, b"b");
        assert_eq!(b.get(1).qual, b"!!");
        assert!(r.next_batch(10).unwrap().is_empty());
    }

    #[test]
    fn batches_number_records() {
        let text: String = (0..5).map(|i| format!("@r{i}\nA\n+\nI\n")).collect();
        let mut r = reader(&text);
        let a = r.next_batch(2).unwrap();
        let b = r.next_batch(2).unwrap();
        let c = r.next_batch(2).unwrap();
        assert_eq!((a.first_record, b.first_record, c.first_record), (1, 3, 5));
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn branch_free_checks_match_the_plain_rules() {
        // Every byte value, alone and in a run long enough to vectorise.
        for c in 0..=255u8 {
            let base = c.is_ascii_alphabetic() || c == b'.' || c == b'-';
            let phred = (b'!'..=b'~').contains(&c);
            for len in [1, 67] {
                let mut s = vec![b'a'; len];
                s[len / 2] = c;
                assert_eq!(upper_bases(&mut s), base, "{c:#04x}");
                assert_eq!(s[len / 2], c.to_ascii_uppercase());
                assert!(s
                    .iter()
                    .enumerate()
                    .all(|(i, &b)| i == len / 2 || b == b'A'));
                let mut q = vec![b'I'; len];
                q[len / 2] = c;
                assert_eq!(all_phred(&q), phred, "{c:#04x}");
            }
        }
    }

    #[test]
    fn errors_name_file_and_record() {
        for (text, want) in [
            (
                "@a\nAC\n+\nI\n",
                "record 1: the quality string has 1 characters but the sequence has 2",
            ),
            ("@a\nA\n+\nI\n@b\nAC\n+\nIII\n", "record 2"),
            ("@a\nA\n+\nI\nb\nA\n+\nI\n", "record 2: expected a header"),
            ("@a\nA\n-\nI\n", "must start with '+'"),
            ("@a\nA\n+\n", "ends inside the record"),
            ("@a\nA1\n+\nII\n", "not a base"),
            ("@a\nA\n+\n \n", "Phred+33"),
        ] {
            let e = reader(text).next_batch(10).unwrap_err().to_string();
            assert!(e.contains("x.fq") && e.contains(want), "{e} (want {want})");
        }
    }
}
