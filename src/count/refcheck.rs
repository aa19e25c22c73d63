//! What the reads say the reference is: a panel's REF alleles checked
//! against the reads' `MD` tags when no `--reference` is given.
//!
//! An aligner writes in `MD` the reference base at every aligned position
//! where the read differs from it, and the deleted reference bases; at the
//! other aligned positions the reference is the read's own base. So a read
//! that aligns across a site, with an `MD` tag, tells the reference bases
//! there without the FASTA. A REF allele that the reads' `MD` contradicts is
//! a panel of another assembly, or a typo: counting it would report the
//! wrong allele in silence.
//!
//! The check looks at the first [`READS_PER_SITE`] reads with `MD` across
//! each site (cheap: the reads are decoded anyway) and calls a site wrong
//! only when most of them (and at least [`MIN_DISAGREE`]) disagree with its
//! REF, so a read with a stale tag cannot stop a run.

use crate::count::allele::AlignedRead;
use crate::panel::Hotspot;
use rust_htslib::bam::{self, record::Aux};

/// `MD`-tagged reads looked at per site.
pub const READS_PER_SITE: u32 = 8;

/// Reads that must disagree with REF (and be the majority) before the site
/// is reported.
pub const MIN_DISAGREE: u32 = 2;

/// The reference bases over 0-based `[start, end)` that a read's CIGAR and
/// `MD` tag state, or `None` when the read does not align across all of it
/// (clipped, skipped by `N`, or ending inside) or its `MD` does not fit its
/// CIGAR.
///
/// `cigar` is BAM-encoded (length << 4 | op), `base(i)` the read's i-th
/// base (upper case).
pub fn md_reference(
    pos: i64,
    cigar: &[u32],
    base: impl Fn(usize) -> u8,
    md: &[u8],
    start: i64,
    end: i64,
) -> Option<Vec<u8>> {
    // The spec's MD opens with a number (possibly 0).
    if start < pos || end <= start || !md.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut md = MdTokens { md, at: 0, run: 0 };
    let mut out = Vec::with_capacity((end - start) as usize);
    let (mut r, mut q) = (pos, 0usize);
    for &c in cigar {
        if r >= end {
            break;
        }
        let len = (c >> 4) as usize;
        match c & 0xf {
            // M, =, X: each position is a match (the read's base) or a
            // mismatch (MD's base).
            0 | 7 | 8 => {
                for _ in 0..len {
                    let reference = match md.next_aligned()? {
                        Aligned::Match => base(q),
                        Aligned::Mismatch(b) => b,
                    };
                    if r >= start && r < end {
                        out.push(reference.to_ascii_uppercase());
                    }
                    r += 1;
                    q += 1;
                    if r >= end {
                        break;
                    }
                }
            }
            // D: MD lists the deleted bases after '^'.
            2 => {
                let deleted = md.deletion(len)?;
                for &b in deleted {
                    if r >= start && r < end {
                        out.push(b.to_ascii_uppercase());
                    }
                    r += 1;
                }
            }
            // N: reference skipped, bases unknown.
            3 => {
                if r + len as i64 > start {
                    return None;
                }
                r += len as i64;
            }
            // I, S: read bases only.
            1 | 4 => q += len,
            // H, P: neither.
            _ => {}
        }
    }
    (out.len() == (end - start) as usize).then_some(out)
}

/// One aligned position as `MD` describes it.
enum Aligned {
    Match,
    Mismatch(u8),
}

/// A cursor over an `MD` string: `[0-9]+(([A-Z]|\^[A-Z]+)[0-9]+)*`.
struct MdTokens<'a> {
    md: &'a [u8],
    at: usize,
    /// Matching positions left in the current run.
    run: usize,
}

impl MdTokens<'_> {
    fn number(&mut self) -> Option<usize> {
        let digits = self.md[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        let n = std::str::from_utf8(&self.md[self.at..self.at + digits])
            .ok()?
            .parse()
            .ok()?;
        self.at += digits;
        Some(n)
    }

    fn next_aligned(&mut self) -> Option<Aligned> {
        loop {
            if self.run > 0 {
                self.run -= 1;
                return Some(Aligned::Match);
            }
            match self.md.get(self.at) {
                Some(b) if b.is_ascii_digit() => self.run = self.number()?,
                Some(b) if b.is_ascii_uppercase() => {
                    self.at += 1;
                    return Some(Aligned::Mismatch(*b));
                }
                _ => return None,
            }
        }
    }

    fn deletion(&mut self, len: usize) -> Option<&[u8]> {
        // A run of 0 may precede the '^' (some writers put one).
        while self.run == 0 && self.md.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.run = self.number()?;
        }
        if self.run != 0 || self.md.get(self.at) != Some(&b'^') {
            return None;
        }
        let from = self.at + 1;
        let to = from + len;
        let bases = self.md.get(from..to)?;
        if !bases.iter().all(u8::is_ascii_uppercase) {
            return None;
        }
        self.at = to;
        Some(bases)
    }
}

