//! Acknowledged changes: an accept file in the repository names regressions that are known and
//! wanted, up to a bound, with a reason and an expiry, so a team need not edit SLO limits or code
//! to land a legitimate change.
//!
//! ```toml
//! [[accept]]
//! benchmark = "quickstart/cpu_*"     # glob or exact name, as in SLO files
//! metric = "execution_time"
//! max = "+10%"                       # the largest worsening accepted
//! reason = "the new parser trades 8% of speed for streaming"
//! expires = 2027-01-31               # a date, or { commits = 20, since = "df5948c" }
//! ```
//!
//! The gate passes a flagged regression of that metric within `max`; one beyond it, or one that
//! an expired entry names, fails (`--fail-on breach` or `regression`). Entries matching nothing
//! and expired entries are warnings.

use super::input_error::InputFileError;
use crate::slo::file::{key_matches, line_col};
use chrono::NaiveDate;
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// One entry of an accept file, its expiry already decided.
#[derive(Debug, Clone)]
pub struct AcceptEntry {
    pub pattern: String,
    pub metric: String,
    /// The largest worsening accepted (0.10 = 10%: a time 10% longer, a throughput 10% lower).
    pub max: f64,
    pub reason: String,
    /// Where the entry is written: `accept.toml:3`.
    pub origin: String,
    /// Why the entry no longer applies (`expired on 2020-01-31`); None while in force.
    pub expired: Option<String>,
    matcher: GlobMatcher,
}

impl PartialEq for AcceptEntry {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.pattern,
            &self.metric,
            self.max,
            &self.reason,
            &self.origin,
            &self.expired,
        ) == (
            &other.pattern,
            &other.metric,
            other.max,
            &other.reason,
            &other.origin,
            &other.expired,
        )
    }
}

impl AcceptEntry {
    /// Whether the entry names this metric of this benchmark.
    pub fn applies(&self, key: &str, metric: &str) -> bool {
        self.metric == metric && key_matches(&self.pattern, Some(&self.matcher), key)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    accept: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    benchmark: Spanned<String>,
    metric: Spanned<String>,
    max: Spanned<String>,
    reason: Spanned<String>,
    expires: Spanned<toml::Value>,
}

/// Reads an accept file. An entry expires after its date (`today` is later), or once the
/// candidate is more than `commits` commits past `since`; `commits_since(since)` counts them.
pub fn load(
    path: &Path,
    today: NaiveDate,
    commits_since: &dyn Fn(&str) -> Result<u64, String>,
) -> Result<Vec<AcceptEntry>, InputFileError> {
    let text = InputFileError::read(path, "accept file")?;
    parse(path, &text, today, commits_since)
}

fn parse(
    path: &Path,
    text: &str,
    today: NaiveDate,
    commits_since: &dyn Fn(&str) -> Result<u64, String>,
) -> Result<Vec<AcceptEntry>, InputFileError> {
    let at = |offset: usize, message: String| InputFileError::at(path, text, offset, message);
    let file: RawFile = toml::from_str(text)
        .map_err(|e| at(e.span().map_or(0, |s| s.start), e.message().into()))?;
    if file.accept.is_empty() {
        return Err(at(0, "no `[[accept]]` entries".into()));
    }
    let mut entries = Vec::with_capacity(file.accept.len());
    for raw in file.accept {
        let start = raw.span().start;
        let raw = raw.into_inner();
        let pattern = raw.benchmark.get_ref().clone();
        let matcher = GlobBuilder::new(&pattern)
            .literal_separator(false)
            .build()
            .map_err(|g| {
                at(
                    raw.benchmark.span().start,
                    format!("`{pattern}` is not a valid glob: {}", g.kind()),
                )
            })?
            .compile_matcher();
        let max = parse_max(raw.max.get_ref()).ok_or_else(|| {
            at(
                raw.max.span().start,
                format!(
                    "max `{}` is not a change such as `+10%` or `0.1`",
                    raw.max.get_ref()
                ),
            )
        })?;
        if raw.reason.get_ref().trim().is_empty() {
            return Err(at(
                raw.reason.span().start,
                "the reason is empty: say why the change is accepted".into(),
            ));
        }
        if raw.metric.get_ref().trim().is_empty() {
            return Err(at(raw.metric.span().start, "the metric is empty".into()));
        }
        let expired = expiry(raw.expires.get_ref(), today, commits_since)
            .map_err(|m| at(raw.expires.span().start, format!("expires: {m}")))?;
        entries.push(AcceptEntry {
            pattern,
            metric: raw.metric.into_inner(),
            max,
            reason: raw.reason.into_inner(),
            origin: format!("{}:{}", path.display(), line_col(text, start).0),
            expired,
            matcher,
        });
    }
    Ok(entries)
}

/// `+10%`, `10%`, `-10%` (the size counts) or `0.1` → 0.10.
fn parse_max(text: &str) -> Option<f64> {
    let t = text.trim().trim_start_matches(['+', '-']);
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok()? / 100.0,
        None => t.parse::<f64>().ok()?,
    };
    (v.is_finite() && v > 0.0).then_some(v)
}

