//! Telling gzip (and its BGZF form) from a file's first bytes, for the
//! readers that accept plain and compressed files alike, and reading BGZF
//! fast.

use flate2::read::MultiGzDecoder;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};

/// Reads into `buf` until it is full or the input ends, retrying on
/// interruption; returns how many bytes were read. (One `read` call may
/// return fewer bytes than are there, which would misjudge a short magic.)
pub(crate) fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// True when `bytes` start with the gzip magic.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// BGZF: gzip with FEXTRA and a `BC` subfield (needs the first 14 bytes).
pub(crate) fn is_bgzf(bytes: &[u8]) -> bool {
    bytes.len() >= 14
        && is_gzip(bytes)
        && bytes[2] == 8
        && bytes[3] & 4 != 0
        && bytes[12] == b'B'
        && bytes[13] == b'C'
}

/// Largest BGZF block, compressed or not (BSIZE and ISIZE fit 16 bits).
const BGZF_BLOCK: usize = 1 << 16;

/// Reads BGZF one whole block at a time through libdeflate, as htslib
/// does: each block's header gives its size, libdeflate inflates it in one
/// call and checks its CRC-32 (faster than streaming it through flate2:
/// benches/fastq_parse.rs, benches/RESULTS.md).
///
/// A gzip member that is not a BGZF block (an ordinary gzip file appended
/// to a BGZF one, say) hands the rest of the input to flate2's
/// `MultiGzDecoder`, so every gzip file reads as before. Damaged data is
/// `InvalidData`, a file cut short `UnexpectedEof`.
pub struct BgzfReader<R: Read> {
    src: Source<R>,
    dec: libdeflater::Decompressor,
    /// One compressed block.
    block: Vec<u8>,
    /// Its contents; `out[pos..len]` not yet consumed.
    out: Vec<u8>,
    pos: usize,
    len: usize,
}

/// The rest of the input after a member that is not BGZF, the bytes of it
/// already read first, through flate2.
type GzipRest<R> = BufReader<MultiGzDecoder<Chain<Cursor<Vec<u8>>, R>>>;

enum Source<R: Read> {
    Bgzf(R),
    Gzip(Box<GzipRest<R>>),
    /// Only while switching from one to the other.
    Switching,
}

impl<R: Read> BgzfReader<R> {
    pub fn new(inner: R) -> Self {
        BgzfReader {
            src: Source::Bgzf(inner),
            dec: libdeflater::Decompressor::new(),
            block: vec![0; BGZF_BLOCK],
            out: vec![0; BGZF_BLOCK],
            pos: 0,
            len: 0,
        }
    }

    /// Inflate the next block into `out`; `Ok(false)` at the end of the
    /// input, or when the rest is not BGZF (`src` is then `Gzip`).
    fn next_block(&mut self) -> io::Result<bool> {
        let Source::Bgzf(inner) = &mut self.src else {
            return Ok(false);
        };
        let got = read_up_to(inner, &mut self.block[..12])?;
        if got == 0 {
            return Ok(false);
        }
        let mut seen = got;
        let mut bsize = None;
        let xlen = u16::from_le_bytes([self.block[10], self.block[11]]) as usize;
        if got == 12 && self.block[..4] == [0x1f, 0x8b, 8, 4] {
            inner.read_exact(&mut self.block[12..12 + xlen])?;
            seen = 12 + xlen;
            // The BC subfield holds the block's size less one.
            let mut extra = &self.block[12..seen];
            while extra.len() >= 4 {
                let slen = u16::from_le_bytes([extra[2], extra[3]]) as usize;
                if extra[..2] == *b"BC" && slen == 2 && extra.len() >= 6 {
                    bsize = Some(u16::from_le_bytes([extra[4], extra[5]]) as usize + 1);
                }
                extra = &extra[(4 + slen).min(extra.len())..];
            }
        }
        let Some(bsize) = bsize.filter(|&b| b >= seen + 8) else {
            // Not a BGZF block: flate2 reads on from here, these bytes first.
            let head = Cursor::new(self.block[..seen].to_vec());
            let Source::Bgzf(inner) = std::mem::replace(&mut self.src, Source::Switching) else {
                unreachable!()
            };
            self.src = Source::Gzip(Box::new(BufReader::with_capacity(
                1 << 20,
                MultiGzDecoder::new(head.chain(inner)),
            )));
            return Ok(false);
        };
        inner.read_exact(&mut self.block[seen..bsize])?;
        let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
        let isize = u32::from_le_bytes(self.block[bsize - 4..bsize].try_into().unwrap()) as usize;
        if isize > BGZF_BLOCK {
            return Err(bad(format!(
                "a BGZF block claims {isize} bytes (at most {BGZF_BLOCK})"
            )));
        }
        let n = self
            .dec
            .gzip_decompress(&self.block[..bsize], &mut self.out[..isize])
            .map_err(|e| bad(format!("BGZF block: {e}")))?;
        if n != isize {
            return Err(bad(format!(
                "a BGZF block holds {n} bytes, its trailer says {isize}"
            )));
        }
        (self.pos, self.len) = (0, n);
        Ok(true)
    }
}

