//! Which allele one aligned read shows at one site.
//!
//! A site is prepared once ([`SiteModel::new`]) and then asked about many
//! reads ([`SiteModel::classify`]). Two shapes of site exist:
//!
//! * **Equal-length alleles** (SNV, MNV, BED positions): the read must have
//!   aligned bases at every reference position of the allele, with no
//!   insertion between them; the bases are then compared with REF and ALT.
//!   A deleted position makes the read `other` (`*` at a single base).
//! * **Indels and complex alleles**: the allele is widened to its whole
//!   ambiguity region (every position the same event could be written at in
//!   a repeat), so that an aligner's placement of an equivalent indel does
//!   not matter. The read must have aligned bases at both anchors (the
//!   reference bases just outside that region); the indel events between the
//!   anchors then decide: none is REF, exactly the panel's event is ALT,
//!   anything else is `other`.
//!
//! A read whose aligned bases stop inside the allele (including soft clips)
//! is not counted for the site. Base quality is checked on every base the
//! allele is read from (for indel sites: both anchors and everything between).

/// BAM CIGAR operation codes (SAM spec §4.2).
pub mod cigar_op {
    pub const MATCH: u32 = 0;
    pub const INS: u32 = 1;
    pub const DEL: u32 = 2;
    pub const REF_SKIP: u32 = 3;
    pub const SOFT_CLIP: u32 = 4;
    pub const HARD_CLIP: u32 = 5;
    pub const PAD: u32 = 6;
    pub const EQUAL: u32 = 7;
    pub const DIFF: u32 = 8;
}
use cigar_op::*;

/// One aligned read as the classifier needs it. Implemented for htslib
/// records, for the FASTQ engine's own placements and for [`OwnedRead`].
#[allow(clippy::len_without_is_empty)] // a read is never empty here
pub trait AlignedRead {
    /// 0-based reference position of the first aligned base.
    fn ref_start(&self) -> i64;
    /// CIGAR in BAM encoding (`len << 4 | op`).
    fn cigar(&self) -> &[u32];
    /// Upper-case ASCII base at query position `qpos`.
    fn base(&self, qpos: usize) -> u8;
    /// Phred base quality at query position `qpos`.
    fn qual(&self, qpos: usize) -> u8;
    /// Number of query bases (soft clips included).
    fn len(&self) -> usize;
    /// Every base's 2-bit code ([`crate::bases::code`]: A 0, C 1, G 2,
    /// T 3; 4 for N and anything else) into `out`, cleared first: one
    /// decode per read for loops over all of a read's bases (the
    /// background tally), where `base` may decode per call.
    fn base_codes_into(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend((0..self.len()).map(|q| crate::bases::code(self.base(q)).unwrap_or(4)));
    }
    /// Every quality, as [`qual`](Self::qual) gives them, into `out`
    /// (cleared first).
    fn quals_into(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend((0..self.len()).map(|q| self.qual(q)));
    }
}

/// An aligned read that owns its CIGAR, bases and qualities, in reference
/// orientation as a BAM stores them: the simulator's reads and the tests'.
///
/// The FASTQ engine's `Placement` implements [`AlignedRead`] itself rather
/// than holding one of these: it is that engine's per-read hot path, still
/// being optimised, and how it holds a read's bases (owned, or borrowed
/// from the placer's buffers) should stay free to change with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedRead {
    /// 0-based reference position of the first aligned base.
    pub start: i64,
    /// CIGAR in BAM encoding (`len << 4 | op`).
    pub cigar: Vec<u32>,
    /// Upper-case ASCII bases, soft clips included.
    pub seq: Vec<u8>,
    /// Phred base qualities, one a base.
    pub qual: Vec<u8>,
}

impl AlignedRead for OwnedRead {
    fn ref_start(&self) -> i64 {
        self.start
    }
    fn cigar(&self) -> &[u32] {
        &self.cigar
    }
    fn base(&self, qpos: usize) -> u8 {
        self.seq[qpos]
    }
    fn qual(&self, qpos: usize) -> u8 {
        self.qual[qpos]
    }
    fn len(&self) -> usize {
        self.seq.len()
    }
}

/// What one read (or one fragment) shows at a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Allele {
    Ref,
    Alt,
    /// Neither REF nor ALT. At single-base sites the byte is the base seen
    /// (`A C G T N`) or `*` for a deleted site; elsewhere it is `?`.
    Other(u8),
    /// A base the allele is read from is below the quality threshold.
    LowQuality,
}

/// An allele as one read shows it, with the lowest base quality among the
/// bases it was judged by (the allele's bases; for a deletion the first
/// base after it, for an indel both anchors): what a consensus of several
/// reads weighs it by. 0 when no base was judged (an anchor deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reading {
    pub allele: Allele,
    pub qual: u8,
}

