//! Synthetic cfDNA samples with known truth (`cfspot simulate`).
//!
//! How a sample is made:
//!
//! 1. **Blocks** ([`layout`]): a target window (± `--window` bp) around each
//!    hotspot, merged where close, with the reference around it.
//! 2. **Fragments**: each fragment is tumour-derived with probability TF; a
//!    tumour fragment carries each mutation with probability
//!    `CCF × COPIES / 2` ([`mutations`]; overlapping mutations are
//!    exclusive). Fragments carrying a mutation draw their length from the
//!    tumour model, all others from the healthy one ([`fragments`]).
//!    Fragments overlap the target uniformly. Lengths and haplotypes are
//!    drawn with weights `S(L) / c(L)` (`S`: the number of places a fragment
//!    of length `L` can start, `c(L) = min(L, 2 × read length)`: how many of
//!    them put a read over a given base), which makes the fragments whose
//!    reads cover a site have exactly the requested VAF and, per class, the
//!    requested length distribution, in expectation. The number of unique
//!    fragments per block is set so that `--depth` of them cover each site.
//! 3. **Reads** ([`reads`]): paired, FR, the fragment's two ends; errors and
//!    qualities per [`errors`]. Each unique fragment is sequenced `1 +
//!    Poisson(d / (1 − d))` times (`--duplicates d` is the expected share of
//!    duplicate pairs); copies beyond the first are flagged 0x400 in the BAM,
//!    as a UMI-aware duplicate marker would, and appear in the FASTQ as raw
//!    reads do. Each copy comes from one strand of the original duplex (A or
//!    B, at random); a B-strand copy is read from the other end, and with
//!    `--umi` its UMIs are swapped (`RX` tag, read name) and its `MI` tag
//!    ends `/B`.
//! 4. **Output**: work is split into chunks of [`CHUNK`] fragments with
//!    their own random streams ([`rng`]); chunks run in parallel, each
//!    block's records are sorted in memory and written in block order, so
//!    every byte depends only on the seed. Files are written to temporary
//!    names and renamed into place at the end.

pub mod bam_out;
pub mod errors;
pub mod fastq_out;
pub mod fragments;
pub mod layout;
pub mod mutations;
pub mod reads;
pub mod rng;
pub mod truth;

use crate::count::{flag, prepare_sites, OwnedRead, SiteModel};
use crate::panel::Panel;
use crate::progress::{Measure, Progress};
use crate::reference::{list_problems, Reference};
use errors::ErrorModel;
use fragments::{Discrete, LengthModel, LengthParams};
use layout::Block;
use mutations::{MutationRequest, Mutations};
use rayon::prelude::*;
use reads::{Event, Fragment, RefSpan};
use rng::SimRng;
use rust_htslib::bam;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use truth::{SiteTruth, TruthRow, TruthSite};

/// Fragments per unit of work (and per random stream).
pub const CHUNK: u64 = 1024;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{flag}: {message}")]
    Param { flag: String, message: String },
    #[error(
        "reference {reference} cannot back the simulation; {} problem(s):\n{}",
        problems.len(),
        list_problems(problems)
    )]
    Reference {
        reference: String,
        problems: Vec<String>,
    },
    #[error("cannot write {}: {detail}", path.display())]
    Write { path: PathBuf, detail: String },
}

impl SimError {
    pub fn param(flag: &str, message: impl Into<String>) -> Self {
        SimError::Param {
            flag: flag.to_string(),
            message: message.into(),
        }
    }
    fn write(path: &Path, detail: impl ToString) -> Self {
        SimError::Write {
            path: path.to_owned(),
            detail: detail.to_string(),
        }
    }
}

/// Every setting of a simulation. All but `threads` and `out_dir` go into
/// `NAME.params.json` (those two do not change the output).
#[derive(Debug, Clone, Serialize)]
pub struct SimParams {
    pub name: String,
    pub seed: u64,
    pub tumour_fraction: f64,
    /// Unique fragments whose reads cover each hotspot, on average.
    pub depth: f64,
    #[serde(skip)]
    pub mutations: MutationRequest,
    pub read_length: u32,
    pub error_rate: f64,
    pub healthy: LengthParams,
    pub tumour: LengthParams,
    pub min_fragment: u32,
    pub max_fragment: u32,
    /// Expected share of read pairs that are PCR duplicates.
    pub duplicates: f64,
    pub umi: bool,
    pub umi_length: usize,
    /// Target half-width around each hotspot (bp).
    pub window: u64,
    /// BGZF compression level (0–9) of the BAM and FASTQ files.
    pub compression_level: u32,
    #[serde(skip)]
    pub threads: usize,
    #[serde(skip)]
    pub out_dir: PathBuf,
}

