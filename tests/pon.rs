//! `cfspot pon` and `cfspot call --pon` end to end: a recurrent artefact
//! the sample's own background cannot see, the refusal of a PoN built for
//! another panel or unit, calibration of held-out normals against the PoN,
//! and normals from BAMs and from their count TSVs giving the same PoN.
//!
//! Normals here are count TSVs written through the library's own count-TSV
//! writer from counts drawn with a fixed seed (common::Rng), so each rate
//! is exactly what the test says it is.

mod common;

use cfspot::count::SiteCounts;
use cfspot::panel::{Hotspot, RawPanel};
use cfspot::stats::distributions::beta_binomial_sf;
use common::{cfspot_fails, cfspot_ok, json, tsv_rows, Rng};
use std::collections::HashMap;
use std::path::Path;

/// A panel TSV of `n` C>T sites on chr1 (`S00` …), with `ART` first, and
/// an MNV and a deletion last; returns its path and its hotspots.
fn panel(dir: &Path, name: &str, n: usize) -> (String, Vec<Hotspot>) {
    let mut tsv = String::from("contig\tpos\tref\talt\tid\n");
    tsv.push_str("chr1\t500\tC\tT\tART\n");
    for i in 0..n {
        tsv.push_str(&format!("chr1\t{}\tC\tT\tS{i:02}\n", 1000 + 100 * i));
    }
    tsv.push_str("chr1\t9000\tCA\tTG\tMNV\nchr1\t9500\tCAG\tC\tDEL\n");
    let path = dir.join(name);
    std::fs::write(&path, tsv).unwrap();
    let hotspots = RawPanel::load(path.to_str().unwrap())
        .unwrap()
        .resolve(None)
        .unwrap()
        .hotspots;
    (path.display().to_string(), hotspots)
}

/// One site read `depth` times, each fragment showing the alt with
/// probability `rate`, strands at random.
fn draw(rng: &mut Rng, depth: u64, rate: f64) -> SiteCounts {
    let mut c = SiteCounts::default();
    for _ in 0..depth {
        let fwd = rng.chance(0.5);
        match (rng.chance(rate), fwd) {
            (true, true) => c.alt_fwd += 1,
            (true, false) => c.alt_rev += 1,
            (false, true) => c.ref_fwd += 1,
            (false, false) => c.ref_rev += 1,
        }
    }
    c
}

/// Exactly `alt` of `depth`, half on each strand.
fn fixed(alt: u64, depth: u64) -> SiteCounts {
    SiteCounts {
        alt_fwd: alt / 2,
        alt_rev: alt - alt / 2,
        ref_fwd: (depth - alt) / 2,
        ref_rev: depth - alt - (depth - alt) / 2,
        ..SiteCounts::default()
    }
}

fn write_counts(path: &Path, hotspots: &[Hotspot], counts: &[SiteCounts]) {
    let f = std::fs::File::create(path).unwrap();
    // Counted as `cfspot count` counts by default.
    let settings = cfspot::count::CountSettings::aligned(&Default::default());
    cfspot::report::count_tsv::write(f, hotspots, counts, &settings).unwrap();
}

/// calls.tsv of `prefix`, by id.
fn calls(prefix: &str) -> HashMap<String, HashMap<String, String>> {
    tsv_rows(&std::fs::read_to_string(format!("{prefix}.calls.tsv")).unwrap())
        .into_iter()
        .map(|r| (r["id"].clone(), r))
        .collect()
}

/// `cfspot pon` of count-TSV `normals` (their background 1e-4) into `pon`.
fn build_pon(panel: &str, pon: &str, normals: &[String]) {
    let mut args = vec!["pon", "-p", panel, "--background-rate", "1e-4", "-o", pon];
    args.extend(normals.iter().map(String::as_str));
    cfspot_ok(&args);
}

/// `cfspot call` of a count TSV (background 1e-4), with `pon` if given;
/// its calls by id.
fn call_tsv(
    panel: &str,
    pon: Option<&str>,
    prefix: &str,
    input: &str,
) -> HashMap<String, HashMap<String, String>> {
    let mut args = vec![
        "call",
        "-p",
        panel,
        "--background-rate",
        "1e-4",
        "-o",
        prefix,
    ];
    if let Some(pon) = pon {
        args.extend(["--pon", pon]);
    }
    args.push(input);
    cfspot_ok(&args);
    calls(prefix)
}

