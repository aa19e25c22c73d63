//! The HTML report and the MultiQC content that `cfspot call` writes:
//! parsed with an HTML parser (the report) and serde_json (MultiQC), and,
//! when `multiqc` is installed, aggregated by MultiQC itself.

mod common;

use common::{cfspot_ok, json, Rng};
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

    // A small panel is shown whole: one VAF row per site, in panel order,
    // the sites used for TF by name, and none of the sections a large
    // panel's page has instead.
    assert_eq!(
        headings(&doc),
        ["VAF and depth per hotspot", "Fragment lengths", "Hotspots"]
    );
    assert_eq!(vaf_plot_ids(&doc), ids);
    let used: Vec<&str> = summary["sites_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(key_number(&doc, "Sites used for TF"), used.join(", "));
    assert_eq!(key_number(&doc, "Detected hotspots"), "2");
    for gone in ["details", "#scatter-plot", "#p-histogram", "#top-hotspots"] {
        assert!(doc.select(&sel(gone)).next().is_none(), "{gone}");
    }

    assert_offline(&doc, &raw);
}

/// The text of the first element `css` selects.
fn text_of(doc: &Html, css: &str) -> String {
    doc.select(&sel(css))
        .next()
        .unwrap_or_else(|| panic!("no {css}"))
        .text()
        .collect()
}

/// The page's section headings, in order.
fn headings(doc: &Html) -> Vec<String> {
    doc.select(&sel("h2")).map(|e| e.text().collect()).collect()
}

/// A key number of the verdict box, by its label.
/// `n` as the page writes counts: thousands set off by a thin space.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

fn key_number(doc: &Html, label: &str) -> String {
    let (k, v) = (sel(".k"), sel(".v"));
    doc.select(&sel("#verdict .kv"))
        .find(|kv| kv.select(&k).next().unwrap().text().collect::<String>() == label)
        .unwrap_or_else(|| panic!("no key number {label}"))
        .select(&v)
        .next()
        .unwrap()
        .text()
        .collect()
}

/// The site ids of the VAF figure's rows, in order (each row's tooltip
/// starts with its id).
fn vaf_plot_ids(doc: &Html) -> Vec<String> {
    doc.select(&sel("#vaf-plot svg > g > title"))
        .map(|t| {
            let text: String = t.text().collect();
            text.split(':').next().unwrap().to_string()
        })
        .collect()
}

/// A panel of `n` SNVs on four random-genome contigs and a `cfspot count`
/// TSV for it, written straight (no BAM, so 10,000 sites take a moment):
/// depth 50-150, most sites 0-2 alt fragments of error, and every 131st a
/// mutated site at depth 150-250 with 8-19 alt fragments on both strands. Returns the count
/// TSV and the panel, and the ids of the mutated sites.
fn count_tsv_panel(dir: &Path, n: usize) -> (PathBuf, PathBuf, Vec<String>) {
    let mut rng = Rng(0x5ca1e);
    let mut panel = String::from("contig\tpos\tref\talt\tid\n");
    let mut counts = String::from(
        "id\tcontig\tpos\tref\talt\tdepth\tref_count\talt_count\tother_count\tvaf\tgene\tlabel\tref_fwd\tref_rev\talt_fwd\talt_rev\tdiscordant\tlow_quality\toverlaps_merged\tref_len_median\talt_len_median\tref_short_frac\talt_short_frac\tA\tC\tG\tT\tN\tDEL\n",
    );
    let mut mutated = Vec::new();
    for i in 0..n {
        let id = format!("s{i:05}");
        let contig = format!("chr{}", 1 + i % 4);
        let pos = 1000 + (i / 4) as u64 * 5000 + rng.below(3000);
        let (depth, alt) = if i % 131 == 0 {
            mutated.push(id.clone());
            (150 + rng.below(101), 8 + rng.below(12))
        } else {
            (
                50 + rng.below(101),
                [0, 0, 0, 0, 0, 0, 1, 1, 2][rng.below(9) as usize],
            )
        };
        let r = depth - alt;
        let (rf, af) = (r / 2, alt / 2);
        panel.push_str(&format!("{contig}\t{pos}\tC\tT\t{id}\n"));
        counts.push_str(&format!(
            "{id}\t{contig}\t{pos}\tC\tT\t{depth}\t{r}\t{alt}\t0\t\t\t\t{rf}\t{}\t{af}\t{}\t0\t0\t0\t\t\t\t\t\t\t\t\t\t\n",
            r - rf,
            alt - af
        ));
    }
    let (p, c) = (dir.join("panel.tsv"), dir.join("counts.tsv"));
    std::fs::write(&p, panel).unwrap();
    std::fs::write(&c, counts).unwrap();
    (c, p, mutated)
}