impl Default for SimParams {
    fn default() -> Self {
        SimParams {
            name: "sim".into(),
            seed: 1,
            tumour_fraction: 0.05,
            depth: 1000.0,
            mutations: MutationRequest::All,
            read_length: 150,
            error_rate: 0.001,
            healthy: LengthParams::healthy(),
            tumour: LengthParams::tumour(),
            min_fragment: 50,
            max_fragment: 450,
            duplicates: 0.0,
            umi: false,
            umi_length: 8,
            window: 300,
            compression_level: 1,
            threads: 1,
            out_dir: PathBuf::from("."),
        }
    }
}

impl SimParams {
    /// Every file a run writes, in the order [`Simulation::run`] lists
    /// them: BAM, index, R1, R2, truth TSV, truth VCF, parameters.
    pub fn output_files(&self) -> [PathBuf; 7] {
        let path = |suffix: &str| self.out_dir.join(format!("{}{suffix}", self.name));
        [
            path(".bam"),
            path(".bam.bai"),
            path("_R1.fastq.gz"),
            path("_R2.fastq.gz"),
            path(".truth.tsv"),
            path(".truth.vcf"),
            path(".params.json"),
        ]
    }

    /// Check every setting; all problems are reported together.
    pub fn validate(&self) -> Result<(), SimError> {
        let mut p: Vec<String> = Vec::new();
        if self.name.is_empty()
            || self.name.starts_with('-')
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            || self.name.len() > 100
        {
            p.push(format!(
                "--name '{}': use 1-100 letters, digits, '.', '_' or '-' (it names files and reads)",
                self.name
            ));
        }
        if !(0.0..=1.0).contains(&self.tumour_fraction) {
            p.push(format!(
                "--tumour-fraction must be in [0, 1] (got {})",
                self.tumour_fraction
            ));
        }
        if !(self.depth > 0.0 && self.depth <= 1e7) {
            p.push(format!(
                "--depth must be in (0, 10,000,000] (got {})",
                self.depth
            ));
        }
        if !(30..=1000).contains(&self.read_length) {
            p.push(format!(
                "--read-length must be in 30..=1000 (got {})",
                self.read_length
            ));
        }
        if !(0.0..=0.3).contains(&self.error_rate) {
            p.push(format!(
                "--error-rate must be in [0, 0.3] (got {})",
                self.error_rate
            ));
        }
        if !(0.0..=0.95).contains(&self.duplicates) {
            p.push(format!(
                "--duplicates must be in [0, 0.95] (got {})",
                self.duplicates
            ));
        }
        if self.umi && !(1..=32).contains(&self.umi_length) {
            p.push(format!(
                "--umi-length must be in 1..=32 (got {})",
                self.umi_length
            ));
        }
        if self.window > 100_000 {
            p.push(format!(
                "--window must be at most 100,000 (got {})",
                self.window
            ));
        }
        if self.compression_level > 9 {
            p.push(format!(
                "--level must be in 0..=9 (got {})",
                self.compression_level
            ));
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(SimError::param(
                "simulate",
                format!("{} problem(s):\n{}", p.len(), p.join("\n")),
            ))
        }
    }

    /// The command that reproduces this run (without -@ and --out-dir).
    pub fn command_line(&self) -> String {
        let m = match &self.mutations {
            MutationRequest::All => "all".to_string(),
            MutationRequest::None => "none".to_string(),
            MutationRequest::List(v) => v
                .iter()
                .map(|s| format!("{}:{}:{}", s.id, s.ccf, s.copy_factor))
                .collect::<Vec<_>>()
                .join(","),
        };
        let (h, t) = (&self.healthy, &self.tumour);
        let mut cl = format!(
            "cfspot simulate --name {} --seed {} --tumour-fraction {} --depth {} --mutations {} \
             --read-length {} --error-rate {} --healthy-mode {} --healthy-sd {} --healthy-ladder {} \
             --tumour-mode {} --tumour-sd {} --tumour-ladder {} --dinucleosome {} \
             --min-fragment {} --max-fragment {} --duplicates {} --window {} --level {}",
            self.name,
            self.seed,
            self.tumour_fraction,
            self.depth,
            m,
            self.read_length,
            self.error_rate,
            h.mode,
            h.sd,
            h.ladder,
            t.mode,
            t.sd,
            t.ladder,
            h.dinucleosome,
            self.min_fragment,
            self.max_fragment,
            self.duplicates,
            self.window,
            self.compression_level
        );
        if self.umi {
            cl.push_str(&format!(" --umi --umi-length {}", self.umi_length));
        }
        cl
    }
}

