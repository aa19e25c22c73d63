//! BED panels: intervals (0-based, end exclusive) expanded to one
//! position-only site per base, at most [`MAX_BED_POSITIONS`] in all.
use super::parse::Parser;
use super::{RawAlleles, RawSite};

/// A BED panel may expand to at most this many positions.
pub(crate) const MAX_BED_POSITIONS: u64 = 10_000;

pub(super) fn split(line: &str) -> Vec<&str> {
    if line.contains('\t') {
        line.split('\t').map(str::trim).collect()
    } else {
        line.split_whitespace().collect()
    }
}

impl Parser<'_> {
    pub(super) fn bed(&mut self, lines: &[&str]) {
        let mut total: u64 = 0;
        for (i, &line) in lines.iter().enumerate() {
            let ln = i + 1;
            let t = line.trim();
            if t.is_empty()
                || t.starts_with('#')
                || t.starts_with("track")
                || t.starts_with("browser")
            {
                continue;
            }
            let cols = split(t);
            if cols.len() < 3 {
                self.problem(
                    ln,
                    format!(
                        "{} column(s), but a BED line needs at least 3 (contig, start, end), \
                         separated by tabs",
                        cols.len()
                    ),
                );
                continue;
            }
            let contig = cols[0];
            let (start, end) = match (cols[1].parse::<u64>(), cols[2].parse::<u64>()) {
                (Ok(s), Ok(e)) => (s, e),
                _ => {
                    self.problem(
                        ln,
                        format!(
                            "start '{}' and end '{}' must be whole numbers (BED is 0-based, \
                             end exclusive)",
                            cols[1], cols[2]
                        ),
                    );
                    continue;
                }
            };
            if end <= start {
                self.problem(
                    ln,
                    format!(
                        "empty interval {start}-{end}: end must be greater than start (BED is \
                         0-based, end exclusive: one base at position P is 'P-1 P')"
                    ),
                );
                continue;
            }
            total = total.saturating_add(end - start);
            if total > MAX_BED_POSITIONS {
                self.problems.push(format!(
                    "{}:{ln}: the BED intervals cover more than {MAX_BED_POSITIONS} positions \
                     in all (this one is {contig}:{}-{end}); a BED panel lists hotspot \
                     positions, not target regions — list only the positions to count",
                    self.source,
                    start + 1
                ));
                return;
            }
            let name = cols.get(3).copied().filter(|n| !n.is_empty() && *n != ".");
            for p0 in start..end {
                let pos = p0 + 1;
                let id = match name {
                    Some(n) if end - start == 1 => n.to_string(),
                    Some(n) => format!("{n}:{pos}"),
                    None => format!("{contig}:{pos}"),
                };
                let site = RawSite {
                    contig: contig.to_string(),
                    pos,
                    alleles: RawAlleles::PositionOnly,
                    id,
                    gene: String::new(),
                    label: String::new(),
                    origin: self.origin(ln),
                };
                self.add(ln, site);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::panel::parse::tests::{parse, problems};
    use crate::panel::RawAlleles;

    #[test]
    fn bed_expansion() {
        let text = "track name=x\nbrowser position chr1\n# comment\n\
                    chr12\t25245349\t25245350\tKRAS_G12\n\
                    chr7\t100\t103\tWIN\n\
                    chr7\t200\t202\n";
        let p = parse("p.bed", text).unwrap();
        let got: Vec<(&str, u64, &str)> = p
            .sites
            .iter()
            .map(|h| (h.contig.as_str(), h.pos, h.id.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("chr12", 25245350, "KRAS_G12"),
                ("chr7", 101, "WIN:101"),
                ("chr7", 102, "WIN:102"),
                ("chr7", 103, "WIN:103"),
                ("chr7", 201, "chr7:201"),
                ("chr7", 202, "chr7:202"),
            ]
        );
        assert!(p
            .sites
            .iter()
            .all(|h| h.alleles == RawAlleles::PositionOnly));
        assert_eq!(p.sites[5].origin, "p.bed:6");
        // detected by content even without the .bed extension
        assert_eq!(
            parse("sites.txt", "chr1\t9\t10\n").unwrap().sites[0].pos,
            10
        );
        // absurd intervals
        let pr = problems(parse("big.bed", "chr1\t0\t5000\nchr1\t10000\t20000\n"));
        assert!(
            pr[0].starts_with("big.bed:2:") && pr[0].contains("10000"),
            "{pr:?}"
        );
        let pr = problems(parse("e.bed", "chr1\t10\t10\nchr1\tx\t5\nchr1\t5\n"));
        assert_eq!(pr.len(), 3, "{pr:?}");
        assert!(pr[0].starts_with("e.bed:1:") && pr[0].contains("empty interval"));
        assert!(pr[1].starts_with("e.bed:2:") && pr[1].contains("whole numbers"));
        assert!(pr[2].starts_with("e.bed:3:") && pr[2].contains("3"));
    }
}
