//! [`IndexedFasta`]: a full FASTA read through htslib's faidx, its index
//! built beside it when missing.
use super::messages::{strip_gz, unknown_contig};
use super::{Reference, ReferenceError};
use crate::gzip::{is_bgzf, is_gzip, read_up_to};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A full FASTA (plain or bgzip-compressed) read through htslib's faidx.
pub(crate) struct IndexedFasta {
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
    /// Opens `path`, building `PATH.fai` (and `PATH.gzi` for bgzip) when
    /// missing; returns notes for the user (what was built).
    pub(crate) fn open_with_notes(
        path: &Path,
    ) -> Result<(IndexedFasta, Vec<String>), ReferenceError> {
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
}

impl Reference for IndexedFasta {
    fn fetch(&self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>, ReferenceError> {
        let Some(&len) = self.lengths.get(contig) else {
            return Err(unknown_contig(
                contig,
                self.path.display().to_string(),
                &self.names,
            ));
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

pub(super) fn fai_path(path: &Path) -> PathBuf {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::open;
    use crate::reference::open::open_with_notes;
    use crate::reference::tests::{err_text, write_fasta, FULL};
    use std::io::Write;

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
}