/// How one block's fragments are drawn.
#[derive(Debug, Clone)]
pub struct BlockPlan {
    /// Unique fragments in the block.
    pub fragments: u64,
    /// P(a fragment carries a mutation; it then has a tumour length).
    pub p_mutant: f64,
    healthy_len: Option<Discrete>,
    tumour_len: Option<Discrete>,
    /// Exclusive groups of the block's mutations: (panel site, share).
    groups: Vec<Vec<(usize, f64)>>,
}

/// A prepared simulation: every table computed, nothing written.
pub struct Simulation<'a> {
    pub params: SimParams,
    pub panel: &'a Panel,
    pub reference_name: String,
    pub models: Vec<SiteModel>,
    events: Vec<Event>,
    /// Each panel site as the truth reads it (footprint, own event).
    truth_sites: Vec<TruthSite>,
    pub mutations: Mutations,
    pub blocks: Vec<Block>,
    pub plans: Vec<BlockPlan>,
    pub contigs: Vec<(String, u64)>,
    pub errors: ErrorModel,
    pub healthy: LengthModel,
    pub tumour: LengthModel,
    pub notes: Vec<String>,
}

/// What one chunk made.
pub struct ChunkOut {
    pub records: Vec<bam::Record>,
    /// Sort key of each record: (position, fragment, copy, mate).
    pub keys: Vec<(i64, u64, u32, u8)>,
    /// BGZF-compressed FASTQ for R1 and R2.
    pub fastq: [Vec<u8>; 2],
    /// Per block site (same order as `Block::sites`).
    pub truth: Vec<SiteTruth>,
    pub pairs: u64,
    pub fragments: u64,
}

/// One block, ready to write.
pub struct BlockOut {
    pub records: Vec<bam::Record>,
    /// Indices into `records`, in coordinate order.
    pub order: Vec<u32>,
    pub fastq: [Vec<Vec<u8>>; 2],
    pub truth: Vec<SiteTruth>,
    pub pairs: u64,
    pub fragments: u64,
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct SimSummary {
    pub files: Vec<PathBuf>,
    pub bam: PathBuf,
    pub truth_tsv: PathBuf,
    pub truth: Vec<TruthRow>,
    pub pairs: u64,
    pub fragments: u64,
    pub notes: Vec<String>,
}

fn random_umi(rng: &mut SimRng, len: usize) -> String {
    (0..len)
        .map(|_| b"ACGT"[rng.below(4) as usize] as char)
        .collect()
}

impl<'a> Simulation<'a> {
    /// Plan a simulation. The panel must be resolved against `reference`.
    pub fn new(
        params: &SimParams,
        panel: &'a Panel,
        reference: &dyn Reference,
    ) -> Result<Self, SimError> {
        params.validate()?;
        if panel.hotspots.is_empty() {
            return Err(SimError::param(
                "--panel",
                format!("panel {} holds no hotspots", panel.source),
            ));
        }
        if let Some(h) = panel.hotspots.iter().find(|h| h.ref_allele.is_empty()) {
            return Err(SimError::param(
                "--panel",
                format!(
                    "{} has no REF bases yet; resolve the panel against the reference first",
                    h.id
                ),
            ));
        }
        let healthy = LengthModel::new(
            &params.healthy,
            params.min_fragment,
            params.max_fragment,
            "healthy",
        )?;
        let tumour = LengthModel::new(
            &params.tumour,
            params.min_fragment,
            params.max_fragment,
            "tumour",
        )?;
        let models = prepare_sites(panel, Some(reference));
        let mutations = Mutations::resolve(&params.mutations, panel, &models)?;
        let mut notes = mutations.notes.clone();
        let contigs = header_contigs(panel, reference, &mut notes);
        let tid = |c: &str| contigs.iter().position(|x| x.0 == c).unwrap_or(usize::MAX);
        let blocks = layout::plan_blocks(
            panel,
            &models,
            reference,
            params.window,
            params.min_fragment,
            params.max_fragment,
            &tid,
        )?;
        let events = panel.hotspots.iter().map(Event::from_hotspot).collect();
        let truth_sites = (panel.hotspots.iter().zip(&models))
            .map(|(h, m)| TruthSite::new(h, m.footprint()))
            .collect();
        let mut sim = Simulation {
            params: params.clone(),
            panel,
            reference_name: reference.describe(),
            models,
            events,
            truth_sites,
            mutations,
            blocks,
            plans: Vec::new(),
            contigs,
            errors: ErrorModel::new(params.error_rate, params.read_length as usize),
            healthy,
            tumour,
            notes,
        };
        sim.plans = (0..sim.blocks.len()).map(|b| sim.plan_block(b)).collect();
        for (b, plan) in sim.blocks.iter().zip(&sim.plans) {
            if plan.fragments > 0 && plan.healthy_len.is_none() {
                return Err(SimError::param(
                    "--min-fragment",
                    format!(
                        "no fragment of {}..{} bp fits the reference around {}:{}-{}",
                        params.min_fragment,
                        params.max_fragment,
                        b.contig,
                        b.seq_start + 1,
                        b.seq_end()
                    ),
                ));
            }
        }
        Ok(sim)
    }

