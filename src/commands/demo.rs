//! `cfspot demo`. (Being implemented.)
use anyhow::Result;
use clap::Args;

/// Simulate, count and explain a sample on the embedded panel: no input needed.
#[derive(Args, Debug)]
pub struct DemoArgs {}

impl DemoArgs {
    pub fn run(&self) -> Result<()> {
        anyhow::bail!("cfspot demo is not built yet")
    }
}
