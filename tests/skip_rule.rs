//! The rule for a test that cannot run here (`common::skip`, used through
//! `have_tool` and by every test that needs an external tool): the skip
//! shows in `cargo test`'s output even though the test passes, and under
//! CI it fails the test instead. Checked by running this test binary again
//! on a probe test that needs a tool no machine has.

mod common;

use std::process::Command;

/// Needs a tool that does not exist; run only by the test below.
#[test]
#[ignore = "a probe, run by skip_is_visible_and_fails_under_ci"]
fn probe_needs_a_missing_tool() {
    if !common::have_tool("cfspot-no-such-tool") {
        return;
    }
    panic!("cfspot-no-such-tool ran");
}

/// The probe, run as `cargo test` runs it (output captured), with `CI` as given.
fn probe(ci: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--ignored", "--exact", "probe_needs_a_missing_tool"]);
    match ci {
        Some(v) => cmd.env("CI", v),
        None => cmd.env_remove("CI"),
    };
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn skip_is_visible_and_fails_under_ci() {
    for ci in [None, Some("")] {
        let (ok, text) = probe(ci);
        assert!(ok, "CI={ci:?}: a skip passes outside CI:\n{text}");
        assert!(
            text.contains("SKIPPED probe_needs_a_missing_tool: cfspot-no-such-tool is not on PATH"),
            "CI={ci:?}: the skip is not in the output:\n{text}"
        );
        assert!(text.contains("1 passed"), "{text}");
    }
    for ci in ["true", "1"] {
        let (ok, text) = probe(Some(ci));
        assert!(!ok, "CI={ci}: a missing tool must fail:\n{text}");
        assert!(
            text.contains("cfspot-no-such-tool is not on PATH; CI is set"),
            "{text}"
        );
        assert!(!text.contains("SKIPPED"), "{text}");
    }
}

/// A tool that is there but fails `--version` (bwa prints its usage and
/// exits 1) is there: its tests run rather than skip, which under CI would
/// fail them. `false` is such a tool on every machine.
#[test]
fn a_tool_that_fails_its_version_flag_is_found() {
    assert!(common::have_tool("false"));
}
