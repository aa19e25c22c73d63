//! Outputs never replace inputs, missing folders are made the same way by
//! every command, and a failing command says what went wrong once, in
//! cfspot's words (issue 11, items 3, 8 and 9).

mod common;

use common::{cfspot, cfspot_fails, cfspot_ok, CFSPOT};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A folder with the mini BAM, its index and the demo panel as a VCF.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("mini.bam"), dir.path().join("x.bam")).unwrap();
    std::fs::copy(data("mini.bam.bai"), dir.path().join("x.bam.bai")).unwrap();
    let vcf = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/hotspots.vcf");
    std::fs::copy(vcf, dir.path().join("panel.vcf")).unwrap();
    dir
}

/// Every file under `dir` with its bytes, to show that nothing changed.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                todo.push(p);
            } else if meta.file_type().is_symlink() {
                files.push((
                    p.clone(),
                    std::fs::read_link(&p)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                ));
            } else {
                files.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// Runs `cfspot args` in `dir`, whatever comes of it.
fn cfspot_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(CFSPOT)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `args` run in `dir` must succeed.
fn ok_in(dir: &Path, args: &[&str]) {
    let out = cfspot_in(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `args` run in `dir` must fail, naming `needles`, and leave every file
/// in `dir` as it was.
fn refused_in(dir: &Path, args: &[&str], needles: &[&str]) {
    let before = snapshot(dir);
    let out = cfspot_in(dir, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} must be refused:\n{err}"
    );
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected {n:?} in:\n{err}");
    }
    assert_eq!(
        err.matches("cfspot: error:").count(),
        1,
        "said once:\n{err}"
    );
    assert_eq!(snapshot(dir), before, "{args:?} changed a file");
}

#[test]
fn count_never_writes_over_an_input() {
    let dir = workdir();
    let d = dir.path();
    std::os::unix::fs::symlink("x.bam", d.join("link.tsv")).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    let already = "refusing to write";
    refused_in(
        d,
        &["count", "-o", "x.bam", "x.bam"],
        &[already, "the input x.bam"],
    );
    refused_in(
        d,
        &["count", "-o", "./sub/../x.bam", "x.bam"],
        &[already, "./sub/../x.bam", "the input x.bam"],
    );
    refused_in(
        d,
        &["count", "-o", "link.tsv", "x.bam"],
        &[already, "link.tsv", "the input x.bam"],
    );
    refused_in(
        d,
        &["count", "-o", "x.bam.bai", "x.bam"],
        &[already, "the index of the input x.bam"],
    );
    refused_in(
        d,
        &["count", "-p", "panel.vcf", "-o", "panel.vcf", "x.bam"],
        &[already, "the panel panel.vcf"],
    );
    // Absolute against relative, and a hard link.
    let abs = d.join("x.bam");
    refused_in(d, &["count", "-o", s(&abs), "x.bam"], &[already]);
    std::fs::hard_link(d.join("x.bam"), d.join("hard.tsv")).unwrap();
    refused_in(
        d,
        &["count", "-o", "hard.tsv", "x.bam"],
        &[already, "hard.tsv"],
    );
}

#[test]
fn count_refuses_to_overwrite_the_reference_or_its_index() {
    let dir = workdir();
    let d = dir.path();
    // The demo's regional reference (windows named chrom:start-end).
    let windows = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/regions.fa");
    std::fs::copy(windows, d.join("ref.fa")).unwrap();
    for out in ["ref.fa", "ref.fa.fai"] {
        refused_in(
            d,
            &[
                "count",
                "-p",
                "panel.vcf",
                "-r",
                "ref.fa",
                "-o",
                out,
                "x.bam",
            ],
            &["refusing to write", "ref.fa"],
        );
    }
}

#[test]
fn call_never_writes_over_an_input() {
    let dir = workdir();
    let d = dir.path();
    // PREFIX.vcf is one of call's outputs: a panel or patient VCF named
    // like the prefix must survive.
    refused_in(
        d,
        &[
            "call",
            "-p",
            "panel.vcf",
            "--background-rate",
            "1e-3",
            "-o",
            "panel",
            "x.bam",
        ],
        &["refusing to write panel.vcf", "the panel panel.vcf"],
    );
    std::fs::write(
        d.join("s1.vcf"),
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n\
         chr12\t25245350\tKRAS_G12D\tC\tT\t.\t.\t.\n",
    )
    .unwrap();
    refused_in(
        d,
        &[
            "call",
            "--tumour-informed",
            "s1.vcf",
            "--background-rate",
            "1e-3",
            "-o",
            "./s1",
            "x.bam",
        ],
        &[
            "refusing to write ./s1.vcf",
            "the --tumour-informed VCF s1.vcf",
        ],
    );
    // Through a link to the BAM, at any of the prefix's files.
    std::os::unix::fs::symlink("x.bam", d.join("s2.report.html")).unwrap();
    refused_in(
        d,
        &["call", "--background-rate", "1e-3", "-o", "s2", "x.bam"],
        &["refusing to write s2.report.html", "the input x.bam"],
    );
    // The default prefix, from a count TSV named like a call output.
    let counts = cfspot_ok(&["count", s(&d.join("x.bam"))]);
    std::fs::write(d.join("c.tsv"), counts).unwrap();
    std::os::unix::fs::symlink("c.tsv", d.join("c.summary.json")).unwrap();
    refused_in(
        d,
        &["call", "--background-rate", "1e-3", "c.tsv"],
        &["refusing to write c.summary.json", "the input c.tsv"],
    );
}

#[test]
fn call_writes_all_its_files_or_none() {
    let dir = workdir();
    let d = dir.path();
    // The fourth of call's six files cannot be put in place (a folder is
    // there): the three written before it must not appear either. (Before
    // output::FileSet, calls.tsv, vcf and summary.json were left behind.)
    std::fs::create_dir_all(d.join("out/x.report.html")).unwrap();
    std::fs::write(d.join("out/x.report.html/keep"), "a file in the way\n").unwrap();
    refused_in(
        d,
        &["call", "--background-rate", "1e-3", "-o", "out/x", "x.bam"],
        &["out/x.report.html"],
    );
    // Nothing in the way: all six.
    ok_in(
        d,
        &["call", "--background-rate", "1e-3", "-o", "out/y", "x.bam"],
    );
    for suffix in [
        ".calls.tsv",
        ".vcf",
        ".summary.json",
        ".report.html",
        "_mqc.json",
        ".hotspots_mqc.json",
    ] {
        assert!(d.join(format!("out/y{suffix}")).is_file(), "{suffix}");
    }
}

#[test]
fn simulate_writes_all_its_files_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The sixth of the simulator's seven files cannot be put in place (a
    // folder is there): the five before it must not appear either. (Before
    // the simulator wrote through output::FileSet, sim.bam, sim.bam.bai,
    // both FASTQs and sim.truth.tsv were left behind.)
    std::fs::create_dir_all(d.join("out/sim.truth.vcf")).unwrap();
    std::fs::write(d.join("out/sim.truth.vcf/keep"), "a file in the way\n").unwrap();
    refused_in(
        d,
        &["simulate", "-o", "out", "--depth", "30"],
        &["sim.truth.vcf"],
    );
    // Nothing in the way: all seven.
    ok_in(d, &["simulate", "-o", "out2", "--depth", "30"]);
    for suffix in [
        ".bam",
        ".bam.bai",
        "_R1.fastq.gz",
        "_R2.fastq.gz",
        ".truth.tsv",
        ".truth.vcf",
        ".params.json",
    ] {
        assert!(d.join(format!("out2/sim{suffix}")).is_file(), "{suffix}");
    }
}

