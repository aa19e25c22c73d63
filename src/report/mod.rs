//! Writers for what cfspot reports.
pub mod calls;
pub mod count_tsv;
pub mod html;
pub mod multiqc;
pub mod percent;