/// `normals(dir, "n", k, seed, …)` built into `dir/pon.tsv` over `panel`:
/// the normals' count TSVs and the PoN's path.
fn pon_of_normals(
    dir: &Path,
    panel: &str,
    k: usize,
    seed: u64,
    hotspots: &[Hotspot],
    rate: impl Fn(usize) -> f64,
) -> (Vec<String>, String) {
    let ns = normals(dir, "n", k, seed, hotspots, rate);
    let pon = dir.join("pon.tsv").display().to_string();
    build_pon(panel, &pon, &ns);
    (ns, pon)
}

/// The recurrent artefact of two tests: site 0 (ART) errs at 0.5 % in
/// every sample, the rest at 1e-4.
fn artefact_at_site_0(i: usize) -> f64 {
    if i == 0 {
        0.005
    } else {
        1e-4
    }
}

/// `k` normals at depth 2000: every site errs at `rate(i)` (site index).
fn normals(
    dir: &Path,
    tag: &str,
    k: usize,
    seed: u64,
    hotspots: &[Hotspot],
    rate: impl Fn(usize) -> f64,
) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..k)
        .map(|j| {
            let counts: Vec<SiteCounts> = (0..hotspots.len())
                .map(|i| draw(&mut rng, 2000, rate(i)))
                .collect();
            let path = dir.join(format!("{tag}{j:02}.tsv"));
            write_counts(&path, hotspots, &counts);
            path.display().to_string()
        })
        .collect()
}

