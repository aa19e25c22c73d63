//! The sample's background by trinucleotide context: a site is judged
//! against the errors of its own context (a CpG C>T against CpG C>T), where
//! the sample shows that contexts differ, and against its substitution
//! class where they do not.
//!
//! **Classes.** A position's context is its reference base with the bases
//! on either side. Folded to the pyrimidine (a purine-reference position
//! is read as its reverse complement: `A[G>A]T` is `A[C>T]T` of the other
//! strand), there are 6 substitutions × 16 flanks = 96 classes, each by
//! strand: the fragment strand in the pyrimidine's orientation (forward
//! when read 1 is from the strand whose base is the pyrimidine). So the
//! deamination of a CpG's C on read 1's strand is one class, `N[C>T]G`
//! "fwd", whichever strand of the reference the C is on. Tallied from the
//! same windows, positions and fragments as the class model
//! ([`super::background::ClassRates`]; a window's first and last base have
//! no flank and count for the class model only), so the flank tally
//! (`count::background`) needs nothing more: each window keeps its
//! reference bases beside its counts.
//!
//! **Do the contexts differ?** For each of the 6 substitutions and 2
//! strands, the 16 contexts' rates are tested for homogeneity (Cochran's
//! Q, `Q = Σ w_i (p_i − p̄_w)²`, `w_i` the inverse of each context rate's
//! variance: binomial at the group's pooled rate times the design effect
//! `1 + ρ_i (Σ n_j² / n_i − 1)` of its positions' own over-dispersion
//! `ρ_i`). Under the null `Q ~ χ²(k − 1)`; the contexts are taken to differ
//! when `P(χ² ≥ Q) < `[`HOMOGENEITY_P`]. Where they do not, the site gets
//! its class rate, exactly as the class model gives it (same number, same
//! label), so a sample whose errors do not depend on context is judged as
//! before.
//!
//! **Shrinkage.** Where they differ, a context's rate is the posterior mean
//! of a Beta prior centred on the class rate `μ` (the site's own class
//! and strand, as the class model has it) with strength `K`
//! pseudo-fragments: `(m + K μ) / (n + K)` for `m` mismatches in `n`
//! fragments of that context. `K` is not a tuning constant: it is what the
//! spread of the contexts around their class implies. A Beta with mean `μ`
//! and variance `τ²` has `α + β = μ(1 − μ)/τ² − 1`, and `τ²`, the variance
//! of the true context rates, is the DerSimonian–Laird moment estimate
//! `(Q − (k − 1)) / (W − Σw²/W)` (`W = Σ w_i`): the spread seen beyond what
//! sampling gives. So a context read by few fragments stays near its
//! class, one read by many (`n ≫ K`) speaks for itself, in proportion to
//! its evidence. The site's over-dispersion is shrunk the same way, from
//! the class's `ρ` (which holds the spread between contexts) to the
//! context's own over its positions.

use super::background::{
    moment_rho, position, BackgroundError, BackgroundSource, BackgroundSummary, ClassRates,
    Position, SiteBackground, SiteContext, SiteKind, SourceKind,
};
use crate::count::background::{base_index, BackgroundWindow};
use serde::Serialize;
use statrs::function::gamma::gamma_ur;

/// Contexts are taken to differ within a class when their homogeneity
/// test's p-value is below this: a sample whose errors do not depend on
/// context sees 12 tests, so one in ~80 such samples uses contexts at all
/// (and then with the spread its data show, small).
pub const HOMOGENEITY_P: f64 = 1e-3;

const BASES: [u8; 4] = [b'A', b'C', b'G', b'T'];

/// The 6 pyrimidine substitutions, `(reference, alt)` as A C G T indices.
const PYRIMIDINE_SUBS: [(usize, usize); 6] = [(1, 0), (1, 2), (1, 3), (3, 0), (3, 1), (3, 2)];

