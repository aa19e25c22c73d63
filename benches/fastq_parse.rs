//! Choosing the FASTQ engine's reading stack by measurement (issue #5,
//! item 4): the inflate backend and the FASTQ parser, apart and together.
//!
//! Input: read 1 of a seeded `cfspot simulate` sample, as written (BGZF,
//! level 1), as ordinary single-member gzip at level 6 (what sequencers
//! ship; made here with flate2), and as plain text in memory.
//!
//! Groups (the name says what is timed):
//! - `inflate_*_to_memory`: compressed bytes already in memory to
//!   decompressed bytes, output discarded; throughput in bytes of FASTQ out.
//! - `parse_plain_in_memory`: FASTQ text already in memory, every record
//!   visited (sequence and qualities touched); throughput in records.
//! - `inflate_and_parse_*`: the reader thread's whole job, from the file
//!   (page cache) to records; throughput in records.
//!
//! flate2 builds one backend per build (cargo unifies features; C zlib >
//! zlib-rs > miniz_oxide), so its lines are named after the backend in
//! force: zlib-rs (cfspot's) by default, zlib-ng with
//! `cargo bench --bench fastq_parse --features zlib-ng` (needs cmake).
//! miniz_oxide, flate2's default backend, is timed through its own
//! streaming API the way flate2 drives it (raw deflate, 1 MiB output
//! buffer, CRC-32 with crc32fast). libdeflate (no streaming API) is timed
//! per BGZF block through cfspot's `gzip::BgzfReader`, and on the
//! single-member gzip as one whole in-memory call.
//!
//! Run: `cargo bench --bench fastq_parse` (about two minutes).

use cfspot::count::fastq::reader::{all_phred, upper_bases, FastqReader, BATCH_RECORDS};
use cfspot::gzip::BgzfReader;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod common;

/// The flate2 backend this build uses (see the module doc).
const FLATE2: &str = if cfg!(feature = "zlib-ng") {
    "flate2_zlib-ng"
} else {
    "flate2_zlib-rs"
};

/// cfspot's buffer sizes (reader.rs), used by every reader here alike.
const IO_BUFFER: usize = 1 << 20;

// ---------------------------------------------------------------- inflate

/// Decompress everything `r` yields into a reused buffer; bytes out.
fn drain(mut r: impl Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    loop {
        match r.read(buf).unwrap() {
            0 => return n,
            k => n += k,
        }
    }
}

/// Length of a gzip member's header at the start of `b` (RFC 1952).
fn gzip_header_len(b: &[u8]) -> usize {
    assert!(b.len() >= 10 && b[..3] == [0x1f, 0x8b, 8], "not gzip");
    let flg = b[3];
    let mut at = 10;
    if flg & 4 != 0 {
        at += 2 + u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    }
    for bit in [8u8, 16] {
        // FNAME, FCOMMENT: zero-terminated.
        if flg & bit != 0 {
            at += b[at..].iter().position(|&c| c == 0).unwrap() + 1;
        }
    }
    if flg & 2 != 0 {
        at += 2;
    }
    at
}

/// miniz_oxide as flate2 would drive it: each member's header parsed,
/// its raw deflate inflated into a 1 MiB buffer, CRC-32 and length
/// checked against the trailer.
fn miniz_inflate(mut gz: &[u8], buf: &mut [u8]) -> usize {
    use miniz_oxide::inflate::stream::{inflate, InflateState};
    use miniz_oxide::{DataFormat, MZFlush, MZStatus};
    let mut state = InflateState::new_boxed(DataFormat::Raw);
    let mut total = 0;
    while !gz.is_empty() {
        gz = &gz[gzip_header_len(gz)..];
        state.reset(DataFormat::Raw);
        let mut crc = crc32fast::Hasher::new();
        let mut member = 0usize;
        loop {
            let r = inflate(&mut state, gz, buf, MZFlush::None);
            gz = &gz[r.bytes_consumed..];
            crc.update(&buf[..r.bytes_written]);
            member += r.bytes_written;
            match r.status.expect("miniz_oxide: corrupt deflate") {
                MZStatus::StreamEnd => break,
                MZStatus::Ok => {}
                MZStatus::NeedDict => panic!("no dictionary in gzip"),
            }
        }
        let (crc_want, len_want) = (
            u32::from_le_bytes(gz[..4].try_into().unwrap()),
            u32::from_le_bytes(gz[4..8].try_into().unwrap()),
        );
        assert_eq!((crc.finalize(), member as u32), (crc_want, len_want));
        gz = &gz[8..];
        total += member;
    }
    total
}

