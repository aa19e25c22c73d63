//! [`RegionalFasta`]: windows named `chrom:start-end` held in memory.
use super::messages::{gz_error, list_names, unknown_contig};
use super::{Reference, ReferenceError};
use crate::gzip::is_gzip;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// The embedded demo windows (GRCh38).
const DEMO_FASTA: &str = include_str!("../../assets/demo/regions.fa");
pub(super) const DEMO_DESCRIPTION: &str = "the embedded GRCh38 demo windows";

/// `chrom:start-end` (1-based inclusive, commas allowed in numbers) →
/// (chrom, start, end). None when the name is not region-style.
pub(crate) fn parse_region_name(name: &str) -> Option<(&str, u64, u64)> {
    let (contig, range) = name.rsplit_once(':')?;
    let (start, end) = range.split_once('-')?;
    if contig.is_empty() {
        return None;
    }
    Some((contig, parse_number(start)?, parse_number(end)?))
}

fn parse_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return None;
    }
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    s.bytes().filter(|b| *b != b',').try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

#[derive(Debug, Clone)]
struct Window {
    contig: String,
    /// 1-based inclusive.
    start: u64,
    end: u64,
    /// Upper-cased bases, `end - start + 1` of them.
    seq: Vec<u8>,
}

/// A FASTA of windows named `chrom:start-end` held in memory.
#[derive(Debug, Clone)]
pub(crate) struct RegionalFasta {
    source: String,
    windows: Vec<Window>,
    /// contig -> indices into `windows`, in file order.
    by_contig: HashMap<String, Vec<usize>>,
    /// Contig names in order of first appearance.
    contig_order: Vec<String>,
}

impl RegionalFasta {
    /// The embedded GRCh38 demo windows.
    pub fn demo() -> RegionalFasta {
        RegionalFasta::from_bytes(DEMO_DESCRIPTION, DEMO_FASTA.as_bytes())
            .expect("the embedded demo FASTA is valid (checked by unit tests)")
    }