    fn plan_block(&self, b: usize) -> BlockPlan {
        let block = &self.blocks[b];
        let two_r = 2 * self.params.read_length;
        let weights = |m: &LengthModel| -> (Vec<f64>, f64) {
            let w: Vec<f64> = m
                .iter()
                .map(|(len, p)| match block.start_range(len) {
                    Some((lo, hi)) => p * (hi - lo + 1) as f64 / len.min(two_r) as f64,
                    None => 0.0,
                })
                .collect();
            let z = w.iter().sum();
            (w, z)
        };
        let (wh, zh) = weights(&self.healthy);
        let (wt, zt) = weights(&self.tumour);
        // The block's mutations by exclusive group, groups in their order,
        // members in group order (found from the block's own sites: scanning
        // every group per block was quadratic in the panel).
        let mut touched: Vec<usize> = block
            .sites
            .iter()
            .filter_map(|&s| self.mutations.at(s).map(|m| m.group))
            .collect();
        touched.sort_unstable();
        touched.dedup();
        let groups: Vec<Vec<(usize, f64)>> = touched
            .into_iter()
            .map(|g| {
                self.mutations.groups[g]
                    .iter()
                    .map(|&m| &self.mutations.list[m])
                    .filter(|m| block.sites.binary_search(&m.site).is_ok())
                    .map(|m| (m.site, m.share))
                    .collect()
            })
            .collect();
        let p_none: f64 = groups
            .iter()
            .map(|g| 1.0 - g.iter().map(|x| x.1).sum::<f64>())
            .product();
        let pi_mut = self.params.tumour_fraction * (1.0 - p_none);
        let z = (1.0 - pi_mut) * zh + pi_mut * zt;
        let fragments = (self.params.depth * z).round() as u64;
        BlockPlan {
            fragments,
            p_mutant: if z > 0.0 { pi_mut * zt / z } else { 0.0 },
            healthy_len: Discrete::new(&wh),
            tumour_len: Discrete::new(&wt),
            groups,
        }
    }

    /// Chunks of block `b`.
    pub fn chunks(&self, b: usize) -> u64 {
        self.plans[b].fragments.div_ceil(CHUNK)
    }

    /// Unique fragments in all blocks.
    pub fn fragments(&self) -> u64 {
        self.plans.iter().map(|p| p.fragments).sum()
    }

