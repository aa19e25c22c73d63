//! Options and steps that several subcommands share.

use anyhow::{Context, Result};
use cfspot::panel::Panel;
use cfspot::reference::{self, Reference};

/// `--panel` / `--reference`, as every command that reads a panel takes them.
#[derive(clap::Args, Debug, Clone)]
pub struct PanelArgs {
    /// Hotspot panel: VCF (plain or bgzipped), TSV (`contig pos ref alt
    /// [id gene label]` with header) or BED; `demo` is the embedded GRCh38
    /// demo panel (31 hotspots).
    #[arg(short = 'p', long, default_value = "demo", value_name = "FILE|demo")]
    pub panel: String,
    /// Reference FASTA: indexed (a `.fai` is built if missing) or regional
    /// windows named `chrom:start-end`; `demo` is the embedded demo windows.
    /// Default: `demo` with the demo panel, none otherwise.
    #[arg(short = 'r', long, value_name = "FASTA|demo")]
    pub reference: Option<String>,
}

impl PanelArgs {
    /// Load the panel and the reference, and check the one against the other.
    pub fn load(&self) -> Result<(Panel, Option<Box<dyn Reference>>)> {
        let mut panel = Panel::load(&self.panel)?;
        let spec = self
            .reference
            .clone()
            .or_else(|| (self.panel == "demo").then(|| "demo".to_string()));
        let reference = match spec {
            Some(s) => {
                Some(reference::open(&s).with_context(|| format!("cannot use reference {s}"))?)
            }
            None => None,
        };
        panel.resolve(reference.as_deref())?;
        Ok((panel, reference))
    }
}

/// Worker threads for rayon; the output never depends on it.
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .context("cannot start worker threads")
}