#[test]
fn a_recurrent_artefact_is_called_without_the_pon_and_not_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (panel, hotspots) = panel(d, "panel.tsv", 30);
    // 20 normals: ART errs at 0.5 % in every one, the rest at 1e-4.
    let (_, pon) = pon_of_normals(d, &panel, 20, 7, &hotspots, artefact_at_site_0);
    let text = std::fs::read_to_string(&pon).unwrap();
    let rows = tsv_rows(
        &text
            .lines()
            .filter(|l| !l.starts_with("##"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    assert_eq!(rows[0]["id"], "ART");
    assert_eq!(rows[0]["flags"], "recurrent", "{:?}", rows[0]);
    assert!(rows[1..].iter().all(|r| r["flags"] == "."));

    // A tumour-free plasma showing the artefact at its rate (12 of 2000,
    // expected 10), and one carrying a real mutation there at 5 × that
    // rate (2.5 %: 50 of 2000). Every other site clean.
    let plasma = |name: &str, art_alt: u64| {
        let mut counts = vec![fixed(0, 2000); hotspots.len()];
        counts[0] = fixed(art_alt, 2000);
        let path = d.join(name);
        write_counts(&path, &hotspots, &counts);
        path.display().to_string()
    };
    let (artefact, real) = (plasma("artefact.tsv", 12), plasma("real.tsv", 50));
    let call = |input: &str, out: &str, with_pon: bool| {
        let prefix = d.join(out).display().to_string();
        call_tsv(&panel, with_pon.then_some(pon.as_str()), &prefix, input)
    };
    // Without the PoN, 12 of 2000 against 1e-4 (expected 0.2) is a call.
    let without = call(&artefact, "without", false);
    assert_eq!(without["ART"]["status"], "DETECTED");
    // With it, the site's null is ~0.5 %: P(X ≥ 12) ≈ 0.27, not a call;
    // the site is reported with its flag.
    let with = call(&artefact, "with", true);
    let art_row = &with["ART"];
    assert_eq!(art_row["status"], "NOT_DETECTED", "{art_row:?}");
    assert_eq!(art_row["background_source"], "pon:recurrent");
    assert!(art_row["note"].ends_with("flagged in the panel of normals: recurrent"));
    let bg: f64 = art_row["background"].parse().unwrap();
    assert!((0.004..0.006).contains(&bg), "{bg}");
    // Its LoD95 is judged against the same null: above the artefact rate.
    let lod: f64 = art_row["lod95"].parse().unwrap();
    assert!(lod > 0.005, "{lod}");
    // Every site is judged by the PoN, the MNV and deletion with rates of
    // their own (the normals' 1e-4), not a class stand-in.
    assert!(with
        .values()
        .all(|r| r["background_source"].starts_with("pon")));
    for id in ["MNV", "DEL"] {
        let e: f64 = with[id]["background"].parse().unwrap();
        assert!(e < 5e-4, "{id}: {e}");
    }
    // A real mutation at 5 × the artefact rate is still called.
    let real = call(&real, "real", true);
    assert_eq!(real["ART"]["status"], "DETECTED", "{:?}", real["ART"]);
    let summary = json(d.join("real.summary.json"));
    let source = summary["background"]["source"].as_str().unwrap();
    assert!(source.starts_with("panel of normals "), "{source}");
}

#[test]
fn a_pon_of_another_panel_or_unit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (panel, hotspots) = panel(d, "panel.tsv", 4);
    let (ns, pon) = pon_of_normals(d, &panel, 3, 1, &hotspots, |_| 1e-3);
    // A count TSV of the other panel (one site fewer), called with the PoN.
    let (other, other_sites) = panel_of(d, 3);
    let sample = d.join("s.tsv");
    write_counts(
        &sample,
        &other_sites,
        &vec![fixed(0, 500); other_sites.len()],
    );
    let s = sample.to_str().unwrap();
    let out = d.join("x").display().to_string();
    let msg = cfspot_fails(
        &[
            "call",
            "-p",
            &other,
            "--background-rate",
            "1e-4",
            "--pon",
            &pon,
            "-o",
            &out,
            s,
        ],
        &["was built with panel", "but this run uses", "pon.tsv"],
    );
    assert!(msg.contains(&panel) && msg.contains(&other), "{msg}");
    // The right panel, counted by read instead of by fragment, or with
    // another mapping-quality threshold.
    for (flags, needles) in [
        (
            &["--count-reads"][..],
            &["unit fragment, but this run uses read"][..],
        ),
        (
            &["-q", "30"][..],
            &["settings min_mapq=20", "min_mapq=30"][..],
        ),
    ] {
        let mut args = vec![
            "call",
            "-p",
            &panel,
            "--background-rate",
            "1e-4",
            "--pon",
            &pon,
        ];
        args.extend_from_slice(flags);
        args.extend(["-o", out.as_str(), ns[0].as_str()]);
        cfspot_fails(&args, needles);
    }
    // Nothing was written by the refused calls.
    assert!(!d.join("x.calls.tsv").exists());
}

fn panel_of(d: &Path, n: usize) -> (String, Vec<Hotspot>) {
    panel(d, "other.tsv", n)
}

#[test]
fn held_out_normals_are_calibrated_against_the_pon() {
    // 40 C>T sites whose error rates spread 100-fold, 1e-4 to 1e-2
    // (log-even): no one rate fits them, a per-site PoN does. 20 normals
    // build the PoN; 10 more, held out, are called against it.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (panel, hotspots) = panel(d, "panel.tsv", 37);
    let m = hotspots.len();
    assert_eq!(m, 40);
    let rate = |i: usize| 1e-4 * 100f64.powf(i as f64 / (m - 1) as f64);
    let (_, pon) = pon_of_normals(d, &panel, 20, 11, &hotspots, rate);
    let held = normals(d, "h", 10, 12, &hotspots, rate);
    let mut u = Rng(99);
    let pit = |with_pon: bool, u: &mut Rng| {
        let mut pit = Vec::new();
        for (j, h) in held.iter().enumerate() {
            let prefix = d.join(format!("h{j}_{with_pon}")).display().to_string();
            let rows = call_tsv(&panel, with_pon.then_some(pon.as_str()), &prefix, h);
            for r in rows.values() {
                let k: u64 = r["alt_count"].parse().unwrap();
                let n: u64 = r["depth"].parse().unwrap();
                let e: f64 = r["background"].parse().unwrap();
                let rho: f64 = r["background_rho"].parse().unwrap();
                // Randomised PIT of a discrete test (tests/call_stats.rs):
                // U = P(X > k) + V·P(X = k) is uniform under the model.
                let gt = beta_binomial_sf(k + 1, n, e, rho);
                let ge = beta_binomial_sf(k, n, e, rho);
                let v = (u.next() >> 11) as f64 / (1u64 << 53) as f64;
                pit.push(gt + v * (ge - gt));
            }
        }
        ks(pit)
    };
    // 400 independent values (distinct positions, fresh draws): the KS
    // critical distance at 0.001 is 1.95/√400 = 0.0975. The PoN's rates
    // are estimated from 20× the held-out depth, so their error adds ~5 %
    // to each site's variance: well inside that.
    let critical = 1.95 / 400f64.sqrt();
    let with = pit(true, &mut u);
    let without = pit(false, &mut u);
    eprintln!("held-out KS distance: {with:.4} with the PoN, {without:.4} with one rate (critical {critical:.4})");
    assert!(with < critical, "KS {with:.4} ≥ {critical:.4}");
    // And the test can tell: one rate for all is far off.
    assert!(without > critical, "KS {without:.4}");
}

/// Kolmogorov–Smirnov distance of `x` from U(0, 1).
fn ks(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    let m = x.len() as f64;
    x.iter()
        .enumerate()
        .map(|(i, &v)| ((i + 1) as f64 / m - v).max(v - i as f64 / m))
        .fold(0.0, f64::max)
}

#[test]
fn normals_from_bams_and_from_their_count_tsvs_give_one_pon() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ds = d.to_str().unwrap();
    let ids = "KRAS_G12D,EGFR_E746_A750del,EGFR_L747P";
    for (name, seed) in [("a", "1"), ("b", "2"), ("c", "3")] {
        cfspot_ok(&[
            "simulate", "-o", ds, "-n", name, "-t", "0", "-d", "400", "-s", seed,
        ]);
        let bam = format!("{ds}/{name}.bam");
        cfspot_ok(&["count", "-o", &format!("{ds}/{name}.tsv"), &bam]);
    }
    let bams: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| format!("{ds}/{n}.bam"))
        .collect();
    let tsvs: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| format!("{ds}/{n}.tsv"))
        .collect();
    let build = |out: &str, inputs: &[String], extra: &[&str]| {
        let mut args = vec!["pon", "-@", "2", "-o", out];
        args.extend_from_slice(extra);
        args.extend(inputs.iter().map(String::as_str));
        cfspot_ok(&args);
        std::fs::read(out).unwrap()
    };
    let fixed = ["--background-rate", "1e-3"];
    let from_bams = build(&format!("{ds}/pb.tsv"), &bams, &fixed);
    let from_tsvs = build(&format!("{ds}/pt.tsv"), &tsvs, &fixed);
    assert_eq!(from_bams, from_tsvs, "the same counts, whatever the input");
    // Each normal's own class rates, and a plasma called against it.
    let pon = format!("{ds}/own.tsv");
    build(&pon, &bams, &[]);
    cfspot_ok(&[
        "simulate", "-o", ds, "-n", "p", "-t", "0.1", "-d", "400", "-s", "4", "-m", ids,
    ]);
    let prefix = format!("{ds}/p");
    cfspot_ok(&["call", "--pon", &pon, "-o", &prefix, &format!("{ds}/p.bam")]);
    let rows = calls(&prefix);
    assert_eq!(rows.len(), 31);
    assert!(rows
        .values()
        .all(|r| r["background_source"].starts_with("pon")));
    assert_eq!(rows["KRAS_G12D"]["status"], "DETECTED");
}

