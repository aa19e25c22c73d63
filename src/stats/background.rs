//! The background a site's alt count is tested against: where it comes
//! from ([`BackgroundSource`], one interface) and the sources there are
//! today: one fixed rate for every site ([`FixedRate`], `--background-rate`)
//! and the sample's own substitution classes ([`ClassRates`]: how often a
//! fragment shows base `a` where the reference has `r`, by strand, pooled
//! over the non-hotspot positions around the sites). A trinucleotide-context
//! source and a panel of normals plug in beside them: each is asked per
//! site, with the site's [`SiteContext`], and says what judged it.

use crate::count::background::BackgroundWindow;
use crate::count::SiteCounts;
use crate::panel::Hotspot;
use serde::Serialize;

/// Positions whose non-reference share exceeds this look germline (a SNP),
/// not error, and are left out (and listed).
pub const GERMLINE_SHARE: f64 = 0.2;
/// … judged only where at least this many fragments cover them.
pub const GERMLINE_MIN_DEPTH: u32 = 10;

const BASES: [u8; 4] = [b'A', b'C', b'G', b'T'];

/// One substitution class `ref > alt`, pooled over positions and strands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassRate {
    /// Fragments showing `alt` at positions whose reference is `ref`.
    pub mismatches: u64,
    /// Fragments read at positions whose reference is `ref`.
    pub depth: u64,
    /// `(mismatches + 0.5) / (depth + 1)`: never exactly 0.
    pub rate: f64,
    /// Beta-binomial over-dispersion between positions (method of moments,
    /// Kleinman 1973); 0 when positions agree as a binomial would.
    pub rho: f64,
    /// The same rate on forward and on reverse fragments (fragment strand =
    /// read 1's), each `(mismatches + 0.5) / (depth + 1)`.
    pub rate_fwd: f64,
    pub rate_rev: f64,
}

/// A germline-looking position left out of the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    pub contig: String,
    /// 1-based.
    pub pos: i64,
    pub reference: char,
    pub depth: u32,
    pub non_ref_share: f64,
}

/// What a site's test uses as its background.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteBackground {
    pub rate: f64,
    pub rho: f64,
    /// The rate's own label within its source, e.g. `C>T` or `max_class`
    /// (the MNV/indel stand-in), `fixed`: the calls TSV's
    /// `background_source` column today.
    pub source: String,
    /// Which source judged the site. Not printed yet: issue 13's
    /// `background_source` (`pon`, `sample_context`, `sample_class`) says
    /// this once a second sample-derived source exists.
    pub judged_by: SourceKind,
}

/// The kinds of background source, as a calls row would name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// One rate given for every site.
    Fixed,
    /// The sample's substitution class (by strand).
    SampleClass,
    /// The sample's trinucleotide context, shrunk towards its class
    /// ([`super::context`]).
    SampleContext,
    /// A panel of normals' beta-binomial at the site (`call --pon`).
    Pon,
    /// Not one site's: several sites' backgrounds pooled, as the
    /// sample-level limit of detection does.
    Pooled,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Fixed => "fixed",
            SourceKind::SampleClass => "sample_class",
            SourceKind::SampleContext => "sample_context",
            SourceKind::Pon => "pon",
            SourceKind::Pooled => "pooled",
        }
    }
}

/// What a site is, as a background source tells sites apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// One base for another; `reference` and `alt` index A C G T.
    Snv { reference: usize, alt: usize },
    /// Several bases for as many others.
    Mnv,
    /// Bases deleted, inserted, or both (of unequal length).
    Indel,
    /// No ALT (`.`, a BED site): the position only.
    PositionOnly,
    /// One base for one, but not two different bases of A C G T (an `N`).
    Other,
}

impl SiteKind {
    /// The kind of a VCF-style `ref` → `alt` site.
    pub fn of(ref_allele: &str, alt_allele: &str) -> SiteKind {
        if alt_allele == "." {
            return SiteKind::PositionOnly;
        }
        match (ref_allele.as_bytes(), alt_allele.as_bytes()) {
            ([r], [a]) => match (base_index(*r), base_index(*a)) {
                (Some(reference), Some(alt)) if reference != alt => {
                    SiteKind::Snv { reference, alt }
                }
                _ => SiteKind::Other,
            },
            (r, a) if r.len() == a.len() => SiteKind::Mnv,
            _ => SiteKind::Indel,
        }
    }
}

