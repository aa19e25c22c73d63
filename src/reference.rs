//! Reference sequence access.
//!
//! Two kinds of reference stand behind one [`Reference`] trait:
//!
//! * [`RegionalFasta`]: a small FASTA held in memory whose records are
//!   windows named `chrom:start-end` (1-based, inclusive), the naming that
//!   `samtools faidx ref.fa chrom:start-end` writes. A record with a plain
//!   name (no `:start-end`) is a window that starts at position 1. The
//!   embedded demo windows ([`RegionalFasta::demo`]) are one of these.
//!   Overlapping windows are allowed only when their bases agree over the
//!   overlap; otherwise loading fails and names both records.
//! * [`IndexedFasta`]: a full FASTA (plain or bgzip-compressed) read through
//!   htslib's faidx. A missing `.fai` (and `.gzi` for bgzip) is built next to
//!   the file when its folder is writable.
//!
//! [`open`] picks the right one from a spec: `demo`, or a path.
use crate::gzip::{is_bgzf, is_gzip, read_up_to};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How many problems of one file an error message lists before "... and N more".
const MAX_LISTED: usize = 50;

/// The embedded demo windows (GRCh38).
const DEMO_FASTA: &str = include_str!("../assets/demo/regions.fa");
const DEMO_DESCRIPTION: &str = "the embedded GRCh38 demo windows";

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("cannot read reference {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
    /// A FASTA file that cannot be used; every problem found, with its line.
    #[error("reference {path} has {} problem(s):\n{}", problems.len(), list_problems(problems))]
    Invalid { path: String, problems: Vec<String> },
    /// `fetch` on a contig the reference does not hold.
    #[error("contig '{contig}' is not in {reference} (its contigs: {known})")]
    UnknownContig {
        contig: String,
        reference: String,
        known: String,
    },
    /// `fetch` of an interval the reference does not cover (past the contig
    /// end, or outside every window of a regional FASTA).
    #[error("{0}")]
    OutOfRange(String),
}

/// Joins problem lines, listing at most 50 and then "... and N more".
pub fn list_problems(problems: &[String]) -> String {
    let mut out: Vec<String> = problems.iter().take(MAX_LISTED).cloned().collect();
    if problems.len() > MAX_LISTED {
        out.push(format!("... and {} more", problems.len() - MAX_LISTED));
    }
    out.join("\n")
}

