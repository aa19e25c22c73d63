//! Molecules: which reads came from one original DNA molecule, and what
//! the molecule showed.
//!
//! [`umi`] reads what a record says about its molecule (a UMI in the `RX`
//! tag or the read name, a family already assigned in `MI`, or nothing)
//! and where its fragment's ends are; [`group`] gathers the
//! fragments covering one site group into families (same ends, same
//! orientation, UMIs within an edit of each other), and for duplex
//! libraries pairs the two strands of each molecule. [`read_structure`]
//! takes the UMI off FASTQ reads by fgbio's read structures. [`consensus`]
//! owns what a family shows at a site; [`tally`] keeps a site group's
//! families while its pass is read and counts each molecule once;
//! [`setup`] holds what every engine shares: the UMI source and grouping
//! chosen for an input, and each site's fragments until they are grouped.

pub mod background;
pub mod consensus;
pub mod group;
pub mod read_structure;
pub mod setup;
pub mod tally;
pub mod umi;

pub use group::{
    group_fragments, DuplexStrand, End, Ends, Families, Family, Fragment, GroupError, Grouping,
    Member, Strategy,
};
pub use read_structure::{ReadStructure, SplitRead};
pub use umi::{detect, ends_of, MoleculeTag, Umi, UmiReader, UmiSource};
