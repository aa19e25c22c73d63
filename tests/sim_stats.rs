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

/// One BAM record as the library tests read it: its pair, its molecule and
/// strand, and its bases beside the reference's (the runs below carry no
/// indel, so every read is all M).
struct LibRead {
    qname: String,
    /// `MI` up to the strand: the molecule.
    molecule: String,
    /// Duplex strand B (`MI` ends `/B`).
    strand_b: bool,
    /// Of the original top strand: read 1 forward (F1R2).
    top: bool,
    reverse: bool,
    pos: u64,
    seq: Vec<u8>,
    reference: Vec<u8>,
}

fn lib_reads(s: &SimSummary) -> Vec<LibRead> {
    let (_, reference) = demo();
    let mut reader = bam::Reader::from_path(&s.bam).unwrap();
    let header = reader.header().to_owned();
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        assert_eq!(rec.cigar().len(), 1, "no indels in these runs");
        let contig = std::str::from_utf8(header.tid2name(rec.tid() as u32)).unwrap();
        let seq = rec.seq().as_bytes();
        let pos = rec.pos() as u64;
        let mi = match rec.aux(b"MI") {
            Ok(bam::record::Aux::String(x)) => x.to_string(),
            _ => panic!("no MI"),
        };
        let (molecule, strand) = mi.rsplit_once('/').unwrap();
        let reverse = rec.flags() & flag::REVERSE != 0;
        let read1 = rec.flags() & flag::READ1 != 0;
        out.push(LibRead {
            qname: String::from_utf8(rec.qname().to_vec()).unwrap(),
            molecule: molecule.to_string(),
            strand_b: strand == "B",
            top: read1 != reverse,
            reverse,
            pos,
            reference: reference
                .fetch(contig, pos, pos + seq.len() as u64)
                .unwrap(),
            seq,
        });
    }
    out
}

/// An error-free run (`--error-rate 0`) with UMIs and PCR families of mean
/// `family_size` at `depth`, the rest as `f` sets it; its summary and reads.
fn library_run(
    dir: &std::path::Path,
    (seed, depth, family_size): (u64, f64, f64),
    f: impl FnOnce(&mut SimParams),
) -> (SimSummary, Panel, Vec<LibRead>) {
    let (s, _, panel) = run(dir, |p| {
        p.seed = seed;
        p.depth = depth;
        p.error_rate = 0.0;
        p.umi = true;
        p.family_size_mean = Some(family_size);
        f(p);
    });
    let reads = lib_reads(&s);
    (s, panel, reads)
}

/// The forward reads of each molecule's strands: keyed by molecule and
/// `strand` (duplex strand B, or top strand, as the caller picks).
fn strand_families(
    reads: &[LibRead],
    strand: impl Fn(&LibRead) -> bool,
) -> std::collections::HashMap<(&str, bool), Vec<&LibRead>> {
    let mut families: std::collections::HashMap<(&str, bool), Vec<&LibRead>> = Default::default();
    for x in reads.iter().filter(|x| !x.reverse) {
        families
            .entry((x.molecule.as_str(), strand(x)))
            .or_default()
            .push(x);
    }
    families
}

/// Mean and standard error of independent values.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (v / n).sqrt())
}

/// The two reads of each pair agree at every base they both read (the
/// sequencer adds nothing here: `--error-rate 0`), though they carry
/// pre-sequencing changes there. Returns the changed bases compared.
fn mates_agree(reads: &[LibRead]) -> u64 {
    let mut pairs: std::collections::HashMap<&str, Vec<&LibRead>> = Default::default();
    for r in reads {
        pairs.entry(&r.qname).or_default().push(r);
    }
    let mut changed = 0;
    for (name, p) in pairs {
        assert_eq!(p.len(), 2, "{name}");
        let (a, b) = (p[0], p[1]);
        let (lo, hi) = (
            a.pos.max(b.pos),
            (a.pos + a.seq.len() as u64).min(b.pos + b.seq.len() as u64),
        );
        for x in lo..hi {
            let (i, j) = ((x - a.pos) as usize, (x - b.pos) as usize);
            assert_eq!(a.seq[i], b.seq[j], "{name} at {x}: mates differ");
            changed += (a.seq[i] != a.reference[i]) as u64;
        }
    }
    changed
}

