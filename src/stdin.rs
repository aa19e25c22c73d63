//! Standard input, named `-` as samtools names it.
//!
//! cfspot tells an input's kind by its first bytes (FASTQ or an alignment
//! file), and the FASTQ engine looks at the first records once more to tell
//! interleaved pairs from single reads, before the engine reads it all. A
//! pipe cannot be rewound, so what those looks read is kept: [`peek`] reads
//! stdin from its start as often as needed (keeping only what was looked
//! at, a few kilobytes), and [`take`] hands the whole stream, from its first
//! byte, to the one reader that consumes it. htslib opens files by name, so
//! [`as_path`] feeds that stream through a pipe it can open as `/dev/fd/N`.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// How standard input is named in messages (and in place of a path).
pub const NAME: &str = "standard input";

/// Is `path` the `-` that means standard input?
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// `path` as messages show it: [`NAME`] for `-`.
pub fn shown(path: &Path) -> PathBuf {
    if is_stdin(path) {
        PathBuf::from(NAME)
    } else {
        path.to_owned()
    }
}

/// A stream whose start can be looked at many times before it is read once.
pub(crate) struct Tap {
    source: Option<Box<dyn Read + Send>>,
    /// Everything looked at so far, from the start.
    seen: Vec<u8>,
    eof: bool,
}

/// The error a second reader of a taken stream gets.
fn already_read() -> io::Error {
    io::Error::other(format!("{NAME} can be read only once (give `-` once)"))
}

impl Tap {
    pub fn new(source: Box<dyn Read + Send>) -> Self {
        Tap {
            source: Some(source),
            seen: Vec::new(),
            eof: false,
        }
    }

    /// Copy bytes from offset `pos` of the stream into `buf`, reading more
    /// of the source when the looks so far have not reached that far.
    fn peek_at(&mut self, pos: usize, buf: &mut [u8]) -> io::Result<usize> {
        let Some(source) = self.source.as_mut() else {
            return Err(already_read());
        };
        while pos >= self.seen.len() && !self.eof {
            let mut chunk = vec![0u8; buf.len().max(1 << 16)];
            match source.read(&mut chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => self.seen.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let avail = self.seen.get(pos..).unwrap_or_default();
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        Ok(n)
    }

    /// The whole stream from its start: what was looked at, then the rest.
    fn take(&mut self) -> io::Result<Box<dyn Read + Send>> {
        let source = self.source.take().ok_or_else(already_read)?;
        let seen = std::mem::take(&mut self.seen);
        Ok(Box::new(io::Cursor::new(seen).chain(source)))
    }
}

fn stdin_tap() -> MutexGuard<'static, Tap> {
    static TAP: OnceLock<Mutex<Tap>> = OnceLock::new();
    TAP.get_or_init(|| Mutex::new(Tap::new(Box::new(io::stdin()))))
        .lock()
        // A panic elsewhere cannot leave the bytes half-copied.
        .unwrap_or_else(|p| p.into_inner())
}

/// Standard input from its start, without using it up.
pub(crate) fn peek() -> Peek {
    Peek { pos: 0 }
}

/// A look at standard input from its start (see [`peek`]).
pub(crate) struct Peek {
    pos: usize,
}

impl Read for Peek {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = stdin_tap().peek_at(self.pos, buf)?;
        self.pos += n;
        Ok(n)
    }
}

/// All of standard input from its first byte, once.
pub fn take() -> io::Result<Box<dyn Read + Send>> {
    stdin_tap().take()
}

/// Standard input as a path that a library opening files by name can read
/// (`/dev/fd/N`, the read end of a pipe that a thread fills from [`take`]).
/// The caller opens the path, then drops the returned [`Feed`] (which
/// closes this process's copy of the read end, so a reader that stops
/// early ends the feeding thread instead of blocking it).
pub fn as_path() -> io::Result<Feed> {
    use std::os::fd::AsRawFd;
    let mut stream = take()?;
    let (reader, mut writer) = io::pipe()?;
    let path = PathBuf::from(format!("/dev/fd/{}", reader.as_raw_fd()));
    let thread = std::thread::Builder::new()
        .name("cfspot-stdin".into())
        .spawn(move || io::copy(&mut stream, &mut writer).map(drop))?;
    Ok(Feed {
        path,
        reader: Some(reader),
        thread: Some(thread),
    })
}

/// See [`as_path`].
pub struct Feed {
    pub path: PathBuf,
    reader: Option<io::PipeReader>,
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
}

impl Feed {
    /// Close this process's copy of the pipe's read end (once the path is
    /// open elsewhere).
    pub(crate) fn opened(&mut self) {
        self.reader = None;
    }

    /// Wait for the feeding thread: the error of reading stdin, if any
    /// (a reader that stopped early is not one).
    pub fn finish(mut self) -> io::Result<()> {
        self.reader = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(Err(e))) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Trickle(io::Cursor<Vec<u8>>);
    impl Read for Trickle {
        // Three bytes a read, as a slow pipe hands them out.
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3);
            self.0.read(&mut buf[..n])
        }
    }

    /// Fill `buf` from offset `pos`, as a reader over a peek would.
    fn look(tap: &mut Tap, pos: usize, buf: &mut [u8]) {
        let mut got = 0;
        while got < buf.len() {
            let n = tap.peek_at(pos + got, &mut buf[got..]).unwrap();
            assert!(n > 0, "the stream holds more");
            got += n;
        }
    }

    #[test]
    fn looks_do_not_use_the_stream_up() {
        let data: Vec<u8> = (0..=255u8).cycle().take(200_000).collect();
        let mut tap = Tap::new(Box::new(Trickle(io::Cursor::new(data.clone()))));
        let mut first = [0u8; 10];
        look(&mut tap, 0, &mut first);
        assert_eq!(first[..], data[..10]);
        // A second look, further in, then one from the start again.
        let mut later = [0u8; 5];
        look(&mut tap, 7, &mut later);
        assert_eq!(later[..], data[7..12]);
        look(&mut tap, 0, &mut first);
        assert_eq!(first[..], data[..10]);
        let mut all = Vec::new();
        tap.take().unwrap().read_to_end(&mut all).unwrap();
        assert_eq!(all, data, "the reader gets every byte, from the first");
        assert!(tap.take().is_err(), "once only");
        assert!(tap.peek_at(0, &mut first).is_err());
    }

    #[test]
    fn an_empty_stream_peeks_empty() {
        let mut tap = Tap::new(Box::new(io::empty()));
        let mut buf = [0u8; 4];
        assert_eq!(tap.peek_at(0, &mut buf).unwrap(), 0);
        assert_eq!(tap.peek_at(0, &mut buf).unwrap(), 0);
    }
}