    /// Draw a tumour haplotype carrying at least one mutation: panel sites.
    fn draw_haplotype(&self, plan: &BlockPlan, rng: &mut SimRng, out: &mut Vec<usize>) {
        out.clear();
        for _ in 0..1_000_000 {
            for g in &plan.groups {
                let u = rng.uniform();
                let mut cum = 0.0;
                for &(site, share) in g {
                    cum += share;
                    if u < cum {
                        out.push(site);
                        break;
                    }
                }
            }
            if !out.is_empty() {
                return;
            }
        }
    }

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
        let dup_lambda = p.duplicates / (1.0 - p.duplicates);
        let rl = p.read_length as usize;
        let tid = block.tid as i32;
        let expect_records = ((last - first) as f64 * 2.0 * (1.0 + dup_lambda)) as usize + 8;
        let mut out = ChunkOut {
            records: Vec::with_capacity(expect_records),
            keys: Vec::with_capacity(expect_records),
            fastq: [Vec::new(), Vec::new()],
            truth: vec![SiteTruth::default(); block.sites.len()],
            pairs: 0,
            fragments: 0,
        };
        let mut text = [
            Vec::with_capacity(700 * CHUNK as usize),
            Vec::with_capacity(700 * CHUNK as usize),
        ];
        let mut haplotype: Vec<usize> = Vec::new();
        let mut events: Vec<&Event> = Vec::new();
        let mut carried: Vec<&Event> = Vec::new();
        for m in first..last {
            let mutant = plan.p_mutant > 0.0 && rng.uniform() < plan.p_mutant;
            let table = if mutant {
                self.draw_haplotype(plan, &mut rng, &mut haplotype);
                plan.tumour_len.as_ref()
            } else {
                haplotype.clear();
                plan.healthy_len.as_ref()
            };
            let Some(table) = table else { continue };
            let len = p.min_fragment + table.sample(&mut rng) as u32;
            let Some((lo, hi)) = block.start_range(len) else {
                continue;
            };
            let start = lo + rng.below(hi - lo + 1);
            events.clear();
            events.extend(haplotype.iter().map(|&s| &self.events[s]));
            events.sort_by_key(|e| (e.start, e.end));
            let frag = Fragment::build(&span, start, start + len as u64, &events);
            let lm = frag.seq.len();
            let r = rl.min(lm);
            let (lpos, lcig) = frag.alignment(0, r);
            let (rpos, rcig) = frag.alignment(lm - r, lm);
            let spans = [
                (lpos, reads::ref_end(lpos, &lcig)),
                (rpos, reads::ref_end(rpos, &rcig)),
            ];
            carried.clear();
            carried.extend(frag.carried.iter().map(|&i| events[i]));
            for (j, site) in block.sites.iter().enumerate() {
                out.truth[j].observe(&self.truth_sites[*site], spans, &carried, len);
            }
            out.fragments += 1;
            // Strand A: is read 1 the forward (left) read?
            let r1_left_a = rng.next_u64() & 1 == 0;
            let umis = p.umi.then(|| {
                (
                    random_umi(&mut rng, p.umi_length),
                    random_umi(&mut rng, p.umi_length),
                )
            });
            let copies = 1 + rng.poisson(dup_lambda);
            let tlen = (frag.end - frag.start) as i64;
            for c in 0..copies as u32 {
                let strand_b = rng.next_u64() & 1 == 1;
                let r1_left = r1_left_a ^ strand_b;
                let (rx, qname, mi) = match &umis {
                    Some((a, bb)) => {
                        let (u1, u2) = if strand_b { (bb, a) } else { (a, bb) };
                        (
                            Some(format!("{u1}-{u2}")),
                            format!("{}:{b}:{m}:{c}:{u1}+{u2}", p.name),
                            Some(format!("{b}:{m}/{}", if strand_b { 'B' } else { 'A' })),
                        )
                    }
                    None => (None, format!("{}:{b}:{m}:{c}", p.name), None),
                };
                // Sequence the left read forward and the right read from its
                // other end, in cycle order.
                let mut lseq = frag.seq[..r].to_vec();
                let mut lq = vec![0u8; r];
                self.errors.sequence(&mut rng, &mut lseq, &mut lq);
                let mut rseq = frag.seq[lm - r..].to_vec();
                reads::reverse_complement_in_place(&mut rseq);
                let mut rq = vec![0u8; r];
                self.errors.sequence(&mut rng, &mut rseq, &mut rq);
                let (fq1, fq2) = if r1_left {
                    ((&lseq, &lq), (&rseq, &rq))
                } else {
                    ((&rseq, &rq), (&lseq, &lq))
                };
                fastq_out::push_record(&mut text[0], &qname, 1, fq1.0, fq1.1);
                fastq_out::push_record(&mut text[1], &qname, 2, fq2.0, fq2.1);
                // Back to reference orientation for the BAM.
                reads::reverse_complement_in_place(&mut rseq);
                rq.reverse();
                let left = OwnedRead {
                    start: lpos as i64,
                    cigar: lcig.clone(),
                    seq: lseq,
                    qual: lq,
                };
                let right = OwnedRead {
                    start: rpos as i64,
                    cigar: rcig.clone(),
                    seq: rseq,
                    qual: rq,
                };
                let dup = if c > 0 { flag::DUPLICATE } else { 0 };
                let base = flag::PAIRED | flag::PROPER_PAIR | dup;
                let (l_mate, r_mate) = if r1_left {
                    (flag::READ1, flag::READ2)
                } else {
                    (flag::READ2, flag::READ1)
                };
                for (k, (read, flags, mpos, tl)) in [
                    (&left, base | flag::MATE_REVERSE | l_mate, rpos, tlen),
                    (&right, base | flag::REVERSE | r_mate, lpos, -tlen),
                ]
                .into_iter()
                .enumerate()
                {
                    let (nm, md) = reads::nm_md(read, &span);
                    let info = bam_out::RecordInfo {
                        qname: &qname,
                        tid,
                        flags,
                        mpos: mpos as i64,
                        tlen: tl,
                        nm,
                        md: &md,
                        read_group: &p.name,
                        rx: rx.as_deref(),
                        mi: mi.as_deref(),
                    };
                    out.keys.push((read.start, m, c, k as u8));
                    out.records.push(bam_out::record(read, &info));
                }
                out.pairs += 1;
            }
        }
        fastq_out::compress(&text[0], p.compression_level, &mut out.fastq[0]);
        fastq_out::compress(&text[1], p.compression_level, &mut out.fastq[1]);
        out
    }

    /// Make block `b` (chunks in parallel on the current rayon pool), with
    /// its records in coordinate order.
    pub fn generate_block(&self, b: usize) -> BlockOut {
        self.generate_block_with_progress(b, &Progress::new())
    }