/// The truth's molecule columns are the BAM's molecules, exactly: on an
/// error-free run with UMIs and families, per SNV hotspot, the molecules
/// (`MI`) with a read over the site, those with reads of both strands, the
/// read pairs behind them and how many show the alt, as counted here from
/// the records. Without a library setting, no such column.
#[test]
fn molecule_truth_is_the_bams_molecules() {
    let dir = tempfile::tempdir().unwrap();
    let (s, panel, reads) = library_run(dir.path(), (31, 150.0, 3.0), |p| {
        p.tumour_fraction = 0.5;
        p.mutations = MutationRequest::parse(ONE_SNV_PER_BLOCK).unwrap();
    });
    let mutated = panel
        .hotspots
        .iter()
        .zip(&s.truth)
        .filter(|(_, t)| t.mutated);
    let mut sites = 0;
    for (h, t) in mutated {
        sites += 1;
        let x = h.pos - 1;
        // molecule -> (strands seen, read pairs, alt)
        let mut mols: std::collections::HashMap<
            &str,
            ([bool; 2], std::collections::HashSet<&str>, bool),
        > = Default::default();
        for r in reads
            .iter()
            .filter(|r| r.pos <= x && x < r.pos + r.seq.len() as u64)
        {
            let m = mols.entry(&r.molecule).or_default();
            m.0[r.strand_b as usize] = true;
            m.1.insert(&r.qname);
            m.2 |= r.seq[(x - r.pos) as usize] == h.alt_allele.as_bytes()[0];
        }
        let duplex = mols.values().filter(|m| m.0 == [true; 2]);
        assert_eq!(t.families, Some(mols.len() as u64), "{}", h.id);
        assert_eq!(t.families, Some(t.depth), "{}", h.id);
        assert_eq!(
            t.alt_families,
            Some(mols.values().filter(|m| m.2).count() as u64),
            "{}",
            h.id
        );
        assert_eq!(
            t.duplex_families,
            Some(duplex.clone().count() as u64),
            "{}",
            h.id
        );
        assert_eq!(
            t.alt_duplex_families,
            Some(duplex.filter(|m| m.2).count() as u64),
            "{}",
            h.id
        );
        assert_eq!(
            t.read_pairs,
            Some(mols.values().map(|m| m.1.len() as u64).sum()),
            "{}",
            h.id
        );
        assert!(t.alt_duplex_families.unwrap() > 0, "{}", h.id);
    }
    assert_eq!(sites, 12);
    // Defaults: no molecule column.
    let plain = tempfile::tempdir().unwrap();
    let (s, _, _) = run(plain.path(), |p| p.depth = 20.0);
    let header = std::fs::read_to_string(&s.truth_tsv).unwrap();
    let header = header.lines().next().unwrap();
    assert!(
        !header.contains("families") && !header.contains("read_pairs"),
        "{header}"
    );
    assert!(s.truth.iter().all(|t| t.families.is_none()));
}

