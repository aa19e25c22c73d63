//! [`open`]: which backend a spec names (`demo`, a regional FASTA, an
//! indexed one), told from the file's first bytes and record names.
use super::indexed::{fai_path, IndexedFasta};
use super::messages::{gz_error, strip_gz};
use super::regional::{parse_region_name, RegionalFasta, DEMO_DESCRIPTION};
use super::{Reference, ReferenceError};
use crate::gzip::{is_bgzf, is_gzip, read_up_to};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Opens a reference: `demo` for the embedded demo windows, otherwise a
/// FASTA path (see [`open_with_notes`]).
pub fn open(spec: &str) -> Result<Box<dyn Reference>, ReferenceError> {
    open_with_notes(spec).map(|(reference, _notes)| reference)
}

/// Like [`open`], and also returns notes for the user (e.g. "built index
/// X.fai"); nothing is printed here.
///
/// For a path: a gzip-compressed file is read through faidx (it must be
/// bgzip-compressed), unless its first record is named `chrom:start-end`,
/// in which case it is a regional FASTA and is loaded into memory. An
/// uncompressed file is regional when all names in its `.fai` (or, without
/// a `.fai`, the first record's name) are `chrom:start-end`; otherwise it
/// is read through faidx, building the `.fai` if needed.
pub(crate) fn open_with_notes(
    spec: &str,
) -> Result<(Box<dyn Reference>, Vec<String>), ReferenceError> {
    if spec == "demo" {
        return Ok((Box::new(RegionalFasta::demo()), Vec::new()));
    }
    let path = Path::new(spec);
    if !path.exists() {
        return Err(ReferenceError::Other(format!(
            "reference {spec} does not exist (give a FASTA file, plain or bgzip-compressed, \
             or 'demo' for {DEMO_DESCRIPTION})"
        )));
    }
    if path.is_dir() {
        return Err(ReferenceError::Other(format!(
            "reference {spec} is a folder; give a FASTA file"
        )));
    }
    let io = |source| ReferenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut magic = [0u8; 18];
    let n = read_up_to(&mut File::open(path).map_err(io)?, &mut magic).map_err(io)?;
    let magic = &magic[..n];
    if is_gzip(magic) {
        let first = first_header_name(flate2::read::MultiGzDecoder::new(
            File::open(path).map_err(io)?,
        ))
        .map_err(|e| gz_error(path, e))?;
        match first {
            None => return Err(not_fasta(path)),
            Some(name) if parse_region_name(&name).is_some() => {
                let regional = RegionalFasta::from_path(path)?;
                return Ok((Box::new(regional), Vec::new()));
            }
            Some(_) => {}
        }
        if !is_bgzf(magic) {
            return Err(ReferenceError::Other(format!(
                "reference {spec} is compressed with plain gzip, but an indexed FASTA must be \
                 compressed with bgzip: run `gzip -dc {spec} | bgzip > {}.fa.gz && samtools faidx \
                 {}.fa.gz` and use the new file",
                strip_gz(spec),
                strip_gz(spec)
            )));
        }
        let (indexed, notes) = IndexedFasta::open_with_notes(path)?;
        return Ok((Box::new(indexed), notes));
    }
    let fai = fai_path(path);
    let regional = if fai.exists() {
        let text = std::fs::read_to_string(&fai).map_err(|source| ReferenceError::Io {
            path: fai.clone(),
            source,
        })?;
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split('\t').next())
            .filter(|n| !n.is_empty())
            .collect();
        !names.is_empty() && names.iter().all(|n| parse_region_name(n).is_some())
    } else {
        match first_header_name(File::open(path).map_err(io)?).map_err(io)? {
            None => return Err(not_fasta(path)),
            Some(name) => parse_region_name(&name).is_some(),
        }
    };
    if regional {
        Ok((Box::new(RegionalFasta::from_path(path)?), Vec::new()))
    } else {
        let (indexed, notes) = IndexedFasta::open_with_notes(path)?;
        Ok((Box::new(indexed), notes))
    }
}

fn not_fasta(path: &Path) -> ReferenceError {
    ReferenceError::Other(format!(
        "reference {} is not a FASTA file: it has no '>' header line (give a FASTA file, \
         plain or bgzip-compressed)",
        path.display()
    ))
}

/// The first word of the first header line, or None when the text does not
/// start (after empty lines) with a '>' line. Reads only the first lines.
fn first_header_name(reader: impl Read) -> std::io::Result<Option<String>> {
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        // Cap the line so a binary file without newlines is not read whole.
        let n = (&mut reader).take(1 << 20).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        return Ok(text
            .strip_prefix('>')
            .and_then(|h| h.split_whitespace().next())
            .map(str::to_string));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::indexed::fai_path;
    use crate::reference::tests::{err_text, write_fasta, FULL};
    use std::io::Write;

    #[test]
    fn open_detects_regional_files() {
        let dir = tempfile::tempdir().unwrap();
        let text = ">chr12:25,245,340-25,245,352\nACGTACGTACGTA\n";
        let p = write_fasta(dir.path(), "win.fa", text);
        let r = open(p.to_str().unwrap()).unwrap();
        assert!(r.fasta_path().is_none(), "regional, not indexed");
        assert_eq!(r.fetch("chr12", 25_245_339, 25_245_341).unwrap(), b"AC");
        assert!(
            !fai_path(&p).exists(),
            "no index is built for a regional file"
        );
        // with a .fai whose names are region-style
        rust_htslib::faidx::build(&p).unwrap();
        let r = open(p.to_str().unwrap()).unwrap();
        assert!(r.fasta_path().is_none());
        // gzip-compressed regional
        let gz = dir.path().join("win.fa.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let r = open(gz.to_str().unwrap()).unwrap();
        assert_eq!(r.fetch("chr12", 25_245_351, 25_245_352).unwrap(), b"A");
    }

    #[test]
    fn open_errors() {
        let msg = err_text(open("/no/such/ref.fa"));
        assert!(msg.contains("/no/such/ref.fa does not exist"), "{msg}");
        let dir = tempfile::tempdir().unwrap();
        let p = write_fasta(dir.path(), "x.txt", "hello\n");
        assert!(err_text(open(p.to_str().unwrap())).contains("not a FASTA"));
        // plain gzip (not bgzip), non-regional
        let gz = dir.path().join("ref.fa.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(FULL.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let msg = err_text(open(gz.to_str().unwrap()));
        assert!(msg.contains("bgzip"), "{msg}");
        // malformed FASTA for faidx (unequal line lengths)
        let bad = write_fasta(dir.path(), "bad.fa", ">a\nACGT\nAC\nACGT\n");
        let msg = err_text(open(bad.to_str().unwrap()));
        assert!(msg.contains("cannot build the index"), "{msg}");
    }
}
