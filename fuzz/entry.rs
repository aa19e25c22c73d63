//! The entry points the fuzz targets drive, one per parser of user files.
//!
//! Shared, through `#[path]`, by the cargo-fuzz targets (`fuzz/fuzz_targets/`,
//! nightly) and the stable smoke test (`tests/fuzz_smoke.rs`), which replays
//! the committed corpora (`fuzz/corpus/<target>/`, seeds and crash files)
//! through exactly these functions. Each takes arbitrary bytes and must not
//! panic: an `Err` from cfspot is the right answer to bad input, so errors
//! are dropped here, and only a panic (or a sanitizer report) is a finding.
//! Each returns how much it got through (sites, records, placements), so
//! the smoke test can tell that its seeds reach the code behind the parser.
#![allow(dead_code)] // each target uses one of these

use cfspot::count::allele::AlignedRead;
use cfspot::count::background::BackgroundWindow;
use cfspot::count::fastq::index::PanelIndex;
use cfspot::count::fastq::place::{fragment_length, Placer};
use cfspot::count::fastq::reader::FastqReader;
use cfspot::count::{CountOptions, CountPlan, SiteModel};
use cfspot::panel::{Panel, RawPanel};
use cfspot::reference::{self, Reference};
use cfspot::report::count_tsv;
use rust_htslib::bam::{self, Read as _};
use rust_htslib::bgzf;
use std::io::{Cursor, Read as _, Write as _};
use std::path::Path;
use std::sync::OnceLock;

/// The embedded demo panel, its reference windows and site models: what
/// the parsers' output is checked against, built once per process.
struct Demo {
    panel: Panel,
    reference: Box<dyn Reference>,
    models: Vec<SiteModel>,
    /// The FASTQ engine's k-mer index of the demo windows.
    index: PanelIndex,
    /// The uncompressed header of `test-data/mini.bam` (demo contigs).
    bam_header: Vec<u8>,
    /// Reference bases around KRAS G12 (chr12, 0-based start), for the
    /// background tally of fuzzed reads.
    kras: (i64, Vec<u8>),
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let panel = Panel::demo();
        let reference = reference::open("demo").expect("the embedded demo reference opens");
        let plan = CountPlan::new(&panel, Some(reference.as_ref()), &CountOptions::default());
        let index = PanelIndex::build(&plan).expect("the demo panel indexes");
        let models = plan.models().to_vec();
        drop(plan);
        let kras_start = 25_245_250;
        let kras = reference
            .fetch("chr12", kras_start as u64, kras_start as u64 + 200)
            .expect("the demo windows hold KRAS G12");
        Demo {
            panel,
            reference,
            models,
            index,
            bam_header: bam_header(include_bytes!("../test-data/mini.bam")),
            kras: (kras_start, kras),
        }
    })
}

/// The BAM header (magic, text, references) of a BGZF-compressed BAM,
/// uncompressed; the rest of the file (the records) is dropped.
fn bam_header(bam: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    cfspot::gzip::BgzfReader::new(bam)
        .read_to_end(&mut raw)
        .expect("test-data/mini.bam inflates");
    let u32_at = |at: usize| u32::from_le_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
    let mut at = 8 + u32_at(4); // magic, l_text, text
    let n_ref = u32_at(at);
    at += 4;
    for _ in 0..n_ref {
        at += 4 + u32_at(at) + 4; // l_name, name, l_ref
    }
    raw.truncate(at);
    raw
}

/// A panel file's bytes (VCF, TSV or BED, plain or gzip; the first byte
/// chooses the file name, odd for `.bed`, since BED is told by its name),
/// loaded, checked against the demo reference and prepared for counting.
pub fn panel(data: &[u8]) -> usize {
    let Some((&name, bytes)) = data.split_first() else {
        return 0;
    };
    let source = if name % 2 == 1 {
        "fuzz.bed"
    } else {
        "fuzz.panel"
    };
    let Ok(panel) = RawPanel::from_bytes(source, bytes) else {
        return 0;
    };
    let d = demo();
    let Ok(panel) = panel.resolve(Some(d.reference.as_ref())) else {
        return 0;
    };
    let plan = CountPlan::new(&panel, Some(d.reference.as_ref()), &CountOptions::default());
    plan.len()
}

/// A FASTQ file's bytes (uncompressed), read to the end or the first
/// error in batches of three records (so that batch boundaries fall
/// everywhere), every record's fields taken.
pub fn fastq(data: &[u8]) -> usize {
    let mut reader =
        FastqReader::from_stream(Path::new("fuzz.fq"), Box::new(Cursor::new(data.to_vec())));
    let mut records = 0;
    while let Ok(batch) = reader.next_batch(3) {
        if batch.is_empty() {
            break;
        }
        for i in 0..batch.len() {
            let r = batch.get(i);
            let _ = (r.name(), r.seq.len(), r.qual.len());
            records += 1;
        }
    }
    records
}

