//! Output files that appear whole or not at all.
//!
//! A file output is written to a temporary file beside its destination and
//! renamed into place by [`Output::finish`]; an error (or a panic) before
//! that leaves no half-written file behind. `-` (or no path) is stdout.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct Output {
    inner: Inner,
}

enum Inner {
    Stdout(BufWriter<io::Stdout>),
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
}

impl Output {
    /// Open `path` for writing (`None` or `-`: stdout).
    pub fn create(path: Option<&Path>) -> io::Result<Output> {
        let inner = match path {
            None => Inner::Stdout(BufWriter::new(io::stdout())),
            Some(p) if p.as_os_str() == "-" => Inner::Stdout(BufWriter::new(io::stdout())),
            Some(p) => {
                let dir = p
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let tmp = tempfile::Builder::new()
                    .prefix(".cfspot-")
                    .suffix(".part")
                    .tempfile_in(dir)
                    .map_err(|e| {
                        io::Error::new(e.kind(), format!("cannot write in {}: {e}", dir.display()))
                    })?;
                Inner::File {
                    tmp: BufWriter::new(tmp),
                    path: p.to_owned(),
                }
            }
        };
        Ok(Output { inner })
    }

    /// Flush and move the file into place.
    pub fn finish(self) -> io::Result<()> {
        match self.inner {
            Inner::Stdout(mut w) => w.flush(),
            Inner::File { tmp, path } => {
                let tmp = tmp.into_inner().map_err(|e| e.into_error())?;
                // Temporary files are private (0600); an output is not.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    tmp.as_file()
                        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
                }
                tmp.as_file().sync_all()?;
                tmp.persist(&path).map_err(|e| {
                    io::Error::new(
                        e.error.kind(),
                        format!("cannot create {}: {}", path.display(), e.error),
                    )
                })?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Stdout(w) => w.write(buf),
            Inner::File { tmp, .. } => tmp.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Stdout(w) => w.flush(),
            Inner::File { tmp, .. } => tmp.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.tsv");
        let mut out = Output::create(Some(&path)).unwrap();
        out.write_all(b"hello\n").unwrap();
        assert!(!path.exists());
        out.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o777,
                0o644,
                "outputs are readable by others, as any tool's"
            );
        }
        // Dropped without finish: nothing left, not even the temp file.
        let path2 = dir.path().join("other.tsv");
        let mut out = Output::create(Some(&path2)).unwrap();
        out.write_all(b"partial").unwrap();
        drop(out);
        assert!(!path2.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
