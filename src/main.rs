//! The `cfspot` command line: a thin layer over the library.

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// cfspot: liquid biopsy at known cancer hotspots (teaching and
/// benchmarking; not a clinical tool).
#[derive(Parser, Debug)]
#[command(
    name = "cfspot",
    version,
    propagate_version = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Demo(commands::demo::DemoArgs),
    Simulate(commands::simulate::SimulateArgs),
    Count(commands::count::CountArgs),
    Call(commands::call::CallArgs),
    Eval(commands::eval::EvalArgs),
    Pon(commands::pon::PonArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // htslib prints its own `[E::...]` lines on stderr before cfspot's
    // error says the same in its words (with the file and what to do):
    // silence it, so a problem is told once. Set before any thread starts.
    // SAFETY: sets a plain global of htslib's; no other thread runs yet.
    unsafe {
        rust_htslib::htslib::hts_set_log_level(rust_htslib::htslib::htsLogLevel_HTS_LOG_OFF);
    }
    let result = match &cli.command {
        Command::Demo(args) => args.run(),
        Command::Simulate(args) => args.run(),
        Command::Count(args) => args.run(),
        Command::Call(args) => args.run(),
        Command::Eval(args) => args.run(),
        Command::Pon(args) => args.run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`cfspot count x.bam | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cfspot: error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(|ce| {
                matches!(ce.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}

/// The error and its causes, each said once: a library error that already
/// quotes its cause (`cannot read panel p.tsv: No such file or directory`)
/// is not followed by that cause again, and the errno that Rust appends
/// (`(os error 2)`) is left out, as every other tool's message does.
fn message(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = strip_os_error(&cause.to_string());
        if msg.contains(&text) {
            continue;
        }
        if !msg.is_empty() && text.contains(&msg) {
            // The cause repeats the context and says more: it alone.
            msg = text;
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}

/// `text` without Rust's ` (os error N)` suffixes.
fn strip_os_error(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" (os error ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + " (os error ".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(')') {
            rest = &after[digits + 1..];
        } else {
            out.push_str(" (os error ");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_is_said_once_without_errno() {
        let io = std::io::Error::from_raw_os_error(2);
        let inner = anyhow::Error::new(std::io::Error::new(io.kind(), io.to_string()))
            .context(format!("cannot read panel p.tsv: {io}"));
        assert_eq!(
            message(&inner),
            "cannot read panel p.tsv: No such file or directory"
        );
        let e = anyhow::anyhow!("cannot write x.tsv: Permission denied (os error 13)")
            .context("cannot write x.tsv");
        assert_eq!(message(&e), "cannot write x.tsv: Permission denied");
        let e = anyhow::anyhow!("disk full").context("cannot write x.tsv");
        assert_eq!(message(&e), "cannot write x.tsv: disk full");
        assert_eq!(strip_os_error("a (os error x) b"), "a (os error x) b");
    }
}