#[test]
fn simulate_never_writes_over_its_panel() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok_in(d, &["simulate", "-o", "out", "--depth", "30"]);
    // The truth VCF of one run as the panel of the next, in the same
    // folder, named as it was written or another way.
    for (folder, clash) in [
        ("out", "refusing to write out/sim.truth.vcf"),
        ("./out/", "refusing to write"),
    ] {
        let args = [
            "simulate",
            "-p",
            "out/sim.truth.vcf",
            "-r",
            "demo",
            "-o",
            folder,
            "--depth",
            "30",
        ];
        refused_in(d, &args, &[clash, "the panel out/sim.truth.vcf"]);
    }
}

#[test]
fn eval_never_writes_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| ok_in(d, args);
    run(&["simulate", "-o", ".", "--depth", "300"]);
    run(&["call", "-o", "s", "sim.bam"]);
    // PREFIX.eval.tsv is a link to the truth: writing it would replace the
    // truth table.
    std::os::unix::fs::symlink("sim.truth.tsv", d.join("p.eval.tsv")).unwrap();
    refused_in(
        d,
        &[
            "eval",
            "--truth",
            "sim.truth.tsv",
            "--calls",
            "s.calls.tsv",
            "-o",
            "p",
        ],
        &[
            "refusing to write p.eval.tsv",
            "the truth table sim.truth.tsv",
        ],
    );
    std::fs::write(
        d.join("pairs.eval.tsv"),
        "truth\tcalls\nsim.truth.tsv\ts.calls.tsv\n",
    )
    .unwrap();
    refused_in(
        d,
        &["eval", "--sheet", "pairs.eval.tsv", "-o", "pairs"],
        &[
            "refusing to write pairs.eval.tsv",
            "the sheet pairs.eval.tsv",
        ],
    );
}

