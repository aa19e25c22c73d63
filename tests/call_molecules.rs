//! `cfspot call --molecules` and `--duplex` end to end on a simulated UMI
//! sample: the hotspots are judged in the molecules `count` gives, and the
//! background is measured on the same families' consensus bases, so
//! single-strand damage that every read of a fragment shows is gone in
//! duplex.

mod common;

use common::{cfspot, cfspot_ok, json, tsv_rows};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

type Rows = Vec<HashMap<String, String>>;

/// Damage on one strand: each G of an original strand reads T at this
/// rate, in every read of that strand's copies.
const DAMAGE: f64 = 0.01;
/// The simulator's worst sequencing error rate per base (7e/4 at the last
/// cycle, e = 1e-3), shared among three wrong bases.
const SEQ_ERROR: f64 = 1.75e-3;

/// A tumour-free UMI sample: 300 molecules a hotspot, each read 1 +
/// Poisson(3) times, G>T damage at [`DAMAGE`].
fn sample(dir: &Path) -> PathBuf {
    let out = dir.to_str().unwrap();
    let damage = format!("G>T:{DAMAGE}");
    cfspot_ok(&[
        "simulate",
        "-s",
        "41",
        "-t",
        "0",
        "-m",
        "none",
        "--umi",
        "--family-size-mean",
        "4",
        "--damage",
        &damage,
        "-d",
        "300",
        "-o",
        out,
    ]);
    dir.join("sim.bam")
}

/// `call` with `args` into `dir/name`: its calls rows, its summary, and
/// its stderr.
fn call(dir: &Path, name: &str, bam: &Path, args: &[&str]) -> (Rows, serde_json::Value, String) {
    let prefix = dir.join(name);
    let mut all = vec!["call", "-o", prefix.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push(bam.to_str().unwrap());
    let out = cfspot(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let rows = tsv_rows(&std::fs::read_to_string(prefix.with_extension("calls.tsv")).unwrap());
    (rows, json(prefix.with_extension("summary.json")), stderr)
}

/// A class's (mismatches, depth) in a summary's background.
fn class(summary: &serde_json::Value, name: &str) -> (f64, f64) {
    let c = &summary["background"]["classes"][name];
    (
        c["mismatches"].as_f64().unwrap(),
        c["depth"].as_f64().unwrap(),
    )
}

#[test]
fn calls_in_molecules_count_as_count_does_and_duplex_removes_damage() {
    let dir = tempfile::tempdir().unwrap();
    let bam = sample(dir.path());
    let (raw, raw_summary, _) = call(dir.path(), "raw", &bam, &[]);
    for unit in ["--molecules", "--duplex"] {
        let (rows, summary, _) = call(dir.path(), &unit[2..], &bam, &[unit]);
        let counted = tsv_rows(&cfspot_ok(&["count", unit, bam.to_str().unwrap()]));
        assert_eq!((rows.len(), counted.len()), (31, 31));
        for (r, c) in rows.iter().zip(&counted) {
            assert_eq!(r["id"], c["id"]);
            assert_eq!(
                (&r["depth"], &r["alt_count"]),
                (&c["depth"], &c["alt_count"]),
                "{unit} {}",
                r["id"]
            );
        }
        assert_eq!(
            summary["count"]["unit"],
            unit[2..].trim_end_matches('s'),
            "{summary}"
        );
        if unit == "--duplex" {
            // Raw fragments (one read pair a family, the copies flagged
            // as duplicates): a ref G reads T when the fragment is from the
            // damaged strand (1/2) and that base is damaged (DAMAGE), or
            // by a sequencing error (at most SEQ_ERROR/3); mates share the
            // damage, so merging them keeps it. Within 5 sd.
            let (mm, n) = class(&raw_summary, "G>T");
            let (lo, hi) = (DAMAGE / 2.0, DAMAGE / 2.0 + SEQ_ERROR / 3.0);
            let sd = (n * hi).sqrt();
            assert!(
                mm >= n * lo - 5.0 * sd && mm <= n * hi + 5.0 * sd,
                "raw G>T {mm} of {n}"
            );
            // Duplex: both strands' consensus must show T. The undamaged
            // strand does so only by a sequencing error, at most
            // SEQ_ERROR/3 (a lone read; more reads only lower it), so a
            // duplex base is G>T with chance at most (DAMAGE + SEQ_ERROR/3)
            // · SEQ_ERROR/3 (7e-6): 700 times below the raw rate. The
            // count stays within 5 sd of that bound's Poisson mean, plus one.
            let (dm, dn) = class(&summary, "G>T");
            let mean = dn * (DAMAGE + SEQ_ERROR / 3.0) * SEQ_ERROR / 3.0;
            assert!(
                dm <= mean + 5.0 * mean.sqrt() + 1.0,
                "duplex G>T {dm} of {dn}"
            );
            assert!(dn > 0.3 * n, "duplex depth {dn} vs raw {n}");
        }
    }
    assert_eq!(raw.len(), 31);
}