/// What the `MD`-tagged reads across one site said of its REF.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefCheck {
    pub agree: u32,
    pub disagree: u32,
    /// The first reference that disagreed with REF.
    pub seen: Option<Vec<u8>>,
}

impl RefCheck {
    /// Whether more reads are wanted.
    pub fn wants(&self) -> bool {
        self.agree + self.disagree < READS_PER_SITE
    }

    /// Record what one read said the reference is.
    pub fn add(&mut self, ref_allele: &[u8], md_reference: &[u8]) {
        if md_reference == ref_allele {
            self.agree += 1;
        } else {
            self.disagree += 1;
            self.seen.get_or_insert_with(|| md_reference.to_vec());
        }
    }

    pub fn merge(&mut self, other: &RefCheck) {
        self.agree += other.agree;
        self.disagree += other.disagree;
        if self.seen.is_none() {
            self.seen.clone_from(&other.seen);
        }
    }

    pub fn checked(&self) -> bool {
        self.agree + self.disagree > 0
    }

    /// The problem to report, when the reads contradict REF.
    pub fn problem(&self, site: &Hotspot) -> Option<String> {
        if self.disagree < MIN_DISAGREE || self.disagree <= self.agree {
            return None;
        }
        let seen = String::from_utf8_lossy(self.seen.as_deref().unwrap_or_default());
        Some(format!(
            "{origin} ({id}): REF {ref_allele} at {contig}:{pos}, but {n} of {m} reads' MD tags say the reference there is {seen}",
            origin = site.origin,
            id = site.id,
            contig = site.contig,
            pos = site.pos,
            ref_allele = site.ref_allele,
            n = self.disagree,
            m = self.agree + self.disagree,
        ))
    }
}

/// The REF span of a site, 0-based half-open: where its REF allele lies.
pub fn ref_span(site: &Hotspot) -> (i64, i64) {
    let start = site.pos as i64 - 1;
    (start, start + site.ref_allele.len() as i64)
}

/// The checks of one group of sites while its reads go by.
#[derive(Debug, Clone)]
pub struct GroupRefChecks {
    /// Each site's REF span and allele.
    sites: Vec<(i64, i64, Vec<u8>)>,
    pub checks: Vec<RefCheck>,
    /// Sites still wanting reads: once none does, a read costs nothing.
    open: usize,
}

