//! What a normal sample carries, in the simulator (issue 13 item 5):
//! `--germline`, `--chip` and `--artefact` put their ALTs at their VAFs in
//! a plasma with a tumour and in a tumour-free normal alike, and the truth
//! says which is which. Fixed seeds; tolerances are 5 binomial sd.

mod common;

use cfspot::count::bam::{count_bam, AlignmentInput};
use cfspot::count::{CountOptions, CountPlan};
use cfspot::sim::mutations::MutationRequest;
use cfspot::sim::sources::SiteRate;
use cfspot::sim::truth::TruthRow;
use cfspot::sim::{simulate, SimParams, SimSummary};
use common::{cfspot_fails, cfspot_ok, demo};
use std::path::Path;

const CHIP: [&str; 3] = ["KRAS_G12D", "TP53_R248Q", "NRAS_Q61R"];
const CHIP_VAF: f64 = 0.05;
const GERMLINE: [&str; 2] = ["PIK3CA_E545K", "EGFR_L858R"];
const ARTEFACTS: [(&str, f64); 5] = [
    ("HRAS_G12V", 0.01),
    ("KRAS_A146T", 0.005),
    ("EGFR_T790M", 0.008),
    ("TP53_R175H", 0.002),
    ("NRAS_G12D", 0.01),
];
/// A tumour mutation at an artefact site: the two draws are independent.
const TUMOUR_AND_ARTEFACT: (&str, f64) = ("PIK3CA_H1047R", 0.01);
/// Tumour mutations in the CHIP and germline sites' blocks (so those
/// blocks have fragments carrying a tumour mutation, which CHIP skips).
const TUMOUR: [&str; 3] = ["KRAS_G12C", "TP53_R273H", "PIK3CA_E542K"];

/// A sample with every source; `tf` 0 is the matched normal.
fn sample(dir: &Path, name: &str, seed: u64, tf: f64) -> SimSummary {
    let rates = |v: &[(&str, f64)]| -> Vec<SiteRate> {
        v.iter()
            .map(|&(id, rate)| SiteRate {
                id: id.into(),
                rate,
            })
            .collect()
    };
    let mut artefacts = ARTEFACTS.to_vec();
    artefacts.push(TUMOUR_AND_ARTEFACT);
    let mutations = if tf > 0.0 {
        let mut m = TUMOUR.join(",");
        m.push(',');
        m.push_str(TUMOUR_AND_ARTEFACT.0);
        MutationRequest::parse(&m).unwrap()
    } else {
        MutationRequest::None
    };
    let p = SimParams {
        name: name.into(),
        out_dir: dir.to_owned(),
        seed,
        tumour_fraction: tf,
        depth: 4000.0,
        error_rate: 0.0,
        mutations,
        germline: GERMLINE.iter().map(|s| s.to_string()).collect(),
        chip: rates(&CHIP.map(|id| (id, CHIP_VAF))),
        artefacts: rates(&artefacts),
        duplicates: 0.2,
        ..SimParams::default()
    };
    let (panel, r) = demo();
    simulate(&p, &panel, r.as_ref()).unwrap()
}

fn row<'a>(s: &'a SimSummary, id: &str) -> &'a TruthRow {
    s.truth.iter().find(|t| t.id == id).unwrap()
}

/// Alt fragments over `ids`, each expected at `vaf(id)` of its depth:
/// within 5 binomial sd of the sum.
fn assert_at(s: &SimSummary, ids: &[&str], vaf: impl Fn(&str) -> f64, what: &str) {
    let (mut alt, mut want, mut var) = (0.0, 0.0, 0.0);
    for id in ids {
        let t = row(s, id);
        let (d, p) = (t.depth as f64, vaf(id));
        alt += t.alt_fragments as f64;
        want += d * p;
        var += d * p * (1.0 - p);
    }
    let tol = 5.0 * var.sqrt();
    assert!(
        (alt - want).abs() < tol,
        "{what}: {alt} alt fragments, {want:.1} expected (5 sd = {tol:.1})"
    );
}

/// The truth against an error-free `count` of the BAM: the same depth and
/// alt at every site, and no mate disagrees (every source is carried by
/// the fragment, so both mates show it).
fn assert_count_is_truth(s: &SimSummary) {
    let (panel, r) = demo();
    let input = AlignmentInput::open(&s.bam, Some(r.as_ref())).unwrap();
    let plan = CountPlan::new(&panel, Some(r.as_ref()), &CountOptions::default());
    let progress = cfspot::progress::Progress::new();
    let counts = count_bam(&input, &plan, &progress).unwrap().sites;
    let got: Vec<(&str, u64, u64, u64)> = (s.truth.iter().zip(&counts))
        .map(|(t, c)| (t.id.as_str(), c.depth(), c.alt_count(), c.discordant))
        .collect();
    let want: Vec<(&str, u64, u64, u64)> = (s.truth.iter())
        .map(|t| (t.id.as_str(), t.depth, t.alt_fragments, 0))
        .collect();
    assert_eq!(got, want);
}

