//! Standalone SLO files: thresholds for results that carry none (imports of other tools' output).
//!
//! Two formats, chosen by extension:
//! - slogate TOML (`.toml`):
//!   ```toml
//!   [[slo]]
//!   benchmark = "pyperf/json_*"          # glob or exact name
//!   thresholds = ["execution_time < 2 ms", "max_rss_usage < 40 MB"]
//!   ```
//! - the `fail_on_breach` YAML of existing SLO gates (`.yml`, `.yaml`), read unchanged:
//!   `experiments[].steps[]` with `scenarios[].name` and `.thresholds`, the scenarios either on the
//!   step itself (`run: fail_on_breach`) or under its `fail_on_breach:` key.
//!
//! A name matches a benchmark when it equals, or as a glob matches, the benchmark key
//! (`suite/scenario[variant]`), the key without its suite, or the bare scenario name.

use crate::slo::threshold::parse_threshold;
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use serde_norway::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A loaded, validated SLO file.
#[derive(Debug, Clone)]
pub struct SloFile {
    pub path: PathBuf,
    pub entries: Vec<SloEntry>,
}

/// One benchmark pattern and its threshold lines.
#[derive(Debug, Clone)]
pub struct SloEntry {
    pub pattern: String,
    pub thresholds: Vec<String>,
    /// 1-based line of the pattern in the file (0 when unknown).
    pub line: usize,
    /// `None` when the name is not a valid glob (a YAML scenario name with brackets): exact match only.
    matcher: Option<GlobMatcher>,
}

#[derive(Debug, thiserror::Error)]
pub enum SloFileError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: SLO files are `.toml` (slogate) or `.yml`/`.yaml` (fail_on_breach); cannot tell this one")]
    UnknownType { path: PathBuf },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Shape { path: PathBuf, message: String },
    #[error("{path}:{line}: `{entry}`: threshold `{threshold}`: {message}")]
    Threshold {
        path: PathBuf,
        line: usize,
        entry: String,
        threshold: String,
        message: String,
    },
    #[error("{path}:{line}: `{entry}` is not a valid glob: {message}")]
    Pattern {
        path: PathBuf,
        line: usize,
        entry: String,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    slo: Vec<TomlEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlEntry {
    benchmark: toml::Spanned<String>,
    thresholds: Vec<toml::Spanned<String>>,
}

/// Reads and validates an SLO file; every threshold line is parsed with the threshold grammar.
pub fn load_slo_file(path: &Path) -> Result<SloFile, SloFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| SloFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let entries = match ext {
        "toml" => load_toml(path, &text)?,
        "yml" | "yaml" => load_yaml(path, &text)?,
        _ => {
            return Err(SloFileError::UnknownType {
                path: path.to_path_buf(),
            })
        }
    };
    Ok(SloFile {
        path: path.to_path_buf(),
        entries,
    })
}

/// 1-based (line, column in characters) of a byte offset; suite files use it too.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn load_toml(path: &Path, text: &str) -> Result<Vec<SloEntry>, SloFileError> {
    let file: TomlFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        SloFileError::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    if file.slo.is_empty() {
        return Err(SloFileError::Shape {
            path: path.to_path_buf(),
            message: "no `[[slo]]` entries".into(),
        });
    }
    file.slo
        .into_iter()
        .map(|e| {
            let line = line_col(text, e.benchmark.span().start).0;
            let pattern = e.benchmark.into_inner();
            let matcher = GlobBuilder::new(&pattern)
                .literal_separator(false)
                .build()
                .map_err(|g| SloFileError::Pattern {
                    path: path.to_path_buf(),
                    line,
                    entry: pattern.clone(),
                    message: g.kind().to_string(),
                })?
                .compile_matcher();
            let mut thresholds = Vec::new();
            for t in e.thresholds {
                let t_line = line_col(text, t.span().start).0;
                thresholds.push(check_threshold(path, t_line, &pattern, t.into_inner())?);
            }
            Ok(SloEntry {
                pattern,
                thresholds,
                line,
                matcher: Some(matcher),
            })
        })
        .collect()
}

fn check_threshold(
    path: &Path,
    line: usize,
    entry: &str,
    threshold: String,
) -> Result<String, SloFileError> {
    match parse_threshold(&threshold) {
        Ok(_) => Ok(threshold),
        Err(e) => Err(SloFileError::Threshold {
            path: path.to_path_buf(),
            line,
            entry: entry.to_string(),
            threshold,
            message: e.to_string(),
        }),
    }
}

