//! Counting cases as data: every folder under `test-data/cases/` is a
//! small SAM, optionally a panel and a reference, and one or more tables of
//! expected counts worked out by hand (the folder's README.md says how).
//! This one runner turns the SAM into an indexed BAM (with rust-htslib, so
//! it needs no samtools), runs `cfspot count` once per expected table and
//! compares the columns each table names; the same count with the BAM on
//! standard input (the one-pass engine) must write the same table. The format is described in
//! `test-data/cases/README.md`; a new case is a new folder, no code.

mod common;

use common::{cfspot, tsv_rows, CFSPOT};
use rust_htslib::bam::{self, Read as _};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/cases")
}

/// `reads.sam` as an indexed BAM in `dir`, records in coordinate order
/// (a stable sort, so a case may list each fragment's mates together).
fn sam_to_bam(sam: &Path, dir: &Path) -> PathBuf {
    let mut reader = bam::Reader::from_path(sam)
        .unwrap_or_else(|e| panic!("{}: not readable as SAM: {e}", sam.display()));
    let header = bam::Header::from_template(reader.header());
    let mut records: Vec<bam::Record> = reader
        .records()
        .map(|r| r.unwrap_or_else(|e| panic!("{}: {e}", sam.display())))
        .collect();
    // Unmapped reads (tid -1) go last, as samtools sort puts them.
    records.sort_by_key(|r| (r.tid() < 0, r.tid(), r.pos()));
    let path = dir.join("reads.bam");
    let mut w = bam::Writer::from_path(&path, &header, bam::Format::Bam).unwrap();
    for r in &records {
        w.write(r).unwrap();
    }
    drop(w);
    bam::index::build(&path, None, bam::index::Type::Bai, 1).unwrap();
    path
}

/// The words of an `args` file: whitespace-separated, `#` lines skipped.
fn words(path: &Path) -> Vec<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// One run of a case: `expect.tsv` with `args`, or `expect.NAME.tsv` with
/// `args.NAME`.
struct Run {
    name: String,
    expect: PathBuf,
    args: Vec<String>,
}

fn runs(case: &Path) -> Vec<Run> {
    let mut runs: Vec<Run> = std::fs::read_dir(case)
        .unwrap()
        .filter_map(|e| {
            let file = e.unwrap().file_name().into_string().ok()?;
            let name = match file.strip_prefix("expect")?.strip_suffix(".tsv")? {
                "" => String::new(),
                rest => rest.strip_prefix('.')?.to_string(),
            };
            let args = if name.is_empty() {
                "args".to_string()
            } else {
                format!("args.{name}")
            };
            Some(Run {
                args: words(&case.join(args)),
                expect: case.join(file),
                name,
            })
        })
        .collect();
    runs.sort_by(|a, b| a.name.cmp(&b.name));
    runs
}

/// What a run got wrong, one line each (empty when it is all right).
fn check(label: &str, expect: &Path, got: &str) -> Vec<String> {
    let text = std::fs::read_to_string(expect).unwrap();
    let table: String = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let got: HashMap<String, HashMap<String, String>> = tsv_rows(got)
        .into_iter()
        .map(|row| (row["id"].clone(), row))
        .collect();
    let mut wrong = Vec::new();
    let width = |l: &str| l.split('\t').count();
    let mut lines = table.lines();
    let head = lines.next().map_or(0, width);
    if let Some(l) = lines.find(|l| width(l) != head) {
        return vec![format!(
            "{label}: {} has a row of {} cells under a header of {head}: {l}",
            expect.display(),
            width(l)
        )];
    }
    for row in tsv_rows(&table) {
        let Some(id) = row.get("id") else {
            return vec![format!("{label}: {} has no `id` column", expect.display())];
        };
        let Some(out) = got.get(id) else {
            wrong.push(format!("{label}: no row `{id}` in the count TSV"));
            continue;
        };
        let mut cols: Vec<_> = row
            .iter()
            .filter(|(c, v)| *c != "id" && *v != "*")
            .collect();
        cols.sort();
        for (col, want) in cols {
            match out.get(col) {
                None => wrong.push(format!("{label}: the count TSV has no column `{col}`")),
                Some(v) if v != want => wrong.push(format!(
                    "{label}: {id} {col}: expected `{want}`, counted `{v}`"
                )),
                Some(_) => {}
            }
        }
    }
    wrong
}

#[test]
fn every_case_counts_as_worked_out_by_hand() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "the seeded cases are there");
    let (mut ran, mut wrong) = (0, Vec::new());
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            case.join("README.md").is_file(),
            "{name}: every case says what it shows and how its numbers were worked out (README.md)"
        );
        let runs = runs(case);
        assert!(!runs.is_empty(), "{name}: no expect.tsv");
        let dir = tempfile::tempdir().unwrap();
        let bam = sam_to_bam(&case.join("reads.sam"), dir.path());
        let mut base = vec!["count".to_string(), bam.display().to_string()];
        if case.join("panel.tsv").is_file() {
            base.extend(["-p".into(), case.join("panel.tsv").display().to_string()]);
        }
        if case.join("ref.fa").is_file() {
            // A copy, so the .fai cfspot builds lands in the temp folder.
            let fa = dir.path().join("ref.fa");
            std::fs::copy(case.join("ref.fa"), &fa).unwrap();
            base.extend(["-r".into(), fa.display().to_string()]);
        }
        for run in runs {
            let label = match run.name.as_str() {
                "" => name.clone(),
                run_name => format!("{name}/{run_name} ({})", run.args.join(" ")),
            };
            let args: Vec<&str> = base.iter().chain(&run.args).map(String::as_str).collect();
            let out = cfspot(&args);
            ran += 1;
            if !out.status.success() {
                wrong.push(format!(
                    "{label}: cfspot {} failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
            wrong.extend(check(
                &label,
                &run.expect,
                &String::from_utf8_lossy(&out.stdout),
            ));
            // The one-pass engine, the BAM on standard input, must write
            // the same table.
            let mut streamed = args.clone();
            streamed[1] = "-";
            let piped = Command::new(CFSPOT)
                .args(&streamed)
                .stdin(std::fs::File::open(&bam).unwrap())
                .output()
                .unwrap();
            if piped.stdout != out.stdout {
                wrong.push(format!(
                    "{label}: `cfspot {}` < the BAM writes another table than the indexed BAM: {}",
                    streamed.join(" "),
                    String::from_utf8_lossy(&piped.stderr)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of the cases' checks differ ({ran} runs):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