pub trait Reference: Send + Sync {
    /// Upper-cased bases of `contig` over the 0-based half-open interval [start, end).
    fn fetch(&self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>, ReferenceError>;
    fn has_contig(&self, contig: &str) -> bool;
    fn contig_names(&self) -> Vec<String>;
    fn describe(&self) -> String;
    fn fasta_path(&self) -> Option<&std::path::Path>;
    /// The whole length of `contig`, when the reference knows it (an
    /// indexed FASTA does; regional windows do not).
    fn contig_len(&self, _contig: &str) -> Option<u64> {
        None
    }
}

/// Opens a reference: `demo` for the embedded demo windows, otherwise a
/// FASTA path (see [`open_with_notes`]).
/// Fetch the 0-based interval `[start, end)` widened by up to `pad` bases
/// on each side, as far as the reference holds bases on that side (a
/// regional reference ends at its windows, a contig at its end). Returns
/// the 0-based start of what was fetched, or `None` when `[start, end)`
/// itself is not in the reference.
pub fn fetch_around(
    r: &dyn Reference,
    contig: &str,
    start: i64,
    end: i64,
    pad: i64,
) -> Option<(i64, Vec<u8>)> {
    let ok = |a: i64, b: i64| r.fetch(contig, a.max(0) as u64, b as u64).is_ok();
    if start < 0 || !ok(start, end) {
        return None;
    }
    // Fetchable pads on one side are a prefix of 0..=pad: bisect each side.
    let widest = |fits: &dyn Fn(i64) -> bool, limit: i64| {
        let (mut lo, mut hi) = (0i64, limit);
        while lo < hi {
            let mid = (lo + hi + 1) / 2;
            if fits(mid) {
                lo = mid
            } else {
                hi = mid - 1
            }
        }
        lo
    };
    let left = widest(&|p| ok(start - p, end), pad.min(start));
    let right = widest(&|p| ok(start - left, end + p), pad);
    let seq = r
        .fetch(contig, (start - left) as u64, (end + right) as u64)
        .ok()?;
    Some((start - left, seq))
}

pub fn open(spec: &str) -> Result<Box<dyn Reference>, ReferenceError> {
    open_with_notes(spec).map(|(reference, _notes)| reference)
}

/// Like [`open`], and also returns notes for the user (e.g. "built index
/// X.fai"); nothing is printed here.
///
/// For a path: a gzip-compressed file is read through faidx (it must be
/// bgzip-compressed), unless its first record is named `chrom:start-end`,
/// in which case it is a regional FASTA and is loaded into memory. An
/// uncompressed file is regional when all names in its `.fai` (or, without
/// a `.fai`, the first record's name) are `chrom:start-end`; otherwise it
/// is read through faidx, building the `.fai` if needed.
pub fn open_with_notes(spec: &str) -> Result<(Box<dyn Reference>, Vec<String>), ReferenceError> {
    if spec == "demo" {
        return Ok((Box::new(RegionalFasta::demo()), Vec::new()));
    }
    let path = Path::new(spec);
    if !path.exists() {
        return Err(ReferenceError::Other(format!(
            "reference {spec} does not exist (give a FASTA file, plain or bgzip-compressed, \
             or 'demo' for {DEMO_DESCRIPTION})"
        )));
    }
    if path.is_dir() {
        return Err(ReferenceError::Other(format!(
            "reference {spec} is a folder; give a FASTA file"
        )));
    }
    let io = |source| ReferenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut magic = [0u8; 18];
    let n = read_up_to(&mut File::open(path).map_err(io)?, &mut magic).map_err(io)?;
    let magic = &magic[..n];
    if is_gzip(magic) {
        let first = first_header_name(flate2::read::MultiGzDecoder::new(
            File::open(path).map_err(io)?,
        ))
        .map_err(|e| gz_error(path, e))?;
        match first {
            None => return Err(not_fasta(path)),
            Some(name) if parse_region_name(&name).is_some() => {
                let regional = RegionalFasta::from_path(path)?;
                return Ok((Box::new(regional), Vec::new()));
            }
            Some(_) => {}
        }
        if !is_bgzf(magic) {
            return Err(ReferenceError::Other(format!(
                "reference {spec} is compressed with plain gzip, but an indexed FASTA must be \
                 compressed with bgzip: run `gzip -dc {spec} | bgzip > {}.fa.gz && samtools faidx \
                 {}.fa.gz` and use the new file",
                strip_gz(spec),
                strip_gz(spec)
            )));
        }
        let (indexed, notes) = IndexedFasta::open_with_notes(path)?;
        return Ok((Box::new(indexed), notes));
    }
    let fai = fai_path(path);
    let regional = if fai.exists() {
        let text = std::fs::read_to_string(&fai).map_err(|source| ReferenceError::Io {
            path: fai.clone(),
            source,
        })?;
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split('\t').next())
            .filter(|n| !n.is_empty())
            .collect();
        !names.is_empty() && names.iter().all(|n| parse_region_name(n).is_some())
    } else {
        match first_header_name(File::open(path).map_err(io)?).map_err(io)? {
            None => return Err(not_fasta(path)),
            Some(name) => parse_region_name(&name).is_some(),
        }
    };
    if regional {
        Ok((Box::new(RegionalFasta::from_path(path)?), Vec::new()))
    } else {
        let (indexed, notes) = IndexedFasta::open_with_notes(path)?;
        Ok((Box::new(indexed), notes))
    }
}

fn strip_gz(spec: &str) -> &str {
    let s = spec.strip_suffix(".gz").unwrap_or(spec);
    s.strip_suffix(".fa")
        .or_else(|| s.strip_suffix(".fasta"))
        .or_else(|| s.strip_suffix(".fna"))
        .unwrap_or(s)
}

fn gz_error(path: &Path, e: std::io::Error) -> ReferenceError {
    ReferenceError::Other(format!(
        "cannot decompress reference {}: {e} (is the file complete and gzip/bgzip-compressed?)",
        path.display()
    ))
}

fn not_fasta(path: &Path) -> ReferenceError {
    ReferenceError::Other(format!(
        "reference {} is not a FASTA file: it has no '>' header line (give a FASTA file, \
         plain or bgzip-compressed)",
        path.display()
    ))
}

/// The first word of the first header line, or None when the text does not
/// start (after empty lines) with a '>' line. Reads only the first lines.
fn first_header_name(reader: impl Read) -> std::io::Result<Option<String>> {
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        // Cap the line so a binary file without newlines is not read whole.
        let n = (&mut reader).take(1 << 20).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        return Ok(text
            .strip_prefix('>')
            .and_then(|h| h.split_whitespace().next())
            .map(str::to_string));
    }
}

/// `chrom:start-end` (1-based inclusive, commas allowed in numbers) →
/// (chrom, start, end). None when the name is not region-style.
pub fn parse_region_name(name: &str) -> Option<(&str, u64, u64)> {
    let (contig, range) = name.rsplit_once(':')?;
    let (start, end) = range.split_once('-')?;
    if contig.is_empty() {
        return None;
    }
    Some((contig, parse_number(start)?, parse_number(end)?))
}

fn parse_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return None;
    }
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    s.bytes().filter(|b| *b != b',').try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

fn fai_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".fai");
    PathBuf::from(s)
}

fn gzi_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".gzi");
    PathBuf::from(s)
}

fn upper(mut bases: Vec<u8>) -> Vec<u8> {
    bases.make_ascii_uppercase();
    bases
}