#[test]
fn the_same_reads_twice_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok_in(d, &["simulate", "-o", ".", "--depth", "30"]);
    std::os::unix::fs::symlink("sim_R1.fastq.gz", d.join("r2.fastq.gz")).unwrap();
    for cmd in ["count", "call"] {
        for (r1, r2) in [
            ("sim_R1.fastq.gz", "sim_R1.fastq.gz"),
            ("sim_R1.fastq.gz", "./sim_R1.fastq.gz"),
            ("sim_R1.fastq.gz", "r2.fastq.gz"),
            ("sim.bam", "sim.bam"),
        ] {
            let args: &[&str] = if cmd == "count" {
                &[cmd, r1, r2]
            } else {
                &[cmd, "--background-rate", "1e-3", r1, r2]
            };
            refused_in(
                d,
                args,
                &[&format!("{r1} and {r2} are the same file"), "give it once"],
            );
        }
    }
}

#[test]
fn missing_folders_are_made_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| ok_in(d, args);
    run(&["simulate", "-o", "a/sim", "--depth", "300"]);
    assert!(d.join("a/sim/sim.bam").is_file());
    run(&["count", "-o", "b/c/x.tsv", "a/sim/sim.bam"]);
    assert!(d.join("b/c/x.tsv").is_file());
    run(&["call", "-o", "e/f/s", "a/sim/sim.bam"]);
    assert!(d.join("e/f/s.calls.tsv").is_file());
    run(&[
        "eval",
        "--truth",
        "a/sim/sim.truth.tsv",
        "--calls",
        "e/f/s.calls.tsv",
        "-o",
        "g/h/ev",
    ]);
    assert!(d.join("g/h/ev.eval.tsv").is_file() && d.join("g/h/ev.lod_curve.tsv").is_file());
    run(&["demo", "-o", "i/j"]);
    assert!(d.join("i/j/demo.counts.tsv").is_file());
    // A failed run leaves no folder it made.
    let out = cfspot(&[
        "count",
        "-o",
        s(&d.join("k/l/x.tsv")),
        s(&d.join("nope.bam")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.join("k").exists());
}

#[test]
fn a_missing_panel_is_said_once_in_plain_words() {
    let out = cfspot(&["count", "-p", "no/such/panel.tsv", s(&data("mini.bam"))]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "cfspot: error: cannot read panel no/such/panel.tsv: No such file or directory\n"
    );
}

#[test]
fn htslib_does_not_speak_before_cfspot() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A BGZF file with BAM's magic and a header length that runs past the
    // end: htslib logs "[E::bam_hdr_read] ..." of its own.
    {
        let mut w = rust_htslib::bgzf::Writer::from_path(d.join("bad.bam")).unwrap();
        std::io::Write::write_all(&mut w, b"BAM\x01\xff\xff\xff\x7f").unwrap();
    }
    let out = cfspot(&["count", s(&d.join("bad.bam"))]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("[E::") && !err.contains("[W::"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line, cfspot's:\n{err}");
    assert!(
        err.starts_with("cfspot: error:") && err.contains("bad.bam"),
        "{err}"
    );

    // A BAM without an index: cfspot builds one and says so; htslib's
    // "Could not retrieve index file" is not shown.
    std::fs::copy(data("mini.bam"), d.join("noidx.bam")).unwrap();
    let out = cfspot(&["count", "-o", s(&d.join("x.tsv")), s(&d.join("noidx.bam"))]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("[E::"), "{err}");
}

#[test]
fn call_on_an_empty_count_tsv_says_what_a_count_tsv_holds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let counts = cfspot_ok(&["count", s(&data("mini.bam"))]);
    let header = counts.lines().next().unwrap();
    std::fs::write(d.join("empty.tsv"), "").unwrap();
    std::fs::write(d.join("header.tsv"), format!("{header}\n")).unwrap();
    std::fs::write(d.join("other.tsv"), "a\tb\n1\t2\n").unwrap();
    for (file, what) in [
        ("empty.tsv", "is empty"),
        ("header.tsv", "holds a header but no rows"),
        ("other.tsv", ":1: not the header of a cfspot count TSV"),
    ] {
        let path = d.join(file);
        let out = s(&d.join("out/x")).to_string();
        let err = cfspot_fails(
            &["call", "--background-rate", "1e-3", "-o", &out, s(&path)],
            &[s(&path), what, "id contig pos ref alt depth"],
        );
        assert!(!err.contains("BAM"), "{err}");
        assert!(!d.join("out").exists());
        // Without --background-rate the file's problem still comes first.
        cfspot_fails(&["call", "-o", &out, s(&path)], &[what]);
    }
}
