//! Molecules: which reads came from one original DNA molecule.
//!
//! [`umi`] reads what a record says about its molecule (a UMI in the `RX`
//! tag or the read name, a family already assigned in `MI`, or nothing)
//! and splits FASTQ reads by fgbio read structures; [`group`] gathers the
//! fragments covering one site group into families (same ends, same
//! orientation, UMIs within an edit of each other), and for duplex
//! libraries pairs the two strands of each molecule.

pub mod group;
pub mod umi;

pub use group::{
    group_fragments, DuplexStrand, End, Ends, Families, Family, Fragment, GroupError, Grouping,
    Member, Strategy,
};
pub use umi::{MoleculeTag, Umi};