/// The byte stored in [`Allele::Other`] for a deleted single-base site.
pub const DELETED: u8 = b'*';
/// The byte stored in [`Allele::Other`] when no single base describes it.
pub const OTHER: u8 = b'?';

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// Equal-length alleles, compared base by base. `alt` is `None` for a
    /// position-only (BED) site.
    Bases {
        ref_bases: Vec<u8>,
        alt_bases: Option<Vec<u8>>,
    },
    /// A deletion of `len` bases anywhere inside the region.
    Deletion { len: u32 },
    /// An insertion of `len` bases whose region reads `alt_seq`.
    Insertion { len: u32, alt_seq: Vec<u8> },
    /// Unequal-length substitution: the region must read `alt_seq`.
    Complex { alt_seq: Vec<u8> },
}

/// Reference bases around a site, used to widen indels over repeats.
#[derive(Debug, Clone, Copy)]
pub struct RefWindow<'a> {
    /// 0-based position of `seq[0]`.
    pub start: i64,
    pub seq: &'a [u8],
}

impl RefWindow<'_> {
    fn base(&self, pos: i64) -> Option<u8> {
        let i = pos.checked_sub(self.start)?;
        self.seq.get(usize::try_from(i).ok()?).copied()
    }
}

/// A site prepared for classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteModel {
    /// 0-based, half-open reference region the allele is read from. For
    /// indel sites this is the ambiguity region (possibly empty for an
    /// insertion outside any repeat); the anchors are `start - 1` and `end`.
    start: i64,
    end: i64,
    shape: Shape,
}

impl SiteModel {
    /// Prepare a site from its VCF-style description: 1-based `pos`, `ref`
    /// and `alt` alleles (upper-case; `alt` `"."` for position-only).
    /// `window`, when given, is the reference around the site; indels are
    /// then widened over repeats. Without it an indel is taken as written.
    pub fn new(pos: u64, ref_allele: &[u8], alt_allele: &[u8], window: Option<RefWindow>) -> Self {
        let pos0 = pos as i64 - 1;
        if alt_allele == b"." {
            return SiteModel {
                start: pos0,
                end: pos0 + ref_allele.len() as i64,
                shape: Shape::Bases {
                    ref_bases: ref_allele.to_vec(),
                    alt_bases: None,
                },
            };
        }
        // Trim the shared suffix, then the shared prefix: what is left is
        // the event itself.
        let (mut r, mut a) = (ref_allele, alt_allele);
        while r.len() > 1 && a.len() > 1 && r.last() == a.last() {
            r = &r[..r.len() - 1];
            a = &a[..a.len() - 1];
        }
        let mut start = pos0;
        while !r.is_empty() && !a.is_empty() && r[0] == a[0] && (r.len() > 1 || a.len() > 1) {
            r = &r[1..];
            a = &a[1..];
            start += 1;
        }
        if r.len() == a.len() {
            // Substitution (after trimming, the differing core).
            let (mut r, mut a, mut start) = (r, a, start);
            while r.len() > 1 && r[0] == a[0] {
                r = &r[1..];
                a = &a[1..];
                start += 1;
            }
            while r.len() > 1 && r.last() == a.last() {
                r = &r[..r.len() - 1];
                a = &a[..a.len() - 1];
            }
            return SiteModel {
                start,
                end: start + r.len() as i64,
                shape: Shape::Bases {
                    ref_bases: r.to_vec(),
                    alt_bases: Some(a.to_vec()),
                },
            };
        }
        if a.is_empty() {
            let (s, e) = widen_deletion(start, start + r.len() as i64, window);
            SiteModel {
                start: s,
                end: e,
                shape: Shape::Deletion {
                    len: r.len() as u32,
                },
            }
        } else if r.is_empty() {
            let (s, e) = widen_insertion(start, a, window);
            // The region as the alt haplotype reads it; equivalent placements
            // of the insertion all give these same bases.
            let base = |p: i64| window.and_then(|w| w.base(p)).unwrap_or(b'N');
            let mut alt_seq: Vec<u8> = (s..start).map(base).collect();
            alt_seq.extend_from_slice(a);
            alt_seq.extend((start..e).map(base));
            SiteModel {
                start: s,
                end: e,
                shape: Shape::Insertion {
                    len: a.len() as u32,
                    alt_seq,
                },
            }
        } else {
            SiteModel {
                start,
                end: start + r.len() as i64,
                shape: Shape::Complex {
                    alt_seq: a.to_vec(),
                },
            }
        }
    }

    /// The reference interval (0-based, half-open) a read must span to be
    /// classified at this site, anchors included for indels.
    pub fn footprint(&self) -> (i64, i64) {
        match self.shape {
            Shape::Bases { .. } => (self.start, self.end),
            _ => (self.start - 1, self.end + 1),
        }
    }

    /// True for a single-base site (SNV or BED position): it gets per-base
    /// columns.
    pub fn is_single_base(&self) -> bool {
        matches!(&self.shape, Shape::Bases { ref_bases, .. } if ref_bases.len() == 1)
    }

