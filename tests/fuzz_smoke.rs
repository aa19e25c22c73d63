//! The fuzz targets' inputs, replayed on the stable toolchain: every file
//! of `fuzz/corpus/<target>/` (seeds from `test-data/`, and the inputs of
//! crashes found and fixed) goes through the same entry point as the
//! cargo-fuzz target (`fuzz/entry.rs`), which must not panic. So a
//! regression is caught by `cargo test` without nightly or cargo-fuzz.

#[path = "../fuzz/entry.rs"]
mod entry;

use std::path::{Path, PathBuf};

/// A fuzz target by name: it takes the input's bytes and returns how much
/// work it got through (so the smoke run can tell that it did something).
type Target = (&'static str, fn(&[u8]) -> usize);

const TARGETS: [Target; 5] = [
    ("panel", entry::panel),
    ("fastq", entry::fastq),
    ("fastq_place", entry::fastq_place),
    ("count_tsv", entry::count_tsv),
    ("bam_record", entry::bam_record),
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// Runs every file under `root/<target>/` through its target; returns
/// how many ran, the work each target got through (summed over its files)
/// and the files that panicked (with the panic message).
fn replay(root: &str, targets: &[Target]) -> (usize, Vec<(&'static str, usize)>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
    let mut ran = 0;
    let mut work = Vec::new();
    let mut panics = Vec::new();
    for &(target, run) in targets {
        let mut done = 0;
        for f in files(&root.join(target)) {
            let data = std::fs::read(&f).unwrap();
            ran += 1;
            match std::panic::catch_unwind(|| run(&data)) {
                Ok(n) => done += n,
                Err(e) => {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    panics.push(format!("{}: {msg}", f.display()));
                }
            }
        }
        work.push((target, done));
    }
    (ran, work, panics)
}

#[test]
fn committed_fuzz_corpora_replay_without_a_panic() {
    let (ran, work, panics) = replay("fuzz/corpus", &TARGETS);
    // Every target's seeds get through its parser to the code behind it:
    // an empty or misplaced corpus, or an entry point broken so that it
    // stops at once, is a failure, not a pass that tested nothing.
    for (target, done) in work {
        assert!(
            done > 0,
            "{target}: its seeds in fuzz/corpus/{target}/ reach nothing"
        );
    }
    assert!(
        panics.is_empty(),
        "{} of {ran} input(s) panicked:\n{}",
        panics.len(),
        panics.join("\n")
    );
}
