//! Which hotspots the tumour carries, and how often a tumour fragment
//! carries each.
//!
//! `--mutations` takes `all`, `none`, or comma-separated panel IDs, each
//! optionally `ID:CCF` or `ID:CCF:COPIES`. CCF is the cancer cell fraction
//! (clonality, default 1) and COPIES the mutant copy factor (default 1: one
//! of two copies mutated; 2: every copy, as after loss of heterozygosity).
//! A tumour-derived fragment covering the site carries the alt allele with
//! probability `CCF × COPIES / 2`, so the expected VAF is
//! `TF × CCF × COPIES / 2`.
//!
//! Mutations whose sites overlap (the same base, or an MNV inside a
//! deletion) cannot sit on one fragment: they form an exclusive group, and a
//! tumour fragment carries at most one of them (their shares must add up to
//! at most 1). With `all`, a group whose shares add up to more is scaled down
//! to 1, and the notes say so.

use super::SimError;
use crate::count::SiteModel;
use crate::panel::Panel;
use serde::Serialize;

/// What `--mutations` asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum MutationRequest {
    All,
    None,
    List(Vec<MutationSpec>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MutationSpec {
    pub id: String,
    pub ccf: f64,
    pub(crate) copy_factor: f64,
}

impl MutationRequest {
    /// Parse `--mutations`. IDs are checked later, against the panel.
    pub fn parse(text: &str) -> Result<Self, SimError> {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "all" => return Ok(MutationRequest::All),
            "none" | "" => return Ok(MutationRequest::None),
            _ => {}
        }
        let mut specs = Vec::new();
        let mut problems = Vec::new();
        for item in t.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match parse_item(item) {
                Ok(s) => specs.push(s),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(SimError::param("--mutations", problems.join("; ")));
        }
        Ok(MutationRequest::List(specs))
    }
}

fn parse_item(item: &str) -> Result<MutationSpec, String> {
    let parts: Vec<&str> = item.split(':').collect();
    let num = |s: &str, what: &str| -> Result<f64, String> {
        s.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                format!(
                    "'{item}': {what} '{s}' is not a number (write ID, ID:CCF or ID:CCF:COPIES)"
                )
            })
    };
    let (id, ccf, cf) = match parts.as_slice() {
        [id] => (*id, 1.0, 1.0),
        [id, c] => (*id, num(c, "CCF")?, 1.0),
        [id, c, k] => (*id, num(c, "CCF")?, num(k, "COPIES")?),
        _ => return Err(format!("'{item}': write ID, ID:CCF or ID:CCF:COPIES")),
    };
    if !(ccf > 0.0 && ccf <= 1.0) {
        return Err(format!("'{item}': CCF must be in (0, 1] (got {ccf})"));
    }
    if !(cf > 0.0 && cf <= 2.0) {
        return Err(format!(
            "'{item}': COPIES must be in (0, 2] (got {cf}; 1 = heterozygous, 2 = every copy)"
        ));
    }
    Ok(MutationSpec {
        id: id.to_string(),
        ccf,
        copy_factor: cf,
    })
}

/// One mutated hotspot, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mutation {
    /// Panel index.
    #[serde(skip)]
    pub site: usize,
    pub id: String,
    pub ccf: f64,
    pub(crate) copy_factor: f64,
    /// P(alt | tumour-derived fragment covering the site), after any scaling.
    pub share: f64,
    /// Exclusive group (index into [`Mutations::groups`]).
    #[serde(skip)]
    pub group: usize,
}

/// Every mutated hotspot, in panel order, with exclusive groups.
#[derive(Debug, Clone, Default)]
pub struct Mutations {
    pub list: Vec<Mutation>,
    /// Per panel index: position in `list`.
    pub(crate) by_site: Vec<Option<usize>>,
    /// Exclusive groups: indices into `list`.
    pub groups: Vec<Vec<usize>>,
    /// Messages for the user (scaling, skipped position-only sites).
    pub notes: Vec<String>,
}

