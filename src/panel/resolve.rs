//! Resolution: a [`RawPanel`] checked against the reference becomes a
//! [`Panel`]. BED sites get their REF bases; every other site's REF must
//! match the reference; contigs and positions the reference lacks are
//! refused, all problems in one error.
use super::contigs::contig_style_hint_in;
use super::{Hotspot, Panel, PanelError, RawAlleles, RawPanel, RawSite};
use crate::reference::{list_names, Reference, ReferenceError};

impl RawPanel {
    /// Checks every site against the reference and fills the REF bases of
    /// BED (position-only) sites from it. All problems (REF mismatches,
    /// contigs or positions the reference lacks) are listed in one error.
    /// With no reference this only fails for BED sites, which need one.
    pub fn resolve(self, reference: Option<&dyn Reference>) -> Result<Panel, PanelError> {
        let RawPanel {
            source,
            sites,
            contigs,
        } = self;
        let Some(reference) = reference else {
            let hotspots: Option<Vec<Hotspot>> =
                sites.into_iter().map(|s| s.into_hotspot(None)).collect();
            return match hotspots {
                Some(hotspots) => Ok(Panel {
                    source,
                    hotspots,
                    contigs,
                }),
                None => Err(PanelError::NeedsReference { path: source }),
            };
        };
        let ref_name = reference.describe();
        let available = reference.contig_names();
        let mut problems = Vec::new();
        // Missing contigs are reported once per contig.
        let mut missing: Vec<(String, Vec<usize>)> = Vec::new();
        // The reference's bases for each BED site, which has none of its own.
        let mut filled: Vec<Option<String>> = vec![None; sites.len()];
        for (i, h) in sites.iter().enumerate() {
            let given = match &h.alleles {
                RawAlleles::Given { ref_allele, .. } => Some(ref_allele),
                RawAlleles::PositionOnly => None,
            };
            if !reference.has_contig(&h.contig) {
                match missing.iter_mut().find(|(c, _)| *c == h.contig) {
                    Some((_, v)) => v.push(i),
                    None => missing.push((h.contig.clone(), vec![i])),
                }
                continue;
            }
            if h.pos == 0 {
                problems.push(format!(
                    "{} ({}): position 0 (positions are 1-based)",
                    h.id, h.origin
                ));
                continue;
            }
            let len = given.map_or(1, |r| r.len()) as u64;
            let start = h.pos - 1;
            let bases = match reference.fetch(&h.contig, start, start + len) {
                Ok(b) => b,
                Err(e) => {
                    let why = match e {
                        ReferenceError::OutOfRange(m) => m,
                        other => other.to_string(),
                    };
                    problems.push(format!("{} ({}): {why}", h.id, h.origin));
                    continue;
                }
            };
            // IUPAC codes other than ACGT read as N.
            let bases: String = bases
                .iter()
                .map(|b| match b {
                    b'A' | b'C' | b'G' | b'T' => *b as char,
                    _ => 'N',
                })
                .collect();
            match given {
                None => filled[i] = Some(bases),
                Some(r) if *r != bases => problems.push(format!(
                    "{} ({}) {}:{} REF {} but the reference has {}",
                    h.id, h.origin, h.contig, h.pos, r, bases
                )),
                Some(_) => {}
            }
        }
        for (contig, idx) in &missing {
            let first = &sites[idx[0]];
            let mut msg = format!(
                "contig '{contig}' ({} hotspot(s), first {} at {}) is not in {ref_name}",
                idx.len(),
                first.id,
                first.origin
            );
            match contig_style_hint_in(contig, &available, &ref_name) {
                Some(hint) => {
                    msg.push_str("; ");
                    msg.push_str(&hint);
                }
                None => {
                    msg.push_str(&format!(
                        " (its contigs: {}); use the reference the panel was made for",
                        list_names(&available)
                    ));
                }
            }
            problems.push(msg);
        }
        if !problems.is_empty() {
            return Err(PanelError::Reference {
                path: source,
                reference: ref_name,
                problems,
            });
        }
        // No problem means every BED site was fetched.
        let hotspots = sites
            .into_iter()
            .zip(filled)
            .map(|(s, bases)| s.into_hotspot(bases))
            .collect::<Option<Vec<_>>>()
            .expect("every position-only site without a problem has its bases");
        Ok(Panel {
            source,
            hotspots,
            contigs,
        })
    }
}