    /// True for an allele that an aligner may write as a soft clip rather
    /// than as itself: an indel, a complex allele, or an MNV (whose several
    /// mismatches at a read end cost more than clipping them). An SNV or a
    /// position-only site is never one: a clipped base is no evidence there.
    pub fn may_hide_in_clip(&self) -> bool {
        match &self.shape {
            Shape::Bases {
                ref_bases,
                alt_bases,
            } => alt_bases.is_some() && ref_bases.len() > 1,
            _ => true,
        }
    }

    /// For single-base sites, the base an allele stands for (`*` deleted).
    pub fn base_of(&self, allele: Allele) -> Option<u8> {
        match (&self.shape, allele) {
            (Shape::Bases { ref_bases, .. }, Allele::Ref) if ref_bases.len() == 1 => {
                Some(ref_bases[0])
            }
            (
                Shape::Bases {
                    ref_bases,
                    alt_bases: Some(alt),
                },
                Allele::Alt,
            ) if ref_bases.len() == 1 => Some(alt[0]),
            (Shape::Bases { ref_bases, .. }, Allele::Other(b)) if ref_bases.len() == 1 => Some(b),
            _ => None,
        }
    }

    /// The allele `read` shows here, or `None` when the read does not span
    /// the allele with aligned bases.
    pub fn classify<R: AlignedRead + ?Sized>(&self, read: &R, min_baseq: u8) -> Option<Allele> {
        self.read_allele(read, min_baseq).map(|r| r.allele)
    }

    /// [`SiteModel::classify`], with the base quality the allele was read at.
    #[inline]
    pub fn read_allele<R: AlignedRead + ?Sized>(&self, read: &R, min_baseq: u8) -> Option<Reading> {
        match &self.shape {
            Shape::Bases {
                ref_bases,
                alt_bases,
            } => self.classify_bases(read, ref_bases, alt_bases.as_deref(), min_baseq),
            _ => self.classify_indel(read, min_baseq),
        }
    }

    fn classify_bases<R: AlignedRead + ?Sized>(
        &self,
        read: &R,
        ref_bases: &[u8],
        alt_bases: Option<&[u8]>,
        min_baseq: u8,
    ) -> Option<Reading> {
        let (s, e) = (self.start, self.end);
        let mut rpos = read.ref_start();
        if s < rpos {
            return None;
        }
        let mut qpos = 0usize;
        let mut seen = 0i64;
        let (mut is_ref, mut is_alt) = (true, alt_bases.is_some());
        let mut min_q = u8::MAX;
        let mut deleted = false;
        let mut broken = false; // insertion between allele bases
        let mut first_base = b'N';
        let read_len = read.len();
        for &c in read.cigar() {
            let (op, len) = (c & 0xf, (c >> 4) as i64);
            match op {
                MATCH | EQUAL | DIFF => {
                    let lo = s.max(rpos);
                    let hi = e.min(rpos + len);
                    for p in lo..hi {
                        let q = qpos + (p - rpos) as usize;
                        let b = read.base(q);
                        let i = (p - s) as usize;
                        if i == 0 {
                            first_base = b;
                        }
                        is_ref &= ref_bases[i] == b;
                        if let Some(alt) = alt_bases {
                            is_alt &= alt[i] == b;
                        }
                        min_q = min_q.min(read.qual(q));
                        seen += 1;
                    }
                    rpos += len;
                    qpos += len as usize;
                }
                INS => {
                    if rpos > s && rpos < e {
                        broken = true;
                    }
                    qpos += len as usize;
                }
                DEL | REF_SKIP => {
                    let lo = s.max(rpos);
                    let hi = e.min(rpos + len);
                    if lo < hi {
                        if op == REF_SKIP {
                            return None;
                        }
                        deleted = true;
                        seen += hi - lo;
                        // A deleted base has no quality of its own; like
                        // samtools, judge it by the first base after the
                        // deletion.
                        if qpos < read_len {
                            min_q = min_q.min(read.qual(qpos));
                        }
                    }
                    rpos += len;
                }
                SOFT_CLIP => qpos += len as usize,
                _ => {} // hard clip, padding
            }
            if rpos >= e {
                break;
            }
        }
        if seen < e - s || rpos < e {
            return None; // the read's aligned bases stop inside the allele
        }
        let reading = |allele| {
            Some(Reading {
                allele,
                qual: min_q,
            })
        };
        if min_q < min_baseq {
            return reading(Allele::LowQuality);
        }
        if deleted {
            let b = if e - s == 1 { DELETED } else { OTHER };
            return reading(Allele::Other(b));
        }
        reading(if broken {
            Allele::Other(OTHER)
        } else if is_ref {
            Allele::Ref
        } else if is_alt {
            Allele::Alt
        } else if e - s == 1 {
            Allele::Other(first_base)
        } else {
            Allele::Other(OTHER)
        })
    }

