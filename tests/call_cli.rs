//! `cfspot call` and `cfspot eval` end to end: inputs, modes and errors.

mod common;

use common::{cfspot_fails, cfspot_ok, json};
use std::path::Path;

fn simulate(dir: &Path, name: &str, tf: &str, seed: &str) -> String {
    let d = dir.to_str().unwrap();
    cfspot_ok(&[
        "simulate",
        "-o",
        d,
        "-n",
        name,
        "-t",
        tf,
        "-d",
        "600",
        "-s",
        seed,
        "-m",
        "KRAS_G12D,TP53_R175H",
    ]);
    format!("{d}/{name}")
}

#[test]
fn bam_count_tsv_and_tumour_informed_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let s = simulate(dir.path(), "s", "0.08", "5");
    let bam = format!("{s}.bam");
    cfspot_ok(&["call", "-o", &format!("{s}_bam"), &bam]);
    let sum = json(format!("{s}_bam.summary.json"));
    assert_eq!(sum["mode"], "de_novo");
    assert_eq!(
        sum["detected"],
        serde_json::json!(["KRAS_G12D", "TP53_R175H"])
    );
    assert!(sum["background"]["positions"].as_u64().unwrap() > 1000);
    assert!(sum["qc"]["fragment_length_mode"].as_u64().is_some());
    // The same counts as a count TSV, with a fixed background.
    let counts = format!("{s}.counts.tsv");
    cfspot_ok(&["count", "-o", &counts, &bam]);
    cfspot_fails(
        &["call", "-o", &format!("{s}_tsv"), &counts],
        &["--background-rate", "counts.tsv"],
    );
    cfspot_ok(&[
        "call",
        "--background-rate",
        "1e-4",
        "-o",
        &format!("{s}_tsv"),
        &counts,
    ]);
    let rows = std::fs::read_to_string(format!("{s}_tsv.calls.tsv")).unwrap();
    assert!(rows
        .lines()
        .any(|l| l.starts_with("KRAS_G12D\t") && l.contains("\tDETECTED\t")));
    assert!(rows.lines().nth(1).unwrap().contains("\tfixed\t"));
    // Tumour-informed by IDs and by the truth VCF give the same estimate.
    cfspot_ok(&[
        "call",
        "--tumour-informed",
        "KRAS_G12D,TP53_R175H",
        "-o",
        &format!("{s}_ids"),
        &bam,
    ]);
    let truth_vcf = format!("{s}.truth.vcf");
    let vcf_text = std::fs::read_to_string(&truth_vcf).unwrap();
    // Keep only the mutated records (the truth VCF lists the tumour's mutations).
    assert!(vcf_text.contains("KRAS_G12D"));
    cfspot_ok(&[
        "call",
        "--tumour-informed",
        &truth_vcf,
        "-o",
        &format!("{s}_vcf"),
        &bam,
    ]);
    let a = json(format!("{s}_ids.summary.json"));
    let b = json(format!("{s}_vcf.summary.json"));
    assert_eq!(a["mode"], "tumour_informed");
    assert_eq!(a["tumour_fraction"], b["tumour_fraction"]);
    assert_eq!(a["status"], "CTDNA_DETECTED");
}

