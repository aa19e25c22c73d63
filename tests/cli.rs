//! End-to-end: the `cfspot` binary on the files in `test-data/`.
//!
//! Expected numbers are worked out by hand from `test-data/make_mini.py`
//! (see the comments there), not taken from a previous run; the counts of
//! `mini.bam` are the counting case `test-data/cases/mini` (tests/cases.rs).

mod common;

use common::{cfspot, cfspot_fails, cfspot_ok, have_tool, tsv_rows};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(name)
        .display()
        .to_string()
}

/// Rows of a count TSV by id, each a column → value map.
fn rows(tsv: &str) -> HashMap<String, HashMap<String, String>> {
    tsv_rows(tsv)
        .into_iter()
        .map(|row| (row["id"].clone(), row))
        .collect()
}

fn get<'a>(rows: &'a HashMap<String, HashMap<String, String>>, id: &str, col: &str) -> &'a str {
    &rows[id][col]
}

#[test]
fn count_tsv_has_a_row_per_site_in_the_documented_columns() {
    // Every count of mini.bam is checked, worked out by hand, by the
    // counting case test-data/cases/mini (tests/cases.rs); here the table's
    // shape.
    let text = cfspot_ok(&["count", &data("mini.bam")]);
    let header = text.lines().next().unwrap();
    assert!(header
        .starts_with("id\tcontig\tpos\tref\talt\tdepth\tref_count\talt_count\tother_count\tvaf\t"));
    assert_eq!(rows(&text).len(), 31, "one row per demo hotspot");
}

#[test]
fn output_file_and_threads_give_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.tsv");
    let b = dir.path().join("b.tsv");
    cfspot_ok(&[
        "count",
        "-@",
        "1",
        "-o",
        a.to_str().unwrap(),
        &data("mini.bam"),
    ]);
    cfspot_ok(&[
        "count",
        "-@",
        "2",
        "-o",
        b.to_str().unwrap(),
        &data("mini.bam"),
    ]);
    let stdout = cfspot_ok(&["count", &data("mini.bam")]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(std::fs::read_to_string(&a).unwrap(), stdout);
}

#[test]
fn bad_input_is_a_clear_error_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.tsv");
    let o = out.to_str().unwrap();
    let missing = dir.path().join("missing.bam");
    cfspot_fails(
        &["count", "-o", o, missing.to_str().unwrap()],
        &["missing.bam"],
    );
    // A panel with a bad row: file and line named.
    let panel = dir.path().join("bad.tsv");
    std::fs::write(
        &panel,
        "contig\tpos\tref\talt\nchr12\t25245350\tC\tT\nchr12\tx\tC\tT\n",
    )
    .unwrap();
    cfspot_fails(
        &[
            "count",
            "-p",
            panel.to_str().unwrap(),
            "-o",
            o,
            &data("mini.bam"),
        ],
        &["bad.tsv:3"],
    );
    // An empty panel.
    let empty = dir.path().join("empty.tsv");
    std::fs::write(&empty, "contig\tpos\tref\talt\n").unwrap();
    cfspot_fails(
        &[
            "count",
            "-p",
            empty.to_str().unwrap(),
            "-o",
            o,
            &data("mini.bam"),
        ],
        &["empty.tsv"],
    );
    // A truncated BAM.
    let bytes = std::fs::read(data("mini.bam")).unwrap();
    let cut = dir.path().join("cut.bam");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    cfspot_fails(
        &["count", "-o", o, cut.to_str().unwrap()],
        &["cut.bam", "truncated"],
    );
    // A panel whose contigs are named the Ensembl way.
    let ens = dir.path().join("ensembl.tsv");
    std::fs::write(
        &ens,
        "contig\tpos\tref\talt\tid\n12\t25245350\tC\tT\tG12D\n",
    )
    .unwrap();
    cfspot_fails(
        &[
            "count",
            "-p",
            ens.to_str().unwrap(),
            "-o",
            o,
            &data("mini.bam"),
        ],
        &["mini.bam", "'12'", "chr12"],
    );
    // SAM text is not indexable.
    cfspot_fails(
        &["count", "-o", o, &data("mini.sam")],
        &["mini.sam", "samtools sort"],
    );
    assert!(!out.exists(), "no output file after a failed run");
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".cfspot"))
            .count(),
        0
    );
}

#[test]
fn missing_index_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let bam: PathBuf = dir.path().join("copy.bam");
    std::fs::copy(data("mini.bam"), &bam).unwrap();
    let out = cfspot(&["count", bam.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("built one"));
    assert!(dir.path().join("copy.bam.bai").exists());
}

#[test]
fn help_shows_examples_and_defaults() {
    let help = cfspot_ok(&["count", "--help"]);
    for needle in [
        "Examples:",
        "Outputs:",
        "[default: demo]",
        "[default: 20]",
        "--count-reads",
        "-@",
    ] {
        assert!(help.contains(needle), "help lacks {needle:?}");
    }
}

