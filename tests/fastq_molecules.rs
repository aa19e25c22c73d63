//! `cfspot count --molecules` / `--duplex` straight from FASTQ: UMIs from
//! the read names (as `cfspot simulate --umi` writes them), from an
//! `RX:Z:` comment (`samtools fastq -T RX`) or cut off the reads by a read
//! structure; grouped by cfspot on the placed ends. Checked against the
//! same sample's BAM counted by its `MI` families (the simulator's true
//! molecules) and against the truth's families.

mod common;

use common::{cfspot, cfspot_fails, cfspot_ok, tsv_rows};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

type Rows = Vec<HashMap<String, String>>;

fn num(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|e| panic!("{column} {:?}: {e}", row[column]))
}

struct Sample {
    dir: tempfile::TempDir,
    truth: Rows,
}

impl Sample {
    fn new(args: &[&str]) -> Sample {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_str().unwrap().to_owned();
        let mut all = vec!["simulate", "-o", &out];
        all.extend_from_slice(args);
        cfspot_ok(&all);
        let truth = tsv_rows(&std::fs::read_to_string(dir.path().join("sim.truth.tsv")).unwrap());
        Sample { dir, truth }
    }
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }
    fn fastq(&self) -> [String; 2] {
        [self.path("sim_R1.fastq.gz"), self.path("sim_R2.fastq.gz")]
    }
}

/// (header, seq, qual) of each record of a gzipped FASTQ.
fn records(path: &str) -> Vec<(String, String, String)> {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    lines
        .chunks(4)
        .map(|c| (c[0][1..].to_owned(), c[1].to_owned(), c[3].to_owned()))
        .collect()
}

/// Write records (header, seq, qual) as plain FASTQ.
fn write(path: &Path, recs: &[(String, String, String)]) -> String {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for (h, s, q) in recs {
        writeln!(f, "@{h}\n{s}\n+\n{q}").unwrap();
    }
    f.flush().unwrap();
    path.to_str().unwrap().to_owned()
}

/// The simulator's header `NAME:B:M:C:U1+U2 1:N:0` as (`NAME:B:M:C`, U1, U2).
fn split_header(h: &str) -> (String, String, String) {
    let name = h.split(' ').next().unwrap();
    let (base, umi) = name.rsplit_once(':').unwrap();
    let (u1, u2) = umi.split_once('+').unwrap();
    (base.to_owned(), u1.to_owned(), u2.to_owned())
}

/// Rewrite both files of `s` with `f(read, record)` into `dir`.
fn rewrite(
    s: &Sample,
    dir: &Path,
    tag: &str,
    f: impl Fn(usize, &(String, String, String)) -> (String, String, String),
) -> [String; 2] {
    let [r1, r2] = s.fastq();
    let out = |i: usize, p: &str| {
        let recs: Vec<_> = records(p).iter().map(|r| f(i, r)).collect();
        write(&dir.join(format!("{tag}_R{}.fq", i + 1)), &recs)
    };
    [out(0, &r1), out(1, &r2)]
}

