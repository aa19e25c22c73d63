//! Placing one read on the panel's windows: seed, check ungapped, align
//! with gaps only when the ungapped placement does not explain the read.
//!
//! 1. **Seed.** The read's k-mers at four offsets (start, one third, two
//!    thirds, end) are looked up in the index of both strands; a read none
//!    of whose probes hits is not from the panel's windows and costs four
//!    hash look-ups. Hits vote for a (strand, diagonal).
//! 2. **Ungapped.** The read is compared base by base with the window on
//!    the winning diagonal (a panel allele's alt base counts as a match, so
//!    alt and ref reads are placed alike), scored like a local alignment
//!    (match +1, mismatch −4, N −1) and clipped to its best-scoring segment.
//!    A read explained end to end with at most two mismatches is done.
//! 3. **Gapped.** Otherwise a banded local alignment with affine gaps
//!    (bwa-mem's scores: open 6, extend 1) runs around the diagonal, wide
//!    enough for the longest indel of the window's hotspots and for every
//!    diagonal the seeds voted for.
//!
//! Ends that do not pay for themselves are soft-clipped (local alignment),
//! so a read never claims aligned bases it cannot place: a read whose end
//! is too short to tell an indel from the reference does not span the
//! allele and is not counted there.

use super::index::{complement, PanelIndex, Window, K};
use crate::bases::{CODES, NO_CODE};
use crate::count::allele::cigar_op::{DEL, INS, MATCH, SOFT_CLIP};
use crate::count::allele::AlignedRead;

const MATCH_SCORE: i32 = 1;
const MISMATCH: i32 = -4;
const N_SCORE: i32 = -1;
const GAP_OPEN: i32 = 6;
const GAP_EXTEND: i32 = 1;
/// A placement must score at least this (≈ this many net matching bases).
pub const MIN_SCORE: i32 = 30;
/// Diagonals farther than this from the seed diagonal are not tried.
pub(crate) const MAX_BAND: i64 = 64;

/// One read placed on a window: everything the allele classifier needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// Index of the window in [`PanelIndex::windows`].
    pub window: u32,
    /// 0-based reference position of the first aligned base.
    pub ref_start: i64,
    /// Reference end (exclusive) of the aligned bases.
    pub ref_end: i64,
    /// BAM-encoded CIGAR, soft clips included.
    pub cigar: Vec<u32>,
    /// Bases in reference orientation (reverse-complemented for `reverse`).
    pub seq: Vec<u8>,
    /// Phred qualities in reference orientation.
    pub qual: Vec<u8>,
    /// The read maps to the reverse strand.
    pub reverse: bool,
    /// Alignment score.
    pub score: i32,
}

impl Placement {
    fn clip(&self, first: bool) -> i64 {
        let c = if first {
            self.cigar.first()
        } else {
            self.cigar.last()
        };
        match c {
            Some(&c) if c & 0xf == SOFT_CLIP => (c >> 4) as i64,
            _ => 0,
        }
    }
    /// Start of the read on the reference had its clipped bases aligned.
    pub fn unclipped_start(&self) -> i64 {
        self.ref_start - self.clip(true)
    }
    /// End (exclusive) of the read on the reference had its clipped bases
    /// aligned.
    pub fn unclipped_end(&self) -> i64 {
        self.ref_end + self.clip(false)
    }
}

