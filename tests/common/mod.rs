//! What the integration tests share: running the `cfspot` binary (and other
//! tools), reading the tables and JSON it writes, the embedded demo panel,
//! and the rule for an external tool that may be absent.
//!
//! Every test file is a crate of its own that uses some of these, hence
//! `dead_code` is allowed here.
#![allow(dead_code)]

use cfspot::panel::Panel;
use cfspot::reference::{self, Reference};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
pub const CFSPOT: &str = env!("CARGO_BIN_EXE_cfspot");

/// Runs `cfspot args`, whatever comes of it.
pub fn cfspot(args: &[&str]) -> Output {
    Command::new(CFSPOT)
        .args(args)
        .output()
        .expect("run cfspot")
}

/// Runs `cmd`, which must succeed (else the panic shows its stderr);
/// returns its stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `cfspot args`, which must succeed; returns its stdout.
pub fn cfspot_ok(args: &[&str]) -> String {
    run_ok(Command::new(CFSPOT).args(args))
}

/// Runs `cfspot args`, which must fail as a user error, not a panic, with
/// every one of `needles` in its message; returns the message.
pub fn cfspot_fails(args: &[&str], needles: &[&str]) -> String {
    let out = cfspot(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected {n:?} in:\n{err}");
    }
    err
}

/// The rows of a TSV with a header line, each a column → value map.
pub fn tsv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().expect("header").split('\t').collect();
    lines
        .map(|l| {
            head.iter()
                .map(|h| h.to_string())
                .zip(l.split('\t').map(String::from))
                .collect()
        })
        .collect()
}

/// A JSON file, parsed (a failure names the file).
pub fn json(path: impl AsRef<Path>) -> serde_json::Value {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The embedded demo panel and its reference windows.
pub fn demo() -> (Panel, Box<dyn Reference>) {
    (Panel::demo(), reference::open("demo").unwrap())
}

/// Whether `tool` is on PATH and starts (`tool --version`, its status
/// aside); when it is not, [`skip`] says so (and fails the test under CI).
/// A test that needs the tool returns early on `false`.
pub fn have_tool(tool: &str) -> bool {
    // Started at all, whatever its status: some tools (bwa) know no
    // `--version` and exit 1 on it.
    let runs = Command::new(tool).arg("--version").output().is_ok();
    if !runs {
        skip(&format!("{tool} is not on PATH"));
    }
    runs
}

/// The one rule for a test that cannot run here (an external tool is
/// missing): the caller returns early after this, and the skip is said
/// where `cargo test` shows it, as `SKIPPED <test>: <why>`, even when the
/// test then passes. libtest captures `eprintln!` of passing tests, so the
/// note goes straight to the process's stderr handle, which it does not
/// capture. Under CI (`CI` set to anything non-empty, as CI systems and
/// `.ci/run` set it) every tool is installed, so a skip is a failure
/// there: this panics instead.
pub fn skip(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{test} cannot run: {why}; CI is set, where .ci/run installs every tool, so this fails instead of skipping");
    }
    let note = format!("SKIPPED {test}: {why}\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
}

/// xorshift64*: a tiny deterministic generator for test data, so it never
/// changes with a dependency's version nor depends on cfspot's own random
/// streams (the code under test).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}