/// A single-member gzip through libdeflate: the whole member in one call,
/// so all its input and output must be in memory (the output size from the
/// trailer's ISIZE, which is mod 4 GiB). Not a stream: shown for the speed
/// of the inflate loop itself, not as a way to read a sequencer's file.
fn libdeflate_whole(gz: &[u8], dec: &mut libdeflater::Decompressor, out: &mut Vec<u8>) -> usize {
    let isize = u32::from_le_bytes(gz[gz.len() - 4..].try_into().unwrap()) as usize;
    out.resize(isize, 0);
    dec.gzip_decompress(gz, out).unwrap()
}

// ------------------------------------------------------------------ parse

/// Records and sequence bases seen: the same for every parser, checked
/// before timing, so each line does the same work.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
struct Seen {
    records: usize,
    bases: usize,
}

impl Seen {
    #[inline]
    fn touch(&mut self, seq: &[u8], qual: &[u8]) {
        black_box((seq, qual));
        self.records += 1;
        self.bases += seq.len();
    }
}

/// cfspot's reader: batches of 4,096 records that own their bytes, with
/// its checks (quality length and Phred+33 range, base letters, upper
/// case) and record-numbered errors.
fn cfspot_parse(path: &Path, stream: Box<dyn BufRead + Send>) -> Seen {
    cfspot_drain(FastqReader::from_stream(path, stream))
}

fn cfspot_drain(mut r: FastqReader) -> Seen {
    let mut seen = Seen::default();
    loop {
        let b = r.next_batch(BATCH_RECORDS).unwrap();
        if b.is_empty() {
            return seen;
        }
        for i in 0..b.len() {
            let rec = b.get(i);
            seen.touch(rec.seq, rec.qual);
        }
    }
}

/// bio's reader (the baseline), one reused record, plus its
/// `check()` (sequence letters, equal lengths) since `read` alone checks
/// neither and cfspot's line does.
fn bio_parse(stream: impl BufRead) -> Seen {
    use bio::io::fastq::{FastqRead, Reader, Record};
    let mut r = Reader::from_bufread(stream);
    let mut rec = Record::new();
    let mut seen = Seen::default();
    loop {
        r.read(&mut rec).unwrap();
        if rec.is_empty() {
            return seen;
        }
        rec.check().unwrap();
        seen.touch(rec.seq(), rec.qual());
    }
}

/// needletail's FASTQ reader (records borrowed from its buffer).
fn needletail_parse(stream: impl Read + Send) -> Seen {
    use needletail::parser::{FastqReader as NtReader, FastxReader};
    let mut r = NtReader::with_capacity(stream, IO_BUFFER);
    let mut seen = Seen::default();
    while let Some(rec) = r.next() {
        let rec = rec.unwrap();
        seen.touch(rec.raw_seq(), rec.qual().unwrap());
    }
    seen
}

/// seq_io's FASTQ reader (records borrowed from its buffer).
fn seq_io_parse(stream: impl Read) -> Seen {
    use seq_io::fastq::{Reader, Record};
    let mut r = Reader::with_capacity(stream, IO_BUFFER);
    let mut seen = Seen::default();
    while let Some(rec) = r.next() {
        let rec = rec.unwrap();
        seen.touch(rec.seq(), rec.qual());
    }
    seen
}

