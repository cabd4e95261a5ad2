//! Units of measurement: parsing quantities such as `0.13 ms` or `43.25 MB`, and formatting values
//! for reports. Every metric is stored in a base unit (nanoseconds, bytes, counts, per second);
//! scales exist only at the edges (threshold lines in, report text out).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The base unit a metric's values are stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Unit {
    /// Time, in nanoseconds.
    #[serde(rename = "ns")]
    Nanoseconds,
    /// Memory or size, in bytes.
    #[serde(rename = "bytes")]
    Bytes,
    /// A plain count (allocations, user counters).
    #[serde(rename = "count")]
    Count,
    /// A rate, in events per second (throughput).
    #[serde(rename = "per_s")]
    PerSecond,
}

/// A display or input scale of a unit: `ms` is [`Unit::Nanoseconds`] times 1e6. Serialised as its
/// symbol (`"ms"`; `""` for a plain count).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub unit: Unit,
    /// Base units per one of this scale.
    pub factor: f64,
    pub symbol: &'static str,
}

const SCALES: &[(&str, Unit, f64)] = &[
    ("ns", Unit::Nanoseconds, 1.0),
    ("us", Unit::Nanoseconds, 1e3),
    ("µs", Unit::Nanoseconds, 1e3),
    ("μs", Unit::Nanoseconds, 1e3),
    ("ms", Unit::Nanoseconds, 1e6),
    ("s", Unit::Nanoseconds, 1e9),
    ("B", Unit::Bytes, 1.0),
    ("KB", Unit::Bytes, 1e3),
    ("kB", Unit::Bytes, 1e3),
    ("MB", Unit::Bytes, 1e6),
    ("GB", Unit::Bytes, 1e9),
    ("KiB", Unit::Bytes, 1024.0),
    ("MiB", Unit::Bytes, 1024.0 * 1024.0),
    ("GiB", Unit::Bytes, 1024.0 * 1024.0 * 1024.0),
    ("op/s", Unit::PerSecond, 1.0),
    ("ops/s", Unit::PerSecond, 1.0),
    ("/s", Unit::PerSecond, 1.0),
    ("", Unit::Count, 1.0),
];

impl Scale {
    /// Looks up a unit symbol as written in a threshold line (`ms`, `µs`, `MB`, `GiB`, `op/s`).
    pub fn parse(symbol: &str) -> Option<Scale> {
        SCALES
            .iter()
            .find(|(s, _, _)| *s == symbol)
            .map(|&(symbol, unit, factor)| Scale {
                unit,
                factor,
                symbol: if symbol == "us" || symbol == "μs" {
                    "µs"
                } else {
                    symbol
                },
            })
    }

    /// The symbols accepted by [`Scale::parse`], for error messages.
    pub fn known_symbols() -> Vec<&'static str> {
        SCALES
            .iter()
            .map(|(s, _, _)| *s)
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The scale that shows `value` (in base units) with one to three digits before the point.
    pub fn auto(unit: Unit, value: f64) -> Scale {
        let candidates: &[&str] = match unit {
            Unit::Nanoseconds => &["ns", "µs", "ms", "s"],
            Unit::Bytes => &["B", "KB", "MB", "GB"],
            Unit::Count => &[""],
            Unit::PerSecond => &["op/s"],
        };
        let mut best = Scale::parse(candidates[0]).expect("known scale");
        for sym in candidates {
            let s = Scale::parse(sym).expect("known scale");
            if value.abs() >= s.factor {
                best = s;
            }
        }
        best
    }

    /// Formats `value` (base units) in this scale with three decimals, as the seed report does:
    /// `104.404µs`, `42.723MB`.
    pub fn format(&self, value: f64) -> String {
        let v = value / self.factor;
        match self.unit {
            Unit::Count => format_count(v),
            Unit::PerSecond => format!("{v:.3} {}", self.symbol),
            _ => format!("{v:.3}{}", self.symbol),
        }
    }
}

impl Serialize for Scale {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.symbol)
    }
}

impl<'de> Deserialize<'de> for Scale {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scale, D::Error> {
        let symbol = String::deserialize(d)?;
        Scale::parse(&symbol)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown unit `{symbol}`")))
    }
}

