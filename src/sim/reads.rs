//! Fragments and their reads: a fragment's bases and alignment, cut into
//! the two reads of a pair, with NM and MD.
//!
//! A fragment is the reference over `[start, end)` with the alt alleles of
//! its haplotype applied: a substitution (SNV, MNV) whenever the fragment
//! holds all of its bases, an indel only when the fragment holds at least
//! one reference base on each side of it, so every fragment (and every
//! read) starts and ends with aligned bases. Reads are the first and
//! last `min(read length, fragment length)` bases (shorter fragments give
//! reads that end at the fragment end: no adapter). A read's CIGAR is the
//! part of the fragment's alignment its bases cover; an insertion cut by
//! the read end becomes a soft clip.

use crate::count::allele::cigar_op::{DEL, INS, MATCH, SOFT_CLIP};
use crate::count::OwnedRead;
use crate::panel::Hotspot;

/// An allele as a reference edit: `[start, end)` (0-based) reads `alt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub start: u64,
    pub end: u64,
    pub alt: Vec<u8>,
}

impl Event {
    /// The edit a VCF-style hotspot describes, with shared leading and
    /// trailing bases trimmed (an SNV is one base, a deletion its deleted
    /// bases).
    pub(crate) fn from_hotspot(h: &Hotspot) -> Event {
        let (mut r, mut a) = (h.ref_allele.as_bytes(), h.alt_allele.as_bytes());
        let mut start = h.pos - 1;
        while !r.is_empty() && !a.is_empty() && r.last() == a.last() {
            r = &r[..r.len() - 1];
            a = &a[..a.len() - 1];
        }
        while !r.is_empty() && !a.is_empty() && r[0] == a[0] {
            r = &r[1..];
            a = &a[1..];
            start += 1;
        }
        Event {
            start,
            end: start + r.len() as u64,
            alt: a.to_vec(),
        }
    }
}

/// Reference bases of one block: `seq[i]` is position `start + i`.
#[derive(Debug, Clone, Copy)]
pub struct RefSpan<'a> {
    pub start: u64,
    pub seq: &'a [u8],
}

impl RefSpan<'_> {
    #[inline]
    pub fn base(&self, pos: u64) -> u8 {
        self.seq[(pos - self.start) as usize]
    }
    pub fn slice(&self, s: u64, e: u64) -> &[u8] {
        &self.seq[(s - self.start) as usize..(e - self.start) as usize]
    }
}

/// One fragment: its bases (reference orientation) and alignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub start: u64,
    pub end: u64,
    pub seq: Vec<u8>,
    /// CIGAR (BAM encoding) of the whole fragment against the reference.
    pub cigar: Vec<u32>,
    /// The events the fragment carries: indices into the `events` it was
    /// built from (those that fit; empty for most, so no allocation).
    pub carried: Vec<usize>,
}

fn push_op(cigar: &mut Vec<u32>, op: u32, len: u32) {
    if len == 0 {
        return;
    }
    if let Some(last) = cigar.last_mut() {
        if *last & 0xf == op {
            *last += len << 4;
            return;
        }
    }
    cigar.push(len << 4 | op);
}

impl Fragment {
    /// The fragment over reference `[s, e)` carrying `events` (sorted by
    /// start; an event without a reference base on each side inside the
    /// fragment, or overlapping an earlier one, is left out).
    pub fn build(r: &RefSpan, s: u64, e: u64, events: &[&Event]) -> Fragment {
        let mut seq = Vec::with_capacity((e - s) as usize + 32);
        let mut cigar = Vec::with_capacity(4);
        let mut carried = Vec::new();
        let mut cur = s;
        for (i, ev) in events.iter().enumerate() {
            // Substitutions may sit at a fragment end; an indel needs a
            // reference base on each side to be an alignment.
            let fits = if ev.alt.len() as u64 == ev.end - ev.start {
                ev.start >= s && ev.end <= e
            } else {
                ev.start > s && ev.end < e
            };
            if !fits || ev.start < cur {
                continue;
            }
            seq.extend_from_slice(r.slice(cur, ev.start));
            push_op(&mut cigar, MATCH, (ev.start - cur) as u32);
            let ref_len = (ev.end - ev.start) as usize;
            let common = ref_len.min(ev.alt.len());
            seq.extend_from_slice(&ev.alt);
            push_op(&mut cigar, MATCH, common as u32);
            if ref_len > common {
                push_op(&mut cigar, DEL, (ref_len - common) as u32);
            } else if ev.alt.len() > common {
                push_op(&mut cigar, INS, (ev.alt.len() - common) as u32);
            }
            cur = ev.end;
            carried.push(i);
        }
        seq.extend_from_slice(r.slice(cur, e));
        push_op(&mut cigar, MATCH, (e - cur) as u32);
        Fragment {
            start: s,
            end: e,
            seq,
            cigar,
            carried,
        }
    }