/// Lists names for messages: the first 10, then "... (N in all)".
pub fn list_names<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let mut s: Vec<&str> = names.iter().take(10).map(|n| n.as_ref()).collect();
    let more;
    if names.len() > 10 {
        more = format!("... ({} in all)", names.len());
        s.push(&more);
    }
    s.join(", ")
}

// ---------------------------------------------------------------------------
// Regional FASTA (in memory)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Window {
    contig: String,
    /// 1-based inclusive.
    start: u64,
    end: u64,
    /// Upper-cased bases, `end - start + 1` of them.
    seq: Vec<u8>,
}

/// A FASTA of windows named `chrom:start-end` held in memory.
#[derive(Debug, Clone)]
pub struct RegionalFasta {
    source: String,
    windows: Vec<Window>,
    /// contig -> indices into `windows`, in file order.
    by_contig: HashMap<String, Vec<usize>>,
    /// Contig names in order of first appearance.
    contig_order: Vec<String>,
}

impl RegionalFasta {
    /// The embedded GRCh38 demo windows.
    pub fn demo() -> RegionalFasta {
        RegionalFasta::from_bytes(DEMO_DESCRIPTION, DEMO_FASTA.as_bytes())
            .expect("the embedded demo FASTA is valid (checked by unit tests)")
    }

    /// Loads a regional FASTA file (plain or gzip/bgzip-compressed).
    pub fn from_path(path: &Path) -> Result<RegionalFasta, ReferenceError> {
        let io = |source| ReferenceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(path).map_err(io)?;
        let name = path.display().to_string();
        if is_gzip(&bytes) {
            let mut text = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut text)
                .map_err(|e| gz_error(path, e))?;
            RegionalFasta::from_bytes(&name, &text)
        } else {
            RegionalFasta::from_bytes(&name, &bytes)
        }
    }

    /// Parses a regional FASTA from a reader; `name` is used in messages.
    pub fn from_reader(name: &str, mut reader: impl Read) -> Result<RegionalFasta, ReferenceError> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|source| ReferenceError::Io {
                path: PathBuf::from(name),
                source,
            })?;
        RegionalFasta::from_bytes(name, &bytes)
    }

    /// Parses a regional FASTA from its (uncompressed) text; `name` is used
    /// in messages and returned by `describe`.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<RegionalFasta, ReferenceError> {
        struct Pending {
            contig: String,
            start: u64,
            /// None for a plain name: the window ends where its bases end.
            end: Option<u64>,
            seq: Vec<u8>,
            line: usize,
            header: String,
        }
        let mut problems = Vec::new();
        let mut records: Vec<(Window, usize, String)> = Vec::new();
        let mut current: Option<Pending> = None;
        let mut bad_chars = 0usize;
        let mut orphan_reported = false;

        let finish = |rec: Option<Pending>,
                      records: &mut Vec<(Window, usize, String)>,
                      problems: &mut Vec<String>| {
            let Some(p) = rec else { return };
            let len = p.seq.len() as u64;
            let end = match p.end {
                Some(end) => end,
                None if len == 0 => {
                    problems.push(format!(
                        "{name}:{}: record '{}' holds no bases",
                        p.line, p.header
                    ));
                    return;
                }
                None => len,
            };
            let expected = end - p.start + 1;
            if len != expected {
                problems.push(format!(
                    "{name}:{}: record '{}' holds {len} bases but its name says {expected} \
                     ({}-{end}); cut it again with `samtools faidx REF.fa {}`",
                    p.line, p.header, p.start, p.header
                ));
                return;
            }
            let window = Window {
                contig: p.contig,
                start: p.start,
                end,
                seq: p.seq,
            };
            records.push((window, p.line, p.header));
        };

        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let lineno = i + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.first() == Some(&b'>') {
                finish(current.take(), &mut records, &mut problems);
                let header = String::from_utf8_lossy(&raw[1..]);
                let Some(word) = header.split_whitespace().next() else {
                    problems.push(format!(
                        "{name}:{lineno}: header line has no name (write '>chrom:start-end')"
                    ));
                    continue;
                };
                let (contig, start, end) = match parse_region_name(word) {
                    Some((c, s, e)) => {
                        if s == 0 || e < s {
                            problems.push(format!(
                                "{name}:{lineno}: record '{word}' has an invalid range \
                                 (positions are 1-based and start <= end)"
                            ));
                            continue;
                        }
                        (c.to_string(), s, Some(e))
                    }
                    None => (word.to_string(), 1, None),
                };
                current = Some(Pending {
                    contig,
                    start,
                    end,
                    seq: Vec::new(),
                    line: lineno,
                    header: word.to_string(),
                });
                continue;
            }
            let trimmed = raw.trim_ascii();
            if trimmed.is_empty() || trimmed.first() == Some(&b';') {
                continue;
            }
            match current.as_mut() {
                None => {
                    if !orphan_reported {
                        orphan_reported = true;
                        problems.push(format!(
                            "{name}:{lineno}: sequence before the first '>' header line \
                             (is this a FASTA file?)"
                        ));
                    }
                }
                Some(p) => {
                    for &b in trimmed {
                        if b.is_ascii_alphabetic() || b == b'*' || b == b'-' {
                            p.seq.push(b.to_ascii_uppercase());
                        } else if !b.is_ascii_whitespace() {
                            bad_chars += 1;
                            if bad_chars <= 5 {
                                problems.push(format!(
                                    "{name}:{lineno}: record '{}' holds the character {:?}, \
                                     which is not a base (a FASTA sequence holds letters only)",
                                    p.header, b as char
                                ));
                            }
                        }
                    }
                }
            }
        }
        finish(current.take(), &mut records, &mut problems);
        if bad_chars > 5 {
            problems.push(format!(
                "{name}: {} more characters that are not bases",
                bad_chars - 5
            ));
        }
        if records.is_empty() && problems.is_empty() {
            problems.push(format!(
                "{name}: holds no FASTA records (write '>chrom:start-end' then the bases)"
            ));
        }

        let mut rf = RegionalFasta {
            source: name.to_string(),
            windows: Vec::new(),
            by_contig: HashMap::new(),
            contig_order: Vec::new(),
        };
        // Overlaps: allowed only when the bases agree.
        let mut lines: Vec<(usize, String)> = Vec::new();
        for (w, line, header) in records {
            let idx = rf.windows.len();
            if let Some(others) = rf.by_contig.get(&w.contig) {
                for &o in others {
                    let other = &rf.windows[o];
                    let lo = w.start.max(other.start);
                    let hi = w.end.min(other.end);
                    if lo > hi {
                        continue;
                    }
                    let a = &w.seq[(lo - w.start) as usize..=(hi - w.start) as usize];
                    let b = &other.seq[(lo - other.start) as usize..=(hi - other.start) as usize];
                    if let Some(k) = a.iter().zip(b).position(|(x, y)| x != y) {
                        let (oline, oheader) = &lines[o];
                        problems.push(format!(
                            "{name}:{line}: record '{header}' overlaps record '{oheader}' \
                             (line {oline}) but their bases differ at {}:{} ({} vs {}); \
                             windows may overlap only if they agree",
                            w.contig,
                            lo + k as u64,
                            a[k] as char,
                            b[k] as char
                        ));
                        break;
                    }
                }
            } else {
                rf.contig_order.push(w.contig.clone());
            }
            rf.by_contig.entry(w.contig.clone()).or_default().push(idx);
            rf.windows.push(w);
            lines.push((line, header));
        }
        if !problems.is_empty() {
            return Err(ReferenceError::Invalid {
                path: name.to_string(),
                problems,
            });
        }
        Ok(rf)
    }

    /// Every window as (contig, start, end), 1-based inclusive, in file order.
    pub fn windows(&self) -> Vec<(String, u64, u64)> {
        self.windows
            .iter()
            .map(|w| (w.contig.clone(), w.start, w.end))
            .collect()
    }

    fn window_list(&self, contig: &str) -> String {
        let names: Vec<String> = self
            .by_contig
            .get(contig)
            .map(|v| {
                v.iter()
                    .map(|&i| {
                        let w = &self.windows[i];
                        format!("{}:{}-{}", w.contig, w.start, w.end)
                    })
                    .collect()
            })
            .unwrap_or_default();
        list_names(&names)
    }
}

