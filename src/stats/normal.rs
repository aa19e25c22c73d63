//! The matched white-cell normal (`call --normal`): what the same sites
//! show in the patient's white blood cells (buffy coat), and the label
//! each plasma site gets from it.
//!
//! Blood cells carry mutations of their own (clonal haematopoiesis, CHIP:
//! DNMT3A, TET2, but also TP53 and KRAS) and every germline variant; both
//! reach plasma as cfDNA and are not tumour. A site whose alt the normal
//! carries is `CHIP_OR_GERMLINE`: its status says so instead of DETECTED
//! (or NOT_DETECTED, LOW_DEPTH), and it is kept out of the tumour fraction
//! and the sample's limit of detection. Per site:
//!
//! - **Do both samples show the alt?** A label needs the plasma's
//!   evidence too: its alt above its own background by the same test at
//!   the same per-site level (its `p_value` below `--alpha`). Blood cells
//!   are most of cfDNA, so a CHIP or germline variant the normal carries
//!   is in the plasma as well; a normal's alt the plasma does not show
//!   (one stray read in a deep, clean normal can clear the normal's test)
//!   is `normal_only`, and the plasma's status stands.
//! - **Does the normal carry the alt?** The normal's alt count is tested
//!   against the normal's own background (from its own flanks, or the
//!   fixed rate) by the same one-sided test `call` uses
//!   ([`super::call::site_p_value`]), at `--alpha` for that one site, not
//!   corrected across the panel: the question is asked of each plasma
//!   site on its own, and the two mistakes are not alike. A CHIP the test
//!   misses becomes a false tumour call; a tumour site wrongly labelled
//!   loses one site's call, which happens with probability ≤ α (a tumour
//!   mutation is not in blood cells, so there the normal's alt is error).
//! - **Germline or CHIP?** Germline when the normal's VAF is above
//!   [`GERMLINE_SHARE`] (the share above which the background already
//!   takes a position for a SNP) and its Clopper–Pearson 95 % interval
//!   holds ½ (heterozygous), or the VAF is at least [`HOMOZYGOUS_VAF`];
//!   any other carried alt is CHIP. The status is `CHIP_OR_GERMLINE`
//!   either way; the label says which it looks like.
//! - **Too thin to say** (`normal_uninformative`): the normal does not
//!   carry the alt, but it has fewer units than `--min-depth`, or, at a
//!   site the plasma calls, a CHIP at the plasma's VAF would be missed in
//!   the normal more than 5 % of the time (the normal's LoD95 at that site,
//!   at the same level, is above the plasma's VAF). Blood cells are most
//!   of cfDNA, so a CHIP's VAF in the normal is at least about its VAF in
//!   plasma: power at the plasma's VAF is the least the normal has. Such a
//!   site keeps its plasma status (the normal can neither clear nor label
//!   it), and says so.
//! - **Plasma far above the normal**: one-sided Fisher's exact test of the
//!   plasma's alt share against the normal's, reported as `excess_p`. A
//!   plasma VAF far above the normal's (p < α/m, Bonferroni over the
//!   panel) can be tumour on top of CHIP (the same hotspot mutated in both,
//!   as TP53 can be). The site is still `CHIP_OR_GERMLINE` and kept out of
//!   the tumour fraction, as Mutect2 and Strelka filter a site whose alt the
//!   normal shows rather than call it: the tumour's share of it cannot be
//!   told from the clone's, and one CHIP reported as tumour is the mistake
//!   this label exists to prevent. Its note says the excess, so that the
//!   user can look at the tumour tissue.

use super::background::{BackgroundSummary, SiteBackground, GERMLINE_SHARE};
use super::call::{lod95, site_p_value, CallOptions, SiteCall, SiteStatus};
use super::distributions::{clopper_pearson, fisher_greater};
use crate::count::SiteCounts;
use serde::Serialize;

