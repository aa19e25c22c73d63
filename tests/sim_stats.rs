//! Statistical tests of the simulator, with fixed seeds. Every tolerance is
//! derived from the sampling distribution (written beside it) and set at
//! 4.5 standard deviations (two-sided p ≈ 7e-6 per check), never tuned.

mod common;

use cfspot::count::bam::{count_bam, AlignmentInput};
use cfspot::count::{flag, CountOptions, CountPlan, SiteCounts};
use cfspot::panel::Panel;
use cfspot::sim::lengths::LengthModel;
use cfspot::sim::mutations::MutationRequest;
use cfspot::sim::sequencing::SequencingErrors;
use cfspot::sim::{simulate, SimParams, SimSummary};
use common::demo;
use rust_htslib::bam::{self, Read as _};

const Z: f64 = 4.5;

/// One SNV per block of the demo panel (12 blocks), so every fragment that
/// shows a site's alt is a tumour-length fragment and every other fragment
/// at that site is healthy-length, and sites in different blocks share no
/// fragments (their counts are independent).
const ONE_SNV_PER_BLOCK: &str =
    "NRAS_Q61R,NRAS_G12D,PIK3CA_E545K,PIK3CA_H1047R,EGFR_G719S,EGFR_T790M,\
EGFR_L858R,HRAS_G12V,KRAS_A146T,KRAS_Q61H,KRAS_G12D,TP53_R175H";

fn run(
    dir: &std::path::Path,
    f: impl FnOnce(&mut SimParams),
) -> (SimSummary, Vec<SiteCounts>, Panel) {
    let mut p = SimParams {
        out_dir: dir.to_owned(),
        ..SimParams::default()
    };
    f(&mut p);
    let (panel, r) = demo();
    let s = simulate(&p, &panel, r.as_ref()).unwrap();
    let input = AlignmentInput::open(&s.bam, Some(r.as_ref())).unwrap();
    let plan = CountPlan::new(&panel, Some(r.as_ref()), &CountOptions::default());
    let progress = cfspot::progress::Progress::new();
    let counts = count_bam(&input, &plan, &progress).unwrap().sites;
    (s, counts, panel)
}

/// VAF, depth and fragment lengths of mutant and wild-type fragments.
#[test]
fn vaf_depth_and_lengths_match_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let (tf, depth) = (0.5, 400.0);
    let (s, counts, panel) = run(dir.path(), |p| {
        p.seed = 2024;
        p.tumour_fraction = tf;
        p.depth = depth;
        p.error_rate = 0.0;
        p.mutations = MutationRequest::parse(ONE_SNV_PER_BLOCK).unwrap();
    });
    let v = tf / 2.0;
    let (mut alt_len, mut ref_len): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
    let mut total_depth = 0u64;
    let mut sites = 0;
    for (i, h) in panel.hotspots.iter().enumerate() {
        let t = &s.truth[i];
        if !t.mutated {
            continue;
        }
        sites += 1;
        let c = &counts[i];
        let d = c.depth() as f64;
        // Given the depth d, each covering fragment is mutant independently
        // with probability v (fragments are i.i.d. and the sampling weights
        // make P(mutant | covers the site) = v): alt ~ Binomial(d, v).
        let sd = (d * v * (1.0 - v)).sqrt();
        assert!(
            (c.alt_count() as f64 - d * v).abs() < Z * sd,
            "{}: {} alt of {d}, expected {}",
            h.id,
            c.alt_count(),
            d * v
        );
        assert_eq!(t.expected(), v);
        total_depth += c.depth();
        alt_len.extend(c.alt_lengths.lengths());
        ref_len.extend(c.ref_lengths.lengths());
    }
    assert_eq!(sites, 12);
    // Depth: the depth at a site is a sum of independent Bernoulli draws (one
    // per fragment of its block) with mean `depth`, so its variance is below
    // `depth`; over 12 independent blocks the total has sd < sqrt(12 × depth).
    let expect = 12.0 * depth;
    assert!(
        (total_depth as f64 - expect).abs() < Z * expect.sqrt(),
        "{total_depth} vs {expect}"
    );
    // Lengths: mutant fragments follow the tumour model, the others the
    // healthy model, exactly (sites lie ≥ the longest fragment inside their
    // block). The mean of n lengths has sd σ/√n; a share below 150 bp has
    // sd √(p(1−p)/n).
    let p = SimParams::default();
    let tumour = LengthModel::new(&p.tumour, p.min_fragment, p.max_fragment, "tumour").unwrap();
    let healthy = LengthModel::new(&p.healthy, p.min_fragment, p.max_fragment, "healthy").unwrap();
    for (name, lens, m) in [
        ("mutant", &alt_len, &tumour),
        ("wild-type", &ref_len, &healthy),
    ] {
        let n = lens.len() as f64;
        assert!(n > 500.0, "{name}: {n}");
        let mean = lens.iter().map(|&l| l as f64).sum::<f64>() / n;
        let sd = (m.variance() / n).sqrt();
        assert!(
            (mean - m.mean()).abs() < Z * sd,
            "{name} mean length {mean} vs model {} (sd {sd})",
            m.mean()
        );
        let short = lens.iter().filter(|&&l| l < 150).count() as f64 / n;
        let ps = m.share_below(150);
        let sd = (ps * (1.0 - ps) / n).sqrt();
        assert!(
            (short - ps).abs() < Z * sd,
            "{name} share < 150 bp {short} vs model {ps}"
        );
    }
    // And the point of it: mutant fragments are shorter.
    assert!(tumour.mean() < healthy.mean() - 20.0);
}