impl<R: Read> BufRead for BgzfReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        // Empty blocks (the EOF marker) are skipped.
        while self.pos == self.len && self.next_block()? {}
        if matches!(self.src, Source::Gzip(_)) {
            let Source::Gzip(rest) = &mut self.src else {
                unreachable!()
            };
            return rest.fill_buf();
        }
        Ok(&self.out[self.pos..self.len])
    }

    fn consume(&mut self, n: usize) {
        match &mut self.src {
            Source::Gzip(rest) => rest.consume(n),
            _ => self.pos += n,
        }
    }
}

impl<R: Read> Read for BgzfReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic() {
        assert!(is_gzip(&[0x1f, 0x8b, 8]));
        assert!(!is_gzip(&[0x1f]));
        assert!(!is_bgzf(&[0x1f, 0x8b, 8, 0]));
        let mut r = &b"abc"[..];
        let mut buf = [0u8; 8];
        assert_eq!(read_up_to(&mut r, &mut buf).unwrap(), 3);
    }

    /// BGZF blocks of `chunks`, then the EOF marker block.
    fn bgzf(chunks: &[&[u8]]) -> Vec<u8> {
        let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(1).unwrap());
        let mut out = Vec::new();
        for data in chunks.iter().copied().chain([&b""[..]]) {
            let mut deflated = vec![0; c.deflate_compress_bound(data.len())];
            let n = c.deflate_compress(data, &mut deflated).unwrap();
            let bsize = 18 + n + 8;
            out.extend_from_slice(&[
                0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
            ]);
            out.extend_from_slice(&((bsize - 1) as u16).to_le_bytes());
            out.extend_from_slice(&deflated[..n]);
            out.extend_from_slice(&libdeflater::crc32(data).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        }
        out
    }

    fn read_all(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut v = Vec::new();
        BgzfReader::new(bytes).read_to_end(&mut v).map(|_| v)
    }

    #[test]
    fn bgzf_blocks_read_back() {
        let a: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        let (x, y) = a.split_at(40_000);
        let file = bgzf(&[x, b"", y]);
        assert_eq!(read_all(&file).unwrap(), a);
        // Read line by line too (the FASTQ reader's way).
        let mut lines = 0;
        for l in BgzfReader::new(&bgzf(&[b"a\nb", b"c\nd\n"])[..]).lines() {
            l.unwrap();
            lines += 1;
        }
        assert_eq!(lines, 3);
    }

    #[test]
    fn bgzf_then_plain_gzip_reads_on() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut file = bgzf(&[b"first\n"]);
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"second\n").unwrap();
        file.extend(enc.finish().unwrap());
        file.extend(bgzf(&[b"third\n"]));
        assert_eq!(read_all(&file).unwrap(), b"first\nsecond\nthird\n");
    }

    #[test]
    fn bgzf_damage_is_an_error() {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 13) as u8 + b'a').collect();
        let file = bgzf(&[&data]);
        let cut = read_all(&file[..file.len() / 2]).unwrap_err();
        assert_eq!(cut.kind(), io::ErrorKind::UnexpectedEof, "{cut}");
        let mut flipped = file.clone();
        flipped[100] ^= 0x55;
        let e = read_all(&flipped).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
    }
}
