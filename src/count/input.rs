//! An alignment file checked before it is counted: its format (BAM or
//! CRAM) from its first bytes, its end-of-file marker, its sort order and
//! its index (built when missing), and the readers the engine opens on it.

use super::fastq::reader::{open_stream, FastqReader};
use super::regions::RegionReader;
use super::CountError;
use crate::gzip::{is_bgzf, is_gzip, read_up_to};
use crate::reference::Reference;
use rust_htslib::bam::{self, Read as _};
use std::io::{Read as _, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// What kind of alignment file a path holds, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlignmentFormat {
    Bam,
    Cram,
}

/// An alignment file checked and ready to count: format known, end-of-file
/// marker present, index present (or built).
#[derive(Debug, Clone)]
pub struct AlignmentInput {
    pub path: PathBuf,
    pub format: AlignmentFormat,
    /// Reference FASTA for CRAM decoding.
    pub cram_reference: Option<PathBuf>,
    /// True when cfspot built the index itself (callers say so).
    pub index_built: bool,
    /// What the checks found that the user should know (an index older
    /// than the file), for stderr.
    pub notes: Vec<String>,
}

/// The 28-byte empty BGZF block that ends every complete BAM (SAM spec §4.1.2).
const BGZF_EOF: [u8; 28] = [
    0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 0x42, 0x43, 0x02, 0, 0x1b, 0, 0x03, 0, 0,
    0, 0, 0, 0, 0, 0, 0,
];

/// How many contigs with reads an existing index is probed on (one short
/// read each). An index made for another file fails on the first probe in
/// practice; a cap keeps the cost flat on references with thousands of
/// contigs.
const INDEX_PROBES: usize = 24;