impl Reference for RegionalFasta {
    fn fetch(&self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>, ReferenceError> {
        let Some(idx) = self.by_contig.get(contig) else {
            return Err(ReferenceError::UnknownContig {
                contig: contig.to_string(),
                reference: self.source.clone(),
                known: list_names(&self.contig_order),
            });
        };
        if end < start {
            return Err(ReferenceError::OutOfRange(format!(
                "invalid interval {contig}:{}-{end} (start after end)",
                start + 1
            )));
        }
        // 1-based inclusive [start+1, end]; an empty interval needs start+1 <= end+1.
        for &i in idx {
            let w = &self.windows[i];
            if start + 1 >= w.start && end <= w.end {
                let off = (start + 1 - w.start) as usize;
                let len = (end - start) as usize;
                return Ok(w.seq[off..off + len].to_vec());
            }
        }
        Err(ReferenceError::OutOfRange(format!(
            "{contig}:{}-{end} is not inside any window of {} (windows on {contig}: {}); \
             cut a larger window around it with `samtools faidx`",
            start + 1,
            self.source,
            self.window_list(contig)
        )))
    }

    fn has_contig(&self, contig: &str) -> bool {
        self.by_contig.contains_key(contig)
    }

    fn contig_names(&self) -> Vec<String> {
        self.contig_order.clone()
    }

    fn describe(&self) -> String {
        self.source.clone()
    }

    fn fasta_path(&self) -> Option<&Path> {
        None
    }
}

// ---------------------------------------------------------------------------
// Indexed FASTA (htslib faidx)
// ---------------------------------------------------------------------------

/// A full FASTA (plain or bgzip-compressed) read through htslib's faidx.
pub struct IndexedFasta {
    path: PathBuf,
    reader: Mutex<rust_htslib::faidx::Reader>,
    names: Vec<String>,
    lengths: HashMap<String, u64>,
}

impl std::fmt::Debug for IndexedFasta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedFasta")
            .field("path", &self.path)
            .field("contigs", &self.names.len())
            .finish()
    }
}