fn load_yaml(path: &Path, text: &str) -> Result<Vec<SloEntry>, SloFileError> {
    let root: Value = serde_norway::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        SloFileError::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            message: e.to_string(),
        }
    })?;
    let shape = |message: String| SloFileError::Shape {
        path: path.to_path_buf(),
        message,
    };
    let experiments = root
        .get("experiments")
        .and_then(Value::as_sequence)
        .ok_or_else(|| {
            shape("no `experiments:` list (expected the fail_on_breach layout)".into())
        })?;
    let mut scenarios: Vec<&Value> = Vec::new();
    for (i, exp) in experiments.iter().enumerate() {
        for step in exp
            .get("steps")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let run = step.get("run").and_then(Value::as_str);
            if run.is_none_or(|r| r == "fail_on_breach") {
                scenarios.extend(
                    step.get("scenarios")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten(),
                );
            }
            // The nesting `- fail_on_breach: [ { scenarios: [...] } ]` (or a single mapping).
            match step.get("fail_on_breach") {
                Some(Value::Sequence(items)) => {
                    for item in items {
                        scenarios.extend(
                            item.get("scenarios")
                                .and_then(Value::as_sequence)
                                .into_iter()
                                .flatten(),
                        );
                    }
                }
                Some(item @ Value::Mapping(_)) => scenarios.extend(
                    item.get("scenarios")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten(),
                ),
                _ => {}
            }
        }
        if exp.get("steps").is_none() {
            return Err(shape(format!("experiments[{i}] has no `steps:`")));
        }
    }
    if scenarios.is_empty() {
        return Err(shape(
            "no fail_on_breach scenarios (`experiments[].steps[].scenarios[]`)".into(),
        ));
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut entries = Vec::new();
    let mut cursor = 0;
    for (i, s) in scenarios.into_iter().enumerate() {
        let name = s
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| shape(format!("scenario #{} has no `name`", i + 1)))?
            .to_string();
        // serde_norway's values carry no positions: find the lines by text, in file order, each
        // name strictly after the previous one's line, on its own `name:` key.
        let line = find_name_line(&lines, cursor + 1, &name).unwrap_or(0);
        cursor = line.max(cursor);
        let mut thresholds = Vec::new();
        for t in s
            .get("thresholds")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let t = t
                .as_str()
                .ok_or_else(|| shape(format!("scenario `{name}`: thresholds must be strings such as `execution_time < 2 ms`")))?
                .to_string();
            let t_line = find_line(&lines, cursor, &t).unwrap_or(line);
            thresholds.push(check_threshold(path, t_line, &name, t)?);
        }
        let matcher = GlobBuilder::new(&name)
            .literal_separator(false)
            .build()
            .ok()
            .map(|g| g.compile_matcher());
        entries.push(SloEntry {
            pattern: name,
            thresholds,
            line,
            matcher,
        });
    }
    Ok(entries)
}

/// The 1-based number of the first line at or after `from` (1-based) containing `needle`.
fn find_line(lines: &[&str], from: usize, needle: &str) -> Option<usize> {
    let start = from.saturating_sub(1);
    lines
        .iter()
        .skip(start)
        .position(|l| l.contains(needle))
        .map(|i| start + i + 1)
}

/// The 1-based number of the first line at or after `from` (1-based) that is the `name:` key of
/// `name` (`- name: json`, `name: "json"`), not one that merely contains it.
fn find_name_line(lines: &[&str], from: usize, name: &str) -> Option<usize> {
    let key = regex::Regex::new(&format!(
        r#"^\s*(-\s+)?name:\s*(["']?){}(["']?)\s*(#.*)?$"#,
        regex::escape(name)
    ))
    .expect("valid regex");
    let start = from.saturating_sub(1);
    lines
        .iter()
        .skip(start)
        .position(|l| key.captures(l).is_some_and(|c| c[2] == c[3]))
        .map(|i| start + i + 1)
}

impl SloEntry {
    pub fn matches(&self, key: &str) -> bool {
        key_matches(&self.pattern, self.matcher.as_ref(), key)
    }
}

/// Whether a benchmark name (exact, or as a glob when `matcher` is given) names `key`: the key
/// itself, the key without its suite, or the bare scenario name.
pub fn key_matches(pattern: &str, matcher: Option<&GlobMatcher>, key: &str) -> bool {
    let without_suite = key.split_once('/').map_or(key, |(_, rest)| rest);
    let bare = match without_suite.rfind('[') {
        Some(i) if without_suite.ends_with(']') => &without_suite[..i],
        _ => without_suite,
    };
    [key, without_suite, bare]
        .into_iter()
        .any(|c| c == pattern || matcher.is_some_and(|m| m.is_match(c)))
}

/// The threshold lines for each benchmark key, and the patterns that matched no benchmark (so the
/// report can list them: a typo in an SLO file must not pass silently).
pub fn apply(slo: &SloFile, keys: &[String]) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unmatched = Vec::new();
    for entry in &slo.entries {
        let mut hit = false;
        for key in keys.iter().filter(|k| entry.matches(k)) {
            hit = true;
            let lines = by_key.entry(key.clone()).or_default();
            for t in &entry.thresholds {
                if !lines.contains(t) {
                    lines.push(t.clone());
                }
            }
        }
        if !hit {
            unmatched.push(entry.pattern.clone());
        }
    }
    (by_key, unmatched)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn toml_globs_and_exact_names() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "slo.toml",
            r#"