/// Plasma at TF 0.6 and its matched normal (TF 0), both with 3 CHIP
/// mutations at 5 %, 2 germline SNPs and 6 artefacts (0.2-1 %). Depth
/// ~4,000 a site: a CHIP site's alt is 200 ± 13.8, so 5 sd is 69; were CHIP
/// carried by every non-tumour-derived fragment at its VAF instead of by
/// the non-mutant ones at VAF / (1 − π), KRAS_G12D and TP53_R248Q (blocks
/// with π = 0.3) would sit at 0.035, 60 below, and the three pooled 120
/// below (5 sd pooled: 120) — the unit test of `block_chances` pins the
/// formula; this checks the draws follow it.
#[test]
fn sources_are_at_their_vafs_in_plasma_and_normal() {
    let dir = tempfile::tempdir().unwrap();
    let plasma = sample(dir.path(), "plasma", 21, 0.6);
    let normal = sample(dir.path(), "normal", 22, 0.0);
    for s in [&plasma, &normal] {
        let name = &s.truth_tsv;
        for id in CHIP {
            assert_at(s, &[id], |_| CHIP_VAF, &format!("{name:?} CHIP {id}"));
        }
        assert_at(s, &CHIP, |_| CHIP_VAF, &format!("{name:?} CHIP pooled"));
        for id in GERMLINE {
            assert_at(s, &[id], |_| 0.5, &format!("{name:?} germline {id}"));
        }
        let ids: Vec<&str> = ARTEFACTS.iter().map(|a| a.0).collect();
        let rate = |id: &str| ARTEFACTS.iter().find(|a| a.0 == id).unwrap().1;
        assert_at(s, &ids, rate, &format!("{name:?} artefacts"));
        assert_count_is_truth(s);
    }
    // Tumour sites at TF × 1/2; at the artefact site 1 − (1 − 0.3)(1 − 0.01).
    assert_at(&plasma, &TUMOUR, |_| 0.3, "tumour");
    let (id, r) = TUMOUR_AND_ARTEFACT;
    let both = 1.0 - 0.7 * (1.0 - r);
    assert_at(&plasma, &[id], |_| both, "tumour + artefact");
    assert_at(&normal, &[id], |_| r, "artefact in the normal");
    // The truth says which is which; `mutated` stays the tumour's.
    let source = |s: &SimSummary, id: &str| row(s, id).source.clone().unwrap();
    assert_eq!(source(&plasma, "KRAS_G12D"), "chip");
    assert_eq!(source(&plasma, "KRAS_G12C"), "tumour");
    assert_eq!(source(&plasma, "EGFR_L858R"), "germline");
    assert_eq!(source(&plasma, "HRAS_G12V"), "artefact");
    assert_eq!(source(&plasma, id), "tumour+artefact");
    assert_eq!(source(&normal, id), "artefact");
    assert_eq!(source(&plasma, "KRAS_G13D"), "none");
    assert!(!row(&plasma, "KRAS_G12D").mutated && row(&plasma, "KRAS_G12C").mutated);
    assert_eq!(
        row(&plasma, id).source_vaf.as_deref(),
        Some(format!("{both:.6}").as_str())
    );
    // The truth file holds the columns and reads back.
    let back = cfspot::sim::truth::read_tsv(&plasma.truth_tsv).unwrap();
    assert_eq!(back, plasma.truth);
}

/// Through the binary: the flags, the command line that reproduces the run,
/// the sources in params.json, and no `source` column without them.
#[test]
fn flags_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let common = ["simulate", "-o", d, "-d", "30"];
    cfspot_ok(&[&common[..], &["-n", "plain"]].concat());
    let header = |name: &str| {
        let text = std::fs::read_to_string(dir.path().join(format!("{name}.truth.tsv"))).unwrap();
        text.lines().next().unwrap().to_string()
    };
    assert!(!header("plain").contains("source"), "{}", header("plain"));
    cfspot_ok(
        &[
            &common[..],
            &[
                "-n",
                "flags",
                "--artefact",
                "KRAS_G12D:0.01,TP53_R175H:0.002",
                "--artefact",
                "EGFR_T790M:0.005",
                "--chip",
                "TP53_R248Q:0.02",
                "--germline",
                "EGFR_L858R",
            ],
        ]
        .concat(),
    );
    assert!(
        header("flags").ends_with("\tsource\tsource_vaf"),
        "{}",
        header("flags")
    );
    let j = common::json(dir.path().join("flags.params.json"));
    let command = j["command"].as_str().unwrap();
    assert!(
        command.ends_with(
            " --germline EGFR_L858R --chip TP53_R248Q:0.02 \
             --artefact KRAS_G12D:0.01,TP53_R175H:0.002,EGFR_T790M:0.005"
        ),
        "{command}"
    );
    let sources = j["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 5);
    // In panel order: EGFR_T790M, EGFR_L858R, KRAS_G12D, ...
    assert_eq!(
        (&sources[0]["id"], &sources[1]["source"]),
        (&"EGFR_T790M".into(), &"germline".into()),
        "{sources:?}"
    );
    cfspot_fails(
        &[&common[..], &["-n", "bad", "--chip", "KRAS_G12D:1.5"]].concat(),
        &["--chip", "'KRAS_G12D:1.5': VAF must be in (0, 1]"],
    );
    cfspot_fails(
        &[
            &common[..],
            &["-n", "bad", "-t", "0.99", "--chip", "KRAS_G12D:0.05"],
        ]
        .concat(),
        &["--chip", "non-tumour share"],
    );
    cfspot_fails(
        &[&common[..], &["-n", "bad", "--artefact", "NOPE:0.01"]].concat(),
        &["--artefact", "'NOPE' is not a panel ID"],
    );
}
