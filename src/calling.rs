//! A called sample and its files: the rows and summary that
//! [`crate::pipeline::call_sample`] assembles, the six files `call` and
//! `demo` write of them, and the verdict in one line.

use crate::output::Output;
use crate::panel::Panel;
use crate::report::calls::{self, CallRow, Summary};
use crate::report::percent::{percent, Digits, Gap};
use crate::report::{html, multiqc};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A called sample: one row per hotspot and the summary.
#[derive(Debug, Clone)]
pub struct CalledSample {
    pub rows: Vec<CallRow>,
    pub summary: Summary,
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