fn base_index(b: u8) -> Option<usize> {
    crate::count::background::base_index(b)
}

/// What a source is told about one site: prepared once per site, after
/// counting (the strand mix is the site's own).
#[derive(Debug, Clone, Copy)]
pub struct SiteContext<'a> {
    /// The site's place in the panel (a per-site source, as a panel of
    /// normals, finds its row by it).
    pub index: usize,
    /// Contig, position and alleles (a context source reads the reference
    /// around `pos`).
    pub hotspot: &'a Hotspot,
    pub kind: SiteKind,
    /// Forward and reverse units read at the site (ref + alt; strand =
    /// read 1's), which weight strand-specific rates.
    pub strands: (u64, u64),
}

impl<'a> SiteContext<'a> {
    /// One context per site, in panel order.
    pub fn for_sites(hotspots: &'a [Hotspot], counts: &[SiteCounts]) -> Vec<SiteContext<'a>> {
        hotspots
            .iter()
            .zip(counts)
            .enumerate()
            .map(|(index, (h, c))| SiteContext {
                index,
                hotspot: h,
                kind: SiteKind::of(&h.ref_allele, &h.alt_allele),
                strands: (c.ref_fwd + c.alt_fwd, c.ref_rev + c.alt_rev),
            })
            .collect()
    }
}

/// Where sites' backgrounds come from: asked once per site. A trait
/// rather than an enum of today's two sources, because the sources to
/// come (trinucleotide context, a panel of normals) live in modules of
/// their own with data of their own, and a panel of normals falls back
/// on (shrinks towards) the sample's class rates: it holds another source,
/// which a trait object composes and an enum would have to special-case
/// in every match.
pub trait BackgroundSource: std::fmt::Debug + Send + Sync {
    /// The background of one site.
    fn for_site(&self, site: &SiteContext) -> SiteBackground;
    /// What `summary.json` says of the source.
    fn summary(&self) -> BackgroundSummary;
}

/// The background as `summary.json` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct BackgroundSummary {
    pub source: String,
    pub positions: usize,
    /// `"C>T"` → rates.
    pub classes: std::collections::BTreeMap<String, ClassRate>,
    pub germline_excluded: Vec<Excluded>,
    /// The class groups whose trinucleotide contexts differ, with the
    /// rates their sites were judged by (the context model only; empty, and
    /// not written, otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contexts: Vec<super::context::ContextGroup>,
}

/// One rate for every site (`--background-rate`), no over-dispersion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedRate(pub f64);

impl BackgroundSource for FixedRate {
    fn for_site(&self, _: &SiteContext) -> SiteBackground {
        SiteBackground {
            rate: self.0,
            rho: 0.0,
            source: "fixed".into(),
            judged_by: SourceKind::Fixed,
        }
    }

    fn summary(&self) -> BackgroundSummary {
        BackgroundSummary {
            source: format!("fixed rate {}", self.0),
            positions: 0,
            classes: Default::default(),
            germline_excluded: Vec::new(),
            contexts: Vec::new(),
        }
    }
}

/// A sample without background positions to estimate from.
#[derive(Debug, thiserror::Error)]
pub enum BackgroundError {
    #[error("no background positions were covered around the hotspots: is the input empty there? (or give --background-rate)")]
    NoPositions,
}

/// The sample's 12 substitution classes (by strand), pooled over the
/// non-hotspot positions of the windows around the sites.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassRates {
    /// `classes[r][a]` for `r != a`, bases in A C G T order.
    pub classes: [[ClassRate; 4]; 4],
    /// Positions that entered the model.
    pub positions: usize,
    /// Positions left out as germline.
    pub excluded: Vec<Excluded>,
}

impl ClassRates {
    /// Pool the windows, refusing a sample none of whose positions was
    /// covered (every site would be judged against the prior alone).
    pub fn estimate(windows: &[BackgroundWindow]) -> Result<Self, BackgroundError> {
        let rates = ClassRates::from_windows(windows);
        if rates.positions == 0 {
            return Err(BackgroundError::NoPositions);
        }
        Ok(rates)
    }

