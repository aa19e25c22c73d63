//! Proportions written as percentages, in the few styles cfspot's outputs
//! use. One function, so that a VAF or tumour fraction is rounded by the
//! same rule wherever a style is shared, and a new output picks a style
//! instead of writing its own formatter.

/// How many decimals a percentage gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digits {
    /// Always this many: columns that line up, numbers compared across
    /// rows (`cfspot eval`, `cfspot demo`).
    Fixed(usize),
    /// Fewer as the number grows, 2 below 1 %, 1 below 10 %, none from
    /// there: a VAF or LoD inside a sentence (the notes of `calls.tsv`).
    Rounded,
    /// At least two significant digits however small (`0.00086 %`), exact
    /// zero as `0`, 2 decimals from 0.1 % and 1 from 10 %: the HTML report,
    /// where a tiny VAF must not read as zero.
    Significant,
}

/// What stands between the number and the `%` sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// `2.00%`: terminal tables, where columns are narrow.
    Tight,
    /// `2.00 %`: plain text.
    Space,
    /// `2.00\u{a0}%`: HTML, so the sign never wraps onto a line of its own.
    NoBreak,
}

/// `fraction` (`0.0295`) as a percentage (`2.95 %`) in the given style.
pub fn percent(fraction: f64, digits: Digits, gap: Gap) -> String {
    let p = fraction * 100.0;
    let gap = match gap {
        Gap::Tight => "",
        Gap::Space => " ",
        Gap::NoBreak => "\u{a0}",
    };
    let decimals = match digits {
        Digits::Fixed(n) => n,
        Digits::Rounded if p >= 10.0 => 0,
        Digits::Rounded if p >= 1.0 => 1,
        Digits::Rounded => 2,
        Digits::Significant if p == 0.0 => return format!("0{gap}%"),
        Digits::Significant if p >= 10.0 => 1,
        Digits::Significant if p >= 0.1 => 2,
        // Two significant digits.
        Digits::Significant => (1 - p.log10().floor() as i32).clamp(2, 12) as usize,
    };
    format!("{p:.decimals$}{gap}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed() {
        assert_eq!(percent(0.02, Digits::Fixed(2), Gap::Tight), "2.00%");
        assert_eq!(percent(0.0296, Digits::Fixed(1), Gap::Tight), "3.0%");
        assert_eq!(percent(0.000123, Digits::Fixed(3), Gap::Space), "0.012 %");
    }

    #[test]
    fn rounded() {
        assert_eq!(percent(0.25, Digits::Rounded, Gap::Space), "25 %");
        assert_eq!(percent(0.0296, Digits::Rounded, Gap::Space), "3.0 %");
        assert_eq!(percent(0.0021, Digits::Rounded, Gap::Space), "0.21 %");
    }

    #[test]
    fn significant() {
        let s = |v| percent(v, Digits::Significant, Gap::NoBreak);
        assert_eq!(s(0.0295), "2.95\u{a0}%");
        assert_eq!(s(0.0), "0\u{a0}%");
        assert_eq!(s(0.5), "50.0\u{a0}%");
        assert_eq!(s(0.0008), "0.080\u{a0}%");
        assert_eq!(s(8.57e-6), "0.00086\u{a0}%");
    }
}
