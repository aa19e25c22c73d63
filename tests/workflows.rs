//! The Snakemake workflows in `workflows/`, run with this build of cfspot.
//!
//! Snakemake comes from `SNAKEMAKE` (a path to the executable), else
//! `snakemake` on PATH. Without it the tests are skipped (`common::skip`: a
//! `SKIPPED` line in the test output), except under CI (`CI` non-empty),
//! where its absence is a failure. Every run works in
//! its own temporary directory (`--directory`), so neither results nor
//! Snakemake's `.snakemake/` land in the repository.
//!
//! - `dilution`: end to end on a tiny grid (2 tumour fractions x 300
//!   fragments x 1 replicate); the LoD table and its SVG/HTML are checked.
//! - `cohort`: end to end on the simulated example cohort at 300 fragments,
//!   merged tables checked, and MultiQC over the outputs when it is
//!   installed (beside Snakemake, `MULTIQC_PYTHON`, or on PATH).
//! - `cohort` and `longitudinal` (default configs): dry runs (`-n`).

mod common;

use scraper::{Html, Selector};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn snakefile(workflow: &str) -> PathBuf {
    repo().join("workflows").join(workflow).join("Snakefile")
}

/// Snakemake, if it runs; `None` (with a note) when absent outside CI.
fn snakemake() -> Option<PathBuf> {
    let exe = std::env::var_os("SNAKEMAKE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("snakemake"));
    let ok = Command::new(&exe)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return Some(exe);
    }
    common::skip(&format!(
        "Snakemake does not run ({}): pip install snakemake, or set SNAKEMAKE to its executable",
        exe.display()
    ));
    None
}

/// A MultiQC command line for the cohort config, if MultiQC runs: the one
/// installed beside Snakemake, `MULTIQC_PYTHON -m multiqc`, or `multiqc`.
fn multiqc(snakemake: &Path) -> Option<String> {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    if let Some(dir) = snakemake.parent().filter(|d| !d.as_os_str().is_empty()) {
        let beside = dir.join("multiqc");
        if beside.is_file() {
            candidates.push(vec![beside.display().to_string()]);
        }
    }
    if let Ok(py) = std::env::var("MULTIQC_PYTHON") {
        candidates.push(vec![py, "-m".into(), "multiqc".into()]);
    }
    candidates.push(vec!["multiqc".into()]);
    candidates.into_iter().find_map(|cmd| {
        if cmd.iter().any(|part| part.contains(char::is_whitespace)) {
            return None; // the workflow splits the command on spaces
        }
        let ok = Command::new(&cmd[0])
            .args(&cmd[1..])
            .arg("--version")
            .env("MULTIQC_NO_VERSION_CHECK", "1")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        ok.then(|| cmd.join(" "))
    })
}

