//! VCF panels (plain, gzip or bgzip): one site per ALT of each record,
//! gene and protein change from INFO `GENE` and `HGVSP`, contig lengths
//! from `##contig` lines (a record past a contig's end is refused).
use super::parse::{unnamed_id, Parser};
use super::{RawAlleles, RawSite};

impl Parser<'_> {
    pub(super) fn vcf(&mut self, lines: &[&str]) {
        for (i, &line) in lines.iter().enumerate() {
            let ln = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            if let Some(meta) = line.strip_prefix("##") {
                if let Some(body) = meta.strip_prefix("contig=<") {
                    self.vcf_contig(ln, body);
                }
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 5 {
                self.problem(
                    ln,
                    format!(
                        "{} tab-separated column(s), but a VCF record needs at least 5 \
                         (CHROM POS ID REF ALT); separate columns with tabs",
                        cols.len()
                    ),
                );
                continue;
            }
            let contig = cols[0].trim();
            if contig.is_empty() {
                self.problem(ln, "CHROM is empty (give the contig name)");
                continue;
            }
            let Some(pos) = self.parse_pos(ln, cols[1], "POS") else {
                continue;
            };
            let id = cols[2].trim();
            let r = cols[3].trim();
            let alts: Vec<&str> = cols[4].trim().split(',').collect();
            let info = cols.get(7).copied().unwrap_or("");
            let gene = info_value(info, "GENE");
            let label = info_value(info, "HGVSP");
            let mut checked = Vec::new();
            for a in &alts {
                if let Some(pair) = self.alleles(ln, r, a) {
                    checked.push(pair);
                }
            }
            if checked.len() != alts.len() {
                continue;
            }
            if let Some(len) = self
                .contigs
                .iter()
                .find(|(c, _)| c == contig)
                .map(|(_, l)| *l)
            {
                let end = pos + r.len() as u64 - 1;
                if end > len {
                    self.problem(
                        ln,
                        format!(
                            "{contig}:{pos} {r} ends past the end of {contig} (length {len} by \
                             the ##contig header); check the coordinates and the genome build"
                        ),
                    );
                    continue;
                }
            }
            let n = checked.len();
            for (k, (r, a)) in checked.into_iter().enumerate() {
                let id = if id.is_empty() || id == "." {
                    unnamed_id(contig, pos, &r, &a)
                } else if n > 1 {
                    format!("{id}_{a}")
                } else {
                    id.to_string()
                };
                let site = RawSite {
                    contig: contig.to_string(),
                    pos,
                    alleles: RawAlleles::Given {
                        ref_allele: r,
                        alt_allele: a,
                    },
                    id,
                    gene: per_allele(gene, k, n),
                    label: per_allele(label, k, n),
                    origin: self.origin(ln),
                };
                self.add(ln, site);
            }
        }
    }

    fn vcf_contig(&mut self, ln: usize, body: &str) {
        let body = body.trim_end().trim_end_matches('>');
        let mut id = None;
        let mut length = None;
        for field in body.split(',') {
            if let Some((k, v)) = field.split_once('=') {
                match k.trim() {
                    "ID" => id = Some(v.trim()),
                    "length" => length = Some(v.trim()),
                    _ => {}
                }
            }
        }
        let Some(id) = id else {
            self.problem(
                ln,
                "##contig line without ID= (write ##contig=<ID=name,length=N>)",
            );
            return;
        };
        if let Some(length) = length {
            match length.parse::<u64>() {
                Ok(l) => self.contigs.push((id.to_string(), l)),
                Err(_) => self.problem(
                    ln,
                    format!("##contig length '{length}' of {id} is not a whole number"),
                ),
            }
        }
    }
}

/// The value of INFO key `key`, or "" (also for ".").
fn info_value<'s>(info: &'s str, key: &str) -> &'s str {
    info.split(';')
        .find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k.trim() == key).then_some(v.trim())
        })
        .filter(|v| *v != ".")
        .unwrap_or("")
}