    /// Position and CIGAR of the fragment's bases `[qs, qe)`.
    pub fn alignment(&self, qs: usize, qe: usize) -> (u64, Vec<u32>) {
        let mut out: Vec<u32> = Vec::with_capacity(self.cigar.len());
        let (mut q, mut r) = (0usize, self.start);
        let mut pos = None;
        for &c in &self.cigar {
            let (op, len) = (c & 0xf, (c >> 4) as usize);
            match op {
                MATCH => {
                    let (lo, hi) = (q.max(qs), (q + len).min(qe));
                    if lo < hi {
                        if pos.is_none() {
                            pos = Some(r + (lo - q) as u64);
                        }
                        push_op(&mut out, MATCH, (hi - lo) as u32);
                    }
                    q += len;
                    r += len as u64;
                }
                INS => {
                    let (lo, hi) = (q.max(qs), (q + len).min(qe));
                    if lo < hi {
                        push_op(&mut out, INS, (hi - lo) as u32);
                    }
                    q += len;
                }
                DEL => {
                    if pos.is_some() && q > qs && q < qe {
                        push_op(&mut out, DEL, len as u32);
                    }
                    r += len as u64;
                }
                _ => unreachable!("fragments hold M, I and D only"),
            }
        }
        // Insertions at a read end are soft clips.
        if let Some(first) = out.first_mut() {
            if *first & 0xf == INS {
                *first = (*first & !0xf) | SOFT_CLIP;
            }
        }
        if let Some(last) = out.last_mut() {
            if *last & 0xf == INS {
                *last = (*last & !0xf) | SOFT_CLIP;
            }
        }
        // A deletion next to a clip (or an end) is not an alignment.
        while out.len() >= 2
            && out[out.len() - 2] & 0xf == DEL
            && out[out.len() - 1] & 0xf == SOFT_CLIP
        {
            out.remove(out.len() - 2);
        }
        while out.len() >= 2 && out[1] & 0xf == DEL && out[0] & 0xf == SOFT_CLIP {
            out.remove(1);
        }
        (pos.unwrap_or(self.start), out)
    }
}

/// Reference end (exclusive) of an alignment.
pub(crate) fn ref_end(pos: u64, cigar: &[u32]) -> u64 {
    pos + cigar
        .iter()
        .filter(|&&c| matches!(c & 0xf, MATCH | DEL))
        .map(|&c| (c >> 4) as u64)
        .sum::<u64>()
}

pub(crate) use crate::bases::complement;

pub(crate) fn reverse_complement_in_place(s: &mut [u8]) {
    s.reverse();
    s.iter_mut().for_each(|b| *b = complement(*b));
}

/// NM (edit distance) and MD of a read against the reference, as
/// `samtools calmd` computes them (an N never matches).
pub(crate) fn nm_md(read: &OwnedRead, r: &RefSpan) -> (u32, String) {
    let mut nm = 0u32;
    let mut md = String::with_capacity(8);
    let mut run = 0u32;
    let (mut q, mut p) = (0usize, read.start as u64);
    for &c in &read.cigar {
        let (op, len) = (c & 0xf, (c >> 4) as usize);
        match op {
            MATCH => {
                for i in 0..len {
                    let (b, rb) = (read.seq[q + i], r.base(p + i as u64));
                    if b == rb && b != b'N' {
                        run += 1;
                    } else {
                        nm += 1;
                        md.push_str(itoa(run).as_str());
                        md.push(rb as char);
                        run = 0;
                    }
                }
                q += len;
                p += len as u64;
            }
            INS => {
                nm += len as u32;
                q += len;
            }
            SOFT_CLIP => q += len,
            DEL => {
                nm += len as u32;
                md.push_str(itoa(run).as_str());
                md.push('^');
                md.extend(r.slice(p, p + len as u64).iter().map(|&b| b as char));
                run = 0;
                p += len as u64;
            }
            _ => {}
        }
    }
    md.push_str(itoa(run).as_str());
    (nm, md)
}

