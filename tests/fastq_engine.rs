//! The FASTQ engine against the BAM engine on simulated samples: the same
//! reads, once as FASTQ (placed by cfspot) and once as the simulator's
//! truthful BAM, must give the same counts.

mod common;

use cfspot::count::bam::{count_bam, AlignmentInput};
use cfspot::count::fastq::{count_fastq, detect_layout, Layout};
use cfspot::count::{count_inputs, CountOptions, CountPlan, SiteCounts};
use cfspot::progress::Progress;
use cfspot::sim::{simulate, SimParams};
use common::demo;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

struct Sample {
    _dir: tempfile::TempDir,
    r1: PathBuf,
    r2: PathBuf,
    bam: PathBuf,
}

fn sample(tf: f64, error_rate: f64, seed: u64) -> Sample {
    let dir = tempfile::tempdir().unwrap();
    let p = SimParams {
        out_dir: dir.path().to_owned(),
        name: "s".into(),
        depth: 150.0,
        tumour_fraction: tf,
        error_rate,
        seed,
        ..SimParams::default()
    };
    let (panel, r) = demo();
    let summary = simulate(&p, &panel, r.as_ref()).unwrap();
    Sample {
        r1: dir.path().join("s_R1.fastq.gz"),
        r2: dir.path().join("s_R2.fastq.gz"),
        bam: summary.bam,
        _dir: dir,
    }
}

fn count_fq(inputs: &[PathBuf], opts: &CountOptions) -> Vec<SiteCounts> {
    let (panel, r) = demo();
    let plan = CountPlan::new(&panel, Some(r.as_ref()), opts);
    count_fastq(inputs, &plan, &Progress::new()).unwrap().sites
}

fn count_b(bam: &Path, opts: &CountOptions) -> Vec<SiteCounts> {
    let (panel, r) = demo();
    let plan = CountPlan::new(&panel, Some(r.as_ref()), opts);
    let input = AlignmentInput::open(bam, Some(r.as_ref())).unwrap();
    count_bam(&input, &plan, &Progress::new()).unwrap().sites
}

fn gunzip(p: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The records of a FASTQ text, 4 lines each.
fn records(text: &[u8]) -> Vec<Vec<u8>> {
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    lines
        .chunks(4)
        .filter(|c| c.len() == 4)
        .map(|c| {
            let mut r = c.join(&b'\n');
            r.push(b'\n');
            r
        })
        .collect()
}

#[test]
fn fastq_counts_match_the_bam_at_every_hotspot() {
    let (panel, _) = demo();
    let opts = CountOptions::default();
    for (tf, err, seed) in [
        (0.02, 0.0, 1),
        (0.3, 0.0, 2),
        (0.1, 0.001, 3),
        (1.0, 0.001, 4),
    ] {
        let s = sample(tf, err, seed);
        let fq = count_fq(&[s.r1.clone(), s.r2.clone()], &opts);
        let bam = count_b(&s.bam, &opts);
        for ((h, f), b) in panel.hotspots.iter().zip(&fq).zip(&bam) {
            let (df, db) = (f.depth() as f64, b.depth() as f64);
            assert!(
                (df - db).abs() <= 0.02 * db,
                "tf {tf} err {err}: {} depth {df} (FASTQ) vs {db} (BAM)",
                h.id
            );
            let (af, ab) = (f.alt_count() as f64, b.alt_count() as f64);
            assert!(
                (af - ab).abs() <= (0.05 * ab).max(2.0),
                "tf {tf} err {err}: {} alt {af} (FASTQ) vs {ab} (BAM)",
                h.id
            );
            if err == 0.0 {
                // Without errors every read is placed as the simulator
                // wrote it: identical counts, lengths and all (lengths are
                // listed in input order, not coordinate order).
                assert_eq!(f, b, "tf {tf}: {}", h.id);
            }
        }
        // The overlapping hotspots: the MNV inside the 15 bp deletion.
        let id = |x: &str| panel.hotspots.iter().position(|h| h.id == x).unwrap();
        let del = id("EGFR_E746_A750del");
        assert!(fq[del].alt_count() > 0 || bam[del].alt_count() == 0);
        assert_eq!(fq[id("EGFR_L747P")].other, bam[id("EGFR_L747P")].other);
    }
}

#[test]
fn same_result_for_any_thread_count_and_read_mode_matches() {
    let s = sample(0.2, 0.001, 9);
    let inputs = [s.r1.clone(), s.r2.clone()];
    let opts = CountOptions::default();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| count_fq(&inputs, &opts));
    for t in [2, 3] {
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
            .install(|| count_fq(&inputs, &opts));
        assert_eq!(one, many, "{t} threads");
    }
    let reads = CountOptions {
        unit: cfspot::count::Unit::Read,
        ..CountOptions::default()
    };
    let (fq, bam) = (count_fq(&inputs, &reads), count_b(&s.bam, &reads));
    for (f, b) in fq.iter().zip(&bam) {
        let (df, db) = (f.depth() as f64, b.depth() as f64);
        assert!((df - db).abs() <= 0.02 * db, "read mode: {df} vs {db}");
    }
}

