//! What a record says about its molecule: its UMI bases ([`Umi`]), a
//! family another tool already assigned, or nothing ([`MoleculeTag`]).

use std::fmt;

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
        let shown = || String::from_utf8_lossy(text).into_owned();
        if text.is_empty() {
            return Err(UmiError::Empty);
        }
        let mut parts: Vec<Vec<u8>> = vec![Vec::with_capacity(text.len())];
        for (at, &b) in text.iter().enumerate() {
            match b.to_ascii_uppercase() {
                c @ (b'A' | b'C' | b'G' | b'T' | b'N') => {
                    parts.last_mut().expect("one part").push(c)
                }
                b'-' | b'+' if parts.len() < 2 => parts.push(Vec::new()),
                b'-' | b'+' => return Err(UmiError::TooManyParts { text: shown() }),
                _ => {
                    return Err(UmiError::NotBases {
                        text: shown(),
                        byte: b as char,
                        at: at + 1,
                    })
                }
            }
        }
        if parts.iter().any(|p| p.is_empty()) {
            return Err(UmiError::Empty);
        }
        Ok(match parts.as_slice() {
            [a] => Umi::single(a),
            [a, b] => Umi::pair(a, b),
            _ => unreachable!("at most two parts are pushed"),
        })
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
}
