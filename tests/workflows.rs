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
//! - `cohort`: end to end on the simulated example cohort at 300 fragments
//!   (a PoN of its three normals, one plasma with its matched normal),
//!   merged tables checked, and MultiQC over the outputs when it is
//!   installed (beside Snakemake, `MULTIQC_PYTHON`, or on PATH).
//! - `cohort` through `workflows/profiles/slurm` on a real SLURM cluster
//!   (`sudo .ci/slurm-up` makes a one-node one on localhost): each job went
//!   through sbatch, and the outputs equal a local run's. Skipped (the same
//!   rule) when `sinfo` does not answer or the SLURM executor plugin is
//!   missing.
//! - `cohort`, `longitudinal` and `dilution` (default configs): dry runs (`-n`).

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

/// The Snakemake command line for a workflow in `dir` with the JSON config
/// overrides `config` (written to `dir/test-config.json`).
fn command(snakemake: &Path, workflow: &str, dir: &Path, config: &str, extra: &[&str]) -> Command {
    let overrides = dir.join("test-config.json");
    std::fs::write(&overrides, config).unwrap();
    let mut cmd = Command::new(snakemake);
    cmd.arg("-s")
        .arg(snakefile(workflow))
        .arg("--directory")
        .arg(dir)
        .arg("--configfile")
        .arg(&overrides)
        .args(["--cores", "2", "--quiet", "rules", "--nolock"])
        .args(extra)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("MULTIQC_NO_VERSION_CHECK", "1");
    cmd
}

