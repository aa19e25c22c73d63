//! The malformed-input corpus: every folder of `test-data/bad/` is one
//! class of bad input, run through cfspot as its `args` say (format in
//! `test-data/bad/README.md`). Each invocation must fail as a user error:
//! exit status 1 (not 0, not a panic's 101), no "panicked", every line of
//! `expect` in stderr, at least one of the case's input files named in
//! stderr (unless the case has a `no-file-name` file giving the reason),
//! nothing on stdout and nothing in `@OUT`; and the case folder must be
//! unchanged afterwards (no index, `.fai` or output written beside the
//! inputs). All failing cases are reported together.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CFSPOT: &str = env!("CARGO_BIN_EXE_cfspot");

/// Longer than any bad input should take to refuse; a hang is a failure,
/// not a stuck test run.
const TIMEOUT: Duration = Duration::from_secs(120);

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/bad")
}

/// Every file under `dir` (relative path → contents; a symlink → its
/// target), to tell afterwards whether a run changed the case folder.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("symlink -> {}", target.display()).into_bytes());
            } else if meta.is_dir() {
                out.insert(rel, b"folder".to_vec());
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// What one invocation did.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs cfspot with `args`, stdin closed (or reading the file `stdin`),
/// killed after [`TIMEOUT`].
fn run(args: &[String], stdin: Option<&Path>) -> Result<Run, String> {
    let stdin = match stdin {
        Some(path) => {
            Stdio::from(std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => Stdio::null(),
    };
    let mut child = Command::new(CFSPOT)
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {CFSPOT}: {e}"))?;
    // Drain both pipes while waiting, so a chatty run cannot block on a
    // full pipe and look like a hang.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {TIMEOUT:?} (killed)"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok(Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    })
}

/// The problems of one case folder (empty: the case passes); `runs`
/// counts the invocations made.
fn check_case(dir: &Path, runs: &mut usize) -> Vec<String> {
    let mut problems = Vec::new();
    let read = |name: &str| std::fs::read_to_string(dir.join(name));
    let (args, expect) = match (read("args"), read("expect")) {
        (Ok(a), Ok(e)) => (a, e),
        (a, e) => {
            for (name, r) in [("args", a), ("expect", e)] {
                if let Err(err) = r {
                    problems.push(format!("cannot read its `{name}` file: {err}"));
                }
            }
            return problems;
        }
    };
    if !dir.join("make.sh").is_file() && !dir.join("README").is_file() {
        problems.push("has neither make.sh nor README saying how its files were made".into());
    }
    let no_file_name = read("no-file-name").ok();
    if no_file_name.as_deref().is_some_and(|r| r.trim().is_empty()) {
        problems.push("its `no-file-name` file must give the reason".into());
    }
    let expect: Vec<&str> = expect.lines().filter(|l| !l.trim().is_empty()).collect();
    let lines: Vec<&str> = args
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if lines.is_empty() {
        problems.push("its `args` holds no invocation".into());
    }
    let before = snapshot(dir);
    let dir_text = dir.to_str().expect("corpus path is UTF-8");
    for line in lines {
        *runs += 1;
        let out = tempfile::tempdir().unwrap();
        let out_text = out.path().to_str().expect("temp path is UTF-8");
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let argv: Vec<String> = tokens
            .iter()
            .map(|t| t.replace("@DIR", dir_text).replace("@OUT", out_text))
            .collect();
        // The case's own input files, by file name, as a message would name them.
        let inputs: Vec<&str> = tokens
            .iter()
            .filter_map(|t| t.split_once("@DIR/").map(|(_, rel)| rel))
            .filter_map(|rel| rel.rsplit('/').find(|part| !part.is_empty()))
            .collect();
        let mut fail = |what: String| problems.push(format!("`{line}`: {what}"));
        let stdin = dir.join("stdin");
        let r = match run(&argv, stdin.is_file().then_some(stdin.as_path())) {
            Ok(r) => r,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        let stderr = r.stderr.trim_end();
        if r.code != Some(1) {
            fail(format!(
                "exit status {:?}, not 1; stderr:\n{stderr}",
                r.code
            ));
        }
        if r.stderr.contains("panicked") {
            fail(format!("panicked:\n{stderr}"));
        }
        for e in &expect {
            if !r.stderr.contains(e) {
                fail(format!("expected {e:?} in stderr:\n{stderr}"));
            }
        }
        if no_file_name.is_none() {
            if inputs.is_empty() {
                fail("names no @DIR/ input file (add `no-file-name` with the reason if none applies)".into());
            } else if !inputs.iter().any(|f| r.stderr.contains(f)) {
                fail(format!(
                    "stderr names none of the inputs {inputs:?}:\n{stderr}"
                ));
            }
        }
        if !r.stdout.is_empty() {
            fail(format!(
                "wrote {} byte(s) to stdout: {:?}",
                r.stdout.len(),
                String::from_utf8_lossy(&r.stdout[..r.stdout.len().min(200)])
            ));
        }
        let left: Vec<_> = walkdir_names(out.path());
        if !left.is_empty() {
            fail(format!("left output behind in @OUT: {left:?}"));
        }
    }
    let after = snapshot(dir);
    if before != after {
        let changed: Vec<_> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|k| k.display().to_string())
            .collect();
        problems.push(format!(
            "the case folder changed (files added, removed or rewritten): {changed:?}"
        ));
    }
    problems
}

/// Every path under `dir`, relative, sorted.
fn walkdir_names(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_keys()
        .map(|k| k.display().to_string())
        .collect()
}

#[test]
fn every_bad_input_is_refused_cleanly() {
    let root = corpus();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no case folders in {}", root.display());
    let mut failures = Vec::new();
    let mut runs = 0;
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        for p in check_case(case, &mut runs) {
            failures.push(format!("{name}: {p}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} invocation(s) in {} case(s) went wrong:\n\n{}",
        failures.len(),
        runs,
        cases.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{} case(s), {runs} invocation(s), all refused cleanly",
        cases.len()
    );
}

/// The runner itself: a folder that breaks the format is an error, never
/// a silent skip, and every kind of failure is caught.
#[test]
fn the_runner_catches_what_it_should() {
    let mini = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/mini.bam");
    // A case folder holding `files` (name, text) and copies of `copies`.
    let case = |files: &[(&str, &str)], copies: &[(&Path, &str)]| {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        for (from, name) in copies {
            std::fs::copy(from, dir.path().join(name)).unwrap();
        }
        let mut runs = 0;
        let problems = check_case(dir.path(), &mut runs).join("\n");
        (problems, runs)
    };
    let made = ("make.sh", "# nothing to make\n");
    // Typos in the format: no args, no expect, no make.sh/README.
    let (p, runs) = case(&[("expect", "x"), made], &[]);
    assert!(p.contains("cannot read its `args` file"), "{p}");
    assert_eq!(runs, 0);
    let (p, _) = case(&[("args", "count @DIR/x.bam"), made], &[]);
    assert!(p.contains("cannot read its `expect` file"), "{p}");
    let (p, _) = case(
        &[
            ("args", "count @DIR/x.bam -o @OUT/x.tsv"),
            ("expect", "x.bam"),
        ],
        &[],
    );
    assert!(p.contains("neither make.sh nor README"), "{p}");
    // A good case: a missing BAM, refused with its name (blank lines and
    // comments in `args` are not invocations).
    let args = (
        "args",
        "# a comment\ncount @DIR/missing.bam -o @OUT/x.tsv\n\n",
    );
    let (p, runs) = case(&[args, ("expect", "missing.bam\n"), made], &[]);
    assert_eq!((p.as_str(), runs), ("", 1));
    // An expect line that is not in stderr.
    let (p, _) = case(&[args, ("expect", "no such words"), made], &[]);
    assert!(p.contains("expected \"no such words\" in stderr"), "{p}");
    // A run that succeeds: exit 0, a file in @OUT, a TSV on stdout, and an
    // index built beside the input (the case folder changes).
    let args = (
        "args",
        "count @DIR/mini.bam -o @OUT/x.tsv\ncount @DIR/mini.bam\n",
    );
    let (p, runs) = case(
        &[args, ("expect", "mini.bam"), made],
        &[(&mini, "mini.bam")],
    );
    assert_eq!(runs, 2);
    assert!(p.contains("exit status Some(0), not 1"), "{p}");
    assert!(p.contains("left output behind in @OUT: [\"x.tsv\"]"), "{p}");
    assert!(p.contains("byte(s) to stdout"), "{p}");
    assert!(
        p.contains("the case folder changed") && p.contains("mini.bam.bai"),
        "{p}"
    );
    // A message that names none of the inputs: FASTQ with a panel file
    // but no reference ("FASTQ input needs --reference"); allowed only
    // with a reason in `no-file-name`.
    let fq = ("r.fq", "@r\nACGT\n+\nIIII\n");
    let panel = ("p.tsv", "contig\tpos\tref\talt\nchr12\t25245350\tC\tT\n");
    let args = ("args", "count @DIR/r.fq -p @DIR/p.tsv -o @OUT/x.tsv");
    let expect = ("expect", "--reference");
    let (p, _) = case(&[fq, panel, args, expect, made], &[]);
    assert!(
        p.contains("stderr names none of the inputs [\"r.fq\", \"p.tsv\"]"),
        "{p}"
    );
    let (p, _) = case(
        &[fq, panel, args, expect, made, ("no-file-name", "\n")],
        &[],
    );
    assert!(p.contains("must give the reason"), "{p}");
    let reason = ("no-file-name", "the option is missing, not a file\n");
    let (p, _) = case(&[fq, panel, args, expect, made, reason], &[]);
    assert_eq!(p, "");
}
