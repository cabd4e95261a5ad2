//! Suggested limits written back into the file that holds the threshold lines: a suite file
//! (each `[[scenario]]`'s `thresholds`) or a standalone SLO file (each entry's), edited in place
//! so that comments, order and layout stay as written. Only the text of a threshold line that
//! names a suggestion's metric, in the part of the file that applies to its benchmark, changes;
//! a line that several benchmarks share (a scenario's variants, a glob) gets the loosest of their
//! suggestions, so no benchmark that passed under it is made to fail.

use super::file::{load_slo_file, SloFileError};
use super::suggest::Suggestion;
use super::threshold::{parse_threshold, Threshold};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

/// One threshold line rewritten.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// 1-based line in the file.
    pub line: usize,
    pub old: String,
    pub new: String,
}

/// The file's new text and what changed; `unplaced` are the suggestions no line of the file
/// holds (their benchmark has no threshold on that metric there).
#[derive(Debug, Clone, PartialEq)]
pub struct Patched {
    pub text: String,
    pub edits: Vec<Edit>,
    pub unplaced: Vec<Suggestion>,
}

/// A part of the file and the benchmarks its threshold lines apply to.
struct Region {
    range: Range<usize>,
    applies: Box<dyn Fn(&str) -> bool>,
}

/// Rewrites the threshold lines of `path` (whose text is `text`) that `suggestions` cover.
/// `scenario_of` maps a benchmark's scenario name to the `[[scenario]]` of a suite file that made
/// it, where they differ (`spans-start` of scenario `spans` with `configs`: a loaded suite's
/// `scenario_sources`).
pub fn patch(
    path: &Path,
    text: &str,
    suggestions: &[Suggestion],
    scenario_of: &BTreeMap<String, String>,
) -> Result<Patched, SloFileError> {
    let regions = match suite_name(text) {
        Some(suite) => suite_regions(text, &suite, scenario_of),
        None => slo_file_regions(path, text)?,
    };
    let mut out = String::with_capacity(text.len());
    let mut edits = Vec::new();
    let mut placed = vec![false; suggestions.len()];
    let mut at = 0;
    for region in &regions {
        for (span, current) in threshold_literals(text, region.range.clone()) {
            let mut best: Option<Threshold> = None;
            for (i, s) in suggestions.iter().enumerate() {
                if s.metric != current.metric || !(region.applies)(&s.key) {
                    continue;
                }
                let Ok(t) = parse_threshold(&s.line) else {
                    continue;
                };
                if t.op.is_upper_bound() != current.op.is_upper_bound() {
                    continue;
                }
                placed[i] = true;
                let looser = best.as_ref().is_none_or(|b| {
                    if t.op.is_upper_bound() {
                        t.limit > b.limit
                    } else {
                        t.limit < b.limit
                    }
                });
                if looser {
                    best = Some(t);
                }
            }
            let Some(best) = best.filter(|b| b.line != current.line) else {
                continue;
            };
            out.push_str(&text[at..span.start]);
            out.push_str(&best.line);
            at = span.end;
            edits.push(Edit {
                line: super::file::line_col(text, span.start).0,
                old: current.line,
                new: best.line,
            });
        }
    }
    out.push_str(&text[at..]);
    let unplaced = suggestions
        .iter()
        .zip(&placed)
        .filter(|(_, p)| !**p)
        .map(|(s, _)| s.clone())
        .collect();
    Ok(Patched {
        text: out,
        edits,
        unplaced,
    })
}

/// `[suite] name` when `text` is a suite file.
fn suite_name(text: &str) -> Option<String> {
    let v: toml::Value = toml::from_str(text).ok()?;
    v.get("scenario")?;
    Some(v.get("suite")?.get("name")?.as_str()?.to_string())
}

