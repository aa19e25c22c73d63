//! What a record says about its molecule: its UMI bases ([`Umi`]), a
//! family another tool already assigned, or nothing ([`MoleculeTag`]);
//! where an input keeps them ([`UmiSource`], found by [`detect`]); and
//! where its fragment's outer ends are ([`ends_of`]).
//!
//! Sources, as the tools that write them have it:
//! - `MI`: a family id already assigned by fgbio/fgumi `group` (`17`,
//!   `17/A`, `17/B`; the simulator writes `BLOCK:FRAGMENT/A`). Used as is.
//! - `RX`: the UMI bases (`ACGT`, or `AAAA-CCCC` for duplex libraries),
//!   as fgbio, fgumi and umi_tools write them.
//! - The read name, after its last `:` (bcl2fastq and BCL Convert: the
//!   8th field, dual UMIs joined by `+`) or its last `_` (umi_tools
//!   `extract`'s default separator), whichever comes later.
//!
//! [`detect`] prefers them in that order, from the first records of an
//! input: `MI` first, because it is the grouping another tool already
//! made from the UMIs (regrouping its `RX` could only disagree with it);
//! `RX` before the name, because a tag named for UMIs is explicit, while a
//! name ending in something like bases is a pattern that could be chance.
//! A source counts only when every record looked at has it: a source on
//! some records and not others is an error, not a guess.

use super::group::{End, Ends};
use crate::count::flag;
use rust_htslib::bam::record::{Aux, CigarString, CigarStringView};
use rust_htslib::bam::{self};
use std::fmt;
use std::path::{Path, PathBuf};

/// A read's UMI bases: one part, or two (the UMIs of the two ends of a
/// duplex library, read 1's first, as `RX` writes `AAAA-CCCC`). Bases are
/// upper-case `ACGTN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Umi {
    first: Box<[u8]>,
    second: Option<Box<[u8]>>,
}

/// Why a UMI's text is not a UMI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UmiError {
    #[error("empty UMI")]
    Empty,
    #[error("UMI {text:?} has {byte:?} at position {at}: a UMI is made of A, C, G, T and N")]
    NotBases { text: String, byte: char, at: usize },
    #[error("UMI {text:?} has more than two parts: a UMI is one sequence, or two joined by '-' or '+' (duplex)")]
    TooManyParts { text: String },
}

impl Umi {
    /// A one-part UMI from bases already checked.
    pub fn single(bases: &[u8]) -> Umi {
        Umi {
            first: bases.into(),
            second: None,
        }
    }

    /// A two-part (duplex) UMI, read 1's end first.
    pub fn pair(first: &[u8], second: &[u8]) -> Umi {
        Umi {
            first: first.into(),
            second: Some(second.into()),
        }
    }

    /// Parse `ACGT`, `AAAA-CCCC` (fgbio's `RX`) or `AAAA+CCCC` (bcl2fastq's
    /// read names). Lower case is taken as upper, as fgbio does.
    pub fn parse(text: &[u8]) -> Result<Umi, UmiError> {
        let cut = memchr::memchr2(b'-', b'+', text);
        let (a, b) = match cut {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        let first = part(text, a, 0)?;
        let second = match b {
            Some(b) if memchr::memchr2(b'-', b'+', b).is_some() => {
                return Err(UmiError::TooManyParts {
                    text: String::from_utf8_lossy(text).into_owned(),
                })
            }
            Some(b) => Some(part(text, b, a.len() + 1)?),
            None => None,
        };
        Ok(Umi { first, second })
    }

    /// Read 1's part (the whole UMI when it has one part).
    pub fn first(&self) -> &[u8] {
        &self.first
    }

    /// Read 2's part of a duplex UMI.
    pub fn second(&self) -> Option<&[u8]> {
        self.second.as_deref()
    }

    /// The lengths of its parts (`(8, Some(8))` for `8+8` duplex UMIs).
    pub fn shape(&self) -> (usize, Option<usize>) {
        (self.first.len(), self.second.as_ref().map(|s| s.len()))
    }

    /// All its bases, read 1's part first.
    pub fn bases(&self) -> Vec<u8> {
        let mut v = self.first.to_vec();
        v.extend_from_slice(self.second().unwrap_or_default());
        v
    }
}

/// One part of a UMI's text (`part` starts at `offset` in `text`): its
/// bases upper-cased, or what is wrong.
pub(super) fn part(text: &[u8], part: &[u8], offset: usize) -> Result<Box<[u8]>, UmiError> {
    if part.is_empty() {
        return Err(UmiError::Empty);
    }
    part.iter()
        .enumerate()
        .map(|(i, &b)| match b.to_ascii_uppercase() {
            c @ (b'A' | b'C' | b'G' | b'T' | b'N') => Ok(c),
            _ => Err(UmiError::NotBases {
                text: String::from_utf8_lossy(text).into_owned(),
                byte: b as char,
                at: offset + i + 1,
            }),
        })
        .collect()
}

impl fmt::Display for Umi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.first))?;
        if let Some(s) = &self.second {
            write!(f, "-{}", String::from_utf8_lossy(s))?;
        }
        Ok(())
    }
}

