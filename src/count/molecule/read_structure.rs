//! fgbio read structures: what each base of a FASTQ read is, so a UMI can
//! be taken off the read before it is placed.
//!
//! `8M2S+T` reads as 8 molecular-barcode (UMI) bases, 2 skipped, then the
//! rest template. A structure is segments of a length and a type; the last
//! may have length `+` (the rest of the read, however long). Types, as
//! fgbio defines them: `T` template, `M` molecular barcode (UMI), `S`
//! skip, `B` sample barcode, `C` cellular barcode. Only `T` and `M` are
//! kept: several `T` segments are joined into one template, several `M`
//! segments into one UMI (as fgbio's `ExtractUmisFromBam` joins them
//! within a read).

use super::umi::{Umi, UmiError};
use std::fmt;

/// What a segment's bases are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    Template,
    MolecularBarcode,
    Skip,
    SampleBarcode,
    CellularBarcode,
}

impl SegmentKind {
    fn of(c: u8) -> Option<SegmentKind> {
        Some(match c {
            b'T' => SegmentKind::Template,
            b'M' => SegmentKind::MolecularBarcode,
            b'S' => SegmentKind::Skip,
            b'B' => SegmentKind::SampleBarcode,
            b'C' => SegmentKind::CellularBarcode,
            _ => return None,
        })
    }

    fn letter(self) -> char {
        match self {
            SegmentKind::Template => 'T',
            SegmentKind::MolecularBarcode => 'M',
            SegmentKind::Skip => 'S',
            SegmentKind::SampleBarcode => 'B',
            SegmentKind::CellularBarcode => 'C',
        }
    }
}

/// One segment: its length (`None`: the rest of the read) and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Segment {
    pub len: Option<usize>,
    pub kind: SegmentKind,
}

/// A parsed read structure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadStructure {
    segments: Vec<Segment>,
}

/// Why a read structure does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadStructureError {
    #[error("read structure is empty: write segments such as 8M2S+T (8 UMI bases, 2 skipped, the rest template)")]
    Empty,
    #[error("read structure {text:?}: {what} at character {at}; segments are a length (or '+' for the rest) and one of T (template), M (UMI), S (skip), B (sample barcode), C (cell barcode), e.g. 8M2S+T")]
    Syntax {
        text: String,
        at: usize,
        what: &'static str,
    },
    #[error("read structure {text:?}: only the last segment can be '+' (the rest of the read)")]
    RestNotLast { text: String },
    #[error("read structure {text:?} has no template (T) segment: nothing would be left to place")]
    NoTemplate { text: String },
}

/// A read that its structure does not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("read of {len} bases is shorter than its read structure {structure} ({needed} bases)")]
    TooShort {
        len: usize,
        needed: usize,
        structure: String,
    },
    #[error("read of {len} bases is longer than its read structure {structure} ({needed} bases, no '+' segment)")]
    TooLong {
        len: usize,
        needed: usize,
        structure: String,
    },
    #[error("read has {seq} bases and {qual} qualities")]
    QualityLength { seq: usize, qual: usize },
    #[error("its UMI: {0}")]
    Umi(#[from] UmiError),
}

/// A read split by its structure: the UMI bases (empty when the structure
/// has no `M`) and the template with its qualities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitRead {
    pub umi: Vec<u8>,
    pub template: Vec<u8>,
    pub template_qual: Vec<u8>,
}

