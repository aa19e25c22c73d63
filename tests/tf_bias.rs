//! The de novo tumour fraction is not the winner's curse: on the demo
//! panel with a subclonal site, over fixed seeds, the mean estimate is near
//! the truth and the 95 % interval covers it as often as a 95 % interval
//! should. The full run (16 seeds × 3 TFs, tumour-free samples and the
//! 7,190-site random genome) is `scripts/tf_bias.sh`; its numbers are in
//! the README. Before the mixture (a fit over the detected sites only) the
//! demo's TF 4 % came out near 3 % with intervals that missed it.

mod common;

use common::{cfspot_ok, json};

#[test]
fn de_novo_tf_on_the_demo_panel_with_a_subclonal_site() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let tf = 0.04;
    let seeds = 8;
    let (mut sum, mut covered, mut subclonal) = (0.0, 0, 0);
    for s in 0..seeds {
        let name = format!("s{s}");
        let seed = (2000 + s).to_string();
        cfspot_ok(&[
            "simulate",
            "-o",
            d,
            "-n",
            &name,
            "-t",
            "0.04",
            "-d",
            "2000",
            "-m",
            "KRAS_G12D,EGFR_E746_A750del,PIK3CA_H1047R,TP53_R175H:0.5",
            "-s",
            &seed,
        ]);
        let prefix = dir.path().join(&name);
        let p = prefix.to_str().unwrap();
        cfspot_ok(&["call", "-o", p, &format!("{p}.bam")]);
        let summary = json(format!("{p}.summary.json"));
        let t = &summary["tumour_fraction"];
        let (e, lo, hi) = (
            t["estimate"].as_f64().unwrap(),
            t["lo"].as_f64().unwrap(),
            t["hi"].as_f64().unwrap(),
        );
        eprintln!("seed {seed}: TF {e:.4} ({lo:.4}–{hi:.4})");
        sum += e;
        covered += usize::from(lo <= tf && tf <= hi);
        subclonal += usize::from(summary["sites_subclonal"] == serde_json::json!(["TP53_R175H"]));
        assert_eq!(summary["status"], "CTDNA_DETECTED", "seed {seed}");
    }
    let mean = sum / seeds as f64;
    eprintln!("mean {mean:.4}, {covered}/{seeds} cover, TP53 subclonal in {subclonal}");
    // Three clonal sites at 2,000× and VAF 2 %: ~120 alt fragments, so one
    // estimate's SE is about TF/√120 ≈ 9 % of TF and the mean of 8 about
    // 3 %: ±15 % is five of those. (Keeping the CCF-0.5 TP53 in the fit
    // would pull the mean down by ~12 %; fitting on the detected sites
    // gave ~25 % low.)
    assert!((mean - tf).abs() <= 0.15 * tf, "mean estimate {mean}");
    // Coverage X ~ Binomial(8, 0.95) for a right interval: P(X ≤ 5) =
    // 0.0058, so ≥ 6 of 8.
    assert!(covered >= 6, "{covered} of {seeds} intervals cover {tf}");
    // TP53 (expected 20 alt against the clonal 40: 3 sd below) is set
    // aside in most samples: P(Poisson(20 + 2) ≤ ~26) ≈ 0.8 each, so ≥ 4
    // of 8 has probability > 0.99.
    assert!(subclonal >= 4, "TP53 subclonal in {subclonal} of {seeds}");
}
