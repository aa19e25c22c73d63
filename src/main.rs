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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Demo(args) => args.run(),
        Command::Simulate(args) => args.run(),
        Command::Count(args) => args.run(),
        Command::Call(args) => args.run(),
        Command::Eval(args) => args.run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`cfspot count x.bam | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cfspot: error: {e:#}");
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