/// What one fragment says about the molecule it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MoleculeTag {
    /// UMI bases, still to be grouped.
    Umi(Umi),
    /// A family already assigned by another tool (`MI`: `17`, `17/A`,
    /// `17/B`), used as is: the id, and the strand when it has one.
    Family {
        id: Box<str>,
        strand: Option<super::DuplexStrand>,
    },
    /// No UMI: fragments can only be grouped by position.
    Untagged,
}

impl MoleculeTag {
    /// What kind of tag, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            MoleculeTag::Umi(_) => "a UMI",
            MoleculeTag::Family { .. } => "an assigned family (MI)",
            MoleculeTag::Untagged => "no UMI",
        }
    }
}

/// Where an input keeps what its records say of their molecules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UmiSource {
    /// The `MI` tag: families already assigned.
    Mi,
    /// The `RX` tag: UMI bases.
    Rx,
    /// The end of the read name, after the last `:` or `_`.
    ReadName,
    /// No UMIs: fragments are grouped by position only.
    None,
}

impl UmiSource {
    /// The order [`detect`] tries them in (see the module doc for why).
    pub const PREFERENCE: [UmiSource; 3] = [UmiSource::Mi, UmiSource::Rx, UmiSource::ReadName];

    /// A stable one-word name (for options and machine-read outputs).
    pub fn as_str(self) -> &'static str {
        match self {
            UmiSource::Mi => "mi",
            UmiSource::Rx => "rx",
            UmiSource::ReadName => "name",
            UmiSource::None => "none",
        }
    }

    /// What was used, in words, for logs and reports.
    pub fn describe(self) -> &'static str {
        match self {
            UmiSource::Mi => "families as assigned in the MI tag",
            UmiSource::Rx => "UMIs in the RX tag",
            UmiSource::ReadName => "UMIs at the end of the read name (after its last ':' or '_')",
            UmiSource::None => "no UMIs (fragments grouped by position only)",
        }
    }

    /// What `record` says of its molecule by this source, or what is wrong.
    pub fn tag_of(self, record: &bam::Record) -> Result<MoleculeTag, TagProblem> {
        match self {
            UmiSource::None => Ok(MoleculeTag::Untagged),
            UmiSource::Rx => match record.aux(b"RX") {
                Ok(Aux::String(text)) => Umi::parse(text.as_bytes())
                    .map(MoleculeTag::Umi)
                    .map_err(|e| TagProblem::Malformed("RX tag", e)),
                Ok(_) => Err(TagProblem::NotText("RX")),
                Err(_) => Err(TagProblem::Missing("no RX tag")),
            },
            UmiSource::Mi => {
                let text = match record.aux(b"MI") {
                    Ok(Aux::String(text)) => text.to_string(),
                    // fgbio writes a string; an integer id is taken as its digits.
                    Ok(Aux::I8(v)) => v.to_string(),
                    Ok(Aux::U8(v)) => v.to_string(),
                    Ok(Aux::I16(v)) => v.to_string(),
                    Ok(Aux::U16(v)) => v.to_string(),
                    Ok(Aux::I32(v)) => v.to_string(),
                    Ok(Aux::U32(v)) => v.to_string(),
                    Ok(_) => return Err(TagProblem::NotText("MI")),
                    Err(_) => return Err(TagProblem::Missing("no MI tag")),
                };
                parse_family(&text)
            }
            UmiSource::ReadName => umi_in_name(record.qname())
                .map(|r| r.map(MoleculeTag::Umi))
                .unwrap_or(Err(TagProblem::Missing(
                    "no UMI at the end of its name (after ':' or '_')",
                ))),
        }
    }
}