    fn classify_indel<R: AlignedRead + ?Sized>(&self, read: &R, min_baseq: u8) -> Option<Reading> {
        let (left, right) = (self.start - 1, self.end); // anchors
        let mut rpos = read.ref_start();
        if left < rpos {
            return None;
        }
        let mut qpos = 0usize;
        let (mut q_left, mut q_right) = (None, None);
        let mut anchor_deleted = false;
        let mut dels = 0u32;
        let mut ins = 0u32;
        let mut event_fits = true; // every event is the panel's kind, size and place
        for &c in read.cigar() {
            let (op, len) = (c & 0xf, (c >> 4) as i64);
            match op {
                MATCH | EQUAL | DIFF => {
                    if (rpos..rpos + len).contains(&left) {
                        q_left = Some(qpos + (left - rpos) as usize);
                    }
                    if (rpos..rpos + len).contains(&right) {
                        q_right = Some(qpos + (right - rpos) as usize);
                    }
                    rpos += len;
                    qpos += len as usize;
                }
                INS => {
                    // Between the anchors when it follows `left` and precedes `right`.
                    if rpos > left && rpos <= right {
                        ins += 1;
                        event_fits &= matches!(self.shape, Shape::Insertion { len: l, .. } if l as i64 == len)
                            && rpos >= self.start
                            && rpos <= self.end;
                    }
                    qpos += len as usize;
                }
                DEL | REF_SKIP => {
                    let (lo, hi) = (rpos, rpos + len);
                    if lo <= right && hi > left {
                        if op == REF_SKIP {
                            return None;
                        }
                        if lo <= left || hi > right {
                            anchor_deleted = true;
                        } else {
                            dels += 1;
                            event_fits &=
                                matches!(self.shape, Shape::Deletion { len: l } if l as i64 == len);
                        }
                    }
                    rpos += len;
                }
                SOFT_CLIP => qpos += len as usize,
                _ => {}
            }
            if rpos > right && q_right.is_some() {
                break;
            }
        }
        if rpos <= right {
            return None; // aligned bases stop before the right anchor
        }
        let (Some(ql), Some(qr)) = (q_left, q_right) else {
            // An anchor falls in a deletion: the read spans the site but
            // shows some other, larger event.
            return if anchor_deleted || q_left.is_some() || q_right.is_some() {
                Some(Reading {
                    allele: Allele::Other(OTHER),
                    qual: 0,
                })
            } else {
                None
            };
        };
        if anchor_deleted {
            return Some(Reading {
                allele: Allele::Other(OTHER),
                qual: 0,
            });
        }
        let qual = (ql..=qr).map(|q| read.qual(q)).min().unwrap_or(u8::MAX);
        if qual < min_baseq {
            return Some(Reading {
                allele: Allele::LowQuality,
                qual,
            });
        }
        let observed_is = |seq: &[u8]| {
            qr - ql - 1 == seq.len() && (ql + 1..qr).zip(seq).all(|(q, &b)| read.base(q) == b)
        };
        let allele = match &self.shape {
            _ if dels == 0 && ins == 0 => Allele::Ref,
            Shape::Deletion { .. } if dels == 1 && ins == 0 && event_fits => Allele::Alt,
            Shape::Insertion { alt_seq, .. }
                if ins == 1 && dels == 0 && event_fits && observed_is(alt_seq) =>
            {
                Allele::Alt
            }
            Shape::Complex { alt_seq } if observed_is(alt_seq) => Allele::Alt,
            _ => Allele::Other(OTHER),
        };
        Some(Reading { allele, qual })
    }
}

/// Widen a deletion of reference `[s, e)` to every place it could be
/// written at: the returned region holds all equivalent placements.
fn widen_deletion(s: i64, e: i64, window: Option<RefWindow>) -> (i64, i64) {
    let Some(w) = window else { return (s, e) };
    let (mut ls, mut le) = (s, e);
    while let (Some(a), Some(b)) = (w.base(ls - 1), w.base(le - 1)) {
        if a != b || a == b'N' {
            break;
        }
        ls -= 1;
        le -= 1;
    }
    let (mut rs, mut re) = (s, e);
    while let (Some(a), Some(b)) = (w.base(rs), w.base(re)) {
        if a != b || a == b'N' {
            break;
        }
        rs += 1;
        re += 1;
    }
    (ls, re)
}

