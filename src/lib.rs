//! cfspot: liquid biopsy at known cancer hotspots.
//!
//! Teaching and benchmarking software; not a clinical tool.
pub mod bases;
pub mod calling;
pub mod count;
pub mod eval;
pub mod gzip;
pub mod output;
pub mod panel;
pub mod pipeline;
pub mod progress;
pub mod reference;
pub mod report;
pub mod sim;
pub mod stats;
pub mod stdin;
pub mod tsv;
