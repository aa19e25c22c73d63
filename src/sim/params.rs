//! The settings of a simulation: [`SimParams`], their validation (all
//! problems together), the command line that reproduces a run, the files a
//! run writes, and `NAME.params.json`, which records all of it with the
//! planned blocks and the models' key numbers.

use super::lengths::LengthParams;
use super::library::Damage;
use super::mutations::MutationRequest;
use super::sources::SiteRate;
use super::{SimError, Simulation};
use serde::Serialize;
use std::path::PathBuf;

/// PCR cycles when `--pcr-error-rate` is given without `--pcr-cycles`.
pub(crate) const PCR_CYCLES: u32 = 10;

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
    /// Mean read pairs per unique fragment (its PCR family, both strands),
    /// over-dispersed: `1 + NB(mean − 1, dispersion)`. Off (`None`) unless
    /// asked for, so a run without it writes what it always did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_size_mean: Option<f64>,
    /// Shape of that negative binomial (variance `m + m² / k` for `m` =
    /// mean − 1); `None` with a mean is Poisson (k → ∞).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_size_dispersion: Option<f64>,
    pub umi: bool,
    pub umi_length: usize,
    /// Chance that a UMI base is misread, per copy; off (`None`) unless set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub umi_error_rate: Option<f64>,
    /// PCR errors per base per duplication, inherited by the copy's
    /// descendants ([`super::library`]); off (`None`) unless set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pcr_error_rate: Option<f64>,
    /// PCR cycles of that model (default [`PCR_CYCLES`]); needs the rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pcr_cycles: Option<u32>,
    /// Chance that a molecule is copied at each cycle (default 1); needs
    /// the rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pcr_efficiency: Option<f64>,
    /// Single-strand damage (`G>T:0.01`: a G of one original strand reads T
    /// in every copy of that strand); none unless set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub damage: Vec<Damage>,
    /// CpG deamination (`--cpg-factor F`): C>T at a CpG's C on the strand
    /// carrying it is F times the sequencer's C>T, made before sequencing
    /// ([`super::library`]); off (`None`, or 1) unless set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpg_factor: Option<f64>,
    /// Heterozygous germline ALTs (`--germline`), CHIP mutations and their
    /// VAFs (`--chip`), recurrent artefacts and their rates (`--artefact`):
    /// [`super::sources`]. Empty unless asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub germline: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chip: Vec<SiteRate>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub artefacts: Vec<SiteRate>,
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
            family_size_mean: None,
            family_size_dispersion: None,
            umi: false,
            umi_length: 8,
            umi_error_rate: None,
            pcr_error_rate: None,
            pcr_cycles: None,
            pcr_efficiency: None,
            damage: Vec::new(),
            cpg_factor: None,
            germline: Vec::new(),
            chip: Vec::new(),
            artefacts: Vec::new(),
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
        if let Some(m) = self.family_size_mean {
            if !(1.0..=1000.0).contains(&m) {
                p.push(format!(
                    "--family-size-mean must be in [1, 1000] read pairs (got {m})"
                ));
            }
            if self.duplicates > 0.0 {
                p.push(
                    "--family-size-mean and --duplicates both set the PCR copies: give one"
                        .to_string(),
                );
            }
        }
        match (self.family_size_mean, self.family_size_dispersion) {
            (None, Some(_)) => {
                p.push("--family-size-dispersion needs --family-size-mean".to_string())
            }
            (_, Some(k)) if !(k > 0.0 && k <= 1e6) => p.push(format!(
                "--family-size-dispersion must be in (0, 1,000,000] (got {k})"
            )),
            _ => {}
        }
        if let Some(e) = self.umi_error_rate {
            if !(0.0..=0.5).contains(&e) {
                p.push(format!("--umi-error-rate must be in [0, 0.5] (got {e})"));
            } else if !self.umi {
                p.push("--umi-error-rate needs --umi".to_string());
            }
        }
        match self.pcr_error_rate {
            Some(r) if !(0.0..=0.01).contains(&r) => p.push(format!(
                "--pcr-error-rate must be in [0, 0.01] per base per duplication (got {r})"
            )),
            None if self.pcr_cycles.is_some() || self.pcr_efficiency.is_some() => {
                p.push("--pcr-cycles and --pcr-efficiency need --pcr-error-rate".to_string())
            }
            _ => {}
        }
        if let Some(c) = self.pcr_cycles {
            if !(1..=40).contains(&c) {
                p.push(format!("--pcr-cycles must be in 1..=40 (got {c})"));
            }
        }
        if let Some(e) = self.pcr_efficiency {
            if !(e > 0.0 && e <= 1.0) {
                p.push(format!("--pcr-efficiency must be in (0, 1] (got {e})"));
            }
        }
        for d in &self.damage {
            if !(0.0..=0.1).contains(&d.rate) {
                p.push(format!(
                    "--damage {d}: the rate must be in [0, 0.1] per base"
                ));
            }
        }
        if let Some(f) = self.cpg_factor {
            let rate = super::library::cpg_rate(f, self.error_rate);
            if !(1.0..=1000.0).contains(&f) {
                p.push(format!(
                    "--cpg-factor must be in [1, 1000] (got {f}): it adds deamination to the sequencer's C>T at CpG, it cannot take it away"
                ));
            } else if f > 1.0 && self.error_rate == 0.0 {
                p.push("--cpg-factor multiplies the sequencer's C>T at CpG: it needs a non-zero --error-rate".to_string());
            } else if rate > 0.1 {
                p.push(format!(
                    "--cpg-factor {f} at --error-rate {}: the CpG C>T rate (F - 1) x e / 3 = {rate} must be at most 0.1 per base",
                    self.error_rate
                ));
            }
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
    pub(crate) fn command_line(&self) -> String {
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
        if let Some(m) = self.family_size_mean {
            cl.push_str(&format!(" --family-size-mean {m}"));
        }
        if let Some(k) = self.family_size_dispersion {
            cl.push_str(&format!(" --family-size-dispersion {k}"));
        }
        if self.umi {
            cl.push_str(&format!(" --umi --umi-length {}", self.umi_length));
            if let Some(e) = self.umi_error_rate {
                cl.push_str(&format!(" --umi-error-rate {e}"));
            }
        }
        if let Some(r) = self.pcr_error_rate {
            cl.push_str(&format!(" --pcr-error-rate {r}"));
        }
        if let Some(c) = self.pcr_cycles {
            cl.push_str(&format!(" --pcr-cycles {c}"));
        }
        if let Some(e) = self.pcr_efficiency {
            cl.push_str(&format!(" --pcr-efficiency {e}"));
        }
        if !self.damage.is_empty() {
            let d: Vec<String> = self.damage.iter().map(|d| d.to_string()).collect();
            cl.push_str(&format!(" --damage {}", d.join(",")));
        }
        if let Some(f) = self.cpg_factor {
            cl.push_str(&format!(" --cpg-factor {f}"));
        }
        let rates = |v: &[SiteRate]| {
            v.iter()
                .map(|s| format!("{}:{}", s.id, s.rate))
                .collect::<Vec<_>>()
                .join(",")
        };
        if !self.germline.is_empty() {
            cl.push_str(&format!(" --germline {}", self.germline.join(",")));
        }
        if !self.chip.is_empty() {
            cl.push_str(&format!(" --chip {}", rates(&self.chip)));
        }
        if !self.artefacts.is_empty() {
            cl.push_str(&format!(" --artefact {}", rates(&self.artefacts)));
        }
        cl
    }
}

