//! Statistical checks of `cfspot call` on simulated samples: calibration
//! under the null, power at the predicted LoD95, and the tumour-fraction
//! estimate with its interval. Fixed seeds; every tolerance is a binomial
//! quantile derived in the comment next to it, never tuned to pass.

mod common;

use cfspot::stats::distributions::beta_binomial_sf;
use common::{cfspot_ok, have_tool, json, tsv_rows};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Simulate and call one sample; returns the prefix of the call outputs.
fn simulate_and_call(dir: &Path, name: &str, sim: &[&str], call: &[&str]) -> PathBuf {
    let d = dir.to_str().unwrap();
    let mut args = vec!["simulate", "-o", d, "-n", name];
    args.extend_from_slice(sim);
    cfspot_ok(&args);
    let prefix = dir.join(name);
    let bam = format!("{}.bam", prefix.display());
    let p = prefix.to_str().unwrap();
    let mut args = vec!["call", "-o", p, &bam];
    args.extend_from_slice(call);
    cfspot_ok(&args);
    prefix
}

/// calls.tsv as rows of column → value.
fn calls(prefix: &Path) -> Vec<std::collections::HashMap<String, String>> {
    tsv_rows(&std::fs::read_to_string(format!("{}.calls.tsv", prefix.display())).unwrap())
}

fn summary(prefix: &Path) -> serde_json::Value {
    json(format!("{}.summary.json", prefix.display()))
}

/// A one- or few-hotspot panel (TSV) on the demo reference, so that many
/// replicates stay cheap.
fn small_panel(dir: &Path, ids: &[&str]) -> String {
    let vcf = include_str!("../assets/demo/hotspots.vcf");
    let mut tsv = String::from("contig\tpos\tref\talt\tid\n");
    for l in vcf.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = l.split('\t').collect();
        if ids.contains(&f[2]) {
            tsv.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                f[0], f[1], f[3], f[4], f[2]
            ));
        }
    }
    let path = dir.join(format!("panel_{}.tsv", ids.len()));
    std::fs::write(&path, tsv).unwrap();
    path.display().to_string()
}