/// A site or position folded to the pyrimidine: its class (0..96, the
/// substitution times 16 plus 5' flank times 4 plus 3' flank) and whether
/// its strand flips (a purine reference).
fn fold(left: usize, r: usize, right: usize, a: usize) -> (usize, bool) {
    let (l, r, rt, a, flip) = if r == 1 || r == 3 {
        (left, r, right, a, false)
    } else {
        (3 - right, 3 - r, 3 - left, 3 - a, true)
    };
    let sub = PYRIMIDINE_SUBS
        .iter()
        .position(|&s| s == (r, a))
        .expect("a pyrimidine and another base");
    (sub * 16 + l * 4 + rt, flip)
}

/// `A[C>T]G`, from a folded class.
fn class_name(class: usize) -> String {
    let (r, a) = PYRIMIDINE_SUBS[class / 16];
    let (l, rt) = ((class % 16) / 4, class % 4);
    format!(
        "{}[{}>{}]{}",
        BASES[l] as char, BASES[r] as char, BASES[a] as char, BASES[rt] as char
    )
}

/// One context and strand's tally.
#[derive(Debug, Clone, Default)]
struct Cell {
    mismatches: u64,
    depth: u64,
    /// Per position: (mismatches, fragments), for its over-dispersion.
    positions: Vec<(u64, u64)>,
}

/// A group (a substitution and strand) whose contexts differ, as
/// `summary.json` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextGroup {
    /// `C>T`, in the pyrimidine's orientation.
    pub substitution: String,
    /// `fwd` or `rev`: the fragment strand in the pyrimidine's orientation.
    pub strand: &'static str,
    /// The homogeneity test's Q, its degrees of freedom and p-value.
    pub q: f64,
    pub df: usize,
    pub p_value: f64,
    /// The Beta prior's strength, in fragments.
    pub strength: f64,
    /// `A[C>T]G` → (mismatches, fragments, shrunk rate), the 16 contexts.
    pub contexts: std::collections::BTreeMap<String, (u64, u64, f64)>,
}

/// The sample's context rates, over its class rates.
#[derive(Debug, Clone)]
pub struct ContextRates {
    class: ClassRates,
    /// `cells[class][strand]`, 96 × 2.
    cells: Vec<[Cell; 2]>,
    /// Per context, both strands: positions' (mismatches, fragments).
    pooled: Vec<Vec<(u64, u64)>>,
    /// Per substitution (6) and strand: the prior strength `K` where the
    /// contexts differ, `None` where they do not.
    strength: [[Option<f64>; 2]; 6],
    groups: Vec<ContextGroup>,
    /// The windows' reference bases, for a site's flanks: (contig, 0-based
    /// start, bases).
    references: Vec<(String, i64, Vec<u8>)>,
}

impl ContextRates {
    /// Tally the windows, refusing a sample none of whose positions was
    /// covered (as the class model does).
    pub fn estimate(windows: &[BackgroundWindow]) -> Result<Self, BackgroundError> {
        let class = ClassRates::estimate(windows)?;
        let mut cells: Vec<[Cell; 2]> = vec![Default::default(); 96];
        let mut pooled: Vec<Vec<(u64, u64)>> = vec![Vec::new(); 96];
        for w in windows {
            let n = w.reference.len();
            for i in 1..n.saturating_sub(1) {
                let Position::Used {
                    reference: r,
                    by_base,
                    depth,
                } = position(w, i)
                else {
                    continue;
                };
                let (Some(left), Some(right)) = (
                    base_index(w.reference[i - 1]),
                    base_index(w.reference[i + 1]),
                ) else {
                    continue;
                };
                let c = &w.counts[i];
                for a in (0..4).filter(|&a| a != r) {
                    let (k, flip) = fold(left, r, right, a);
                    pooled[k].push((by_base[a] as u64, depth as u64));
                    for (t, strand) in c.iter().enumerate() {
                        let n: u64 = strand.iter().map(|&x| x as u64).sum();
                        if n == 0 {
                            continue;
                        }
                        let cell = &mut cells[k][t ^ usize::from(flip)];
                        cell.mismatches += strand[a] as u64;
                        cell.depth += n;
                        cell.positions.push((strand[a] as u64, n));
                    }
                }
            }
        }
        let mut strength = [[None; 2]; 6];
        let mut groups = Vec::new();
        for (sub, row) in strength.iter_mut().enumerate() {
            for (s, k) in row.iter_mut().enumerate() {
                let group = &cells[sub * 16..sub * 16 + 16];
                let Some(h) = homogeneity(group.iter().map(|c| &c[s])) else {
                    continue;
                };
                if h.p_value >= HOMOGENEITY_P {
                    continue;
                }
                *k = Some(h.strength);
                let (r, a) = PYRIMIDINE_SUBS[sub];
                groups.push(ContextGroup {
                    substitution: format!("{}>{}", BASES[r] as char, BASES[a] as char),
                    strand: ["fwd", "rev"][s],
                    q: h.q,
                    df: h.df,
                    p_value: h.p_value,
                    strength: h.strength,
                    contexts: group
                        .iter()
                        .enumerate()
                        .map(|(j, c)| {
                            let c = &c[s];
                            let mu = h.pooled;
                            let rate = shrink(c.mismatches, c.depth, h.strength, mu);
                            (class_name(sub * 16 + j), (c.mismatches, c.depth, rate))
                        })
                        .collect(),
                });
            }
        }
        Ok(ContextRates {
            class,
            cells,
            pooled,
            strength,
            groups,
            references: windows
                .iter()
                .map(|w| (w.contig.clone(), w.start, w.reference.clone()))
                .collect(),
        })
    }