/// What a file's first bytes, and for gzip its first decompressed bytes,
/// say it is.
pub(crate) fn sniff(path: &Path) -> Result<AlignmentFormat, CountError> {
    let io = |e: std::io::Error| CountError::Open {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut magic = [0u8; 18];
    let n = read_up_to(&mut f, &mut magic).map_err(io)?;
    let magic = &magic[..n];
    if n == 0 {
        return Err(CountError::Empty {
            path: path.to_owned(),
            what: "it holds no bytes",
        });
    }
    if magic.starts_with(b"CRAM") {
        return Ok(AlignmentFormat::Cram);
    }
    if !is_gzip(magic) && !magic.is_ascii() {
        return Err(CountError::Open {
            path: path.to_owned(),
            detail: "not a BAM or CRAM file, nor SAM or FASTQ".into(),
        });
    }
    // A BAM is BGZF and ends with BGZF's empty block; check that before
    // reading any further, so a file cut short is called truncated.
    if is_bgzf(magic) {
        let len = f.seek(SeekFrom::End(0)).map_err(io)?;
        let mut tail = [0u8; 28];
        if len < 28 || {
            f.seek(SeekFrom::End(-28)).map_err(io)?;
            f.read_exact(&mut tail).map_err(io)?;
            tail != BGZF_EOF
        } {
            return Err(CountError::Truncated {
                path: path.to_owned(),
                what: "BGZF end-of-file marker",
            });
        }
    }
    // What the file holds once decompressed: a BAM starts `BAM\1`.
    let mut inner = [0u8; 512];
    let got = open_stream(path)
        .map_err(|e| CountError::Open {
            path: path.to_owned(),
            detail: e.to_string(),
        })
        .and_then(|mut s| {
            read_up_to(&mut s, &mut inner).map_err(|e| CountError::Corrupt {
                path: path.to_owned(),
                detail: format!("its first block cannot be decompressed ({e})"),
            })
        })?;
    let inner = &inner[..got];
    if inner.starts_with(b"BAM\x01") {
        return if is_bgzf(magic) {
            Ok(AlignmentFormat::Bam)
        } else {
            Err(CountError::Open {
                path: path.to_owned(),
                detail: "it is a BAM compressed with plain gzip, not BGZF; rewrite it with `samtools view -b`".into(),
            })
        };
    }
    Err(if got == 0 {
        CountError::Empty {
            path: path.to_owned(),
            what: "it is compressed but holds no bytes",
        }
    } else if looks_like_sam(inner) {
        CountError::SamText {
            path: path.to_owned(),
        }
    } else if inner[0] == b'@' {
        // FASTQ that cfspot could not read: its reader says where and why.
        match FastqReader::open(path).and_then(|mut r| r.next_batch(1)) {
            Err(e) => CountError::Fastq(e),
            Ok(_) => CountError::Open {
                path: path.to_owned(),
                detail: "it is FASTQ, not BAM or CRAM".into(),
            },
        }
    } else {
        CountError::Open {
            path: path.to_owned(),
            detail: if is_gzip(magic) {
                "it is gzip-compressed but holds neither BAM, SAM nor FASTQ".into()
            } else {
                "not a BAM or CRAM file, nor SAM or FASTQ".into()
            },
        }
    })
}

/// SAM text: a header line (`@HD`, `@SQ`, … then a tab) or an alignment
/// line of at least the 11 mandatory tab-separated fields.
fn looks_like_sam(text: &[u8]) -> bool {
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let header = first.len() > 3
        && first[0] == b'@'
        && first[1..3].iter().all(u8::is_ascii_alphabetic)
        && first[3] == b'\t';
    header || first.split(|&b| b == b'\t').count() >= 11
}

impl AlignmentInput {
    /// Check `path`, and build its index when it has none. In order: what
    /// the file is, that it is whole (its end-of-file marker), that its
    /// header reads, and that its index (if any) was made for it; then,
    /// without an index, one is built, which is also the sort-order check
    /// (htslib refuses an unsorted file), whatever the header's `SO` says.
    pub fn open(path: &Path, reference: Option<&dyn Reference>) -> Result<Self, CountError> {
        let format = sniff(path)?;
        let cram_reference = match format {
            AlignmentFormat::Cram => Some(
                reference
                    .and_then(|r| r.fasta_path().map(Path::to_owned))
                    .ok_or_else(|| CountError::CramNeedsReference {
                        path: path.to_owned(),
                    })?,
            ),
            AlignmentFormat::Bam => None,
        };
        let mut input = AlignmentInput {
            path: path.to_owned(),
            format,
            cram_reference,
            index_built: false,
            notes: Vec::new(),
        };
        // The first bytes said BAM or CRAM: what fails now is the header
        // (htslib's own words, "unable to open", say nothing more).
        let plain = input.open_plain().map_err(|e| match e {
            CountError::Open { .. } => CountError::BadHeader {
                path: path.to_owned(),
            },
            other => other,
        })?;
        // htslib asks the same of BAM and CRAM (`samtools quickcheck`); the
        // BGZF tail was checked byte for byte above already.
        if format == AlignmentFormat::Cram && super::regions::has_eof_marker(&plain) == Some(false)
        {
            return Err(CountError::Truncated {
                path: path.to_owned(),
                what: "CRAM end-of-file container",
            });
        }
        drop(plain);
        match input.open_indexed() {
            Ok(reader) => input.check_index(reader)?,
            Err(_) => {
                input.build_index()?;
                input.index_built = true;
                input.open_indexed()?;
            }
        }
        Ok(input)
    }

    /// The index htslib loads beside the file, in the order it looks
    /// (`hts_idx_getfn`: CSI before BAI, `x.bam.bai` before `x.bai`).
    fn index_path(&self) -> Option<PathBuf> {
        let exts: &[&str] = match self.format {
            AlignmentFormat::Bam => &["csi", "bai"],
            AlignmentFormat::Cram => &["crai"],
        };
        exts.iter()
            .flat_map(|ext| {
                let mut long = self.path.clone().into_os_string();
                long.push(format!(".{ext}"));
                [PathBuf::from(long), self.path.with_extension(ext)]
            })
            .find(|p| p.is_file())
    }

    /// An index made for another file points at the wrong places: it lists
    /// another number of reference sequences, or where it says a contig's
    /// reads start there is no read of that contig. An index older than
    /// the file (samtools warns of it) is a note.
    fn check_index(&mut self, mut reader: bam::IndexedReader) -> Result<(), CountError> {
        let index = self.index_path();
        let mismatch = |detail: String| CountError::IndexMismatch {
            path: self.path.clone(),
            index: index.clone(),
            detail,
        };
        let in_header = reader.header().target_count() as usize;
        let Some(in_index) = super::regions::index_reference_count(&reader) else {
            return Ok(());
        };
        if in_index != in_header {
            return Err(mismatch(format!(
                "it lists {in_index} reference sequences, the file's header {in_header}"
            )));
        }
        if self.format == AlignmentFormat::Bam {
            let with_reads: Vec<(u32, u64)> = reader
                .index_stats()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(tid, _, mapped, _)| {
                    (mapped > 0).then_some((u32::try_from(tid).ok()?, mapped))
                })
                .collect();
            let step = with_reads.len().div_ceil(INDEX_PROBES).max(1);
            let mut record = bam::Record::new();
            for &(tid, mapped) in with_reads.iter().step_by(step) {
                let name = String::from_utf8_lossy(reader.header().tid2name(tid)).into_owned();
                let found = reader
                    .fetch(tid)
                    .ok()
                    .and_then(|()| reader.read(&mut record))
                    .map(|r| r.map(|()| record.tid()));
                match found {
                    Some(Ok(t)) if t == tid as i32 => {}
                    Some(Err(e)) => {
                        return Err(mismatch(format!(
                            "reading {name} where it points fails ({e})"
                        )))
                    }
                    _ => {
                        return Err(mismatch(format!(
                        "it says {name} holds {mapped} mapped reads, but none is where it points"
                    )))
                    }
                }
            }
        }
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        if let Some(idx) = &index {
            if let (Some(i), Some(f)) = (modified(idx), modified(&self.path)) {
                if i < f {
                    self.notes.push(format!(
                        "the index {} is older than {} (samtools warns of this too); if the file was rewritten since, rebuild it with `samtools index {}`",
                        idx.display(),
                        self.path.display(),
                        self.path.display()
                    ));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn open_plain(&self) -> Result<bam::Reader, CountError> {
        let mut r = bam::Reader::from_path(&self.path).map_err(|e| self.open_error(e))?;
        if let Some(fa) = &self.cram_reference {
            r.set_reference(fa).map_err(|e| self.open_error(e))?;
        }
        Ok(r)
    }

    /// A reader positioned by the index; one per worker.
    pub fn open_indexed(&self) -> Result<bam::IndexedReader, CountError> {
        let mut r = bam::IndexedReader::from_path(&self.path).map_err(|e| self.open_error(e))?;
        if let Some(fa) = &self.cram_reference {
            r.set_reference(fa).map_err(|e| self.open_error(e))?;
        }
        Ok(r)
    }

    /// A reader for several regions at once through the index; one per
    /// worker.
    pub(crate) fn open_regions(&self) -> Result<RegionReader, CountError> {
        RegionReader::new(self.open_plain()?, &self.path).map_err(|detail| CountError::Open {
            path: self.path.clone(),
            detail,
        })
    }

    fn open_error(&self, e: rust_htslib::errors::Error) -> CountError {
        CountError::Open {
            path: self.path.clone(),
            detail: e.to_string(),
        }
    }

    fn build_index(&self) -> Result<(), CountError> {
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if tempfile::tempfile_in(dir).is_err() {
            return Err(CountError::NoIndex {
                path: self.path.clone(),
                detail: format!(
                    "its folder {} is not writable; index it where you can write (`samtools index {} OUT.bai`) or copy it to a writable folder",
                    dir.display(),
                    self.path.display()
                ),
            });
        }
        bam::index::build(&self.path, None, bam::index::Type::Bai, 1).map_err(|e| match e {
            rust_htslib::errors::Error::BamBuildIndex
            | rust_htslib::errors::Error::BamNotIndexable => self.why_unindexable(),
            other => CountError::NoIndex {
                path: self.path.clone(),
                detail: other.to_string(),
            },
        })
    }

    /// htslib says only that indexing failed. Read the records to say why:
    /// one that cannot be read (a corrupt file), or one out of coordinate
    /// order (unmapped reads without a position belong at the end).
    fn why_unindexable(&self) -> CountError {
        let mut reader = match self.open_plain() {
            Ok(r) => r,
            Err(e) => return e,
        };
        let header = reader.header().clone();
        let name = |tid: i32| match u32::try_from(tid) {
            Ok(t) => String::from_utf8_lossy(header.tid2name(t)).into_owned(),
            Err(_) => "*".into(),
        };
        let mut record = bam::Record::new();
        let mut last: Option<(i32, i64)> = None;
        let mut n = 0u64;
        while let Some(r) = reader.read(&mut record) {
            n += 1;
            if let Err(e) = r {
                return CountError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("record {n} cannot be read ({e})"),
                };
            }
            let key = match record.tid() {
                t if t < 0 => (i32::MAX, 0),
                t => (t, record.pos()),
            };
            if let Some(prev) = last.filter(|&p| key < p) {
                return CountError::Unsorted {
                    path: self.path.clone(),
                    detail: format!(
                        "record {n} ({}) at {}:{} follows one at {}:{}",
                        String::from_utf8_lossy(record.qname()),
                        name(record.tid()),
                        record.pos() + 1,
                        name(if prev.0 == i32::MAX { -1 } else { prev.0 }),
                        prev.1 + 1
                    ),
                };
            }
            last = Some(key);
        }
        CountError::NoIndex {
            path: self.path.clone(),
            detail: "htslib could not index it, though every record reads in order".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::bam::tests::{bam, kras_read, sam, CONTIGS};
    use std::io::Write as _;

    fn one_read(pos: u64) -> String {
        sam(
            "a",
            0,
            "chr12",
            pos,
            60,
            "60M",
            0,
            0,
            &kras_read(true),
            None,
        )
    }

    fn open_err(path: &Path) -> CountError {
        AlignmentInput::open(path, None).unwrap_err()
    }

    #[test]
    fn an_index_made_for_another_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let header = format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}");
        let reads: Vec<String> = (0..50).map(|i| one_read(25245300 + i)).collect();
        let ours = bam(dir.path(), "ours", &header, &reads);
        // Other contigs: the index lists two references, our header six.
        let other = bam(
            dir.path(),
            "other",
            "@SQ\tSN:c1\tLN:1000\n@SQ\tSN:chr12\tLN:133275309\n",
            &[sam("b", 0, "c1", 10, 60, "4M", 0, 0, "ACGT", None)],
        );
        let bai = dir.path().join("ours.bam.bai");
        std::fs::copy(other.with_extension("bam.bai"), &bai).unwrap();
        let e = open_err(&ours);
        assert!(matches!(e, CountError::IndexMismatch { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("ours.bam.bai does not belong to")
                && msg.contains("2 reference sequences, the file's header 6")
                && msg.contains("rebuild it with `samtools index"),
            "{msg}"
        );
        // Same contigs, another file (a longer header moves every record):
        // where the index says chr12's reads start, there are none.
        let moved = bam(
            dir.path(),
            "moved",
            &format!("{header}@CO\t{}\n", "x".repeat(3000)),
            &reads[..1],
        );
        std::fs::copy(moved.with_extension("bam.bai"), &bai).unwrap();
        let e = open_err(&ours);
        assert!(matches!(e, CountError::IndexMismatch { .. }), "{e}");
        assert!(e.to_string().contains("chr12"), "{e}");
        // Its own index is accepted; one older than the file is a note.
        bam::index::build(&ours, None, bam::index::Type::Bai, 1).unwrap();
        assert!(AlignmentInput::open(&ours, None).unwrap().notes.is_empty());
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&bai)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let notes = AlignmentInput::open(&ours, None).unwrap().notes;
        assert!(
            notes.len() == 1 && notes[0].contains("is older than"),
            "{notes:?}"
        );
    }

    #[test]
    fn a_corrupt_file_without_index_is_called_corrupt_not_unsorted() {
        let dir = tempfile::tempdir().unwrap();
        // A record whose CIGAR consumes 70 bases where SEQ holds 60: SAM
        // text cannot say it, a binary record can; htslib refuses to read it.
        let mut rec = bam::Record::new();
        let cigar = bam::record::CigarString(vec![bam::record::Cigar::Match(70)]);
        rec.set(b"long", Some(&cigar), kras_read(true).as_bytes(), &[40; 60]);
        rec.set_tid(4);
        rec.set_pos(25245320);
        rec.set_mapq(60);
        // A new record is flagged unmapped; htslib checks mapped ones.
        rec.unset_flags();
        let long = dir.path().join("long.bam");
        {
            let view = bam::HeaderView::from_bytes(format!("@HD\tVN:1.6\n{CONTIGS}").as_bytes());
            let hdr = bam::Header::from_template(&view);
            let mut w = bam::Writer::from_path(&long, &hdr, bam::Format::Bam).unwrap();
            w.write(&rec).unwrap();
        }
        let e = open_err(&long);
        assert!(matches!(e, CountError::Corrupt { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("long.bam") && msg.contains("record 1"),
            "{msg}"
        );
        assert!(!msg.contains("sorted"), "{msg}");
        assert!(!dir.path().join("long.bam.bai").exists());
    }

    #[test]
    fn a_cram_without_its_eof_container_is_truncated_like_a_bam() {
        let dir = tempfile::tempdir().unwrap();
        let seq = kras_read(true);
        let fa = dir.path().join("ref.fa");
        std::fs::write(&fa, format!(">chr12\n{seq}\n")).unwrap();
        let header = "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr12\tLN:60\n";
        let src = bam(
            dir.path(),
            "src",
            header,
            &[sam("a", 0, "chr12", 1, 60, "60M", 0, 0, &seq, None)],
        );
        let cram = dir.path().join("whole.cram");
        {
            let mut r = bam::Reader::from_path(&src).unwrap();
            let hdr = bam::Header::from_template(r.header());
            let mut w = bam::Writer::from_path(&cram, &hdr, bam::Format::Cram).unwrap();
            w.set_reference(&fa).unwrap();
            for rec in r.records() {
                w.write(&rec.unwrap()).unwrap();
            }
        }
        let reference = crate::reference::open(fa.to_str().unwrap()).unwrap();
        let r = Some(reference.as_ref());
        let whole = AlignmentInput::open(&cram, r).unwrap();
        assert_eq!(whole.format, AlignmentFormat::Cram);
        // CRAM 3's EOF container is 38 bytes (CRAM spec §9).
        let bytes = std::fs::read(&cram).unwrap();
        let cut = dir.path().join("cut.cram");
        std::fs::write(&cut, &bytes[..bytes.len() - 38]).unwrap();
        let e = AlignmentInput::open(&cut, r).unwrap_err();
        assert!(matches!(e, CountError::Truncated { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("cut.cram") && msg.contains("CRAM end-of-file container"),
            "{msg}"
        );
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn bgzf(path: &Path, bytes: &[u8]) {
        let mut w = rust_htslib::bgzf::Writer::from_path(path).unwrap();
        w.write_all(bytes).unwrap();
    }

    #[test]
    fn what_the_file_is_decides_the_message() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let says = |p: &Path, needle: &str| {
            let msg = open_err(p).to_string();
            let name = p.file_name().unwrap().to_str().unwrap();
            assert!(msg.contains(name) && msg.contains(needle), "{msg}");
            assert!(!msg.contains("BGZF end-of-file"), "{msg}");
        };
        says(&file("empty.fq", b""), "is empty");
        says(&file("empty.fq.gz", &gzip(b"")), "is empty");
        let sam_text = format!("@HD\tVN:1.6\n{CONTIGS}{}", one_read(25245321));
        says(
            &file("sam.bam", &gzip(sam_text.as_bytes())),
            "is a SAM text file",
        );
        says(
            &file("plain.sam", sam_text.as_bytes()),
            "is a SAM text file",
        );
        // A FASTQ the FASTQ reader refuses: its own message, not "SAM".
        says(&file("bad.fq", b"@r1\nACGT\n-\nIIII\n"), "'+'");
        // BGZF with the BAM magic but a header that cannot be read.
        let bad = dir.path().join("badheader.bam");
        bgzf(&bad, b"BAM\x01\xff\xff\xff\x7fjunk");
        says(&bad, "cannot read the header");
        let empty_bgzf = dir.path().join("empty.bam");
        bgzf(&empty_bgzf, b"");
        says(&empty_bgzf, "is empty");
    }
}