/// Each `[[scenario]]` table, up to the next table header, applying to its own benchmarks.
fn suite_regions(text: &str, suite: &str, scenario_of: &BTreeMap<String, String>) -> Vec<Region> {
    let header = regex::Regex::new(r"(?m)^[ \t]*\[").expect("valid regex");
    let name = regex::Regex::new(r#"(?m)^[ \t]*name[ \t]*=[ \t]*"([^"]*)""#).expect("valid regex");
    let starts: Vec<usize> = header.find_iter(text).map(|m| m.start()).collect();
    let mut regions = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        if !text[start..].trim_start().starts_with("[[scenario]]") {
            continue;
        }
        let Some(scenario) = name.captures(&text[start..end]).map(|c| c[1].to_string()) else {
            continue;
        };
        let suite = suite.to_string();
        let scenario_of = scenario_of.clone();
        regions.push(Region {
            range: start..end,
            applies: Box::new(move |key: &str| {
                let Some((s, rest)) = key.split_once('/') else {
                    return false;
                };
                let bare = rest.split_once('[').map_or(rest, |(b, _)| b);
                s == suite && scenario_of.get(bare).map_or(bare, String::as_str) == scenario
            }),
        });
    }
    regions
}

/// Each entry of an SLO file: in TOML its `[[slo]]` table (from its header to the next table
/// header, whatever order its keys are in); in YAML from its `name:` line to the next `name:` key
/// of any scenario or experiment. An entry whose place is unknown gets no region: its suggestions
/// are reported unplaced rather than written into a neighbour's lines.
fn slo_file_regions(path: &Path, text: &str) -> Result<Vec<Region>, SloFileError> {
    let entries = load_slo_file(path)?.entries;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: usize| line_starts.get(line - 1).copied().unwrap_or(text.len());
    let (starts, boundaries): (Vec<Option<usize>>, Vec<usize>) =
        if path.extension().is_some_and(|e| e == "toml") {
            let header = regex::Regex::new(r"(?m)^[ \t]*\[").expect("valid regex");
            let slo = regex::Regex::new(r"^[ \t]*\[\[[ \t]*slo[ \t]*\]\]").expect("valid regex");
            let tables: Vec<usize> = header.find_iter(text).map(|m| m.start()).collect();
            let slo_tables: Vec<usize> = tables
                .iter()
                .copied()
                .filter(|&t| slo.is_match(&text[t..]))
                .collect();
            if slo_tables.len() != entries.len() {
                // Not one `[[slo]]` header per entry (an inline array): no entry is placed.
                return Ok(Vec::new());
            }
            (slo_tables.into_iter().map(Some).collect(), tables)
        } else {
            let name_key = regex::Regex::new(r"(?m)^[ \t]*(-[ \t]+)?name:").expect("valid regex");
            (
                entries
                    .iter()
                    .map(|e| (e.line > 0).then(|| offset(e.line)))
                    .collect(),
                name_key.find_iter(text).map(|m| m.start()).collect(),
            )
        };
    Ok(entries
        .into_iter()
        .zip(starts)
        .filter_map(|(e, start)| {
            let start = start?;
            let end = boundaries
                .iter()
                .copied()
                .find(|&b| b > start)
                .unwrap_or(text.len());
            Some(Region {
                range: start..end,
                applies: Box::new(move |key: &str| e.matches(key)),
            })
        })
        .collect())
}

/// The threshold lines written in `range`: quoted strings, or YAML list items (`- line`), that
/// parse as thresholds, with the span of their text.
fn threshold_literals(text: &str, range: Range<usize>) -> Vec<(Range<usize>, Threshold)> {
    // A quoted threshold, or a YAML list item's plain text up to the line's end or its comment.
    let literal = regex::Regex::new(
        r#"(?m)"([^"\\\n]*)"|'([^'\n]*)'|^[ \t]*-[ \t]+([^"'#\n]*?)[ \t]*(?:#[^\n]*)?$"#,
    )
    .expect("valid regex");
    let base = range.start;
    literal
        .captures_iter(&text[range])
        .filter_map(|c| {
            let m = c.get(1).or(c.get(2)).or(c.get(3))?;
            let (start, end) = (base + m.start(), base + m.end());
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            if in_comment(&text[line_start..start]) {
                return None;
            }
            let t = parse_threshold(m.as_str()).ok()?;
            Some((start..end, t))
        })
        .collect()
}