/// xorshift64 in [0, 1).
struct Uniform(u64);
impl Uniform {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn null_samples_are_calibrated() {
    null_calibration(&[]);
}

/// The same null samples called with fragment lengths as evidence: the
/// calls, the sample test and the reported p-values stay valid (the PIT
/// checks the background model, which lengths do not change).
#[test]
fn null_samples_are_calibrated_with_length_evidence() {
    null_calibration(&["--length-evidence"]);
}

fn null_calibration(call: &[&str]) {
    // 16 tumour-free samples (TF = 0), 31 hotspots each, default error rate.
    let dir = tempfile::tempdir().unwrap();
    let mut any_called = 0;
    let mut sample_detected = 0;
    let mut pit = Vec::new();
    let mut u = Uniform(0x00c0_ffee);
    let mut smallest = Vec::new();
    for seed in 0..16 {
        let s = seed.to_string();
        let prefix = simulate_and_call(
            dir.path(),
            &format!("null{seed}"),
            &["-t", "0", "-m", "none", "-d", "1000", "-s", &s],
            call,
        );
        let rows = calls(&prefix);
        assert_eq!(rows.len(), 31);
        if rows.iter().any(|r| r["status"] == "DETECTED") {
            any_called += 1;
        }
        if summary(&prefix)["status"] != "NOT_DETECTED" {
            sample_detected += 1;
        }
        for r in &rows {
            let (k, n): (u64, u64) = (r["alt_count"].parse().unwrap(), r["depth"].parse().unwrap());
            let (e, rho): (f64, f64) = (
                r["background"].parse().unwrap(),
                r["background_rho"].parse().unwrap(),
            );
            // Randomised probability integral transform of a discrete test:
            // U = P(X > k) + V·P(X = k), V ~ U(0, 1), is exactly uniform
            // when X follows the model the p-value assumes.
            let gt = beta_binomial_sf(k + 1, n, e, rho);
            let ge = beta_binomial_sf(k, n, e, rho);
            pit.push(gt + u.next() * (ge - gt));
            smallest.push(r["p_value"].parse::<f64>().unwrap());
        }
    }
    // Under the global null, Benjamini–Hochberg at α = 0.05 calls anything
    // in a sample with probability ≤ 0.05. Over 16 samples the count is then
    // stochastically ≤ Binomial(16, 0.05), and P(≥ 4) = 0.0070.
    assert!(
        any_called <= 3,
        "{any_called} of 16 null samples had a call"
    );
    // The sample-level test (de novo: the mixture's likelihood-ratio test
    // of TF = 0, Davies' p-value) at α = 0.05: the same binomial bound.
    assert!(
        sample_detected <= 3,
        "{sample_detected} of 16 null samples were detected"
    );
    // Kolmogorov–Smirnov distance of the randomised PIT from U(0, 1). The
    // 0.001 critical value is 1.95/√n for independent values; sites at one
    // position (multi-ALT) share their reads, so count positions, not
    // sites: 26 distinct positions per sample, n = 416.
    pit.sort_by(f64::total_cmp);
    let m = pit.len() as f64;
    let d = pit
        .iter()
        .enumerate()
        .map(|(i, &x)| ((i + 1) as f64 / m - x).max(x - i as f64 / m))
        .fold(0.0, f64::max);
    let critical = 1.95 / (416f64).sqrt();
    eprintln!(
        "null {call:?}: {any_called}/16 samples with a call, {sample_detected}/16 detected; KS distance {d:.4} (critical {critical:.4})"
    );
    assert!(
        d < critical,
        "KS distance {d:.4} ≥ {critical:.4}: p-values are not calibrated"
    );
    // And the reported p-values are valid (super-uniform): P(p ≤ t) ≤ t,
    // with the binomial 0.001 tolerance on 496 values at t = 0.05
    // (mean 24.8, sd 4.85: ≤ 40).
    let below = smallest.iter().filter(|&&p| p <= 0.05).count();
    assert!(below <= 40, "{below} of 496 null p-values ≤ 0.05");
}

/// The demo panel's sites at a CpG: C>T at its C or G>A at its G.
const CPG_SITES: [&str; 7] = [
    "EGFR_T790M",
    "TP53_R175H",
    "TP53_R248Q",
    "TP53_R248W",
    "TP53_G245S",
    "TP53_R273H",
    "TP53_R273C",
];

/// `--cpg-factor 10` (deamination at a CpG's C, 3e-3 per strand at the
/// default error rate) in a tumour-free sample: the context model finds
/// that C>T on the deaminated strand differs by context (and nothing
/// else), judges each CpG site against CpG errors (several times its
/// class rate) and each other C>T site below its class rate (which CpG
/// inflates). Its CpG contexts' pooled rate is the deamination rate plus
/// the sequencer's share of the other contexts' (merged mates keep a
/// deaminated base, both carry it): within 5 binomial sd. Without the
/// factor, the context model's calls are the class model's, byte for byte.
#[test]
fn cpg_sites_are_judged_against_cpg_errors() {
    let dir = tempfile::tempdir().unwrap();
    let sim = ["-t", "0", "-m", "none", "-d", "1000", "-s", "31"];
    let mut with_factor = sim.to_vec();
    with_factor.extend(["--cpg-factor", "10"]);
    let context = simulate_and_call(dir.path(), "cpg", &with_factor, &[]);
    // The same BAM called with the 12 classes alone.
    let call_class = |prefix: &Path| {
        let class = PathBuf::from(format!("{}_class", prefix.display()));
        let bam = format!("{}.bam", prefix.display());
        cfspot_ok(&[
            "call",
            "--background",
            "class",
            "-o",
            class.to_str().unwrap(),
            &bam,
        ]);
        class
    };
    let class = call_class(&context);
    let groups = summary(&context)["background"]["contexts"].clone();
    let groups = groups.as_array().expect("context groups");
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(
        (
            groups[0]["substitution"].as_str(),
            groups[0]["strand"].as_str()
        ),
        (Some("C>T"), Some("fwd"))
    );
    let (mut cpg, mut other) = ((0.0, 0.0), (0.0, 0.0));
    for (name, v) in groups[0]["contexts"].as_object().unwrap() {
        let (m, n) = (v[0].as_f64().unwrap(), v[1].as_f64().unwrap());
        let t = if name.ends_with("]G") {
            &mut cpg
        } else {
            &mut other
        };
        t.0 += m;
        t.1 += n;
    }
    let expected = 3e-3 + other.0 / other.1;
    let sd = (expected * (1.0 - expected) / cpg.1).sqrt();
    assert!(
        (cpg.0 / cpg.1 - expected).abs() < 5.0 * sd,
        "CpG {} vs {expected} ± {sd}",
        cpg.0 / cpg.1
    );
    let (ctx_rows, class_rows) = (calls(&context), calls(&class));
    for (c, k) in ctx_rows.iter().zip(&class_rows) {
        let (e, e_class): (f64, f64) = (
            c["background"].parse().unwrap(),
            k["background"].parse().unwrap(),
        );
        let id = c["id"].as_str();
        let source = c["background_source"].as_str();
        if CPG_SITES.contains(&id) {
            assert!(
                source.ends_with("]G") || source.starts_with("C["),
                "{id}: {source}"
            );
            assert!(e > 3.0 * e_class, "{id}: {e} vs class {e_class}");
        } else if matches!(k["background_source"].as_str(), "C>T" | "G>A") {
            assert!(source.contains('['), "{id}: {source}");
            assert!(e < e_class, "{id}: {e} vs class {e_class}");
        } else {
            assert_eq!(c, k, "{id}: not C>T, the class model's row");
        }
    }
    // No factor: the same calls either way.
    let plain = simulate_and_call(dir.path(), "plain", &sim, &[]);
    let class = call_class(&plain);
    let read = |p: &Path| std::fs::read(format!("{}.calls.tsv", p.display())).unwrap();
    assert!(
        read(&plain) == read(&class),
        "calls differ without a context effect"
    );
}

#[test]
fn power_at_lod95_is_95_percent() {
    // One hotspot, so that the Benjamini–Hochberg cut is the per-site α
    // that LoD95 assumes. First learn the LoD95 at this depth from a
    // tumour-free sample, then simulate 40 samples whose expected VAF is
    // that LoD95 (TF = 2 × LoD95) and count how often the site is called.
    let dir = tempfile::tempdir().unwrap();
    let panel = small_panel(dir.path(), &["KRAS_G12D"]);
    let sim = |tf: &str, seed: &str| {
        vec![
            "-p".to_string(),
            panel.clone(),
            "-r".into(),
            "demo".into(),
            "-t".into(),
            tf.into(),
            "-d".into(),
            "3000".into(),
            "-s".into(),
            seed.into(),
        ]
    };
    let call = ["-p", panel.as_str(), "-r", "demo"];
    let args = sim("0", "1000");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let prefix = simulate_and_call(dir.path(), "base", &args, &call);
    let lod: f64 = calls(&prefix)[0]["lod95"].parse().unwrap();
    assert!(lod > 0.0 && lod < 0.01, "LoD95 {lod}");
    let tf = format!("{}", 2.0 * lod);
    let mut detected = 0;
    for seed in 0..40 {
        let args = sim(&tf, &seed.to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let prefix = simulate_and_call(dir.path(), &format!("p{seed}"), &args, &call);
        detected += usize::from(calls(&prefix)[0]["status"] == "DETECTED");
    }
    eprintln!("power: called {detected}/40 at VAF = LoD95 = {lod:.5}");
    // X ~ Binomial(40, 0.95) if LoD95 is right: P(X ≤ 33) = 0.0034, and
    // P(X = 40) = 0.13, so accept 34..=40.
    assert!(
        detected >= 34,
        "called {detected} of 40 at VAF = LoD95 {lod}"
    );
}

#[test]
fn tumour_fraction_is_unbiased_and_its_interval_covers() {
    // Four clonal heterozygous mutations at 3,000 fragments per site,
    // tumour-informed (the estimate uses the four sites, detected or not).
    let dir = tempfile::tempdir().unwrap();
    let ids = ["KRAS_G12D", "EGFR_L858R", "TP53_R175H", "PIK3CA_H1047R"];
    let panel = small_panel(dir.path(), &ids);
    let informed = ids.join(",");
    let call = [
        "-p",
        panel.as_str(),
        "-r",
        "demo",
        "--tumour-informed",
        informed.as_str(),
    ];
    let mut covered = 0;
    let mut total = 0;
    for (level, tf) in [0.01f64, 0.03, 0.1].iter().enumerate() {
        let mut estimates = Vec::new();
        for rep in 0..16 {
            let seed = (100 * level + rep).to_string();
            let t = tf.to_string();
            let sim = [
                "-p",
                panel.as_str(),
                "-r",
                "demo",
                "-t",
                t.as_str(),
                "-d",
                "3000",
                "-s",
                seed.as_str(),
            ];
            let prefix = simulate_and_call(dir.path(), &format!("tf{level}_{rep}"), &sim, &call);
            let s = summary(&prefix);
            let est = &s["tumour_fraction"];
            let (e, lo, hi) = (
                est["estimate"].as_f64().unwrap(),
                est["lo"].as_f64().unwrap(),
                est["hi"].as_f64().unwrap(),
            );
            assert!(lo <= e && e <= hi);
            estimates.push(e);
            covered += usize::from(lo <= *tf && *tf <= hi);
            total += 1;
        }
        // The mean of 16 estimates is within ±15 % of the truth. Its
        // standard error at TF 1 % (4 × 3,000 fragments, VAF 0.5 %, ~60 alt
        // fragments per sample) is about 13 %/√16 ≈ 3 % of TF, so ±15 % is
        // about five standard errors: a real bias, not noise, fails it.
        let mean = estimates.iter().sum::<f64>() / estimates.len() as f64;
        eprintln!("tf: truth {tf}, mean estimate {mean:.5}");
        assert!(
            (mean - tf).abs() <= 0.15 * tf,
            "TF {tf}: mean estimate {mean}"
        );
    }
    // Coverage of the 95 % interval: with 48 intervals, a true coverage of
    // 90 % or more gives ≥ 36 covering with probability ≥ 0.999 (binomial
    // quantile); the upper end (98 %) cannot be rejected at this size.
    eprintln!("tf: {covered}/{total} intervals cover the truth");
    assert!(
        covered >= 36,
        "{covered} of {total} intervals cover the truth"
    );
}

#[test]
fn vcf_is_read_by_bcftools() {
    if !have_tool("bcftools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prefix = simulate_and_call(
        dir.path(),
        "v",
        &[
            "-t",
            "0.05",
            "-m",
            "KRAS_G12D,EGFR_E746_A750del",
            "-d",
            "500",
            "-s",
            "3",
        ],
        &[],
    );
    let vcf = format!("{}.vcf", prefix.display());
    let out = Command::new("bcftools")
        .args(["view", "-H", &vcf])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "bcftools: {stderr}"
    );
    let records = String::from_utf8(out.stdout).unwrap();
    assert_eq!(records.lines().count(), 31);
    // Query what a user would: the PASS records and their AD.
    let out = Command::new("bcftools")
        .args([
            "query",
            "-i",
            "FILTER=\"PASS\"",
            "-f",
            "%ID\\t[%AD]\\n",
            &vcf,
        ])
        .output()
        .unwrap();
    let pass = String::from_utf8(out.stdout).unwrap();
    assert!(pass.contains("KRAS_G12D\t"), "{pass}");
}