fn itoa(n: u32) -> String {
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::allele::tests::parse_cigar;

    fn cig(c: &[u32]) -> String {
        c.iter()
            .map(|&x| format!("{}{}", x >> 4, b"MIDNSHP=X"[(x & 0xf) as usize] as char))
            .collect()
    }

    //                 0123456789012345678901234567890123456789
    const REF: &[u8] = b"ACGTACGTAACCCCGGTTAGCATTTTGCAAGCTAGCTAGC";
    fn span() -> RefSpan<'static> {
        RefSpan {
            start: 100,
            seq: REF,
        }
    }

    #[test]
    fn events_from_hotspots() {
        let h = |pos, r: &str, a: &str| Hotspot {
            contig: "c".into(),
            pos,
            ref_allele: r.into(),
            alt_allele: a.into(),
            id: "x".into(),
            gene: String::new(),
            label: String::new(),
            origin: String::new(),
        };
        assert_eq!(
            Event::from_hotspot(&h(5, "A", "G")),
            Event {
                start: 4,
                end: 5,
                alt: b"G".to_vec()
            }
        );
        assert_eq!(
            Event::from_hotspot(&h(5, "ACGT", "A")),
            Event {
                start: 5,
                end: 8,
                alt: vec![]
            }
        );
        assert_eq!(
            Event::from_hotspot(&h(5, "A", "ATT")),
            Event {
                start: 5,
                end: 5,
                alt: b"TT".to_vec()
            }
        );
        assert_eq!(
            Event::from_hotspot(&h(5, "TT", "CC")),
            Event {
                start: 4,
                end: 6,
                alt: b"CC".to_vec()
            }
        );
    }

    #[test]
    fn fragment_with_deletion_and_reads() {
        let r = span();
        let del = Event {
            start: 110,
            end: 114,
            alt: vec![],
        }; // CCCC
        let snv = Event {
            start: 120,
            end: 121,
            alt: b"T".to_vec(),
        };
        let m = Fragment::build(&r, 102, 130, &[&del, &snv]);
        assert_eq!(cig(&m.cigar), "8M4D16M");
        assert_eq!(m.seq.len(), 24);
        assert_eq!(&m.seq[..8], b"GTACGTAA");
        assert_eq!(m.seq[8 + 10], b'T');
        // A read ending just before the deletion does not carry it.
        let (pos, c) = m.alignment(0, 8);
        assert_eq!((pos, cig(&c).as_str()), (102, "8M"));
        // A read starting just after it starts after it.
        let (pos, c) = m.alignment(8, 24);
        assert_eq!((pos, cig(&c).as_str()), (114, "16M"));
        let (pos, c) = m.alignment(4, 12);
        assert_eq!((pos, cig(&c).as_str()), (106, "4M4D4M"));
        assert_eq!(ref_end(pos, &c), 118);
        let read = OwnedRead {
            start: pos as i64,
            cigar: c,
            seq: m.seq[4..12].to_vec(),
            qual: vec![30; 8],
        };
        assert_eq!(nm_md(&read, &r), (4, "4^CCCC4".to_string()));
        // Indels touching the fragment ends are left out; substitutions are not.
        let m2 = Fragment::build(&r, 110, 130, &[&del]);
        assert_eq!(cig(&m2.cigar), "20M");
        let m3 = Fragment::build(&r, 120, 130, &[&snv]);
        assert_eq!((m3.seq[0], cig(&m3.cigar).as_str()), (b'T', "10M"));
    }

    #[test]
    fn insertion_cut_by_a_read_end_is_clipped() {
        let r = span();
        let ins = Event {
            start: 110,
            end: 110,
            alt: b"GGG".to_vec(),
        };
        let m = Fragment::build(&r, 100, 120, &[&ins]);
        assert_eq!(cig(&m.cigar), "10M3I10M");
        assert_eq!(cig(&m.alignment(0, 12).1), "10M2S");
        let (pos, c) = m.alignment(11, 23);
        assert_eq!((pos, cig(&c).as_str()), (110, "2S10M"));
        assert_eq!(cig(&m.alignment(5, 18).1), "5M3I5M");
    }

    #[test]
    fn md_with_mismatches_after_deletion() {
        let r = span();
        // ref 100..: ACGTACGTAA
        let read = OwnedRead {
            start: 100,
            cigar: parse_cigar("2M2D3M"),
            seq: b"ACTCG".to_vec(),
            qual: vec![30; 5],
        };
        // after ^GT the next ref base A(104) is read T: "0A".
        assert_eq!(nm_md(&read, &r), (3, "2^GT0A2".to_string()));
        let mut s = b"AACG".to_vec();
        reverse_complement_in_place(&mut s);
        assert_eq!(s, b"CGTT");
    }
}
