//! Output files that appear whole or not at all.
//!
//! A file output is written to a temporary file beside its destination and
//! renamed into place by [`Output::finish`]; an error (or a panic) before
//! that leaves no half-written file behind. `-` (or no path) is stdout.
//! A destination that is not a regular file (`/dev/null`, a FIFO,
//! `/dev/stdout`) is written in place: renaming over it would replace the
//! device or pipe with a file (as root, `-o /dev/null` would break
//! /dev/null for the whole machine). A symlink is followed: the file it
//! points to is replaced, the link stays. Missing parent folders are
//! created, as for every cfspot output (one rule for all commands; an
//! output that is dropped unfinished removes the folders it made).
//!
//! [`FileSet`] does the same for several files that belong together (a
//! called sample's six, the simulator's seven): each is written to its
//! temporary file, and they are moved into place together at the end, or
//! none is.
//!
//! [`Inputs::refuse_overwrite`] is the check every command makes before
//! it reads or writes anything: no output may be one of its inputs.

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};

pub struct Output {
    inner: Inner,
    /// Folders made for this output, outermost first: removed again (when
    /// still empty) if the output is dropped unfinished.
    made_dirs: Vec<PathBuf>,
}

enum Inner {
    Stdout(BufWriter<io::Stdout>),
    /// A device, FIFO or other non-regular file, written in place.
    Stream(BufWriter<std::fs::File>),
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
    /// Finished (moved out by [`Output::finish`]).
    Done,
}

/// Create `dir` and its missing parents; returns those it made,
/// outermost first.
fn create_dirs(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && std::fs::symlink_metadata(d).is_err())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot create folder {}: {e}", dir.display()),
        )
    })?;
    Ok(missing.into_iter().rev().collect())
}

impl Drop for Output {
    fn drop(&mut self) {
        // Unfinished: the temporary file goes first (its own drop), then
        // the folders made for it, innermost first, if nothing else is in
        // them.
        self.inner = Inner::Done;
        for d in self.made_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

impl Output {
    /// Open `path` for writing (`None` or `-`: stdout), creating its
    /// missing parent folders.
    pub fn create(path: Option<&Path>) -> io::Result<Output> {
        let mut made_dirs = Vec::new();
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
                made_dirs = create_dirs(dir)?;
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
        Ok(Output { inner, made_dirs })
    }

    /// Flush and move the file into place.
    pub fn finish(mut self) -> io::Result<()> {
        self.seal()?;
        self.place()
    }

    /// The temporary file being written (`None` for stdout or a device),
    /// for a writer that opens its output by name, as htslib's BAM writer
    /// does: it writes there, and [`Output::finish`] (or the [`FileSet`])
    /// moves what it wrote into place.
    pub(crate) fn temp_path(&self) -> Option<&Path> {
        match &self.inner {
            Inner::File { tmp, .. } => Some(tmp.get_ref().path()),
            _ => None,
        }
    }

    /// Everything written reaches the disk; the file is not in place yet.
    fn seal(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Done => Ok(()),
            Inner::Stdout(w) => w.flush(),
            Inner::Stream(w) => w.flush(),
            Inner::File { tmp, .. } => {
                tmp.flush()?;
                let file = tmp.get_ref().as_file();
                // Temporary files are private (0600); an output is not.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
                }
                file.sync_all()
            }
        }
    }

