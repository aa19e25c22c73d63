//! Nucleotides: the 2-bit code and the complement, shared by the counter,
//! the FASTQ placer and the simulator.

/// Not a 2-bit code: what [`CODES`] holds for N and every other byte.
pub(crate) const NO_CODE: u8 = 4;

/// 2-bit code of every byte (A 0, C 1, G 2, T 3, anything else
/// [`NO_CODE`]): hot loops look a base up rather than branch on it.
pub(crate) static CODES: [u8; 256] = {
    let mut t = [NO_CODE; 256];
    t[b'A' as usize] = 0;
    t[b'C' as usize] = 1;
    t[b'G' as usize] = 2;
    t[b'T' as usize] = 3;
    t
};

/// Complement of every byte (N and anything else stay themselves).
static COMPLEMENTS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i as u8;
        i += 1;
    }
    t[b'A' as usize] = b'T';
    t[b'C' as usize] = b'G';
    t[b'G' as usize] = b'C';
    t[b'T' as usize] = b'A';
    t
};

/// 2-bit code of an upper-case base (A 0, C 1, G 2, T 3); `None` for N and
/// anything else.
#[inline]
pub fn code(b: u8) -> Option<u8> {
    let c = CODES[b as usize];
    (c != NO_CODE).then_some(c)
}

/// Complement of an upper-case base (N and anything else stay).
#[inline]
pub(crate) fn complement(b: u8) -> u8 {
    COMPLEMENTS[b as usize]
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
        // Only the four upper-case bases have codes; every other byte is
        // its own complement.
        for b in 0..=255u8 {
            let base = b"ACGT".contains(&b);
            assert_eq!(code(b).is_some(), base, "byte {b}");
            assert_eq!(complement(b) == b, !base, "byte {b}");
        }
    }
}