fn format_count(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// Formats a value in its best automatic scale.
pub fn format_auto(unit: Unit, value: f64) -> String {
    Scale::auto(unit, value).format(value)
}

/// Formats a relative change (`0.133` → `+13.3%`).
pub fn format_pct(fraction: f64) -> String {
    format!("{:+.1}%", fraction * 100.0)
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Nanoseconds => "ns",
            Unit::Bytes => "bytes",
            Unit::Count => "count",
            Unit::PerSecond => "per_s",
        })
    }
}

/// Forms of a duration for error messages; each of them parses.
pub const DURATION_FORMS: &str = "`90s`, `2m`, `1m30s`, `1.5h` or `500ms`";

/// Parses a duration as people type it (timeouts, budgets): humantime's forms (`90s`, `2m`,
/// `1m30s`, `1h 30m`, `500ms`), or one decimal number and a unit (`1.5h`, `2.5 ms`), which
/// humantime does not take.
pub fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let t = text.trim();
    if let Ok(d) = humantime::parse_duration(t) {
        return Some(d);
    }
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = t.split_at(end);
    let v: f64 = number.parse().ok()?;
    let one = humantime::parse_duration(&format!("1{}", unit.trim())).ok()?;
    std::time::Duration::try_from_secs_f64(v * one.as_secs_f64()).ok()
}

/// Parses a size such as `4GB`, `512 MiB` into bytes (used for memory limits).
pub fn parse_bytes(text: &str) -> Option<u64> {
    let (v, scale) = split_quantity(text)?;
    if scale.unit != Unit::Bytes || v < 0.0 || !v.is_finite() {
        return None;
    }
    Some((v * scale.factor) as u64)
}

/// Splits `"0.13 ms"` or `"0.13ms"` into the number and its scale.
pub fn split_quantity(text: &str) -> Option<(f64, Scale)> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    // An exponent letter directly followed by a unit letter (`1e`) is not a number: back off.
    let (num, rest) = t.split_at(end);
    let v: f64 = num.parse().ok()?;
    Some((v, Scale::parse(rest.trim())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quantities_into_base_units() {
        let (v, s) = split_quantity("0.13 ms").unwrap();
        assert_eq!((v * s.factor).round(), 130_000.0);
        let (v, s) = split_quantity("43.25MB").unwrap();
        assert_eq!(v * s.factor, 43_250_000.0);
        assert_eq!(parse_bytes("2GiB"), Some(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_duration("120s").unwrap().as_secs(), 120);
        assert_eq!(parse_duration("250 us").unwrap().as_micros(), 250);
        for (text, secs) in [
            ("90s", 90.0),
            ("2m", 120.0),
            ("1m30s", 90.0),
            ("1m 30s", 90.0),
            ("1.5h", 5400.0),
            ("2.5 ms", 0.0025),
            ("500ms", 0.5),
        ] {
            let d = parse_duration(text).unwrap_or_else(|| panic!("{text}"));
            assert!((d.as_secs_f64() - secs).abs() < 1e-9, "{text}: {d:?}");
        }
        for bad in ["", "2", "-5s", "1.5", "two minutes", "1.5.2h", "5 parsecs"] {
            assert!(parse_duration(bad).is_none(), "{bad}");
        }
        // The forms an error message suggests all parse.
        for form in DURATION_FORMS.split('`').skip(1).step_by(2) {
            assert!(parse_duration(form).is_some(), "{form}");
        }
        assert!(parse_duration("3 MB").is_none());
        assert!(parse_bytes("lots").is_none());
    }

    #[test]
    fn scale_serialises_as_its_symbol() {
        let s = Scale::parse("MiB").unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"MiB\"");
        assert_eq!(serde_json::from_str::<Scale>(&json).unwrap(), s);
    }

    #[test]
    fn formats_like_the_seed_report() {
        assert_eq!(format_auto(Unit::Nanoseconds, 104_404.0), "104.404µs");
        assert_eq!(format_auto(Unit::Nanoseconds, 3_857_000.0), "3.857ms");
        assert_eq!(format_auto(Unit::Bytes, 42_723_000.0), "42.723MB");
        assert_eq!(
            Scale::parse("ms").unwrap().format(271_000.0),
            "0.271ms",
            "a value shown in its limit's scale"
        );
        assert_eq!(format_pct(0.133), "+13.3%");
        assert_eq!(format_pct(-0.197), "-19.7%");
    }
}