/// `call --pon --normal`: the white-cell normal is judged against the PoN
/// too. ART errs at 0.5 % in every sample of the assay, the WBC normal
/// included (12 of 2,000), and the plasma carries a real mutation there at
/// 5 × that rate (50 of 2,000). Against its own background (1e-4: expected
/// 0.2 alt) the normal's 12 would be a CHIP and take the tumour call away;
/// against the PoN (≈ 0.5 %, expected 10: P(X ≥ 12) ≈ 0.3) it is the
/// artefact, and the call stands. A real CHIP at S01 (1 % in both; the PoN
/// rate there 1e-4) is still CHIP_OR_GERMLINE.
#[test]
fn the_matched_normal_is_judged_against_the_pon_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (panel, hotspots) = panel(d, "panel.tsv", 10);
    let (_, pon) = pon_of_normals(d, &panel, 20, 21, &hotspots, artefact_at_site_0);
    let sample = |name: &str, art_alt: u64, chip_alt: u64| {
        let mut counts = vec![fixed(0, 2000); hotspots.len()];
        counts[0] = fixed(art_alt, 2000);
        counts[2] = fixed(chip_alt, 2000);
        let path = d.join(name);
        write_counts(&path, &hotspots, &counts);
        path.display().to_string()
    };
    let plasma = sample("plasma.tsv", 50, 20);
    let wbc = sample("wbc.tsv", 12, 20);
    let prefix = d.join("p").display().to_string();
    let args = [
        "call",
        "-p",
        &panel,
        "--background-rate",
        "1e-4",
        "--pon",
        &pon,
        "--normal",
        &wbc,
        "-o",
        &prefix,
        &plasma,
    ];
    cfspot_ok(&args);
    let rows = calls(&prefix);
    let art_row = &rows["ART"];
    assert_eq!(art_row["status"], "DETECTED", "{art_row:?}");
    assert_eq!(art_row["normal_label"], "absent", "{art_row:?}");
    let np: f64 = art_row["normal_p_value"].parse().unwrap();
    assert!(np > 0.05, "{np}");
    assert_eq!(
        rows["S01"]["status"], "CHIP_OR_GERMLINE",
        "{:?}",
        rows["S01"]
    );
    assert_eq!(rows["S01"]["normal_label"], "chip");
    // The summary says what judged the normal.
    let summary = json(d.join("p.summary.json"));
    let source = summary["normal"]["background"]["source"].as_str().unwrap();
    assert!(source.starts_with("panel of normals "), "{source}");
}
