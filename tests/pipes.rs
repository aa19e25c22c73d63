//! Pipes: `-` as input (BAM, SAM or FASTQ on standard input) and `-o -`
//! as output, as samtools users expect. A stream has no index: it is
//! counted in one pass, and must give the same bytes as the indexed file.

mod common;

use common::{cfspot_ok, demo, have_tool, run_ok, CFSPOT};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Simulate a small sample (BAM, R1/R2 FASTQ) into `dir`; its path prefix.
fn simulate(dir: &Path) -> String {
    let d = dir.to_str().unwrap();
    cfspot_ok(&[
        "simulate", "-o", d, "-n", "s", "-t", "0.1", "-d", "400", "-s", "3",
    ]);
    format!("{d}/s")
}

/// Runs cfspot with `input` on its standard input.
fn cfspot_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(CFSPOT)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cfspot");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Written from a thread: a pipe holds 64 KiB, the input is more.
    let writer = std::thread::spawn(move || {
        // cfspot may stop reading early when it fails; that is its right.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for cfspot");
    writer.join().unwrap();
    out
}

/// Runs `producer | cfspot args`; cfspot's output.
fn cfspot_after(producer: &mut Command, args: &[&str]) -> Output {
    let mut p = producer
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{producer:?}: {e}"));
    let out = Command::new(CFSPOT)
        .args(args)
        .stdin(p.stdout.take().unwrap())
        .output()
        .expect("run cfspot");
    assert!(p.wait().unwrap().success(), "{producer:?} failed");
    out
}

fn ok(out: Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "cfspot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn fails(out: &Output, needles: &[&str]) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in:\n{err}");
    }
    err
}

fn with(base: &[&str], extra: &[&str]) -> Vec<String> {
    base.iter().chain(extra).map(|s| s.to_string()).collect()
}