impl Simulation<'_> {
    /// The contents of `NAME.params.json` for a run that made `pairs` read
    /// pairs from `fragments` unique fragments.
    pub(super) fn params_json(&self, pairs: u64, fragments: u64) -> serde_json::Value {
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
        let mut json = serde_json::json!({
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
        });
        if !self.sources.is_empty() {
            json["sources"] = self
                .sources
                .list
                .iter()
                .map(|a| serde_json::json!({"id": a.id, "source": a.source, "vaf": a.rate}))
                .collect();
            json["models"]["sources"] = serde_json::json!("germline: every fragment carries the ALT with chance 0.5; chip: fragments without a tumour mutation of their block, with chance VAF / (1 - share of fragments with one), so VAF among covering fragments; artefact: every fragment with chance RATE, before sequencing (both mates and every PCR copy agree)");
        }
        if let Some(m) = p.family_size_mean {
            json["models"]["family_sizes"] = serde_json::json!(match p.family_size_dispersion {
                Some(k) => format!("each unique fragment is read 1 + NB(mean {}, dispersion {k}) times (variance m + m^2 / k, m = mean - 1); copies after the first are flagged 0x400", m - 1.0),
                None => format!("each unique fragment is read 1 + Poisson({}) times; copies after the first are flagged 0x400", m - 1.0),
            });
        }
        if let Some(model) = self.library.describe() {
            json["models"]["pre_sequencing"] = serde_json::json!(model);
        }
        json
    }
}
