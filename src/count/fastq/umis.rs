//! Where FASTQ reads keep their UMIs, and a read pair's template and tag.
//!
//! Two places, as the tools that write FASTQ have them:
//! - **In the reads** (inline UMIs), described by fgbio read structures
//!   given with `--read-structure` (one per read of a fragment: `8M2S+T
//!   8M2S+T`): the UMI bases are cut off, and only the template is placed.
//!   Given, never guessed: bases cannot say they are a UMI.
//! - **In the header**: an `RX:Z:` comment field (`samtools fastq -T RX`)
//!   or the end of the read name after its last `:` or `_` (bcl2fastq,
//!   umi_tools `extract`, `cfspot simulate --umi`), read by
//!   [`umi_in_header`]. Found from the first records of read 1's file, by
//!   [`crate::count::molecule::umi::detect`]'s rules: used when every
//!   record looked at has one; an error naming the first record without it
//!   when at least half have one (and a name pattern on fewer than half is
//!   taken as chance: no UMIs).
//!
//! Without either, fragments are grouped by position only, and the note
//! says so. A read pair's UMI is read 1's header's (mates carry the same
//! one), or both reads' inline parts, read 1's first (fgbio's `RX`).

use super::reader::{FastqReader, Record};
use super::{FastqError, Layout};
use crate::count::molecule::read_structure::{pair_umi, ReadStructure};
use crate::count::molecule::setup::UmiKind;
use crate::count::molecule::umi::{shape_text, umi_in_header, DETECT_RECORDS};
use crate::count::molecule::{MoleculeTag, Umi};
use std::path::Path;

/// Where the UMIs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FastqUmiSource {
    /// Inline, by one read structure per read of a fragment.
    Structures(Vec<ReadStructure>),
    /// In each read 1's header.
    Header,
    /// None: position-only grouping.
    None,
}

/// How one input's reads give their UMIs: the source, and for header UMIs
/// the shape (`8` or `8+8`) its first records set, which every later one
/// must have (inline UMIs have the structure's lengths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastqUmis {
    pub source: FastqUmiSource,
    /// Two-part UMIs, one per end (a duplex library's).
    paired: bool,
    /// Header UMIs' shape, from the first records.
    shape: Option<(usize, Option<usize>)>,
}

/// One read's bases and qualities as they are placed: the template only.
pub enum Template<'r> {
    Whole(&'r [u8], &'r [u8]),
    Cut(Vec<u8>, Vec<u8>),
}

impl Template<'_> {
    pub fn seq(&self) -> &[u8] {
        match self {
            Template::Whole(s, _) => s,
            Template::Cut(s, _) => s,
        }
    }
    pub fn qual(&self) -> &[u8] {
        match self {
            Template::Whole(_, q) => q,
            Template::Cut(_, q) => q,
        }
    }
}

impl FastqUmis {
    /// The source for `layout`: the `structures` given (one per read of a
    /// fragment, at least one with UMI bases), else the header's UMIs of
    /// read 1's first records, else none.
    pub fn detect(layout: &Layout, structures: &[ReadStructure]) -> Result<FastqUmis, FastqError> {
        let reads = match layout {
            Layout::Single(_) => 1,
            Layout::Paired(..) | Layout::Interleaved(_) => 2,
        };
        if !structures.is_empty() {
            let invalid = |m: String| Err(FastqError::Invalid(m));
            if structures.len() != reads {
                return invalid(format!(
                    "--read-structure takes one structure per read of a fragment: this input has {reads} ({}), {} given",
                    if reads == 1 { "single-end" } else { "read 1 and read 2" },
                    structures.len()
                ));
            }
            if !structures.iter().any(|s| s.has_umi()) {
                let given: Vec<String> = structures.iter().map(|s| s.to_string()).collect();
                return invalid(format!(
                    "--read-structure {} has no UMI (M) segment: write where the UMI bases are, e.g. 8M2S+T",
                    given.join(" ")
                ));
            }
            // Two-part UMIs (a duplex library's) when both reads have one.
            let parts = structures.iter().filter(|s| s.has_umi()).count();
            return Ok(FastqUmis {
                source: FastqUmiSource::Structures(structures.to_vec()),
                paired: parts == 2,
                shape: None,
            });
        }
        let path = layout.files()[0];
        // Read 1's records: every other one of an interleaved file.
        let step = if matches!(layout, Layout::Interleaved(_)) {
            2
        } else {
            1
        };
        let batch = FastqReader::peek(path)?.next_batch(DETECT_RECORDS * step)?;
        let headers: Vec<&[u8]> = (0..batch.len())
            .step_by(step)
            .map(|i| batch.get(i).header)
            .take(DETECT_RECORDS)
            .collect();
        let results: Vec<_> = headers.iter().map(|h| umi_in_header(h)).collect();
        let with = results.iter().filter(|r| matches!(r, Some(Ok(_)))).count();
        if with == 0 || with * 2 < headers.len() {
            return Ok(FastqUmis::none());
        }
        let first = results.iter().find_map(|r| r.as_ref()?.as_ref().ok());
        let mut umis = FastqUmis {
            source: FastqUmiSource::Header,
            paired: false,
            shape: first.map(Umi::shape),
        };
        umis.paired = umis.shape.is_some_and(|s| s.1.is_some());
        for (i, h) in headers.iter().enumerate() {
            umis.header_umi(path, 1 + (i * step) as u64, h)?;
        }
        Ok(umis)
    }