impl ReadStructure {
    /// Parse fgbio's notation (`8M2S+T`, `+T`, `6M+T`, `10T`). Lower case
    /// and spaces are not accepted, as fgbio does not.
    pub fn parse(text: &str) -> Result<ReadStructure, ReadStructureError> {
        if text.is_empty() {
            return Err(ReadStructureError::Empty);
        }
        let err = |at: usize, what| ReadStructureError::Syntax {
            text: text.to_string(),
            at: at + 1,
            what,
        };
        let bytes = text.as_bytes();
        let mut segments = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let len = if bytes[i] == b'+' {
                i += 1;
                None
            } else {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i == start {
                    return Err(err(i, "expected a length or '+'"));
                }
                let n: usize = text[start..i]
                    .parse()
                    .map_err(|_| err(start, "length too large"))?;
                if n == 0 {
                    return Err(err(start, "a segment of length 0"));
                }
                Some(n)
            };
            let Some(&c) = bytes.get(i) else {
                return Err(err(i, "a length without a segment type"));
            };
            let kind = SegmentKind::of(c).ok_or_else(|| err(i, "unknown segment type"))?;
            i += 1;
            segments.push(Segment { len, kind });
        }
        if segments[..segments.len() - 1]
            .iter()
            .any(|s| s.len.is_none())
        {
            return Err(ReadStructureError::RestNotLast {
                text: text.to_string(),
            });
        }
        if !segments.iter().any(|s| s.kind == SegmentKind::Template) {
            return Err(ReadStructureError::NoTemplate {
                text: text.to_string(),
            });
        }
        Ok(ReadStructure { segments })
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Does it hold UMI bases?
    pub fn has_umi(&self) -> bool {
        self.segments
            .iter()
            .any(|s| s.kind == SegmentKind::MolecularBarcode)
    }

    /// The bases its fixed segments need.
    fn fixed_len(&self) -> usize {
        self.segments.iter().filter_map(|s| s.len).sum()
    }

    /// Split a read (bases and qualities) by this structure. The UMI is
    /// upper-cased; a read shorter than the fixed segments, or longer when
    /// no segment takes the rest, does not fit.
    pub fn split(&self, seq: &[u8], qual: &[u8]) -> Result<SplitRead, SplitError> {
        if seq.len() != qual.len() {
            return Err(SplitError::QualityLength {
                seq: seq.len(),
                qual: qual.len(),
            });
        }
        let needed = self.fixed_len();
        let has_rest = self.segments.last().is_some_and(|s| s.len.is_none());
        if seq.len() < needed || (!has_rest && seq.len() > needed) {
            let (len, structure) = (seq.len(), self.to_string());
            return Err(if seq.len() < needed {
                SplitError::TooShort {
                    len,
                    needed,
                    structure,
                }
            } else {
                SplitError::TooLong {
                    len,
                    needed,
                    structure,
                }
            });
        }
        let mut out = SplitRead {
            umi: Vec::new(),
            template: Vec::new(),
            template_qual: Vec::new(),
        };
        let mut at = 0;
        for s in &self.segments {
            let end = s.len.map_or(seq.len(), |n| at + n);
            match s.kind {
                SegmentKind::Template => {
                    out.template.extend_from_slice(&seq[at..end]);
                    out.template_qual.extend_from_slice(&qual[at..end]);
                }
                SegmentKind::MolecularBarcode => {
                    out.umi
                        .extend(seq[at..end].iter().map(|b| b.to_ascii_uppercase()));
                }
                _ => {}
            }
            at = end;
        }
        Ok(out)
    }
}

impl fmt::Display for ReadStructure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.segments {
            match s.len {
                Some(n) => write!(f, "{n}")?,
                None => f.write_str("+")?,
            }
            write!(f, "{}", s.kind.letter())?;
        }
        Ok(())
    }
}

