//! An alignment file checked before it is counted: its format (BAM or
//! CRAM) from its first bytes, its end-of-file marker, its sort order and
//! its index (built when missing), and the readers the engine opens on it.

use super::regions::RegionReader;
use super::CountError;
use crate::reference::Reference;
use rust_htslib::bam::{self, Read as _};
use std::io::{Read as _, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// What kind of alignment file a path holds, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlignmentFormat {
    Bam,
    Cram,
}

/// An alignment file checked and ready to count: format known, end-of-file
/// marker present, index present (or built).
#[derive(Debug, Clone)]
pub struct AlignmentInput {
    pub path: PathBuf,
    pub format: AlignmentFormat,
    /// Reference FASTA for CRAM decoding.
    pub cram_reference: Option<PathBuf>,
    /// True when cfspot built the index itself (callers say so).
    pub index_built: bool,
}

/// The 28-byte empty BGZF block that ends every complete BAM (SAM spec §4.1.2).
const BGZF_EOF: [u8; 28] = [
    0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 0x42, 0x43, 0x02, 0, 0x1b, 0, 0x03, 0, 0,
    0, 0, 0, 0, 0, 0, 0,
];

impl AlignmentInput {
    /// Check `path`, and build its index when it has none.
    pub fn open(path: &Path, reference: Option<&dyn Reference>) -> Result<Self, CountError> {
        let io = |e: std::io::Error| CountError::Open {
            path: path.to_owned(),
            detail: e.to_string(),
        };
        let mut f = std::fs::File::open(path).map_err(io)?;
        let mut magic = [0u8; 4];
        let n = f.read(&mut magic).map_err(io)?;
        let format = if n >= 2 && magic[..2] == [0x1f, 0x8b] {
            let len = f.seek(SeekFrom::End(0)).map_err(io)?;
            let mut tail = [0u8; 28];
            if len < 28 || {
                f.seek(SeekFrom::End(-28)).map_err(io)?;
                f.read_exact(&mut tail).map_err(io)?;
                tail != BGZF_EOF
            } {
                return Err(CountError::Truncated {
                    path: path.to_owned(),
                });
            }
            AlignmentFormat::Bam
        } else if n == 4 && &magic == b"CRAM" {
            AlignmentFormat::Cram
        } else if n > 0 && (magic[0] == b'@' || magic[..n].is_ascii()) {
            return Err(CountError::SamText {
                path: path.to_owned(),
            });
        } else {
            return Err(CountError::Open {
                path: path.to_owned(),
                detail: "not a BAM or CRAM file".into(),
            });
        };
        let cram_reference = match format {
            AlignmentFormat::Cram => Some(
                reference
                    .and_then(|r| r.fasta_path().map(Path::to_owned))
                    .ok_or_else(|| CountError::CramNeedsReference {
                        path: path.to_owned(),
                    })?,
            ),
            AlignmentFormat::Bam => None,
        };
        let mut input = AlignmentInput {
            path: path.to_owned(),
            format,
            cram_reference,
            index_built: false,
        };
        input.check_sort_order()?;
        if input.open_indexed().is_err() {
            input.build_index()?;
            input.index_built = true;
            input.open_indexed()?;
        }
        Ok(input)
    }

    pub(crate) fn open_plain(&self) -> Result<bam::Reader, CountError> {
        let mut r = bam::Reader::from_path(&self.path).map_err(|e| self.open_error(e))?;
        if let Some(fa) = &self.cram_reference {
            r.set_reference(fa).map_err(|e| self.open_error(e))?;
        }
        Ok(r)
    }

    /// A reader positioned by the index; one per worker.
    pub fn open_indexed(&self) -> Result<bam::IndexedReader, CountError> {
        let mut r = bam::IndexedReader::from_path(&self.path).map_err(|e| self.open_error(e))?;
        if let Some(fa) = &self.cram_reference {
            r.set_reference(fa).map_err(|e| self.open_error(e))?;
        }
        Ok(r)
    }

    /// A reader for several regions at once through the index; one per
    /// worker.
    pub(crate) fn open_regions(&self) -> Result<RegionReader, CountError> {
        RegionReader::new(self.open_plain()?, &self.path).map_err(|detail| CountError::Open {
            path: self.path.clone(),
            detail,
        })
    }

    fn open_error(&self, e: rust_htslib::errors::Error) -> CountError {
        CountError::Open {
            path: self.path.clone(),
            detail: e.to_string(),
        }
    }

    /// The header says how the file is sorted; believe it when it says
    /// "not by coordinate".
    fn check_sort_order(&self) -> Result<(), CountError> {
        let reader = self.open_plain()?;
        let text = String::from_utf8_lossy(reader.header().as_bytes()).into_owned();
        let so = text
            .lines()
            .find(|l| l.starts_with("@HD"))
            .and_then(|l| l.split('\t').find_map(|f| f.strip_prefix("SO:")));
        match so {
            Some(so @ ("unsorted" | "queryname")) => Err(CountError::Unsorted {
                path: self.path.clone(),
                detail: format!("its header says SO:{so}"),
            }),
            _ => Ok(()),
        }
    }

    fn build_index(&self) -> Result<(), CountError> {
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if tempfile::tempfile_in(dir).is_err() {
            return Err(CountError::NoIndex {
                path: self.path.clone(),
                detail: format!(
                    "its folder {} is not writable; index it where you can write (`samtools index {} OUT.bai`) or copy it to a writable folder",
                    dir.display(),
                    self.path.display()
                ),
            });
        }
        bam::index::build(&self.path, None, bam::index::Type::Bai, 1).map_err(|e| match e {
            rust_htslib::errors::Error::BamBuildIndex
            | rust_htslib::errors::Error::BamNotIndexable => CountError::Unsorted {
                path: self.path.clone(),
                detail: "indexing it failed, which is what an unsorted file does".into(),
            },
            other => CountError::NoIndex {
                path: self.path.clone(),
                detail: other.to_string(),
            },
        })
    }
}
