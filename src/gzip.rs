//! Telling gzip (and its BGZF form) from a file's first bytes, for the
//! readers that accept plain and compressed files alike.

use std::io::Read;

/// Reads into `buf` until it is full or the input ends, retrying on
/// interruption; returns how many bytes were read. (One `read` call may
/// return fewer bytes than are there, which would misjudge a short magic.)
pub fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
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
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// BGZF: gzip with FEXTRA and a `BC` subfield (needs the first 14 bytes).
pub fn is_bgzf(bytes: &[u8]) -> bool {
    bytes.len() >= 14
        && is_gzip(bytes)
        && bytes[2] == 8
        && bytes[3] & 4 != 0
        && bytes[12] == b'B'
        && bytes[13] == b'C'
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
}
