//! The command line: one clap struct per subcommand, each with `run()`.
pub mod call;
pub mod count;
pub mod demo;
pub mod eval;
pub mod pon;
pub mod shared;
pub mod simulate;