    /// Loads a regional FASTA file (plain or gzip/bgzip-compressed).
    pub fn from_path(path: &Path) -> Result<RegionalFasta, ReferenceError> {
        let io = |source| ReferenceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(path).map_err(io)?;
        let name = path.display().to_string();
        if is_gzip(&bytes) {
            let mut text = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut text)
                .map_err(|e| gz_error(path, e))?;
            RegionalFasta::from_bytes(&name, &text)
        } else {
            RegionalFasta::from_bytes(&name, &bytes)
        }
    }

    /// Parses a regional FASTA from a reader; `name` is used in messages.
    #[cfg(test)] // only the tests parse from a reader
    pub(crate) fn from_reader(
        name: &str,
        mut reader: impl Read,
    ) -> Result<RegionalFasta, ReferenceError> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|source| ReferenceError::Io {
                path: std::path::PathBuf::from(name),
                source,
            })?;
        RegionalFasta::from_bytes(name, &bytes)
    }

    /// Parses a regional FASTA from its (uncompressed) text; `name` is used
    /// in messages and returned by `describe`.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<RegionalFasta, ReferenceError> {
        struct Pending {
            contig: String,
            start: u64,
            /// None for a plain name: the window ends where its bases end.
            end: Option<u64>,
            seq: Vec<u8>,
            line: usize,
            header: String,
        }
        let mut problems = Vec::new();
        let mut records: Vec<(Window, usize, String)> = Vec::new();
        let mut current: Option<Pending> = None;
        let mut bad_chars = 0usize;
        let mut orphan_reported = false;

        let finish = |rec: Option<Pending>,
                      records: &mut Vec<(Window, usize, String)>,
                      problems: &mut Vec<String>| {
            let Some(p) = rec else { return };
            let len = p.seq.len() as u64;
            let end = match p.end {
                Some(end) => end,
                None if len == 0 => {
                    problems.push(format!(
                        "{name}:{}: record '{}' holds no bases",
                        p.line, p.header
                    ));
                    return;
                }
                None => len,
            };
            let expected = end - p.start + 1;
            if len != expected {
                problems.push(format!(
                    "{name}:{}: record '{}' holds {len} bases but its name says {expected} \
                     ({}-{end}); cut it again with `samtools faidx REF.fa {}`",
                    p.line, p.header, p.start, p.header
                ));
                return;
            }
            let window = Window {
                contig: p.contig,
                start: p.start,
                end,
                seq: p.seq,
            };
            records.push((window, p.line, p.header));
        };

        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let lineno = i + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.first() == Some(&b'>') {
                finish(current.take(), &mut records, &mut problems);
                let header = String::from_utf8_lossy(&raw[1..]);
                let Some(word) = header.split_whitespace().next() else {
                    problems.push(format!(
                        "{name}:{lineno}: header line has no name (write '>chrom:start-end')"
                    ));
                    continue;
                };
                let (contig, start, end) = match parse_region_name(word) {
                    Some((c, s, e)) => {
                        if s == 0 || e < s {
                            problems.push(format!(
                                "{name}:{lineno}: record '{word}' has an invalid range \
                                 (positions are 1-based and start <= end)"
                            ));
                            continue;
                        }
                        (c.to_string(), s, Some(e))
                    }
                    None => (word.to_string(), 1, None),
                };
                current = Some(Pending {
                    contig,
                    start,
                    end,
                    seq: Vec::new(),
                    line: lineno,
                    header: word.to_string(),
                });
                continue;
            }
            let trimmed = raw.trim_ascii();
            if trimmed.is_empty() || trimmed.first() == Some(&b';') {
                continue;
            }
            match current.as_mut() {
                None => {
                    if !orphan_reported {
                        orphan_reported = true;
                        problems.push(format!(
                            "{name}:{lineno}: sequence before the first '>' header line \
                             (is this a FASTA file?)"
                        ));
                    }
                }
                Some(p) => {
                    for &b in trimmed {
                        if b.is_ascii_alphabetic() || b == b'*' || b == b'-' {
                            p.seq.push(b.to_ascii_uppercase());
                        } else if !b.is_ascii_whitespace() {
                            bad_chars += 1;
                            if bad_chars <= 5 {
                                problems.push(format!(
                                    "{name}:{lineno}: record '{}' holds the character {:?}, \
                                     which is not a base (a FASTA sequence holds letters only)",
                                    p.header, b as char
                                ));
                            }
                        }
                    }
                }
            }
        }
        finish(current.take(), &mut records, &mut problems);
        if bad_chars > 5 {
            problems.push(format!(
                "{name}: {} more characters that are not bases",
                bad_chars - 5
            ));
        }
        if records.is_empty() && problems.is_empty() {
            problems.push(format!(
                "{name}: holds no FASTA records (write '>chrom:start-end' then the bases)"
            ));
        }

        let mut rf = RegionalFasta {
            source: name.to_string(),
            windows: Vec::new(),
            by_contig: HashMap::new(),
            contig_order: Vec::new(),
        };
        // Overlaps: allowed only when the bases agree.
        let mut lines: Vec<(usize, String)> = Vec::new();
        for (w, line, header) in records {
            let idx = rf.windows.len();
            if let Some(others) = rf.by_contig.get(&w.contig) {
                for &o in others {
                    let other = &rf.windows[o];
                    let lo = w.start.max(other.start);
                    let hi = w.end.min(other.end);
                    if lo > hi {
                        continue;
                    }
                    let a = &w.seq[(lo - w.start) as usize..=(hi - w.start) as usize];
                    let b = &other.seq[(lo - other.start) as usize..=(hi - other.start) as usize];
                    if let Some(k) = a.iter().zip(b).position(|(x, y)| x != y) {
                        let (oline, oheader) = &lines[o];
                        problems.push(format!(
                            "{name}:{line}: record '{header}' overlaps record '{oheader}' \
                             (line {oline}) but their bases differ at {}:{} ({} vs {}); \
                             windows may overlap only if they agree",
                            w.contig,
                            lo + k as u64,
                            a[k] as char,
                            b[k] as char
                        ));
                        break;
                    }
                }
            } else {
                rf.contig_order.push(w.contig.clone());
            }
            rf.by_contig.entry(w.contig.clone()).or_default().push(idx);
            rf.windows.push(w);
            lines.push((line, header));
        }
        if !problems.is_empty() {
            return Err(ReferenceError::Invalid {
                path: name.to_string(),
                problems,
            });
        }
        Ok(rf)
    }

    /// Every window as (contig, start, end), 1-based inclusive, in file order.
    #[cfg(test)] // only the tests list the windows
    pub fn windows(&self) -> Vec<(String, u64, u64)> {
        self.windows
            .iter()
            .map(|w| (w.contig.clone(), w.start, w.end))
            .collect()
    }

    fn window_list(&self, contig: &str) -> String {
        let names: Vec<String> = self
            .by_contig
            .get(contig)
            .map(|v| {
                v.iter()
                    .map(|&i| {
                        let w = &self.windows[i];
                        format!("{}:{}-{}", w.contig, w.start, w.end)
                    })
                    .collect()
            })
            .unwrap_or_default();
        list_names(&names)
    }
}