    /// Pool the background windows.
    pub fn from_windows(windows: &[BackgroundWindow]) -> Self {
        // Per class: the per-position (mismatches, depth) pairs.
        let mut per_class: Vec<Vec<(u64, u64)>> = vec![Vec::new(); 16];
        // Per class and strand: (mismatches, depth).
        let mut stranded = [[(0u64, 0u64); 2]; 16];
        let mut positions = 0;
        let mut excluded = Vec::new();
        for w in windows {
            for (i, c) in w.counts.iter().enumerate() {
                let (r, by_base, depth) = match position(w, i) {
                    Position::Skip => continue,
                    Position::Germline(e) => {
                        excluded.push(e);
                        continue;
                    }
                    Position::Used {
                        reference,
                        by_base,
                        depth,
                    } => (reference, by_base, depth),
                };
                positions += 1;
                for a in (0..4).filter(|&a| a != r) {
                    per_class[r * 4 + a].push((by_base[a] as u64, depth as u64));
                    for (strand, tally) in stranded[r * 4 + a].iter_mut().enumerate() {
                        tally.0 += c[strand][a] as u64;
                        tally.1 += c[strand].iter().map(|&x| x as u64).sum::<u64>();
                    }
                }
            }
        }
        let classes = std::array::from_fn(|r| {
            std::array::from_fn(|a| {
                let obs = &per_class[r * 4 + a];
                let mismatches: u64 = obs.iter().map(|o| o.0).sum();
                let depth: u64 = obs.iter().map(|o| o.1).sum();
                let [(mf, df), (mr, dr)] = stranded[r * 4 + a];
                ClassRate {
                    mismatches,
                    depth,
                    rate: prior_rate(mismatches, depth),
                    rho: moment_rho(obs),
                    rate_fwd: prior_rate(mf, df),
                    rate_rev: prior_rate(mr, dr),
                }
            })
        });
        ClassRates {
            classes,
            positions,
            excluded,
        }
    }
}

/// What one background position is to a sample-derived model.
pub(crate) enum Position {
    /// Near a hotspot, not A/C/G/T, or not covered.
    Skip,
    /// Left out as germline (and listed).
    Germline(Excluded),
    /// In the model: its reference base (A C G T index), fragments by base
    /// (both strands), and their sum.
    Used {
        reference: usize,
        by_base: [u32; 4],
        depth: u32,
    },
}

/// Position `i` of window `w`, as every sample-derived model takes it (one
/// rule for what is germline, shared by the class and context models).
pub(crate) fn position(w: &BackgroundWindow, i: usize) -> Position {
    if w.excluded[i] {
        return Position::Skip;
    }
    let Some(r) = base_index(w.reference[i]) else {
        return Position::Skip;
    };
    let c = &w.counts[i];
    let by_base: [u32; 4] = std::array::from_fn(|b| c[0][b] + c[1][b]);
    let depth: u32 = by_base.iter().sum();
    if depth == 0 {
        return Position::Skip;
    }
    let share = (depth - by_base[r]) as f64 / depth as f64;
    if depth >= GERMLINE_MIN_DEPTH && share > GERMLINE_SHARE {
        return Position::Germline(Excluded {
            contig: w.contig.clone(),
            pos: w.start + i as i64 + 1,
            reference: BASES[r] as char,
            depth,
            non_ref_share: share,
        });
    }
    Position::Used {
        reference: r,
        by_base,
        depth,
    }
}

impl BackgroundSource for ClassRates {
    /// SNVs use their substitution class. MNVs, indels and position-only
    /// sites have no class of their own here; they take the largest class
    /// rate as a conservative stand-in (a panel of normals will give them
    /// their own).
    ///
    /// The site's strand depths (forward, reverse) weight the class's
    /// forward and reverse rates, so a strand-specific artefact counts as
    /// much as the site's own strand mix exposes it; `(0, 0)` gives the
    /// pooled rate.
    fn for_site(&self, site: &SiteContext) -> SiteBackground {
        if let SiteKind::Snv {
            reference: r,
            alt: a,
        } = site.kind
        {
            let c = self.classes[r][a];
            let (f, v) = (site.strands.0 as f64, site.strands.1 as f64);
            let rate = if f + v > 0.0 {
                (f * c.rate_fwd + v * c.rate_rev) / (f + v)
            } else {
                c.rate
            };
            return SiteBackground {
                rate,
                rho: c.rho,
                source: format!("{}>{}", BASES[r] as char, BASES[a] as char),
                judged_by: SourceKind::SampleClass,
            };
        }
        let worst = substitutions()
            .map(|(r, a)| self.classes[r][a])
            .max_by(|x, y| x.rate.total_cmp(&y.rate))
            .expect("twelve classes");
        SiteBackground {
            rate: worst.rate,
            rho: worst.rho,
            source: "max_class".into(),
            judged_by: SourceKind::SampleClass,
        }
    }

