//! What the FASTQ benches share: a seeded `cfspot simulate` sample on the
//! embedded demo panel, so every run times the same reads.
//! (A folder, not `benches/common.rs`, which Cargo would take for a bench.)

// Each bench compiles its own copy and uses only part of it.
#![allow(dead_code)]

use cfspot::sim::{simulate, SimParams};
use std::path::PathBuf;

/// A simulated sample's R1 and R2 FASTQ.gz (BGZF, as `cfspot simulate`
/// writes them), in a temporary folder that lives as long as the value.
pub struct SimulatedFastq {
    pub r1: PathBuf,
    pub r2: PathBuf,
    _dir: tempfile::TempDir,
}

/// `depth` fragments per site, 10 % tumour fraction, error rate 1e-3,
/// seed 5.
pub fn simulated_fastq(depth: f64) -> SimulatedFastq {
    let dir = tempfile::tempdir().unwrap();
    let panel = cfspot::panel::Panel::demo();
    let r = cfspot::reference::open("demo").unwrap();
    let p = SimParams {
        out_dir: dir.path().to_owned(),
        name: "b".into(),
        depth,
        tumour_fraction: 0.1,
        error_rate: 0.001,
        seed: 5,
        ..SimParams::default()
    };
    simulate(&p, &panel, r.as_ref()).unwrap();
    SimulatedFastq {
        r1: dir.path().join("b_R1.fastq.gz"),
        r2: dir.path().join("b_R2.fastq.gz"),
        _dir: dir,
    }
}