#[test]
fn a_bam_stream_counts_byte_for_byte_like_the_indexed_file() {
    if !have_tool("samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = simulate(dir.path());
    let bam = format!("{s}.bam");
    for opts in [&[][..], &["-@", "2"], &["--count-reads", "-q", "30"]] {
        let indexed = cfspot_ok(
            &with(&["count", &bam], opts)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        let args = with(&["count", "-"], opts);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Uncompressed BAM, as `samtools view -u` pipes it; SAM text; the
        // BGZF file itself.
        let ubam = ok(cfspot_after(
            Command::new("samtools").args(["view", "-u", &bam]),
            &args,
        ));
        assert_eq!(
            String::from_utf8(ubam).unwrap(),
            indexed,
            "view -u, {opts:?}"
        );
        let sam = ok(cfspot_after(
            Command::new("samtools").args(["view", "-h", &bam]),
            &args,
        ));
        assert_eq!(String::from_utf8(sam).unwrap(), indexed, "SAM, {opts:?}");
        let raw = ok(cfspot_stdin(&args, &std::fs::read(&bam).unwrap()));
        assert_eq!(
            String::from_utf8(raw).unwrap(),
            indexed,
            "BAM bytes, {opts:?}"
        );
    }
    // Not an empty comparison: the sample has depth at the sites.
    let indexed = cfspot_ok(&["count", &bam]);
    assert!(common::tsv_rows(&indexed).iter().all(|r| r["depth"] != "0"));
}

#[test]
fn a_bam_stream_calls_byte_for_byte_like_the_indexed_file() {
    if !have_tool("samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = simulate(dir.path());
    let bam = format!("{s}.bam");
    let (a, b) = (format!("{s}_file"), format!("{s}_pipe"));
    cfspot_ok(&["call", &bam, "-o", &a, "--sample", "s", "-@", "2"]);
    ok(cfspot_after(
        Command::new("samtools").args(["view", "-u", &bam]),
        &["call", "-", "-o", &b, "--sample", "s", "-@", "2"],
    ));
    for ext in [
        "calls.tsv",
        "vcf",
        "summary.json",
        "report.html",
        "_mqc.json",
        "hotspots_mqc.json",
    ] {
        let name = |p: &str| {
            if ext.starts_with('_') {
                format!("{p}{ext}")
            } else {
                format!("{p}.{ext}")
            }
        };
        assert_eq!(
            std::fs::read(name(&a)).unwrap(),
            std::fs::read(name(&b)).unwrap(),
            "{ext}"
        );
    }
    // The background was estimated from the stream, not left empty.
    let sum = common::json(format!("{b}.summary.json"));
    assert!(sum["background"]["positions"].as_u64().unwrap() > 1000);
}

/// Demo reference bases, 0-based half-open.
fn bases(contig: &str, start: u64, end: u64) -> String {
    let (_, r) = demo();
    String::from_utf8(r.fetch(contig, start, end).unwrap()).unwrap()
}

/// SAM text of reads laid out to test the stream's bookkeeping: reads
/// before, between and after the site units, a spliced read (`N`) that
/// reaches from one unit (KRAS Q61H) into the next (KRAS G12, 18 kb on), a
/// pair whose mates sit in two units, reads on a contig with no site and
/// unplaced unmapped reads at the end. Positions ascending, so sorted.
fn layout_sam() -> String {
    header() + &layout_sam_body()
}

/// A SAM header with the demo panel's contigs (and chr2, which has no site).
fn header() -> String {
    let mut sam = String::from("@HD\tVN:1.6\tSO:coordinate\n");
    for (name, len) in [
        ("chr1", 248956422),
        ("chr2", 242193529),
        ("chr3", 198295559),
        ("chr7", 159345973),
        ("chr11", 135086622),
        ("chr12", 133275309),
        ("chr17", 83257441),
    ] {
        sam.push_str(&format!("@SQ\tSN:{name}\tLN:{len}\n"));
    }
    sam
}

/// One record of the layout, at MAPQ 60 and Q40 throughout.
struct Rec {
    name: String,
    flag: u16,
    contig: &'static str,
    pos0: u64,
    cigar: &'static str,
    /// RNEXT and PNEXT.
    mate: (&'static str, u64),
    tlen: i64,
    seq: String,
}

/// An unpaired 60M read; the layout's other records differ from it in a
/// field or two.
fn unpaired(name: &str, contig: &'static str, pos0: u64, seq: String) -> Rec {
    Rec {
        name: name.to_string(),
        flag: 0,
        contig,
        pos0,
        cigar: "60M",
        mate: ("*", 0),
        tlen: 0,
        seq,
    }
}

fn layout_sam_body() -> String {
    let plain = |contig: &'static str, at: u64| bases(contig, at, at + 60);
    let reference_reads = |prefix: &str, contig: &'static str, at: &[u64]| -> Vec<Rec> {
        (at.iter().enumerate())
            .map(|(i, &at)| unpaired(&format!("{prefix}{i}"), contig, at, plain(contig, at)))
            .collect()
    };
    // NRAS Q61 (chr1:114713908) and a read 5 kb before it.
    let mut reads = vec![unpaired("before", "chr1", 114708000, "C".repeat(60))];
    reads.extend(reference_reads(
        "nras",
        "chr1",
        &[114713880, 114713885, 114713890],
    ));
    // A contig with no site.
    reads.push(unpaired("nosite", "chr2", 1000, "A".repeat(60)));
    // KRAS Q61H is chr12:25227341 (0-based 25227340); G12D is 25245350.
    // The first read of the unit comes before the spliced one, so that the
    // spliced one is read from the stream while its first unit is counted.
    reads.push(unpaired("q61", "chr12", 25227290, plain("chr12", 25227290)));
    let spliced = bases("chr12", 25227300, 25227400) + &bases("chr12", 25245321, 25245381);
    reads.push(Rec {
        cigar: "100M17921N60M",
        ..unpaired("spliced", "chr12", 25227300, spliced)
    });
    // A pair: mate 1 over Q61H, mate 2 over G12D (another unit).
    let tlen = (25245381 - 25227310) as i64;
    let mate1 = Rec {
        flag: 0x1 | 0x2 | 0x40 | 0x20,
        mate: ("=", 25245322),
        tlen,
        ..unpaired("pair", "chr12", 25227310, plain("chr12", 25227310))
    };
    reads.push(mate1);
    reads.push(unpaired("between", "chr12", 25236000, "G".repeat(60)));
    reads.extend(reference_reads(
        "g12_",
        "chr12",
        &[25245300, 25245307, 25245314],
    ));
    let mate2 = Rec {
        flag: 0x1 | 0x2 | 0x80 | 0x10,
        mate: ("=", 25227311),
        tlen: -tlen,
        ..unpaired("pair", "chr12", 25245321, plain("chr12", 25245321))
    };
    reads.push(mate2);
    reads.push(unpaired("after", "chr17", 80000000, "T".repeat(60)));
    let mut sam = String::new();
    for r in reads {
        let q = "I".repeat(r.seq.len());
        let ((rnext, pnext), pos) = (r.mate, r.pos0 + 1);
        sam.push_str(&format!(
            "{}\t{}\t{}\t{pos}\t60\t{}\t{rnext}\t{pnext}\t{}\t{}\t{q}\n",
            r.name, r.flag, r.contig, r.cigar, r.tlen, r.seq
        ));
    }
    sam.push_str(&format!(
        "unplaced\t4\t*\t0\t0\t*\t*\t0\t0\t{}\t{}\n",
        "A".repeat(60),
        "I".repeat(60)
    ));
    sam
}

#[test]
fn a_stream_hands_every_unit_the_records_the_index_would() {
    if !have_tool("samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sam = layout_sam();
    let sam_path = dir.path().join("layout.sam");
    std::fs::write(&sam_path, &sam).unwrap();
    let bam = dir.path().join("layout.bam");
    run_ok(
        Command::new("samtools")
            .args(["view", "-b", "-o"])
            .arg(&bam)
            .arg(&sam_path),
    );
    run_ok(Command::new("samtools").arg("index").arg(&bam));
    let bam = bam.to_str().unwrap();
    let indexed = cfspot_ok(&["count", bam]);
    let streamed = ok(cfspot_stdin(&["count", "-"], sam.as_bytes()));
    assert_eq!(String::from_utf8(streamed).unwrap(), indexed);
    let rows = common::tsv_rows(&indexed);
    let depth = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap()["depth"].clone();
    // The spliced read, the pair's mate and three more reach G12D; Q61H
    // has the spliced read, the pair's other mate and q61.
    assert_eq!(depth("KRAS_G12D"), "5");
    assert_eq!(depth("KRAS_Q61H"), "3");
    assert_eq!(depth("NRAS_Q61R"), "3");
    // And with the background, where the units read whole group spans.
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    cfspot_ok(&[
        "call",
        bam,
        "-o",
        a.to_str().unwrap(),
        "--sample",
        "x",
        "--min-depth",
        "1",
    ]);
    ok(cfspot_stdin(
        &[
            "call",
            "-",
            "-o",
            b.to_str().unwrap(),
            "--sample",
            "x",
            "--min-depth",
            "1",
        ],
        sam.as_bytes(),
    ));
    for ext in ["calls.tsv", "summary.json"] {
        let read = |p: &Path| std::fs::read(format!("{}.{ext}", p.display())).unwrap();
        assert_eq!(read(&a), read(&b), "{ext}");
    }
}

#[test]
fn an_unsorted_stream_is_refused() {
    // SAM text: no samtools needed. The second read starts before the first.
    let r = |name: &str, pos: u64| {
        let seq = bases("chr12", pos - 1, pos + 59);
        format!(
            "{name}\t0\tchr12\t{pos}\t60\t60M\t*\t0\t0\t{seq}\t{}\n",
            "I".repeat(60)
        )
    };
    let sam = format!(
        "{}{}{}",
        header(),
        r("late", 25245330),
        r("early", 25245321)
    );
    let out = cfspot_stdin(&["count", "-"], sam.as_bytes());
    fails(
        &out,
        &[
            "standard input is not coordinate-sorted",
            "read early at chr12:25245321 follows one at chr12:25245330",
            "samtools sort",
        ],
    );
    assert!(out.stdout.is_empty(), "no half-written table");
    // Out of order between contigs too (chr12 after chr17 in header order).
    let sam = format!(
        "{}a\t0\tchr17\t7675000\t60\t10M\t*\t0\t0\tACGTACGTAC\t{}\n{}",
        header(),
        "I".repeat(10),
        r("b", 25245321)
    );
    fails(
        &cfspot_stdin(&["count", "-"], sam.as_bytes()),
        &["not coordinate-sorted", "follows one at chr17:7675000"],
    );
}

#[test]
fn an_empty_stdin_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = cfspot_stdin(&["count", "-"], b"");
    fails(&out, &["standard input is empty"]);
    assert!(out.stdout.is_empty());
    let prefix = dir.path().join("x");
    let out = cfspot_stdin(&["call", "-", "-o", prefix.to_str().unwrap()], b"");
    fails(&out, &["standard input is empty"]);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no output"
    );
    // Neither alignments nor FASTQ.
    let out = cfspot_stdin(&["count", "-"], b"hello\n");
    fails(&out, &["standard input", "not BAM, SAM, CRAM or FASTQ"]);
}

/// The records of a gzip FASTQ, four lines each.
fn fastq_records(path: &str) -> Vec<String> {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    lines.chunks(4).map(|c| c.join("\n") + "\n").collect()
}

#[test]
fn fastq_on_stdin_counts_like_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let s = simulate(dir.path());
    let (r1, r2) = (format!("{s}_R1.fastq.gz"), format!("{s}_R2.fastq.gz"));
    // Interleaved pairs, as `samtools fastq` and `bwa mem -p` stream them.
    let interleaved: String = fastq_records(&r1)
        .iter()
        .zip(fastq_records(&r2))
        .flat_map(|(a, b)| [a.clone(), b])
        .collect();
    let paired = cfspot_ok(&["count", &r1, &r2]);
    let piped = ok(cfspot_stdin(
        &["count", "-", "-@", "2"],
        interleaved.as_bytes(),
    ));
    assert_eq!(String::from_utf8(piped).unwrap(), paired);
    // Single-end, gzip-compressed on the pipe.
    let single = cfspot_ok(&["count", &r1]);
    let piped = ok(cfspot_stdin(&["count", "-"], &std::fs::read(&r1).unwrap()));
    assert_eq!(String::from_utf8(piped).unwrap(), single);
    // R1 from a file, R2 from the pipe.
    let piped = ok(cfspot_stdin(
        &["count", &r1, "-"],
        &std::fs::read(&r2).unwrap(),
    ));
    assert_eq!(String::from_utf8(piped).unwrap(), paired);
    // Calling from a FASTQ stream writes what calling from the files does.
    let (a, b) = (format!("{s}_files"), format!("{s}_stdin"));
    cfspot_ok(&["call", &r1, &r2, "-o", &a, "--sample", "s"]);
    ok(cfspot_stdin(
        &["call", "-", "-o", &b, "--sample", "s"],
        interleaved.as_bytes(),
    ));
    assert_eq!(
        std::fs::read(format!("{a}.calls.tsv")).unwrap(),
        std::fs::read(format!("{b}.calls.tsv")).unwrap()
    );
}

#[test]
fn stdin_can_be_given_once() {
    let out = cfspot_stdin(&["count", "-", "-"], b"@r\nACGT\n+\nIIII\n");
    fails(&out, &["standard input", "once"]);
}

/// Runs cfspot in `dir` (so that a stray output file would land there).
fn cfspot_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(CFSPOT)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run cfspot")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn dash_o_writes_the_main_table_to_stdout_or_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let s = simulate(data.path());
    let bam = format!("{s}.bam");
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();

    // count: the table, as without -o.
    let out = ok(cfspot_in(cwd, &["count", "-o", "-", &bam]));
    assert_eq!(String::from_utf8(out).unwrap(), cfspot_ok(&["count", &bam]));

    // call: the calls TSV and nothing else; the sample named after the input.
    let prefix = format!("{s}_files");
    cfspot_ok(&["call", &bam, "-o", &prefix]);
    let out = cfspot_in(cwd, &["call", "-o", "-", &bam]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cfspot: s: "),
        "the verdict names the sample: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        ok(out),
        std::fs::read(format!("{prefix}.calls.tsv")).unwrap()
    );
    assert!(files_in(cwd).is_empty(), "{:?}", files_in(cwd));
    // From a stream there is no name to make a prefix of.
    fails(&cfspot_in(cwd, &["call", "-"]), &["give -o PREFIX", "-o -"]);
    assert!(files_in(cwd).is_empty(), "{:?}", files_in(cwd));

    // eval: the per-sample table, as -o PREFIX writes it.
    let truth = format!("{s}.truth.tsv");
    let calls = format!("{prefix}.calls.tsv");
    let eval_prefix = format!("{s}_eval");
    cfspot_ok(&[
        "eval",
        "--truth",
        &truth,
        "--calls",
        &calls,
        "-o",
        &eval_prefix,
    ]);
    let out = ok(cfspot_in(
        cwd,
        &["eval", "--truth", &truth, "--calls", &calls, "-o", "-"],
    ));
    assert_eq!(
        out,
        std::fs::read(format!("{eval_prefix}.eval.tsv")).unwrap()
    );
    assert!(files_in(cwd).is_empty(), "{:?}", files_in(cwd));

    // simulate and demo write folders: refused, nothing made.
    fails(
        &cfspot_in(cwd, &["simulate", "-o", "-", "-d", "50"]),
        &["give -o DIR"],
    );
    fails(&cfspot_in(cwd, &["demo", "-o", "-"]), &["give -o DIR"]);
    assert!(files_in(cwd).is_empty(), "{:?}", files_in(cwd));
}

#[test]
fn a_stream_says_what_the_file_would() {
    // A read without SEQ is skipped with a note naming the input.
    let seq = bases("chr12", 25245320, 25245380);
    let sam = format!(
        "{}ok\t0\tchr12\t25245321\t60\t60M\t*\t0\t0\t{seq}\t{q}\nnoseq\t0\tchr12\t25245322\t60\t60M\t*\t0\t0\t*\t*\n",
        header(),
        q = "I".repeat(60)
    );
    let out = cfspot_stdin(&["count", "-"], sam.as_bytes());
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("1 read(s) of standard input passed the filters but have no sequence"),
        "{err}"
    );
    let table = String::from_utf8(ok(out)).unwrap();
    let rows = common::tsv_rows(&table);
    assert_eq!(
        rows.iter().find(|r| r["id"] == "KRAS_G12D").unwrap()["depth"],
        "1"
    );
}