[[slo]]
benchmark = "pyperf/json_*"
thresholds = ["execution_time < 2 ms"]

[[slo]]
benchmark = "sum_loop"
thresholds = ["execution_time < 1 ms", "max_rss_usage < 40 MB"]

[[slo]]
benchmark = "nothing_like_this"
thresholds = ["execution_time < 1 ms"]
"#,
        );
        let slo = load_slo_file(&p).unwrap();
        assert_eq!(slo.entries[1].line, 7);
        let (by_key, unmatched) = apply(
            &slo,
            &keys(&[
                "pyperf/json_dumps",
                "pyperf/json_loads[size=big]",
                "gb/sum_loop",
                "pyperf/other",
            ]),
        );
        assert_eq!(by_key["pyperf/json_dumps"], vec!["execution_time < 2 ms"]);
        assert_eq!(
            by_key["pyperf/json_loads[size=big]"],
            vec!["execution_time < 2 ms"]
        );
        assert_eq!(by_key["gb/sum_loop"].len(), 2);
        assert!(!by_key.contains_key("pyperf/other"));
        assert_eq!(unmatched, vec!["nothing_like_this"]);
    }

    #[test]
    fn toml_errors_name_file_line_and_entry() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "bad.toml", "[[slo]]\nbenchmark = \"a\"\nthresholds = [\n  \"execution_time < 2 ms\",\n  \"execution_time = 3 ms\",\n]\n");
        let e = load_slo_file(&p).unwrap_err().to_string();
        assert!(
            e.contains("bad.toml:5:") && e.contains("`a`") && e.contains("column 16"),
            "{e}"
        );
        let p = write(
            &dir,
            "unknown.toml",
            "[[slo]]\nbenchmark = \"a\"\nthresholds = []\nlimit = 3\n",
        );
        let e = load_slo_file(&p).unwrap_err().to_string();
        assert!(e.contains("unknown.toml:4:") && e.contains("limit"), "{e}");
        let p = write(
            &dir,
            "glob.toml",
            "[[slo]]\nbenchmark = \"a[\"\nthresholds = []\n",
        );
        assert!(load_slo_file(&p)
            .unwrap_err()
            .to_string()
            .contains("glob.toml:2"));
    }

    #[test]
    fn yaml_of_existing_gates_both_nestings() {
        let dir = tempfile::tempdir().unwrap();
        // The layout of existing gate files: scenarios on a `run: fail_on_breach` step.
        let flat = write(
            &dir,
            "flat.yml",
            "experiments:\n  - name: SLO Check\n    steps:\n      - name: SLO Check\n        run: fail_on_breach\n        warning_range: 7\n        scenarios:\n          - name: flasksimple-tracer\n            thresholds:\n              - execution_time < 3.65 ms\n              - max_rss_usage < 52.50 MB\n          - name: djangosimple-*\n            thresholds:\n              - execution_time < 22.30 ms\n",
        );
        let slo = load_slo_file(&flat).unwrap();
        assert_eq!(slo.entries.len(), 2);
        assert_eq!(slo.entries[0].line, 8);
        let (by_key, unmatched) = apply(
            &slo,
            &keys(&["ddtrace/flasksimple-tracer", "ddtrace/djangosimple-appsec"]),
        );
        assert_eq!(by_key["ddtrace/flasksimple-tracer"].len(), 2);
        assert_eq!(
            by_key["ddtrace/djangosimple-appsec"],
            vec!["execution_time < 22.30 ms"]
        );
        assert!(unmatched.is_empty());
        // The nesting with a `fail_on_breach:` list on the step.
        let nested = write(
            &dir,
            "nested.yaml",
            "experiments:\n  - name: x\n    steps:\n      - fail_on_breach:\n          - scenarios:\n              - name: normal_operation/tracing-run\n                thresholds: [\"execution_time < 0.13 ms\"]\n",
        );
        let slo = load_slo_file(&nested).unwrap();
        assert_eq!(slo.entries[0].pattern, "normal_operation/tracing-run");
        let (by_key, _) = apply(&slo, &keys(&["normal_operation/tracing-run"]));
        assert_eq!(by_key.len(), 1);
    }

    #[test]
    fn yaml_threshold_errors_point_at_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "gate.yml",
            "experiments:\n  - steps:\n      - run: fail_on_breach\n        scenarios:\n          - name: a\n            thresholds:\n              - execution_time < 3 parsecs\n",
        );
        let e = load_slo_file(&p).unwrap_err().to_string();
        assert!(
            e.contains("gate.yml:7:") && e.contains("`a`") && e.contains("parsecs"),
            "{e}"
        );
        let p = write(&dir, "broken.yml", "experiments:\n  - steps: [\n");
        let e = load_slo_file(&p).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}:", p.display())), "{e}");
        let p = write(&dir, "other.json", "{}");
        assert!(matches!(
            load_slo_file(&p),
            Err(SloFileError::UnknownType { .. })
        ));
    }
}