/// FASTQ reads (uncompressed FASTQ bytes, parsed as in [`fastq`]) placed
/// on the demo windows by the FASTQ engine's placer, each placement
/// classified at every demo site, and consecutive reads paired as mates
/// (their fragment length): the FASTQ engine's per-read path.
pub fn fastq_place(data: &[u8]) -> usize {
    let d = demo();
    let mut placer = Placer::default();
    let mut placed = 0;
    let mut reader =
        FastqReader::from_stream(Path::new("fuzz.fq"), Box::new(Cursor::new(data.to_vec())));
    while let Ok(batch) = reader.next_batch(64) {
        if batch.is_empty() {
            break;
        }
        let mut prev = None;
        for i in 0..batch.len() {
            let r = batch.get(i);
            let Some(p) = placer.place(&d.index, r.seq, r.qual) else {
                prev = None;
                continue;
            };
            placed += 1;
            for m in &d.models {
                let _ = m.classify(&p, 20);
            }
            if let Some(a) = prev.take() {
                let _ = fragment_length(&a, &p);
            } else {
                prev = Some(p);
            }
        }
    }
    placed
}

/// A count TSV's bytes, read back against the demo panel (as `call` does
/// with a count TSV input).
pub fn count_tsv(data: &[u8]) -> usize {
    let Ok(mut file) = tempfile::Builder::new().suffix(".tsv").tempfile() else {
        return 0;
    };
    if file.write_all(data).is_err() {
        return 0;
    }
    count_tsv::read(file.path(), &demo().panel, None).map_or(0, |(rows, _)| rows.len())
}

/// BAM records: the bytes follow a fixed valid header (the demo contigs) in
/// a BAM, which htslib reads record by record; each record
/// it accepts is classified at every demo site and tallied into a
/// background window, alone and as the mate of the record before it (the
/// read-structure accessors of `AlignedRead for bam::Record`).
pub fn bam_record(data: &[u8]) -> usize {
    let d = demo();
    let Ok(file) = tempfile::Builder::new().suffix(".bam").tempfile() else {
        return 0;
    };
    // BGZF with its end-of-file block, as a BAM is (else htslib warns on
    // every input); written whole and closed before reading.
    let Ok(mut w) =
        bgzf::Writer::from_path_with_level(file.path(), bgzf::CompressionLevel::Fastest)
    else {
        return 0;
    };
    if w.write_all(&d.bam_header).is_err() || w.write_all(data).is_err() {
        return 0;
    }
    drop(w);
    let Ok(mut reader) = bam::Reader::from_path(file.path()) else {
        return 0;
    };
    let mut records = 0;
    let (start, bases) = &d.kras;
    let mut window = BackgroundWindow::new("chr12", *start, bases.clone(), &[]);
    let mut prev: Option<bam::Record> = None;
    let mut record = bam::Record::new();
    while let Some(Ok(())) = reader.read(&mut record) {
        // rust-htslib 1.0.2 (found by this target): when the file ends
        // inside a record's 32-byte core, htslib's bam_read1 returns -3,
        // which `Reader::read` (and `IndexedReader::read`) report as Ok:
        // the record has no data (l_data 0) but the previous record's core,
        // and `raw_cigar` panics. cfspot's engine is not affected: it reads
        // through its own `RegionReader` (count/regions.rs), which takes
        // every negative code for an error (test-data/bad/
        // bam-ends-inside-record checks it). This harness reads with
        // rust-htslib's `Reader`, so it stops here, as a reader must.
        if record.inner().l_data == 0 {
            break;
        }
        // The engine's filter (count_unit in count/bam.rs) skips, and
        // tallies, a read whose CIGAR does not fit its SEQ before any of
        // what follows sees it; so does this harness (a 2^28-base M over
        // a 16-base SEQ would otherwise walk 2^28 positions of the
        // background tally, which cfspot never does).
        let query: u64 = record
            .raw_cigar()
            .iter()
            .filter(|&&c| matches!(c & 0xf, 0 | 1 | 4 | 7 | 8)) // M I S = X
            .map(|&c| u64::from(c >> 4))
            .sum();
        if query != record.seq_len() as u64 {
            continue;
        }
        records += 1;
        for m in &d.models {
            let _ = m.classify(&record, 20);
        }
        let tid = record.tid();
        if record.ref_start() >= 0 && tid >= 0 {
            window.add_fragment(&record, None, record.is_reverse(), 20);
            if let Some(p) = prev.as_ref().filter(|p| p.tid() == tid) {
                window.add_fragment(p, Some(&record), p.is_reverse(), 20);
            }
        }
        prev = Some(record.clone());
    }
    records
}