impl GroupRefChecks {
    pub fn new<'a>(sites: impl IntoIterator<Item = &'a Hotspot>) -> Self {
        let sites: Vec<(i64, i64, Vec<u8>)> = sites
            .into_iter()
            .map(|h| {
                let (s, e) = ref_span(h);
                (s, e, h.ref_allele.as_bytes().to_vec())
            })
            .collect();
        GroupRefChecks {
            checks: vec![RefCheck::default(); sites.len()],
            open: sites.len(),
            sites,
        }
    }

    /// Look at a read that passed the filters, aligned over `[pos, end)`.
    pub fn observe(&mut self, record: &bam::Record, pos: i64, end: i64) {
        if self.open == 0 {
            return;
        }
        let mut md: Option<Option<&[u8]>> = None;
        for (j, (s, e, ref_allele)) in self.sites.iter().enumerate() {
            let check = &mut self.checks[j];
            if *s < pos || *e > end || !check.wants() {
                continue;
            }
            // The tag is looked up once per read, and only when a site wants it.
            let Some(tag) = *md.get_or_insert_with(|| match record.aux(b"MD") {
                Ok(Aux::String(t)) => Some(t.as_bytes()),
                _ => None,
            }) else {
                return;
            };
            // The engine's bounds-checked accessor (N past SEQ).
            let base = |i: usize| AlignedRead::base(record, i);
            if let Some(seen) = md_reference(pos, record.raw_cigar(), base, tag, *s, *e) {
                check.add(ref_allele, &seen);
                if !check.wants() {
                    self.open -= 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BAM-encoded CIGAR from text such as "10M2D5M".
    fn cigar(text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut n = 0u32;
        for c in text.bytes() {
            if c.is_ascii_digit() {
                n = n * 10 + u32::from(c - b'0');
            } else {
                let op = b"MIDNSHP=X".iter().position(|&o| o == c).unwrap() as u32;
                out.push(n << 4 | op);
                n = 0;
            }
        }
        out
    }

    fn md_ref(pos: i64, cig: &str, seq: &[u8], md: &str, start: i64, end: i64) -> Option<String> {
        md_reference(pos, &cigar(cig), |i| seq[i], md.as_bytes(), start, end)
            .map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn matches_are_the_reads_bases_and_mismatches_mds() {
        // Read ACGTACGTAC at 100; MD "2C7": at 102 the read shows G where
        // the reference is C.
        let seq = b"ACGTACGTAC";
        assert_eq!(
            md_ref(100, "10M", seq, "10", 100, 110).unwrap(),
            "ACGTACGTAC"
        );
        assert_eq!(md_ref(100, "10M", seq, "2C7", 102, 103).unwrap(), "C");
        assert_eq!(md_ref(100, "10M", seq, "2C7", 101, 104).unwrap(), "CCT");
        // Adjacent mismatches are separated by 0.
        assert_eq!(md_ref(100, "10M", seq, "2C0A6", 102, 104).unwrap(), "CA");
        // = and X are aligned bases like M.
        assert_eq!(md_ref(100, "2=1X7=", seq, "2T7", 102, 103).unwrap(), "T");
    }

    #[test]
    fn deletions_give_the_deleted_bases_and_insertions_and_clips_none() {
        // 2S 3M 2D 2M 1I 3M: reference from 100: read bases C G T (q2..4),
        // deleted GG at 103-104, then A C (q5,6), insertion q7, G T A (q8..10).
        let seq = b"NNCGTACAGTA";
        assert_eq!(
            md_ref(100, "2S3M2D2M1I3M", seq, "3^GG5", 100, 110).unwrap(),
            "CGTGGACGTA"
        );
        // A zero run before the deletion, as some writers put.
        assert_eq!(
            md_ref(100, "2S3M2D2M1I3M", seq, "3^GG0A4", 105, 106).unwrap(),
            "A"
        );
        // Starts before the read or runs past its end: not across.
        assert_eq!(md_ref(100, "2S3M2D2M1I3M", seq, "3^GG5", 99, 101), None);
        assert_eq!(md_ref(100, "2S3M2D2M1I3M", seq, "3^GG5", 108, 111), None);
    }

    #[test]
    fn malformed_or_unfitting_md_and_skips_give_none() {
        let seq = b"ACGTACGTAC";
        // Too short for the CIGAR, not MD at all, a deletion MD does not list.
        assert_eq!(md_ref(100, "10M", seq, "5", 100, 110), None);
        assert_eq!(md_ref(100, "10M", seq, "xyz", 100, 101), None);
        assert_eq!(md_ref(100, "5M2D5M", seq, "10", 104, 107), None);
        assert_eq!(md_ref(100, "5M2D5M", seq, "5^G5", 104, 107), None);
        // N skips reference the read does not show.
        assert_eq!(md_ref(100, "5M100N5M", seq, "10", 150, 151), None);
        assert_eq!(md_ref(100, "5M100N5M", seq, "10", 205, 206).unwrap(), "C");
        // Positions before the read's end are fine even if MD is cut later.
        assert_eq!(md_ref(100, "10M", seq, "3", 100, 103).unwrap(), "ACG");
    }

    fn site(ref_allele: &str) -> Hotspot {
        Hotspot {
            contig: "chr12".into(),
            pos: 25245351,
            ref_allele: ref_allele.into(),
            alt_allele: "T".into(),
            id: "KRAS_G12D".into(),
            gene: String::new(),
            label: String::new(),
            origin: "panel.tsv:3".into(),
        }
    }

    #[test]
    fn a_site_is_wrong_only_when_most_reads_and_at_least_two_disagree() {
        let mut c = RefCheck::default();
        c.add(b"C", b"G");
        assert_eq!(c.problem(&site("C")), None, "one read is not enough");
        c.add(b"C", b"G");
        let msg = c.problem(&site("C")).unwrap();
        assert!(
            msg.starts_with("panel.tsv:3 (KRAS_G12D): REF C at chr12:25245351, but"),
            "{msg}"
        );
        assert!(
            msg.contains("2 of 2 reads' MD tags say the reference there is G"),
            "{msg}"
        );
        c.add(b"C", b"C");
        c.add(b"C", b"C");
        assert_eq!(c.problem(&site("C")), None, "a tie is not a majority");
        let mut d = RefCheck::default();
        for _ in 0..READS_PER_SITE {
            assert!(d.wants());
            d.add(b"C", b"C");
        }
        assert!(!d.wants());
        assert_eq!(ref_span(&site("CA")), (25245350, 25245352));
    }
}
