//! The FASTQ engine's scan: placing reads on the panel's windows (seed,
//! ungapped check, banded alignment when needed) and counting them, and the
//! whole engine on gzip files (parse + inflate + place + count).
//!
//! Inputs come from `cfspot simulate` (seeded), so runs compare.
//! Run: `cargo bench --bench fastq_scan`

use cfspot::count::fastq::index::PanelIndex;
use cfspot::count::fastq::place::Placer;
use cfspot::count::fastq::reader::FastqReader;
use cfspot::count::fastq::{count_fastq, Engine, Layout};
use cfspot::count::{CountOptions, CountPlan};
use cfspot::panel::Panel;
use cfspot::progress::Progress;
use cfspot::reference;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

mod common;

fn bench(c: &mut Criterion) {
    let sample = common::simulated_fastq(300.0);
    let (r1, r2) = (sample.r1.clone(), sample.r2.clone());
    let panel = Panel::demo();
    let r = reference::open("demo").unwrap();
    let plan = CountPlan::new(&panel, Some(r.as_ref()), &CountOptions::default());
    let index = PanelIndex::build(&plan).unwrap();
    let b1 = FastqReader::open(&r1)
        .unwrap()
        .next_batch(usize::MAX)
        .unwrap();
    let b2 = FastqReader::open(&r2)
        .unwrap()
        .next_batch(usize::MAX)
        .unwrap();
    let n = b1.len();

    let mut g = c.benchmark_group("fastq_scan");
    g.sample_size(10);
    g.throughput(Throughput::Elements(2 * n as u64));
    g.bench_function("place_reads", |b| {
        let mut placer = Placer::default();
        b.iter(|| {
            let mut placed = 0usize;
            for k in 0..n {
                for batch in [&b1, &b2] {
                    let rec = batch.get(k);
                    placed += placer.place(&index, rec.seq, rec.qual).is_some() as usize;
                }
            }
            black_box(placed)
        })
    });
    let layout = Layout::Paired(r1.clone(), r2.clone());
    let engine = Engine {
        index: &index,
        plan: &plan,
        layout: &layout,
        backgrounds: &[],
        molecules: None,
    };
    g.bench_function("place_and_count", |b| {
        let mut placer = Placer::default();
        b.iter(|| {
            let mut counts = plan.empty_counts();
            for k in 0..n {
                let (x, y) = (b1.get(k), b2.get(k));
                let px = placer.place(&index, x.seq, x.qual);
                let py = placer.place(&index, y.seq, y.qual);
                engine.add_fragment(&mut counts, px.as_ref(), py.as_ref(), true);
            }
            black_box(counts)
        })
    });
    g.bench_function("count_fastq_gz_files", |b| {
        let inputs = [r1.clone(), r2.clone()];
        b.iter(|| black_box(count_fastq(&inputs, &plan, &Progress::new()).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
