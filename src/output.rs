//! Output files that appear whole or not at all.
//!
//! A file output is written to a temporary file beside its destination and
//! renamed into place by [`Output::finish`]; an error (or a panic) before
//! that leaves no half-written file behind. `-` (or no path) is stdout.
//! A destination that is not a regular file (`/dev/null`, a FIFO,
//! `/dev/stdout`) is written in place: renaming over it would replace the
//! device or pipe with a file (as root, `-o /dev/null` would break
//! /dev/null for the whole machine). A symlink is followed: the file it
//! points to is replaced, the link stays.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct Output {
    inner: Inner,
}

enum Inner {
    Stdout(BufWriter<io::Stdout>),
    /// A device, FIFO or other non-regular file, written in place.
    Stream(BufWriter<std::fs::File>),
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
            Some(p) if std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()) => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .map_err(|e| {
                        io::Error::new(e.kind(), format!("cannot write {}: {e}", p.display()))
                    })?;
                Inner::Stream(BufWriter::new(file))
            }
            Some(p) => {
                // Through a symlink to its target, so the link survives.
                let p = &std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
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
            Inner::Stream(mut w) => w.flush(),
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
            Inner::Stream(w) => w.write(buf),
            Inner::File { tmp, .. } => tmp.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Stdout(w) => w.flush(),
            Inner::Stream(w) => w.flush(),
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

    #[cfg(target_os = "linux")]
    #[test]
    fn fifo_is_written_in_place_and_a_symlink_survives() {
        let dir = tempfile::tempdir().unwrap();
        // A FIFO stands in for /dev/null and /dev/stdout (which a test must
        // not risk replacing).
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // The read end is opened first, without blocking, so that opening
        // the write end does not wait and a wrong implementation fails
        // rather than hangs.
        const O_NONBLOCK: i32 = 0o4000; // Linux
        use std::os::unix::fs::OpenOptionsExt;
        let mut reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        let mut out = Output::create(Some(&fifo)).unwrap();
        out.write_all(b"through the pipe\n").unwrap();
        out.finish().unwrap();
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        use std::os::unix::fs::FileTypeExt;
        assert!(kind.is_fifo(), "still a FIFO, not replaced by a file");
        let mut got = String::new();
        std::io::Read::read_to_string(&mut reader, &mut got).unwrap();
        assert_eq!(got, "through the pipe\n");

        let target = dir.path().join("target.tsv");
        std::fs::write(&target, "old\n").unwrap();
        let link = dir.path().join("link.tsv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut out = Output::create(Some(&link)).unwrap();
        out.write_all(b"new\n").unwrap();
        out.finish().unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
    }
}