    /// The reference bases either side of 0-based `pos` on `contig`, from
    /// the windows (a site sits inside its group's window).
    fn flanks(&self, contig: &str, pos: i64) -> Option<(usize, usize)> {
        self.references.iter().find_map(|(c, start, bases)| {
            let i = usize::try_from(pos - start).ok()?;
            if c != contig || i == 0 || i + 1 >= bases.len() {
                return None;
            }
            Some((base_index(bases[i - 1])?, base_index(bases[i + 1])?))
        })
    }
}

/// `(m + K μ) / (n + K)`: the Beta(K μ, K (1 − μ)) prior's posterior mean.
fn shrink(m: u64, n: u64, k: f64, mu: f64) -> f64 {
    (m as f64 + k * mu) / (n as f64 + k)
}

/// Cochran's Q over one group's contexts, and the prior strength its
/// spread implies (module docs).
struct Homogeneity {
    q: f64,
    df: usize,
    p_value: f64,
    strength: f64,
    /// The group's pooled rate (for the summary's shrunk rates).
    pooled: f64,
}

fn homogeneity<'a>(cells: impl Iterator<Item = &'a Cell>) -> Option<Homogeneity> {
    let cells: Vec<&Cell> = cells.filter(|c| c.depth > 0).collect();
    if cells.len() < 2 {
        return None;
    }
    let (m, n): (u64, u64) = cells
        .iter()
        .fold((0, 0), |(m, n), c| (m + c.mismatches, n + c.depth));
    let p = m as f64 / n as f64;
    if p <= 0.0 {
        return None; // no mismatch at all: nothing differs
    }
    // Each context's rate and its variance under the null (binomial at the
    // pooled rate, inflated by its positions' over-dispersion).
    let obs: Vec<(f64, f64)> = cells
        .iter()
        .map(|c| {
            let ni = c.depth as f64;
            let sum_n2: f64 = c.positions.iter().map(|&(_, n)| (n * n) as f64).sum();
            let design = 1.0 + moment_rho(&c.positions) * (sum_n2 / ni - 1.0);
            (c.mismatches as f64 / ni, p * (1.0 - p) / ni * design)
        })
        .collect();
    let w: f64 = obs.iter().map(|o| 1.0 / o.1).sum();
    let w2: f64 = obs.iter().map(|o| 1.0 / (o.1 * o.1)).sum();
    let mean = obs.iter().map(|o| o.0 / o.1).sum::<f64>() / w;
    let q: f64 = obs.iter().map(|o| (o.0 - mean).powi(2) / o.1).sum();
    let df = obs.len() - 1;
    // statrs refuses x = 0 (contexts that agree exactly): the tail is 1.
    let p_value = if q > 0.0 && q.is_finite() {
        gamma_ur(df as f64 / 2.0, q / 2.0)
    } else {
        1.0
    };
    let tau2 = ((q - df as f64) / (w - w2 / w)).max(0.0);
    let strength = if tau2 > 0.0 {
        (p * (1.0 - p) / tau2 - 1.0).max(0.0)
    } else {
        f64::INFINITY
    };
    Some(Homogeneity {
        q,
        df,
        p_value,
        strength,
        pooled: p,
    })
}

