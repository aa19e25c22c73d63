//! A called sample and its files: the rows and summary that
//! [`crate::pipeline::call_sample`] assembles, the six files `call` and
//! `demo` write of them, and the verdict in one line.

use crate::output::FileSet;
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

/// Write every output of a called sample. All of them appear, or none
/// (one [`FileSet`]).
pub fn write_outputs(
    prefix: &Path,
    panel: &Panel,
    called: &CalledSample,
) -> std::io::Result<Vec<PathBuf>> {
    let mut files = FileSet::new();
    let paths = add_outputs(&mut files, prefix, panel, called)?;
    files.finish()?;
    Ok(paths)
}

/// Write a called sample's outputs into `files`, which puts them in place
/// when it is finished (with whatever else belongs with them, as `demo`'s
/// count TSV); returns their paths, in [`output_paths`]'s order.
pub fn add_outputs(
    files: &mut FileSet,
    prefix: &Path,
    panel: &Panel,
    called: &CalledSample,
) -> std::io::Result<Vec<PathBuf>> {
    let [tsv, vcf, json, page, general, hotspots] = output_paths(prefix);
    let (rows, summary) = (&called.rows, &called.summary);
    files.write(&tsv, |out| calls::write_tsv(out, rows))?;
    files.write(&vcf, |out| {
        let normal = summary.normal.as_ref().map(|n| n.sample.as_str());
        calls::write_vcf(out, &summary.sample, normal, &summary.count, panel, rows)
    })?;
    files.write(&json, |out| {
        serde_json::to_writer_pretty(&mut *out, summary)
            .map_err(std::io::Error::from)
            .and_then(|_| out.write_all(b"\n"))
    })?;
    files.write(&page, |out| html::write_html(out, summary, rows))?;
    files.write(&general, |out| multiqc::write_general_stats(out, summary))?;
    files.write(&hotspots, |out| {
        multiqc::write_hotspot_table(out, summary, rows)
    })?;
    Ok(vec![tsv, vcf, json, page, general, hotspots])
}

/// The sample's verdict in one line.
pub fn verdict(summary: &Summary) -> String {
    match summary.settings.length_note() {
        n if n.is_empty() => verdict_words(summary),
        n => format!("{} ({n})", verdict_words(summary)),
    }
}

fn verdict_words(summary: &Summary) -> String {
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
