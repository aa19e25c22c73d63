//! The statistics of a call: one site's p-value, its LoD95, and the
//! tumour-fraction fit. Seeded, fixed inputs.
//!
//! Run: `cargo bench --bench stats`

use cfspot::stats::background::{SiteBackground, SourceKind};
use cfspot::stats::call::lod95;
use cfspot::stats::distributions::{beta_binomial_sf, binomial_sf};
use cfspot::stats::tumour_fraction::{estimate, SiteEvidence};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("stats");
    g.bench_function("p_value/binomial_depth_20000", |b| {
        b.iter(|| binomial_sf(black_box(12), black_box(20_000), black_box(3e-4)))
    });
    g.bench_function("p_value/beta_binomial_depth_20000", |b| {
        b.iter(|| {
            beta_binomial_sf(
                black_box(12),
                black_box(20_000),
                black_box(3e-4),
                black_box(5e-4),
            )
        })
    });
    let bg = SiteBackground {
        rate: 3e-5,
        rho: 4e-4,
        source: "C>T".into(),
        judged_by: SourceKind::SampleClass,
    };
    g.bench_function("lod95/depth_2000", |b| {
        b.iter(|| lod95(black_box(2_000), &bg, 0.05 / 31.0, 3))
    });
    g.bench_function("lod95/depth_20000", |b| {
        b.iter(|| lod95(black_box(20_000), &bg, 0.05 / 31.0, 3))
    });
    let sites: Vec<SiteEvidence> = (0..31)
        .map(|i| SiteEvidence {
            depth: 2_000 + 37 * i,
            alt: (i % 5) * 7,
            background: 3e-5,
            factor: 1.0,
            lengths: &[],
        })
        .collect();
    g.bench_function("tumour_fraction/31_sites", |b| {
        b.iter(|| estimate(black_box(&sites)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
