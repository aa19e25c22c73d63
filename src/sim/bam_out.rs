//! The simulated BAM: header and records, written with rust-htslib.
//!
//! Records are built by the workers (in parallel) and handed to one
//! `bam::Writer` in coordinate order; htslib's own thread pool compresses.
//! BGZF block boundaries follow from the record bytes alone, so the file is
//! the same for any thread count (checked by the tests).

use super::reads::SimRead;
use crate::count::allele::cigar_op::{DEL, INS, MATCH, SOFT_CLIP};
use rust_htslib::bam::header::HeaderRecord;
use rust_htslib::bam::record::{Aux, Cigar, CigarString};
use rust_htslib::bam::{self, Header};

/// The header: `@HD SO:coordinate`, one `@SQ` per contig, `@RG` with
/// `SM:NAME`, `@PG` with the command line (without -@/--out-dir, which do
/// not change the output), and a comment saying what made the file.
pub fn header(contigs: &[(String, u64)], name: &str, command_line: &str) -> Header {
    let mut h = Header::new();
    h.push_record(
        HeaderRecord::new(b"HD")
            .push_tag(b"VN", "1.6")
            .push_tag(b"SO", "coordinate"),
    );
    for (c, len) in contigs {
        h.push_record(
            HeaderRecord::new(b"SQ")
                .push_tag(b"SN", c)
                .push_tag(b"LN", len),
        );
    }
    h.push_record(
        HeaderRecord::new(b"RG")
            .push_tag(b"ID", name)
            .push_tag(b"SM", name)
            .push_tag(b"LB", name)
            .push_tag(b"PL", "ILLUMINA"),
    );
    h.push_record(
        HeaderRecord::new(b"PG")
            .push_tag(b"ID", "cfspot")
            .push_tag(b"PN", "cfspot")
            .push_tag(b"VN", env!("CARGO_PKG_VERSION"))
            .push_tag(b"CL", command_line),
    );
    h.push_comment(
        b"Simulated cfDNA by cfspot simulate: reads are placed where they were drawn (no aligner), \
          PCR duplicates after the first copy are flagged 0x400. Not for clinical use.",
    );
    h
}

fn cigar_string(cigar: &[u32]) -> CigarString {
    CigarString(
        cigar
            .iter()
            .map(|&c| {
                let len = c >> 4;
                match c & 0xf {
                    MATCH => Cigar::Match(len),
                    INS => Cigar::Ins(len),
                    DEL => Cigar::Del(len),
                    SOFT_CLIP => Cigar::SoftClip(len),
                    _ => unreachable!("simulated reads hold M, I, D and S only"),
                }
            })
            .collect(),
    )
}

/// Everything about one record except the read itself.
pub struct RecordInfo<'a> {
    pub qname: &'a str,
    pub tid: i32,
    pub flags: u16,
    pub mpos: i64,
    pub tlen: i64,
    pub nm: u32,
    pub md: &'a str,
    pub read_group: &'a str,
    pub rx: Option<&'a str>,
    pub mi: Option<&'a str>,
}

pub fn record(read: &SimRead, info: &RecordInfo) -> bam::Record {
    let mut r = bam::Record::new();
    r.set(
        info.qname.as_bytes(),
        Some(&cigar_string(&read.cigar)),
        &read.seq,
        &read.qual,
    );
    r.set_tid(info.tid);
    r.set_pos(read.pos as i64);
    r.set_mapq(60);
    r.set_flags(info.flags);
    r.set_mtid(info.tid);
    r.set_mpos(info.mpos);
    r.set_insert_size(info.tlen);
    // Tags cannot fail here: each is new and well-formed.
    let nm = if info.nm <= u8::MAX as u32 {
        Aux::U8(info.nm as u8)
    } else {
        Aux::U32(info.nm)
    };
    let _ = r.push_aux(b"NM", nm);
    let _ = r.push_aux(b"MD", Aux::String(info.md));
    let _ = r.push_aux(b"RG", Aux::String(info.read_group));
    if let Some(rx) = info.rx {
        let _ = r.push_aux(b"RX", Aux::String(rx));
    }
    if let Some(mi) = info.mi {
        let _ = r.push_aux(b"MI", Aux::String(mi));
    }
    r
}
