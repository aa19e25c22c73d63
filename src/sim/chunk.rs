//! One chunk of [`CHUNK`] unique fragments made end to end, as four
//! stages: **fragment** (drawn, [`super::fragment`]) → **library** (UMIs,
//! PCR copies, strands, [`super::library`]) → **sequencing** (two reads per
//! copy with errors and qualities, [`super::sequencing`]) → **output** (FASTQ
//! and BAM records, [`super::emit`]), with the truth tallied from what the
//! fragment stage made. Then a block: its chunks in parallel, their
//! records sorted by key.
//!
//! A chunk draws everything from one random stream keyed by (block,
//! chunk), in a fixed order per fragment, so every byte depends on the
//! seed alone.

use super::emit::{Emitted, SortKey};
use super::fastq_out;
use super::fragment::Scratch;
use super::reads::{Event, RefSpan};
use super::rng::{self, SimRng};
use super::truth::{Allele, SiteTruth};
use super::{Simulation, CHUNK};
use crate::progress::Progress;
use rayon::prelude::*;
use rust_htslib::bam;

/// What one chunk made.
pub struct ChunkOut {
    pub records: Vec<bam::Record>,
    /// Sort key of each record: (position, fragment, copy, mate).
    pub keys: Vec<SortKey>,
    /// BGZF-compressed FASTQ for R1 and R2.
    pub fastq: [Vec<u8>; 2],
    /// Per block site (same order as `Block::sites`).
    pub truth: Vec<SiteTruth>,
    pub pairs: u64,
    pub fragments: u64,
}

/// One block, ready to write.
pub(crate) struct BlockOut {
    pub records: Vec<bam::Record>,
    /// Indices into `records`, in coordinate order.
    pub order: Vec<u32>,
    pub fastq: [Vec<Vec<u8>>; 2],
    pub truth: Vec<SiteTruth>,
    pub pairs: u64,
    pub fragments: u64,
}

impl Simulation<'_> {
    /// Make chunk `chunk` of block `b`: fragments, reads, records, FASTQ
    /// (compressed) and truth. Depends only on the seed, `b` and `chunk`.
    pub fn generate_chunk(&self, b: usize, chunk: u64) -> ChunkOut {
        let p = &self.params;
        let block = &self.blocks[b];
        let plan = &self.plans[b];
        let span = RefSpan {
            start: block.seq_start,
            seq: &block.seq,
        };
        let mut rng = SimRng::stream(p.seed, &[rng::STREAM_FRAGMENTS, b as u64, chunk]);
        let first = chunk * CHUNK;
        let last = (first + CHUNK).min(plan.fragments);
        let mut emitted = Emitted::with_capacity(
            ((last - first) as f64 * self.library.mean_copies()) as usize + 4,
        );
        let mut truth = vec![SiteTruth::default(); block.sites.len()];
        let mut fragments = 0;
        let mut scratch = Scratch::default();
        let mut carried: Vec<&Event> = Vec::new();
        let mut template = Vec::new();
        // The sites the fragment covers, with its allele there, for the
        // molecule truth (only when the run has one).
        let molecular = self.library.molecular();
        let mut covered: Vec<(usize, Allele)> = Vec::new();
        for m in first..last {
            // Fragment.
            let Some(drawn) = self.draw_fragment(block, plan, &mut rng, &mut scratch) else {
                continue;
            };
            carried.clear();
            carried.extend(drawn.frag.carried.iter().map(|&i| scratch.events[i]));
            let spans = drawn.spans();
            covered.clear();
            for (j, site) in block.sites.iter().enumerate() {
                let allele = truth[j].observe(&self.truth_sites[*site], spans, &carried, drawn.len);
                if let (true, Some(a)) = (molecular, allele) {
                    covered.push((j, a));
                }
            }
            fragments += 1;
            // Library.
            let mut molecule = self.library.molecule(&mut rng, &drawn.frag.seq);
            let mut strands = [false; 2];
            for c in 0..molecule.copies as u32 {
                let copy = self.library.copy(&mut rng, &molecule, &p.name, (b, m, c));
                strands[copy.strand_b as usize] = true;
                let bases = self.library.template(
                    &mut rng,
                    &mut molecule,
                    &copy,
                    &drawn.frag.seq,
                    &mut template,
                );
                // Sequencing.
                let reads = self.sequencing.read_pair(&mut rng, bases, drawn.read_len);
                // Output.
                emitted.pair(
                    &span,
                    &drawn,
                    &copy,
                    reads,
                    block.tid as i32,
                    &p.name,
                    (m, c),
                );
            }
            for &(j, allele) in &covered {
                truth[j].family(allele, molecule.copies, strands == [true; 2]);
            }
        }
        let mut fastq = [Vec::new(), Vec::new()];
        fastq_out::compress(&emitted.text[0], p.compression_level, &mut fastq[0]);
        fastq_out::compress(&emitted.text[1], p.compression_level, &mut fastq[1]);
        ChunkOut {
            records: emitted.records,
            keys: emitted.keys,
            fastq,
            truth,
            pairs: emitted.pairs,
            fragments,
        }
    }

    /// Make block `b` (chunks in parallel on the current rayon pool), with
    /// its records in coordinate order, adding each chunk's planned
    /// fragments to `progress` as it is made (planned, not kept: a draw
    /// that does not fit the block is skipped, and the total is the plan).
    pub(crate) fn generate_block_with_progress(&self, b: usize, progress: &Progress) -> BlockOut {
        let planned = self.plans[b].fragments;
        let chunks: Vec<ChunkOut> = (0..self.chunks(b))
            .into_par_iter()
            .map(|c| {
                let out = self.generate_chunk(b, c);
                progress.add(CHUNK.min(planned - c * CHUNK));
                out
            })
            .collect();
        let mut out = BlockOut {
            records: Vec::new(),
            order: Vec::new(),
            fastq: [Vec::new(), Vec::new()],
            truth: vec![SiteTruth::default(); self.blocks[b].sites.len()],
            pairs: 0,
            fragments: 0,
        };
        let n: usize = chunks.iter().map(|c| c.records.len()).sum();
        let mut keyed: Vec<(SortKey, u32)> = Vec::with_capacity(n);
        out.records.reserve(n);
        for c in chunks {
            let base = out.records.len() as u32;
            keyed.extend(
                c.keys
                    .into_iter()
                    .enumerate()
                    .map(|(i, k)| (k, base + i as u32)),
            );
            out.records.extend(c.records);
            let [f1, f2] = c.fastq;
            out.fastq[0].push(f1);
            out.fastq[1].push(f2);
            for (t, x) in out.truth.iter_mut().zip(&c.truth) {
                t.add(x);
            }
            out.pairs += c.pairs;
            out.fragments += c.fragments;
        }
        // Keys are unique, so the order does not depend on the sort.
        // Sorting keys, not records, saves moving the records around.
        keyed.par_sort_unstable_by_key(|(k, _)| *k);
        out.order = keyed.into_iter().map(|(_, i)| i).collect();
        out
    }
}
