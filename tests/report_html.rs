//! The HTML report and the MultiQC content that `cfspot call` writes:
//! parsed with an HTML parser (the report) and serde_json (MultiQC), and,
//! when `multiqc` is installed, aggregated by MultiQC itself.

mod common;

use common::{cfspot_ok, json};
use scraper::{Html, Selector};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A small simulated sample (fast: ~300 fragments per hotspot); returns
/// the BAM.
fn simulate(dir: &Path, name: &str, tf: &str) -> PathBuf {
    cfspot_ok(&[
        "simulate",
        "-o",
        dir.to_str().unwrap(),
        "-n",
        name,
        "-t",
        tf,
        "-d",
        "300",
        "--seed",
        "11",
        "-m",
        "KRAS_G12D,TP53_R175H",
    ]);
    dir.join(format!("{name}.bam"))
}

fn call(bam: &Path, prefix: &Path, extra: &[&str]) {
    let mut args = vec!["call", "-o", prefix.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(bam.to_str().unwrap());
    cfspot_ok(&args);
}

fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    PathBuf::from(format!("{}{ext}", prefix.display()))
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// calls.tsv ids, in order.
fn call_ids(prefix: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(with_ext(prefix, ".calls.tsv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect()
}

/// Attributes that make a browser fetch something.
const LOADING_ATTRS: [&str; 8] = [
    "src",
    "href",
    "xlink:href",
    "srcset",
    "action",
    "poster",
    "data",
    "formaction",
];

fn assert_offline(doc: &Html, raw: &str) {
    for el in doc.tree.nodes().filter_map(|n| n.value().as_element()) {
        for (name, value) in el.attrs() {
            if LOADING_ATTRS.contains(&name) {
                let v = value.trim().to_ascii_lowercase();
                assert!(
                    !(v.starts_with("http:") || v.starts_with("https:") || v.starts_with("//")),
                    "<{} {name}=\"{value}\"> loads from the network",
                    el.name()
                );
            }
        }
    }
    assert_eq!(doc.select(&sel("script")).count(), 0, "no scripts");
    assert_eq!(doc.select(&sel("link")).count(), 0, "no linked resources");
    let lower = raw.to_ascii_lowercase();
    assert!(!lower.contains("@import"), "no CSS imports");
    assert!(!lower.contains("url("), "no CSS url() loads");
}

#[test]
fn report_has_verdict_one_row_per_hotspot_inline_svg_and_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bam = simulate(dir.path(), "s", "0.1");
    let prefix = dir.path().join("s");
    call(&bam, &prefix, &[]);

    let raw = std::fs::read_to_string(with_ext(&prefix, ".report.html")).unwrap();
    let doc = Html::parse_document(&raw);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    let summary = json(with_ext(&prefix, ".summary.json"));

    // Verdict: the sample status from summary.json, with the TF estimate.
    let verdict: String = doc
        .select(&sel("#verdict"))
        .next()
        .expect("a #verdict section")
        .text()
        .collect();
    let status = summary["status"].as_str().unwrap();
    assert_eq!(status, "CTDNA_DETECTED", "TF 10 % at 300x is detected");
    assert!(verdict.contains(status), "verdict: {verdict}");
    assert!(verdict.contains("ctDNA detected"), "verdict: {verdict}");
    let tf = summary["tumour_fraction"]["estimate"].as_f64().unwrap() * 100.0;
    // As the page writes percentages: 2.95 %, 10.7 %.
    let tf_text = if tf >= 10.0 {
        format!("{tf:.1}\u{a0}%")
    } else {
        format!("{tf:.2}\u{a0}%")
    };
    assert!(
        verdict.contains(&tf_text),
        "{tf_text} in verdict: {verdict}"
    );

    // The not-a-clinical-tool note.
    let note: String = doc
        .select(&sel("#not-clinical"))
        .next()
        .expect("a #not-clinical note")
        .text()
        .collect();
    assert!(note.contains("Not a clinical tool"), "{note}");

    // One table row per hotspot, in calls.tsv order.
    let ids = call_ids(&prefix);
    assert_eq!(ids.len(), 31, "the demo panel");
    let rows: Vec<_> = doc.select(&sel("table#hotspots > tbody > tr")).collect();
    assert_eq!(rows.len(), ids.len());
    let td = sel("td");
    for (row, id) in rows.iter().zip(&ids) {
        let cells: Vec<String> = row.select(&td).map(|c| c.text().collect()).collect();
        assert_eq!(cells.len(), 9);
        assert_eq!(&cells[2], id);
    }
    let detected: Vec<String> = rows
        .iter()
        .filter(|r| r.text().any(|t| t == "DETECTED"))
        .map(|r| r.select(&td).nth(2).unwrap().text().collect())
        .collect();
    assert_eq!(detected, ["KRAS_G12D", "TP53_R175H"]);

    // Inline SVG plots: TF strip, VAF + depth, fragment lengths.
    assert!(raw.contains("<svg"));
    assert_eq!(doc.select(&sel("svg")).count(), 3);
    assert!(doc.select(&sel("#vaf-plot svg")).next().is_some());
    assert!(doc.select(&sel("#fragment-plot svg")).next().is_some());

    assert_offline(&doc, &raw);
}

#[test]
fn user_text_is_escaped_and_an_empty_sample_still_renders() {
    let dir = tempfile::tempdir().unwrap();
    let bam = simulate(dir.path(), "n", "0");
    let prefix = dir.path().join("n");
    let nasty = "<script>alert('x')</script> & \"q\"";
    call(&bam, &prefix, &["--sample", nasty]);
    let raw = std::fs::read_to_string(with_ext(&prefix, ".report.html")).unwrap();
    let doc = Html::parse_document(&raw);
    assert_eq!(doc.select(&sel("script")).count(), 0, "sample name escaped");
    let h1: String = doc.select(&sel("h1")).next().unwrap().text().collect();
    assert_eq!(h1, format!("cfspot report: {nasty}"));
    let verdict: String = doc
        .select(&sel("#verdict"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(verdict.contains("NOT_DETECTED"), "{verdict}");
    assert!(verdict.contains("No ctDNA detected"), "{verdict}");
    // Nothing detected: the VAF-0 marker (a diamond at the 0 column) is
    // drawn, and the fragment plot says there are no ALT fragments.
    assert!(raw.contains("VAF 0 (at the 0 column)"));
    assert!(raw.contains("ALT fragments at detected hotspots: none"));
    assert_eq!(
        doc.select(&sel("table#hotspots > tbody > tr")).count(),
        call_ids(&prefix).len()
    );
    assert_offline(&doc, &raw);

    // JSON escapes the name too, and MultiQC keys the row by it.
    let gs = json(with_ext(&prefix, "_mqc.json"));
    assert!(gs["data"].get(nasty).is_some());
}

#[test]
fn multiqc_content_follows_the_custom_content_spec() {
    let dir = tempfile::tempdir().unwrap();
    let bam = simulate(dir.path(), "m", "0.1");
    let prefix = dir.path().join("m");
    call(&bam, &prefix, &[]);
    let summary = json(with_ext(&prefix, ".summary.json"));
    let ids = call_ids(&prefix);

    let gs = json(with_ext(&prefix, "_mqc.json"));
    assert_eq!(gs["plot_type"], "generalstats");
    assert_eq!(gs["id"], "cfspot_general_stats");
    // Columns in order, as a list of one-key objects.
    let cols: Vec<&str> = gs["pconfig"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_object().unwrap().keys().next().unwrap().as_str())
        .collect();
    assert_eq!(
        cols,
        [
            "cfspot_tumour_fraction",
            "cfspot_tf_lo",
            "cfspot_tf_hi",
            "cfspot_status",
            "cfspot_detected",
            "cfspot_median_depth",
            "cfspot_sample_lod"
        ]
    );
    let row = &gs["data"]["m"];
    let tf = &summary["tumour_fraction"];
    for (col, key) in [
        ("cfspot_tumour_fraction", "estimate"),
        ("cfspot_tf_lo", "lo"),
        ("cfspot_tf_hi", "hi"),
    ] {
        let want = tf[key].as_f64().unwrap() * 100.0;
        assert!((row[col].as_f64().unwrap() - want).abs() < 1e-9, "{col}");
    }
    assert_eq!(row["cfspot_status"], summary["status"]);
    assert_eq!(
        row["cfspot_detected"].as_f64().unwrap() as usize,
        summary["detected"].as_array().unwrap().len()
    );
    assert_eq!(row["cfspot_median_depth"], summary["qc"]["median_depth"]);

    let vaf = json(with_ext(&prefix, ".hotspots_mqc.json"));
    for key in [
        "id",
        "section_name",
        "description",
        "plot_type",
        "pconfig",
        "headers",
        "data",
    ] {
        assert!(vaf.get(key).is_some(), "hotspots_mqc.json has {key}");
    }
    assert_eq!(vaf["plot_type"], "table");
    // Columns in panel order (the raw text, since serde_json's map sorts).
    let raw = std::fs::read_to_string(with_ext(&prefix, ".hotspots_mqc.json")).unwrap();
    let positions: Vec<usize> = ids
        .iter()
        .map(|id| raw.find(&format!("\"{id}\": {{")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "panel order");
    assert_eq!(vaf["headers"].as_object().unwrap().len(), ids.len());
    let cells = vaf["data"]["m"].as_object().unwrap();
    assert_eq!(cells.len(), ids.len());
    assert!(cells["KRAS_G12D"].as_f64().unwrap() > 1.0, "VAF in percent");
}

/// The Python that has MultiQC: `MULTIQC_PYTHON`, else `python3`.
fn multiqc_python() -> Option<String> {
    let py = std::env::var("MULTIQC_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&py)
        .args(["-m", "multiqc", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(py)
}

#[test]
fn multiqc_aggregates_a_cohort() {
    let Some(py) = multiqc_python() else {
        common::skip(
            "MultiQC is not installed (pip install multiqc, or set MULTIQC_PYTHON to a Python that has it)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bam = simulate(dir.path(), "c", "0.1");
    let cohort = dir.path().join("cohort");
    for s in ["patient_a", "patient_b"] {
        call(&bam, &cohort.join(s), &[]);
    }
    let out = dir.path().join("mqc");
    let run = Command::new(&py)
        .args([
            "-m",
            "multiqc",
            "--no-version-check",
            "--no-ai",
            "-q",
            "-f",
            "-o",
        ])
        .arg(&out)
        .arg(&cohort)
        .env("MULTIQC_NO_VERSION_CHECK", "1")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "multiqc: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let general = std::fs::read_to_string(out.join("multiqc_data/multiqc_general_stats.txt"))
        .expect("a general-stats table");
    for s in ["patient_a", "patient_b"] {
        assert!(general.contains(s), "{s} in general stats:\n{general}");
    }
    assert!(general.contains("cfspot_tumour_fraction"), "{general}");
    assert!(general.contains("CTDNA_DETECTED"), "{general}");
    let report = std::fs::read_to_string(out.join("multiqc_report.html")).unwrap();
    assert!(report.contains("cfspot: VAF per hotspot"));
}