/// Whether text that follows `prefix` on its line is inside a `#` comment (a `#` outside quotes;
/// TOML and YAML both comment so).
fn in_comment(prefix: &str) -> bool {
    let mut quote = None;
    for c in prefix.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggestion(key: &str, line: &str) -> Suggestion {
        Suggestion {
            key: key.into(),
            metric: line.split(' ').next().unwrap().into(),
            line: line.into(),
            runs: 10,
            since_run: 0,
            cv: 0.01,
            margin: 0.05,
        }
    }

    const SUITE: &str = r#"[suite]
name = "s"

[[scenario]]
name = "a"   # the first
command = ["true"]
# keep this comment
thresholds = [
    "execution_time < 200 us",   # set in 2025
    "max_rss_usage < 60 MB",
]

[[scenario]]
name = "b"
command = ["true"]
matrix = { n = ["1", "2"] }
thresholds = ["execution_time < 200 us"]
"#;

    #[test]
    fn a_suite_keeps_its_layout_and_a_shared_line_gets_the_loosest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("suite.toml");
        let got = patch(
            &path,
            SUITE,
            &[
                suggestion("s/a", "execution_time < 112 us"),
                suggestion("s/b[n=1]", "execution_time < 90 us"),
                suggestion("s/b[n=2]", "execution_time < 130 us"),
                suggestion("s/c", "execution_time < 5 ms"),
                suggestion("other/a", "execution_time < 1 us"),
            ],
            &BTreeMap::new(),
        )
        .unwrap();
        let want = SUITE
            .replacen("execution_time < 200 us", "execution_time < 112 us", 1)
            .replacen(
                "[\"execution_time < 200 us\"]",
                "[\"execution_time < 130 us\"]",
                1,
            );
        assert_eq!(got.text, want);
        assert_eq!(
            got.edits,
            vec![
                Edit {
                    line: 9,
                    old: "execution_time < 200 us".into(),
                    new: "execution_time < 112 us".into()
                },
                Edit {
                    line: 17,
                    old: "execution_time < 200 us".into(),
                    new: "execution_time < 130 us".into()
                },
            ]
        );
        let unplaced: Vec<&str> = got.unplaced.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(unplaced, ["s/c", "other/a"]);
    }

    #[test]
    fn slo_files_toml_and_yaml_are_edited_per_entry() {
        let dir = tempfile::tempdir().unwrap();
        let toml_path = dir.path().join("slo.toml");
        let toml_text = "# team limits\n[[slo]]\nbenchmark = \"json_*\"\nthresholds = [\"execution_time < 2 ms\"]\n\n[[slo]]\nbenchmark = \"xml\"\nthresholds = [\"execution_time < 2 ms\"]\n";
        std::fs::write(&toml_path, toml_text).unwrap();
        let got = patch(
            &toml_path,
            toml_text,
            &[suggestion("pyperf/xml", "execution_time < 1.1 ms")],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            got.text,
            toml_text.replacen(
                "benchmark = \"xml\"\nthresholds = [\"execution_time < 2 ms\"]",
                "benchmark = \"xml\"\nthresholds = [\"execution_time < 1.1 ms\"]",
                1
            )
        );
        let yaml_path = dir.path().join("slo.yml");
        let yaml_text = "experiments:\n  - name: e\n    steps:\n      - run: fail_on_breach\n        scenarios:\n          - name: xml\n            thresholds:\n              - execution_time < 2 ms   \n              - max_rss_usage < 40 MB\n";
        std::fs::write(&yaml_path, yaml_text).unwrap();
        let got = patch(
            &yaml_path,
            yaml_text,
            &[suggestion("pyperf/xml", "max_rss_usage < 35.5 MB")],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            got.text,
            yaml_text.replace("max_rss_usage < 40 MB", "max_rss_usage < 35.5 MB")
        );
    }

    /// A threshold inside a comment is not edited; a YAML item with a trailing comment is, and
    /// keeps its comment.
    #[test]
    fn comments_are_skipped_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let toml_path = dir.path().join("slo.toml");
        let toml_text = "[[slo]]\nbenchmark = \"xml\"\n# was \"execution_time < 9 ms\"\nthresholds = [\"execution_time < 2 ms\"]  # \"execution_time < 3 ms\"\n";
        std::fs::write(&toml_path, toml_text).unwrap();
        let got = patch(
            &toml_path,
            toml_text,
            &[suggestion("pyperf/xml", "execution_time < 1.1 ms")],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            got.text,
            toml_text.replace(
                "[\"execution_time < 2 ms\"]",
                "[\"execution_time < 1.1 ms\"]"
            )
        );
        let yaml_path = dir.path().join("slo.yml");
        let yaml_text = "experiments:\n  - name: e\n    steps:\n      - run: fail_on_breach\n        scenarios:\n          - name: xml\n            thresholds:\n              # - execution_time < 5 ms\n              - execution_time < 2 ms  # agreed in review\n";
        std::fs::write(&yaml_path, yaml_text).unwrap();
        let got = patch(
            &yaml_path,
            yaml_text,
            &[suggestion("pyperf/xml", "execution_time < 1.1 ms")],
            &BTreeMap::new(),
        )
        .unwrap();
        assert!(got.unplaced.is_empty());
        assert_eq!(
            got.text,
            yaml_text.replace(
                "- execution_time < 2 ms  # agreed",
                "- execution_time < 1.1 ms  # agreed"
            )
        );
    }

    /// A name that is part of an earlier line (`json` in `json_fast`, `e` in `experiments`) is
    /// not that entry's line: each entry's own limit changes, no neighbour's.
    #[test]
    fn a_yaml_name_inside_an_earlier_line_edits_only_its_own_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("slo.yml");
        let text = "experiments:\n  - name: e\n    steps:\n      - run: fail_on_breach\n        scenarios:\n          - name: json_fast\n            thresholds:\n              - execution_time < 2 ms\n          - name: json\n            thresholds:\n              - execution_time < 9 ms\n          - name: e\n            thresholds:\n              - execution_time < 4 ms\n";
        std::fs::write(&path, text).unwrap();
        let got = patch(
            &path,
            text,
            &[
                suggestion("x/json", "execution_time < 7 ms"),
                suggestion("x/e", "execution_time < 3 ms"),
            ],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            got.text,
            text.replace("< 9 ms", "< 7 ms").replace("< 4 ms", "< 3 ms")
        );
        assert!(got.unplaced.is_empty(), "{:?}", got.unplaced);
    }

    /// An `[[slo]]` table whose `thresholds` come before its `benchmark` is that table's, not the
    /// one above it.
    #[test]
    fn a_toml_entry_is_its_whole_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("slo.toml");
        let text = "[[slo]]\nbenchmark = \"json\"\nthresholds = [\"execution_time < 2 ms\"]\n\n[[slo]]\nthresholds = [\"execution_time < 5 ms\"]\nbenchmark = \"xml\"\n";
        std::fs::write(&path, text).unwrap();
        let got = patch(
            &path,
            text,
            &[suggestion("x/json", "execution_time < 3 ms")],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(got.text, text.replace("< 2 ms", "< 3 ms"));
        let got = patch(
            &path,
            text,
            &[suggestion("x/xml", "execution_time < 6 ms")],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(got.text, text.replace("< 5 ms", "< 6 ms"));
    }

    /// Benchmarks of a `configs` scenario (`spans-start`) are placed on its `thresholds`, and not
    /// on those of a scenario whose name they start with.
    #[test]
    fn a_configs_scenario_gets_its_benchmarks_suggestions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("suite.toml");
        let text = "[suite]\nname = \"s\"\n\n[[scenario]]\nname = \"spans\"\ncommand = [\"true\"]\nconfigs = \"c.yaml\"\nthresholds = [\"execution_time < 2 ms\"]\n\n[[scenario]]\nname = \"spans-start\"\ncommand = [\"true\"]\nthresholds = [\"execution_time < 8 ms\"]\n";
        let sources = BTreeMap::from([("spans-finish".to_string(), "spans".to_string())]);
        let got = patch(
            &path,
            text,
            &[
                suggestion("s/spans-finish", "execution_time < 3 ms"),
                suggestion("s/spans-start", "execution_time < 9 ms"),
            ],
            &sources,
        )
        .unwrap();
        assert_eq!(
            got.text,
            text.replace("< 2 ms", "< 3 ms").replace("< 8 ms", "< 9 ms")
        );
    }
}