    /// Move a sealed file into place.
    fn place(mut self) -> io::Result<()> {
        // In place: the folders stay, whatever happens now.
        self.made_dirs.clear();
        match std::mem::replace(&mut self.inner, Inner::Done) {
            Inner::File { tmp, path } => {
                let tmp = tmp.into_inner().map_err(|e| e.into_error())?;
                tmp.persist(&path).map_err(|e| {
                    io::Error::new(
                        e.error.kind(),
                        format!("cannot create {}: {}", path.display(), e.error),
                    )
                })?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The file this output replaces when placed (`None`: stdout, a device).
    fn destination(&self) -> Option<&Path> {
        match &self.inner {
            Inner::File { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Files that appear together or not at all: each is an [`Output`]
/// (written to a temporary file beside its destination), and
/// [`FileSet::finish`] first seals every one (flushed and synced), then
/// moves them into place in the order they were added. If a move fails,
/// the files already moved are removed again, so no part of the set is
/// left (a file they replaced is not brought back); dropped unfinished,
/// the set leaves nothing, temporary files and folders made for it
/// included.
#[derive(Default)]
pub struct FileSet {
    files: Vec<Output>,
}

impl FileSet {
    pub fn new() -> Self {
        FileSet::default()
    }

    /// Add an output (already written, or written by name through
    /// [`Output::temp_path`]) to the set.
    pub fn add(&mut self, out: Output) {
        self.files.push(out);
    }

    /// Create `path` as a file of the set and `write` it; an error names
    /// the file.
    pub fn write<E: std::fmt::Display>(
        &mut self,
        path: &Path,
        write: impl FnOnce(&mut Output) -> Result<(), E>,
    ) -> io::Result<()> {
        let said = |e: &dyn std::fmt::Display| {
            io::Error::other(format!("cannot write {}: {e}", path.display()))
        };
        let mut out = Output::create(Some(path)).map_err(|e| said(&e))?;
        write(&mut out).map_err(|e| said(&e))?;
        self.add(out);
        Ok(())
    }

    /// Seal every file, then move each into place.
    pub fn finish(mut self) -> io::Result<()> {
        for out in &mut self.files {
            let dest = out.destination().map(Path::to_owned);
            out.seal().map_err(|e| match dest {
                Some(d) => io::Error::new(e.kind(), format!("cannot write {}: {e}", d.display())),
                None => e,
            })?;
        }
        // The folders the set made, innermost last, for a rollback.
        let made: Vec<PathBuf> = self
            .files
            .iter()
            .flat_map(|o| o.made_dirs.iter().cloned())
            .collect();
        let mut placed: Vec<PathBuf> = Vec::new();
        for out in std::mem::take(&mut self.files) {
            let dest = out.destination().map(Path::to_owned);
            if let Err(e) = out.place() {
                for p in &placed {
                    let _ = std::fs::remove_file(p);
                }
                for d in made.iter().rev() {
                    let _ = std::fs::remove_dir(d);
                }
                return Err(e);
            }
            placed.extend(dest);
        }
        Ok(())
    }
}

impl Drop for FileSet {
    fn drop(&mut self) {
        // The last added first: a folder made for an earlier file is
        // removed only once the later files' temporary files are gone.
        while let Some(out) = self.files.pop() {
            drop(out);
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Stdout(w) => w.write(buf),
            Inner::Stream(w) => w.write(buf),
            Inner::File { tmp, .. } => tmp.write(buf),
            Inner::Done => Err(io::Error::other("output already finished")),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Stdout(w) => w.flush(),
            Inner::Stream(w) => w.flush(),
            Inner::File { tmp, .. } => tmp.flush(),
            Inner::Done => Ok(()),
        }
    }
}

/// What a command reads, listed before it writes anything, so that no
/// output can replace one of them ([`Inputs::refuse_overwrite`]).
#[derive(Debug, Default)]
pub struct Inputs {
    /// (path, what it is, as the message says it: "the input x.bam").
    files: Vec<(PathBuf, String)>,
}

/// An output that is one of the command's inputs, or two inputs that are
/// one file.
#[derive(Debug, thiserror::Error)]
pub enum OverlapError {
    #[error("refusing to write {}: it is {what}; choose another output name", output.display())]
    OutputIsInput {
        output: PathBuf,
        input: PathBuf,
        what: String,
    },
    #[error(
        "{} and {} are the same file: give it once (one FASTQ is read as single-end \
         or interleaved reads, two as R1 and R2)", first.display(), second.display()
    )]
    SameInput { first: PathBuf, second: PathBuf },
}

/// `path` with `suffix` appended to its name (`x.bam` → `x.bam.bai`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

impl Inputs {
    pub fn new() -> Self {
        Inputs::default()
    }

    /// A file read as it is; `-` (stdin) is no file and is left out.
    pub fn file(&mut self, path: &Path, what: &str) -> &mut Self {
        if path.as_os_str() != "-" {
            self.files
                .push((path.to_owned(), format!("{what} {}", path.display())));
        }
        self
    }

    /// A read file (BAM, CRAM or FASTQ) and the index names htslib looks
    /// for beside it, or builds there (`x.bam.bai`, `x.bai`, `.csi`,
    /// `.crai`): an index is read, and may be written, too.
    pub fn reads(&mut self, path: &Path) -> &mut Self {
        if path.as_os_str() == "-" {
            return self;
        }
        self.file(path, "the input");
        let mut names = vec![
            with_suffix(path, ".bai"),
            with_suffix(path, ".csi"),
            with_suffix(path, ".crai"),
        ];
        if path.extension().is_some() {
            names.push(path.with_extension("bai"));
            names.push(path.with_extension("crai"));
        }
        self.companions(path, names, "the index of the input")
    }

    /// A panel file (`demo`: embedded, nothing to protect) and its
    /// tabix/CSI index.
    pub fn panel(&mut self, spec: &str) -> &mut Self {
        if spec == "demo" {
            return self;
        }
        let path = Path::new(spec);
        self.file(path, "the panel");
        let names = vec![with_suffix(path, ".tbi"), with_suffix(path, ".csi")];
        self.companions(path, names, "the index of the panel")
    }

    /// A reference FASTA (`demo`: embedded) and the `.fai`/`.gzi` that
    /// faidx reads or builds beside it.
    pub fn reference(&mut self, spec: &str) -> &mut Self {
        if spec == "demo" {
            return self;
        }
        let path = Path::new(spec);
        self.file(path, "the reference");
        let names = vec![with_suffix(path, ".fai"), with_suffix(path, ".gzi")];
        self.companions(path, names, "the index of the reference")
    }

    fn companions(&mut self, of: &Path, names: Vec<PathBuf>, what: &str) -> &mut Self {
        for n in names {
            let said = format!("{}, {what} {}", n.display(), of.display());
            self.files.push((n, said));
        }
        self
    }

    /// Fails, naming both, when one of `outputs` is (after resolving links,
    /// `.` and `..`, or as a hard link) one of the inputs. `-` and outputs
    /// that are devices or FIFOs (`/dev/null`) are written in place, never
    /// replaced, and are not checked.
    pub fn refuse_overwrite(&self, outputs: &[PathBuf]) -> Result<(), OverlapError> {
        let inputs: Vec<(PathBuf, &str)> = self
            .files
            .iter()
            .map(|(p, what)| (resolve(p), what.as_str()))
            .collect();
        for out in outputs {
            if out.as_os_str() == "-" || std::fs::metadata(out).is_ok_and(|m| !m.is_file()) {
                continue;
            }
            let resolved = resolve(out);
            for ((given, _), (input, what)) in self.files.iter().zip(&inputs) {
                if *input == resolved || same_inode(out, given) {
                    return Err(OverlapError::OutputIsInput {
                        output: out.clone(),
                        input: given.clone(),
                        what: what.to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Fails when two of `paths` are one file (R1 given as R2, `x.fq` and
/// `./x.fq`, a link): the reads would be counted twice.
pub fn refuse_same_inputs(paths: &[PathBuf]) -> Result<(), OverlapError> {
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[i + 1..] {
            if a.as_os_str() != "-" && (resolve(a) == resolve(b) || same_inode(a, b)) {
                return Err(OverlapError::SameInput {
                    first: a.clone(),
                    second: b.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Both exist and are one file (which catches hard links).
fn same_inode(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// The absolute path `path` names, whether or not it exists yet: links
/// are followed as far as the path exists, the rest (a file or folders
/// still to be made, which cannot be links) is taken as written, with `.`
/// and `..` applied.
fn resolve(path: &Path) -> PathBuf {
    let mut cur = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().unwrap_or_default()
    };
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => cur.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                cur.pop();
            }
            Component::Normal(name) => {
                cur.push(name);
                // Canonical so far, so a `..` after it pops a real folder.
                if let Ok(real) = std::fs::canonicalize(&cur) {
                    cur = real;
                }
            }
        }
    }
    cur
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

    #[test]
    fn a_file_set_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let names = ["a.tsv", "b.vcf", "c.json"];
        let listing = |at: &Path| {
            let mut n: Vec<String> = std::fs::read_dir(at)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            n.sort();
            n
        };
        // Written, not finished: nothing in place; dropped: nothing left,
        // not the folder made for it either.
        let mut set = FileSet::new();
        for n in names {
            set.write(&d.join("new").join(n), |o| o.write_all(n.as_bytes()))
                .unwrap();
        }
        assert!(names.iter().all(|n| !d.join("new").join(n).exists()));
        drop(set);
        assert!(listing(d).is_empty(), "{:?}", listing(d));

        // The last cannot be moved into place (a folder with a file in it
        // is there): the first two are taken out again, with the folder
        // made for them; what was in the way stays.
        let mut set = FileSet::new();
        for n in names {
            set.write(&d.join("new").join(n), |o| o.write_all(n.as_bytes()))
                .unwrap();
        }
        std::fs::create_dir(d.join("new/c.json")).unwrap();
        std::fs::write(d.join("new/c.json/keep"), "x").unwrap();
        let err = set.finish().unwrap_err().to_string();
        assert!(err.contains("c.json"), "{err}");
        assert_eq!(listing(&d.join("new")), ["c.json"]);
        std::fs::remove_dir_all(d.join("new")).unwrap();

        // Finished: all of them, whole.
        let mut set = FileSet::new();
        for n in names {
            set.write(&d.join("new").join(n), |o| o.write_all(n.as_bytes()))
                .unwrap();
        }
        set.finish().unwrap();
        assert_eq!(listing(&d.join("new")), names);
        for n in names {
            assert_eq!(std::fs::read_to_string(d.join("new").join(n)).unwrap(), n);
        }

        // A writer that opens its output by name writes the temporary
        // file; the set puts it in place.
        let mut set = FileSet::new();
        let out = Output::create(Some(&d.join("by-name.bin"))).unwrap();
        std::fs::write(out.temp_path().unwrap(), b"by name").unwrap();
        set.add(out);
        set.finish().unwrap();
        assert_eq!(std::fs::read(d.join("by-name.bin")).unwrap(), b"by name");
        // A write that fails names the file and leaves the set unchanged.
        let mut set = FileSet::new();
        let failed = set.write(&d.join("bad.tsv"), |_| Err("no space"));
        assert!(failed
            .unwrap_err()
            .to_string()
            .contains("bad.tsv: no space"));
        set.finish().unwrap();
        assert!(!d.join("bad.tsv").exists());
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

    #[test]
    fn missing_folders_are_made_and_removed_again_when_unfinished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/out.tsv");
        let mut out = Output::create(Some(&path)).unwrap();
        out.write_all(b"x\n").unwrap();
        out.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x\n");

        let other = dir.path().join("c/d/out.tsv");
        let out = Output::create(Some(&other)).unwrap();
        assert!(dir.path().join("c/d").is_dir());
        drop(out);
        assert!(
            !dir.path().join("c").exists(),
            "a failed output leaves no folder it made"
        );
        assert!(
            dir.path().join("a/b").is_dir(),
            "folders made by others stay"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_output_that_is_an_input_is_refused_however_it_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("x.bam"), "bam").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::os::unix::fs::symlink(d.join("x.bam"), d.join("link.tsv")).unwrap();
        std::os::unix::fs::symlink(d, d.join("sub/up")).unwrap();
        std::fs::hard_link(d.join("x.bam"), d.join("hard.tsv")).unwrap();
        let mut inputs = Inputs::new();
        inputs
            .reads(&d.join("x.bam"))
            .reference(&d.join("ref.fa").display().to_string());
        let refused = |out: PathBuf| inputs.refuse_overwrite(&[out]).is_err();
        assert!(refused(d.join("x.bam")));
        assert!(refused(d.join("sub/../x.bam")));
        assert!(refused(d.join("./sub/up/x.bam")), "through a linked folder");
        assert!(refused(d.join("link.tsv")), "a symlink to the input");
        assert!(refused(d.join("hard.tsv")), "a hard link to the input");
        assert!(refused(d.join("x.bam.bai")), "the index, to be built");
        assert!(refused(d.join("x.bai")));
        assert!(refused(d.join("ref.fa.fai")), "the reference index");
        assert!(refused(d.join("nope/../sub/up/ref.fa")));
        assert!(!refused(d.join("x.tsv")));
        assert!(!refused(d.join("sub/x.bam")));
        assert!(!refused(PathBuf::from("-")));
        let err = inputs
            .refuse_overwrite(&[d.join("x.tsv"), d.join("link.tsv")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("refusing to write") && err.contains("link.tsv"),
            "{err}"
        );
        assert!(
            err.contains(&format!("the input {}", d.join("x.bam").display())),
            "{err}"
        );

        let same = refuse_same_inputs(&[d.join("x.bam"), d.join("sub/up/./x.bam")]);
        assert!(matches!(same, Err(OverlapError::SameInput { .. })));
        assert!(refuse_same_inputs(&[d.join("x.bam"), d.join("hard.tsv")]).is_err());
        assert!(refuse_same_inputs(&[d.join("x.bam"), d.join("y.bam")]).is_ok());
    }
}
