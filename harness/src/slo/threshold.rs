//! The grammar of SLO lines, shared by suite files, standalone SLO files and the comparison.
//!
//! ```text
//! threshold := metric op quantity                      execution_time < 0.13 ms
//! overhead  := metric[sel] op [factor *] metric[sel] [+ quantity]
//!              execution_time[profiler=ddtrace] < 1.05 * execution_time[profiler=off]
//! op        := < | <= | > | >=
//! ```
//! It is the grammar of existing SLO gate files (`max_rss_usage < 43.25 MB`), so their threshold lists
//! import unchanged.

use crate::units::{split_quantity, Scale, Unit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A comparison operator of a threshold line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl Op {
    /// True when the limit is an upper bound (`<`, `<=`): lower values are better.
    pub fn is_upper_bound(self) -> bool {
        matches!(self, Op::Lt | Op::Le)
    }

    /// Whether `value op limit` holds.
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Op::Lt => value < limit,
            Op::Le => value <= limit,
            Op::Gt => value > limit,
            Op::Ge => value >= limit,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// An absolute limit on one metric: `execution_time < 0.13 ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    pub metric: String,
    pub op: Op,
    /// The limit in the metric's base unit (ns, bytes, ...).
    pub limit: f64,
    pub unit: Unit,
    /// The scale the line was written in, so the report shows the limit as the author wrote it.
    pub scale: Scale,
    /// The line as written.
    pub line: String,
}

/// A limit on one variant relative to another of the same scenario:
/// `execution_time[profiler=ddtrace] < 1.05 * execution_time[profiler=off]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overhead {
    pub metric: String,
    /// Variant values that select the measured benchmark (`profiler=ddtrace`).
    pub left: BTreeMap<String, String>,
    pub op: Op,
    pub factor: f64,
    /// Variant values that select the reference benchmark (`profiler=off`); the other variant
    /// values are those of the measured benchmark.
    pub right: BTreeMap<String, String>,
    /// An additive allowance in base units (`+ 5 MB`), zero when absent.
    pub offset: f64,
    pub line: String,
}

/// A threshold line that does not parse, with the 1-based column where it went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ThresholdError {
    pub column: usize,
    pub message: String,
}

/// The unit a well-known metric is measured in, so `execution_time < 40 MB` is refused.
pub fn known_metric_unit(metric: &str) -> Option<Unit> {
    match metric {
        "execution_time" | "user_time" | "sys_time" | "cpu_time" | "wall_time" => {
            Some(Unit::Nanoseconds)
        }
        "max_rss_usage" | "bytes_per_op" | "heap_peak" | "heap_allocated" => Some(Unit::Bytes),
        "throughput" => Some(Unit::PerSecond),
        "allocs_per_op"
        | "instructions"
        | "estimated_cycles"
        | "instructions_per_iteration"
        | "estimated_cycles_per_iteration"
        | "allocations" => Some(Unit::Count),
        _ => None,
    }
}

/// A tiny cursor over a line, tracking the column for error messages.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        while self.text[self.pos..].starts_with(char::is_whitespace) {
            self.pos += self.text[self.pos..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
        }
    }

    fn column(&self) -> usize {
        self.text[..self.pos].chars().count() + 1
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, ThresholdError> {
        Err(ThresholdError {
            column: self.column(),
            message: message.into(),
        })
    }

    fn ident(&mut self) -> Result<&'a str, ThresholdError> {
        self.skip_ws();
        let rest = &self.text[self.pos..];
        let len = rest
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_alphanumeric() || *c == '_' || (*i > 0 && matches!(c, '.' | '-')))
            })
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return self.err("expected a metric name such as `execution_time`");
        }
        self.pos += len;
        Ok(&rest[..len])
    }

    fn op(&mut self) -> Result<Op, ThresholdError> {
        self.skip_ws();
        let rest = &self.text[self.pos..];
        let (op, len) = if rest.starts_with("<=") {
            (Op::Le, 2)
        } else if rest.starts_with(">=") {
            (Op::Ge, 2)
        } else if rest.starts_with('<') {
            (Op::Lt, 1)
        } else if rest.starts_with('>') {
            (Op::Gt, 1)
        } else {
            return self.err("expected a comparison: `<`, `<=`, `>` or `>=`");
        };
        self.pos += len;
        Ok(op)
    }

    fn selector(&mut self) -> Result<BTreeMap<String, String>, ThresholdError> {
        if !self.text[self.pos..].starts_with('[') {
            return self.err("expected a variant selector such as `[profiler=off]`");
        }
        let close = match self.text[self.pos..].find(']') {
            Some(i) => self.pos + i,
            None => return self.err("unclosed `[`"),
        };
        let inner = &self.text[self.pos + 1..close];
        let mut sel = BTreeMap::new();
        for part in inner.split(',') {
            match part.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                    sel.insert(k.trim().to_string(), v.trim().to_string());
                }
                _ => {
                    self.pos += 1;
                    return self.err(format!(
                        "expected `name=value` in the selector, got `{part}`"
                    ));
                }
            }
        }
        self.pos = close + 1;
        Ok(sel)
    }

    fn number(&mut self) -> Result<f64, ThresholdError> {
        self.skip_ws();
        let rest = &self.text[self.pos..];
        let len = rest
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        match rest[..len].parse::<f64>() {
            Ok(v) if v.is_finite() => {
                self.pos += len;
                Ok(v)
            }
            _ => self.err("expected a number"),
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.text.len()
    }
}