/// Run a workflow in `dir` with the JSON config overrides `config`; it must
/// succeed.
fn run(snakemake: &Path, workflow: &str, dir: &Path, config: &str, extra: &[&str]) -> Output {
    let out = command(snakemake, workflow, dir, config, extra)
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

/// The cohort workflow on its simulated example at 300 fragments per site:
/// the config overrides and the targets.
struct Cohort {
    config: String,
    /// Empty (the whole workflow) with MultiQC; else the two merged tables.
    targets: Vec<&'static str>,
    multiqc: bool,
}

impl Cohort {
    const SAMPLES: [&'static str; 3] = ["patient_a", "patient_b", "healthy_c"];

    /// With `threads` per job, and MultiQC's report when MultiQC is found
    /// (else a note that the cohort runs without it).
    fn new(sm: &Path, threads: u32) -> Cohort {
        let mqc = multiqc(sm);
        let mut config = format!(
            r#"{{"cfspot": {}, "outdir": "results", "threads": {threads},
            "example": {{"depth": 300}}"#,
            cfspot()
        );
        if let Some(m) = &mqc {
            config.push_str(&format!(r#", "multiqc": {}"#, json_str(m)));
        }
        config.push('}');
        let targets = if mqc.is_some() {
            vec![]
        } else {
            common::skip("MultiQC not found (pip install multiqc, or set MULTIQC_PYTHON); the cohort runs without its report");
            vec!["results/cohort.calls.tsv", "results/cohort.summary.tsv"]
        };
        Cohort {
            config,
            targets,
            multiqc: mqc.is_some(),
        }
    }
}

#[test]
fn cohort_workflow_merges_calls_and_runs_multiqc() {
    let Some(sm) = snakemake() else { return };
    let dir = scratch("cohort");
    let cohort = Cohort::new(&sm, 2);
    run(&sm, "cohort", &dir, &cohort.config, &cohort.targets);
    let mqc = cohort.multiqc;
    let res = dir.join("results");
    let samples = Cohort::SAMPLES;

    let (head, rows) = tsv(&read(&res.join("cohort.calls.tsv")));
    assert_eq!(head[0], "sample");
    assert_eq!(head[1], "id");
    assert!(head.iter().any(|h| h == "status"));
    assert_eq!(rows.len(), samples.len() * 31, "31 hotspots per sample");
    for s in samples {
        assert_eq!(rows.iter().filter(|r| r[0] == s).count(), 31, "{s}");
    }

    // Every plasma judged against the PoN of the sheet's three normals;
    // patient_a beside its white cells, the others without (their
    // normal_* cells empty in the merged table).
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (source, label) = (col("background_source"), col("normal_label"));
    assert!(
        rows.iter().all(|r| r[source].starts_with("pon")),
        "every site against the PoN"
    );
    for r in &rows {
        assert_eq!(r[label].is_empty(), r[0] != "patient_a", "{r:?}");
    }
    let pon = read(&res.join("pon/pon.tsv"));
    assert!(
        pon.lines()
            .any(|l| l == "##samples=normal_1,normal_2,normal_3"),
        "the PoN of the sheet's normals (normal_2 from its FASTQ pair):\n{pon}"
    );

    let (head, rows) = tsv(&read(&res.join("cohort.summary.tsv")));
    assert_eq!(&head[..4], ["sample", "status", "mode", "tf_estimate"]);
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, samples);
    let normal = head.iter().position(|h| h == "normal").unwrap();
    let matched: Vec<&str> = rows.iter().map(|r| r[normal].as_str()).collect();
    assert_eq!(matched, ["patient_a_wbc", "", ""]);
    for r in &rows {
        assert!(
            ["CTDNA_DETECTED", "BELOW_THRESHOLD", "NOT_DETECTED"].contains(&r[1].as_str()),
            "{r:?}"
        );
    }

    if mqc {
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

/// A SLURM cluster that takes jobs (`sinfo` lists a node that is up) and
/// Snakemake's SLURM executor plugin beside `sm`; else a skip saying how to
/// get them.
fn slurm(sm: &Path) -> bool {
    let nodes = Command::new("sinfo")
        .args(["--noheader", "--Node", "--format=%N %t"])
        .output();
    let nodes = match nodes {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ => {
            common::skip("SLURM does not answer (sinfo): `sudo .ci/slurm-up` starts a single-node cluster on localhost");
            return false;
        }
    };
    // Compact states: idle, mix, alloc, comp(leting); a trailing `*` is a
    // node that does not respond. Down or drained nodes would leave the
    // jobs pending for ever.
    let up = nodes.lines().any(|l| {
        let state = l.split_whitespace().nth(1).unwrap_or("");
        ["idle", "mix", "alloc", "comp"]
            .iter()
            .any(|s| state.starts_with(s))
            && !state.ends_with('*')
    });
    if !up {
        common::skip(&format!(
            "SLURM has no node up (sinfo: {:?}): `sudo .ci/slurm-up` resumes its node",
            nodes.trim()
        ));
        return false;
    }
    let help = Command::new(sm).arg("--help").output();
    if !help.is_ok_and(|h| String::from_utf8_lossy(&h.stdout).contains("--slurm-no-account")) {
        common::skip("Snakemake has no SLURM executor plugin: pip install snakemake-executor-plugin-slurm==2.8.0 beside snakemake");
        return false;
    }
    true
}

/// Every file under `root` (relative paths, sorted).
fn files(root: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// The cohort through `workflows/profiles/slurm` on a real SLURM cluster
/// (`.ci/slurm-up`): every job but the local ones (`merge`, the example's
/// simulation) is submitted with
/// sbatch and recorded by slurmctld as completed, and every output equals a
/// local run's byte for byte. One CPU per job (threads 1), so that CI's
/// 2-CPU node runs two at once.
#[test]
fn cohort_workflow_runs_on_slurm_as_it_runs_locally() {
    let Some(sm) = snakemake() else { return };
    if !slurm(&sm) {
        return;
    }
    let cohort = Cohort::new(&sm, 1);
    let local = scratch("cohort-local");
    let remote = scratch("cohort-slurm");
    let profile = repo().join("workflows/profiles/slurm");
    let profile = profile.to_str().unwrap();

    // The local run while the cluster works (it mostly waits on status checks).
    std::thread::scope(|scope| {
        scope.spawn(|| run(&sm, "cohort", &local, &cohort.config, &cohort.targets));
        let mut args = vec!["--profile", profile, "--slurm-keep-successful-logs"];
        args.extend(&cohort.targets);
        let mut cmd = command(&sm, "cohort", &remote, &cohort.config, &args);
        let log = remote.join("snakemake.log");
        let file = std::fs::File::create(&log).unwrap();
        cmd.stdout(file.try_clone().unwrap()).stderr(file);
        let mut child = cmd.spawn().expect("run snakemake");
        // A job left pending (a node gone down) must not hang CI: the run
        // takes about two minutes on 2 busy cores.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(900);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let queue = Command::new("squeue").arg("--states=all").output();
                panic!(
                    "snakemake on SLURM still running after 15 minutes:\n{}\nsqueue:\n{}",
                    read(&log),
                    queue
                        .map(|q| String::from_utf8_lossy(&q.stdout).into_owned())
                        .unwrap_or_default()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        };
        assert!(
            status.success(),
            "snakemake cohort on SLURM failed in {}:\n{}",
            remote.display(),
            read(&log)
        );
    });

    // The plugin writes each job's SLURM output to
    // .snakemake/slurm_logs/rule_RULE/WILDCARDS/JOBID.log (sbatch --output):
    // one per job, none for the local rules (`merge`, and the example's
    // simulation, which stands in for data already on disk).
    let logs = remote.join(".snakemake/slurm_logs");
    let mut expected: Vec<PathBuf> = Cohort::SAMPLES
        .iter()
        .map(|s| PathBuf::from(format!("rule_call/{s}")))
        .chain([PathBuf::from("rule_pon")])
        .collect();
    if cohort.multiqc {
        expected.push("rule_multiqc".into());
    }
    expected.sort();
    let logged = files(&logs);
    let mut jobs: Vec<(PathBuf, String)> = logged
        .iter()
        .map(|f| {
            let id = f.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            assert!(
                !id.is_empty()
                    && id.bytes().all(|b| b.is_ascii_digit())
                    && f.extension().is_some_and(|e| e == "log"),
                "{} is no SLURM job log",
                f.display()
            );
            (f.parent().unwrap().to_path_buf(), id.to_string())
        })
        .collect();
    jobs.sort();
    let dirs: Vec<&PathBuf> = jobs.iter().map(|(d, _)| d).collect();
    assert_eq!(
        dirs,
        expected.iter().collect::<Vec<_>>(),
        "one SLURM job per non-local job"
    );
    for (dir, id) in &jobs {
        let rule = dir
            .iter()
            .next()
            .unwrap()
            .to_str()
            .unwrap()
            .trim_start_matches("rule_");
        let text = read(&logs.join(dir).join(format!("{id}.log")));
        assert!(
            text.contains("--executor slurm-jobstep") && text.contains(&format!("rule {rule}:")),
            "job {id}'s log is not Snakemake's job step of rule {rule}:\n{text}"
        );
    }

    // slurmctld's own record (kept MinJobAge seconds after the end; one
    // hour on the test cluster): every job completed, all named by one run.
    let ids: Vec<&str> = jobs.iter().map(|(_, id)| id.as_str()).collect();
    let queue = common::run_ok(Command::new("squeue").args([
        "--noheader",
        "--states=all",
        "--format=%i|%T|%j",
        &format!("--jobs={}", ids.join(",")),
    ]));
    let mut names = std::collections::BTreeSet::new();
    for id in &ids {
        let row = queue
            .lines()
            .find(|l| l.split('|').next() == Some(id))
            .unwrap_or_else(|| panic!("SLURM job {id} unknown to squeue:\n{queue}"));
        let fields: Vec<&str> = row.split('|').collect();
        assert_eq!(fields[1], "COMPLETED", "SLURM job {row}");
        names.insert(fields[2].to_string());
    }
    assert_eq!(names.len(), 1, "one run submitted them all: {names:?}");

    // The same files, the same bytes, but for what MultiQC stamps with its
    // run's date and absolute paths (its tables are compared).
    let stamped = [
        "results/logs/multiqc.log",
        "results/multiqc/multiqc_report.html",
        "results/multiqc/multiqc_data/multiqc.log",
        "results/multiqc/multiqc_data/multiqc.parquet",
        "results/multiqc/multiqc_data/multiqc_data.json",
    ];
    for sub in ["results", "example_data"] {
        let (a, b) = (files(&local.join(sub)), files(&remote.join(sub)));
        assert_eq!(
            a, b,
            "{sub}: the local and the SLURM run wrote different files"
        );
        for f in &a {
            let rel = Path::new(sub).join(f);
            if stamped.iter().any(|s| Path::new(s) == rel) {
                continue;
            }
            assert!(
                std::fs::read(local.join(&rel)).unwrap()
                    == std::fs::read(remote.join(&rel)).unwrap(),
                "{} differs between the local and the SLURM run",
                rel.display()
            );
        }
    }
    // What the outputs hold is checked by
    // cohort_workflow_merges_calls_and_runs_multiqc.
    assert_repo_clean();
    std::fs::remove_dir_all(&local).unwrap();
    std::fs::remove_dir_all(&remote).unwrap();
}

#[test]
fn cohort_and_longitudinal_dry_runs() {
    let Some(sm) = snakemake() else { return };
    for (workflow, rules) in [
        (
            "cohort",
            &["simulate_example", "pon", "call", "merge", "multiqc"][..],
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