/// Widen an insertion of `ins` before reference position `s` to the
/// reference region its equivalent placements lie in.
fn widen_insertion(s: i64, ins: &[u8], window: Option<RefWindow>) -> (i64, i64) {
    let Some(w) = window else { return (s, s) };
    let n = ins.len();
    // Rotating the inserted sequence while shifting: an insertion at `p`
    // moves left when the base before it equals the inserted sequence's
    // last base (after the rotations done so far).
    let mut left = s;
    let mut k = 0usize; // rotations done
    while let Some(b) = w.base(left - 1) {
        if b != ins[(n - 1 + n - (k % n)) % n] || b == b'N' {
            break;
        }
        left -= 1;
        k += 1;
    }
    let mut right = s;
    let mut k = 0usize;
    while let Some(b) = w.base(right) {
        if b != ins[k % n] || b == b'N' {
            break;
        }
        right += 1;
        k += 1;
    }
    (left, right)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A CIGAR written as text (`"4M2D3M"`) in BAM encoding.
    pub fn parse_cigar(text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut n = 0u32;
        for ch in text.bytes() {
            if ch.is_ascii_digit() {
                n = n * 10 + (ch - b'0') as u32;
            } else {
                let op = b"MIDNSHP=X".iter().position(|&c| c == ch).unwrap() as u32;
                out.push(n << 4 | op);
                n = 0;
            }
        }
        out
    }

    /// A read for tests: 1-based position, CIGAR as text, bases, quality
    /// 30 at every base.
    pub fn test_read(pos1: i64, cigar: &str, seq: &str) -> OwnedRead {
        OwnedRead {
            start: pos1 - 1,
            cigar: parse_cigar(cigar),
            seq: seq.as_bytes().to_vec(),
            qual: vec![30; seq.len()],
        }
    }

    impl OwnedRead {
        /// The read with the quality of base `qpos` set to `q`.
        pub fn with_qual_at(mut self, qpos: usize, q: u8) -> Self {
            self.qual[qpos] = q;
            self
        }
    }

    // Reference used below, positions 1..=40 (1-based):
    //          1         2         3         4
    // 1234567890123456789012345678901234567890
    // ACGTACGTAACCCCGGTTAGCATTTTGCAAGCTAGCTAGC
    const REF: &[u8] = b"ACGTACGTAACCCCGGTTAGCATTTTGCAAGCTAGCTAGC";
    fn win() -> Option<RefWindow<'static>> {
        Some(RefWindow { start: 0, seq: REF })
    }
    fn refseq(from1: usize, to1: usize) -> String {
        String::from_utf8(REF[from1 - 1..to1].to_vec()).unwrap()
    }

    #[test]
    fn a_reading_keeps_the_lowest_quality_it_was_judged_by() {
        let read = |allele, qual| Some(Reading { allele, qual });
        // SNV at 5 (query 4): its own base's quality, low or not.
        let site = SiteModel::new(5, b"A", b"G", win());
        let r = test_read(1, "10M", "ACGTGCGTAA").with_qual_at(4, 25);
        assert_eq!(site.read_allele(&r, 20), read(Allele::Alt, 25));
        let r = r.with_qual_at(4, 7).with_qual_at(3, 2);
        assert_eq!(site.read_allele(&r, 20), read(Allele::LowQuality, 7));
        // MNV at 20-21 (query 0-1 of a read from 20): the lower of the two.
        let mnv = SiteModel::new(20, b"GC", b"CA", win());
        let r = test_read(20, "4M", "CATT")
            .with_qual_at(0, 33)
            .with_qual_at(1, 24);
        assert_eq!(mnv.read_allele(&r, 20), read(Allele::Alt, 24));
        // Insertion of G after 4: both anchors (query 3 and 5) and the
        // inserted base (query 4) are judged.
        let ins = SiteModel::new(4, b"T", b"TG", win());
        let seq = format!("{}G{}", refseq(1, 4), refseq(5, 12));
        let r = test_read(1, "4M1I8M", &seq)
            .with_qual_at(5, 22)
            .with_qual_at(6, 3);
        assert_eq!(ins.read_allele(&r, 20), read(Allele::Alt, 22));
        assert_eq!(ins.classify(&r, 20), Some(Allele::Alt));
    }

    #[test]
    fn snv_ref_alt_other_and_uncovered() {
        let site = SiteModel::new(5, b"A", b"G", win());
        let r = test_read(1, "10M", &refseq(1, 10));
        assert_eq!(site.classify(&r, 20), Some(Allele::Ref));
        let r = test_read(1, "10M", "ACGTGCGTAA");
        assert_eq!(site.classify(&r, 20), Some(Allele::Alt));
        let r = test_read(1, "10M", "ACGTTCGTAA");
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(b'T')));
        // Read starting right after, or ending right before, the site.
        assert_eq!(site.classify(&test_read(6, "5M", &refseq(6, 10)), 20), None);
        assert_eq!(site.classify(&test_read(1, "4M", &refseq(1, 4)), 20), None);
        // Read ending exactly at the site counts.
        assert_eq!(
            site.classify(&test_read(1, "5M", &refseq(1, 5)), 20),
            Some(Allele::Ref)
        );
        assert_eq!(
            site.classify(&test_read(5, "5M", &refseq(5, 9)), 20),
            Some(Allele::Ref)
        );
    }

    #[test]
    fn snv_base_quality() {
        let site = SiteModel::new(5, b"A", b"G", win());
        let r = test_read(1, "10M", "ACGTGCGTAA").with_qual_at(4, 19);
        assert_eq!(site.classify(&r, 20), Some(Allele::LowQuality));
        assert_eq!(site.classify(&r, 19), Some(Allele::Alt));
        // A low-quality base elsewhere does not matter.
        let r = test_read(1, "10M", "ACGTGCGTAA").with_qual_at(3, 2);
        assert_eq!(site.classify(&r, 20), Some(Allele::Alt));
    }

    #[test]
    fn soft_clipped_bases_do_not_count() {
        let site = SiteModel::new(5, b"A", b"G", win());
        // Bases 1-5 soft-clipped; alignment starts at 6: the G at query 4 is not aligned.
        let r = test_read(6, "5S5M", "ACGTGCGTAA");
        assert_eq!(site.classify(&r, 20), None);
        // Clipped at the end: aligned 1-4 only.
        let r = test_read(1, "4M6S", "ACGTGCGTAA");
        assert_eq!(site.classify(&r, 20), None);
        // Clip before the site, base aligned.
        let r = test_read(3, "2S8M", "ACGTGCGTAA");
        assert_eq!(site.classify(&r, 20), Some(Allele::Alt));
    }

    #[test]
    fn indel_before_site_shifts_query_position() {
        let site = SiteModel::new(10, b"A", b"T", win());
        // Insertion of 2 bases after ref 4: query is 2 longer before the site.
        let seq = format!("{}GG{}", refseq(1, 4), "ACGTAT");
        let r = test_read(1, "4M2I6M", &seq);
        assert_eq!(site.classify(&r, 20), Some(Allele::Alt));
        // Deletion of ref 5-6 before the site.
        let seq = format!("{}{}", refseq(1, 4), "GTAT");
        let r = test_read(1, "4M2D4M", &seq);
        assert_eq!(site.classify(&r, 20), Some(Allele::Alt));
    }

    #[test]
    fn deletion_spanning_snv_is_del() {
        let site = SiteModel::new(10, b"A", b"T", win());
        let seq = format!("{}{}", refseq(1, 8), refseq(12, 15));
        let r = test_read(1, "8M3D4M", &seq);
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(DELETED)));
        assert_eq!(site.base_of(Allele::Other(DELETED)), Some(b'*'));
        // Judged by the quality of the first base after the deletion (query 8).
        let r = test_read(1, "8M3D4M", &seq).with_qual_at(8, 10);
        assert_eq!(site.classify(&r, 20), Some(Allele::LowQuality));
        let r = test_read(1, "8M3D4M", &seq).with_qual_at(7, 10);
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(DELETED)));
    }

    #[test]
    fn mnv_all_bases_needed() {
        // Positions 23-24 "TT" -> "CC".
        let site = SiteModel::new(23, b"TT", b"CC", win());
        let r = test_read(20, "10M", "GCACCTTGCA");
        assert_eq!(site.classify(&r, 20), Some(Allele::Alt));
        let r = test_read(20, "10M", "GCACTTTGCA");
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(OTHER)));
        let r = test_read(20, "10M", &refseq(20, 29));
        assert_eq!(site.classify(&r, 20), Some(Allele::Ref));
        // Ends inside the MNV: first base seen only.
        let r = test_read(20, "4M", "GCAC");
        assert_eq!(site.classify(&r, 20), None);
        // Starts inside the MNV.
        let r = test_read(24, "4M", "CTTG");
        assert_eq!(site.classify(&r, 20), None);
        // Soft clip covering the second base.
        let r = test_read(20, "4M3S", "GCACCTT");
        assert_eq!(site.classify(&r, 20), None);
        // Insertion between the two bases: other.
        let r = test_read(20, "4M1I5M", "GCACACTGCA");
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(OTHER)));
        // One base deleted: other, not DEL (multi-base).
        let r = test_read(20, "4M1D5M", "GCACTGCAA");
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(OTHER)));
        // Low quality on either base.
        let r = test_read(20, "10M", "GCACCTTGCA").with_qual_at(4, 5);
        assert_eq!(site.classify(&r, 20), Some(Allele::LowQuality));
        assert!(!site.is_single_base());
    }

    #[test]
    fn deletion_in_repeat_any_placement_is_alt() {
        // Ref 11-14 is CCCC; VCF deletion of one C anchored at 10 (A): "AC" -> "A".
        let site = SiteModel::new(10, b"AC", b"A", win());
        assert_eq!(site.footprint(), (9, 15)); // anchors at 10 (A) and 15 (G), 1-based
        let del_seq = format!("{}{}", refseq(1, 10), refseq(12, 20)); // one C fewer
        for (cigar, pos_desc) in [
            ("10M1D9M", "left"),
            ("11M1D8M", "mid"),
            ("13M1D6M", "right"),
        ] {
            let r = test_read(1, cigar, &del_seq);
            assert_eq!(site.classify(&r, 20), Some(Allele::Alt), "{pos_desc}");
        }
        let r = test_read(1, "20M", &refseq(1, 20));
        assert_eq!(site.classify(&r, 20), Some(Allele::Ref));
        // Two C deleted: a different event.
        let r = test_read(
            1,
            "10M2D8M",
            &format!("{}{}", refseq(1, 10), refseq(13, 20)),
        );
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(OTHER)));
        // Read ending inside the homopolymer cannot tell: not counted.
        let r = test_read(1, "13M", &refseq(1, 13));
        assert_eq!(site.classify(&r, 20), None);
        // Read ending at the right anchor counts.
        let r = test_read(1, "15M", &refseq(1, 15));
        assert_eq!(site.classify(&r, 20), Some(Allele::Ref));
    }

    #[test]
    fn deletion_widening_matches_left_normalised_forms() {
        // A right-shifted VCF record of the same deletion gives the same model.
        let a = SiteModel::new(10, b"AC", b"A", win());
        let b = SiteModel::new(13, b"CC", b"C", win());
        assert_eq!(a, b);
    }

    #[test]
    fn insertion_in_repeat() {
        // Insert one C into CCCC (11-14), VCF-anchored at 10: A -> AC.
        let site = SiteModel::new(10, b"A", b"AC", win());
        let ins_seq = format!("{}C{}", refseq(1, 14), refseq(15, 20));
        for cigar in ["10M1I10M", "12M1I8M", "14M1I6M"] {
            let r = test_read(1, cigar, &ins_seq);
            assert_eq!(site.classify(&r, 20), Some(Allele::Alt), "{cigar}");
        }
        // An insertion of a different base is other.
        let other = format!("{}G{}", refseq(1, 14), refseq(15, 20));
        let r = test_read(1, "14M1I6M", &other);
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(OTHER)));
        let r = test_read(1, "20M", &refseq(1, 20));
        assert_eq!(site.classify(&r, 20), Some(Allele::Ref));
        // Same model from a right-shifted record.
        assert_eq!(site, SiteModel::new(14, b"C", b"CC", win()));
    }

    #[test]
    fn insertion_outside_repeat_and_without_reference() {
        // Insert G between 4 (T) and 5 (A): no repeat, so nothing to widen.
        let site = SiteModel::new(4, b"T", b"TG", win());
        let seq = format!("{}G{}", refseq(1, 4), refseq(5, 12));
        assert_eq!(
            site.classify(&test_read(1, "4M1I8M", &seq), 20),
            Some(Allele::Alt)
        );
        let no_ref = SiteModel::new(4, b"T", b"TG", None);
        assert_eq!(
            no_ref.classify(&test_read(1, "4M1I8M", &seq), 20),
            Some(Allele::Alt)
        );
        assert_eq!(
            no_ref.classify(&test_read(1, "12M", &refseq(1, 12)), 20),
            Some(Allele::Ref)
        );
    }

    #[test]
    fn deletion_base_quality_on_anchors() {
        let site = SiteModel::new(10, b"AC", b"A", win());
        let del_seq = format!("{}{}", refseq(1, 10), refseq(12, 20));
        // Query index 9 is the left anchor (ref 10).
        let r = test_read(1, "10M1D9M", &del_seq).with_qual_at(9, 10);
        assert_eq!(site.classify(&r, 20), Some(Allele::LowQuality));
    }

    #[test]
    fn complex_substitution() {
        // Ref 17-18 "TT" -> "GGG".
        let site = SiteModel::new(17, b"TT", b"GGG", win());
        let seq = format!("{}GGG{}", refseq(12, 16), refseq(19, 24));
        let r = test_read(12, "5M3I2D6M", &seq);
        assert_eq!(site.classify(&r, 20), Some(Allele::Alt));
        let r = test_read(12, "5M1I2X6M", &seq);
        assert_eq!(site.classify(&r, 20), Some(Allele::Alt));
        let r = test_read(12, "13M", &refseq(12, 24));
        assert_eq!(site.classify(&r, 20), Some(Allele::Ref));
    }

    #[test]
    fn larger_deletion_over_anchor_is_other() {
        let site = SiteModel::new(10, b"AC", b"A", win());
        // Deletes ref 9-12 (covers left anchor 10).
        let seq = format!("{}{}", refseq(1, 8), refseq(13, 20));
        let r = test_read(1, "8M4D8M", &seq);
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(OTHER)));
    }

    #[test]
    fn bed_position_only() {
        let site = SiteModel::new(5, b"A", b".", win());
        assert!(site.is_single_base());
        assert_eq!(
            site.classify(&test_read(1, "10M", &refseq(1, 10)), 20),
            Some(Allele::Ref)
        );
        let r = test_read(1, "10M", "ACGTGCGTAA");
        assert_eq!(site.classify(&r, 20), Some(Allele::Other(b'G')));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Haplotype of `reference` with `[at, at + len)` deleted.
        fn deleted(reference: &[u8], at: usize, len: usize) -> Vec<u8> {
            [&reference[..at], &reference[at + len..]].concat()
        }

        fn read_over(seq: &[u8], cigar: String) -> OwnedRead {
            test_read(1, &cigar, std::str::from_utf8(seq).unwrap())
        }

        proptest! {
            // A fixed seed: the suite runs the same cases every time (CI
            // cannot turn red on a draw); widen with PROPTEST_CASES locally.
            #![proptest_config(proptest::test_runner::Config { rng_seed: proptest::test_runner::RngSeed::Fixed(11), ..proptest::test_runner::Config::default() })]

            /// Every placement of a deletion that yields the panel's
            /// haplotype reads ALT; a same-length deletion giving another
            /// haplotype reads other; the plain read reads REF. A two-letter
            /// alphabet makes repeats (and so ambiguity) common.
            #[test]
            fn deletion_placement_does_not_matter(
                reference in proptest::collection::vec(prop_oneof![Just(b'A'), Just(b'C')], 60),
                p in 10usize..40,
                len in 1usize..4,
            ) {
                let w = Some(RefWindow { start: 0, seq: &reference });
                // VCF: anchor at 0-based p-1, deleting [p, p+len).
                let site = SiteModel::new(p as u64, &reference[p - 1..p + len], &reference[p - 1..p], w);
                let want = deleted(&reference, p, len);
                let plain = read_over(&reference, "60M".into());
                prop_assert_eq!(site.classify(&plain, 20), Some(Allele::Ref));
                for q in 1..60 - len - 1 {
                    let hap = deleted(&reference, q, len);
                    let read = read_over(&hap, format!("{q}M{len}D{}M", 60 - q - len));
                    let (fs, fe) = site.footprint();
                    let got = site.classify(&read, 20);
                    if hap == want {
                        // Equivalent placements lie inside the footprint.
                        prop_assert!(fs < q as i64 && ((q + len) as i64) < fe);
                        prop_assert_eq!(got, Some(Allele::Alt), "placement {}", q);
                    } else if (q as i64) < fe && (q + len) as i64 > fs {
                        prop_assert_eq!(got, Some(Allele::Other(OTHER)), "placement {}", q);
                    } else {
                        prop_assert_eq!(got, Some(Allele::Ref), "placement {} outside", q);
                    }
                }
            }

            /// Same for insertions: any placement giving the panel's
            /// haplotype reads ALT.
            #[test]
            fn insertion_placement_does_not_matter(
                reference in proptest::collection::vec(prop_oneof![Just(b'A'), Just(b'C')], 60),
                p in 10usize..40,
                ins in proptest::collection::vec(prop_oneof![Just(b'A'), Just(b'C')], 1..4),
            ) {
                let w = Some(RefWindow { start: 0, seq: &reference });
                let mut alt = vec![reference[p - 1]];
                alt.extend_from_slice(&ins);
                // VCF: anchor at 0-based p-1, insertion before p.
                let site = SiteModel::new(p as u64, &reference[p - 1..p], &alt, w);
                let want = [&reference[..p], &ins[..], &reference[p..]].concat();
                for q in 1..59 {
                    for variant in [ins.clone(), ins.iter().rev().copied().collect()] {
                        let hap = [&reference[..q], &variant[..], &reference[q..]].concat();
                        let read = read_over(&hap, format!("{q}M{}I{}M", variant.len(), 60 - q));
                        let got = site.classify(&read, 20);
                        let (fs, fe) = site.footprint();
                        if hap == want {
                            prop_assert_eq!(got, Some(Allele::Alt), "placement {}", q);
                        } else if q as i64 > fs && (q as i64) < fe {
                            prop_assert_eq!(got, Some(Allele::Other(OTHER)), "placement {}", q);
                        }
                    }
                }
            }

            /// A read is classified exactly when it spans the footprint.
            #[test]
            fn counted_only_when_spanning_the_footprint(
                reference in proptest::collection::vec(prop_oneof![Just(b'A'), Just(b'C'), Just(b'G'), Just(b'T')], 60),
                p in 10usize..40,
                kind in 0usize..3,
                from in 0usize..30,
                to in 31usize..=60,
            ) {
                let w = Some(RefWindow { start: 0, seq: &reference });
                let site = match kind {
                    0 => SiteModel::new(p as u64 + 1, &reference[p..p + 1], b"N", w),
                    1 => SiteModel::new(p as u64 + 1, &reference[p..p + 2], b"NN", w),
                    _ => SiteModel::new(p as u64, &reference[p - 1..p + 2], &reference[p - 1..p], w),
                };
                let read = test_read(from as i64 + 1, &format!("{}M", to - from), std::str::from_utf8(&reference[from..to]).unwrap());
                let (fs, fe) = site.footprint();
                let spans = from as i64 <= fs && fe <= to as i64;
                prop_assert_eq!(site.classify(&read, 20).is_some(), spans);
                if spans {
                    prop_assert_eq!(site.classify(&read, 20), Some(Allele::Ref));
                }
            }
        }
    }
}
