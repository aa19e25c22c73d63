//! `cfspot count --molecules` and `--duplex` against the simulator's
//! truth: the simulator writes each read's true molecule in `MI` (strand
//! `/A` or `/B`), so a molecule count must find every unique fragment once.

mod common;

use common::{cfspot_fails, cfspot_ok, tsv_rows};
use std::collections::HashMap;

type Rows = Vec<HashMap<String, String>>;

fn num(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|e| panic!("{column} {:?}: {e}", row[column]))
}

/// A UMI sample: 1,000 unique fragments a hotspot on average, each read
/// 1 + Poisson(3) times (mean family 4), each copy from strand A or B with
/// chance 1/2; the default error rate (1e-3 a base, up to 1.75e-3 late in
/// the read).
fn sample(dir: &std::path::Path) -> (Rows, String) {
    let out = dir.to_str().unwrap();
    cfspot_ok(&[
        "simulate",
        "-s",
        "23",
        "--umi",
        "--family-size-mean",
        "4",
        "-d",
        "1000",
        "-o",
        out,
    ]);
    let truth = std::fs::read_to_string(dir.join("sim.truth.tsv")).unwrap();
    (
        tsv_rows(&truth),
        dir.join("sim.bam").to_str().unwrap().to_owned(),
    )
}

/// How far a molecule's alt count may stray from the truth's: a
/// molecule's consensus is wrong with chance at most q = 1.75e-3 (a lone
/// read at the worst cycle; more reads only lower it), so over n molecules
/// the count moves by at most 5 sd of Binomial(n, q), plus one.
fn alt_tolerance(n: f64) -> f64 {
    5.0 * (n * 1.75e-3).sqrt() + 1.0
}

#[test]
fn molecules_are_the_unique_fragments_and_duplexes_both_strands() {
    let dir = tempfile::tempdir().unwrap();
    let (truth, bam) = sample(dir.path());
    let molecules = tsv_rows(&cfspot_ok(&["count", "--molecules", &bam]));
    let duplex = tsv_rows(&cfspot_ok(&["count", "--duplex", &bam]));
    // The simulator flags a family's copies as duplicates, as duplicate
    // marking would; --molecules keeps them.
    let fragments = tsv_rows(&cfspot_ok(&["count", "--keep-duplicates", &bam]));
    assert_eq!((truth.len(), molecules.len(), duplex.len()), (31, 31, 31));
    // P(a family of 1 + Poisson(3) copies is read on both strands) =
    // 1 − 2·E[2^−n] = 1 − e^(−3/2).
    let p = 1.0 - (-1.5f64).exp();
    for ((t, m), (d, f)) in truth
        .iter()
        .zip(&molecules)
        .zip(duplex.iter().zip(&fragments))
    {
        let id = &t["id"];
        assert_eq!((&m["id"], &d["id"]), (id, id));
        let (depth, alt) = (num(t, "depth"), num(t, "alt_fragments"));
        // Every unique fragment over the site is one family there, and
        // one molecule of the depth but for the few that disagree.
        assert_eq!(num(m, "families"), depth, "{id}");
        assert!(
            (num(m, "depth") - depth).abs() <= 0.01 * depth,
            "{id}: {m:?}"
        );
        assert!(
            (num(m, "alt_count") - alt).abs() <= alt_tolerance(depth),
            "{id}: alt {} truth {alt}",
            m["alt_count"]
        );
        // The fragments behind them: every fragment's, copies included,
        // its discordant and low-quality ones too.
        let behind = num(f, "depth") + num(f, "discordant") + num(f, "low_quality");
        assert_eq!(num(m, "fragments"), behind, "{id}");
        assert!(num(m, "median_family_size") >= 3.0, "{id}: {m:?}");
        // Duplex: the molecules seen on both strands, each counted (as an
        // allele, or as discordant), their share 1 − e^−1.5 of all.
        let both = num(d, "duplex_families");
        let sd = (depth * p * (1.0 - p)).sqrt();
        assert!(
            (both - p * depth).abs() <= 5.0 * sd,
            "{id}: {both} of {depth}"
        );
        let counted = num(d, "depth") + num(d, "discordant") + num(d, "low_quality");
        assert_eq!(counted, both, "{id}");
        // The alt molecules are duplexes at the same rate.
        let alt_sd = (alt * p * (1.0 - p)).sqrt();
        assert!(
            (num(d, "alt_count") - p * alt).abs() <= 5.0 * alt_sd + alt_tolerance(depth),
            "{id}: duplex alt {} of {alt}",
            d["alt_count"]
        );
    }
}

/// Without UMI errors, the families grouped from the simulator's `RX`
/// UMIs (and from the same UMIs at the end of the read names) are exactly
/// its `MI` families: every count, at every hotspot, is the same bytes.
/// The simulator's fragments have distinct ends or UMIs (8+8 random bases:
/// two molecules at one pair of ends share a UMI within one mismatch with
/// chance 49 / 4^16 a pair), and its reads are not clipped, so grouping by
/// ends and UMI finds the true molecules.
#[test]
fn rx_and_name_umis_group_into_the_mi_families() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    cfspot_ok(&["simulate", "-s", "9", "--umi", "-d", "300", "-o", out]);
    let bam = dir.path().join("sim.bam");
    let bam = bam.to_str().unwrap();
    for unit in ["--molecules", "--duplex"] {
        let by = |source: &str| cfspot_ok(&["count", unit, "--umi-source", source, bam]);
        let mi = by("mi");
        assert_eq!(tsv_rows(&mi).len(), 31);
        assert_eq!(by("rx"), mi, "{unit}: RX families differ from MI's");
        assert_eq!(
            by("name"),
            mi,
            "{unit}: read-name families differ from MI's"
        );
        // Auto-detection takes MI, and says what it used.
        let auto = common::cfspot(&["count", unit, bam]);
        assert!(auto.status.success());
        assert_eq!(String::from_utf8_lossy(&auto.stdout), mi);
        let note = String::from_utf8_lossy(&auto.stderr);
        assert!(
            note.contains("families as assigned in the MI tag (found on the first records)")
                && note.contains("fragments per molecule"),
            "{note}"
        );
    }
}

#[test]
fn molecule_flags_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    cfspot_ok(&["simulate", "-s", "3", "-d", "50", "-o", out]);
    let bam = dir.path().join("sim.bam");
    let bam = bam.to_str().unwrap();
    // MI asked for where there is none: a clear error naming the tag and
    // a read.
    cfspot_fails(
        &["count", "--molecules", "--umi-source", "mi", bam],
        &["counting in molecules", "record sim:", "it has no MI tag"],
    );
    cfspot_fails(
        &["count", "--umi-source", "rx", bam],
        &["need --molecules or --duplex"],
    );
    cfspot_fails(
        &["count", "--molecules", "--umi-source", "umi", bam],
        &["unknown UMI source \"umi\": auto, or one of mi, rx, name, none"],
    );
    cfspot_fails(
        &["count", "--min-family-size", "3", bam],
        &["need --molecules or --duplex"],
    );
    cfspot_fails(
        &["count", "--molecules", "--count-reads", bam],
        &["cannot be used with"],
    );
    cfspot_fails(
        &["count", "--duplex", "--min-strand-size", "0", bam],
        &["--min-strand-size"],
    );
}