#[test]
fn call_errors_leave_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let s = simulate(dir.path(), "e", "0", "6");
    let bam = format!("{s}.bam");
    let prefix = format!("{s}_x");
    cfspot_fails(
        &["call", "--tumour-informed", "NOPE_X1", "-o", &prefix, &bam],
        &["NOPE_X1"],
    );
    cfspot_fails(
        &["call", "--tf-threshold", "2", "-o", &prefix, &bam],
        &["--tf-threshold"],
    );
    // A BAM with no reads: no background positions to estimate from.
    let empty = dir.path().join("e_empty.bam");
    {
        use rust_htslib::bam::{self, Read};
        let header = bam::Header::from_template(bam::Reader::from_path(&bam).unwrap().header());
        bam::Writer::from_path(&empty, &header, bam::Format::Bam).unwrap();
    }
    cfspot_fails(
        &["call", "-o", &prefix, empty.to_str().unwrap()],
        &["no background positions were covered", "--background-rate"],
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("e_x") || n.starts_with(".cfspot"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn eval_one_pair_and_a_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let mut sheet = String::from("truth\tcalls\n");
    for (name, tf, seed) in [("a", "0.1", "1"), ("b", "0", "2")] {
        let s = simulate(dir.path(), name, tf, seed);
        cfspot_ok(&["call", "-o", &s, &format!("{s}.bam")]);
        sheet.push_str(&format!("{name}.truth.tsv\t{name}.calls.tsv\n"));
    }
    let d = dir.path().display().to_string();
    let out = cfspot_ok(&[
        "eval",
        "--truth",
        &format!("{d}/a.truth.tsv"),
        "--calls",
        &format!("{d}/a.calls.tsv"),
    ]);
    // TF 10 % at 600 fragments: both mutations (VAF 5 %) are found, nothing else.
    let line = out.lines().find(|l| l.starts_with("a ")).unwrap();
    let f: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&f[1..5], ["2", "0", "0", "29"], "{out}");
    std::fs::write(dir.path().join("pairs.tsv"), sheet).unwrap();
    let prefix = format!("{d}/ev");
    cfspot_ok(&["eval", "--sheet", &format!("{d}/pairs.tsv"), "-o", &prefix]);
    let table = std::fs::read_to_string(format!("{prefix}.eval.tsv")).unwrap();
    assert_eq!(table.lines().count(), 3);
    assert!(table
        .lines()
        .next()
        .unwrap()
        .starts_with("sample\ttruth\tcalls\tdepth\ttp\tfp\tfn\ttn\tsensitivity"));
    let curve = std::fs::read_to_string(format!("{prefix}.lod_curve.tsv")).unwrap();
    assert!(
        curve
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("600\t0.05\t2\t2\t1"),
        "{curve}"
    );
    // Mismatched pairs are an error naming the files.
    cfspot_fails(
        &["eval", "--truth", &format!("{d}/a.truth.tsv")],
        &["pairs"],
    );
}

#[test]
fn fastq_input_reaches_the_bam_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let s = simulate(dir.path(), "f", "0.06", "9");
    cfspot_ok(&["call", "-o", &format!("{s}_bam"), &format!("{s}.bam")]);
    cfspot_ok(&[
        "call",
        "-o",
        &format!("{s}_fq"),
        &format!("{s}_R1.fastq.gz"),
        &format!("{s}_R2.fastq.gz"),
    ]);
    let status = |p: &str| -> Vec<(String, String)> {
        std::fs::read_to_string(format!("{p}.calls.tsv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[0].to_string(), f[f.len() - 3].to_string())
            })
            .collect()
    };
    assert_eq!(status(&format!("{s}_fq")), status(&format!("{s}_bam")));
    assert_eq!(
        json(format!("{s}_fq.summary.json"))["status"],
        json(format!("{s}_bam.summary.json"))["status"]
    );
    assert!(
        json(format!("{s}_fq.summary.json"))["background"]["positions"]
            .as_u64()
            .unwrap()
            > 1000
    );
}

#[test]
fn demo_needs_no_input_and_gives_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let out = cfspot_ok(&["demo", "-o", &d]);
    // 4 % tumour fraction, ~2,000 fragments per site: the three clonal
    // mutations (VAF 2 %, ~40 alt fragments against a LoD95 near 0.3 %) are
    // detected, and the sample is judged.
    assert!(out.contains("Verdict: demo: CTDNA_DETECTED"), "{out}");
    for id in ["KRAS_G12D", "EGFR_E746_A750del", "PIK3CA_H1047R"] {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(id))
            .unwrap();
        assert!(line.contains("DETECTED"), "{line}");
    }
    assert!(out.contains("not a clinical tool"));
    for f in [
        "demo.bam",
        "demo.calls.tsv",
        "demo.summary.json",
        "demo.report.html",
        "demo.counts.tsv",
    ] {
        assert!(dir.path().join(f).exists(), "{f} missing");
    }
}