impl RawSite {
    /// The hotspot of this site: REF and ALT as given, or for a
    /// position-only site `bases` as REF and "." as ALT (None without them).
    fn into_hotspot(self, bases: Option<String>) -> Option<Hotspot> {
        let (ref_allele, alt_allele) = match self.alleles {
            RawAlleles::Given {
                ref_allele,
                alt_allele,
            } => (ref_allele, alt_allele),
            RawAlleles::PositionOnly => (bases?, ".".to_string()),
        };
        Some(Hotspot {
            contig: self.contig,
            pos: self.pos,
            ref_allele,
            alt_allele,
            id: self.id,
            gene: self.gene,
            label: self.label,
            origin: self.origin,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::panel::parse::tests::{parse, HEAD};
    use crate::panel::{PanelError, RawPanel};
    use crate::reference::regional::RegionalFasta;

    #[test]
    fn resolve_demo_against_demo_reference() {
        let reference = RegionalFasta::demo();
        let with = RawPanel::demo().resolve(Some(&reference)).unwrap();
        let without = RawPanel::demo().resolve(None).unwrap();
        assert_eq!(with.hotspots, without.hotspots);
        assert_eq!(with.contigs, without.contigs);
    }

    #[test]
    fn resolve_lists_every_mismatch() {
        let text = format!(
            "{HEAD}chr12\t25245350\tKRAS_G12D\tG\tT\t.\t.\t.\n\
             chr12\t25245350\tOK\tC\tT\t.\t.\t.\n\
             chr7\t55174771\tDEL\tAGGAATTAAGAGAAGG\tA\t.\t.\t.\n\
             chr7\t100\tFAR\tA\tC\t.\t.\t.\n"
        );
        let p = parse("panel.vcf", &text).unwrap();
        let err = p.resolve(Some(&RegionalFasta::demo())).unwrap_err();
        let PanelError::Reference { problems, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert_eq!(
            problems[0],
            "KRAS_G12D (panel.vcf:3) chr12:25245350 REF G but the reference has C"
        );
        assert!(problems[1].starts_with("DEL (panel.vcf:5) chr7:55174771 REF AGGAATTAAGAGAAGG but the reference has AGGAATTAAGAGAAGC"));
        assert!(
            problems[2].contains("FAR (panel.vcf:6)")
                && problems[2].contains("not inside any window")
        );
        assert!(err.to_string().contains("the embedded GRCh38 demo windows"));
    }

    #[test]
    fn resolve_fills_bed_refs() {
        let p = parse("p.bed", "chr12\t25245349\t25245351\tG12\n").unwrap();
        let err = p.clone().resolve(None).unwrap_err();
        assert!(matches!(err, PanelError::NeedsReference { .. }));
        assert!(err.to_string().contains("--reference"));
        let p = p.resolve(Some(&RegionalFasta::demo())).unwrap();
        assert_eq!(p.hotspots[0].ref_allele, "C");
        assert_eq!(p.hotspots[1].ref_allele, "C");
        assert!(p.hotspots.iter().all(|h| h.is_single_base()));
        assert!(p.hotspots.iter().all(|h| h.is_position_only()));
        assert_eq!(
            (p.hotspots[1].id.as_str(), p.hotspots[1].origin.as_str()),
            ("G12:25245351", "p.bed:1")
        );
    }

    /// A BED site over an IUPAC code other than ACGT gets REF N; a given
    /// REF is compared with the reference read the same way.
    #[test]
    fn resolve_reads_iupac_as_n() {
        let reference = RegionalFasta::from_bytes("r.fa", b">c:1-4\nACRT\n").unwrap();
        let p = parse("p.bed", "c\t2\t3\n").unwrap();
        let p = p.resolve(Some(&reference)).unwrap();
        assert_eq!(p.hotspots[0].ref_allele, "N");
        let tsv = "contig\tpos\tref\talt\tid\nc\t2\tCN\tA\tx\nc\t2\tCA\tG\ty\n";
        let err = parse("p.tsv", tsv)
            .unwrap()
            .resolve(Some(&reference))
            .unwrap_err();
        let PanelError::Reference { problems, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].contains("REF CA but the reference has CN"),
            "{err}"
        );
    }

    #[test]
    fn missing_contig_names_its_style() {
        let text =
            format!("{HEAD}12\t25245350\tA\tC\tT\t.\t.\t.\n12\t25245351\tB\tC\tA\t.\t.\t.\n");
        let p = parse("ens.vcf", &text).unwrap();
        let err = p
            .resolve(Some(&RegionalFasta::demo()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("contig '12' (2 hotspot(s), first A at ens.vcf:3)"),
            "{err}"
        );
        assert!(
            err.contains("the panel names contigs like '12' but the embedded GRCh38 demo windows names them like 'chr12' (UCSC vs Ensembl style)"),
            "{err}"
        );
    }
}
