//! From counts to a called sample, and its files: what `cfspot call` and
//! `cfspot demo` share.

use crate::count::{ReadTally, SiteCounts};
use crate::output::Output;
use crate::panel::Panel;
use crate::report::calls::{self, BackgroundSummary, CallRow, FragmentLengths, Summary};
use crate::report::percent::{percent, Digits, Gap};
use crate::report::{html, multiqc};
use crate::stats::background::{ErrorModel, SiteBackground};
use crate::stats::call::{call_sample, call_sites, CallOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the sites' background comes from.
#[derive(Debug, Clone)]
pub enum Background {
    /// Estimated from the sample's own non-hotspot positions.
    Estimated(Box<ErrorModel>),
    /// One rate for every site (`--background-rate`).
    Fixed(f64),
}

#[derive(Debug, thiserror::Error)]
pub enum CallingError {
    #[error("no background positions were covered around the hotspots: is the input empty there? (or give --background-rate)")]
    NoBackground,
}

/// A called sample: one row per hotspot and the summary.
#[derive(Debug, Clone)]
pub struct CalledSample {
    pub rows: Vec<CallRow>,
    pub summary: Summary,
}

/// Test every site, judge the sample, and assemble what is reported.
pub fn call_counted(
    sample: &str,
    panel: &Panel,
    counts: &[SiteCounts],
    background: &Background,
    reads: Option<ReadTally>,
    informed: Option<&[usize]>,
    opts: &CallOptions,
) -> Result<CalledSample, CallingError> {
    let backgrounds: Vec<SiteBackground> = match background {
        Background::Estimated(m) if m.positions == 0 => return Err(CallingError::NoBackground),
        Background::Estimated(m) => panel
            .hotspots
            .iter()
            .zip(counts)
            .map(|(h, c)| {
                let strands = (c.ref_fwd + c.alt_fwd, c.ref_rev + c.alt_rev);
                m.for_site(&h.ref_allele, &h.alt_allele, strands)
            })
            .collect(),
        Background::Fixed(rate) => panel
            .hotspots
            .iter()
            .map(|_| SiteBackground {
                rate: *rate,
                rho: 0.0,
                source: "fixed".into(),
            })
            .collect(),
    };
    let site_calls = call_sites(counts, &backgrounds, opts);
    let sample_call = call_sample(counts, &site_calls, informed, opts);
    let rows: Vec<CallRow> = panel
        .hotspots
        .iter()
        .zip(counts)
        .zip(&site_calls)
        .map(|((h, c), s)| CallRow::new(h, c, s))
        .collect();
    let background = match background {
        Background::Estimated(m) => BackgroundSummary::from_model(m),
        Background::Fixed(rate) => BackgroundSummary {
            source: format!("fixed rate {rate}"),
            positions: 0,
            classes: Default::default(),
            germline_excluded: Vec::new(),
        },
    };
    let summary = calls::summary(
        sample,
        panel,
        &site_calls,
        &sample_call,
        opts,
        calls::qc(counts, reads),
        FragmentLengths::new(counts, &site_calls),
        background,
    );
    Ok(CalledSample { rows, summary })
}

/// The files `call` writes for `prefix`, in the order they are listed.
pub fn output_paths(prefix: &Path) -> [PathBuf; 6] {
    let p = |suffix: &str| PathBuf::from(format!("{}{suffix}", prefix.display()));
    [
        p(".calls.tsv"),
        p(".vcf"),
        p(".summary.json"),
        p(".report.html"),
        p("_mqc.json"),
        p(".hotspots_mqc.json"),
    ]
}

fn with_path(path: &Path, e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("cannot write {}: {e}", path.display()))
}

/// Write every output of a called sample. All of them appear, or none: each
/// is written to a temporary file, and they are moved into place only when
/// all are complete.
pub fn write_outputs(
    prefix: &Path,
    panel: &Panel,
    called: &CalledSample,
) -> std::io::Result<Vec<PathBuf>> {
    if let Some(dir) = prefix.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| with_path(dir, e))?;
    }
    let paths = output_paths(prefix);
    let (rows, summary) = (&called.rows, &called.summary);
    let mut outs = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let mut out = Output::create(Some(path)).map_err(|e| with_path(path, e))?;
        let written: std::io::Result<()> = match i {
            0 => calls::write_tsv(&mut out, rows).map_err(std::io::Error::other),
            1 => calls::write_vcf(&mut out, &summary.sample, panel, rows),
            2 => serde_json::to_writer_pretty(&mut out, summary)
                .map_err(std::io::Error::from)
                .and_then(|_| out.write_all(b"\n")),
            3 => html::write_html(&mut out, summary, rows),
            4 => multiqc::write_general_stats(&mut out, summary),
            _ => multiqc::write_hotspot_table(&mut out, summary, rows),
        };
        written.map_err(|e| with_path(path, e))?;
        outs.push((out, path));
    }
    for (out, path) in outs {
        out.finish().map_err(|e| with_path(path, e))?;
    }
    Ok(paths.to_vec())
}

/// The sample's verdict in one line.
pub fn verdict(summary: &Summary) -> String {
    let tf = &summary.tumour_fraction;
    if summary.sites_used.is_empty() {
        format!(
            "{}: {}: no hotspot above background; this sample would detect a tumour fraction of {} with 95 % probability",
            summary.sample,
            summary.status,
            summary
                .sample_lod
                .map(|l| percent(l, Digits::Fixed(2), Gap::Space))
                .unwrap_or_else(|| "(no depth)".into())
        )
    } else {
        format!(
            "{}: {} (threshold {}); tumour fraction {:.2} % (95 % CI {:.2}–{:.2} %), {} mode over {} site(s); {} site(s) detected",
            summary.sample,
            summary.status,
            summary.threshold,
            tf.estimate * 100.0,
            tf.lo * 100.0,
            tf.hi.unwrap_or(1.0) * 100.0,
            summary.mode,
            summary.sites_used.len(),
            summary.detected.len()
        )
    }
}