/// Realised errors match the requested rate, rise along the read, and every
/// quality value states its base's error probability.
#[test]
fn error_rate_and_qualities_match_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let (rate, rl) = (0.01, 150usize);
    let (s, _, _) = run(dir.path(), |p| {
        p.seed = 77;
        p.depth = 60.0;
        p.error_rate = rate;
        p.mutations = MutationRequest::None;
    });
    let model = SequencingErrors::new(rate, rl);
    let (_, reference) = demo();
    let mut reader = bam::Reader::from_path(&s.bam).unwrap();
    let header = reader.header().to_owned();
    let mut per_cycle_err = vec![0u64; rl];
    let mut per_cycle_bases = vec![0u64; rl];
    let mut by_q_err = [0u64; 64];
    let mut by_q_bases = [0u64; 64];
    let mut nm_total = 0u64;
    for rec in reader.records() {
        let rec = rec.unwrap();
        assert_eq!(rec.flags() & flag::DUPLICATE, 0);
        let contig = std::str::from_utf8(header.tid2name(rec.tid() as u32))
            .unwrap()
            .to_string();
        let seq = rec.seq().as_bytes();
        let qual = rec.qual();
        let n = seq.len();
        let refseq = reference
            .fetch(&contig, rec.pos() as u64, rec.pos() as u64 + n as u64)
            .unwrap();
        let reverse = rec.flags() & flag::REVERSE != 0;
        for i in 0..n {
            let cycle = if reverse { n - 1 - i } else { i };
            let err = (seq[i] != refseq[i]) as u64;
            per_cycle_err[cycle] += err;
            per_cycle_bases[cycle] += 1;
            by_q_err[qual[i] as usize] += err;
            by_q_bases[qual[i] as usize] += 1;
        }
        if let Ok(bam::record::Aux::U8(x)) = rec.aux(b"NM") {
            nm_total += x as u64;
        }
    }
    let observed: u64 = per_cycle_err.iter().sum();
    assert_eq!(observed, nm_total, "NM counts the errors");
    // Each base is miscalled independently with probability p(cycle), so
    // the error count over any set of bases has mean Σp and variance
    // Σp(1−p) < Σp.
    let expected = |range: std::ops::Range<usize>| -> f64 {
        range
            .map(|c| per_cycle_bases[c] as f64 * model.cycle_rate(c))
            .sum()
    };
    let check = |what: &str, obs: u64, exp: f64| {
        assert!(
            (obs as f64 - exp).abs() < Z * exp.sqrt(),
            "{what}: {obs} errors, expected {exp:.1}"
        );
    };
    check("all cycles", observed, expected(0..rl));
    let first: u64 = per_cycle_err[..50].iter().sum();
    let last: u64 = per_cycle_err[100..].iter().sum();
    check("cycles 1-50", first, expected(0..50));
    check("cycles 101-150", last, expected(100..rl));
    assert!(
        last > 2 * first,
        "errors rise along the read: {first} then {last}"
    );
    // Realised mean rate over full-length reads' bases vs the request:
    // errors over the first 150 cycles per base, when every read is full.
    let full_cycles_rate = observed as f64 / per_cycle_bases.iter().sum::<u64>() as f64;
    assert!(full_cycles_rate > 0.5 * rate && full_cycles_rate < 1.5 * rate);
    // Qualities: bases given quality Q are miscalled at 10^(-Q/10).
    let mut tested = 0;
    for q in 0..64 {
        let exp = by_q_bases[q] as f64 * 10f64.powf(-(q as f64) / 10.0);
        if exp >= 20.0 {
            check(&format!("Q{q}"), by_q_err[q], exp);
            tested += 1;
        }
    }
    assert!(tested >= 3, "{tested} quality values tested");
}