impl std::str::FromStr for UmiSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            UmiSource::Mi,
            UmiSource::Rx,
            UmiSource::ReadName,
            UmiSource::None,
        ]
        .into_iter()
        .find(|u| u.as_str().eq_ignore_ascii_case(s))
        .ok_or_else(|| format!("unknown UMI source {s:?}: one of mi, rx, name, none"))
    }
}

/// `17`, `17/A`, `17/B` (and fgbio's older `/AB`, `/BA`): the id, and the
/// strand when it names one.
pub fn parse_family(text: &str) -> Result<MoleculeTag, TagProblem> {
    use super::DuplexStrand::{A, B};
    let (id, strand) = match text.rsplit_once('/') {
        Some((id, "A" | "AB")) => (id, Some(A)),
        Some((id, "B" | "BA")) => (id, Some(B)),
        Some(_) => return Err(TagProblem::BadFamily(text.to_string())),
        None => (text, None),
    };
    if id.is_empty() || id.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(TagProblem::BadFamily(text.to_string()));
    }
    Ok(MoleculeTag::Family {
        id: id.into(),
        strand,
    })
}

/// The UMI at the end of a read name, after its last `:` or `_`: `None`
/// when the name has neither; the parse's result when it does.
pub fn umi_in_name(name: &[u8]) -> Option<Result<Umi, TagProblem>> {
    let at = memchr::memrchr2(b':', b'_', name)?;
    Some(Umi::parse(&name[at + 1..]).map_err(|e| TagProblem::Malformed("read name's UMI", e)))
}

/// The UMI in a FASTQ header (without `@`): an `RX:Z:` field of the
/// comment (as `samtools fastq -T RX` writes it), else the end of the read
/// name (after `/1` or `/2` is dropped). `None` when there is neither.
pub fn umi_in_header(header: &[u8]) -> Option<Result<Umi, TagProblem>> {
    let name_end = memchr::memchr2(b' ', b'\t', header).unwrap_or(header.len());
    let comment = &header[name_end..];
    if let Some(field) = comment
        .split(|&b| b == b' ' || b == b'\t')
        .find_map(|f| f.strip_prefix(b"RX:Z:"))
    {
        return Some(Umi::parse(field).map_err(|e| TagProblem::Malformed("RX field", e)));
    }
    let name = &header[..name_end];
    let name = match name {
        [head @ .., b'/', b'1' | b'2'] => head,
        n => n,
    };
    umi_in_name(name)
}

