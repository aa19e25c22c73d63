//! Reference sequence access.
//!
//! Two kinds of reference stand behind one [`Reference`] trait, one file
//! each (the shape of noodles-fasta's `repository::Adapter` and its
//! `adapters/`):
//!
//! * `RegionalFasta` (`regional.rs`): a small FASTA held in memory whose
//!   records are windows named `chrom:start-end` (1-based, inclusive), the
//!   naming that `samtools faidx ref.fa chrom:start-end` writes. A record
//!   with a plain name (no `:start-end`) is a window that starts at
//!   position 1. The embedded demo windows (`RegionalFasta::demo`) are one
//!   of these. Overlapping windows are allowed only when their bases agree
//!   over the overlap; otherwise loading fails and names both records.
//! * `IndexedFasta` (`indexed.rs`): a full FASTA (plain or
//!   bgzip-compressed) read through htslib's faidx. A missing `.fai` (and
//!   `.gzi` for bgzip) is built next to the file when its folder is
//!   writable.
//!
//! [`open`] (`open.rs`) picks the right one from a spec: `demo`, or a path.
//! [`fetch_around`] (here) widens a fetch as far as a reference holds
//! bases. The helpers that every message uses to list problems and names,
//! and the unknown-contig error both backends give, are `messages.rs`.
mod indexed;
mod messages;
mod open;
pub(crate) mod regional;

pub(crate) use messages::{list_names, list_problems};
pub use open::open;

use std::path::PathBuf;

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

/// A source of reference bases; coordinates are 0-based, half-open.
pub trait Reference: Send + Sync {
    /// Upper-cased bases of `contig` over the 0-based half-open interval [start, end).
    fn fetch(&self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>, ReferenceError>;
    fn has_contig(&self, contig: &str) -> bool;
    /// Contig names in the reference's order.
    fn contig_names(&self) -> Vec<String>;
    /// How messages name the reference: its path, or what the embedded one is.
    fn describe(&self) -> String;
    /// The whole FASTA file behind it (an indexed one), for htslib to decode CRAM.
    fn fasta_path(&self) -> Option<&std::path::Path>;
    /// The whole length of `contig`, when the reference knows it (an
    /// indexed FASTA does; regional windows do not).
    fn contig_len(&self, _contig: &str) -> Option<u64> {
        None
    }
}

/// Fetch the 0-based interval `[start, end)` widened by up to `pad` bases
/// on each side, as far as the reference holds bases on that side (a
/// regional reference ends at its windows, a contig at its end). Returns
/// the 0-based start of what was fetched, or `None` when `[start, end)`
/// itself is not in the reference.
pub(crate) fn fetch_around(
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

#[cfg(test)]
mod tests {
    use super::regional::RegionalFasta;
    use super::*;
    use std::path::Path;

    pub(crate) fn err_text<T>(r: Result<T, ReferenceError>) -> String {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    pub(crate) fn write_fasta(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Two contigs (22 and 8 bases), lower-case in places, chrA over three lines.
    pub(crate) const FULL: &str = ">chrA desc\nACGTACGTAC\nGGGCCCaaat\nTT\n>chrB\nNNNNacgt\n";

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
}