impl IndexedFasta {
    /// Opens `path`, building `PATH.fai` (and `PATH.gzi` for bgzip) when missing.
    pub fn from_path(path: &Path) -> Result<IndexedFasta, ReferenceError> {
        Self::open_with_notes(path).map(|(r, _)| r)
    }

    /// Like [`IndexedFasta::from_path`], also returning notes for the user.
    pub fn open_with_notes(path: &Path) -> Result<(IndexedFasta, Vec<String>), ReferenceError> {
        let shown = path.display().to_string();
        let io = |source| ReferenceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut magic = [0u8; 18];
        let n = read_up_to(&mut File::open(path).map_err(io)?, &mut magic).map_err(io)?;
        let bgzf = is_bgzf(&magic[..n]);
        if is_gzip(&magic[..n]) && !bgzf {
            return Err(ReferenceError::Other(format!(
                "reference {shown} is compressed with plain gzip, but an indexed FASTA must be \
                 compressed with bgzip: run `gzip -dc {shown} | bgzip > {}.fa.gz` and use the new file",
                strip_gz(&shown)
            )));
        }
        let Some(path_str) = path.to_str() else {
            return Err(ReferenceError::Other(format!(
                "reference path {shown} is not valid UTF-8; rename the file"
            )));
        };
        let fai = fai_path(path);
        let gzi = gzi_path(path);
        let mut notes = Vec::new();
        let need_index = !fai.exists() || (bgzf && !gzi.exists());
        if need_index {
            let what = if bgzf {
                format!("{} and {}", fai.display(), gzi.display())
            } else {
                fai.display().to_string()
            };
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if tempfile::Builder::new()
                .prefix(".cfspot-write-test")
                .tempfile_in(&folder)
                .is_err()
            {
                return Err(ReferenceError::Other(format!(
                    "reference {shown} has no index ({what}) and cfspot cannot write one into \
                     {}: run `samtools faidx {shown}` where you may write, or copy the FASTA to \
                     a writable folder",
                    folder.display()
                )));
            }
            if rust_htslib::faidx::build(path).is_err() {
                return Err(ReferenceError::Other(format!(
                    "cannot build the index {what} for reference {shown}: is it a valid FASTA \
                     (every record '>name' then bases, lines of equal length within a record; \
                     plain or bgzip-compressed)? `samtools faidx {shown}` shows the details"
                )));
            }
            notes.push(format!("built the index {what} for reference {shown}"));
        } else if let (Ok(fm), Ok(im)) = (
            std::fs::metadata(path).and_then(|m| m.modified()),
            std::fs::metadata(&fai).and_then(|m| m.modified()),
        ) {
            if im < fm {
                notes.push(format!(
                    "the index {} is older than {shown}; if the FASTA changed, delete the \
                     index so it is rebuilt (or run `samtools faidx {shown}`)",
                    fai.display()
                ));
            }
        }
        // rust-htslib's Reader does not check for a failed load, and would
        // crash later; so load once here (without creating anything) to check.
        let cpath = std::ffi::CString::new(path_str).map_err(|_| {
            ReferenceError::Other(format!("reference path {shown} holds a NUL byte"))
        })?;
        // SAFETY: cpath is a valid NUL-terminated string; NULL index paths
        // make htslib use PATH.fai / PATH.gzi; the handle is destroyed at once.
        let probe = unsafe {
            rust_htslib::htslib::fai_load3(cpath.as_ptr(), std::ptr::null(), std::ptr::null(), 0)
        };
        if probe.is_null() {
            return Err(ReferenceError::Other(format!(
                "cannot load the index {} of reference {shown}: it may be damaged or belong to \
                 another file; delete it and run `samtools faidx {shown}`",
                fai.display()
            )));
        }
        // SAFETY: probe is a non-null handle from fai_load3, destroyed once.
        unsafe { rust_htslib::htslib::fai_destroy(probe) };

        let reader = rust_htslib::faidx::Reader::from_path(path)
            .map_err(|e| ReferenceError::Other(format!("cannot open reference {shown}: {e}")))?;
        let names = reader.seq_names().map_err(|e| {
            ReferenceError::Other(format!(
                "cannot read the contig names of reference {shown} from {}: {e}; delete the \
                 index and run `samtools faidx {shown}`",
                fai.display()
            ))
        })?;
        let lengths = names
            .iter()
            .map(|n| (n.clone(), reader.fetch_seq_len(n)))
            .collect();
        Ok((
            IndexedFasta {
                path: path.to_path_buf(),
                reader: Mutex::new(reader),
                names,
                lengths,
            },
            notes,
        ))
    }