#[test]
fn interleaved_and_plain_inputs_are_detected_by_content() {
    let s = sample(0.2, 0.0, 5);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (records(&gunzip(&s.r1)), records(&gunzip(&s.r2)));
    // Interleaved, plain text, odd names: detected by content.
    let inter = dir.path().join("reads.txt");
    let mut f = std::fs::File::create(&inter).unwrap();
    for (x, y) in a.iter().zip(&b) {
        f.write_all(x).unwrap();
        f.write_all(y).unwrap();
    }
    drop(f);
    assert_eq!(
        detect_layout(std::slice::from_ref(&inter)).unwrap(),
        Layout::Interleaved(inter.clone())
    );
    let opts = CountOptions::default();
    let paired = count_fq(&[s.r1.clone(), s.r2.clone()], &opts);
    assert_eq!(count_fq(std::slice::from_ref(&inter), &opts), paired);
    // R1 alone is single-end: each read counts on its own strand, never
    // more than the fragments.
    assert_eq!(
        detect_layout(std::slice::from_ref(&s.r1)).unwrap(),
        Layout::Single(s.r1.clone())
    );
    let single = count_fq(std::slice::from_ref(&s.r1), &opts);
    for (x, y) in single.iter().zip(&paired) {
        assert!(x.depth() <= y.depth() && x.depth() * 2 >= y.depth());
        assert_eq!(x.discordant + x.overlaps_merged, 0);
        assert!(x.ref_lengths.is_empty() && x.alt_lengths.is_empty());
    }
    // Through the dispatcher, as `cfspot count` calls it.
    let (panel, r) = demo();
    let plan = CountPlan::new(&panel, Some(r.as_ref()), &opts);
    let counted = count_inputs(&[s.r1.clone(), s.r2.clone()], &plan, &Progress::new()).unwrap();
    assert_eq!(counted.sites, paired);
}