/// The UMI of a read pair from its two reads' UMI bases (as
/// [`ReadStructure::split`] gives them): two parts when both reads have
/// one (read 1's first, as fgbio's `RX` joins them with `-`), one when only
/// one read does, `None` when neither does.
pub fn pair_umi(r1: &[u8], r2: &[u8]) -> Result<Option<Umi>, UmiError> {
    let check = |b: &[u8]| super::umi::part(b, b, 0);
    Ok(match (r1.is_empty(), r2.is_empty()) {
        (true, true) => None,
        (false, true) => Some(Umi::single(&check(r1)?)),
        (true, false) => Some(Umi::single(&check(r2)?)),
        (false, false) => Some(Umi::pair(&check(r1)?, &check(r2)?)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structures_parse_and_print_back() {
        for text in ["8M2S+T", "+T", "6M+T", "10T", "4B8M1S+T", "3C5M12T"] {
            assert_eq!(ReadStructure::parse(text).unwrap().to_string(), text);
        }
        let rs = ReadStructure::parse("8M2S+T").unwrap();
        assert_eq!(
            rs.segments(),
            [
                Segment {
                    len: Some(8),
                    kind: SegmentKind::MolecularBarcode
                },
                Segment {
                    len: Some(2),
                    kind: SegmentKind::Skip
                },
                Segment {
                    len: None,
                    kind: SegmentKind::Template
                },
            ]
        );
        assert!(rs.has_umi() && !ReadStructure::parse("+T").unwrap().has_umi());
    }

    #[test]
    fn bad_structures_say_where_and_what() {
        use ReadStructureError as E;
        assert_eq!(ReadStructure::parse(""), Err(E::Empty));
        let syntax = |t: &str| match ReadStructure::parse(t) {
            Err(E::Syntax { at, what, .. }) => (at, what),
            other => panic!("{t}: {other:?}"),
        };
        assert_eq!(syntax("8X+T"), (2, "unknown segment type"));
        assert_eq!(syntax("8M2"), (4, "a length without a segment type"));
        assert_eq!(syntax("M+T"), (1, "expected a length or '+'"));
        assert_eq!(syntax("0M+T"), (1, "a segment of length 0"));
        assert_eq!(syntax("8m+T"), (2, "unknown segment type"));
        assert_eq!(
            ReadStructure::parse("+M8T"),
            Err(E::RestNotLast {
                text: "+M8T".into()
            })
        );
        assert_eq!(
            ReadStructure::parse("8M2S"),
            Err(E::NoTemplate {
                text: "8M2S".into()
            })
        );
        let e = ReadStructure::parse("8X+T").unwrap_err().to_string();
        assert!(e.starts_with("read structure \"8X+T\": unknown segment type at character 2;"));
    }

    #[test]
    fn reads_split_into_umi_and_template_with_qualities() {
        let rs = ReadStructure::parse("4M2S+T").unwrap();
        let s = rs.split(b"acgtNNTTGCA", b"ABCDEFGHIJK").unwrap();
        assert_eq!(s.umi, b"ACGT");
        assert_eq!(s.template, b"TTGCA");
        assert_eq!(s.template_qual, b"GHIJK");
        // Two M and two T segments are each joined.
        let two = ReadStructure::parse("2M1T2M2T").unwrap();
        let s = two.split(b"AAGCCTT", b"1234567").unwrap();
        assert_eq!(
            (s.umi.as_slice(), s.template.as_slice()),
            (&b"AACC"[..], &b"GTT"[..])
        );
        assert_eq!(s.template_qual, b"367");
        // The rest may be empty.
        assert!(rs.split(b"ACGTNN", b"######").unwrap().template.is_empty());
    }

    #[test]
    fn reads_that_do_not_fit_are_refused() {
        let rs = ReadStructure::parse("4M2S+T").unwrap();
        assert_eq!(
            rs.split(b"ACGT", b"####").unwrap_err().to_string(),
            "read of 4 bases is shorter than its read structure 4M2S+T (6 bases)"
        );
        let fixed = ReadStructure::parse("4M6T").unwrap();
        assert!(matches!(
            fixed.split(&[b'A'; 11], &[b'#'; 11]),
            Err(SplitError::TooLong { needed: 10, .. })
        ));
        assert!(matches!(
            rs.split(b"ACGTAAC", b"##"),
            Err(SplitError::QualityLength { seq: 7, qual: 2 })
        ));
    }

    #[test]
    fn a_pairs_umi_is_read_1_then_read_2() {
        assert_eq!(
            pair_umi(b"ACGT", b"TTAA"),
            Ok(Some(Umi::pair(b"ACGT", b"TTAA")))
        );
        assert_eq!(pair_umi(b"", b"TTAA"), Ok(Some(Umi::single(b"TTAA"))));
        assert_eq!(pair_umi(b"", b""), Ok(None));
        assert!(pair_umi(b"AC-T", b"").is_err());
    }
}