/// A normal VAF at least this high is homozygous germline (the alt on
/// nearly every fragment; the rest is error or another sample's DNA).
pub const HOMOZYGOUS_VAF: f64 = 0.9;

/// What the normal says of one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NormalLabel {
    /// The normal is deep enough and shows no alt above its background.
    Absent,
    /// The normal carries the alt, not at a germline VAF.
    Chip,
    /// The normal carries the alt at a heterozygous or homozygous VAF.
    Germline,
    /// The normal is too thin to say either way.
    #[serde(rename = "normal_uninformative")]
    Uninformative,
    /// The normal's alt is above its background but the plasma's is not
    /// above its own: the plasma's status stands.
    NormalOnly,
}

impl NormalLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            NormalLabel::Absent => "absent",
            NormalLabel::Chip => "chip",
            NormalLabel::Germline => "germline",
            NormalLabel::Uninformative => "normal_uninformative",
            NormalLabel::NormalOnly => "normal_only",
        }
    }

    /// The normal carries the alt: the site is `CHIP_OR_GERMLINE`.
    pub fn carries_alt(self) -> bool {
        matches!(self, NormalLabel::Chip | NormalLabel::Germline)
    }
}

/// One site in the normal, and what it means for the plasma's call there.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalSite {
    pub depth: u64,
    pub ref_count: u64,
    pub alt: u64,
    pub vaf: Option<f64>,
    /// One-sided p-value of the normal's alt under the normal's background.
    pub p_value: f64,
    /// One-sided Fisher p that the plasma's alt share is above the normal's.
    pub excess_p: f64,
    /// The normal's LoD95 at this site (at the per-site level α).
    pub lod95: Option<f64>,
    /// The plasma's VAF is far above the normal's: `excess_p` below α/m.
    pub excess: bool,
    pub label: NormalLabel,
    /// The plasma's status before the normal was looked at.
    pub plasma_status: SiteStatus,
}

/// Judge every site of the normal beside the plasma's calls (panel order
/// for all three slices).
pub fn judge(
    plasma: &[SiteCall],
    normal: &[SiteCounts],
    normal_backgrounds: &[SiteBackground],
    opts: &CallOptions,
) -> Vec<NormalSite> {
    // "Far above": Bonferroni over the panel.
    let excess_level = opts.alpha / plasma.len().max(1) as f64;
    plasma
        .iter()
        .zip(normal)
        .zip(normal_backgrounds)
        .map(|((call, counts), bg)| judge_site(call, counts, bg, opts, excess_level))
        .collect()
}

fn judge_site(
    call: &SiteCall,
    counts: &SiteCounts,
    bg: &SiteBackground,
    opts: &CallOptions,
    excess_level: f64,
) -> NormalSite {
    let (depth, alt) = (counts.depth(), counts.alt_count());
    let level = opts.alpha;
    let p_value = site_p_value(alt, depth, bg);
    // The normal's LoD95 with no minimum count beyond the test's own.
    let lod = lod95(depth, bg, level, 1);
    let vaf = counts.vaf();
    // Both samples must show the alt above their own backgrounds: a CHIP or
    // germline variant is in the plasma too (blood cells are most of
    // cfDNA), so a normal's alt the plasma does not show is not a reason
    // to relabel the plasma's site.
    let normal_shows = alt > 0 && p_value < level;
    let plasma_shows = call.alt > 0 && call.p_value < level;
    let label = if normal_shows && !plasma_shows {
        NormalLabel::NormalOnly
    } else if normal_shows {
        if looks_germline(alt, depth) {
            NormalLabel::Germline
        } else {
            NormalLabel::Chip
        }
    } else if depth < opts.min_depth
        || (call.status == SiteStatus::Detected && lod.is_none_or(|l| l > call.vaf.unwrap_or(0.0)))
    {
        // Too thin for --min-depth, or for a CHIP at the plasma's VAF.
        NormalLabel::Uninformative
    } else {
        NormalLabel::Absent
    };
    let excess_p = fisher_greater(call.alt, call.depth - call.alt, alt, depth - alt);
    NormalSite {
        depth,
        ref_count: counts.ref_count(),
        alt,
        vaf,
        p_value,
        excess_p,
        lod95: lod,
        excess: excess_p < excess_level,
        label,
        plasma_status: call.status,
    }
}

