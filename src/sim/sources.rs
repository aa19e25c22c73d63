//! The ALTs a sample holds that are not the tumour's: what a normal
//! sample carries too (issue 13). Each is a panel hotspot's own ALT, carried
//! by a fragment with a fixed chance, drawn once per unique fragment, so it
//! is shared by both mates and every PCR copy of that fragment (a
//! fragment-level counter sees it at its rate):
//!
//! - `--germline ID`: a heterozygous germline SNP (or any panel ALT). Every
//!   cell carries it, so every fragment, tumour or not, carries it with
//!   chance 1/2: VAF 0.5 in plasma and in a matched normal.
//! - `--chip ID:VAF`: a mutation of blood cells (clonal haematopoiesis).
//!   Only fragments that carry no tumour mutation of the block carry it,
//!   each with chance `VAF / (1 − π)` (`π`: the block's share of fragments
//!   carrying a tumour mutation, at most TF), so it is at `VAF` among the
//!   fragments covering the site whatever the tumour fraction: a matched
//!   white-cell sample is `--tumour-fraction 0` with the same `--chip` and
//!   shows it at `VAF` too. `VAF` must be at most `1 − TF`.
//! - `--artefact ID:RATE`: a recurrent error of that site's ALT, the same
//!   in every sample that names it, tumour or normal. It is made before
//!   sequencing (as an error of the chemistry, probe or amplicon is:
//!   damage or a polymerase error in the first cycles, copied into every
//!   read of the molecule), so every fragment carries it with chance `RATE`
//!   and a fragment-level counter sees it at `RATE`, whatever the tumour
//!   fraction. It is not a read-level error: mates and PCR copies agree.
//!
//! A fragment carries at most one allele per base: its tumour mutations
//! first, then these in panel order (an overlapping later one is left out,
//! as [`super::reads::Fragment::build`] does). So the expected VAFs above
//! hold for sites whose ALT overlaps no other carried ALT; the same ALT
//! from two sources (a tumour mutation at an artefact site) is carried once.
//!
//! None of this draws a random number unless one of the flags names a site
//! in the block, so a run without them writes what it always did.

use super::mutations::Mutations;
use super::SimError;
use crate::panel::Panel;
use serde::Serialize;

/// Where a non-tumour ALT comes from (the truth's `source` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Chip,
    Germline,
    Artefact,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Chip => "chip",
            Source::Germline => "germline",
            Source::Artefact => "artefact",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Source::Chip => "--chip",
            Source::Germline => "--germline",
            Source::Artefact => "--artefact",
        }
    }
}

/// One `ID:RATE` of `--artefact` or `--chip` (for `--germline`, the rate is
/// 0.5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteRate {
    pub id: String,
    pub rate: f64,
}

/// Parse the values of a repeatable flag, each a comma list of `ID:RATE`
/// with RATE in (0, `max`]; all problems together.
pub fn parse_site_rates(
    flag: &str,
    values: &[String],
    what: &str,
    max: f64,
) -> Result<Vec<SiteRate>, SimError> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for item in values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let Some((id, r)) = item.rsplit_once(':') else {
            problems.push(format!("'{item}': write ID:{what}"));
            continue;
        };
        match r.trim().parse::<f64>() {
            Ok(x) if x > 0.0 && x <= max => out.push(SiteRate {
                id: id.trim().to_string(),
                rate: x,
            }),
            Ok(x) => problems.push(format!("'{item}': {what} must be in (0, {max}] (got {x})")),
            Err(_) => problems.push(format!("'{item}': {what} '{r}' is not a number")),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(SimError::param(flag, problems.join("; ")))
    }
}

/// The IDs of a repeatable flag whose values are comma lists of IDs.
pub fn parse_ids(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// One non-tumour ALT, resolved to its panel site.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceAllele {
    /// Panel index.
    pub site: usize,
    pub id: String,
    pub source: Source,
    /// Its VAF among the fragments covering the site (RATE, VAF or 0.5).
    pub rate: f64,
}

/// Every non-tumour ALT, in panel order (and source order within a site).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub list: Vec<SourceAllele>,
}