#[test]
fn bad_fastq_gives_errors_with_file_and_record() {
    let s = sample(0.1, 0.0, 6);
    let dir = tempfile::tempdir().unwrap();
    let (panel, r) = demo();
    let plan = CountPlan::new(&panel, Some(r.as_ref()), &CountOptions::default());
    let run = |inputs: &[PathBuf]| {
        count_fastq(inputs, &plan, &Progress::new())
            .unwrap_err()
            .to_string()
    };
    let (a, b) = (records(&gunzip(&s.r1)), records(&gunzip(&s.r2)));
    let write = |name: &str, recs: &[Vec<u8>]| {
        let p = dir.path().join(name);
        std::fs::write(&p, recs.concat()).unwrap();
        p
    };
    let r1 = write("r1.fq", &a);
    // A renamed mate at record 5000.
    let mut renamed = b.clone();
    renamed[4999] = [
        b"@other".as_slice(),
        &renamed[4999][renamed[4999].iter().position(|&c| c == b' ').unwrap()..],
    ]
    .concat();
    let e = run(&[r1.clone(), write("renamed.fq", &renamed)]);
    assert!(
        e.contains("record 5000") && e.contains("other") && e.contains("renamed.fq"),
        "{e}"
    );
    // R2 shorter by ten records.
    let e = run(&[r1.clone(), write("short.fq", &b[..b.len() - 10])]);
    assert!(
        e.contains("short.fq") && e.contains(&format!("after {} records", b.len() - 10)),
        "{e}"
    );
    // Quality longer than the sequence at record 7.
    let mut badq = b.clone();
    let text = String::from_utf8(badq[6].clone())
        .unwrap()
        .trim_end()
        .to_string()
        + "I\n";
    badq[6] = text.into_bytes();
    let e = run(&[r1.clone(), write("badq.fq", &badq)]);
    assert!(
        e.contains("badq.fq: record 7") && e.contains("quality"),
        "{e}"
    );
    // A gzip file cut short.
    let gz = std::fs::read(&s.r2).unwrap();
    let cut = dir.path().join("cut.fq.gz");
    std::fs::write(&cut, &gz[..gz.len() * 2 / 3]).unwrap();
    let e = run(&[s.r1.clone(), cut]);
    assert!(e.contains("cut.fq.gz") && e.contains("truncated"), "{e}");
    // Interleaved with an odd record count.
    let mut inter = Vec::new();
    for (x, y) in a.iter().zip(&b).take(100) {
        inter.push(x.clone());
        inter.push(y.clone());
    }
    inter.push(a[100].clone());
    let e = run(&[write("odd.fq", &inter)]);
    assert!(
        e.contains("odd.fq") && e.contains("odd number of records (201)"),
        "{e}"
    );
}

#[test]
fn progress_reaches_the_whole_input_and_changes_nothing() {
    use cfspot::progress::Measure;
    use cfspot::sim::Simulation;
    // The simulator counts the fragments it plans, all of them.
    let dir = tempfile::tempdir().unwrap();
    let (panel, r) = demo();
    let params = SimParams {
        out_dir: dir.path().to_owned(),
        name: "s".into(),
        depth: 150.0,
        tumour_fraction: 0.1,
        seed: 11,
        ..SimParams::default()
    };
    let sim = Simulation::new(&params, &panel, r.as_ref()).unwrap();
    let progress = Progress::new();
    let summary = sim.run_with_progress(&progress).unwrap();
    let s = progress.snapshot();
    assert_eq!(s.measure, Some(Measure::Items("fragments")));
    assert_eq!((s.done, s.total), (sim.fragments(), Some(sim.fragments())));
    assert!(summary.fragments <= sim.fragments());
    // The FASTQ engine: compressed bytes of both files, every one of them
    // (gzip trailers included), and the counts are those without progress.
    let (r1, r2) = (
        dir.path().join("s_R1.fastq.gz"),
        dir.path().join("s_R2.fastq.gz"),
    );
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    let opts = CountOptions::default();
    let plan = CountPlan::new(&panel, Some(r.as_ref()), &opts);
    let inputs = [r1.clone(), r2.clone()];
    let progress = Progress::new();
    let counted = count_inputs(&inputs, &plan, &progress).unwrap();
    let s = progress.snapshot();
    let total = size(&r1) + size(&r2);
    assert_eq!(s.measure, Some(Measure::Bytes));
    assert_eq!((s.done, s.total), (total, Some(total)));
    assert_eq!(counted.sites, count_fq(&inputs, &opts));
    // Plain text, interleaved, in several batches: its size in bytes.
    let (a, b) = (records(&gunzip(&r1)), records(&gunzip(&r2)));
    assert!(a.len() > 2 * 4096, "the test needs more than one batch");
    let inter = dir.path().join("reads.fq");
    let text: Vec<u8> = a
        .iter()
        .zip(&b)
        .flat_map(|(x, y)| [x, y])
        .flatten()
        .copied()
        .collect();
    std::fs::write(&inter, &text).unwrap();
    let progress = Progress::new();
    let inputs = std::slice::from_ref(&inter);
    let sites = count_fastq(inputs, &plan, &progress).unwrap().sites;
    let s = progress.snapshot();
    assert_eq!(
        (s.done, s.total),
        (text.len() as u64, Some(text.len() as u64))
    );
    assert_eq!(sites, counted.sites);
    // A device has no size to measure against: the total is unknown.
    #[cfg(unix)]
    assert_eq!(Layout::Single("/dev/null".into()).stored_size(), None);
}