#[test]
fn length_evidence_and_size_selection_say_so() {
    // A sample with two mutations at TF 8 %: both flags keep the calls and
    // the summary and verdict say what was weighed or kept.
    let dir = tempfile::tempdir().unwrap();
    let s = simulate(dir.path(), "s", "0.08", "5");
    let bam = format!("{s}.bam");
    cfspot_ok(&["call", "--length-evidence", "-o", &format!("{s}_len"), &bam]);
    let sum = json(format!("{s}_len.summary.json"));
    let l = &sum["settings"]["length_evidence"];
    assert!(l["sample_fragments"].as_u64().unwrap() > 1000, "{l}");
    // The simulator's healthy mode is 167 bp, its tumour default's median
    // below 150.
    assert!(
        (160..=170).contains(&l["sample_median"].as_u64().unwrap()),
        "{l}"
    );
    assert!(l["tumour_median"].as_u64().unwrap() < 150, "{l}");
    assert_eq!(
        sum["detected"],
        serde_json::json!(["KRAS_G12D", "TP53_R175H"])
    );
    let html = std::fs::read_to_string(format!("{s}_len.report.html")).unwrap();
    assert!(html.contains("fragment lengths weighed as evidence"));
    // --no-length-evidence after it wins; the summary has no such field.
    cfspot_ok(&[
        "call",
        "--length-evidence",
        "--no-length-evidence",
        "-o",
        &format!("{s}_off"),
        &bam,
    ]);
    let off = json(format!("{s}_off.summary.json"));
    assert!(off["settings"].get("length_evidence").is_none());
    cfspot_ok(&[
        "call",
        "--size-select",
        "90-150",
        "-o",
        &format!("{s}_sel"),
        &bam,
    ]);
    let sel = json(format!("{s}_sel.summary.json"));
    assert_eq!(sel["settings"]["size_select"], serde_json::json!([90, 150]));
    // Fewer fragments count: every site's depth is at most the unselected.
    let depth = |p: &str| -> Vec<u64> {
        let text = std::fs::read_to_string(format!("{p}.calls.tsv")).unwrap();
        common::tsv_rows(&text)
            .iter()
            .map(|r| r["depth"].parse().unwrap())
            .collect()
    };
    let (all, kept) = (depth(&format!("{s}_off")), depth(&format!("{s}_sel")));
    assert!(
        all.iter().zip(&kept).all(|(a, k)| k < a),
        "{all:?} {kept:?}"
    );
    for bad in ["150-90", "90", "a-b"] {
        cfspot_fails(
            &[
                "call",
                "--size-select",
                bad,
                "-o",
                &format!("{s}_bad"),
                &bam,
            ],
            &["--size-select", "MIN"],
        );
    }
    assert!(!Path::new(&format!("{s}_bad.calls.tsv")).exists());
}

/// Every output of a call says what one count stands for and the read
/// filters it passed (issue 15 item 3): reads under `--count-reads`, and,
/// for a call on a count TSV, what the count said, not the default.
#[test]
fn every_output_says_its_unit_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let s = simulate(dir.path(), "u", "0.08", "9");
    let bam = format!("{s}.bam");
    let counts = format!("{s}.counts.tsv");
    cfspot_ok(&["count", "--count-reads", "-q", "30", "-o", &counts, &bam]);
    for (name, input, extra) in [
        ("bam", &bam, &["--count-reads", "-q", "30"][..]),
        ("tsv", &counts, &["--background-rate", "1e-4"][..]),
    ] {
        let out = format!("{s}_{name}");
        let mut args = vec!["call", "-o", &out];
        args.extend_from_slice(extra);
        args.push(input);
        cfspot_ok(&args);
        let read = |ext: &str| std::fs::read_to_string(format!("{out}{ext}")).unwrap();
        let vcf = read(".vcf");
        for line in [
            "##cfspotUnit=read",
            "##cfspotFilters=\"min_mapq=30, min_baseq=20, incl_flags=0x0, excl_flags=0xf04\"",
            "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Reads showing any allele (ref + alt + other)\">",
            "##FILTER=<ID=LOW_DEPTH,Description=\"Fewer reads than --min-depth\">",
        ] {
            assert!(vcf.lines().any(|l| l == line), "{name}: VCF lacks {line}");
        }
        assert!(
            !vcf.contains("ragment"),
            "{name}: the VCF speaks of fragments"
        );
        let sum = json(format!("{out}.summary.json"));
        assert_eq!(
            sum["count"],
            serde_json::json!({"unit": "read", "min_mapq": 30, "min_baseq": 20,
                "incl_flags": "0x0", "excl_flags": "0xf04"}),
            "{name}"
        );
        let html = read(".report.html");
        assert!(
            html.contains("Counted in reads with min_mapq=30, min_baseq=20"),
            "{name}"
        );
        assert!(html.contains("Depth (reads)"), "{name}");
        assert!(
            read("_mqc.json").contains("median depth over the hotspots, in reads"),
            "{name}"
        );
        // A detected site's note says how many of what.
        let rows = read(".calls.tsv");
        let kras = rows.lines().find(|l| l.starts_with("KRAS_G12D\t")).unwrap();
        assert!(kras.contains("\tDETECTED\t"), "{name}: {kras}");
        assert!(kras.ends_with(" reads"), "{name}: {kras}");
    }
}
