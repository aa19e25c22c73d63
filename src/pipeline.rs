//! A sample from its reads to its calls, in two library steps that every
//! command runs the same way: [`count_sample`] (the reads, panel,
//! reference and counting options give per-site counts and the flank
//! tallies the background is estimated from) and [`call_sample`] (counts
//! and a background give every site tested, the sample judged, and the
//! rows and summary that are reported). `call` and `demo` are these two steps and their
//! arguments; a panel of normals counts each normal with [`count_sample`],
//! and a matched normal is one more [`count_sample`] beside the plasma's.
//!
//! Writing the called sample's files and its one-line verdict is
//! [`crate::calling`]'s.

use crate::calling::CalledSample;
use crate::count::{self, CountError, CountOptions, CountPlan, Counted, ReadTally, Unit};
use crate::panel::Panel;
use crate::progress::Progress;
use crate::reference::Reference;
use crate::report::calls::{self, CallRow, FragmentLengths};
use crate::report::count_tsv::{self, CountTsvError};
use crate::stats::background::{BackgroundSource, SiteBackground, SiteContext};
use crate::stats::call::{self as test, CallOptions};
use crate::stats::length;
use crate::stats::normal::{self, NormalSummary};
use std::path::{Path, PathBuf};

/// Count a sample's reads (one BAM/CRAM, one or two FASTQ files, or `-`)
/// at every hotspot of `panel`, with the engine the input calls for.
/// With `opts.background` the flanks around the sites are tallied too,
/// which a background estimated from the sample needs.
pub fn count_sample(
    inputs: &[PathBuf],
    panel: &Panel,
    reference: Option<&dyn Reference>,
    opts: &CountOptions,
    progress: &Progress,
) -> Result<Counted, CountError> {
    let plan = CountPlan::new(panel, reference, opts);
    count::count_inputs(inputs, &plan, progress)
}

/// A `cfspot count` TSV as a counted sample: its counts, matched to
/// `panel` by id, in the unit it says (or `asked`, for an older file that
/// does not say); no flank tallies and no read tally (a TSV holds neither).
pub fn read_counts(
    path: &Path,
    panel: &Panel,
    asked: Option<Unit>,
) -> Result<Counted, CountTsvError> {
    let (sites, settings) = count_tsv::read(path, panel, asked)?;
    Ok(Counted {
        sites,
        background: Vec::new(),
        reads: ReadTally::default(),
        notes: Vec::new(),
        settings,
        molecules: None,
        background_layers: None,
    })
}

/// Test every site of a counted sample against `background` (whichever
/// source: a fixed rate, the sample's classes, later a panel of normals),
/// judge the sample (de novo, or over the `informed` panel indices), and
/// assemble what is reported.
pub fn call_sample(
    sample: &str,
    panel: &Panel,
    counted: &Counted,
    background: &dyn BackgroundSource,
    informed: Option<&[usize]>,
    opts: &CallOptions,
) -> CalledSample {
    call_sample_with_normal(sample, panel, counted, background, None, informed, opts)
}

/// The patient's white-cell sample beside the plasma (`call --normal`):
/// counted at the same sites with the same rules ([`count_sample`] or
/// [`read_counts`]), and judged against its own background.
pub struct MatchedNormal<'a> {
    /// Its name (its VCF column and `summary.json`'s `normal.sample`).
    pub sample: &'a str,
    pub counted: &'a Counted,
    pub background: &'a dyn BackgroundSource,
}

fn site_backgrounds(
    panel: &Panel,
    counts: &[count::SiteCounts],
    background: &dyn BackgroundSource,
) -> Vec<SiteBackground> {
    SiteContext::for_sites(&panel.hotspots, counts)
        .iter()
        .map(|site| background.for_site(site))
        .collect()
}

/// [`call_sample`], with a matched normal when given: a site whose alt the
/// normal carries is `CHIP_OR_GERMLINE` and kept out of the tumour
/// fraction (see [`crate::stats::normal`]); every row and the summary say
/// what the normal showed.
pub fn call_sample_with_normal(
    sample: &str,
    panel: &Panel,
    counted: &Counted,
    background: &dyn BackgroundSource,
    normal: Option<&MatchedNormal>,
    informed: Option<&[usize]>,
    opts: &CallOptions,
) -> CalledSample {
    let selected: Vec<count::SiteCounts>;
    let counts = match opts.size_select {
        Some((lo, hi)) => {
            selected = counted
                .sites
                .iter()
                .map(|c| length::size_select(c, lo, hi))
                .collect();
            &selected
        }
        None => &counted.sites,
    };
    let backgrounds = site_backgrounds(panel, counts, background);
    let lengths = test::length_model(counts, &backgrounds, opts);
    let mut site_calls = test::call_sites_with(counts, &backgrounds, opts, lengths.as_ref());
    if let Some(n) = normal {
        let normal_counts = &n.counted.sites;
        let normal_backgrounds = site_backgrounds(panel, normal_counts, n.background);
        let judged = normal::judge(&site_calls, normal_counts, &normal_backgrounds, opts);
        normal::apply(&mut site_calls, judged);
    }
    let sample_call =
        test::judge_sample_with(counts, &site_calls, informed, opts, lengths.as_ref());
    let rows: Vec<CallRow> = panel
        .hotspots
        .iter()
        .zip(counts)
        .zip(&site_calls)
        .map(|((h, c), s)| CallRow::new(h, c, s, counted.settings.unit))
        .collect();
    // The duplicate share is known only where reads were seen (BAM/CRAM).
    let reads = (counted.reads.primary > 0).then_some(counted.reads);
    let mut summary = calls::summary(
        sample,
        panel,
        &site_calls,
        &sample_call,
        opts,
        counted.settings,
        calls::qc(counts, reads),
        FragmentLengths::new(counts, &site_calls),
        background.summary(),
    );
    summary.settings.length_evidence = lengths.map(|l| l.summary);
    summary.normal = normal.map(|n| {
        let ids: Vec<&str> = panel.hotspots.iter().map(|h| h.id.as_str()).collect();
        NormalSummary::new(
            n.sample,
            &ids,
            &site_calls,
            opts,
            calls::qc(&n.counted.sites, None).median_depth,
            n.background.summary(),
        )
    });
    CalledSample { rows, summary }
}
