//! Writers for what cfspot reports.
pub mod count_tsv;
pub mod calls;