/// needletail doing what cfspot's reader would need from it after a
/// switch: each record checked by cfspot's own check functions and copied
/// (sequence upper-cased) into a batch that owns its bytes, 4,096 records
/// a batch.
/// This is the fair rival of `cfspot_parse`.
fn needletail_batches(stream: impl Read + Send) -> Seen {
    use needletail::parser::{FastqReader as NtReader, FastxReader};
    let mut r = NtReader::with_capacity(stream, IO_BUFFER);
    let mut seen = Seen::default();
    let mut data: Vec<u8> = Vec::new();
    let mut spans: Vec<[u32; 3]> = Vec::new();
    let flush = |data: &mut Vec<u8>, spans: &mut Vec<[u32; 3]>, seen: &mut Seen| {
        for s in spans.iter() {
            let (a, b, c) = (s[0] as usize, s[1] as usize, s[2] as usize);
            seen.touch(&data[a..b], &data[b..c]);
        }
        // A fresh batch, as a batch sent to another thread would be.
        *data = Vec::with_capacity(BATCH_RECORDS * 320);
        spans.clear();
    };
    while let Some(rec) = r.next() {
        let rec = rec.unwrap();
        let (seq, qual) = (rec.raw_seq(), rec.qual().unwrap());
        assert_eq!(seq.len(), qual.len(), "record {}", seen.records + 1);
        assert!(all_phred(qual));
        data.extend_from_slice(rec.id());
        let a = data.len();
        data.extend_from_slice(seq);
        assert!(upper_bases(&mut data[a..]));
        let b = data.len();
        data.extend_from_slice(qual);
        spans.push([a as u32, b as u32, data.len() as u32]);
        if spans.len() == BATCH_RECORDS {
            flush(&mut data, &mut spans, &mut seen);
        }
    }
    flush(&mut data, &mut spans, &mut seen);
    seen
}

// ------------------------------------------------------------------ bench

struct Input {
    /// Plain FASTQ, leaked so cfspot's reader can take it as a stream.
    plain: &'static [u8],
    bgzf: Vec<u8>,
    gz6: Vec<u8>,
    bgzf_path: PathBuf,
    gz6_path: PathBuf,
    _sample: common::SimulatedFastq,
}

fn input() -> Input {
    let sample = common::simulated_fastq(400.0);
    let bgzf_path = sample.r1.clone();
    let bgzf = std::fs::read(&bgzf_path).unwrap();
    let mut plain = Vec::new();
    MultiGzDecoder::new(&bgzf[..])
        .read_to_end(&mut plain)
        .unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(&plain).unwrap();
    let gz6 = enc.finish().unwrap();
    let gz6_path = bgzf_path.with_file_name("b_R1.l6.fastq.gz");
    std::fs::write(&gz6_path, &gz6).unwrap();
    Input {
        plain: Box::leak(plain.into_boxed_slice()),
        bgzf,
        gz6,
        bgzf_path,
        gz6_path,
        _sample: sample,
    }
}

fn quick<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    g
}

fn open(path: &Path) -> BufReader<File> {
    BufReader::with_capacity(IO_BUFFER, File::open(path).unwrap())
}