/// PCR errors end to end (`--pcr-error-rate 1e-3`, 10 cycles, full
/// efficiency: q = 1/2; `--error-rate 0`, no mutation, so every change a
/// read shows is a PCR error). Per forward read, a base differs from the
/// reference with chance u = 3/4 (1 − (1 − q · 4R/3)^10) = 4.985e-3. Two
/// forward reads of one strand's family (same `MI`) share the errors of
/// the nodes on their common path: a cycle-k node is on both with chance
/// q² 2^−(k−1), so S = Σ_k q² 2^−(k−1) R = 2q²(1 − 2^−10) R = 4.995e-4 per
/// base; their other changes (u − S each) meet at a base with the same
/// result with chance (u − S)²/3 = 6.7e-6 more: 5.062e-4 in all. Were
/// errors not inherited, only u²/3 = 8.3e-6; were every error in the whole
/// family, u. Tolerance 4.5 standard errors of the mean over the strand
/// families, which are independent (within one, reads are correlated
/// through the tree). Both mates of each pair show the same change
/// wherever both read the base.
#[test]
fn pcr_errors_are_shared_as_the_tree_says() {
    let dir = tempfile::tempdir().unwrap();
    let r = 1e-3;
    let (_, _, reads) = library_run(dir.path(), (32, 150.0, 8.0), |p| {
        p.pcr_error_rate = Some(r);
        p.mutations = MutationRequest::None;
    });
    assert!(mates_agree(&reads) > 1000);
    let families = strand_families(&reads, |x| x.strand_b);
    let (mut per_read, mut shared) = (Vec::new(), Vec::new());
    for f in families.values() {
        let len = f[0].seq.len();
        let changed = |x: &LibRead| (0..len).filter(|&i| x.seq[i] != x.reference[i]).count();
        per_read.push(f.iter().map(|x| changed(x)).sum::<usize>() as f64 / (f.len() * len) as f64);
        if f.len() < 2 {
            continue;
        }
        let mut both = 0;
        for a in 0..f.len() {
            for b in a + 1..f.len() {
                both += (0..len)
                    .filter(|&i| f[a].seq[i] != f[a].reference[i] && f[a].seq[i] == f[b].seq[i])
                    .count();
            }
        }
        shared.push(both as f64 / ((f.len() * (f.len() - 1) / 2) * len) as f64);
    }
    let q: f64 = 0.5;
    let expected = 0.75 * (1.0 - (1.0 - q * 4.0 * r / 3.0).powi(10));
    let (m, se) = mean_se(&per_read);
    eprintln!("PCR changes per base: {m:.4e} ± {se:.1e}, model {expected:.4e}");
    assert!(
        (m - expected).abs() < Z * se,
        "per read {m} ± {se}, model {expected}"
    );
    let u = expected;
    let shared_nodes = 2.0 * q * q * (1.0 - 0.5f64.powi(10)) * r;
    let expected = shared_nodes + (u - shared_nodes).powi(2) / 3.0;
    let (m, se) = mean_se(&shared);
    eprintln!(
        "shared per base by two reads of a strand: {m:.4e} ± {se:.1e}, model {expected:.4e}, {} families",
        shared.len()
    );
    assert!(
        (m - expected).abs() < Z * se,
        "shared {m} ± {se}, model {expected} ({} families)",
        shared.len()
    );
    assert!(Z * se < 0.25 * expected, "too few families to tell: {se}");
}