/// A carried alt at a germline VAF: above [`GERMLINE_SHARE`] with ½ inside
/// its 95 % interval, or at least [`HOMOZYGOUS_VAF`].
fn looks_germline(alt: u64, depth: u64) -> bool {
    let vaf = alt as f64 / depth as f64;
    let (lo, hi) = clopper_pearson(alt, depth, 0.05);
    vaf >= HOMOZYGOUS_VAF || (vaf > GERMLINE_SHARE && lo <= 0.5 && 0.5 <= hi)
}

/// Give each plasma call what the normal says: a site whose alt the normal
/// carries becomes `CHIP_OR_GERMLINE` (a strand-biased site stays
/// `FILTERED`: that is the plasma's own artefact, already out of the
/// tumour fraction), and every call keeps its [`NormalSite`].
pub fn apply(calls: &mut [SiteCall], normal: Vec<NormalSite>) {
    for (call, site) in calls.iter_mut().zip(normal) {
        if site.label.carries_alt() && call.status != SiteStatus::Filtered {
            call.status = SiteStatus::ChipOrGermline;
        }
        call.normal = Some(site);
    }
}

/// What `summary.json` says of the matched normal (its `normal` key,
/// present only with `--normal`).
#[derive(Debug, Clone, Serialize)]
pub struct NormalSummary {
    /// The normal's name (its VCF column).
    pub sample: String,
    /// Sites whose status is `CHIP_OR_GERMLINE`: kept out of the tumour
    /// fraction and the sample LoD.
    pub chip_or_germline: Vec<String>,
    /// Of every site whose alt the normal carries (a FILTERED one too):
    /// those at a CHIP-like VAF, and those at a germline VAF.
    pub chip: Vec<String>,
    pub germline: Vec<String>,
    /// Carried sites whose plasma VAF is far above the normal's (one-sided
    /// Fisher p below α/m): tumour on top of CHIP is possible.
    pub plasma_excess: Vec<String>,
    /// Sites where the normal is too thin to say.
    pub uninformative: Vec<String>,
    /// Sites whose alt the normal shows above its background but the
    /// plasma does not above its own: not labelled.
    pub normal_only: Vec<String>,
    /// The per-site level of the normal's test (`--alpha`).
    pub level: f64,
    pub median_depth: f64,
    pub method: &'static str,
    /// The normal's own background, from its own flanks (or the fixed rate).
    pub background: BackgroundSummary,
}