/// What is wrong with one record's tag, by a source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagProblem {
    #[error("it has {0}")]
    Missing(&'static str),
    #[error("its {0} tag is not text")]
    NotText(&'static str),
    #[error("its {0}: {1}")]
    Malformed(&'static str, UmiError),
    #[error("its MI tag {0:?} is not a family id (`17`, `17/A` or `17/B`)")]
    BadFamily(String),
    #[error("its UMI {umi} has {found} bases where the first records have {expected}: UMIs of one input must have one length")]
    Length {
        umi: String,
        expected: String,
        found: String,
    },
}

/// A record's tag could not be read: which file, which record, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: record {record}: {problem} (reading {})", path.display(), by.describe())]
pub struct UmiSourceError {
    pub path: PathBuf,
    pub record: String,
    pub by: UmiSource,
    pub problem: TagProblem,
}

/// The source of one input, as [`detect`] found it (or as given), and the
/// UMI shape its first records set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UmiReader {
    pub source: UmiSource,
    path: PathBuf,
    shape: Option<(usize, Option<usize>)>,
}

/// How many records [`detect`] looks at, at most.
pub const DETECT_RECORDS: usize = 1000;

/// The first records disagree on where the UMIs are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetectError {
    #[error("{}: {} on {with} of the first {of} records, not on record {first_without}: {problem}", path.display(), by.describe())]
    Partial {
        path: PathBuf,
        by: UmiSource,
        with: usize,
        of: usize,
        first_without: String,
        problem: TagProblem,
    },
    #[error(transparent)]
    Record(#[from] Box<UmiSourceError>),
}

/// Find where `path`'s records keep their UMIs, from its first records
/// (up to [`DETECT_RECORDS`] of them; secondary and supplementary ones are
/// skipped). The first source of [`UmiSource::PREFERENCE`] that every
/// record has is used; one that some have and others lack is an error
/// (naming the first record without it); none at all is
/// [`UmiSource::None`]. The reader also checks that the UMIs seen have one
/// length, and holds it for the records after them.
pub fn detect<'a>(
    path: &Path,
    records: impl IntoIterator<Item = &'a bam::Record>,
) -> Result<UmiReader, Box<DetectError>> {
    let records: Vec<&bam::Record> = records
        .into_iter()
        .filter(|r| r.flags() & (flag::SECONDARY | flag::SUPPLEMENTARY) == 0)
        .take(DETECT_RECORDS)
        .collect();
    for source in UmiSource::PREFERENCE {
        let results: Vec<_> = records.iter().map(|r| source.tag_of(r)).collect();
        let with = results.iter().filter(|r| r.is_ok()).count();
        if with == 0 {
            continue;
        }
        if let Some((i, Err(problem))) = results.iter().enumerate().find(|(_, r)| r.is_err()) {
            // The read name is a pattern: a few names that look like they
            // end in bases among many that do not are chance, not UMIs.
            if source == UmiSource::ReadName && with * 2 < records.len() {
                continue;
            }
            return Err(Box::new(DetectError::Partial {
                path: path.to_path_buf(),
                by: source,
                with,
                of: records.len(),
                first_without: String::from_utf8_lossy(records[i].qname()).into_owned(),
                problem: problem.clone(),
            }));
        }
        let mut reader = UmiReader::new(source, path);
        for r in &records {
            reader
                .tag_of(r)
                .map_err(|e| Box::new(DetectError::Record(e)))?;
        }
        return Ok(reader);
    }
    Ok(UmiReader::new(UmiSource::None, path))
}

impl UmiReader {
    /// A reader of `path`'s records by a source given (not detected).
    pub fn new(source: UmiSource, path: &Path) -> UmiReader {
        UmiReader {
            source,
            path: path.to_path_buf(),
            shape: None,
        }
    }

    /// What its records say of their molecules, as grouping sees it (the
    /// UMIs' shape is the first records', once they are read).
    pub fn kind(&self) -> super::setup::UmiKind {
        use super::setup::UmiKind;
        match self.source {
            UmiSource::Mi => UmiKind::Assigned,
            UmiSource::None => UmiKind::None,
            UmiSource::Rx | UmiSource::ReadName => match self.shape {
                Some((_, Some(_))) => UmiKind::Paired,
                _ => UmiKind::Single,
            },
        }
    }

    /// The fragment `record` stands for, as grouping takes it: its ends
    /// ([`ends_of`]) and its tag ([`UmiReader::tag_of`]).
    pub fn fragment_of(
        &mut self,
        record: &bam::Record,
    ) -> Result<super::Fragment, Box<UmiSourceError>> {
        Ok(super::Fragment {
            ends: ends_of(record),
            tag: self.tag_of(record)?,
        })
    }

    /// What `record` says of its molecule, or an error naming the file and
    /// the record. The first UMI sets the length every later one must have.
    pub fn tag_of(&mut self, record: &bam::Record) -> Result<MoleculeTag, Box<UmiSourceError>> {
        let fail = |problem| {
            Box::new(UmiSourceError {
                path: self.path.clone(),
                record: String::from_utf8_lossy(record.qname()).into_owned(),
                by: self.source,
                problem,
            })
        };
        let tag = self.source.tag_of(record).map_err(fail)?;
        if let MoleculeTag::Umi(u) = &tag {
            let shape = *self.shape.get_or_insert(u.shape());
            if u.shape() != shape {
                return Err(fail(TagProblem::Length {
                    umi: u.to_string(),
                    expected: shape_text(shape),
                    found: shape_text(u.shape()),
                }));
            }
        }
        Ok(tag)
    }
}

/// `8` or `8+8`.
pub(crate) fn shape_text((a, b): (usize, Option<usize>)) -> String {
    match b {
        Some(b) => format!("{a}+{b}"),
        None => a.to_string(),
    }
}

