//! Hot loops of the simulator: a chunk of 1,024 fragments made end to end
//! (lengths, placement, fragment, reads, errors, BAM records, FASTQ text
//! and its BGZF compression), and the per-read steps on their own. Inputs
//! are seeded, so runs compare.
//!
//! Run: `cargo bench --bench simulate`

use cfspot::panel::Panel;
use cfspot::sim::mutations::MutationRequest;
use cfspot::sim::reads::{Event, Fragment, RefSpan};
use cfspot::sim::rng::SimRng;
use cfspot::sim::sequencing::SequencingErrors;
use cfspot::sim::{SimParams, Simulation, CHUNK};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn chunk(c: &mut Criterion) {
    let panel = Panel::demo();
    let reference = cfspot::reference::open("demo").unwrap();
    let params = SimParams {
        depth: 2000.0,
        tumour_fraction: 0.1,
        duplicates: 0.2,
        mutations: MutationRequest::All,
        ..SimParams::default()
    };
    let sim = Simulation::new(&params, &panel, reference.as_ref()).unwrap();
    // Block 4 holds the EGFR exon 19 deletion and the MNV inside it.
    let b = 4;
    assert!(sim.chunks(b) >= 2);
    let mut g = c.benchmark_group("simulate");
    g.throughput(Throughput::Elements(CHUNK));
    g.bench_function("chunk_1024_fragments", |bench| {
        let mut k = 0u64;
        bench.iter(|| {
            k = (k + 1) % sim.chunks(b).saturating_sub(1).max(1);
            black_box(sim.generate_chunk(b, k))
        })
    });
    g.finish();
}

fn steps(c: &mut Criterion) {
    let mut rng = SimRng::stream(3, &[]);
    let seq: Vec<u8> = (0..2000).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
    let span = RefSpan {
        start: 10_000,
        seq: &seq,
    };
    let del = Event {
        start: 10_900,
        end: 10_915,
        alt: vec![],
    };
    let model = SequencingErrors::new(0.001, 150);
    let mut g = c.benchmark_group("simulate_steps");
    g.throughput(Throughput::Elements(1));
    g.bench_function("fragment_and_two_reads", |bench| {
        let mut s = 10_700u64;
        bench.iter(|| {
            s = 10_700 + (s + 37) % 300;
            let m = Fragment::build(&span, s, s + 167, &[&del]);
            let n = m.seq.len();
            black_box((m.alignment(0, 150), m.alignment(n - 150, n)))
        })
    });
    g.bench_function("sequence_150bp_read", |bench| {
        let mut bases = seq[..150].to_vec();
        let mut quals = vec![0u8; 150];
        bench.iter(|| black_box(model.sequence(&mut rng, &mut bases, &mut quals)))
    });
    g.finish();
}

criterion_group!(benches, chunk, steps);
criterion_main!(benches);
