//! What a sample was counted with: its [`Unit`] and the read filters, as
//! every output states them (the count TSV's trailing columns, the VCF
//! header, the summary JSON's `settings`, the report). Set once, where the
//! engine is chosen ([`super::count_inputs_with_progress`]), and read back
//! from a count TSV, so a call from a TSV says what the count said.

use super::{CountOptions, Unit};

/// The unit and the read filters one count was made with. A filter is
/// `None` where it does not apply or is not known: FASTQ input has no
/// mapping quality and no flags (cfspot places the reads itself, so only
/// the base quality filters), and a count TSV written before these columns
/// existed says nothing of its filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountSettings {
    pub unit: Unit,
    /// `-q`.
    pub min_mapq: Option<u8>,
    /// `-Q`.
    pub min_baseq: Option<u8>,
    /// `-f`.
    pub incl_flags: Option<u16>,
    /// `-F` with the `--keep-*` options applied.
    pub excl_flags: Option<u16>,
}

impl CountSettings {
    /// Aligned input (BAM, CRAM, SAM): every filter applies.
    pub fn aligned(opts: &CountOptions) -> Self {
        CountSettings {
            unit: opts.unit,
            min_mapq: Some(opts.min_mapq),
            min_baseq: Some(opts.min_baseq),
            incl_flags: Some(opts.include_flags),
            excl_flags: Some(opts.exclude_flags),
        }
    }

    /// FASTQ input: reads have no mapping quality or flags, so only the
    /// base quality applies.
    pub fn placed(opts: &CountOptions) -> Self {
        CountSettings {
            min_baseq: Some(opts.min_baseq),
            ..CountSettings::unit_only(opts.unit)
        }
    }

    /// The unit alone, the filters unknown (an older count TSV).
    pub fn unit_only(unit: Unit) -> Self {
        CountSettings {
            unit,
            min_mapq: None,
            min_baseq: None,
            incl_flags: None,
            excl_flags: None,
        }
    }

    /// The filters that apply, as `name=value` pairs in column order
    /// (flags in `0x` hex, as `-f`/`-F` take them): the one list the VCF
    /// header and the report print.
    pub fn filters(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |name, value: Option<String>| {
            if let Some(v) = value {
                out.push((name, v));
            }
        };
        put("min_mapq", self.min_mapq.map(|q| q.to_string()));
        put("min_baseq", self.min_baseq.map(|q| q.to_string()));
        put("incl_flags", self.incl_flags.map(flags_hex));
        put("excl_flags", self.excl_flags.map(flags_hex));
        out
    }

    /// The filters as one line, `min_mapq=20, min_baseq=20, …` (empty when
    /// none is known): what messages, the VCF header and the report say.
    pub fn filters_text(&self) -> String {
        let pairs: Vec<String> = self
            .filters()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join(", ")
    }
}

/// `summary.json`'s `count`: the unit and the filters that apply, by the
/// names [`CountSettings::filters`] gives them (the qualities as numbers,
/// the flags in `0x` hex as `-f`/`-F` take them).
impl serde::Serialize for CountSettings {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("unit", self.unit.as_str())?;
        for (name, q) in [("min_mapq", self.min_mapq), ("min_baseq", self.min_baseq)] {
            if let Some(q) = q {
                m.serialize_entry(name, &q)?;
            }
        }
        for (name, f) in [
            ("incl_flags", self.incl_flags),
            ("excl_flags", self.excl_flags),
        ] {
            if let Some(f) = f {
                m.serialize_entry(name, &flags_hex(f))?;
            }
        }
        m.end()
    }
}

/// A flag set as the outputs write it: `0xf04` (what `-F` takes back).
pub fn flags_hex(flags: u16) -> String {
    format!("{flags:#x}")
}

/// A flag set as [`flags_hex`] writes it, or in decimal; `None` otherwise.
pub fn parse_flags(s: &str) -> Option<u16> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u16::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_applies_where() {
        let opts = CountOptions::default();
        let all = CountSettings::aligned(&opts);
        assert_eq!(
            all.filters(),
            [
                ("min_mapq", "20".to_string()),
                ("min_baseq", "20".to_string()),
                ("incl_flags", "0x0".to_string()),
                ("excl_flags", "0xf04".to_string()),
            ]
        );
        let fastq = CountSettings::placed(&CountOptions {
            unit: Unit::Read,
            min_baseq: 13,
            ..opts
        });
        assert_eq!(fastq.unit, Unit::Read);
        assert_eq!(fastq.filters(), [("min_baseq", "13".to_string())]);
        assert!(CountSettings::unit_only(Unit::Fragment)
            .filters()
            .is_empty());
        assert_eq!(
            all.filters_text(),
            "min_mapq=20, min_baseq=20, incl_flags=0x0, excl_flags=0xf04"
        );
        assert_eq!(CountSettings::unit_only(Unit::Read).filters_text(), "");
    }

    #[test]
    fn summary_json_says_unit_and_filters() {
        let all = CountSettings::aligned(&CountOptions::default());
        assert_eq!(
            serde_json::to_string(&all).unwrap(),
            r#"{"unit":"fragment","min_mapq":20,"min_baseq":20,"incl_flags":"0x0","excl_flags":"0xf04"}"#
        );
        assert_eq!(
            serde_json::to_string(&CountSettings::unit_only(Unit::Duplex)).unwrap(),
            r#"{"unit":"duplex"}"#
        );
    }

    #[test]
    fn flags_round_trip() {
        for f in [0, 0x2, 0xf04, u16::MAX] {
            assert_eq!(parse_flags(&flags_hex(f)), Some(f));
        }
        assert_eq!(flags_hex(0xf04), "0xf04");
        assert_eq!(parse_flags("3844"), Some(0xf04));
        assert_eq!(parse_flags("0XF04"), Some(0xf04));
        assert_eq!(parse_flags("0xg"), None);
        assert_eq!(parse_flags(""), None);
        assert_eq!(parse_flags("DUP"), None);
    }
}