// Not an `OwnedRead` inside: see that type for why a placement keeps its
// own fields.
impl AlignedRead for Placement {
    fn ref_start(&self) -> i64 {
        self.ref_start
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

/// Fragment length from two mates' placements, as a proper pair's |TLEN|
/// would give it: both on one window, on opposite strands, facing each
/// other; from the forward mate's 5' end to the reverse mate's 5' end
/// (clipped bases counted, so an error at a read end does not shorten it).
pub fn fragment_length(a: &Placement, b: &Placement) -> Option<u32> {
    if a.window != b.window || a.reverse == b.reverse {
        return None;
    }
    let (f, r) = if a.reverse { (b, a) } else { (a, b) };
    let (s, e) = (f.unclipped_start(), r.unclipped_end());
    if e <= s {
        return None;
    }
    u32::try_from(e - s).ok()
}

/// Reusable scratch space for placing reads (one per worker).
#[derive(Debug, Default)]
pub struct Placer {
    votes: Vec<(bool, usize, i64, u32)>,
    dp_h: Vec<i32>,
    dp_e: Vec<i32>,
    dp_f: Vec<i32>,
    trace: Vec<u8>,
    known: Vec<u8>,
    ops: Vec<u32>,
}

/// The k-mer at `off`, `None` when it holds a base other than A/C/G/T.
#[inline]
fn kmer_at(seq: &[u8], off: usize) -> Option<u32> {
    let (mut k, mut any) = (0u32, 0u8);
    for &b in &seq[off..off + K] {
        let c = CODES[b as usize];
        // Codes are 0..=3, so one NO_CODE among them shows in the OR.
        any |= c;
        k = k << 2 | (c & 3) as u32;
    }
    (any < NO_CODE).then_some(k)
}

/// A read base against a window base: a match (or a panel alt allele
/// there) scores +1, N or any other non-base −1, a mismatch −4.
#[inline]
fn score_base(read: u8, refb: u8, alt_ok: u8) -> i32 {
    let (r, f) = (CODES[read as usize], CODES[refb as usize]);
    if r >= NO_CODE || f >= NO_CODE {
        N_SCORE
    } else if r == f || alt_ok >> r & 1 != 0 {
        MATCH_SCORE
    } else {
        MISMATCH
    }
}

fn push_op(cigar: &mut Vec<u32>, op: u32, len: u32) {
    if len == 0 {
        return;
    }
    match cigar.last_mut() {
        Some(last) if *last & 0xf == op => *last += len << 4,
        _ => cigar.push(len << 4 | op),
    }
}

// Trace bits: H source (0 start, 1 diagonal, 2 from E, 3 from F, 4 a
// known panel indel); E and F extended (rather than opened).
const T_SRC: u8 = 7;
const T_DIAG: u8 = 1;
const T_E: u8 = 2;
const T_F: u8 = 3;
const T_KNOWN: u8 = 4;
const E_EXT: u8 = 8;
const F_EXT: u8 = 16;
/// What a hotspot's own indel costs in a placement: nothing beyond the
/// bases it leaves unmatched. An aligner's gap penalty (6 + 1/bp) would
/// clip a 15 bp deletion's read whose end lies within ~20 bp of it, which
/// the BAM it is compared with (a truthful one) still counts. A tie with
/// the ungapped path goes to the ungapped path.
const KNOWN_COST: i32 = 0;

impl Placer {
    /// Place `seq` (upper-case ASCII) with Phred+33 `qual`; `None` when the
    /// read is not from the windows or places too poorly.
    pub fn place(&mut self, index: &PanelIndex, seq: &[u8], qual: &[u8]) -> Option<Placement> {
        let len = seq.len();
        if len < K + 4 {
            return None;
        }
        // 1. Seeds.
        self.votes.clear();
        let last = len - K;
        for off in [0, last / 3, 2 * last / 3, last] {
            let Some(hit) = kmer_at(seq, off).and_then(|k| index.table.get(k)) else {
                continue;
            };
            let Some(w) = index.window_at(hit.pos as u64) else {
                continue;
            };
            let local = hit.pos as i64 - index.windows[w].offset as i64;
            let diag = if hit.reverse {
                local - (len - off - K) as i64
            } else {
                local - off as i64
            };
            match self
                .votes
                .iter_mut()
                .find(|v| v.0 == hit.reverse && v.1 == w && v.2 == diag)
            {
                Some(v) => v.3 += 1,
                None => self.votes.push((hit.reverse, w, diag, 1)),
            }
        }
        let &(reverse, wi, diag, _) = self.votes.iter().fold(
            None,
            |best: Option<&(bool, usize, i64, u32)>, v| match best {
                Some(b) if b.3 >= v.3 => Some(b),
                _ => Some(v),
            },
        )?;
        // The read in reference orientation.
        let mut read: Vec<u8> = Vec::with_capacity(len);
        let mut q: Vec<u8> = Vec::with_capacity(len);
        if reverse {
            read.extend(seq.iter().rev().map(|&b| complement(b)));
            q.extend(qual.iter().rev().map(|&c| c - 33));
        } else {
            read.extend_from_slice(seq);
            q.extend(qual.iter().map(|&c| c - 33));
        }
        // The diagonals the other seeds voted for, so that the gapped step
        // can reach them.
        let (mut vlo, mut vhi) = (diag, diag);
        for v in &self.votes {
            if v.0 == reverse && v.1 == wi && (v.2 - diag).abs() <= MAX_BAND {
                vlo = vlo.min(v.2 - 4);
                vhi = vhi.max(v.2 + 4);
            }
        }
        let mut p = self.align_on(&index.windows[wi], read, q, diag, (vlo, vhi))?;
        p.window = wi as u32;
        p.reverse = reverse;
        Some(p)
    }

    /// Steps 2 and 3 for a read already in reference orientation (`read`,
    /// with Phred `q`), whose seeds put it on diagonal `diag` of `window`
    /// (window position of its first base); the gapped step's band also
    /// reaches the diagonals `band.0..=band.1`. BAM mode re-places a clipped
    /// read through this too (`count::reclip`), with the diagonal its
    /// alignment gives. The placement's `window` is 0 and `reverse` false:
    /// the caller knows better.
    pub fn align_on(
        &mut self,
        window: &Window,
        read: Vec<u8>,
        q: Vec<u8>,
        diag: i64,
        band: (i64, i64),
    ) -> Option<Placement> {
        let len = read.len();
        // 2. Ungapped, clipped to the best segment (Kadane).
        let wlen = window.seq.len() as i64;
        let mut mismatches = 0;
        let (mut best, mut best_s, mut best_e) = (0i32, 0usize, 0usize);
        let (mut run, mut run_s) = (0i32, 0usize);
        for (i, &b) in read.iter().enumerate() {
            let j = diag + i as i64;
            let s = if j < 0 || j >= wlen {
                MISMATCH
            } else {
                score_base(b, window.seq[j as usize], window.alt_ok[j as usize])
            };
            mismatches += (s == MISMATCH) as u32;
            if run <= 0 {
                run = 0;
                run_s = i;
            }
            run += s;
            if run > best {
                best = run;
                best_s = run_s;
                best_e = i + 1;
            }
        }
        let clean = best_s == 0 && best_e == len && mismatches <= 2;
        let (score, qs, qe, rs) = if clean {
            let mut cigar = std::mem::take(&mut self.ops);
            cigar.clear();
            cigar.push((len as u32) << 4 | MATCH);
            self.ops = cigar;
            (best, 0usize, len, diag)
        } else {
            // 3. Banded local alignment around the voted diagonals.
            let pad = (window.max_indel as i64 + 4).max(8);
            let (lo, hi) = ((diag - pad).min(band.0), (diag + pad).max(band.1));
            let (score, qs, qe, rs) = self.banded(&read, window, lo, hi);
            if score < best {
                // Cannot happen (the band holds the ungapped diagonal); keep
                // the ungapped segment if it ever does.
                self.ops.clear();
                self.ops.push(((best_e - best_s) as u32) << 4 | MATCH);
                (best, best_s, best_e, diag + best_s as i64)
            } else {
                (score, qs, qe, rs)
            }
        };
        if score < MIN_SCORE {
            return None;
        }
        let mut cigar = Vec::with_capacity(self.ops.len() + 2);
        push_op(&mut cigar, SOFT_CLIP, qs as u32);
        for &op in &self.ops {
            push_op(&mut cigar, op & 0xf, op >> 4);
        }
        push_op(&mut cigar, SOFT_CLIP, (len - qe) as u32);
        let ref_len: i64 = self
            .ops
            .iter()
            .filter(|&&c| matches!(c & 0xf, MATCH | DEL))
            .map(|&c| (c >> 4) as i64)
            .sum();
        Some(Placement {
            window: 0,
            ref_start: window.start + rs,
            ref_end: window.start + rs + ref_len,
            cigar,
            seq: read,
            qual: q,
            reverse: false,
            score,
        })
    }

    /// Banded local alignment (Gotoh) of `read` against the window on
    /// diagonals `lo..=hi` (window position minus read position). Leaves the
    /// aligned part's CIGAR (M, I, D) in `self.ops`; returns (score, read
    /// start, read end, window start).
    fn banded(
        &mut self,
        read: &[u8],
        window: &Window,
        lo: i64,
        hi: i64,
    ) -> (i32, usize, usize, i64) {
        const NEG: i32 = i32::MIN / 4;
        let len = read.len();
        let width = (hi - lo + 1) as usize;
        let wlen = window.seq.len() as i64;
        // Cell (i, b): i read bases consumed, j = i + lo + b window bases.
        let cells = (len + 1) * width;
        for v in [&mut self.dp_h, &mut self.dp_e, &mut self.dp_f] {
            v.clear();
            v.resize(cells, NEG);
        }
        self.trace.clear();
        self.trace.resize(cells, 0);
        self.known.clear();
        self.known.resize(cells, 0);
        let (h, e, f, t, kn) = (
            &mut self.dp_h,
            &mut self.dp_e,
            &mut self.dp_f,
            &mut self.trace,
            &mut self.known,
        );
        let events = &window.events[..window.events.len().min(255)];
        let mut best = (0i32, 0usize, 0usize); // score, i, b
        for i in 0..=len {
            for b in 0..width {
                let j = i as i64 + lo + b as i64;
                if j < 0 || j > wlen {
                    continue;
                }
                let c = i * width + b;
                if i == 0 || j == 0 {
                    h[c] = 0;
                    continue;
                }
                // E: deletion (window advances), from (i, b-1).
                if b > 0 {
                    let p = c - 1;
                    let open = h[p] - GAP_OPEN - GAP_EXTEND;
                    let ext = e[p] - GAP_EXTEND;
                    if ext > open {
                        e[c] = ext;
                        t[c] |= E_EXT;
                    } else {
                        e[c] = open;
                    }
                }
                // F: insertion (read advances), from (i-1, b+1).
                if b + 1 < width {
                    let p = c - width + 1;
                    let open = h[p] - GAP_OPEN - GAP_EXTEND;
                    let ext = f[p] - GAP_EXTEND;
                    if ext > open {
                        f[c] = ext;
                        t[c] |= F_EXT;
                    } else {
                        f[c] = open;
                    }
                }
                let ju = (j - 1) as usize;
                let d = h[c - width] + score_base(read[i - 1], window.seq[ju], window.alt_ok[ju]);
                let mut v = 0;
                let mut src = 0u8;
                if d > v {
                    v = d;
                    src = T_DIAG;
                }
                if e[c] > v {
                    v = e[c];
                    src = T_E;
                }
                if f[c] > v {
                    v = f[c];
                    src = T_F;
                }
                for (k, ev) in events.iter().enumerate() {
                    let from = if ev.deletion {
                        // Window bases j-len..j deleted, inside the region.
                        (b >= ev.len && j - ev.len as i64 >= ev.lo && j <= ev.hi)
                            .then(|| c - ev.len)
                    } else {
                        // Read bases i-len..i inserted before window base j.
                        (i >= ev.len && b + ev.len < width && j >= ev.lo && j <= ev.hi)
                            .then(|| c - ev.len * width + ev.len)
                    };
                    if let Some(p) = from {
                        if h[p] > NEG && h[p] - KNOWN_COST > v {
                            v = h[p] - KNOWN_COST;
                            src = T_KNOWN;
                            kn[c] = k as u8;
                        }
                    }
                }
                h[c] = v;
                t[c] |= src;
                if v > best.0 {
                    best = (v, i, b);
                }
            }
        }
        // Trace back.
        self.ops.clear();
        let (score, qe, be) = best;
        let (mut i, mut b) = (qe, be);
        let mut state = t[i * width + b] & T_SRC;
        let mut rev_ops: Vec<u32> = Vec::new();
        while i > 0 {
            let c = i * width + b;
            match state {
                T_DIAG => {
                    rev_ops.push(MATCH);
                    i -= 1;
                    state = t[i * width + b] & T_SRC;
                }
                T_KNOWN => {
                    let ev = events[kn[c] as usize];
                    for _ in 0..ev.len {
                        rev_ops.push(if ev.deletion { DEL } else { INS });
                    }
                    if ev.deletion {
                        b -= ev.len;
                    } else {
                        i -= ev.len;
                        b += ev.len;
                    }
                    state = t[i * width + b] & T_SRC;
                }
                T_E => {
                    rev_ops.push(DEL);
                    let ext = t[c] & E_EXT != 0;
                    b -= 1;
                    state = if ext { T_E } else { t[i * width + b] & T_SRC };
                }
                T_F => {
                    rev_ops.push(INS);
                    let ext = t[c] & F_EXT != 0;
                    i -= 1;
                    b += 1;
                    state = if ext { T_F } else { t[i * width + b] & T_SRC };
                }
                _ => break,
            }
        }
        let qs = i;
        let rs = i as i64 + lo + b as i64;
        for &op in rev_ops.iter().rev() {
            push_op(&mut self.ops, op, 1);
        }
        (score, qs, qe, rs)
    }
}