/// `--damage G>T:0.02` end to end (`--error-rate 0`, no mutation, no PCR
/// error): reads of an original molecule's top strand (read 1 forward)
/// show G>T and nothing else, reads of its bottom strand C>A (the bottom
/// strand's G>T) and nothing else; all forward reads of one strand of one
/// molecule are the same bases; and per strand, the damaged bases of the
/// first read of each family are Bin(#G or #C, 0.02). Mates agree.
#[test]
fn damage_is_on_one_strand_at_its_rate() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, reads) = library_run(dir.path(), (33, 100.0, 4.0), |p| {
        p.damage = cfspot::sim::library::Damage::parse_list("G>T:0.02").unwrap();
        p.mutations = MutationRequest::None;
    });
    assert!(mates_agree(&reads) > 1000);
    for x in &reads {
        let want = if x.top { (b'G', b'T') } else { (b'C', b'A') };
        for i in 0..x.seq.len() {
            if x.seq[i] != x.reference[i] {
                assert_eq!((x.reference[i], x.seq[i]), want, "{} base {i}", x.qname);
            }
        }
    }
    let families = strand_families(&reads, |x| x.top);
    let (mut bases, mut damaged) = ([0u64; 2], [0u64; 2]);
    for ((_, top), f) in &families {
        assert!(
            f.iter().all(|x| x.seq == f[0].seq),
            "one strand, one set of damage"
        );
        let (from, k) = if *top { (b'G', 0) } else { (b'C', 1) };
        let x = f[0];
        bases[k] += x.reference.iter().filter(|&&b| b == from).count() as u64;
        damaged[k] += (0..x.seq.len())
            .filter(|&i| x.seq[i] != x.reference[i])
            .count() as u64;
    }
    for k in 0..2 {
        let (e, sd) = (
            bases[k] as f64 * 0.02,
            (bases[k] as f64 * 0.02 * 0.98).sqrt(),
        );
        eprintln!(
            "strand {k}: {} damaged of {} bases, expected {e:.1}",
            damaged[k], bases[k]
        );
        assert!(e > 1000.0, "{e}");
        assert!(
            (damaged[k] as f64 - e).abs() < Z * sd,
            "strand {k}: {} of {} bases",
            damaged[k],
            bases[k]
        );
    }
}

/// The library flags through the command line: a run with every one of
/// them at -@ 1 (at -d 250, two chunks of fragments per block), then the
/// command its `params.json` records, at -@ 2 in another folder, writes
/// the same bytes (the PCR trees and damage are
/// drawn from each chunk's own stream, so neither the thread count nor a
/// hash map's order shows); and bad values are refused, all together.
#[test]
fn library_flags_reproduce_from_the_recorded_command() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (da, db) = (a.path().to_str().unwrap(), b.path().to_str().unwrap());
    common::cfspot_ok(&[
        "simulate",
        "-o",
        da,
        "-s",
        "5",
        "-d",
        "250",
        "-@",
        "1",
        "--umi",
        "--family-size-mean",
        "4",
        "--family-size-dispersion",
        "2",
        "--umi-error-rate",
        "0.01",
        "--pcr-error-rate",
        "2e-4",
        "--pcr-cycles",
        "12",
        "--pcr-efficiency",
        "0.9",
        "--damage",
        "G>T:0.001,C>T:0.002",
    ]);
    let params = common::json(a.path().join("sim.params.json"));
    let command = params["command"].as_str().unwrap();
    for flag in [
        "--pcr-error-rate 0.0002",
        "--pcr-cycles 12",
        "--pcr-efficiency 0.9",
        "--damage G>T:0.001,C>T:0.002",
    ] {
        assert!(command.contains(flag), "{command}");
    }
    assert!(params["models"]["pre_sequencing"]
        .as_str()
        .unwrap()
        .contains("12 cycles"));
    let mut args: Vec<&str> = command.split(' ').skip(1).collect();
    args.extend(["-o", db, "-@", "2"]);
    common::cfspot_ok(&args);
    let mut files = 0;
    for f in std::fs::read_dir(a.path()).unwrap() {
        let f = f.unwrap().path();
        let other = b.path().join(f.file_name().unwrap());
        assert_eq!(
            std::fs::read(&f).unwrap(),
            std::fs::read(&other).unwrap(),
            "{}",
            f.display()
        );
        files += 1;
    }
    assert_eq!(files, 7);
    common::cfspot_fails(
        &[
            "simulate",
            "-o",
            db,
            "--pcr-cycles",
            "3",
            "--damage",
            "G>T:0.5",
        ],
        &[
            "--pcr-cycles and --pcr-efficiency need --pcr-error-rate",
            "--damage G>T:0.5",
        ],
    );
    common::cfspot_fails(
        &["simulate", "-o", db, "--damage", "G>X:0.1"],
        &["--damage 'G>X:0.1'"],
    );
}