impl BackgroundSource for ContextRates {
    /// An SNV whose class's contexts differ (on either strand): its
    /// context's rate, shrunk towards the class rate, weighted by the
    /// site's strands as the class model weights its own; every other
    /// site, the class model's answer itself.
    fn for_site(&self, site: &SiteContext) -> SiteBackground {
        let fallback = || self.class.for_site(site);
        let SiteKind::Snv {
            reference: r,
            alt: a,
        } = site.kind
        else {
            return fallback();
        };
        let h = site.hotspot;
        let Some((left, right)) = self.flanks(&h.contig, h.pos as i64 - 1) else {
            return fallback();
        };
        let (k, flip) = fold(left, r, right, a);
        let sub = k / 16;
        let strand_of = |t: usize| t ^ usize::from(flip);
        if self.strength[sub].iter().all(Option::is_none) {
            return fallback();
        }
        let class = self.class.classes[r][a];
        // Per fragment strand t: the shrunk rate, and the weight the
        // context's evidence got (0 where its group agrees).
        let per_strand = |t: usize| {
            let mu = [class.rate_fwd, class.rate_rev][t];
            let s = strand_of(t);
            match self.strength[sub][s] {
                Some(strength) => {
                    let c = &self.cells[k][s];
                    let weight = c.depth as f64 / (c.depth as f64 + strength);
                    (shrink(c.mismatches, c.depth, strength, mu), weight)
                }
                None => (mu, 0.0),
            }
        };
        let (f, v) = (site.strands.0 as f64, site.strands.1 as f64);
        let (wf, wv) = if f + v > 0.0 {
            (f / (f + v), v / (f + v))
        } else {
            (0.5, 0.5)
        };
        let ((rf, ef), (rv, ev)) = (per_strand(0), per_strand(1));
        // The class's ρ is pooled over strands and contexts, so where one
        // strand's contexts differ it holds that spread (CpG against the
        // rest), which is not this context's: the context's own ρ over its
        // positions (both strands, as the site's test pools them) replaces
        // it as far as the evidence of the strand that differs goes.
        let evidence = ef.max(ev);
        let rho = evidence * moment_rho(&self.pooled[k]) + (1.0 - evidence) * class.rho;
        let l = BASES[left] as char;
        let rt = BASES[right] as char;
        SiteBackground {
            rate: wf * rf + wv * rv,
            rho,
            source: format!("{l}[{}>{}]{rt}", BASES[r] as char, BASES[a] as char),
            judged_by: SourceKind::SampleContext,
        }
    }

    fn summary(&self) -> BackgroundSummary {
        let mut s = self.class.summary();
        if !self.groups.is_empty() {
            s.source = "sample, by trinucleotide context where its classes' contexts differ".into();
            s.contexts = self.groups.clone();
        }
        s
    }
}

/// Which sample-derived background `call` judges sites against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SampleModel {
    /// The 12 substitution classes, by strand.
    Class,
    /// The 96 trinucleotide contexts, by strand, where the sample shows
    /// they differ; the class elsewhere.
    Context,
}