    /// [`Simulation::generate_block`], adding each chunk's planned
    /// fragments to `progress` as it is made (planned, not kept: a draw
    /// that does not fit the block is skipped, and the total is the plan).
    pub fn generate_block_with_progress(&self, b: usize, progress: &Progress) -> BlockOut {
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
        let mut keyed: Vec<((i64, u64, u32, u8), u32)> = Vec::with_capacity(n);
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

    /// Per-hotspot truth rows (panel order) from per-block tallies.
    pub fn truth_rows(&self, per_block: &[Vec<SiteTruth>]) -> Vec<TruthRow> {
        let mut sites = vec![SiteTruth::default(); self.panel.hotspots.len()];
        for (block, t) in self.blocks.iter().zip(per_block) {
            for (&s, x) in block.sites.iter().zip(t) {
                sites[s].add(x);
            }
        }
        self.panel
            .hotspots
            .iter()
            .enumerate()
            .map(|(i, h)| {
                TruthRow::new(
                    h,
                    i,
                    &sites[i],
                    &self.mutations,
                    self.params.tumour_fraction,
                )
            })
            .collect()
    }

    /// Simulate and write every output into `params.out_dir`.
    pub fn run(&self) -> Result<SimSummary, SimError> {
        self.run_with_progress(&Progress::new())
    }

    /// [`Simulation::run`], counting the unique fragments made, out of
    /// [`Simulation::fragments`], in `progress`. (Writing the last block and
    /// renaming the files come after the count reaches the total.)
    pub fn run_with_progress(&self, progress: &Progress) -> Result<SimSummary, SimError> {
        progress.begin(Some(self.fragments()), Measure::Items("fragments"));
        let p = &self.params;
        let dir = &p.out_dir;
        std::fs::create_dir_all(dir).map_err(|e| SimError::write(dir, e))?;
        let [bam_path, bai_path, r1_path, r2_path, tsv_path, vcf_path, json_path] =
            p.output_files();
        let temp = |final_path: &Path| {
            tempfile::Builder::new()
                .prefix(".cfspot-")
                .suffix(".part")
                .tempfile_in(dir)
                .map_err(|e| {
                    SimError::write(
                        final_path,
                        format!("cannot create a temporary file in {}: {e}", dir.display()),
                    )
                })
        };
        let bam_tmp = temp(&bam_path)?;
        let bai_tmp = temp(&bai_path)?;
        let mut fq_tmp = [temp(&r1_path)?, temp(&r2_path)?];
        let threads = p.threads.max(1);
        let header = bam_out::header(&self.contigs, &p.name, &p.command_line());
        let mut writer = bam_out::IndexingWriter::create(
            bam_tmp.path(),
            bai_tmp.path(),
            &header,
            p.compression_level,
            threads,
        )
        .map_err(|e| SimError::write(&bam_path, e))?;
        let mut per_block_truth: Vec<Vec<SiteTruth>> = Vec::with_capacity(self.blocks.len());
        let (mut pairs, mut fragments) = (0u64, 0u64);
        {
            let [fq1, fq2] = &mut fq_tmp;
            let mut fq = [
                std::io::BufWriter::with_capacity(1 << 20, fq1.as_file_mut()),
                std::io::BufWriter::with_capacity(1 << 20, fq2.as_file_mut()),
            ];
            let fq_paths = [&r1_path, &r2_path];
            let floors = layout::later_floors(&self.blocks);
            // Records of earlier blocks at or past the current block's floor,
            // in order: later blocks' reads may come before them.
            let mut held: Vec<bam::Record> = Vec::new();
            let mut b = 0;
            let mut write_block = |out: BlockOut| -> Result<Vec<SiteTruth>, SimError> {
                let floor = floors[b].map(|f| f as i64);
                b += 1;
                let mut write = |rec: &bam::Record| writer.write(rec);
                let earlier = std::mem::take(&mut held);
                merge_held(earlier, &out, floor, &mut held, &mut write)
                    .map_err(|e| SimError::write(&bam_path, e))?;
                for k in 0..2 {
                    for bytes in &out.fastq[k] {
                        fq[k]
                            .write_all(bytes)
                            .map_err(|e| SimError::write(fq_paths[k], e))?;
                    }
                }
                pairs += out.pairs;
                fragments += out.fragments;
                Ok(out.truth)
            };
            // Write block b while block b + 1 is being made.
            let mut pending: Option<BlockOut> = None;
            for b in 0..=self.blocks.len() {
                let (written, next) = rayon::join(
                    || pending.take().map(&mut write_block),
                    || {
                        (b < self.blocks.len())
                            .then(|| self.generate_block_with_progress(b, progress))
                    },
                );
                if let Some(t) = written {
                    per_block_truth.push(t?);
                }
                pending = next;
            }
            for k in 0..2 {
                fastq_out::finish(&mut fq[k]).map_err(|e| SimError::write(fq_paths[k], e))?;
            }
        }
        // Close the BAM (its EOF block) and write the index built on the way.
        writer.finish().map_err(|e| match e {
            bam_out::FinishError::Index => SimError::write(&bai_path, e),
            bam_out::FinishError::Close => SimError::write(&bam_path, e),
        })?;
        let truth = self.truth_rows(&per_block_truth);
        let mut tsv_tmp = temp(&tsv_path)?;
        truth::write_tsv(tsv_tmp.as_file_mut(), &truth)
            .map_err(|e| SimError::write(&tsv_path, e))?;
        let mut vcf_tmp = temp(&vcf_path)?;
        truth::write_vcf(
            std::io::BufWriter::new(vcf_tmp.as_file_mut()),
            &self.contigs,
            &truth,
            &p.name,
        )
        .map_err(|e| SimError::write(&vcf_path, e))?;
        let mut json_tmp = temp(&json_path)?;
        let json = serde_json::to_string_pretty(&self.params_json(pairs, fragments))
            .map_err(|e| SimError::write(&json_path, e))?;
        json_tmp
            .write_all(json.as_bytes())
            .and_then(|_| json_tmp.write_all(b"\n"))
            .map_err(|e| SimError::write(&json_path, e))?;
        // Everything is written: move it into place (the index after the BAM,
        // so that it is the newer file).
        let mut files = Vec::new();
        for (tmp, dest) in [
            (bam_tmp, &bam_path),
            (bai_tmp, &bai_path),
            (std::mem::replace(&mut fq_tmp[0], temp(&r1_path)?), &r1_path),
            (std::mem::replace(&mut fq_tmp[1], temp(&r2_path)?), &r2_path),
            (tsv_tmp, &tsv_path),
            (vcf_tmp, &vcf_path),
            (json_tmp, &json_path),
        ] {
            tmp.as_file()
                .sync_all()
                .map_err(|e| SimError::write(dest, e))?;
            // Temporary files are private (0600); outputs are ordinary files.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = tmp
                    .as_file()
                    .set_permissions(std::fs::Permissions::from_mode(0o644));
            }
            tmp.persist(dest)
                .map_err(|e| SimError::write(dest, e.error))?;
            files.push(dest.clone());
        }
        Ok(SimSummary {
            files,
            bam: bam_path,
            truth_tsv: tsv_path,
            truth,
            pairs,
            fragments,
            notes: self.notes.clone(),
        })
    }