impl Reference for RegionalFasta {
    fn fetch(&self, contig: &str, start: u64, end: u64) -> Result<Vec<u8>, ReferenceError> {
        let Some(idx) = self.by_contig.get(contig) else {
            return Err(unknown_contig(
                contig,
                self.source.clone(),
                &self.contig_order,
            ));
        };
        if end < start {
            return Err(ReferenceError::OutOfRange(format!(
                "invalid interval {contig}:{}-{end} (start after end)",
                start + 1
            )));
        }
        // 1-based inclusive [start+1, end]; an empty interval needs start+1 <= end+1.
        for &i in idx {
            let w = &self.windows[i];
            if start + 1 >= w.start && end <= w.end {
                let off = (start + 1 - w.start) as usize;
                let len = (end - start) as usize;
                return Ok(w.seq[off..off + len].to_vec());
            }
        }
        Err(ReferenceError::OutOfRange(format!(
            "{contig}:{}-{end} is not inside any window of {} (windows on {contig}: {}); \
             cut a larger window around it with `samtools faidx`",
            start + 1,
            self.source,
            self.window_list(contig)
        )))
    }

    fn has_contig(&self, contig: &str) -> bool {
        self.by_contig.contains_key(contig)
    }

    fn contig_names(&self) -> Vec<String> {
        self.contig_order.clone()
    }

    fn describe(&self) -> String {
        self.source.clone()
    }

    fn fasta_path(&self) -> Option<&Path> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::tests::err_text;

    fn regional(text: &str) -> Result<RegionalFasta, ReferenceError> {
        RegionalFasta::from_bytes("test.fa", text.as_bytes())
    }

    #[test]
    fn region_names() {
        assert_eq!(parse_region_name("chr7:100-200"), Some(("chr7", 100, 200)));
        assert_eq!(
            parse_region_name("chr7:55,173,514-55,175,286"),
            Some(("chr7", 55_173_514, 55_175_286))
        );
        assert_eq!(
            parse_region_name("HLA-A*01:01:01:01"),
            None,
            "colons without a range are a plain name"
        );
        assert_eq!(parse_region_name("chr7"), None);
        assert_eq!(parse_region_name("chr7:100"), None);
        assert_eq!(parse_region_name(":1-2"), None);
        assert_eq!(parse_region_name("chr7:,-2"), None);
    }

    #[test]
    fn regional_parse_and_fetch() {
        let r = regional(
            ">chr1:11-20 some description\nACGTA\ncgtac\n>chr1:101-104\nTTTT\n>chrX\nAC\nG\n",
        )
        .unwrap();
        assert_eq!(
            r.windows(),
            vec![
                ("chr1".to_string(), 11, 20),
                ("chr1".to_string(), 101, 104),
                ("chrX".to_string(), 1, 3)
            ]
        );
        assert_eq!(r.contig_names(), vec!["chr1", "chrX"]);
        assert!(r.has_contig("chr1") && r.has_contig("chrX") && !r.has_contig("chr2"));
        assert_eq!(r.describe(), "test.fa");
        assert!(r.fasta_path().is_none());
        // 0-based half-open [10, 12) = 1-based 11..12
        assert_eq!(r.fetch("chr1", 10, 12).unwrap(), b"AC");
        // lowercase upper-cased; the whole window
        assert_eq!(r.fetch("chr1", 10, 20).unwrap(), b"ACGTACGTAC");
        assert_eq!(r.fetch("chr1", 19, 20).unwrap(), b"C");
        assert_eq!(r.fetch("chr1", 100, 104).unwrap(), b"TTTT");
        assert_eq!(r.fetch("chrX", 0, 3).unwrap(), b"ACG");
        assert_eq!(r.fetch("chr1", 12, 12).unwrap(), b"");
    }