/// A fresh scratch directory outside the repository.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfspot-wf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run a workflow in `dir` with the JSON config overrides `config`.
fn run(snakemake: &Path, workflow: &str, dir: &Path, config: &str, extra: &[&str]) -> Output {
    let overrides = dir.join("test-config.json");
    std::fs::write(&overrides, config).unwrap();
    let out = Command::new(snakemake)
        .arg("-s")
        .arg(snakefile(workflow))
        .arg("--directory")
        .arg(dir)
        .arg("--configfile")
        .arg(&overrides)
        .args(["--cores", "2", "--quiet", "rules", "--nolock"])
        .args(extra)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("MULTIQC_NO_VERSION_CHECK", "1")
        .output()
        .expect("run snakemake");
    assert!(
        out.status.success(),
        "snakemake {workflow} failed in {}:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn cfspot() -> String {
    json_str(env!("CARGO_BIN_EXE_cfspot"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// TSV rows as column -> value maps (header checked by the caller).
fn tsv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let head = lines
        .next()
        .expect("header")
        .split('\t')
        .map(String::from)
        .collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(String::from).collect())
        .collect();
    (head, rows)
}

/// Nothing the workflows run may write into the repository's workflow folders.
fn assert_repo_clean() {
    for sub in ["dilution", "cohort", "longitudinal", "lib"] {
        let dir = repo().join("workflows").join(sub);
        for junk in [".snakemake", "results", "example_data", "__pycache__"] {
            assert!(
                !dir.join(junk).exists(),
                "{} was written into the repository",
                dir.join(junk).display()
            );
        }
    }
}

#[test]
fn dilution_workflow_draws_the_lod_curve() {
    let Some(sm) = snakemake() else { return };
    let dir = scratch("dilution");
    let config = format!(
        r#"{{"cfspot": {}, "outdir": "results", "tumour_fractions": [0.004, 0.02],
            "depths": [300], "replicates": 1, "threads": 2, "seed": 7}}"#,
        cfspot()
    );
    run(&sm, "dilution", &dir, &config, &[]);
    let res = dir.join("results");

    // The table: one row per (depth, VAF), sensitivity inside its interval.
    let (head, rows) = tsv(&read(&res.join("lod.lod_curve.tsv")));
    assert_eq!(
        head,
        [
            "depth",
            "expected_vaf",
            "sites",
            "detected",
            "sensitivity",
            "sensitivity_lo",
            "sensitivity_hi",
            "mean_lod95"
        ]
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    let mut vafs: Vec<f64> = Vec::new();
    for r in &rows {
        assert_eq!(r[0].parse::<f64>().unwrap(), 300.0);
        vafs.push(r[1].parse().unwrap());
        let sites: f64 = r[2].parse().unwrap();
        let detected: f64 = r[3].parse().unwrap();
        let (s, lo, hi): (f64, f64, f64) = (
            r[4].parse().unwrap(),
            r[5].parse().unwrap(),
            r[6].parse().unwrap(),
        );
        assert_eq!(sites, 31.0, "every demo hotspot is mutated");
        assert!((s - detected / sites).abs() < 1e-9);
        assert!((0.0..=s).contains(&lo) && (s..=1.0).contains(&hi), "{r:?}");
        assert!(r[7].parse::<f64>().unwrap() > 0.0);
    }
    vafs.sort_by(f64::total_cmp);
    assert!((vafs[0] - 0.002).abs() < 1e-12 && (vafs[1] - 0.01).abs() < 1e-12);

    // The SVG: well formed, one marker per point of the depth's curve.
    let svg = read(&res.join("lod_curve.svg"));
    assert!(svg.trim_start().starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
    let doc = Html::parse_fragment(&svg);
    let curve = Selector::parse(r#"g.series[data-name="300 fragments"] circle"#).unwrap();
    assert_eq!(doc.select(&curve).count(), 2, "one point per VAF");
    let bars = Selector::parse(r#"g.series[data-name="300 fragments"] line"#).unwrap();
    assert_eq!(
        doc.select(&bars).count(),
        2 * 3,
        "an error bar with two caps per point"
    );

    // The page: the SVG inline, the table, nothing loaded from the network.
    let page = read(&res.join("lod_curve.html"));
    let html = Html::parse_document(&page);
    assert_eq!(html.select(&Selector::parse("svg").unwrap()).count(), 1);
    assert_eq!(
        html.select(&Selector::parse("table tbody tr").unwrap())
            .count(),
        2
    );
    for sel in ["script", "link", "img", "[src]"] {
        assert_eq!(
            html.select(&Selector::parse(sel).unwrap()).count(),
            0,
            "{sel} in the page"
        );
    }

    // Calls and truth kept; FASTQs (and, by default, BAMs) deleted after calling.
    for s in ["d300_tf0.004_r1", "d300_tf0.02_r1"] {
        assert!(res.join(format!("calls/{s}.calls.tsv")).is_file());
        assert!(res.join(format!("samples/{s}.truth.tsv")).is_file());
        for gone in [
            format!("{s}_R1.fastq.gz"),
            format!("{s}_R2.fastq.gz"),
            format!("{s}.bam"),
        ] {
            assert!(!res.join("samples").join(&gone).exists(), "{gone} kept");
        }
    }
    assert_repo_clean();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cohort_workflow_merges_calls_and_runs_multiqc() {
    let Some(sm) = snakemake() else { return };
    let dir = scratch("cohort");
    let mqc = multiqc(&sm);
    let mut config = format!(
        r#"{{"cfspot": {}, "outdir": "results", "threads": 2,
            "example": {{"depth": 300}}"#,
        cfspot()
    );
    if let Some(m) = &mqc {
        config.push_str(&format!(r#", "multiqc": {}"#, json_str(m)));
    }
    config.push('}');
    // Without MultiQC, build everything but its report.
    let targets: &[&str] = if mqc.is_some() {
        &[]
    } else {
        common::skip("MultiQC not found (pip install multiqc, or set MULTIQC_PYTHON); the cohort runs without its report");
        &["results/cohort.calls.tsv", "results/cohort.summary.tsv"]
    };
    run(&sm, "cohort", &dir, &config, targets);
    let res = dir.join("results");
    let samples = ["patient_a", "patient_b", "healthy_c"];

    let (head, rows) = tsv(&read(&res.join("cohort.calls.tsv")));
    assert_eq!(head[0], "sample");
    assert_eq!(head[1], "id");
    assert!(head.iter().any(|h| h == "status"));
    assert_eq!(rows.len(), samples.len() * 31, "31 hotspots per sample");
    for s in samples {
        assert_eq!(rows.iter().filter(|r| r[0] == s).count(), 31, "{s}");
    }

    let (head, rows) = tsv(&read(&res.join("cohort.summary.tsv")));
    assert_eq!(&head[..4], ["sample", "status", "mode", "tf_estimate"]);
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, samples);
    for r in &rows {
        assert!(
            ["CTDNA_DETECTED", "BELOW_THRESHOLD", "NOT_DETECTED"].contains(&r[1].as_str()),
            "{r:?}"
        );
    }

    if mqc.is_some() {
        let general = read(&res.join("multiqc/multiqc_data/multiqc_general_stats.txt"));
        for s in samples {
            assert!(
                general.lines().any(|l| l.split('\t').next() == Some(s)),
                "{s} missing from MultiQC's general stats:\n{general}"
            );
        }
        assert!(general
            .lines()
            .next()
            .unwrap()
            .contains("cfspot_tumour_fraction"));
        assert!(res.join("multiqc/multiqc_report.html").is_file());
    }
    assert_repo_clean();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cohort_and_longitudinal_dry_runs() {
    let Some(sm) = snakemake() else { return };
    for (workflow, rules) in [
        (
            "cohort",
            &["simulate_example", "call", "merge", "multiqc"][..],
        ),
        (
            "longitudinal",
            &[
                "simulate",
                "call_baseline",
                "baseline_mutations",
                "call_informed",
                "trajectory",
            ][..],
        ),
        (
            "dilution",
            &["simulate", "call", "sheet", "eval", "plot"][..],
        ),
    ] {
        let dir = scratch(&format!("dry-{workflow}"));
        let config = format!(r#"{{"cfspot": {}}}"#, cfspot());
        let out = run(&sm, workflow, &dir, &config, &["-n"]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for rule in rules {
            assert!(
                text.lines()
                    .any(|l| l.split_whitespace().next() == Some(rule)),
                "{workflow}: rule {rule} not planned:\n{text}"
            );
        }
        assert!(
            !dir.join("results").exists(),
            "a dry run wrote results in {}",
            dir.display()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert_repo_clean();
}