impl SampleModel {
    /// The sample's background under this model.
    pub fn estimate(
        self,
        windows: &[BackgroundWindow],
    ) -> Result<Box<dyn BackgroundSource>, BackgroundError> {
        Ok(match self {
            SampleModel::Class => Box::new(ClassRates::estimate(windows)?),
            SampleModel::Context => Box::new(ContextRates::estimate(windows)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::background::tests::judge_at as judge;

    /// A window over `reference` read by `depth` fragments a strand at
    /// every position, of which `errors(i, strand)` show each of the three
    /// other bases (a deterministic tally: the rates are exactly those).
    fn window(
        reference: &[u8],
        depth: u32,
        errors: impl Fn(usize, usize) -> [u32; 4],
    ) -> BackgroundWindow {
        let mut w = BackgroundWindow::new("chrT", 0, reference.to_vec(), &[]);
        for (i, &b) in reference.iter().enumerate() {
            let r = base_index(b).unwrap();
            for s in 0..2 {
                let e = errors(i, s);
                let mut c = e;
                c[r] = depth
                    - e.iter()
                        .enumerate()
                        .filter(|&(x, _)| x != r)
                        .map(|(_, &n)| n)
                        .sum::<u32>();
                w.counts[i][s] = c;
            }
        }
        w
    }

    /// A fixed pseudo-random reference (every trinucleotide many times).
    fn reference(len: usize) -> Vec<u8> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b"ACGT"[(x >> 33) as usize % 4]
            })
            .collect()
    }

    #[test]
    fn folding_reads_a_purine_as_its_reverse_complement() {
        // A[G>A]T is A[C>T]T of the other strand, whose fragments are the
        // opposite ones; a pyrimidine stays as it is.
        let (k, flip) = fold(0, 2, 3, 0);
        assert_eq!((class_name(k).as_str(), flip), ("A[C>T]T", true));
        let (k, flip) = fold(0, 1, 2, 3);
        assert_eq!((class_name(k).as_str(), flip), ("A[C>T]G", false));
        let (k, _) = fold(2, 3, 1, 2);
        assert_eq!(class_name(k), "G[T>G]C");
        // All 192 (flank, ref, flank, alt) land on the 96 classes, twice each.
        let mut seen = vec![0; 96];
        for l in 0..4 {
            for r in 0..4 {
                for rt in 0..4 {
                    for a in (0..4).filter(|&a| a != r) {
                        seen[fold(l, r, rt, a).0] += 1;
                    }
                }
            }
        }
        assert!(seen.iter().all(|&n| n == 2), "{seen:?}");
    }

    /// Every context errs at the same rate: each site gets exactly what the
    /// class model gives it (rate, rho, label), and the summary is the
    /// class model's.
    #[test]
    fn where_contexts_agree_the_class_model_judges() {
        let refs = reference(4000);
        let w = window(&refs, 1000, |i, _| {
            let mut e = [1; 4];
            e[base_index(refs[i]).unwrap()] = 0;
            e
        });
        let class = ClassRates::estimate(std::slice::from_ref(&w)).unwrap();
        let ctx = ContextRates::estimate(&[w]).unwrap();
        assert!(ctx.groups.is_empty());
        for pos in [10, 11, 500, 2001] {
            let r = (refs[pos as usize - 1] as char).to_string();
            for a in ["A", "C", "G", "T"].into_iter().filter(|a| *a != r) {
                for strands in [(0, 0), (10, 30)] {
                    assert_eq!(
                        judge(&ctx, pos, &r, a, strands),
                        judge(&class, pos, &r, a, strands),
                        "{pos} {r}>{a}"
                    );
                }
            }
        }
        assert_eq!(
            serde_json::to_string(&ctx.summary()).unwrap(),
            serde_json::to_string(&class.summary()).unwrap()
        );
    }

    /// CpG deamination on read 1's strand: a CpG's C shows T on forward
    /// fragments at 1e-2, its G shows A on reverse ones at 1e-2 (the other
    /// strand's C); every other base errs at 1e-3 per other base. The C>T
    /// class rate mixes them; the context model gives a CpG site its
    /// context's rate (the evidence, ~1,000 × 2 × 250 fragments a context,
    /// is far above the prior strength), and a non-CpG C>T site a rate near
    /// its own 1e-3, below the class's.
    #[test]
    fn a_cpg_site_is_judged_against_cpg_errors() {
        let refs = reference(4000);
        let cpg_c = |i: usize| refs[i] == b'C' && refs.get(i + 1) == Some(&b'G');
        let cpg_g = |i: usize| refs[i] == b'G' && i > 0 && refs[i - 1] == b'C';
        let w = window(&refs, 1000, |i, s| {
            let r = base_index(refs[i]).unwrap();
            let mut e = [1; 4];
            e[r] = 0;
            if s == 0 && cpg_c(i) {
                e[3] = 10;
            }
            if s == 1 && cpg_g(i) {
                e[0] = 10;
            }
            e
        });
        let class = ClassRates::estimate(std::slice::from_ref(&w)).unwrap();
        let ctx = ContextRates::estimate(&[w]).unwrap();
        let subs: Vec<(&str, &str)> = ctx
            .groups
            .iter()
            .map(|g| (g.substitution.as_str(), g.strand))
            .collect();
        assert_eq!(subs, vec![("C>T", "fwd")]);
        assert!(ctx.groups[0].p_value < 1e-100 && ctx.groups[0].strength < 1e5);
        // A CpG C read on forward fragments only, and its G on reverse ones.
        let c = (1..4000).find(|&i| cpg_c(i - 1)).unwrap() as u64; // 1-based
        let at_c = judge(&ctx, c, "C", "T", (100, 0));
        assert_eq!(at_c.judged_by, SourceKind::SampleContext);
        assert!((at_c.rate - 0.01).abs() < 5e-4, "{}", at_c.rate);
        assert!(at_c.source.ends_with("[C>T]G"), "{}", at_c.source);
        // Every CpG position errs alike: the context's ρ is 0, and the
        // class's (the CpG/non-CpG spread) is not used, whichever strands
        // read the site.
        let class_rho = class.classes[1][3].rho;
        assert!(class_rho > 1e-4, "{class_rho}");
        for strands in [(100, 0), (50, 50), (0, 100)] {
            let rho = judge(&ctx, c, "C", "T", strands).rho;
            assert!(rho < 0.01 * class_rho, "{strands:?}: {rho} vs {class_rho}");
        }
        let at_g = judge(&ctx, c + 1, "G", "A", (0, 100));
        assert!((at_g.rate - 0.01).abs() < 5e-4, "{}", at_g.rate);
        assert!(at_g.source.starts_with("C[G>A]"), "{}", at_g.source);
        // The other strand of each is not deaminated: near 1e-3.
        assert!(judge(&ctx, c, "C", "T", (0, 100)).rate < 1.5e-3);
        // A non-CpG C: its own rate (1e-3), not the class's (higher).
        let other = (1..3999)
            .find(|&i| refs[i] == b'C' && refs[i + 1] != b'G')
            .unwrap() as u64
            + 1;
        let class_rate = judge(&class, other, "C", "T", (100, 0)).rate;
        let own = judge(&ctx, other, "C", "T", (100, 0)).rate;
        assert!(
            class_rate > 2e-3 && (own - 1e-3).abs() < 2e-4,
            "{own} vs {class_rate}"
        );
        // Other classes agree across contexts: the class model's answer.
        assert_eq!(
            judge(&ctx, c, "C", "A", (100, 0)),
            judge(&class, c, "C", "A", (100, 0))
        );
        let s = ctx.summary();
        assert_eq!(s.contexts.len(), 1);
        assert!(s.source.contains("trinucleotide"));
    }

    /// A window's first and last base have no flank: they are the class
    /// model's, and a site there is judged by its class.
    #[test]
    fn edges_and_unknown_flanks_fall_back_to_the_class() {
        let w = window(b"CGA", 100, |_, _| [0; 4]);
        let ctx = ContextRates::estimate(&[w]).unwrap();
        let total: u64 = ctx.cells.iter().flatten().map(|c| c.depth).sum();
        // Only the middle base, its three alts, both strands.
        assert_eq!(total, 3 * 2 * 100);
        let at_edge = judge(&ctx, 1, "C", "T", (1, 1));
        assert_eq!(at_edge.source, "C>T");
        let elsewhere = judge(&ctx, 90, "C", "T", (1, 1));
        assert_eq!(elsewhere.judged_by, SourceKind::SampleClass);
    }
}