    #[test]
    fn regional_fetch_outside_windows() {
        let r = regional(">chr7:55173514-55173517\nACGT\n>chr7:200-201\nAA\n").unwrap();
        // straddles the window end
        let msg = err_text(r.fetch("chr7", 55173515, 55173518));
        assert!(
            msg.contains("chr7:55173516-55173518 is not inside any window of test.fa"),
            "{msg}"
        );
        assert!(
            msg.contains("windows on chr7: chr7:55173514-55173517, chr7:200-201"),
            "{msg}"
        );
        // between windows / before the first
        assert!(r.fetch("chr7", 99, 200).is_err());
        assert!(r.fetch("chr7", 55173512, 55173514).is_err());
        let msg = err_text(r.fetch("chr9", 0, 1));
        assert!(msg.contains("'chr9'") && msg.contains("chr7"), "{msg}");
    }

    #[test]
    fn regional_length_mismatch_names_record_and_line() {
        let msg = err_text(regional(">chr1:1-4\nACGT\n>chr2:10-20\nACGT\n"));
        assert!(
            msg.contains("test.fa:3: record 'chr2:10-20' holds 4 bases but its name says 11"),
            "{msg}"
        );
    }

    #[test]
    fn regional_problems_reported_together() {
        let msg = err_text(regional(
            "ACGT\n>chr1:5-4\nA\n>chr2:1-3\nAC!\n>chr3:1-9\nA\n",
        ));
        assert!(msg.contains("test.fa:1: sequence before"), "{msg}");
        assert!(
            msg.contains("test.fa:2: record 'chr1:5-4' has an invalid range"),
            "{msg}"
        );
        assert!(msg.contains("test.fa:5:") && msg.contains("'!'"), "{msg}");
        assert!(msg.contains("test.fa:6: record 'chr3:1-9'"), "{msg}");
        assert!(err_text(regional("")).contains("no FASTA records"));
    }

    #[test]
    fn regional_overlaps_must_agree() {
        let r = regional(">c:1-6\nACGTAC\n>c:4-9\nTACGGG\n").unwrap();
        assert_eq!(r.fetch("c", 3, 9).unwrap(), b"TACGGG");
        assert_eq!(r.fetch("c", 0, 4).unwrap(), b"ACGT");
        // spans both windows but lies in neither: an error
        assert!(r.fetch("c", 0, 9).is_err());
        let msg = err_text(regional(">c:1-6\nACGTAC\n>c:4-9\nTTCGGG\n"));
        assert!(
            msg.contains("test.fa:3: record 'c:4-9' overlaps record 'c:1-6' (line 1)"),
            "{msg}"
        );
        assert!(msg.contains("c:5"), "{msg}");
    }

    #[test]
    fn regional_crlf_and_reader() {
        let r = RegionalFasta::from_reader("x.fa", &b">c:2-3\r\nAg\r\n"[..]).unwrap();
        assert_eq!(r.fetch("c", 1, 3).unwrap(), b"AG");
    }

    #[test]
    fn many_problems_are_truncated() {
        let mut text = String::new();
        for i in 1..=60 {
            text.push_str(&format!(">c{i}:1-5\nAC\n"));
        }
        let msg = err_text(regional(&text));
        assert!(
            msg.starts_with("reference test.fa has 60 problem(s):"),
            "{msg}"
        );
        assert!(msg.ends_with("... and 10 more"), "{msg}");
    }

    /// Every demo hotspot's REF equals the demo windows' bases (29 SNVs, 1 MNV, 1 deletion).
    #[test]
    fn demo_reference_matches_demo_hotspots() {
        let r = RegionalFasta::demo();
        assert_eq!(r.describe(), "the embedded GRCh38 demo windows");
        assert_eq!(r.windows().len(), 12);
        let (mut snv, mut mnv, mut del, mut n) = (0, 0, 0, 0);
        for line in include_str!("../../assets/demo/hotspots.vcf").lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let c: Vec<&str> = line.split('\t').collect();
            let pos: u64 = c[1].parse().unwrap();
            let (r_allele, alt) = (c[3], c[4]);
            let got = r
                .fetch(c[0], pos - 1, pos - 1 + r_allele.len() as u64)
                .unwrap();
            assert_eq!(got, r_allele.as_bytes(), "{}", c[2]);
            n += 1;
            match (r_allele.len(), alt.len()) {
                (1, 1) => snv += 1,
                (a, b) if a == b => mnv += 1,
                (a, b) if a > b => del += 1,
                _ => panic!("unexpected allele {line}"),
            }
        }
        assert_eq!((n, snv, mnv, del), (31, 29, 1, 1));
        assert!(crate::reference::open("demo").is_ok());
    }
}