/// A small genome of our own (whole contigs, so CRAM can use it), a TSV
/// panel and a BED panel on it, and the same reads as BAM and CRAM.
#[test]
fn cram_tsv_and_bed_panels_on_an_indexed_fasta() {
    if !have_tool("samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n).display().to_string();
    // Deterministic pseudo-random contig.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let genome: String = (0..3000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ['A', 'C', 'G', 'T'][(x % 4) as usize]
        })
        .collect();
    let fasta: String = genome
        .as_bytes()
        .chunks(60)
        .map(|c| String::from_utf8_lossy(c) + "\n")
        .collect();
    std::fs::write(d("genome.fa"), format!(">chrT\n{fasta}")).unwrap();
    // Site at 1-based 1500; 4 reads with ALT, 6 with REF, all 100 bp from 1451.
    let ref_base = genome.as_bytes()[1499] as char;
    let alt_base = if ref_base == 'A' { 'G' } else { 'A' };
    let read = &genome[1450..1550];
    let alt_read = format!("{}{}{}", &read[..49], alt_base, &read[50..]);
    let mut sam = String::from("@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chrT\tLN:3000\n");
    for i in 0..10 {
        let seq = if i < 4 { &alt_read } else { read };
        sam.push_str(&format!(
            "r{i}\t0\tchrT\t1451\t60\t100M\t*\t0\t0\t{seq}\t{}\n",
            "I".repeat(100)
        ));
    }
    std::fs::write(d("reads.sam"), sam).unwrap();
    let ok = |args: &[&str]| {
        assert!(Command::new("samtools")
            .args(args)
            .status()
            .unwrap()
            .success())
    };
    ok(&["view", "-b", "-o", &d("reads.bam"), &d("reads.sam")]);
    ok(&[
        "view",
        "-C",
        "-T",
        &d("genome.fa"),
        "-o",
        &d("reads.cram"),
        &d("reads.sam"),
    ]);
    std::fs::write(
        d("panel.tsv"),
        format!("contig\tpos\tref\talt\tid\tgene\nchrT\t1500\t{ref_base}\t{alt_base}\tT1\tTOY\n"),
    )
    .unwrap();
    std::fs::write(d("panel.bed"), "chrT\t1499\t1501\tpair\n").unwrap();

    // CRAM without a reference: told what to do.
    cfspot_fails(
        &["count", "-p", &d("panel.tsv"), &d("reads.cram")],
        &["reads.cram", "--reference"],
    );
    // With it: the CRAM counts as the BAM does (indexes of both built on the fly).
    let run = |input: &str, panel: &str| {
        cfspot_ok(&["count", "-p", &d(panel), "-r", &d("genome.fa"), &d(input)])
    };
    let bam = run("reads.bam", "panel.tsv");
    assert_eq!(run("reads.cram", "panel.tsv"), bam);
    assert!(
        dir.path().join("genome.fa.fai").exists(),
        "the .fai is built when missing"
    );
    let r = rows(&bam);
    assert_eq!(
        ["depth", "ref_count", "alt_count", "vaf", "gene"].map(|c| get(&r, "T1", c)),
        ["10", "6", "4", "0.400000", "TOY"]
    );
    // BED: positions 1500 and 1501, REF from the reference, every base reported.
    let r = rows(&run("reads.bam", "panel.bed"));
    let p1500 = &r["pair:1500"];
    assert_eq!(p1500["ref"], ref_base.to_string());
    assert_eq!(p1500["alt"], ".");
    assert_eq!(p1500["vaf"], "");
    assert_eq!(p1500["ref_count"], "6");
    assert_eq!(p1500["other_count"], "4");
    assert_eq!(p1500[&alt_base.to_string()], "4");
    assert_eq!(r["pair:1501"]["ref_count"], "10");
    // A REF that disagrees with the reference is listed.
    std::fs::write(
        d("wrong.tsv"),
        format!("contig\tpos\tref\talt\tid\nchrT\t1500\t{alt_base}\t{ref_base}\tW\n"),
    )
    .unwrap();
    cfspot_fails(
        &[
            "count",
            "-p",
            &d("wrong.tsv"),
            "-r",
            &d("genome.fa"),
            &d("reads.bam"),
        ],
        &["wrong.tsv:2", "W"],
    );
}

/// Without `--reference`, REF is checked against the reads' MD tags:
/// the corpus case `panel-ref-contradicts-md` shows a wrong REF refused;
/// here the right one passes quietly, a site no read spans is named in a
/// note, and reads without MD (mini.bam) say nothing was checked. Its
/// reads start at c1:1001..1020 with 30M and MD tags, and r0's 15th base
/// (c1:1015) is C.
#[test]
fn ref_is_checked_against_md_tags_without_a_reference() {
    let dir = tempfile::tempdir().unwrap();
    let bam = data("bad/panel-ref-contradicts-md/reads.bam");
    let panel = |name: &str, rows: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("contig\tpos\tref\talt\n{rows}")).unwrap();
        p.display().to_string()
    };
    let right = panel("right.tsv", "c1\t1015\tC\tT\n");
    let out = cfspot(&["count", &bam, "-p", &right]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("not checked"), "{err}");
    let one_unread = panel("unread.tsv", "c1\t1015\tC\tT\nc1\t1500\tA\tG\n");
    let out = cfspot(&["count", &bam, "-p", &one_unread]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("the REF of 1 of 2 sites was not checked"),
        "{err}"
    );
    // mini.bam's reads lie on chr7 (the demo panel's EGFR L858R).
    let chr7 = panel("chr7.tsv", "chr7\t55191822\tT\tG\n");
    let out = cfspot(&["count", &data("mini.bam"), "-p", &chr7]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "no read with an MD tag spans a site: the panel's REF alleles were not checked"
        ),
        "{err}"
    );
}