impl Mutations {
    pub fn resolve(
        req: &MutationRequest,
        panel: &Panel,
        models: &[SiteModel],
    ) -> Result<Self, SimError> {
        let mut chosen: Vec<(usize, f64, f64)> = Vec::new();
        let mut notes = Vec::new();
        match req {
            MutationRequest::None => {}
            MutationRequest::All => {
                let mut skipped = Vec::new();
                for (i, h) in panel.hotspots.iter().enumerate() {
                    if h.is_position_only() {
                        skipped.push(h.id.clone());
                    } else {
                        chosen.push((i, 1.0, 1.0));
                    }
                }
                if !skipped.is_empty() {
                    notes.push(format!(
                        "{} position-only site(s) have no ALT and stay unmutated: {}",
                        skipped.len(),
                        skipped.join(", ")
                    ));
                }
            }
            MutationRequest::List(specs) => {
                let mut problems = Vec::new();
                for s in specs {
                    match panel.hotspots.iter().position(|h| h.id == s.id) {
                        None => problems.push(format!("'{}' is not a panel ID", s.id)),
                        Some(i) if panel.hotspots[i].is_position_only() => problems.push(format!(
                            "'{}' is a position-only site (no ALT allele) and cannot be mutated",
                            s.id
                        )),
                        Some(i) if chosen.iter().any(|c| c.0 == i) => {
                            problems.push(format!("'{}' is listed twice", s.id))
                        }
                        Some(i) => chosen.push((i, s.ccf, s.copy_factor)),
                    }
                }
                if !problems.is_empty() {
                    let ids: Vec<&str> = panel
                        .hotspots
                        .iter()
                        .take(12)
                        .map(|h| h.id.as_str())
                        .collect();
                    let more = if panel.hotspots.len() > 12 {
                        ", ..."
                    } else {
                        ""
                    };
                    return Err(SimError::param(
                        "--mutations",
                        format!(
                            "{} (the panel's IDs: {}{more}; or use 'all' / 'none')",
                            problems.join("; "),
                            ids.join(", ")
                        ),
                    ));
                }
                chosen.sort_by_key(|c| c.0);
            }
        }
        let mut by_site = vec![None; panel.hotspots.len()];
        let mut list: Vec<Mutation> = Vec::new();
        for &(i, ccf, cf) in &chosen {
            by_site[i] = Some(list.len());
            list.push(Mutation {
                site: i,
                id: panel.hotspots[i].id.clone(),
                ccf,
                copy_factor: cf,
                share: ccf * cf / 2.0,
                group: usize::MAX,
            });
        }
        // Exclusive groups: connected components of overlapping footprints.
        let mut parent: Vec<usize> = (0..list.len()).collect();
        fn find(p: &mut [usize], x: usize) -> usize {
            let mut r = x;
            while p[r] != r {
                r = p[r];
            }
            p[x] = r;
            r
        }
        // Footprints are never empty, so sorted by start, one overlaps an
        // earlier one of its contig exactly when it starts before the furthest
        // end so far: a sweep finds the same components as comparing every
        // pair (which was quadratic in the panel).
        let mut order: Vec<(&str, i64, i64, usize)> = list
            .iter()
            .enumerate()
            .map(|(m, x)| {
                let (s, e) = models[x.site].footprint();
                (panel.hotspots[x.site].contig.as_str(), s, e, m)
            })
            .collect();
        order.sort_unstable();
        let mut open: Option<(&str, i64, usize)> = None; // contig, furthest end, a member
        for &(contig, s, e, m) in &order {
            match &mut open {
                Some((c, end, member)) if *c == contig && s < *end => {
                    let (ra, rb) = (find(&mut parent, *member), find(&mut parent, m));
                    parent[ra.max(rb)] = ra.min(rb);
                    *end = (*end).max(e);
                }
                _ => open = Some((contig, e, m)),
            }
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut root_group: Vec<Option<usize>> = vec![None; list.len()];
        for (m, mutation) in list.iter_mut().enumerate() {
            let r = find(&mut parent, m);
            let g = *root_group[r].get_or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(m);
            mutation.group = g;
        }
        for g in &groups {
            let total: f64 = g.iter().map(|&m| list[m].share).sum();
            if total > 1.0 + 1e-12 {
                let ids: Vec<String> = g.iter().map(|&m| list[m].id.clone()).collect();
                if matches!(req, MutationRequest::All) {
                    for &m in g {
                        list[m].share /= total;
                    }
                    notes.push(format!(
                        "{} overlap, so one molecule carries at most one of them; their shares \
                         (sum {total:.3}) were scaled to sum to 1",
                        ids.join(", ")
                    ));
                } else {
                    return Err(SimError::param(
                        "--mutations",
                        format!(
                            "{} overlap, so one molecule carries at most one of them, but their \
                             shares CCF × COPIES / 2 add up to {total:.3} (more than 1); lower \
                             their CCF or COPIES",
                            ids.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(Mutations {
            list,
            by_site,
            groups,
            notes,
        })
    }

    /// The mutation at panel index `site`, if any.
    pub fn at(&self, site: usize) -> Option<&Mutation> {
        self.by_site
            .get(site)
            .copied()
            .flatten()
            .map(|m| &self.list[m])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::prepare_sites;

    fn demo() -> (Panel, Vec<SiteModel>) {
        let panel = Panel::demo();
        let r = crate::reference::open("demo").unwrap();
        let models = prepare_sites(&panel, Some(r.as_ref()));
        (panel, models)
    }

    #[test]
    fn parse_forms() {
        assert_eq!(MutationRequest::parse("all").unwrap(), MutationRequest::All);
        assert_eq!(
            MutationRequest::parse("NONE").unwrap(),
            MutationRequest::None
        );
        let l = MutationRequest::parse("KRAS_G12D, TP53_R175H:0.5,EGFR_T790M:1:2").unwrap();
        let MutationRequest::List(v) = l else {
            panic!()
        };
        assert_eq!(
            v[1],
            MutationSpec {
                id: "TP53_R175H".into(),
                ccf: 0.5,
                copy_factor: 1.0
            }
        );
        assert_eq!(v[2].copy_factor, 2.0);
        let e = MutationRequest::parse("A:x,B:1.5,C:1:3")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--mutations")
                && e.contains("'A:x'")
                && e.contains("'B:1.5'")
                && e.contains("'C:1:3'"),
            "{e}"
        );
    }

    proptest::proptest! {
        // A fixed seed: the suite runs the same cases every time.
        #![proptest_config(proptest::test_runner::Config { rng_seed: proptest::test_runner::RngSeed::Fixed(13), ..proptest::test_runner::Config::default() })]

        /// The sweep groups mutations exactly as comparing every pair of
        /// footprints does (same contig, `sa < eb && sb < ea`), numbered by
        /// first member: random SNVs, MNVs and deletions on two contigs.
        #[test]
        fn groups_are_the_pairwise_overlap_components(
            sites in proptest::collection::vec((0usize..2, 2u64..80, 1usize..5, proptest::bool::ANY), 1..40)
        ) {
            let mut tsv = String::from("contig\tpos\tref\talt\tid\n");
            let mut seen = std::collections::HashSet::new();
            for (i, &(c, pos, len, del)) in sites.iter().enumerate() {
                let r = &"ACGTA"[..len];
                let a = if del && len > 1 { "A".to_string() } else { "CATGC"[..len].to_string() };
                if seen.insert((c, pos, len, del)) {
                    tsv.push_str(&format!("c{c}\t{pos}\t{r}\t{a}\tm{i}\n"));
                }
            }
            let panel = Panel::from_bytes("p.tsv", tsv.as_bytes()).unwrap();
            let models = prepare_sites(&panel, None);
            let m = Mutations::resolve(&MutationRequest::All, &panel, &models).unwrap();
            let n = m.list.len();
            // Components by flooding the pairwise overlap graph.
            let fp = |k: usize| models[m.list[k].site].footprint();
            let contig = |k: usize| &panel.hotspots[m.list[k].site].contig;
            let overlap = |a: usize, b: usize| {
                let ((sa, ea), (sb, eb)) = (fp(a), fp(b));
                contig(a) == contig(b) && sa < eb && sb < ea
            };
            let mut comp = vec![usize::MAX; n];
            let mut next = 0;
            for start in 0..n {
                if comp[start] != usize::MAX {
                    continue;
                }
                let mut stack = vec![start];
                comp[start] = next;
                while let Some(x) = stack.pop() {
                    for (y, c) in comp.iter_mut().enumerate() {
                        if *c == usize::MAX && overlap(x, y) {
                            *c = next;
                            stack.push(y);
                        }
                    }
                }
                next += 1;
            }
            let got: Vec<usize> = m.list.iter().map(|x| x.group).collect();
            proptest::prop_assert_eq!(got, comp);
        }
    }

    #[test]
    fn overlapping_sites_are_exclusive() {
        let (panel, models) = demo();
        let req =
            MutationRequest::parse("EGFR_E746_A750del,EGFR_L747P,KRAS_G12D,KRAS_G12C").unwrap();
        let m = Mutations::resolve(&req, &panel, &models).unwrap();
        assert_eq!(m.list.len(), 4);
        let g = |id: &str| m.list.iter().find(|x| x.id == id).unwrap().group;
        assert_eq!(g("EGFR_E746_A750del"), g("EGFR_L747P"));
        assert_ne!(
            g("KRAS_G12D"),
            g("KRAS_G12C"),
            "adjacent bases do not overlap"
        );
        // Same base, three alts at 0.5 each: an error for an explicit list...
        let req = MutationRequest::parse("KRAS_G12D,KRAS_G12V").unwrap();
        assert!(Mutations::resolve(&req, &panel, &models).is_ok());
        let req = MutationRequest::parse("KRAS_G12D,KRAS_G12V:1:2").unwrap();
        let e = Mutations::resolve(&req, &panel, &models)
            .unwrap_err()
            .to_string();
        assert!(e.contains("KRAS_G12D, KRAS_G12V overlap"), "{e}");
        // ... and fine for `all`, where every group sums to <= 1 on the demo.
        let all = Mutations::resolve(&MutationRequest::All, &panel, &models).unwrap();
        assert_eq!(all.list.len(), 31);
        assert!(all.notes.is_empty(), "{:?}", all.notes);
        let e = Mutations::resolve(
            &MutationRequest::parse("NOPE,KRAS_G12D,KRAS_G12D").unwrap(),
            &panel,
            &models,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("'NOPE' is not a panel ID") && e.contains("listed twice"),
            "{e}"
        );
    }
}