fn bench(c: &mut Criterion) {
    let inp = input();
    let plain = inp.plain;
    let fake = Path::new("bench.fq");

    // Same records for everyone, before anything is timed.
    let want = cfspot_parse(fake, Box::new(plain));
    assert_eq!(bio_parse(plain), want);
    assert_eq!(needletail_parse(plain), want);
    assert_eq!(seq_io_parse(plain), want);
    assert_eq!(needletail_batches(plain), want);
    let mut buf = vec![0u8; IO_BUFFER];
    for gz in [&inp.bgzf, &inp.gz6] {
        assert_eq!(drain(MultiGzDecoder::new(&gz[..]), &mut buf), plain.len());
        assert_eq!(miniz_inflate(gz, &mut buf), plain.len());
    }
    assert_eq!(drain(BgzfReader::new(&inp.bgzf[..]), &mut buf), plain.len());
    let mut dec = libdeflater::Decompressor::new();
    let mut whole = Vec::new();
    assert_eq!(
        libdeflate_whole(&inp.gz6, &mut dec, &mut whole),
        plain.len()
    );
    eprintln!(
        "input: {} records, {} bytes plain, BGZF level 1 {} bytes, gzip level 6 {} bytes",
        want.records,
        plain.len(),
        inp.bgzf.len(),
        inp.gz6.len()
    );

    for (name, gz) in [
        ("inflate_bgzf_l1_to_memory", &inp.bgzf),
        ("inflate_gzip_l6_to_memory", &inp.gz6),
    ] {
        let mut g = quick(c, name);
        g.throughput(Throughput::Bytes(plain.len() as u64));
        g.bench_function(format!("{FLATE2}_MultiGzDecoder"), |b| {
            b.iter(|| drain(MultiGzDecoder::new(&gz[..]), &mut buf))
        });
        g.bench_function("miniz_oxide_stream", |b| {
            b.iter(|| miniz_inflate(gz, &mut buf))
        });
        if name.contains("bgzf") {
            g.bench_function("libdeflate_per_block_cfspot_BgzfReader", |b| {
                b.iter(|| drain(BgzfReader::new(&gz[..]), &mut buf))
            });
        } else {
            g.bench_function("libdeflate_whole_member_in_memory", |b| {
                b.iter(|| libdeflate_whole(gz, &mut dec, &mut whole))
            });
        }
        g.finish();
    }

    let mut g = quick(c, "parse_plain_in_memory");
    g.throughput(Throughput::Elements(want.records as u64));
    g.bench_function("cfspot_FastqReader_batches", |b| {
        b.iter(|| cfspot_parse(fake, Box::new(plain)))
    });
    g.bench_function("bio_fastq_Reader_read_check", |b| {
        b.iter(|| bio_parse(plain))
    });
    g.bench_function("needletail_FastqReader", |b| {
        b.iter(|| needletail_parse(plain))
    });
    g.bench_function("seq_io_fastq_Reader", |b| b.iter(|| seq_io_parse(plain)));
    g.bench_function("needletail_into_cfspot_batches", |b| {
        b.iter(|| needletail_batches(plain))
    });
    g.finish();

    // The reader thread's whole job, from the file to records.
    for (name, path) in [
        ("inflate_and_parse_bgzf_l1", &inp.bgzf_path),
        ("inflate_and_parse_gzip_l6", &inp.gz6_path),
    ] {
        let mut g = quick(c, name);
        g.throughput(Throughput::Elements(want.records as u64));
        let gz = || MultiGzDecoder::new(open(path));
        // What cfspot does: BGZF through libdeflate, other gzip through flate2.
        g.bench_function("cfspot_FastqReader_open", |b| {
            b.iter(|| cfspot_drain(FastqReader::open(path).unwrap()))
        });
        g.bench_function(format!("{FLATE2}_FastqReader"), |b| {
            b.iter(|| cfspot_parse(path, Box::new(BufReader::with_capacity(IO_BUFFER, gz()))))
        });
        g.bench_function(format!("{FLATE2}_bio"), |b| {
            b.iter(|| bio_parse(BufReader::with_capacity(IO_BUFFER, gz())))
        });
        g.bench_function(format!("{FLATE2}_needletail_into_cfspot_batches"), |b| {
            b.iter(|| needletail_batches(gz()))
        });
        if name.contains("bgzf") {
            let bgzf = || BgzfReader::new(open(path));
            g.bench_function("libdeflate_per_block_bio", |b| b.iter(|| bio_parse(bgzf())));
            g.bench_function("libdeflate_per_block_needletail_into_cfspot_batches", |b| {
                b.iter(|| needletail_batches(bgzf()))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
