//! Grouping by UMI against the simulator's truth: with `--umi`, each read
//! pair's `MI` tag is the true molecule (and strand) and `RX` carries its
//! UMIs as read, with `--umi-error-rate` errors in them. Families made
//! from `RX` and the fragments' ends should be the `MI` families.

use cfspot::count::molecule::{
    detect, group_fragments, umi::parse_family, DuplexStrand, Fragment, Grouping, MoleculeTag,
    Strategy, UmiSource,
};
use rust_htslib::bam::{self, Read as _};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const CFSPOT: &str = env!("CARGO_BIN_EXE_cfspot");

type Truth = Vec<(String, DuplexStrand)>;

/// Read 1 of every primary pair: its name, its fragment (ends and tag by
/// `RX`) and its true molecule (`MI`: id and strand).
fn fragments(bam_path: &Path) -> (Vec<String>, Vec<Fragment>, Truth) {
    let mut reader = bam::Reader::from_path(bam_path).unwrap();
    let records: Vec<bam::Record> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| r.is_first_in_template() && !r.is_secondary() && !r.is_supplementary())
        .collect();
    // MI is the truth here, so detection would rightly choose it: read
    // the UMIs from RX instead, after checking detection sees both.
    let detected = detect(bam_path, &records).unwrap().source;
    assert_eq!(detected, UmiSource::Mi);
    let mut rx = cfspot::count::molecule::UmiReader::new(UmiSource::Rx, bam_path);
    let mut frags = Vec::new();
    let mut truth = Vec::new();
    let mut names = Vec::new();
    for r in &records {
        names.push(String::from_utf8_lossy(r.qname()).into_owned());
        frags.push(rx.fragment_of(r).unwrap());
        let Ok(bam::record::Aux::String(mi)) = r.aux(b"MI") else {
            panic!("simulated reads carry MI")
        };
        let MoleculeTag::Family { id, strand } = parse_family(mi).unwrap() else {
            unreachable!()
        };
        truth.push((id.to_string(), strand.unwrap()));
    }
    (names, frags, truth)
}

/// The share of true families (by `truth_of`) that are exactly one found
/// family, and the numbers of true and found families.
fn recovered(found: &[u32], truth: &[String]) -> (f64, usize, usize) {
    let mut true_sets: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    let mut found_sets: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
    for (i, (t, f)) in truth.iter().zip(found).enumerate() {
        true_sets.entry(t).or_default().insert(i);
        found_sets.entry(*f).or_default().insert(i);
    }
    let found_set: BTreeSet<&BTreeSet<usize>> = found_sets.values().collect();
    let exact = true_sets.values().filter(|s| found_set.contains(s)).count();
    (
        exact as f64 / true_sets.len() as f64,
        true_sets.len(),
        found_sets.len(),
    )
}

/// 31 hotspots at 300 unique fragments each, 4 read pairs per fragment on
/// average (1 + Poisson(3), each on either strand at chance 1/2), 16 UMI
/// bases per pair misread at 1 % each.
///
/// A family is lost when its reads' UMIs do not connect: a pair with two
/// errors, or two pairs with one error each at different bases and no
/// correct copy to join them. The expected shares come from umi_tools'
/// own directional clusterer on that model (a Monte Carlo of 40,000
/// molecules in Python, `UMIClusterer(cluster_method="directional")`):
/// 97.22 % of strand families and 95.63 % of molecules (both strands'
/// pairs in one family, as paired grouping makes them). Tolerances: 5
/// binomial sd over the families here (38,440 and 21,658), plus the
/// Monte Carlo's own sd. On this BAM, cfspot's directional families were
/// the very families `umi_tools group --paired --umi-tag RX --method
/// directional` makes (39,518 of 39,518; README), and identity grouping
/// splits every family with a differing read (75 % whole).
#[test]
fn rx_families_recover_the_true_molecules() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let status = Command::new(CFSPOT)
        .args([
            "simulate",
            "-s",
            "7",
            "-d",
            "300",
            "--umi",
            "--family-size-mean",
            "4",
        ])
        .args(["--umi-error-rate", "0.01", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let (names, frags, truth) = fragments(&out.join("sim.bam"));
    let by_strand: Vec<String> = truth.iter().map(|(id, s)| format!("{id}/{s:?}")).collect();
    let by_molecule: Vec<String> = truth.iter().map(|(id, _)| id.clone()).collect();
    let run = |strategy| {
        let g = group_fragments(&frags, &Grouping { strategy, edits: 1 }).unwrap();
        (g.family_of(frags.len()), g)
    };

    let (directional, _) = run(Strategy::Directional);
    let (share_d, n_true, n_found) = recovered(&directional, &by_strand);
    let (identity, _) = run(Strategy::Identity);
    let (share_i, _, n_found_i) = recovered(&identity, &by_strand);
    let (paired, pg) = run(Strategy::Paired);
    // For a side-by-side with umi_tools (README): each read's families.
    if let Some(dump) = std::env::var_os("CFSPOT_UMI_GROUPS_DUMP") {
        let text: String = (0..names.len())
            .map(|i| {
                format!(
                    "{}\t{}\t{}\t{}\n",
                    names[i], directional[i], identity[i], paired[i]
                )
            })
            .collect();
        std::fs::write(dump, text).unwrap();
    }
    let (share_p, n_mol, n_found_p) = recovered(&paired, &by_molecule);
    // The strands split each family as MI does. Which one is called A is
    // a convention: fgbio's (and ours) is the strand whose read 1 is at
    // the lower end; the simulator's is the molecule's first strand,
    // whichever way it lies. So the labels agree within a family up to a
    // swap.
    for f in &pg.families {
        let flips: BTreeSet<bool> = f
            .members
            .iter()
            .map(|m| m.strand != Some(truth[m.index as usize].1))
            .collect();
        assert_eq!(flips.len(), 1, "a family's strands split as MI's");
    }
    eprintln!(
        "{} read pairs; strand families: {n_true} true, directional {n_found} ({:.2} % exact), identity {n_found_i} ({:.2} % exact); molecules: {n_mol} true, paired {n_found_p} ({:.2} % exact)",
        frags.len(),
        100.0 * share_d,
        100.0 * share_i,
        100.0 * share_p
    );
    let tolerance = |p: f64, n: f64, mc: f64| 5.0 * (p * (1.0 - p) / n + p * (1.0 - p) / mc).sqrt();
    let (d, p) = (0.9722, 0.9563);
    assert!(
        (share_d - d).abs() < tolerance(d, n_true as f64, 70_934.0),
        "directional {share_d}"
    );
    assert!(
        (share_p - p).abs() < tolerance(p, n_mol as f64, 40_000.0),
        "paired {share_p}"
    );
    assert!(share_i < share_d - 0.05, "identity {share_i} vs {share_d}");
}