    fn params_json(&self, pairs: u64, fragments: u64) -> serde_json::Value {
        let p = &self.params;
        let blocks: Vec<serde_json::Value> = self
            .blocks
            .iter()
            .zip(&self.plans)
            .map(|(b, plan)| {
                serde_json::json!({
                    "region": format!("{}:{}-{}", b.contig, b.seq_start + 1, b.seq_end()),
                    "target": format!("{}:{}-{}", b.contig, b.target_start + 1, b.target_end),
                    "hotspots": b.sites.iter().map(|&s| self.panel.hotspots[s].id.clone()).collect::<Vec<_>>(),
                    "unique_fragments": plan.fragments,
                    "p_mutant_fragment": plan.p_mutant,
                })
            })
            .collect();
        let mutations: Vec<serde_json::Value> = self
            .mutations
            .list
            .iter()
            .map(|m| {
                serde_json::json!({
                    "id": m.id, "ccf": m.ccf, "copy_factor": m.copy_factor,
                    "alt_share_of_tumour_fragments": m.share,
                    "expected_vaf": p.tumour_fraction * m.share,
                })
            })
            .collect();
        serde_json::json!({
            "cfspot_version": env!("CARGO_PKG_VERSION"),
            "command": p.command_line(),
            "parameters": p,
            "mutations_requested": match &p.mutations {
                MutationRequest::All => serde_json::json!("all"),
                MutationRequest::None => serde_json::json!("none"),
                MutationRequest::List(v) => serde_json::json!(v),
            },
            "mutations": mutations,
            "panel": self.panel.source,
            "reference": self.reference_name,
            "models": {
                "error_profile": "p(c) = error_rate * (0.25 + 1.5 * c / (read_length - 1)) at cycle c (0-based); qualities drawn so that E[10^(-Q/10)] = p(c), capped at 41",
                "healthy_mean_length": self.healthy.mean(),
                "healthy_share_below_150": self.healthy.share_below(150),
                "tumour_mean_length": self.tumour.mean(),
                "tumour_share_below_150": self.tumour.share_below(150),
                "duplicates": "each unique fragment is read 1 + Poisson(d / (1 - d)) times; copies after the first are flagged 0x400",
            },
            "blocks": blocks,
            "results": { "read_pairs": pairs, "unique_fragments": fragments },
            "notes": self.notes,
        })
    }
}