/// For a split multi-ALT record: a value with one comma-separated entry per
/// ALT gives the k-th entry; otherwise the whole value.
fn per_allele(value: &str, k: usize, n: usize) -> String {
    if n > 1 {
        let parts: Vec<&str> = value.split(',').collect();
        if parts.len() == n {
            let v = parts[k].trim();
            return if v == "." {
                String::new()
            } else {
                v.to_string()
            };
        }
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use crate::panel::parse::tests::{parse, problems, HEAD};
    use crate::panel::RawAlleles;

    fn alleles(ref_allele: &str, alt_allele: &str) -> RawAlleles {
        RawAlleles::Given {
            ref_allele: ref_allele.into(),
            alt_allele: alt_allele.into(),
        }
    }

    #[test]
    fn multi_alt_split_and_dot_ids() {
        let text = format!(
            "{HEAD}chr12\t25245350\tKRAS_G12\tc\tT,a\t.\t.\tGENE=KRAS;HGVSP=p.G12D,p.G12V\n\
             chr12\t25245351\t.\tC\tA\t.\t.\t.\n\
             chr12\t25245347\t.\tC\tT,G\t.\t.\tGENE=KRAS\n"
        );
        let p = parse("p.vcf", &text).unwrap();
        let ids: Vec<&str> = p.sites.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "KRAS_G12_T",
                "KRAS_G12_A",
                "chr12:25245351C>A",
                "chr12:25245347C>T",
                "chr12:25245347C>G"
            ]
        );
        assert_eq!(p.sites[0].alleles, alleles("C", "T"));
        assert_eq!(p.sites[1].alleles, alleles("C", "A"));
        assert_eq!(p.sites[0].label, "p.G12D");
        assert_eq!(p.sites[1].label, "p.G12V");
        assert_eq!(p.sites[1].gene, "KRAS");
        assert_eq!(p.sites[2].gene, "");
        assert_eq!(p.sites[4].gene, "KRAS");
        assert_eq!(p.sites[1].origin, "p.vcf:3");
        assert!(p.contigs.is_empty());
    }

    #[test]
    fn vcf_problems_name_file_and_line() {
        let text = format!(
            "{HEAD}\
             chr1\tx\tA1\tA\tC\t.\t.\t.\n\
             chr1\t0\tA2\tA\tC\t.\t.\t.\n\
             chr1\t5\tA3\t\tC\t.\t.\t.\n\
             chr1\t5\tA4\tA\tA\t.\t.\t.\n\
             chr1\t5\tA5\tA\n\
             chr1\t5\tA6\tA\t<DEL>\t.\t.\t.\n\
             chr1\t5\tA7\tA\t*\t.\t.\t.\n\
             chr1\t5\tA8\tA\tCR\t.\t.\t.\n\
             chr1\t5\tA9\tA\t.\t.\t.\t.\n\
             chr1 5 A10 A C\n"
        );
        let pr = problems(parse("bad.vcf", &text));
        let want = [
            (3, "not a whole number"),
            (4, "is 0"),
            (5, "REF '' is empty"),
            (6, "both 'A'"),
            (7, "at least 5"),
            (8, "symbolic"),
            (9, "'*'"),
            (10, "other than A, C, G, T, N"),
            (11, "empty"),
            (12, "at least 5"),
        ];
        assert_eq!(pr.len(), want.len(), "{pr:#?}");
        for (p, (line, what)) in pr.iter().zip(want) {
            assert!(p.starts_with(&format!("bad.vcf:{line}: ")), "{p}");
            assert!(p.contains(what), "{p} lacks {what}");
        }
        // the error text lists them all
        let msg = parse("bad.vcf", &text).unwrap_err().to_string();
        assert!(msg.starts_with("panel bad.vcf has 10 problem(s):"), "{msg}");
    }

    #[test]
    fn position_past_contig_end() {
        let text = "##fileformat=VCFv4.2\n##contig=<ID=c1,length=10>\n\
                    #CHROM\tPOS\tID\tREF\tALT\n\
                    c1\t10\tok\tA\tC\nc1\t9\tlong\tAGT\tA\n";
        let pr = problems(parse("p.vcf", text));
        assert_eq!(pr.len(), 1);
        assert!(
            pr[0].starts_with("p.vcf:5:") && pr[0].contains("length 10"),
            "{pr:?}"
        );
    }
}