/// `cfspot call` on a count TSV: the report's bytes.
fn call_counts(counts: &Path, panel: &Path, prefix: &Path) -> String {
    let panel = panel.to_str().unwrap();
    call(counts, prefix, &["-p", panel, "--background-rate", "0.002"]);
    std::fs::read_to_string(with_ext(prefix, ".report.html")).unwrap()
}

#[test]
fn a_10000_site_page_shows_counts_top_rows_distributions_and_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let (counts, panel, mutated) = count_tsv_panel(dir.path(), 10_000);
    let prefix = dir.path().join("big");
    let raw = call_counts(&counts, &panel, &prefix);
    // The bound (2.5 MB); the page was 10.2 MB at 10,000 sites.
    assert!(raw.len() < 2_500_000, "{} bytes", raw.len());
    let doc = Html::parse_document(&raw);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    assert_offline(&doc, &raw);
    let summary = json(with_ext(&prefix, ".summary.json"));
    let detected: Vec<String> = summary["detected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let used = summary["sites_used"].as_array().unwrap().len();
    // The sample is what the counts say: the mutated sites are called.
    assert!(detected.len() >= mutated.len() * 9 / 10, "{detected:?}");

    // The summary box: counts, not lists; no site id anywhere in it.
    assert_eq!(
        key_number(&doc, "Detected hotspots"),
        format!("{} of 10\u{2009}000", grouped(detected.len()))
    );
    assert_eq!(
        key_number(&doc, "Sites used for TF"),
        format!("{} of 10\u{2009}000", grouped(used))
    );
    let verdict = text_of(&doc, "#verdict");
    assert!(
        !detected.iter().any(|id| verdict.contains(id.as_str())),
        "a site id in the verdict: {verdict}"
    );

    assert_eq!(
        headings(&doc),
        [
            "VAF and depth: the top 100 hotspots",
            "All 10\u{2009}000 hotspots",
            "Fragment lengths",
            "Hotspots"
        ]
    );
    // The VAF figure: 100 rows, every detected site first (fewer than 100
    // are), then others; the top table has the same rows.
    let rows = vaf_plot_ids(&doc);
    assert_eq!(rows.len(), 100);
    let mut first: Vec<String> = rows[..detected.len()].to_vec();
    first.sort();
    let mut want = detected.clone();
    want.sort();
    assert_eq!(first, want, "the detected sites come first");
    let td = sel("td");
    let top: Vec<String> = doc
        .select(&sel("table#top-hotspots > tbody > tr"))
        .map(|r| r.select(&td).nth(2).unwrap().text().collect())
        .collect();
    assert_eq!(top, rows);

    // Every site is in the distributions: the p-value histogram's bars
    // (their tooltips) add up to the sites with fragments.
    assert!(doc.select(&sel("#scatter-plot svg")).next().is_some());
    let in_bins: u64 = doc
        .select(&sel("#p-histogram svg > g > title"))
        .map(|t| {
            let text: String = t.text().collect();
            let n = text
                .split(": ")
                .nth(1)
                .unwrap()
                .split(" sites")
                .next()
                .unwrap();
            n.replace('\u{2009}', "").parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(in_bins, 10_000, "every site has fragments");

    // The full table stays, collapsed, in panel order.
    let all: Vec<String> = doc
        .select(&sel("details#all-hotspots table#hotspots > tbody > tr"))
        .map(|r| r.select(&td).nth(2).unwrap().text().collect())
        .collect();
    assert_eq!(all, call_ids(&prefix));
    assert!(doc
        .select(&sel("details#all-hotspots[open]"))
        .next()
        .is_none());

    // Deterministic: the same input gives the same bytes.
    let again = call_counts(&counts, &panel, &dir.path().join("again").join("big"));
    assert!(again == raw, "two runs on the same input differ");
}

#[test]
fn a_panel_of_100_is_shown_whole_and_101_is_not() {
    // The threshold the module documents: WHOLE_PANEL = 100.
    for (n, whole) in [(100, true), (101, false)] {
        let dir = tempfile::tempdir().unwrap();
        let (counts, panel, _) = count_tsv_panel(dir.path(), n);
        let raw = call_counts(&counts, &panel, &dir.path().join("p"));
        let doc = Html::parse_document(&raw);
        assert_eq!(vaf_plot_ids(&doc).len(), 100, "{n} sites");
        assert_eq!(
            doc.select(&sel("details#all-hotspots")).next().is_none(),
            whole,
            "{n} sites"
        );
        assert_eq!(
            doc.select(&sel("table#hotspots tbody tr")).count(),
            n,
            "{n} sites: every site in the table"
        );
    }
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
    let verdict = text_of(&doc, "#verdict");
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