    fn summary(&self) -> BackgroundSummary {
        let classes = substitutions()
            .map(|(r, a)| {
                let name = format!("{}>{}", BASES[r] as char, BASES[a] as char);
                (name, self.classes[r][a])
            })
            .collect();
        BackgroundSummary {
            source: "sample".into(),
            positions: self.positions,
            classes,
            germline_excluded: self.excluded.clone(),
            contexts: Vec::new(),
        }
    }
}

/// The 12 classes `(r, a)`, `r != a`, bases in A C G T order.
fn substitutions() -> impl Iterator<Item = (usize, usize)> {
    (0..4).flat_map(|r| (0..4).filter(move |&a| a != r).map(move |a| (r, a)))
}

/// `(m + 0.5) / (n + 1)`: a rate that is never exactly 0 or 1.
fn prior_rate(m: u64, n: u64) -> f64 {
    (m as f64 + 0.5) / (n as f64 + 1.0)
}

/// Kleinman's method-of-moments estimate of the beta-binomial intra-class
/// correlation ρ from per-position (successes, trials), clamped to
/// [0, 0.5]. With `p̂ = Σm/Σn`, `S = Σ n_i (m_i/n_i − p̂)²`, `N = Σ n_i`:
/// `E[S] = p(1−p) [(K−1) + ρ (N − Σn_i²/N − (K−1))]`, solved for ρ.
pub fn moment_rho(obs: &[(u64, u64)]) -> f64 {
    let obs: Vec<(f64, f64)> = obs
        .iter()
        .filter(|o| o.1 > 0)
        .map(|&(m, n)| (m as f64, n as f64))
        .collect();
    let k = obs.len() as f64;
    if k < 2.0 {
        return 0.0;
    }
    let n: f64 = obs.iter().map(|o| o.1).sum();
    let p = obs.iter().map(|o| o.0).sum::<f64>() / n;
    if p <= 0.0 || p >= 1.0 {
        return 0.0;
    }
    let s: f64 = obs.iter().map(|&(m, ni)| ni * (m / ni - p).powi(2)).sum();
    let sum_n2: f64 = obs.iter().map(|o| o.1 * o.1).sum();
    let denom = n - sum_n2 / n - (k - 1.0);
    if denom <= 0.0 {
        return 0.0;
    }
    ((s / (p * (1.0 - p)) - (k - 1.0)) / denom).clamp(0.0, 0.5)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `rates`' background for a `r` → `a` site read on `strands`.
    fn judge(
        rates: &dyn BackgroundSource,
        r: &str,
        a: &str,
        strands: (u64, u64),
    ) -> SiteBackground {
        judge_at(rates, 1, r, a, strands)
    }

    /// … at 1-based `pos` of `chrT`.
    pub(crate) fn judge_at(
        rates: &dyn BackgroundSource,
        pos: u64,
        r: &str,
        a: &str,
        strands: (u64, u64),
    ) -> SiteBackground {
        let hotspot = Hotspot {
            contig: "chrT".into(),
            pos,
            ref_allele: r.into(),
            alt_allele: a.into(),
            id: "t".into(),
            gene: String::new(),
            label: String::new(),
            origin: "test:1".into(),
        };
        rates.for_site(&SiteContext {
            index: 0,
            hotspot: &hotspot,
            kind: SiteKind::of(r, a),
            strands,
        })
    }

    fn window(reference: &[u8], counts: Vec<[[u32; 4]; 2]>) -> BackgroundWindow {
        let mut w = BackgroundWindow::new("chrT", 0, reference.to_vec(), &[]);
        w.counts = counts;
        w
    }

    #[test]
    fn pooled_rates_and_germline_exclusion() {
        // Three C positions: 1000 fragments each, 1, 2 and 3 showing T; one
        // A position that is a heterozygous SNP (half G).
        let c = |t: u32| [[0, 1000 - t, 0, t], [0; 4]];
        let w = window(b"CCCA", vec![c(1), c(2), c(3), [[250, 0, 250, 0], [0; 4]]]);
        let m = ClassRates::from_windows(&[w]);
        let ct = m.classes[1][3];
        assert_eq!((ct.mismatches, ct.depth), (6, 3000));
        assert!((ct.rate - 6.5 / 3001.0).abs() < 1e-15);
        assert_eq!(m.positions, 3);
        assert_eq!(m.excluded.len(), 1);
        assert_eq!((m.excluded[0].pos, m.excluded[0].reference), (4, 'A'));
        // No A positions remain: the A>G rate is the prior's 0.5 / 1.
        assert_eq!(m.classes[0][2].rate, 0.5);
        let site = judge(&m, "C", "T", (0, 0));
        assert_eq!(
            (site.source.as_str(), site.judged_by),
            ("C>T", SourceKind::SampleClass)
        );
        assert_eq!(site.rate, ct.rate);
        // No class of their own: the largest rate (A>G's prior, 0.5).
        for (r, a) in [
            ("CT", "C"),
            ("CA", "TG"),
            ("C", "."),
            ("N", "A"),
            ("C", "C"),
        ] {
            let other = judge(&m, r, a, (10, 10));
            assert_eq!(
                (other.source.as_str(), other.rate),
                ("max_class", 0.5),
                "{r}>{a}"
            );
        }
        // Where nothing was covered there is nothing to estimate from.
        assert!(matches!(
            ClassRates::estimate(&[window(b"C", vec![[[0; 4]; 2]])]),
            Err(BackgroundError::NoPositions)
        ));
    }

    #[test]
    fn strand_specific_rates_weight_by_the_sites_strands() {
        // C>T errors only on forward fragments: 10 of 1000 forward, 0 of
        // 1000 reverse.
        let w = window(b"C", vec![[[0, 990, 0, 10], [0, 1000, 0, 0]]]);
        let m = ClassRates::from_windows(&[w]);
        let c = m.classes[1][3];
        assert!((c.rate_fwd - 10.5 / 1001.0).abs() < 1e-15);
        assert!((c.rate_rev - 0.5 / 1001.0).abs() < 1e-15);
        // A site read only on forward fragments gets the forward rate; a
        // balanced one the mean; no depth the pooled rate.
        assert!((judge(&m, "C", "T", (100, 0)).rate - c.rate_fwd).abs() < 1e-15);
        let mean = (c.rate_fwd + c.rate_rev) / 2.0;
        assert!((judge(&m, "C", "T", (50, 50)).rate - mean).abs() < 1e-15);
        assert_eq!(judge(&m, "C", "T", (0, 0)).rate, c.rate);
    }

    #[test]
    fn site_kinds_and_a_fixed_rate() {
        assert_eq!(
            SiteKind::of("G", "A"),
            SiteKind::Snv {
                reference: 2,
                alt: 0
            }
        );
        assert_eq!(SiteKind::of("GA", "TC"), SiteKind::Mnv);
        assert_eq!(SiteKind::of("GAATT", "G"), SiteKind::Indel);
        assert_eq!(SiteKind::of("G", "GA"), SiteKind::Indel);
        assert_eq!(SiteKind::of("G", "."), SiteKind::PositionOnly);
        assert_eq!(SiteKind::of("N", "A"), SiteKind::Other);
        let fixed = judge(&FixedRate(1e-3), "G", "A", (5, 5));
        assert_eq!((fixed.rate, fixed.rho), (1e-3, 0.0));
        assert_eq!(
            (fixed.source.as_str(), fixed.judged_by),
            ("fixed", SourceKind::Fixed)
        );
        assert_eq!(FixedRate(1e-3).summary().source, "fixed rate 0.001");
    }

    #[test]
    fn dispersion_zero_for_equal_rates_positive_for_unequal() {
        // Identical rates at every position: S = 0, so ρ̂ clamps at 0.
        assert_eq!(moment_rho(&[(10, 1000), (10, 1000), (10, 1000)]), 0.0);
        // Wildly different rates: clearly over-dispersed.
        let rho = moment_rho(&[(0, 1000), (50, 1000), (0, 1000), (40, 1000)]);
        assert!(rho > 0.01, "{rho}");
        // Two positions: S = Σ n (x − p̂)² = 2·1000·0.01² = 0.2; p̂ = 0.02;
        // ρ̂ = (0.2/(0.02·0.98) − 1) / (2000 − 1000 − 1) = 0.0092054…
        let rho = moment_rho(&[(10, 1000), (30, 1000)]);
        let want = (0.2 / (0.02 * 0.98) - 1.0) / 999.0;
        assert!((rho - want).abs() < 1e-12, "{rho} vs {want}");
    }
}