fn count(args: &[&str]) -> (Rows, String) {
    let out = cfspot(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {err}");
    (tsv_rows(&String::from_utf8(out.stdout).unwrap()), err)
}

/// FASTQ molecules against the BAM's `MI` families and the truth, on a
/// sample with UMI, PCR and damage errors. Tolerances: with UMI error 2e-3
/// a base, a copy misreads two of its 16 UMI bases (and so leaves its
/// family, edits 1) with chance ≈ C(16,2)·(2e-3)² = 4.8e-4: at ~4 copies
/// a molecule, ~0.2 % extra families (~1.2 at a 600-molecule site, and
/// P(Poisson(1.2) > 6) ≈ 1e-4); two molecules with the same ends and UMIs
/// one edit apart are rarer still (16·3 / 4^16 a pair). So families and
/// depth within 1 %, and alt within 5 sd of the consensus disagreements (a
/// molecule's consensus is wrong with chance at most 1.75e-3, the worst
/// cycle's error) plus one.
#[test]
fn fastq_molecules_agree_with_the_bam_and_the_truth() {
    let s = Sample::new(&[
        "-s",
        "5",
        "--umi",
        "--family-size-mean",
        "4",
        "--umi-error-rate",
        "0.002",
        "--pcr-error-rate",
        "1e-4",
        "--damage",
        "G>T:0.001",
        "-d",
        "600",
    ]);
    let [r1, r2] = s.fastq();
    let bam = s.path("sim.bam");
    for unit in ["--molecules", "--duplex"] {
        let (fq, note) = count(&["count", unit, &r1, &r2]);
        let (bm, _) = count(&["count", unit, &bam]);
        assert!(
            note.contains("UMIs (8+8 bases) from read 1's header")
                && note.contains("grouped by the paired rule"),
            "{note}"
        );
        assert_eq!((fq.len(), bm.len(), s.truth.len()), (31, 31, 31));
        for ((f, b), t) in fq.iter().zip(&bm).zip(&s.truth) {
            let id = &t["id"];
            assert_eq!((&f["id"], &b["id"]), (id, id));
            let within = |x: f64, y: f64| (x - y).abs() <= 0.01 * y;
            let (fam, dup) = (num(t, "families"), num(t, "duplex_families"));
            assert!(within(num(f, "families"), fam), "{id} {unit}: {f:?}");
            assert!(within(num(f, "duplex_families"), dup), "{id} {unit}: {f:?}");
            assert!(within(num(f, "depth"), num(b, "depth")), "{id} {unit}");
            let n = num(b, "depth");
            let tol = 5.0 * (n * 1.75e-3).sqrt() + 1.0;
            assert!(
                (num(f, "alt_count") - num(b, "alt_count")).abs() <= tol,
                "{id} {unit}: alt {} BAM {}",
                f["alt_count"],
                b["alt_count"]
            );
            // Every fragment the BAM's families hold is placed and grouped.
            assert!(within(num(f, "fragments"), num(b, "fragments")), "{id}");
        }
    }
}

/// The same reads with their UMIs in an `RX:Z:` comment, or inline
/// (`UMI` + 2 skipped bases before each read, `--read-structure 8M2S+T
/// 8M2S+T`), give exactly the counts of the UMIs in the names: the same
/// UMIs and, once cut, the same templates.
#[test]
fn umis_in_a_comment_or_inline_count_as_in_the_name() {
    let s = Sample::new(&["-s", "8", "--umi", "--family-size-mean", "3", "-d", "300"]);
    let dir = tempfile::tempdir().unwrap();
    let [r1, r2] = s.fastq();
    let names = cfspot_ok(&["count", "--duplex", &r1, &r2]);
    let rx = rewrite(&s, dir.path(), "rx", |_, (h, seq, q)| {
        let (base, u1, u2) = split_header(h);
        (format!("{base}\tRX:Z:{u1}-{u2}"), seq.clone(), q.clone())
    });
    let (rows, note) = count(&["count", "--duplex", &rx[0], &rx[1]]);
    assert!(note.contains("from read 1's header"), "{note}");
    assert_eq!(rows, tsv_rows(&names));
    let inline = rewrite(&s, dir.path(), "inline", |i, (h, seq, q)| {
        let (base, u1, u2) = split_header(h);
        let umi = if i == 0 { u1 } else { u2 };
        (
            format!("{base} {}:N:0", i + 1),
            format!("{umi}AT{seq}"),
            format!("IIIIIIIIII{q}"),
        )
    });
    let (rows, note) = count(&[
        "count",
        "--duplex",
        "--read-structure",
        "8M2S+T",
        "8M2S+T",
        &inline[0],
        &inline[1],
    ]);
    assert!(
        note.contains("by read structure 8M2S+T 8M2S+T (one UMI per end)"),
        "{note}"
    );
    assert_eq!(rows, tsv_rows(&names));
    // Without the structure the UMI bases are placed as template: they
    // are soft-clipped, the ends move by 10, and the headers hold no UMI,
    // so the molecules are grouped by position only, and say so.
    let (_, note) = count(&["count", "--molecules", &inline[0], &inline[1]]);
    assert!(
        note.contains("grouped into molecules by position only"),
        "{note}"
    );
}

/// What is wrong is said with the file and the record.
#[test]
fn fastq_umi_errors_name_the_file_and_record() {
    let s = Sample::new(&["-s", "3", "--umi", "-d", "30"]);
    let dir = tempfile::tempdir().unwrap();
    let [r1, r2] = s.fastq();
    // Record 3 of R1 without its UMI, and record 4 with a number where
    // the UMI was (an Illumina name's end).
    let missing: Vec<PathBuf> = rewrite(&s, dir.path(), "missing", |_, (h, seq, q)| {
        (h.clone(), seq.clone(), q.clone())
    })
    .iter()
    .map(PathBuf::from)
    .collect();
    let mut recs = records(&r1);
    recs[2].0 = split_header(&recs[2].0).0.replace(':', "-");
    write(&missing[0], &recs);
    let m = [missing[0].to_str().unwrap(), missing[1].to_str().unwrap()];
    cfspot_fails(
        &["count", "--molecules", m[0], m[1]],
        &["missing_R1.fq: record 3:", "has no UMI"],
    );
    let mut recs = records(&r1);
    recs[3].0 = split_header(&recs[3].0).0;
    write(&missing[0], &recs);
    cfspot_fails(
        &["count", "--molecules", m[0], m[1]],
        &[
            "missing_R1.fq: record 4:",
            "read name's UMI: UMI \"0\" has '0'",
        ],
    );
    // A UMI that is not bases.
    let mut recs = records(&r1);
    let (base, u1, u2) = split_header(&recs[4].0);
    recs[4].0 = format!("{base}:{}X+{u2}", &u1[1..]);
    write(&missing[0], &recs);
    cfspot_fails(
        &["count", "--molecules", m[0], m[1]],
        &["record 5:", "'X' at position 8"],
    );
    // One-part UMIs cannot tell a duplex's strands apart.
    let single = rewrite(&s, dir.path(), "single", |_, (h, seq, q)| {
        let (base, u1, _) = split_header(h);
        (format!("{base}_{u1}"), seq.clone(), q.clone())
    });
    cfspot_fails(
        &["count", "--duplex", &single[0], &single[1]],
        &["--duplex needs a UMI at each end", "UMIs (8 bases)"],
    );
    let (rows, _) = count(&["count", "--molecules", &single[0], &single[1]]);
    assert_eq!(rows.len(), 31);
    // Read structures: checked, one per read, and the reads must fit.
    cfspot_fails(
        &["count", "--molecules", "--read-structure", "8X+T", &r1, &r2],
        &["unknown segment type at character 2"],
    );
    cfspot_fails(
        &["count", "--molecules", &r1, &r2, "--read-structure", "8M+T"],
        &["one structure per read of a fragment", "1 given"],
    );
    cfspot_fails(
        &["count", "--molecules", "--read-structure", "8M+T", &r1, &r2],
        &["is a file, not a read structure", "put the inputs before"],
    );
    cfspot_fails(
        &[
            "count",
            "--molecules",
            "--read-structure",
            "160M+T",
            "+T",
            &r1,
            &r2,
        ],
        &[
            "sim_R1.fastq.gz: record 1:",
            "shorter than its read structure 160M+T",
        ],
    );
    cfspot_fails(
        &["count", "--read-structure", "8M+T", "8M+T", &r1, &r2],
        &["--read-structure needs --molecules or --duplex"],
    );
}
