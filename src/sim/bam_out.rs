//! The simulated BAM: header and records, written with rust-htslib.
//!
//! Records are built by the workers (in parallel) and handed to one
//! `bam::Writer` in coordinate order; htslib's own thread pool compresses.
//! BGZF block boundaries follow from the record bytes alone, so the file is
//! the same for any thread count (checked by the tests).

use crate::count::allele::cigar_op::{DEL, INS, MATCH, SOFT_CLIP};
use crate::count::OwnedRead;
use rust_htslib::bam::header::HeaderRecord;
use rust_htslib::bam::record::{Aux, Cigar, CigarString};
use rust_htslib::bam::{self, Header};

/// The header: `@HD SO:coordinate`, one `@SQ` per contig, `@RG` with
/// `SM:NAME`, `@PG` with the command line (without -@/--out-dir, which do
/// not change the output), and a comment saying what made the file.
pub fn header(contigs: &[(String, u64)], name: &str, command_line: &str) -> Header {
    let mut h = Header::new();
    h.push_record(
        HeaderRecord::new(b"HD")
            .push_tag(b"VN", "1.6")
            .push_tag(b"SO", "coordinate"),
    );
    for (c, len) in contigs {
        h.push_record(
            HeaderRecord::new(b"SQ")
                .push_tag(b"SN", c)
                .push_tag(b"LN", len),
        );
    }
    h.push_record(
        HeaderRecord::new(b"RG")
            .push_tag(b"ID", name)
            .push_tag(b"SM", name)
            .push_tag(b"LB", name)
            .push_tag(b"PL", "ILLUMINA"),
    );
    h.push_record(
        HeaderRecord::new(b"PG")
            .push_tag(b"ID", "cfspot")
            .push_tag(b"PN", "cfspot")
            .push_tag(b"VN", env!("CARGO_PKG_VERSION"))
            .push_tag(b"CL", command_line),
    );
    h.push_comment(
        b"Simulated cfDNA by cfspot simulate: reads are placed where they were drawn (no aligner), \
          PCR duplicates after the first copy are flagged 0x400. Not for clinical use.",
    );
    h
}

fn cigar_string(cigar: &[u32]) -> CigarString {
    CigarString(
        cigar
            .iter()
            .map(|&c| {
                let len = c >> 4;
                match c & 0xf {
                    MATCH => Cigar::Match(len),
                    INS => Cigar::Ins(len),
                    DEL => Cigar::Del(len),
                    SOFT_CLIP => Cigar::SoftClip(len),
                    _ => unreachable!("simulated reads hold M, I, D and S only"),
                }
            })
            .collect(),
    )
}

/// Everything about one record except the read itself.
pub(crate) struct RecordInfo<'a> {
    pub qname: &'a str,
    pub tid: i32,
    pub flags: u16,
    pub mpos: i64,
    pub tlen: i64,
    pub nm: u32,
    pub md: &'a str,
    pub(crate) read_group: &'a str,
    pub rx: Option<&'a str>,
    pub mi: Option<&'a str>,
}

pub fn record(read: &OwnedRead, info: &RecordInfo) -> bam::Record {
    let mut r = bam::Record::new();
    r.set(
        info.qname.as_bytes(),
        Some(&cigar_string(&read.cigar)),
        &read.seq,
        &read.qual,
    );
    r.set_tid(info.tid);
    r.set_pos(read.start);
    r.set_mapq(60);
    r.set_flags(info.flags);
    r.set_mtid(info.tid);
    r.set_mpos(info.mpos);
    r.set_insert_size(info.tlen);
    // Tags cannot fail here: each is new and well-formed.
    let nm = if info.nm <= u8::MAX as u32 {
        Aux::U8(info.nm as u8)
    } else {
        Aux::U32(info.nm)
    };
    let _ = r.push_aux(b"NM", nm);
    let _ = r.push_aux(b"MD", Aux::String(info.md));
    let _ = r.push_aux(b"RG", Aux::String(info.read_group));
    if let Some(rx) = info.rx {
        let _ = r.push_aux(b"RX", Aux::String(rx));
    }
    if let Some(mi) = info.mi {
        let _ = r.push_aux(b"MI", Aux::String(mi));
    }
    r
}

/// A BAM writer that builds its `.bai` while writing (htslib's on-the-fly
/// indexing, as `samtools sort --write-index` does), so no second pass over
/// the file is needed. rust-htslib's `bam::Writer` does not expose this, so
/// this is a thin wrapper over the htslib calls it would make.
pub(crate) struct IndexingWriter {
    fp: *mut rust_htslib::htslib::htsFile,
    header: bam::HeaderView,
    /// htslib keeps this pointer (not a copy) until the index is saved.
    index_path: std::ffi::CString,
    open: bool,
    /// (tid, pos) of the last record written: htslib's index refuses a
    /// record before it, so the order is checked here first, to say which
    /// record broke it (htslib's refusal looks like any other failure).
    last: Option<(i32, i64)>,
}

/// Where a record sits, as `contig:pos` (1-based) for messages.
fn locus(header: &bam::HeaderView, tid: i32, pos: i64) -> String {
    let contig = u32::try_from(tid)
        .ok()
        .filter(|&t| t < header.target_count())
        .map_or_else(
            || format!("tid {tid}"),
            |t| String::from_utf8_lossy(header.tid2name(t)).into_owned(),
        );
    format!("{contig}:{}", pos + 1)
}

