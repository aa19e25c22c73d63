//! The FASTQ engine: allele counts at hotspots without an aligner.
//! (Interface stub; being implemented for issue 5.)

use super::allele::SiteModel;
use super::site::SiteCounts;
use super::CountOptions;
use crate::panel::Panel;
use crate::reference::Reference;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FastqError {
    #[error("cannot read {path}: {source}", path = path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

/// True when the file's content (after gunzip) looks like FASTQ.
pub fn looks_like_fastq(path: &Path) -> bool {
    let _ = path;
    false
}

/// Count every hotspot of `panel` from FASTQ `inputs` (paired R1 R2,
/// interleaved, or single-end), in panel order. Runs on the current rayon
/// pool; the result does not depend on its size.
pub fn count_fastq(
    inputs: &[PathBuf],
    panel: &Panel,
    models: &[SiteModel],
    reference: &dyn Reference,
    opts: &CountOptions,
) -> Result<Vec<SiteCounts>, FastqError> {
    let _ = (inputs, panel, models, reference, opts);
    Err(FastqError::Invalid(
        "FASTQ input is not supported yet".into(),
    ))
}
