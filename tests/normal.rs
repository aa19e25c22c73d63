//! `call --normal`: the matched white-cell normal labels a site whose alt
//! it carries `CHIP_OR_GERMLINE` and keeps it out of the tumour fraction;
//! a site the normal does not carry is called as before; a normal too thin
//! to tell says so (`normal_uninformative`).
//!
//! The pair, simulated on the demo panel with fixed seeds (until the
//! simulator has `--chip`, the "CHIP" is a mutation the plasma and the
//! normal both carry):
//! - plasma: TF 4 %, KRAS_G12D clonal (VAF 2 %, tumour) and NRAS_Q61K at
//!   CCF 0.5 (VAF 1 %, the CHIP stand-in), 1,000 fragments a site;
//! - normal: NRAS_Q61K at VAF 1 % (`-t 0.02`), nothing else, its own seed;
//! - a thin normal: the same at 40 fragments a site (below --min-depth);
//! - a germline normal: NRAS_Q61K heterozygous in every cell (`-t 1`).

mod common;

use common::{cfspot_fails, cfspot_ok, json, tsv_rows};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The simulated samples' folder (made once per run of this binary).
fn pair() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("normal-pair");
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.to_str().unwrap();
        for args in [
            &[
                "-s",
                "11",
                "-t",
                "0.04",
                "-m",
                "KRAS_G12D,NRAS_Q61K:0.5",
                "-n",
                "plasma",
            ][..],
            &["-s", "12", "-t", "0.02", "-m", "NRAS_Q61K", "-n", "wbc"],
            &[
                "-s",
                "13",
                "-t",
                "0.02",
                "-m",
                "NRAS_Q61K",
                "-d",
                "40",
                "-n",
                "thin",
            ],
            &[
                "-s",
                "14",
                "-t",
                "1",
                "-m",
                "NRAS_Q61K",
                "-d",
                "300",
                "-n",
                "germ",
            ],
        ] {
            let mut a = vec!["simulate", "-o", out];
            a.extend_from_slice(args);
            cfspot_ok(&a);
        }
        dir
    })
}

fn file(name: &str) -> String {
    pair().join(name).display().to_string()
}

/// Calls `plasma.bam` with `extra` into PREFIX; the calls by id.
fn call(prefix: &str, extra: &[&str]) -> HashMap<String, HashMap<String, String>> {
    let out = file(prefix);
    let plasma = file("plasma.bam");
    let mut args = vec!["call", "-o", &out];
    args.extend_from_slice(extra);
    args.push(&plasma);
    cfspot_ok(&args);
    let text = std::fs::read_to_string(format!("{out}.calls.tsv")).unwrap();
    tsv_rows(&text)
        .into_iter()
        .map(|r| (r["id"].clone(), r))
        .collect()
}

#[test]
fn a_site_the_normal_carries_is_chip_and_out_of_the_tumour_fraction() {
    let wbc = file("wbc.bam");
    // Without the normal, the 1 % site is a call like any other.
    let alone = call("alone", &["--tumour-informed", "KRAS_G12D,NRAS_Q61K"]);
    assert_eq!(alone["NRAS_Q61K"]["status"], "DETECTED");
    assert!(!alone["NRAS_Q61K"].contains_key("normal_label"));
    let s = json(file("alone.summary.json"));
    assert_eq!(
        s["sites_used"],
        serde_json::json!(["KRAS_G12D", "NRAS_Q61K"])
    );
    assert!(s.get("normal").is_none());

    let rows = call(
        "with",
        &["--normal", &wbc, "--tumour-informed", "KRAS_G12D,NRAS_Q61K"],
    );
    let nras = &rows["NRAS_Q61K"];
    assert_eq!(nras["status"], "CHIP_OR_GERMLINE");
    assert_eq!(nras["normal_label"], "chip");
    assert!(nras["note"].contains("matched normal"), "{}", nras["note"]);
    let kras = &rows["KRAS_G12D"];
    assert_eq!(kras["status"], "DETECTED");
    assert_eq!(kras["normal_label"], "absent");
    // The normal's own counts: its alt at the CHIP site, none at KRAS.
    let alt: u64 = nras["normal_alt"].parse().unwrap();
    let depth: u64 = nras["normal_depth"].parse().unwrap();
    assert!(alt >= 3 && depth >= 500, "{alt} of {depth}");
    assert_eq!(kras["normal_alt"], "0");
    // Every other site: the normal shows nothing, and its status is the
    // plasma's.
    for (id, r) in &rows {
        if id != "NRAS_Q61K" {
            assert_eq!(r["status"], alone[id]["status"], "{id}");
            assert_eq!(r["normal_label"], "absent", "{id}");
        }
    }
    let s = json(file("with.summary.json"));
    assert_eq!(s["sites_used"], serde_json::json!(["KRAS_G12D"]));
    assert_eq!(s["detected"], serde_json::json!(["KRAS_G12D"]));
    assert_eq!(s["normal"]["sample"], "wbc");
    assert_eq!(
        s["normal"]["chip_or_germline"],
        serde_json::json!(["NRAS_Q61K"])
    );
    // TF from KRAS alone: the truth (4 %) inside the interval.
    let tf = &s["tumour_fraction"];
    let (lo, hi) = (tf["lo"].as_f64().unwrap(), tf["hi"].as_f64().unwrap());
    assert!(lo <= 0.04 && 0.04 <= hi, "{lo}–{hi}");

    // The VCF: the FILTER and its header, the normal's column.
    let vcf = std::fs::read_to_string(file("with.vcf")).unwrap();
    assert!(vcf.contains("##FILTER=<ID=CHIP_OR_GERMLINE,"));
    assert!(vcf.contains("##normal_sample=wbc"));
    let head = vcf.lines().find(|l| l.starts_with("#CHROM")).unwrap();
    assert!(head.ends_with("\tFORMAT\twith\twbc"), "{head}");
    let rec: Vec<&str> = vcf
        .lines()
        .find(|l| l.contains("\tNRAS_Q61K\t"))
        .unwrap()
        .split('\t')
        .collect();
    assert_eq!(rec[6], "CHIP_OR_GERMLINE");
    assert!(rec[7].contains("NORMAL=chip"));
    assert!(rec[10].starts_with("0/1:"), "{}", rec[10]);
    // The page shows the label and the normal's section.
    let page = std::fs::read_to_string(file("with.report.html")).unwrap();
    assert!(page.contains("id=\"matched-normal\""));
    assert!(page.contains(">CHIP_OR_GERMLINE</span>"));
}

