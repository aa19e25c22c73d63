//! TSV panels: a header line naming the columns (`contig pos ref alt`,
//! optional `id gene label`, in any order, others ignored), then one site
//! per line.
use super::parse::{unnamed_id, Parser};
use super::{RawAlleles, RawSite};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Column {
    Contig,
    Pos,
    Ref,
    Alt,
    Id,
    Gene,
    Label,
}

/// Maps known column names (case-insensitive, leading '#' ignored) to their index.
pub(super) fn header_columns(line: &str) -> HashMap<Column, usize> {
    let mut map = HashMap::new();
    for (i, name) in line.split('\t').enumerate() {
        let name = name.trim().trim_start_matches('#').to_ascii_lowercase();
        let col = match name.as_str() {
            "contig" | "chrom" | "chromosome" => Column::Contig,
            "pos" | "position" => Column::Pos,
            "ref" => Column::Ref,
            "alt" => Column::Alt,
            "id" => Column::Id,
            "gene" => Column::Gene,
            "label" => Column::Label,
            _ => continue,
        };
        map.entry(col).or_insert(i);
    }
    map
}

impl Parser<'_> {
    pub(super) fn tsv(&mut self, lines: &[&str]) {
        let mut header: Option<HashMap<Column, usize>> = None;
        let mut needed = 0;
        for (i, &line) in lines.iter().enumerate() {
            let ln = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let Some(cols) = header.as_ref() else {
                if line.starts_with("##") {
                    continue;
                }
                let map = header_columns(line);
                let missing: Vec<&str> = [
                    (Column::Contig, "contig"),
                    (Column::Pos, "pos"),
                    (Column::Ref, "ref"),
                    (Column::Alt, "alt"),
                ]
                .iter()
                .filter(|(c, _)| !map.contains_key(c))
                .map(|(_, n)| *n)
                .collect();
                if !missing.is_empty() {
                    self.problem(
                        ln,
                        format!(
                            "the header lacks the column(s) {} (a TSV panel needs the \
                             tab-separated columns contig, pos, ref, alt; id, gene, label are \
                             optional)",
                            missing.join(", ")
                        ),
                    );
                    return;
                }
                needed = map.values().copied().max().unwrap_or(0) + 1;
                header = Some(map);
                continue;
            };
            if line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let get = |c: Column| cols.get(&c).and_then(|&i| fields.get(i)).copied();
            // Only the required columns must be present; optional ones may be cut short.
            let required_max = [Column::Contig, Column::Pos, Column::Ref, Column::Alt]
                .iter()
                .filter_map(|c| cols.get(c))
                .max()
                .copied()
                .unwrap_or(0);
            if fields.len() <= required_max {
                self.problem(
                    ln,
                    format!(
                        "{} tab-separated column(s), but the header has {needed}; separate \
                         columns with tabs",
                        fields.len()
                    ),
                );
                continue;
            }
            let (contig, pos_text, r, a) = (
                get(Column::Contig).unwrap_or(""),
                get(Column::Pos).unwrap_or(""),
                get(Column::Ref).unwrap_or(""),
                get(Column::Alt).unwrap_or(""),
            );
            let id = get(Column::Id).unwrap_or("").to_string();
            let gene = get(Column::Gene).unwrap_or("").to_string();
            let label = get(Column::Label).unwrap_or("").to_string();
            if contig.is_empty() {
                self.problem(ln, "contig is empty (give the contig name)");
                continue;
            }
            let Some(pos) = self.parse_pos(ln, pos_text, "pos") else {
                continue;
            };
            let Some((r, a)) = self.alleles(ln, r, a) else {
                continue;
            };
            let id = if id.is_empty() || id == "." {
                unnamed_id(contig, pos, &r, &a)
            } else {
                id
            };
            let site = RawSite {
                contig: contig.to_string(),
                pos,
                alleles: RawAlleles::Given {
                    ref_allele: r,
                    alt_allele: a,
                },
                id,
                gene: if gene == "." { String::new() } else { gene },
                label: if label == "." { String::new() } else { label },
                origin: self.origin(ln),
            };
            self.add(ln, site);
        }
        if header.is_none() {
            self.problems.push(format!(
                "{}: no header line (a TSV panel starts with the tab-separated column names \
                 contig, pos, ref, alt)",
                self.source
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::panel::parse::tests::{parse, problems};
    use crate::panel::RawAlleles;

    #[test]
    fn tsv_any_column_order() {
        let text = "## a comment\nalt\tid\tpos\textra\tcontig\tref\tlabel\n\
                    T\tKRAS_G12D\t25245350\tx\tchr12\tC\tp.G12D\n\
                    \n\
                    A\t.\t25245350\ty\tchr12\tc\n";
        let p = parse("p.tsv", text).unwrap();
        assert_eq!(p.sites.len(), 2);
        let h = &p.sites[0];
        assert_eq!((h.contig.as_str(), h.pos), ("chr12", 25245350));
        assert_eq!(
            h.alleles,
            RawAlleles::Given {
                ref_allele: "C".into(),
                alt_allele: "T".into()
            }
        );
        assert_eq!(
            (h.id.as_str(), h.label.as_str(), h.gene.as_str()),
            ("KRAS_G12D", "p.G12D", "")
        );
        assert_eq!(h.origin, "p.tsv:3");
        assert_eq!(p.sites[1].id, "chr12:25245350C>A");
        assert_eq!(p.sites[1].label, "");
        // missing required column
        let pr = problems(parse("q.tsv", "contig\tpos\tref\nchr1\t5\tA\n"));
        assert!(
            pr[0].starts_with("q.tsv:1:") && pr[0].contains("alt"),
            "{pr:?}"
        );
        // too few columns in a row
        let pr = problems(parse("r.tsv", "contig\tpos\tref\talt\nchr1\t5\tA\n"));
        assert!(
            pr[0].starts_with("r.tsv:2:") && pr[0].contains("column"),
            "{pr:?}"
        );
    }
}