/// Parses `metric op value unit`.
pub fn parse_threshold(line: &str) -> Result<Threshold, ThresholdError> {
    let mut c = Cursor { text: line, pos: 0 };
    let metric = c.ident()?.to_string();
    if c.text[c.pos..].starts_with('[') {
        return c.err("a selector belongs in an `overhead` line, not a threshold");
    }
    let op = c.op()?;
    c.skip_ws();
    let quantity_col = c.column();
    let (value, scale) = split_quantity(&c.text[c.pos..]).ok_or_else(|| ThresholdError {
        column: quantity_col,
        message: format!(
            "expected a value and a unit such as `0.13 ms` or `43.25 MB`, got `{}` (units: {})",
            c.text[c.pos..].trim(),
            Scale::known_symbols().join(" ")
        ),
    })?;
    if !value.is_finite() || value < 0.0 {
        return Err(ThresholdError {
            column: quantity_col,
            message: "the limit must be a non-negative number".into(),
        });
    }
    check_unit(&metric, scale.unit, quantity_col)?;
    Ok(Threshold {
        metric,
        op,
        limit: value * scale.factor,
        unit: scale.unit,
        scale,
        line: line.trim().to_string(),
    })
}

fn check_unit(metric: &str, unit: Unit, column: usize) -> Result<(), ThresholdError> {
    match known_metric_unit(metric) {
        Some(expected) if expected != unit => Err(ThresholdError {
            column,
            message: format!("`{metric}` is measured in {expected}, not {unit}"),
        }),
        _ => Ok(()),
    }
}

/// Parses `metric[sel] op [factor *] metric[sel] [+ quantity]`.
pub fn parse_overhead(line: &str) -> Result<Overhead, ThresholdError> {
    let mut c = Cursor { text: line, pos: 0 };
    let metric = c.ident()?.to_string();
    let left = c.selector()?;
    let op = c.op()?;
    c.skip_ws();
    let factor = if c.text[c.pos..].starts_with(|ch: char| ch.is_ascii_digit() || ch == '.') {
        let f = c.number()?;
        c.skip_ws();
        if !c.text[c.pos..].starts_with('*') {
            return c.err("expected `*` after the factor");
        }
        c.pos += 1;
        f
    } else {
        1.0
    };
    let right_metric_col = {
        c.skip_ws();
        c.column()
    };
    let right_metric = c.ident()?;
    if right_metric != metric {
        return Err(ThresholdError {
            column: right_metric_col,
            message: format!("both sides must name the same metric (`{metric}`)"),
        });
    }
    let right = c.selector()?;
    if left.keys().collect::<Vec<_>>() != right.keys().collect::<Vec<_>>() {
        return c.err("both selectors must name the same variant dimensions");
    }
    let mut offset = 0.0;
    c.skip_ws();
    if c.text[c.pos..].starts_with('+') {
        c.pos += 1;
        c.skip_ws();
        let col = c.column();
        let (v, scale) = split_quantity(&c.text[c.pos..]).ok_or_else(|| ThresholdError {
            column: col,
            message: "expected an allowance such as `5 MB` after `+`".into(),
        })?;
        check_unit(&metric, scale.unit, col)?;
        offset = v * scale.factor;
        c.pos = c.text.len();
    }
    if !c.at_end() {
        return c.err("unexpected text at the end of the line");
    }
    Ok(Overhead {
        metric,
        left,
        op,
        factor,
        right,
        offset,
        line: line.trim().to_string(),
    })
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_grammar() {
        let t = parse_threshold("execution_time < 0.13 ms").unwrap();
        assert_eq!(t.metric, "execution_time");
        assert_eq!(t.op, Op::Lt);
        assert!((t.limit - 130_000.0).abs() < 1e-6);
        assert_eq!(t.scale.symbol, "ms");
        let m = parse_threshold("max_rss_usage < 43.25 MB").unwrap();
        assert_eq!(m.limit, 43_250_000.0);
        let r = parse_threshold("throughput > 30 op/s").unwrap();
        assert_eq!((r.op, r.unit, r.limit), (Op::Gt, Unit::PerSecond, 30.0));
        assert_eq!(
            parse_threshold("execution_time<=2us").unwrap().limit,
            2000.0
        );
        assert_eq!(
            parse_threshold("execution_time < 5 µs").unwrap().limit,
            5000.0
        );
    }

    #[test]
    fn rejects_bad_lines_with_a_column() {
        let e = parse_threshold("execution_time = 3 ms").unwrap_err();
        assert_eq!(e.column, 16);
        let e = parse_threshold("execution_time < 3 parsecs").unwrap_err();
        assert!(e.message.contains("units"), "{e}");
        let e = parse_threshold("execution_time < 40 MB").unwrap_err();
        assert!(e.message.contains("measured in ns"), "{e}");
        assert!(parse_threshold("< 3 ms").is_err());
        assert!(parse_threshold("execution_time < -3 ms").is_err());
    }

    #[test]
    fn parses_overhead_lines() {
        let o = parse_overhead(
            "execution_time[profiler=ddtrace] < 1.05 * execution_time[profiler=off]",
        )
        .unwrap();
        assert_eq!(o.left.get("profiler").unwrap(), "ddtrace");
        assert_eq!(o.right.get("profiler").unwrap(), "off");
        assert_eq!(o.factor, 1.05);
        let m = parse_overhead("max_rss_usage[p=on] <= max_rss_usage[p=off] + 5 MB").unwrap();
        assert_eq!((m.factor, m.offset), (1.0, 5e6));
        assert!(parse_overhead("execution_time[p=on] < 1.05 * max_rss_usage[p=off]").is_err());
        assert!(parse_overhead("execution_time[p=on] < 1.05 * execution_time[q=off]").is_err());
        assert!(parse_overhead("execution_time < 1.05 * execution_time[p=off]").is_err());
    }
}
