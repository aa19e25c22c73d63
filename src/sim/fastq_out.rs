//! FASTQ output, BGZF-compressed (gzip-compatible, so `NAME_R1.fastq.gz`
//! opens with zcat and any FASTQ reader, and can be indexed by `bgzip -r`).
//!
//! Each chunk of reads is formatted and compressed by the worker that made
//! it (BGZF blocks of at most 65,280 bytes, compressed by htslib's
//! libdeflate-backed `bgzf_compress`), so compression runs in parallel and
//! the bytes do not depend on the thread count. The writer only appends
//! blocks in order and ends with the BGZF end-of-file block.

use std::io::Write;

/// Uncompressed bytes per BGZF block (htslib's BGZF_BLOCK_SIZE).
const BLOCK: usize = 0xff00;
/// Largest BGZF block (htslib's BGZF_MAX_BLOCK_SIZE).
const MAX_BLOCK: usize = 0x10000;

/// The 28-byte empty block that ends a BGZF file.
pub(crate) const BGZF_EOF: [u8; 28] = [
    0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 0x42, 0x43, 0x02, 0, 0x1b, 0, 0x03, 0, 0,
    0, 0, 0, 0, 0, 0, 0,
];

/// Append one FASTQ record (`mate` 1 or 2) with Phred+33 qualities.
pub(crate) fn push_record(buf: &mut Vec<u8>, qname: &str, mate: u8, seq: &[u8], qual: &[u8]) {
    buf.push(b'@');
    buf.extend_from_slice(qname.as_bytes());
    buf.extend_from_slice(if mate == 1 { b" 1:N:0\n" } else { b" 2:N:0\n" });
    buf.extend_from_slice(seq);
    buf.extend_from_slice(b"\n+\n");
    buf.extend(qual.iter().map(|q| q + 33));
    buf.push(b'\n');
}

/// BGZF-compress `data` at `level` (0–9), appending the blocks to `out`.
pub(crate) fn compress(data: &[u8], level: u32, out: &mut Vec<u8>) {
    let mut dst = vec![0u8; MAX_BLOCK];
    for piece in data.chunks(BLOCK) {
        let mut level = level as i32;
        loop {
            let mut dlen = dst.len();
            // SAFETY: `dst` holds MAX_BLOCK bytes, the most a BGZF block can
            // take, `dlen` says so; `piece` is at most BLOCK bytes. htslib
            // writes at most `dlen` bytes and stores the length written.
            let rc = unsafe {
                rust_htslib::htslib::bgzf_compress(
                    dst.as_mut_ptr().cast(),
                    &mut dlen,
                    piece.as_ptr().cast(),
                    piece.len(),
                    level,
                )
            };
            if rc == 0 {
                out.extend_from_slice(&dst[..dlen]);
                break;
            }
            // Incompressible data may not fit a block; store it instead.
            assert!(level != 0, "bgzf_compress failed even uncompressed");
            level = 0;
        }
    }
}

/// Write the end-of-file block.
pub fn finish<W: Write>(mut w: W) -> std::io::Result<()> {
    w.write_all(&BGZF_EOF)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn blocks_are_gzip_members() {
        let mut text = Vec::new();
        for i in 0..3000 {
            push_record(
                &mut text,
                &format!("r{i}"),
                1,
                b"ACGTN",
                &[30, 30, 2, 41, 0],
            );
        }
        assert!(text.starts_with(b"@r0 1:N:0\nACGTN\n+\n??#J!\n"));
        let mut z = Vec::new();
        compress(&text, 1, &mut z);
        finish(&mut z).unwrap();
        let mut back = Vec::new();
        flate2::read::MultiGzDecoder::new(&z[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, text);
        assert!(text.len() > BLOCK, "spans several blocks");
    }
}
