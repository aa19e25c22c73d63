//! Nucleotides: the 2-bit code and the complement, shared by the counter,
//! the FASTQ placer and the simulator.

/// 2-bit code of an upper-case base (A 0, C 1, G 2, T 3); `None` for N and
/// anything else.
#[inline]
pub fn code(b: u8) -> Option<u8> {
    match b {
        b'A' => Some(0),
        b'C' => Some(1),
        b'G' => Some(2),
        b'T' => Some(3),
        _ => None,
    }
}

/// Complement of an upper-case base (N and anything else stay).
#[inline]
pub fn complement(b: u8) -> u8 {
    match b {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_complements() {
        assert_eq!(
            b"ACGTN".map(code),
            [Some(0), Some(1), Some(2), Some(3), None]
        );
        assert_eq!(b"ACGTN".map(complement), *b"TGCAN");
        for b in *b"ACGT" {
            assert_eq!(code(complement(b)).unwrap(), 3 - code(b).unwrap());
        }
    }
}