/// Why the entry has expired, None while it holds, or why `expires` cannot be read.
fn expiry(
    value: &toml::Value,
    today: NaiveDate,
    commits_since: &dyn Fn(&str) -> Result<u64, String>,
) -> Result<Option<String>, String> {
    const FORMS: &str = "a date such as 2027-01-31, or { commits = 20, since = \"<commit>\" }";
    let date_text = match value {
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::String(s) => Some(s.clone()),
        _ => None,
    };
    if let Some(d) = date_text {
        let date = NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|_| format!("`{d}` is not {FORMS}"))?;
        return Ok((today > date).then(|| format!("expired on {date}")));
    }
    let table = value
        .as_table()
        .ok_or_else(|| format!("expected {FORMS}"))?;
    let commits = table
        .get("commits")
        .and_then(toml::Value::as_integer)
        .filter(|&n| n >= 0);
    let since = table.get("since").and_then(toml::Value::as_str);
    let (Some(commits), Some(since), 2) = (commits, since, table.len()) else {
        return Err(format!("expected {FORMS}"));
    };
    let n = commits_since(since)?;
    Ok((n > commits as u64).then(|| {
        format!(
            "expired: the candidate is {n} commits past {since}, more than the {commits} allowed"
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn parse_text(text: &str) -> Result<Vec<AcceptEntry>, InputFileError> {
        parse(Path::new("accept.toml"), text, today(), &|since| {
            if since == "abc1234" {
                Ok(25)
            } else {
                Err(format!("`{since}` is not a commit of this repository"))
            }
        })
    }

    const ENTRY: &str = "[[accept]]\nbenchmark = \"quick/cpu_*\"\nmetric = \"execution_time\"\nmax = \"+10%\"\nreason = \"streaming parser\"\n";

    #[test]
    fn reads_entries_and_decides_their_expiry() {
        let text = format!(
            "{ENTRY}expires = 2026-12-31\n\n{ENTRY}expires = \"2026-05-31\"\n\n{ENTRY}expires = {{ commits = 20, since = \"abc1234\" }}\n\n{ENTRY}expires = {{ commits = 30, since = \"abc1234\" }}\n"
        );
        let e = parse_text(&text).unwrap();
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].max, 0.10);
        assert_eq!(e[0].origin, "accept.toml:1");
        assert_eq!(e[1].origin, "accept.toml:8");
        assert_eq!(e[0].expired, None);
        assert_eq!(e[1].expired.as_deref(), Some("expired on 2026-05-31"));
        assert!(e[2]
            .expired
            .as_deref()
            .unwrap()
            .contains("25 commits past abc1234"));
        assert_eq!(e[3].expired, None);
        assert!(e[0].applies("quick/cpu_parse[n=1]", "execution_time"));
        assert!(e[0].applies("quick/cpu_parse", "execution_time"));
        assert!(!e[0].applies("quick/cpu_parse", "max_rss"));
        assert!(!e[0].applies("quick/io_parse", "execution_time"));
    }

    #[test]
    fn bad_entries_name_the_file_and_line() {
        let cases = [
            (
                format!("{ENTRY}expires = 2026-12-31\nmax2 = 1\n"),
                "accept.toml:7",
                "max2",
            ),
            (
                ENTRY.replace("+10%", "ten percent") + "expires = 2026-12-31\n",
                "accept.toml:4",
                "ten percent",
            ),
            (
                format!("{ENTRY}expires = \"soon\"\n"),
                "accept.toml:6",
                "`soon` is not a date",
            ),
            (
                format!("{ENTRY}expires = {{ commits = 3, since = \"nope\" }}\n"),
                "accept.toml:6",
                "`nope` is not a commit",
            ),
            (
                ENTRY.replace("streaming parser", " ") + "expires = 2026-12-31\n",
                "accept.toml:5",
                "reason is empty",
            ),
            (ENTRY.to_string(), "accept.toml:1", "expires"),
            (
                ENTRY.replace("quick/cpu_*", "quick/[cpu") + "expires = 2026-12-31\n",
                "accept.toml:2",
                "not a valid glob",
            ),
            ("".to_string(), "accept.toml:1", "no `[[accept]]`"),
        ];
        for (text, place, says) in cases {
            let err = parse_text(&text).unwrap_err().to_string();
            assert!(err.starts_with(place), "{err} should start with {place}");
            assert!(err.contains(says), "{err} should say {says}");
        }
    }
}