impl NormalSummary {
    /// `ids`: the panel's site ids, in the order of `calls`;
    /// `median_depth`: the normal's, as the plasma's QC computes it.
    pub fn new(
        sample: &str,
        ids: &[&str],
        calls: &[SiteCall],
        opts: &CallOptions,
        median_depth: f64,
        background: BackgroundSummary,
    ) -> Self {
        let sites = || {
            ids.iter()
                .zip(calls)
                .filter_map(|(id, c)| Some((*id, c, c.normal.as_ref()?)))
        };
        let pick = |keep: &dyn Fn(&SiteCall, &NormalSite) -> bool| -> Vec<String> {
            sites()
                .filter(|(_, c, n)| keep(c, n))
                .map(|(id, _, _)| id.to_string())
                .collect()
        };
        NormalSummary {
            sample: sample.to_string(),
            chip_or_germline: pick(&|c, _| c.status == SiteStatus::ChipOrGermline),
            chip: pick(&|_, n| n.label == NormalLabel::Chip),
            germline: pick(&|_, n| n.label == NormalLabel::Germline),
            plasma_excess: pick(&|_, n| n.label.carries_alt() && n.excess),
            uninformative: pick(&|_, n| n.label == NormalLabel::Uninformative),
            normal_only: pick(&|_, n| n.label == NormalLabel::NormalOnly),
            level: opts.alpha,
            median_depth,
            method: "the normal's alt count against the normal's own background, one-sided, at alpha per site, and the plasma's against its own, at alpha: a site is labelled when both show the alt (normal_only when only the normal does); germline when its VAF is above 0.2 with 0.5 in its Clopper-Pearson 95% interval, or at least 0.9; uninformative below --min-depth, or where the normal's LoD95 is above the plasma's VAF at a detected site; plasma excess: one-sided Fisher p below alpha/m",
            background,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::call::call_sites;
    use crate::stats::call::tests::bg;

    fn counts(reference: u64, alt: u64) -> SiteCounts {
        SiteCounts {
            ref_fwd: reference / 2,
            ref_rev: reference - reference / 2,
            alt_fwd: alt / 2,
            alt_rev: alt - alt / 2,
            ..SiteCounts::default()
        }
    }

    /// Plasma sites: [0] 20 alt of 2,000 (1 %), [1] 20 of 2,000, [2] 20 of
    /// 2,000, [3] 1 of 2,000, [4] 1,000 of 2,000 (germline het), [5] 60 of
    /// 2,000 (3 %), [6] 20 of 2,000; background 1e-3 in both samples.
    fn plasma() -> (Vec<SiteCounts>, Vec<SiteCall>) {
        let c = vec![
            counts(1980, 20),
            counts(1980, 20),
            counts(1980, 20),
            counts(1999, 1),
            counts(1000, 1000),
            counts(1940, 60),
            counts(1980, 20),
        ];
        let calls = call_sites(&c, &vec![bg(1e-3); c.len()], &CallOptions::default());
        (c, calls)
    }

    #[test]
    fn labels_from_the_normal() {
        let (_, calls) = plasma();
        let st: Vec<_> = calls.iter().map(|c| c.status).collect();
        assert_eq!(st[3], SiteStatus::NotDetected);
        assert!(st
            .iter()
            .enumerate()
            .all(|(i, s)| i == 3 || *s == SiteStatus::Detected));
        let normal = vec![
            // CHIP at 1 %: 12 of 1,200. Under Binomial(1200, 1e-3) the mean is
            // 1.2 and P(X ≥ 12) ≈ 1e-9.
            counts(1188, 12),
            // Tumour only: 1 alt of 1,200 (P(X ≥ 1) = 1 − 0.999^1200 = 0.70).
            counts(1199, 1),
            // Thin: 0 of 60, below --min-depth 100.
            counts(60, 0),
            // Alt in the normal, but the plasma's 1 of 2,000 is not above its
            // background (P(X ≥ 1) = 0.86): the normal's alone, no label.
            counts(1188, 12),
            // Germline het: 590 of 1,200.
            counts(610, 590),
            // Plasma 3 % over a normal at 1 %: 12 of 1,200.
            counts(1188, 12),
            // Deep enough for --min-depth, too thin to see 1 %: 0 of 150.
            // The critical count at α = 0.05 is 1 (P(X ≥ 1) = 0.139 > 0.05,
            // P(X ≥ 2) = 0.0101), so need 2 of 150: power at VAF 1 % is
            // P(Binomial(150, 0.011) ≥ 2) ≈ 0.50 < 0.95.
            counts(150, 0),
        ];
        let sites = judge(&calls, &normal, &vec![bg(1e-3); 7], &CallOptions::default());
        let labels: Vec<_> = sites.iter().map(|s| s.label).collect();
        assert_eq!(
            labels,
            [
                NormalLabel::Chip,
                NormalLabel::Absent,
                NormalLabel::Uninformative,
                NormalLabel::NormalOnly,
                NormalLabel::Germline,
                NormalLabel::Chip,
                NormalLabel::Uninformative,
            ]
        );
        assert!(sites[0].p_value < 1e-8, "{}", sites[0].p_value);
        // The CHIP at 1 % in both is not in excess; 3 % over 1 % is:
        // Fisher one-sided on [[60, 1940], [12, 1188]].
        assert!(!sites[0].excess, "{}", sites[0].excess_p);
        assert!(sites[5].excess, "{}", sites[5].excess_p);
        let mut calls = calls;
        apply(&mut calls, sites);
        let st: Vec<_> = calls.iter().map(|c| c.status).collect();
        use SiteStatus::*;
        assert_eq!(
            st,
            [
                ChipOrGermline,
                Detected,
                Detected,
                NotDetected,
                ChipOrGermline,
                ChipOrGermline,
                Detected
            ]
        );
        assert!(calls.iter().all(|c| c.normal.is_some()));
    }

    /// One stray read in a deep normal whose background is low is "above
    /// background" (1 of 1,200 at 1e-5: P(X ≥ 1) = 1 − (1 − 1e-5)^1200 =
    /// 0.0119 < α), but a plasma with 0 alt of 2,000 shows nothing a CHIP
    /// or germline variant would put there: no label, the plasma's
    /// NOT_DETECTED stands (and the site still counts towards the tumour
    /// fraction). With the plasma at 20 of 2,000 the same normal labels it.
    #[test]
    fn a_normal_alt_the_plasma_does_not_show_labels_nothing() {
        let plasma = vec![counts(2000, 0), counts(1980, 20)];
        let mut calls = call_sites(&plasma, &[bg(1e-5), bg(1e-5)], &CallOptions::default());
        assert_eq!(calls[0].status, SiteStatus::NotDetected);
        assert_eq!(calls[1].status, SiteStatus::Detected);
        let normal = [counts(1199, 1), counts(1199, 1)];
        let sites = judge(
            &calls,
            &normal,
            &[bg(1e-5), bg(1e-5)],
            &CallOptions::default(),
        );
        assert!(
            (sites[0].p_value - 0.0119).abs() < 1e-4,
            "{}",
            sites[0].p_value
        );
        assert_eq!(sites[0].label, NormalLabel::NormalOnly);
        assert_eq!(sites[1].label, NormalLabel::Chip);
        apply(&mut calls, sites);
        assert_eq!(calls[0].status, SiteStatus::NotDetected);
        assert!(calls[0].tumour_evidence());
        assert_eq!(calls[1].status, SiteStatus::ChipOrGermline);
    }

    #[test]
    fn germline_vafs() {
        assert!(looks_germline(590, 1200));
        assert!(looks_germline(1195, 1200));
        assert!(looks_germline(8, 20));
        assert!(!looks_germline(12, 1200));
        // 30 % of 1,200 is a big clone, not a heterozygote: its interval
        // (0.274–0.327) is far from ½.
        assert!(!looks_germline(360, 1200));
        // Few fragments at 15 %: below the germline share.
        assert!(!looks_germline(3, 20));
    }

    #[test]
    fn a_strand_biased_site_stays_filtered() {
        let c = vec![SiteCounts {
            ref_fwd: 990,
            ref_rev: 990,
            alt_fwd: 20,
            alt_rev: 0,
            ..SiteCounts::default()
        }];
        let mut calls = call_sites(&c, &[bg(1e-3)], &CallOptions::default());
        assert_eq!(calls[0].status, SiteStatus::Filtered);
        let sites = judge(
            &calls,
            &[counts(1188, 12)],
            &[bg(1e-3)],
            &CallOptions::default(),
        );
        assert_eq!(sites[0].label, NormalLabel::Chip);
        apply(&mut calls, sites);
        assert_eq!(calls[0].status, SiteStatus::Filtered);
    }
}