/// Write block `out`'s records merged with `earlier` (records held back from
/// earlier blocks, in order), holding back into `held` those at or past
/// `floor`, where a later block's reads may start. On equal positions the
/// earlier block's record goes first, so the order depends on the seed only.
/// Once one record is held, every later one is too (the stream is sorted).
fn merge_held(
    earlier: Vec<bam::Record>,
    out: &BlockOut,
    floor: Option<i64>,
    held: &mut Vec<bam::Record>,
    write: &mut dyn FnMut(&bam::Record) -> Result<(), String>,
) -> Result<(), String> {
    let hold = |rec: &bam::Record| floor.is_some_and(|f| rec.pos() >= f);
    let mut earlier = earlier.into_iter().peekable();
    for &i in &out.order {
        let rec = &out.records[i as usize];
        while let Some(e) = earlier.next_if(|e| e.pos() <= rec.pos()) {
            if hold(&e) {
                held.push(e);
            } else {
                write(&e)?;
            }
        }
        if hold(rec) {
            held.push(rec.clone());
        } else {
            write(rec)?;
        }
    }
    for e in earlier {
        if hold(&e) {
            held.push(e);
        } else {
            write(&e)?;
        }
    }
    Ok(())
}

/// Contigs of the BAM header: the panel's `##contig` lines, then any other
/// panel contig (length from an indexed FASTA, else the last base the
/// reference holds, with a note).
fn header_contigs(
    panel: &Panel,
    reference: &dyn Reference,
    notes: &mut Vec<String>,
) -> Vec<(String, u64)> {
    let mut contigs: Vec<(String, u64)> = panel.contigs.clone();
    let indexed = reference
        .fasta_path()
        .and_then(|p| crate::reference::IndexedFasta::from_path(p).ok());
    for h in &panel.hotspots {
        if contigs.iter().any(|c| c.0 == h.contig) {
            continue;
        }
        let len = indexed.as_ref().and_then(|f| f.contig_len(&h.contig)).unwrap_or_else(|| {
            // The furthest base the reference holds past this contig's hotspots.
            let last = panel.hotspots.iter().filter(|x| x.contig == h.contig).map(|x| x.end()).max().unwrap_or(h.pos);
            let reach = layout_reach(reference, &h.contig, last);
            notes.push(format!(
                "the panel gives no length for {}; the BAM header says {reach} (the last base the reference holds near its hotspots)",
                h.contig
            ));
            reach
        });
        contigs.push((h.contig.clone(), len));
    }
    contigs
}

/// The end of the reference stretch holding 1-based `pos` (up to 1 Mb on).
fn layout_reach(reference: &dyn Reference, contig: &str, pos: u64) -> u64 {
    let (s, e) = (pos - 1, pos);
    let (mut lo, mut hi) = (0u64, 1_000_000u64);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reference.fetch(contig, s, e + mid).is_ok() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    e + lo
}

/// Plan and run a simulation on the current rayon pool.
pub fn simulate(
    params: &SimParams,
    panel: &Panel,
    reference: &dyn Reference,
) -> Result<SimSummary, SimError> {
    Simulation::new(params, panel, reference)?.run()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, pos: i64) -> bam::Record {
        let mut r = bam::Record::new();
        r.set(name.as_bytes(), None, b"", &[]);
        r.set_pos(pos);
        r
    }

    /// Held-back records merge with the next block's in position order (the
    /// earlier block first on a tie); those at or past the floor wait.
    #[test]
    fn merge_held_writes_in_order_and_holds_past_the_floor() {
        let out = BlockOut {
            // Made out of order; `order` sorts them.
            records: vec![rec("b25", 25), rec("b5", 5), rec("b10", 10), rec("b15", 15)],
            order: vec![1, 2, 3, 0],
            fastq: [Vec::new(), Vec::new()],
            truth: Vec::new(),
            pairs: 0,
            fragments: 0,
        };
        let earlier = vec![rec("a10", 10), rec("a20", 20)];
        let name = |r: &bam::Record| String::from_utf8_lossy(r.qname()).into_owned();
        let mut written = Vec::new();
        let mut held = Vec::new();
        merge_held(earlier.clone(), &out, Some(18), &mut held, &mut |r| {
            written.push(name(r));
            Ok(())
        })
        .unwrap();
        assert_eq!(written, ["b5", "a10", "b10", "b15"]);
        assert_eq!(held.iter().map(name).collect::<Vec<_>>(), ["a20", "b25"]);
        // No later block on the contig: everything is written.
        let (mut written, mut held) = (Vec::new(), Vec::new());
        merge_held(earlier, &out, None, &mut held, &mut |r| {
            written.push(name(r));
            Ok(())
        })
        .unwrap();
        assert_eq!(written, ["b5", "a10", "b10", "b15", "a20", "b25"]);
        assert!(held.is_empty());
    }
}
