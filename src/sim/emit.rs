//! The last stage of a chunk: a sequenced read pair becomes two FASTQ
//! records (read 1 and read 2 as sequenced) and two BAM records (in
//! reference orientation, placed where the fragment was drawn: FR, proper
//! pair, TLEN, NM/MD, read group, and `RX`/`MI` with `--umi`), each with
//! the key that sorts the block's records.

use super::fastq_out;
use super::fragment::Drawn;
use super::library::Copy;
use super::reads::{self, RefSpan};
use super::sequencing::ReadPair;
use super::{bam_out, CHUNK};
use crate::count::{flag, OwnedRead};
use rust_htslib::bam;

/// Sort key of a record: (position, fragment, copy, mate). Unique, so the
/// block's order does not depend on the sort.
pub(crate) type SortKey = (i64, u64, u32, u8);

/// What one chunk has emitted so far.
pub(crate) struct Emitted {
    pub records: Vec<bam::Record>,
    pub keys: Vec<SortKey>,
    /// Uncompressed FASTQ text of R1 and R2.
    pub text: [Vec<u8>; 2],
    pub pairs: u64,
}

impl Emitted {
    /// Room for about `pairs` read pairs.
    pub fn with_capacity(pairs: usize) -> Emitted {
        Emitted {
            records: Vec::with_capacity(2 * pairs),
            keys: Vec::with_capacity(2 * pairs),
            text: [
                Vec::with_capacity(700 * CHUNK as usize),
                Vec::with_capacity(700 * CHUNK as usize),
            ],
            pairs: 0,
        }
    }

    /// Emit copy `c` of fragment `m` (reads as `pair` gives them) on
    /// contig `tid` of the header, in read group `read_group`.
    #[allow(clippy::too_many_arguments)]
    pub fn pair(
        &mut self,
        span: &RefSpan,
        drawn: &Drawn,
        copy: &Copy,
        pair: ReadPair,
        tid: i32,
        read_group: &str,
        (m, c): (u64, u32),
    ) {
        let ReadPair {
            left: (lseq, lq),
            right: (mut rseq, mut rq),
        } = pair;
        let (fq1, fq2) = if copy.r1_left {
            ((&lseq, &lq), (&rseq, &rq))
        } else {
            ((&rseq, &rq), (&lseq, &lq))
        };
        fastq_out::push_record(&mut self.text[0], &copy.qname, 1, fq1.0, fq1.1);
        fastq_out::push_record(&mut self.text[1], &copy.qname, 2, fq2.0, fq2.1);
        // Back to reference orientation for the BAM.
        reads::reverse_complement_in_place(&mut rseq);
        rq.reverse();
        let (lpos, rpos) = (drawn.left.0, drawn.right.0);
        let left = OwnedRead {
            start: lpos as i64,
            cigar: drawn.left.1.clone(),
            seq: lseq,
            qual: lq,
        };
        let right = OwnedRead {
            start: rpos as i64,
            cigar: drawn.right.1.clone(),
            seq: rseq,
            qual: rq,
        };
        let tlen = (drawn.frag.end - drawn.frag.start) as i64;
        let dup = if copy.duplicate { flag::DUPLICATE } else { 0 };
        let base = flag::PAIRED | flag::PROPER_PAIR | dup;
        let (l_mate, r_mate) = if copy.r1_left {
            (flag::READ1, flag::READ2)
        } else {
            (flag::READ2, flag::READ1)
        };
        for (k, (read, flags, mpos, tl)) in [
            (&left, base | flag::MATE_REVERSE | l_mate, rpos, tlen),
            (&right, base | flag::REVERSE | r_mate, lpos, -tlen),
        ]
        .into_iter()
        .enumerate()
        {
            let (nm, md) = reads::nm_md(read, span);
            let info = bam_out::RecordInfo {
                qname: &copy.qname,
                tid,
                flags,
                mpos: mpos as i64,
                tlen: tl,
                nm,
                md: &md,
                read_group,
                rx: copy.rx.as_deref(),
                mi: copy.mi.as_deref(),
            };
            self.keys.push((read.start, m, c, k as u8));
            self.records.push(bam_out::record(read, &info));
        }
        self.pairs += 1;
    }
}