    /// Length of `contig`, or None when the FASTA does not hold it.
    pub fn contig_len(&self, contig: &str) -> Option<u64> {
        self.lengths.get(contig).copied()
    }
}

impl Reference for IndexedFasta {
    fn fetch(&self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>, ReferenceError> {
        let Some(&len) = self.lengths.get(contig) else {
            return Err(ReferenceError::UnknownContig {
                contig: contig.to_string(),
                reference: self.path.display().to_string(),
                known: list_names(&self.names),
            });
        };
        if end < start || end > len {
            return Err(ReferenceError::OutOfRange(format!(
                "{contig}:{}-{end} is outside contig {contig} of {} (length {len})",
                start + 1,
                self.path.display()
            )));
        }
        if start == end {
            return Ok(Vec::new());
        }
        let reader = self
            .reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // rust-htslib's fetch_seq takes a 0-based INCLUSIVE end.
        let seq = reader
            .fetch_seq(contig, start as usize, (end - 1) as usize)
            .map_err(|e| {
                ReferenceError::Other(format!(
                    "cannot read {contig}:{}-{end} from {}: {e}",
                    start + 1,
                    self.path.display()
                ))
            })?;
        if seq.len() as u64 != end - start {
            return Err(ReferenceError::Other(format!(
                "reading {contig}:{}-{end} from {} gave {} bases instead of {}; the index may \
                 be stale: delete {} and run `samtools faidx {}`",
                start + 1,
                self.path.display(),
                seq.len(),
                end - start,
                fai_path(&self.path).display(),
                self.path.display()
            )));
        }
        Ok(upper(seq))
    }

    fn has_contig(&self, contig: &str) -> bool {
        self.lengths.contains_key(contig)
    }

    fn contig_len(&self, contig: &str) -> Option<u64> {
        self.lengths.get(contig).copied()
    }

    fn contig_names(&self) -> Vec<String> {
        self.names.clone()
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn fasta_path(&self) -> Option<&Path> {
        Some(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_around_widens_each_side_as_far_as_the_window_goes() {
        // One window, chrT:11-30 (0-based 10..30).
        let r = RegionalFasta::from_bytes("t", b">chrT:11-30\nACGTACGTACGTACGTACGT\n").unwrap();
        // 8 bases asked around [15, 17): the left side stops at the window
        // start (10), the right gets all 8 (to 25).
        let (start, seq) = fetch_around(&r, "chrT", 15, 17, 8).unwrap();
        assert_eq!((start, seq.len()), (10, 15));
        assert_eq!(seq, r.fetch("chrT", 10, 25).unwrap());
        // Both sides clipped; no pad; the interval itself outside: None.
        assert_eq!(fetch_around(&r, "chrT", 12, 28, 50).unwrap().1.len(), 20);
        assert_eq!(
            fetch_around(&r, "chrT", 12, 14, 0).unwrap(),
            (12, b"GT".to_vec())
        );
        assert!(fetch_around(&r, "chrT", 5, 12, 3).is_none());
        assert!(fetch_around(&r, "chrX", 12, 14, 3).is_none());
    }
    use std::io::Write;

    fn regional(text: &str) -> Result<RegionalFasta, ReferenceError> {
        RegionalFasta::from_bytes("test.fa", text.as_bytes())
    }

    fn err_text<T>(r: Result<T, ReferenceError>) -> String {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn region_names() {
        assert_eq!(parse_region_name("chr7:100-200"), Some(("chr7", 100, 200)));
        assert_eq!(
            parse_region_name("chr7:55,173,514-55,175,286"),
            Some(("chr7", 55_173_514, 55_175_286))
        );
        assert_eq!(
            parse_region_name("HLA-A*01:01:01:01"),
            None,
            "colons without a range are a plain name"
        );
        assert_eq!(parse_region_name("chr7"), None);
        assert_eq!(parse_region_name("chr7:100"), None);
        assert_eq!(parse_region_name(":1-2"), None);
        assert_eq!(parse_region_name("chr7:,-2"), None);
    }

    #[test]
    fn regional_parse_and_fetch() {
        let r = regional(
            ">chr1:11-20 some description\nACGTA\ncgtac\n>chr1:101-104\nTTTT\n>chrX\nAC\nG\n",
        )
        .unwrap();
        assert_eq!(
            r.windows(),
            vec![
                ("chr1".to_string(), 11, 20),
                ("chr1".to_string(), 101, 104),
                ("chrX".to_string(), 1, 3)
            ]
        );
        assert_eq!(r.contig_names(), vec!["chr1", "chrX"]);
        assert!(r.has_contig("chr1") && r.has_contig("chrX") && !r.has_contig("chr2"));
        assert_eq!(r.describe(), "test.fa");
        assert!(r.fasta_path().is_none());
        // 0-based half-open [10, 12) = 1-based 11..12
        assert_eq!(r.fetch("chr1", 10, 12).unwrap(), b"AC");
        // lowercase upper-cased; the whole window
        assert_eq!(r.fetch("chr1", 10, 20).unwrap(), b"ACGTACGTAC");
        assert_eq!(r.fetch("chr1", 19, 20).unwrap(), b"C");
        assert_eq!(r.fetch("chr1", 100, 104).unwrap(), b"TTTT");
        assert_eq!(r.fetch("chrX", 0, 3).unwrap(), b"ACG");
        assert_eq!(r.fetch("chr1", 12, 12).unwrap(), b"");
    }

    #[test]
    fn regional_fetch_outside_windows() {
        let r = regional(">chr7:55173514-55173517\nACGT\n>chr7:200-201\nAA\n").unwrap();
        // straddles the window end
        let msg = err_text(r.fetch("chr7", 55173515, 55173518));
        assert!(
            msg.contains("chr7:55173516-55173518 is not inside any window of test.fa"),
            "{msg}"
        );
        assert!(
            msg.contains("windows on chr7: chr7:55173514-55173517, chr7:200-201"),
            "{msg}"
        );
        // between windows / before the first
        assert!(r.fetch("chr7", 99, 200).is_err());
        assert!(r.fetch("chr7", 55173512, 55173514).is_err());
        let msg = err_text(r.fetch("chr9", 0, 1));
        assert!(msg.contains("'chr9'") && msg.contains("chr7"), "{msg}");
    }

    #[test]
    fn regional_length_mismatch_names_record_and_line() {
        let msg = err_text(regional(">chr1:1-4\nACGT\n>chr2:10-20\nACGT\n"));
        assert!(
            msg.contains("test.fa:3: record 'chr2:10-20' holds 4 bases but its name says 11"),
            "{msg}"
        );
    }

    #[test]
    fn regional_problems_reported_together() {
        let msg = err_text(regional(
            "ACGT\n>chr1:5-4\nA\n>chr2:1-3\nAC!\n>chr3:1-9\nA\n",
        ));
        assert!(msg.contains("test.fa:1: sequence before"), "{msg}");
        assert!(
            msg.contains("test.fa:2: record 'chr1:5-4' has an invalid range"),
            "{msg}"
        );
        assert!(msg.contains("test.fa:5:") && msg.contains("'!'"), "{msg}");
        assert!(msg.contains("test.fa:6: record 'chr3:1-9'"), "{msg}");
        assert!(err_text(regional("")).contains("no FASTA records"));
    }

    #[test]
    fn regional_overlaps_must_agree() {
        let r = regional(">c:1-6\nACGTAC\n>c:4-9\nTACGGG\n").unwrap();
        assert_eq!(r.fetch("c", 3, 9).unwrap(), b"TACGGG");
        assert_eq!(r.fetch("c", 0, 4).unwrap(), b"ACGT");
        // spans both windows but lies in neither: an error
        assert!(r.fetch("c", 0, 9).is_err());
        let msg = err_text(regional(">c:1-6\nACGTAC\n>c:4-9\nTTCGGG\n"));
        assert!(
            msg.contains("test.fa:3: record 'c:4-9' overlaps record 'c:1-6' (line 1)"),
            "{msg}"
        );
        assert!(msg.contains("c:5"), "{msg}");
    }

    #[test]
    fn regional_crlf_and_reader() {
        let r = RegionalFasta::from_reader("x.fa", &b">c:2-3\r\nAg\r\n"[..]).unwrap();
        assert_eq!(r.fetch("c", 1, 3).unwrap(), b"AG");
    }

    #[test]
    fn many_problems_are_truncated() {
        let mut text = String::new();
        for i in 1..=60 {
            text.push_str(&format!(">c{i}:1-5\nAC\n"));
        }
        let msg = err_text(regional(&text));
        assert!(
            msg.starts_with("reference test.fa has 60 problem(s):"),
            "{msg}"
        );
        assert!(msg.ends_with("... and 10 more"), "{msg}");
    }

    /// Every demo hotspot's REF equals the demo windows' bases (29 SNVs, 1 MNV, 1 deletion).
    #[test]
    fn demo_reference_matches_demo_hotspots() {
        let r = RegionalFasta::demo();
        assert_eq!(r.describe(), "the embedded GRCh38 demo windows");
        assert_eq!(r.windows().len(), 12);
        let (mut snv, mut mnv, mut del, mut n) = (0, 0, 0, 0);
        for line in include_str!("../assets/demo/hotspots.vcf").lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let c: Vec<&str> = line.split('\t').collect();
            let pos: u64 = c[1].parse().unwrap();
            let (r_allele, alt) = (c[3], c[4]);
            let got = r
                .fetch(c[0], pos - 1, pos - 1 + r_allele.len() as u64)
                .unwrap();
            assert_eq!(got, r_allele.as_bytes(), "{}", c[2]);
            n += 1;
            match (r_allele.len(), alt.len()) {
                (1, 1) => snv += 1,
                (a, b) if a == b => mnv += 1,
                (a, b) if a > b => del += 1,
                _ => panic!("unexpected allele {line}"),
            }
        }
        assert_eq!((n, snv, mnv, del), (31, 29, 1, 1));
        assert!(open("demo").is_ok());
    }

    fn write_fasta(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const FULL: &str = ">chrA desc\nACGTACGTAC\nGGGCCCaaat\nTT\n>chrB\nNNNNacgt\n";

    #[test]
    fn indexed_fasta_builds_index_and_fetches() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_fasta(dir.path(), "ref.fa", FULL);
        assert!(!fai_path(&p).exists());
        let (r, notes) = open_with_notes(p.to_str().unwrap()).unwrap();
        assert!(fai_path(&p).exists(), "the .fai is built");
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(r.fasta_path(), Some(p.as_path()));
        assert_eq!(r.describe(), p.display().to_string());
        assert_eq!(r.contig_names(), vec!["chrA", "chrB"]);
        assert!(r.has_contig("chrB") && !r.has_contig("chrC"));
        // half-open, 0-based: the end is exclusive (htslib's is inclusive)
        assert_eq!(r.fetch("chrA", 0, 1).unwrap(), b"A");
        assert_eq!(r.fetch("chrA", 0, 4).unwrap(), b"ACGT");
        assert_eq!(r.fetch("chrA", 8, 13).unwrap(), b"ACGGG");
        // lowercase upper-cased, across a line break
        assert_eq!(r.fetch("chrA", 16, 21).unwrap(), b"AAATT");
        // at the contig end
        assert_eq!(r.fetch("chrA", 21, 22).unwrap(), b"T");
        assert_eq!(r.fetch("chrA", 0, 22).unwrap().len(), 22);
        assert_eq!(r.fetch("chrB", 0, 8).unwrap(), b"NNNNACGT");
        assert_eq!(r.fetch("chrB", 3, 3).unwrap(), b"");
        // out of range
        let msg = err_text(r.fetch("chrA", 21, 23));
        assert!(
            msg.contains("chrA:22-23 is outside contig chrA") && msg.contains("length 22"),
            "{msg}"
        );
        assert!(r.fetch("chrB", 9, 10).is_err());
        assert!(err_text(r.fetch("chrC", 0, 1)).contains("'chrC'"));
        // a second open uses the existing index and has no notes
        let (_, notes) = open_with_notes(p.to_str().unwrap()).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn indexed_bgzip_fasta() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ref.fa.gz");
        {
            let mut w = rust_htslib::bgzf::Writer::from_path(&p).unwrap();
            w.write_all(FULL.as_bytes()).unwrap();
        }
        let r = open(p.to_str().unwrap()).unwrap();
        assert!(fai_path(&p).exists() && gzi_path(&p).exists());
        assert_eq!(r.fetch("chrA", 18, 22).unwrap(), b"ATTT");
        assert_eq!(r.fetch("chrB", 4, 8).unwrap(), b"ACGT");
    }

    #[test]
    fn open_detects_regional_files() {
        let dir = tempfile::tempdir().unwrap();
        let text = ">chr12:25,245,340-25,245,352\nACGTACGTACGTA\n";
        let p = write_fasta(dir.path(), "win.fa", text);
        let r = open(p.to_str().unwrap()).unwrap();
        assert!(r.fasta_path().is_none(), "regional, not indexed");
        assert_eq!(r.fetch("chr12", 25_245_339, 25_245_341).unwrap(), b"AC");
        assert!(
            !fai_path(&p).exists(),
            "no index is built for a regional file"
        );
        // with a .fai whose names are region-style
        rust_htslib::faidx::build(&p).unwrap();
        let r = open(p.to_str().unwrap()).unwrap();
        assert!(r.fasta_path().is_none());
        // gzip-compressed regional
        let gz = dir.path().join("win.fa.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let r = open(gz.to_str().unwrap()).unwrap();
        assert_eq!(r.fetch("chr12", 25_245_351, 25_245_352).unwrap(), b"A");
    }

    #[test]
    fn open_errors() {
        let msg = err_text(open("/no/such/ref.fa"));
        assert!(msg.contains("/no/such/ref.fa does not exist"), "{msg}");
        let dir = tempfile::tempdir().unwrap();
        let p = write_fasta(dir.path(), "x.txt", "hello\n");
        assert!(err_text(open(p.to_str().unwrap())).contains("not a FASTA"));
        // plain gzip (not bgzip), non-regional
        let gz = dir.path().join("ref.fa.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(FULL.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let msg = err_text(open(gz.to_str().unwrap()));
        assert!(msg.contains("bgzip"), "{msg}");
        // malformed FASTA for faidx (unequal line lengths)
        let bad = write_fasta(dir.path(), "bad.fa", ">a\nACGT\nAC\nACGT\n");
        let msg = err_text(open(bad.to_str().unwrap()));
        assert!(msg.contains("cannot build the index"), "{msg}");
    }
}