#[test]
fn de_novo_leaves_the_chip_site_out_of_the_fit() {
    let wbc = file("wbc.bam");
    call("dn-alone", &[]);
    let rows = call("dn-with", &["--normal", &wbc]);
    assert_eq!(rows["NRAS_Q61K"]["status"], "CHIP_OR_GERMLINE");
    let alone = json(file("dn-alone.summary.json"));
    let with = json(file("dn-with.summary.json"));
    let fitted = |s: &serde_json::Value| s["sites_fitted"].as_u64().unwrap();
    let subclonal = |s: &serde_json::Value| s["sites_subclonal"].as_array().unwrap().len() as u64;
    // Without the normal the 1 % site is fitted (found subclonal); with it,
    // it never enters the mixture.
    assert_eq!(
        fitted(&with) + subclonal(&with) + 1,
        fitted(&alone) + subclonal(&alone)
    );
    let tf = &with["tumour_fraction"];
    let (lo, hi) = (tf["lo"].as_f64().unwrap(), tf["hi"].as_f64().unwrap());
    assert!(lo <= 0.04 && 0.04 <= hi, "{lo}–{hi}");
    assert_eq!(with["status"], "CTDNA_DETECTED");
}

#[test]
fn a_thin_normal_is_uninformative_and_clears_nothing() {
    let rows = call("thin", &["--normal", &file("thin.bam")]);
    // 40 fragments: below --min-depth 100 everywhere. The KRAS call stands,
    // and says that the normal could not tell.
    let kras = &rows["KRAS_G12D"];
    assert_eq!(kras["status"], "DETECTED");
    assert_eq!(kras["normal_label"], "normal_uninformative");
    assert!(kras["note"].contains("too thin"), "{}", kras["note"]);
    let s = json(file("thin.summary.json"));
    let unsure = s["normal"]["uninformative"].as_array().unwrap();
    assert!(unsure.iter().any(|v| v == "KRAS_G12D"));
}

#[test]
fn a_germline_normal_is_labelled_germline() {
    let rows = call("germ", &["--normal", &file("germ.bam")]);
    assert_eq!(rows["NRAS_Q61K"]["status"], "CHIP_OR_GERMLINE");
    assert_eq!(rows["NRAS_Q61K"]["normal_label"], "germline");
    let vaf: f64 = rows["NRAS_Q61K"]["normal_vaf"].parse().unwrap();
    assert!((0.4..0.6).contains(&vaf), "{vaf}");
}

#[test]
fn the_normal_as_fastq_or_count_tsv() {
    let (r1, r2) = (file("wbc_R1.fastq.gz"), file("wbc_R2.fastq.gz"));
    let rows = call("fq", &["--normal", &r1, "--normal", &r2]);
    assert_eq!(rows["NRAS_Q61K"]["status"], "CHIP_OR_GERMLINE");
    // Named by the pair's common stem, not by R1's.
    assert_eq!(json(file("fq.summary.json"))["normal"]["sample"], "wbc");
    assert_eq!(rows["KRAS_G12D"]["status"], "DETECTED");
    // A count TSV has no flanks: the fixed rate judges both samples.
    let tsv = file("wbc.counts.tsv");
    cfspot_ok(&["count", "-o", &tsv, &file("wbc.bam")]);
    let rows = call("tsv", &["--normal", &tsv, "--background-rate", "1e-3"]);
    assert_eq!(rows["NRAS_Q61K"]["normal_label"], "chip");
    // A normal counted in another unit is refused: the VAFs would not compare.
    let reads = file("wbc.reads.tsv");
    cfspot_ok(&["count", "--count-reads", "-o", &reads, &file("wbc.bam")]);
    let out = file("tsv-reads");
    cfspot_fails(
        &[
            "call",
            "-o",
            &out,
            "--normal",
            &reads,
            "--background-rate",
            "1e-3",
            &file("plasma.bam"),
        ],
        &["counted in reads", "the sample in fragments"],
    );
    let out = file("tsv-norate");
    cfspot_fails(
        &["call", "-o", &out, "--normal", &tsv, &file("plasma.bam")],
        &["--normal", "count TSV", "--background-rate"],
    );
}

#[test]
fn a_normal_that_cannot_be_one_is_refused() {
    let plasma = file("plasma.bam");
    let out = file("refused");
    cfspot_fails(
        &["call", "-o", &out, "--normal", &plasma, &plasma],
        &["--normal", "the sample's own inputs"],
    );
    let wbc = file("wbc.bam");
    cfspot_fails(
        &[
            "call", "-o", &out, "--normal", &wbc, "--normal", &wbc, "--normal", &wbc, &plasma,
        ],
        &["--normal takes one file, or two"],
    );
    cfspot_fails(
        &["call", "-o", &out, "--normal-sample", "x", &plasma],
        &["--normal"],
    );
}
