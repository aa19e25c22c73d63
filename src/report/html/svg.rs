//! Shared drawing for the report's inline SVG and text: the palette,
//! escaping, number formats (percentages, thousands, coordinates) and axis
//! ticks. Every plot of the page draws with these, so a percentage or a tick
//! reads the same in every figure.

use crate::report::percent::{percent, Digits, Gap};
use std::fmt::Write as _;

// Okabe–Ito.
pub(super) const BLUE: &str = "#0072B2";
pub(super) const VERMILLION: &str = "#D55E00";
pub(super) const ORANGE: &str = "#E69F00";
pub(super) const PURPLE: &str = "#CC79A7";
pub(super) const GREY: &str = "#6b6b6b";
pub(super) const INK: &str = "#1a1a1a";
pub(super) const GRID: &str = "#e3e3e3";

/// Escape text for HTML element content and attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report's percentages: `0.0295` → `2.95 %`, two significant digits
/// however small, the sign kept on the number's line.
pub(super) fn pct(v: f64) -> String {
    percent(v, Digits::Significant, Gap::NoBreak)
}

/// `10^d` as a percentage: `-3` → `0.1 %`.
pub(super) fn decade_label(d: i32) -> String {
    let decimals = (-(d + 2)).max(0) as usize;
    format!("{:.decimals$}\u{a0}%", 10f64.powi(d + 2))
}

/// Text that keeps `number %` together.
pub(super) fn nb(s: &str) -> String {
    s.replace(" %", "\u{a0}%")
}

/// Coordinates with one decimal.
pub(super) fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// Thousands separated with a thin space: `12345` → `12 345`.
pub(super) fn int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// A round axis maximum and tick step for `0..=max`.
pub(super) fn nice_axis(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 {
        return (1.0, 1.0);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

/// The decades of a log VAF axis that span `values` (those > 0 count):
/// from 10^-7 to 10^0, two decades at least, 10^-4..10^-1 when nothing is
/// above 0.
pub(super) fn vaf_decades(values: impl Iterator<Item = f64>) -> (i32, i32) {
    let (lo, hi) = values
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let (mut dlo, mut dhi) = if lo.is_finite() {
        (lo.log10().floor() as i32, hi.log10().ceil() as i32)
    } else {
        (-4, -1)
    };
    dlo = dlo.clamp(-7, -1);
    dhi = dhi.clamp(dlo + 1, 0);
    if dhi - dlo < 2 {
        dlo = (dhi - 2).max(-7);
    }
    (dlo, dhi)
}

/// Horizontal grid lines with their labels at the left, from 0 to `max` in
/// `step`s, across `x0..x1`; `py` places a value, `label` writes it.
pub(super) fn y_grid(
    h: &mut String,
    (x0, x1): (f64, f64),
    (max, step): (f64, f64),
    py: impl Fn(f64) -> f64,
    label: impl Fn(f64) -> String,
) -> std::fmt::Result {
    let mut t = 0.0;
    while t <= max * 1.000001 {
        writeln!(
            h,
            "<line x1=\"{x0}\" y1=\"{0}\" x2=\"{x1}\" y2=\"{0}\" stroke=\"{GRID}\"/><text x=\"{1}\" y=\"{2}\" font-size=\"12\" text-anchor=\"end\">{3}</text>",
            f1(py(t)),
            x0 - 6.0,
            f1(py(t) + 4.0),
            esc(&label(t))
        )?;
        t += step;
    }
    Ok(())
}

pub(super) fn tick_label(v: f64) -> String {
    if v >= 1000.0 {
        int(v.round() as u64)
    } else if v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn percentages_and_axes() {
        assert_eq!(pct(0.0295), "2.95\u{a0}%");
        assert_eq!(nice_axis(2030.0), (3000.0, 1000.0));
        assert_eq!(nice_axis(90.0), (100.0, 25.0));
        assert_eq!(decade_label(-3), "0.1\u{a0}%");
        assert_eq!(decade_label(0), "100\u{a0}%");
        assert_eq!(int(1234567), "1\u{2009}234\u{2009}567");
        // 0.21 % to 4 %: 0.1 % to 10 %; nothing above 0: 0.01 % to 10 %;
        // 10 % alone: 1 % to 100 % (two decades).
        assert_eq!(vaf_decades([0.0021, 0.04, 0.0].into_iter()), (-3, -1));
        assert_eq!(vaf_decades([0.0].into_iter()), (-4, -1));
        assert_eq!(vaf_decades([0.1].into_iter()), (-2, 0));
    }
}