/// The 5' end of an alignment, with the clips at that end counted back in
/// when `unclipped`.
fn five_prime(cigar: &CigarStringView, reverse: bool, unclipped: bool) -> End {
    let pos = if reverse {
        let clip = cigar.trailing_softclips() + cigar.trailing_hardclips();
        cigar.end_pos() - 1 + if unclipped { clip } else { 0 }
    } else {
        let clip = cigar.leading_softclips() + cigar.leading_hardclips();
        cigar.pos() - if unclipped { clip } else { 0 }
    };
    End { pos, reverse }
}

/// Where `record`'s fragment sits, from the record alone, so that both
/// mates and every copy of one fragment give the same [`Ends`] even when
/// only one mate is seen.
///
/// With the mate's CIGAR (`MC`, as fgbio requires and `samtools fixmate
/// -m` adds), both 5' ends are unclipped, as fgbio's grouping has them.
/// Without it the mate's clips are unknown, so both ends are the mapped 5'
/// ends (a reverse mate's from `TLEN`: the leftmost mapped base plus
/// |TLEN| − 1, the SAM spec's definition; with `TLEN` 0, the mate's start):
/// soft-clipped copies of one molecule can then fall into two families.
/// A read whose mate is missing or unmapped is a single end.
pub fn ends_of(record: &bam::Record) -> Ends {
    let flags = record.flags();
    let reverse = flags & flag::REVERSE != 0;
    let tid = record.tid();
    let paired = flags & flag::PAIRED != 0 && flags & flag::MATE_UNMAPPED == 0;
    if !paired {
        return Ends::of_single(tid, five_prime(&record.cigar(), reverse, false));
    }
    let mate_reverse = flags & flag::MATE_REVERSE != 0;
    let mate_cigar = match record.aux(b"MC") {
        Ok(Aux::String(text)) => CigarString::try_from(text).ok(),
        _ => None,
    };
    let (own, mate) = match mate_cigar {
        Some(mc) => (
            five_prime(&record.cigar(), reverse, true),
            five_prime(&mc.into_view(record.mpos()), mate_reverse, true),
        ),
        None => {
            let mate_pos = if !mate_reverse {
                record.mpos()
            } else if record.insert_size() != 0 {
                record.pos().min(record.mpos()) + record.insert_size().abs() - 1
            } else {
                record.mpos()
            };
            (
                five_prime(&record.cigar(), reverse, false),
                End {
                    pos: mate_pos,
                    reverse: mate_reverse,
                },
            )
        }
    };
    if flags & flag::READ2 != 0 {
        Ends::of_pair(tid, mate, own)
    } else {
        Ends::of_pair(tid, own, mate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umis_parse_with_one_or_two_parts() {
        let u = Umi::parse(b"acgtN").unwrap();
        assert_eq!((u.first(), u.second()), (&b"ACGTN"[..], None));
        let d = Umi::parse(b"AAAA-CCGG").unwrap();
        assert_eq!((d.first(), d.second()), (&b"AAAA"[..], Some(&b"CCGG"[..])));
        assert_eq!(Umi::parse(b"AAAA+CCGG").unwrap(), d);
        assert_eq!(d.to_string(), "AAAA-CCGG");
        assert_eq!(d.shape(), (4, Some(4)));
        assert_eq!(d.bases(), b"AAAACCGG");
    }

    #[test]
    fn malformed_umis_say_what_is_wrong() {
        assert_eq!(Umi::parse(b""), Err(UmiError::Empty));
        assert_eq!(Umi::parse(b"AC-"), Err(UmiError::Empty));
        let e = Umi::parse(b"ACXT").unwrap_err();
        assert_eq!(
            e.to_string(),
            "UMI \"ACXT\" has 'X' at position 3: a UMI is made of A, C, G, T and N"
        );
        assert!(matches!(
            Umi::parse(b"AC-GT-TT"),
            Err(UmiError::TooManyParts { .. })
        ));
    }

    use rust_htslib::bam::record::Cigar;

    /// A mapped read at 0-based `pos` with `cigar`, flags and tags.
    fn record(
        name: &str,
        pos: i64,
        cigar: Vec<Cigar>,
        flags: u16,
        tags: &[(&[u8], &str)],
    ) -> bam::Record {
        let len: u32 = cigar
            .iter()
            .filter(|c| matches!(c, Cigar::Match(_) | Cigar::Ins(_) | Cigar::SoftClip(_)))
            .map(|c| c.len())
            .sum();
        let mut r = bam::Record::new();
        let seq = vec![b'A'; len as usize];
        r.set(
            name.as_bytes(),
            Some(&CigarString(cigar)),
            &seq,
            &vec![30; len as usize],
        );
        r.set_tid(0);
        r.set_pos(pos);
        r.set_flags(flags);
        for (tag, value) in tags {
            r.push_aux(tag, Aux::String(value)).unwrap();
        }
        r
    }

    fn simple(name: &str, tags: &[(&[u8], &str)]) -> bam::Record {
        record(name, 100, vec![Cigar::Match(50)], 0, tags)
    }

    #[test]
    fn each_source_reads_its_tag() {
        let r = simple("q:1:ACGT+TTGA", &[(b"RX", "ACGT-TTGA"), (b"MI", "7/B")]);
        let duplex = MoleculeTag::Umi(Umi::pair(b"ACGT", b"TTGA"));
        assert_eq!(UmiSource::Rx.tag_of(&r), Ok(duplex.clone()));
        assert_eq!(UmiSource::ReadName.tag_of(&r), Ok(duplex));
        assert_eq!(
            UmiSource::Mi.tag_of(&r),
            Ok(MoleculeTag::Family {
                id: "7".into(),
                strand: Some(crate::count::molecule::DuplexStrand::B)
            })
        );
        assert_eq!(UmiSource::None.tag_of(&r), Ok(MoleculeTag::Untagged));
        // umi_tools extract: `_` after the Illumina name.
        let u = simple("A00:8:H2:1:1101:1000:2000_GGCA", &[]);
        assert_eq!(
            UmiSource::ReadName.tag_of(&u),
            Ok(MoleculeTag::Umi(Umi::single(b"GGCA")))
        );
        // The simulator's MI: BLOCK:FRAGMENT/A, the id kept whole.
        assert_eq!(
            parse_family("0:17/A"),
            Ok(MoleculeTag::Family {
                id: "0:17".into(),
                strand: Some(crate::count::molecule::DuplexStrand::A)
            })
        );
        assert!(matches!(
            parse_family("17"),
            Ok(MoleculeTag::Family { strand: None, .. })
        ));
        assert_eq!(
            parse_family("17/C"),
            Err(TagProblem::BadFamily("17/C".into()))
        );
        assert_eq!(parse_family("/A"), Err(TagProblem::BadFamily("/A".into())));
        let mut i = simple("q", &[]);
        i.push_aux(b"MI", Aux::I32(42)).unwrap();
        assert!(
            matches!(UmiSource::Mi.tag_of(&i), Ok(MoleculeTag::Family { id, .. }) if &*id == "42")
        );
    }

    #[test]
    fn fastq_headers_carry_umis_in_the_name_or_an_rx_field() {
        let rx = umi_in_header(b"read1/1\tRX:Z:ACGT-CCAA\tBC:Z:TTT").unwrap();
        assert_eq!(rx, Ok(Umi::pair(b"ACGT", b"CCAA")));
        assert_eq!(
            umi_in_header(b"M:1:2:ACGTT/2 1:N:0:1"),
            Some(Ok(Umi::single(b"ACGTT")))
        );
        assert!(umi_in_header(b"SRR1.1 extra").is_none());
        assert!(matches!(
            umi_in_header(b"M:1:2:1101"),
            Some(Err(TagProblem::Malformed(..)))
        ));
    }

    #[test]
    fn detection_takes_mi_then_rx_then_the_name() {
        let p = Path::new("x.bam");
        let both = [
            simple("a:ACGT", &[(b"RX", "ACGT"), (b"MI", "1")]),
            simple("b:ACGA", &[(b"RX", "ACGA"), (b"MI", "1")]),
        ];
        assert_eq!(detect(p, &both).unwrap().source, UmiSource::Mi);
        let rx = [
            simple("a:1", &[(b"RX", "ACGT")]),
            simple("b:2", &[(b"RX", "ACGA")]),
        ];
        assert_eq!(detect(p, &rx).unwrap().source, UmiSource::Rx);
        let name = [simple("a:ACGT", &[]), simple("b:ACGA", &[])];
        assert_eq!(detect(p, &name).unwrap().source, UmiSource::ReadName);
        let none = [simple("A0:1:1101", &[]), simple("A0:1:1102", &[])];
        assert_eq!(detect(p, &none).unwrap().source, UmiSource::None);
        // One name of three that ends like bases is chance, not UMIs.
        let chance = [simple("r_1", &[]), simple("r_2", &[]), simple("r_CAT", &[])];
        assert_eq!(detect(p, &chance).unwrap().source, UmiSource::None);
    }

    #[test]
    fn missing_and_malformed_umis_name_the_file_and_record() {
        let p = Path::new("in.bam");
        let some = [simple("a", &[(b"RX", "ACGT")]), simple("b", &[])];
        assert_eq!(
            detect(p, &some).unwrap_err().to_string(),
            "in.bam: UMIs in the RX tag on 1 of the first 2 records, not on record b: it has no RX tag"
        );
        let bad = [
            simple("a", &[(b"RX", "ACGT")]),
            simple("b", &[(b"RX", "AC.T")]),
        ];
        assert!(detect(p, &bad)
            .unwrap_err()
            .to_string()
            .contains("record b: its RX tag: UMI \"AC.T\" has '.' at position 3"));
        let mix = [
            simple("a", &[(b"RX", "ACGT-AAAA")]),
            simple("b", &[(b"RX", "ACGTA-AAAA")]),
        ];
        assert_eq!(
            detect(p, &mix).unwrap_err().to_string(),
            "in.bam: record b: its UMI ACGTA-AAAA has 5+4 bases where the first records have 4+4: UMIs of one input must have one length (reading UMIs in the RX tag)"
        );
        // Past detection, the reader holds the length the first records set.
        let mut reader = detect(p, &[simple("a", &[(b"RX", "ACGT")])]).unwrap();
        assert!(reader.tag_of(&simple("c", &[(b"RX", "ACG")])).is_err());
        assert!(reader
            .tag_of(&simple("d", &[]))
            .unwrap_err()
            .to_string()
            .contains("record d: it has no RX tag"));
    }

    /// Read 1 forward at 100 (2 bases soft-clipped: 5' end 98), read 2
    /// reverse at 250 with 40M3S (5' end 289 + 3 = 292); TLEN 190 (to the
    /// mapped end 289).
    #[test]
    fn ends_come_from_the_record_alone() {
        use flag::*;
        let r1_flags = PAIRED | READ1 | MATE_REVERSE;
        let r2_flags = PAIRED | READ2 | REVERSE;
        let mut r1 = record(
            "f",
            100,
            vec![Cigar::SoftClip(2), Cigar::Match(48)],
            r1_flags,
            &[("MC".as_bytes(), "40M3S")],
        );
        r1.set_mpos(250);
        r1.set_insert_size(190);
        let mut r2 = record(
            "f",
            250,
            vec![Cigar::Match(40), Cigar::SoftClip(3)],
            r2_flags,
            &[("MC".as_bytes(), "2S48M")],
        );
        r2.set_mpos(100);
        r2.set_insert_size(-190);
        let unclipped = Ends::of_pair(
            0,
            End {
                pos: 98,
                reverse: false,
            },
            End {
                pos: 292,
                reverse: true,
            },
        );
        assert_eq!(ends_of(&r1), unclipped);
        assert_eq!(ends_of(&r2), unclipped);
        assert!(unclipped.r1_lower);
        // Without MC: the mapped ends, the same from either mate.
        r1.remove_aux(b"MC").unwrap();
        r2.remove_aux(b"MC").unwrap();
        let mapped = Ends::of_pair(
            0,
            End {
                pos: 100,
                reverse: false,
            },
            End {
                pos: 289,
                reverse: true,
            },
        );
        assert_eq!(ends_of(&r1), mapped);
        assert_eq!(ends_of(&r2), mapped);
        let mut reader = UmiReader::new(UmiSource::None, Path::new("x.bam"));
        let f = reader.fragment_of(&r1).unwrap();
        assert_eq!((f.ends, f.tag), (mapped, MoleculeTag::Untagged));
        // A read whose mate is unmapped is a single end.
        let lone = record(
            "g",
            10,
            vec![Cigar::Match(5)],
            PAIRED | MATE_UNMAPPED | REVERSE,
            &[],
        );
        assert_eq!(
            ends_of(&lone),
            Ends::of_single(
                0,
                End {
                    pos: 14,
                    reverse: true
                }
            )
        );
    }
}