// SAFETY: the writer owns its htsFile and is used by one thread at a time
// (it is moved between threads, never shared).
unsafe impl Send for IndexingWriter {}

fn c_path(p: &std::path::Path) -> Result<std::ffi::CString, String> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(p.as_os_str().as_bytes())
        .map_err(|_| "the path holds a NUL byte".to_string())
}

impl IndexingWriter {
    /// Open `path` for a BGZF-compressed BAM at `level`, compressing on
    /// `threads` htslib threads (none when 1), indexing into `index_path`.
    pub fn create(
        path: &std::path::Path,
        index_path: &std::path::Path,
        header: &Header,
        level: u32,
        threads: usize,
    ) -> Result<Self, String> {
        use rust_htslib::htslib;
        let cpath = c_path(path)?;
        let cidx = c_path(index_path)?;
        let mode = std::ffi::CString::new(format!("wb{}", level.min(9))).expect("no NUL");
        // SAFETY: valid NUL-terminated strings; a null result is handled.
        let fp = unsafe { htslib::hts_open(cpath.as_ptr(), mode.as_ptr()) };
        if fp.is_null() {
            return Err("cannot open it for writing".into());
        }
        let mut w = IndexingWriter {
            fp,
            header: bam::HeaderView::from_header(header),
            index_path: cidx,
            open: true,
            last: None,
        };
        // SAFETY: `fp` is an open BAM writer and the header outlives it
        // (both are owned by `w`).
        unsafe {
            if threads > 1 && htslib::hts_set_threads(w.fp, threads as i32) < 0 {
                return Err("cannot start compression threads".into());
            }
            if htslib::sam_hdr_write(w.fp, w.header.inner_ptr()) < 0 {
                return Err("cannot write the header".into());
            }
            if htslib::sam_idx_init(w.fp, w.header.inner_ptr_mut(), 0, w.index_path.as_ptr()) < 0 {
                return Err("cannot start the index".into());
            }
        }
        Ok(w)
    }

    /// Write one record; records must come in coordinate order (the error
    /// names the record and both positions when one does not).
    pub fn write(&mut self, record: &bam::Record) -> Result<(), String> {
        let here = (record.tid(), record.pos());
        let name = || String::from_utf8_lossy(record.qname()).into_owned();
        if let Some(last) = self.last.filter(|&last| here < last) {
            return Err(format!(
                "record {} at {} comes after one at {}: records must be in coordinate order \
                 (a bug in cfspot simulate; please report it with the command line)",
                name(),
                locus(&self.header, here.0, here.1),
                locus(&self.header, last.0, last.1)
            ));
        }
        // SAFETY: open writer, its own header, a well-formed record.
        let rc = unsafe {
            rust_htslib::htslib::sam_write1(self.fp, self.header.inner_ptr(), record.inner())
        };
        if rc < 0 {
            return Err(format!(
                "htslib could not add record {} at {} to the BAM or its index",
                name(),
                locus(&self.header, here.0, here.1)
            ));
        }
        self.last = Some(here);
        Ok(())
    }

    /// Write the index and close the file; both must succeed. The error
    /// says which of the two files failed.
    pub fn finish(mut self) -> Result<(), FinishError> {
        self.open = false;
        // SAFETY: the writer is open; it is closed exactly once here, and
        // `index_path` is still alive.
        let (saved, closed) = unsafe {
            let saved = rust_htslib::htslib::sam_idx_save(self.fp);
            (saved, rust_htslib::htslib::hts_close(self.fp))
        };
        if saved < 0 {
            return Err(FinishError::Index);
        }
        if closed < 0 {
            return Err(FinishError::Close);
        }
        Ok(())
    }
}

/// Which part of [`IndexingWriter::finish`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FinishError {
    #[error("htslib could not save the index built while writing")]
    Index,
    #[error("htslib could not flush and close the BAM (its last blocks and end-of-file marker)")]
    Close,
}

impl Drop for IndexingWriter {
    fn drop(&mut self) {
        if self.open {
            // SAFETY: still open; closed exactly once.
            unsafe {
                rust_htslib::htslib::hts_close(self.fp);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_at(name: &str, pos: i64) -> bam::Record {
        let mut r = bam::Record::new();
        r.set(
            name.as_bytes(),
            Some(&CigarString(vec![Cigar::Match(4)])),
            b"ACGT",
            &[30; 4],
        );
        r.set_tid(0);
        r.set_pos(pos);
        r
    }

    /// A record before the previous one is refused by name and position,
    /// before htslib sees it (htslib's refusal said "disk full?").
    #[test]
    fn an_out_of_order_record_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let h = header(&[("c1".to_string(), 1000)], "s", "test");
        let (bam, bai) = (dir.path().join("x.bam"), dir.path().join("x.bam.bai"));
        let mut w = IndexingWriter::create(&bam, &bai, &h, 1, 1).unwrap();
        w.write(&read_at("r1", 100)).unwrap();
        w.write(&read_at("r2", 100)).unwrap();
        let e = w.write(&read_at("r3", 50)).unwrap_err();
        assert!(
            e.contains("record r3 at c1:51 comes after one at c1:101"),
            "{e}"
        );
        assert!(!e.contains("disk"), "{e}");
        // The writer is still usable, and what was written is whole.
        w.write(&read_at("r4", 200)).unwrap();
        w.finish().unwrap();
    }
}
