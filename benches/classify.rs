//! Hot loops of counting: the allele of one read at one site, and merging
//! the two mates of a fragment. Inputs are seeded, so runs compare.
//!
//! Run: `cargo bench --bench classify`

use cfspot::count::allele::{RefWindow, SiteModel};
use cfspot::count::fragment::{merge_mates, Observation};
use cfspot::count::Allele;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rust_htslib::bam::record::{Cigar, CigarString, Record};
use std::hint::black_box;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const N: usize = 1024;

/// A 1 kb random reference and `N` 150 bp reads over its middle; a tenth of
/// them carry a 3 bp deletion somewhere.
fn reads(seed: u64) -> (Vec<u8>, Vec<Record>) {
    let mut rng = Rng(seed);
    let reference: Vec<u8> = (0..1000)
        .map(|_| b"ACGT"[(rng.next() % 4) as usize])
        .collect();
    let recs = (0..N)
        .map(|_| {
            let start = 350 + (rng.next() % 150) as usize;
            let mut rec = Record::new();
            let (cigar, seq): (CigarString, Vec<u8>) = if rng.next().is_multiple_of(10) {
                let at = 20 + (rng.next() % 100) as usize;
                let mut seq = reference[start..start + at].to_vec();
                seq.extend_from_slice(&reference[start + at + 3..start + 153]);
                (
                    CigarString(vec![
                        Cigar::Match(at as u32),
                        Cigar::Del(3),
                        Cigar::Match((150 - at) as u32),
                    ]),
                    seq,
                )
            } else {
                (
                    CigarString(vec![Cigar::Match(150)]),
                    reference[start..start + 150].to_vec(),
                )
            };
            let qual = vec![35u8; seq.len()];
            rec.set(b"read", Some(&cigar), &seq, &qual);
            rec.set_pos(start as i64);
            rec
        })
        .collect();
    (reference, recs)
}

fn bench_classify(c: &mut Criterion) {
    let (reference, recs) = reads(42);
    let window = Some(RefWindow {
        start: 0,
        seq: &reference,
    });
    let at = |p: usize| &reference[p..p + 1];
    let snv = SiteModel::new(
        501,
        at(500),
        if at(500) == b"A" { b"C" } else { b"A" },
        window,
    );
    let mnv = SiteModel::new(501, &reference[500..502], b"NN", window);
    let del = SiteModel::new(500, &reference[499..505], &reference[499..500], window);
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(N as u64));
    for (name, site) in [("snv", &snv), ("mnv", &mnv), ("deletion_5bp", &del)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0usize;
                for r in &recs {
                    if let Some(a) = site.classify(r, 20) {
                        n += usize::from(a == Allele::Alt);
                    }
                }
                black_box(n)
            })
        });
    }
    g.finish();
}

fn bench_merge(c: &mut Criterion) {
    let mut rng = Rng(7);
    let alleles = [
        Allele::Ref,
        Allele::Alt,
        Allele::Other(b'G'),
        Allele::LowQuality,
    ];
    let pairs: Vec<(Observation, Observation)> = (0..N)
        .map(|_| {
            let mut o = || Observation {
                allele: alleles[(rng.next() % 4) as usize],
                qual: (rng.next() % 41) as u8,
                reverse: rng.next().is_multiple_of(2),
                fragment_length: 100 + (rng.next() % 200) as u32,
            };
            (o(), o())
        })
        .collect();
    let mut g = c.benchmark_group("fragment");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("merge_mates", |b| {
        b.iter_batched(
            || pairs.clone(),
            |p| {
                p.into_iter()
                    .map(|(a, b)| merge_mates(a, b))
                    .filter(|m| matches!(m, cfspot::count::fragment::FragmentCall::Discordant))
                    .count()
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_classify, bench_merge);
criterion_main!(benches);
