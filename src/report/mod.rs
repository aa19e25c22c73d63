//! Writers for what cfspot reports.
pub mod count_tsv;
pub mod calls;
pub mod html;
pub mod multiqc;
