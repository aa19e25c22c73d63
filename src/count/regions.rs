//! Several intervals of one BAM/CRAM read in a single pass, through htslib's
//! multi-region iterator (`sam_itr_regarray`, what `samtools view -M` uses).
//! rust-htslib wraps only the one-region iterator, so this is the one place
//! in cfspot that calls htslib directly.
//!
//! Why: cfspot reads a group of nearby sites (TP53: seven hotspots over
//! 1.3 kb) in one pass. As one span, that pass hands cfspot every read
//! between the sites too (1.05 M records on the deep benchmark BAM, where
//! 625 k touch a site); as one fetch per site, it re-reads the blocks that
//! neighbouring sites share and returns a read spanning two sites twice.
//! The multi-region iterator merges the index chunks of all intervals,
//! reads each block once, skips records that touch no interval, and returns
//! every record once, in file order.

use rust_htslib::bam::{self, Read as _};
use rust_htslib::htslib;
use std::ffi::{c_char, c_void, CString};
use std::path::Path;

/// Whether an opened file ends as it should: htslib's `hts_check_EOF`
/// (BGZF's empty last block, CRAM's EOF container), what `samtools
/// quickcheck` asks. `None` when htslib cannot tell (an old CRAM version,
/// a file that cannot seek).
pub(crate) fn has_eof_marker(reader: &bam::Reader) -> Option<bool> {
    // SAFETY: the htsFile is open for as long as `reader` is borrowed;
    // hts_check_EOF seeks to the end and back, leaving it usable.
    match unsafe { htslib::hts_check_EOF(reader.htsfile()) } {
        1 => Some(true),
        0 => Some(false),
        _ => None,
    }
}

/// How many reference sequences a loaded BAI or CSI index lists (a CRAI
/// does not say: `None`).
pub(crate) fn index_reference_count(reader: &bam::IndexedReader) -> Option<usize> {
    let idx = reader.index().inner_ptr() as *mut htslib::hts_idx_t;
    if idx.is_null() {
        return None;
    }
    // SAFETY: the index is owned by `reader`, live while it is borrowed;
    // both calls only read its fields.
    unsafe {
        if htslib::hts_idx_fmt(idx) == htslib::HTS_FMT_CRAI as i32 {
            return None;
        }
        usize::try_from(htslib::hts_idx_nseq(idx)).ok()
    }
}

/// An alignment file with its own index handle and at most one live
/// multi-region iterator. One per worker thread (htslib handles are not
/// shared).
pub(crate) struct RegionReader {
    /// Owns the htsFile (and, for CRAM, its reference) and the header.
    reader: bam::Reader,
    idx: *mut htslib::hts_idx_t,
    itr: *mut htslib::hts_itr_t,
}

// SAFETY: the raw handles are owned by this value alone and used only
// through `&mut self`; htslib allows a handle to move between threads as
// long as it is not used from two at once.
unsafe impl Send for RegionReader {}

impl RegionReader {
    /// Wrap an opened reader and load the index htslib finds beside `path`
    /// (`.bai`, `.csi` or `.crai`).
    pub fn new(reader: bam::Reader, path: &Path) -> Result<Self, String> {
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| "the path holds a NUL byte".to_string())?;
        // SAFETY: the htsFile is open and outlives the index (dropped after
        // it, see Drop); the path is a valid C string.
        let idx = unsafe { htslib::sam_index_load(reader.htsfile(), c_path.as_ptr()) };
        if idx.is_null() {
            return Err("its index could not be loaded".into());
        }
        Ok(RegionReader {
            reader,
            idx,
            itr: std::ptr::null_mut(),
        })
    }

    /// Position the reader on `intervals` (0-based, half-open; any order,
    /// overlaps allowed) of `contig`, which must be in the header.
    pub fn fetch(&mut self, contig: &str, intervals: &[(i64, i64)]) -> Result<(), String> {
        self.drop_iterator();
        // Braces keep a contig name with ':' in it (HLA-style) whole.
        let regions: Vec<CString> = intervals
            .iter()
            .map(|&(s, e)| {
                CString::new(format!("{{{contig}}}:{}-{}", s + 1, e))
                    .map_err(|_| format!("contig name {contig:?} holds a NUL byte"))
            })
            .collect::<Result<_, _>>()?;
        let mut pointers: Vec<*mut c_char> =
            regions.iter().map(|r| r.as_ptr() as *mut c_char).collect();
        let count = u32::try_from(pointers.len()).map_err(|_| "too many regions".to_string())?;
        // SAFETY: idx and the header are live; htslib only reads the region
        // strings (it copies what it keeps) during the call.
        let itr = unsafe {
            htslib::sam_itr_regarray(
                self.idx,
                self.reader.header().inner_ptr() as *mut htslib::sam_hdr_t,
                pointers.as_mut_ptr(),
                count,
            )
        };
        if itr.is_null() {
            return Err(format!("htslib could not set up the regions on {contig}"));
        }
        self.itr = itr;
        Ok(())
    }

    /// The next record of the fetched regions into `record`: `None` at the
    /// end (or before any fetch).
    pub fn read(&mut self, record: &mut bam::Record) -> Option<Result<(), String>> {
        if self.itr.is_null() {
            return None;
        }
        // SAFETY: file, iterator and record are live; the record's buffer
        // is htslib-managed memory that htslib may grow.
        let r = unsafe {
            htslib::hts_itr_multi_next(
                self.reader.htsfile(),
                self.itr,
                record.inner_mut() as *mut htslib::bam1_t as *mut c_void,
            )
        };
        match r {
            r if r >= 0 => Some(Ok(())),
            -1 => None,
            -2 => Some(Err("truncated record".into())),
            r => Some(Err(format!("invalid record (htslib error {r})"))),
        }
    }

    fn drop_iterator(&mut self) {
        if !self.itr.is_null() {
            // SAFETY: made by sam_itr_regarray and not yet destroyed.
            unsafe { htslib::hts_itr_destroy(self.itr) };
            self.itr = std::ptr::null_mut();
        }
    }
}

impl Drop for RegionReader {
    fn drop(&mut self) {
        self.drop_iterator();
        // SAFETY: loaded in `new`, destroyed once, before `reader` (a field
        // dropped after this body) closes the file.
        unsafe { htslib::hts_idx_destroy(self.idx) };
    }
}
