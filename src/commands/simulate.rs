//! `cfspot simulate`. (Being implemented.)
use anyhow::Result;
use clap::Args;

/// Simulate a cfDNA sample with known truth (FASTQ, BAM, truth tables).
#[derive(Args, Debug)]
pub struct SimulateArgs {}

impl SimulateArgs {
    pub fn run(&self) -> Result<()> {
        anyhow::bail!("cfspot simulate is not built yet")
    }
}