    /// What was used, in words, for the run's notes.
    pub fn describe(&self) -> String {
        match &self.source {
            FastqUmiSource::Structures(s) => {
                let s: Vec<String> = s.iter().map(|s| s.to_string()).collect();
                format!(
                    "UMIs from the reads by read structure {} ({}), cut off before placing",
                    s.join(" "),
                    if self.paired { "one UMI per end" } else { "one UMI" }
                )
            }
            FastqUmiSource::Header => format!(
                "UMIs ({} bases) from read 1's header (an RX:Z: field, else the name after its last ':' or '_')",
                self.shape.map(shape_text).unwrap_or_default()
            ),
            FastqUmiSource::None => "no UMIs in the reads' headers and no --read-structure: \
                 fragments are grouped into molecules by position only (two molecules with the same ends count once)"
                .to_string(),
        }
    }

    /// No UMIs: position-only grouping.
    pub fn none() -> FastqUmis {
        FastqUmis {
            source: FastqUmiSource::None,
            paired: false,
            shape: None,
        }
    }

    /// What the reads say of their molecules, as grouping sees it.
    pub fn kind(&self) -> UmiKind {
        match (self.tagged(), self.paired) {
            (false, _) => UmiKind::None,
            (true, true) => UmiKind::Paired,
            (true, false) => UmiKind::Single,
        }
    }

    /// Are the UMIs two-part (a duplex library's, one per end)?
    pub fn paired_umis(&self) -> bool {
        self.paired
    }

    /// Is there anything to take off the reads or read from the headers?
    pub fn tagged(&self) -> bool {
        self.source != FastqUmiSource::None
    }

    /// The UMI in `header` (record `record` of `path`), or an error naming
    /// them: none, malformed, or not of the first records' shape.
    fn header_umi(&self, path: &Path, record: u64, header: &[u8]) -> Result<Umi, FastqError> {
        let fail = |detail: String| FastqError::Format {
            path: crate::stdin::shown(path),
            record,
            detail,
        };
        let umi = match umi_in_header(header) {
            Some(Ok(u)) => u,
            Some(Err(problem)) => {
                return Err(fail(format!(
                    "{problem} (reading the UMI from the header {:?})",
                    String::from_utf8_lossy(header)
                )))
            }
            None => {
                return Err(fail(format!(
                    "its header {:?} has no UMI (no RX:Z: field, no ':' or '_' before one), where the first records have one",
                    String::from_utf8_lossy(header)
                )))
            }
        };
        let shape = self.shape.unwrap_or(umi.shape());
        if umi.shape() != shape {
            return Err(fail(format!(
                "its UMI {umi} has {} bases where the first records have {}: UMIs of one input must have one length",
                shape_text(umi.shape()),
                shape_text(shape)
            )));
        }
        Ok(umi)
    }

    /// A fragment's templates and tag: read 1 (record `record` of `p1`) and
    /// read 2 when paired (of `p2`).
    pub fn split<'r>(
        &self,
        (r1, p1): (Record<'r>, &Path),
        r2: Option<(Record<'r>, &Path)>,
        record: u64,
    ) -> Result<(Template<'r>, Option<Template<'r>>, MoleculeTag), FastqError> {
        let whole = |r: Record<'r>| Template::Whole(r.seq, r.qual);
        match &self.source {
            FastqUmiSource::None => Ok((whole(r1), r2.map(|r| whole(r.0)), MoleculeTag::Untagged)),
            FastqUmiSource::Header => {
                let umi = self.header_umi(p1, record, r1.header)?;
                Ok((whole(r1), r2.map(|r| whole(r.0)), MoleculeTag::Umi(umi)))
            }
            FastqUmiSource::Structures(structures) => {
                let cut = |(r, p): (Record<'r>, &Path), s: &ReadStructure| {
                    s.split(r.seq, r.qual).map_err(|e| FastqError::Format {
                        path: crate::stdin::shown(p),
                        record,
                        detail: e.to_string(),
                    })
                };
                let a = cut((r1, p1), &structures[0])?;
                let b = match (r2, structures.get(1)) {
                    (Some(r), Some(s)) => Some(cut(r, s)?),
                    _ => None,
                };
                let none: &[u8] = &[];
                let fail = |detail: String| FastqError::Format {
                    path: crate::stdin::shown(p1),
                    record,
                    detail,
                };
                let umi = pair_umi(&a.umi, b.as_ref().map_or(none, |b| &b.umi))
                    .map_err(|e| fail(format!("its UMI: {e}")))?
                    // Only a '+M' segment can be empty.
                    .ok_or_else(|| fail("its read structure leaves no UMI bases".into()))?;
                let t = |s: crate::count::molecule::SplitRead| {
                    Template::Cut(s.template, s.template_qual)
                };
                Ok((t(a), b.map(t), MoleculeTag::Umi(umi)))
            }
        }
    }
}