impl Sources {
    /// Check the flags' IDs against the panel (all problems together): each
    /// a panel ID with an ALT, named at most once per flag, CHIP and
    /// germline not at one site, a CHIP VAF at most `1 − tumour_fraction`.
    pub fn resolve(
        panel: &Panel,
        germline: &[String],
        chip: &[SiteRate],
        artefacts: &[SiteRate],
        tumour_fraction: f64,
    ) -> Result<Sources, SimError> {
        let germline: Vec<SiteRate> = germline
            .iter()
            .map(|id| SiteRate {
                id: id.clone(),
                rate: 0.5,
            })
            .collect();
        let mut list = Vec::new();
        let mut problems: Vec<(Source, String)> = Vec::new();
        for (source, specs) in [
            (Source::Chip, chip),
            (Source::Germline, &germline[..]),
            (Source::Artefact, artefacts),
        ] {
            for s in specs {
                match panel.hotspots.iter().position(|h| h.id == s.id) {
                    None => problems.push((source, format!("'{}' is not a panel ID", s.id))),
                    Some(i) if panel.hotspots[i].is_position_only() => problems.push((
                        source,
                        format!("'{}' is a position-only site (no ALT allele)", s.id),
                    )),
                    Some(i)
                        if list
                            .iter()
                            .any(|a: &SourceAllele| a.site == i && a.source == source) =>
                    {
                        problems.push((source, format!("'{}' is listed twice", s.id)))
                    }
                    Some(i) => list.push(SourceAllele {
                        site: i,
                        id: s.id.clone(),
                        source,
                        rate: s.rate,
                    }),
                }
            }
        }
        for a in &list {
            if a.source == Source::Chip {
                if list
                    .iter()
                    .any(|b| b.site == a.site && b.source == Source::Germline)
                {
                    problems.push((
                        Source::Chip,
                        format!("'{}' is also --germline: give it one of the two", a.id),
                    ));
                }
                if a.rate > 1.0 - tumour_fraction + 1e-12 {
                    problems.push((
                        Source::Chip,
                        format!(
                            "'{}': VAF {} is more than the non-tumour share 1 − TF = {} of the \
                             fragments, which alone can carry it",
                            a.id,
                            a.rate,
                            1.0 - tumour_fraction
                        ),
                    ));
                }
            }
        }
        if !problems.is_empty() {
            let mut flags: Vec<Source> = problems.iter().map(|p| p.0).collect();
            flags.sort();
            flags.dedup();
            let flags: Vec<&str> = flags.into_iter().map(Source::flag).collect();
            // One flag: its name leads the message; several: each problem's.
            let text: Vec<String> = problems
                .iter()
                .map(|(s, p)| match flags.len() {
                    1 => p.clone(),
                    _ => format!("{} {p}", s.flag()),
                })
                .collect();
            return Err(SimError::param(&flags.join(", "), text.join("; ")));
        }
        list.sort_by_key(|a| (a.site, a.source));
        Ok(Sources { list })
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The sources at panel index `site`.
    pub fn at(&self, site: usize) -> impl Iterator<Item = &SourceAllele> {
        let from = self.list.partition_point(|a| a.site < site);
        self.list[from..].iter().take_while(move |a| a.site == site)
    }

    /// Each source of a block with `sites` (sorted panel indices), as
    /// `(site, chance on a fragment without a tumour mutation, chance on one
    /// with)`, where `pi_mut` is the block's share of fragments carrying a
    /// tumour mutation.
    pub fn block_chances(&self, sites: &[usize], pi_mut: f64) -> Vec<(usize, f64, f64)> {
        sites
            .iter()
            .flat_map(|&s| self.at(s))
            .map(|a| match a.source {
                Source::Chip => (a.site, (a.rate / (1.0 - pi_mut)).min(1.0), 0.0),
                Source::Germline | Source::Artefact => (a.site, a.rate, a.rate),
            })
            .collect()
    }

    /// The truth's `source` of panel index `site` (`tumour`, `chip`,
    /// `germline`, `artefact`, joined by `+` when several, or `none`) and
    /// the VAF every source together aims at: tumour and CHIP fragments are
    /// disjoint (their shares add), germline and artefact draws independent
    /// of them and of each other.
    pub fn truth_of(&self, site: usize, mutations: &Mutations, tf: f64) -> (String, f64) {
        let mut names: Vec<&str> = Vec::new();
        let mut disjoint = 0.0;
        if let Some(m) = mutations.at(site) {
            names.push("tumour");
            disjoint += tf * m.share;
        }
        let mut none_of_the_rest = 1.0;
        for a in self.at(site) {
            names.push(a.source.name());
            match a.source {
                Source::Chip => disjoint += a.rate,
                Source::Germline | Source::Artefact => none_of_the_rest *= 1.0 - a.rate,
            }
        }
        let vaf = 1.0 - (1.0 - disjoint) * none_of_the_rest;
        let name = if names.is_empty() {
            "none".to_string()
        } else {
            names.join("+")
        };
        (name, vaf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::prepare_sites;
    use crate::sim::mutations::MutationRequest;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parse_rates_and_ids() {
        let v = parse_site_rates(
            "--artefact",
            &strings(&["KRAS_G12D:0.01, TP53_R175H:0.002", "EGFR_L858R:0.5"]),
            "RATE",
            0.5,
        )
        .unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(
            v[1],
            SiteRate {
                id: "TP53_R175H".into(),
                rate: 0.002
            }
        );
        let e = parse_site_rates(
            "--chip",
            &strings(&["A", "B:x", "C:0", "D:1.5"]),
            "VAF",
            1.0,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("--chip")
                && e.contains("'A': write ID:VAF")
                && e.contains("'B:x'")
                && e.contains("'C:0'")
                && e.contains("'D:1.5'"),
            "{e}"
        );
        assert_eq!(
            parse_ids(&strings(&["a,b", " c "])),
            strings(&["a", "b", "c"])
        );
    }

    #[test]
    fn resolve_checks_ids_and_shares() {
        let panel = Panel::demo();
        let chip = |id: &str, rate| SiteRate {
            id: id.into(),
            rate,
        };
        let s = Sources::resolve(
            &panel,
            &strings(&["TP53_R175H"]),
            &[chip("KRAS_G12D", 0.01)],
            &[chip("KRAS_G12D", 0.005), chip("EGFR_L858R", 0.002)],
            0.05,
        )
        .unwrap();
        assert_eq!(s.list.len(), 4);
        let kras = panel
            .hotspots
            .iter()
            .position(|h| h.id == "KRAS_G12D")
            .unwrap();
        let at: Vec<Source> = s.at(kras).map(|a| a.source).collect();
        assert_eq!(at, [Source::Chip, Source::Artefact]);
        // CHIP 1 %, artefact 0.5 %: 1 − 0.99 × 0.995 = 0.01495, plus a 2.5 %
        // tumour share when the tumour carries it too.
        let r = crate::reference::open("demo").unwrap();
        let models = prepare_sites(&panel, Some(r.as_ref()));
        let none = Mutations::resolve(&MutationRequest::None, &panel, &models).unwrap();
        let (name, vaf) = s.truth_of(kras, &none, 0.05);
        assert_eq!(name, "chip+artefact");
        assert!((vaf - 0.01495).abs() < 1e-12, "{vaf}");
        let m = Mutations::resolve(
            &MutationRequest::parse("KRAS_G12D").unwrap(),
            &panel,
            &models,
        )
        .unwrap();
        let (name, vaf) = s.truth_of(kras, &m, 0.05);
        assert_eq!(name, "tumour+chip+artefact");
        assert!((vaf - (1.0 - 0.965 * 0.995)).abs() < 1e-12, "{vaf}");
        assert_eq!(s.truth_of(0, &none, 0.05).0, "none");
        // CHIP fragments are the non-mutant ones: chance VAF / (1 − π).
        let ch = s.block_chances(&[kras], 0.2);
        assert_eq!(ch, [(kras, 0.01 / 0.8, 0.0), (kras, 0.005, 0.005)]);
        let e = Sources::resolve(
            &panel,
            &strings(&["KRAS_G12D", "NOPE"]),
            &[chip("KRAS_G12D", 0.5), chip("KRAS_G12D", 0.1)],
            &[],
            0.6,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("--chip, --germline: ")
                && e.contains("--germline 'NOPE' is not a panel ID")
                && e.contains("--chip 'KRAS_G12D' is listed twice")
                && e.contains("--chip 'KRAS_G12D' is also --germline")
                && e.contains("non-tumour share 1 − TF = 0.4"),
            "{e}"
        );
    }
}
