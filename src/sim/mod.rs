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
//!    ALTs that are not the tumour's (germline, CHIP, recurrent artefacts)
//!    are drawn per fragment on top ([`sources`]).
//! 3. **Library** ([`library`]): UMIs, PCR copies (`1 + Poisson(d / (1 −
//!    d))` per unique fragment for `--duplicates d`; copies beyond the first
//!    are flagged 0x400 in the BAM, as a UMI-aware duplicate marker would,
//!    and appear in the FASTQ as raw reads do), each copy from strand A or B
//!    of the original duplex.
//! 4. **Sequencing** ([`sequencing`]): each copy's two ends are read
//!    (paired, FR; [`reads`] cuts and aligns them), with errors rising along
//!    the read and qualities that state them; **output** ([`emit`]) turns
//!    each pair into FASTQ and BAM records.
//! 5. **Chunks and files**: work is split into chunks of [`CHUNK`]
//!    fragments with their own random streams ([`rng`]), each made as
//!    fragment → library → sequencing → output ([`chunk`]); chunks run in
//!    parallel, each block's records are sorted in memory and written in
//!    block order, so every byte depends only on the seed. The files are
//!    one all-or-nothing set ([`writer`]).
//!
//! Rooms: [`params`] (settings, validation, files, params JSON), [`plan`]
//! (per-block counts and tables), [`layout`] (the blocks), [`lengths`]
//! (length models), [`mutations`], [`sources`], [`truth`], [`bam_out`] and
//! [`fastq_out`] (the formats).

pub(crate) mod bam_out;
pub mod chunk;
pub(crate) mod emit;
pub(crate) mod fastq_out;
pub mod fragment;
pub mod layout;
pub mod lengths;
pub mod library;
pub mod mutations;
pub mod params;
pub mod plan;
pub mod reads;
pub mod rng;
pub mod sequencing;
pub mod sources;
pub mod truth;
pub mod writer;

pub use params::SimParams;
pub(crate) use plan::BlockPlan;

use crate::count::{prepare_sites, SiteModel};
use crate::panel::Panel;
use crate::reference::{list_problems, Reference};
use layout::Block;
use lengths::LengthModel;
use library::Library;
use mutations::Mutations;
use reads::Event;
use sequencing::SequencingErrors;
use sources::Sources;
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
    /// The output files as a set (`output::FileSet`): its errors name the
    /// file.
    #[error("{0}")]
    Files(#[from] std::io::Error),
}

impl SimError {
    pub(crate) fn param(flag: &str, message: impl Into<String>) -> Self {
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

/// A prepared simulation: every table computed, nothing written.
pub struct Simulation<'a> {
    pub params: SimParams,
    pub panel: &'a Panel,
    pub(crate) reference_name: String,
    pub models: Vec<SiteModel>,
    events: Vec<Event>,
    /// Each panel site as the truth reads it (footprint, own event).
    truth_sites: Vec<TruthSite>,
    pub mutations: Mutations,
    /// The ALTs that are not the tumour's (germline, CHIP, artefacts).
    pub sources: Sources,
    pub blocks: Vec<Block>,
    pub plans: Vec<BlockPlan>,
    pub contigs: Vec<(String, u64)>,
    pub sequencing: SequencingErrors,
    pub library: Library,
    pub healthy: LengthModel,
    pub tumour: LengthModel,
    pub notes: Vec<String>,
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
        let sources = Sources::resolve(
            panel,
            &params.germline,
            &params.chip,
            &params.artefacts,
            params.tumour_fraction,
        )?;
        let mut notes = mutations.notes.clone();
        let contigs = plan::header_contigs(panel, reference, &mut notes);
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
            sources,
            blocks,
            plans: Vec::new(),
            contigs,
            sequencing: SequencingErrors::new(params.error_rate, params.read_length as usize),
            library: Library::new(params),
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

    /// Per-hotspot truth rows (panel order) from per-block tallies.
    pub(crate) fn truth_rows(&self, per_block: &[Vec<SiteTruth>]) -> Vec<TruthRow> {
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
                let row = TruthRow::new(
                    h,
                    i,
                    &sites[i],
                    &self.mutations,
                    &self.sources,
                    self.params.tumour_fraction,
                );
                if self.library.molecular() {
                    row.with_molecules(&sites[i])
                } else {
                    row
                }
            })
            .collect()
    }
}

/// Plan and run a simulation on the current rayon pool.
pub fn simulate(
    params: &SimParams,
    panel: &Panel,
    reference: &dyn Reference,
) -> Result<SimSummary, SimError> {
    Simulation::new(params, panel, reference)?.run()
}
