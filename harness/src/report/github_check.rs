//! The payload of GitHub's "create a check run" call (`POST /repos/{owner}/{repo}/check-runs`):
//! a completed run whose conclusion is the gate's, the markdown report as its summary, and one
//! annotation per benchmark with a finding or an accepted change. The call's limits: a summary of
//! at most 65,535 characters, at most 50 annotations per request, an annotation title of at most
//! 255 characters and a message of at most 64 KB.

use super::markdown::MarkdownRenderer;
use super::{display_name, headline, RenderOptions, Renderer};
use crate::compare::{BenchmarkComparison, Comparison};
use crate::escape::terminal_text as clean;
use serde_json::{json, Value};

/// The check's name on the pull request.
pub const CHECK_NAME: &str = "slogate";
/// Most characters of `output.summary`.
pub const SUMMARY_LIMIT: usize = 65_535;
/// Most annotations one request may carry.
pub const ANNOTATIONS_LIMIT: usize = 50;
/// Most characters of an annotation's title.
pub const TITLE_LIMIT: usize = 255;
/// Most bytes of an annotation's message (64 KB).
pub const MESSAGE_LIMIT: usize = 64 * 1024;

pub struct GithubCheckRenderer;

impl Renderer for GithubCheckRenderer {
    fn render(&self, c: &Comparison, opts: &RenderOptions) -> String {
        let summary = MarkdownRenderer.render(
            c,
            &RenderOptions {
                max_chars: SUMMARY_LIMIT,
                color: false,
                ..opts.clone()
            },
        );
        let conclusion = if c.benchmarks.is_empty() {
            "neutral"
        } else if c.gate.passed {
            "success"
        } else {
            "failure"
        };
        let mark = if c.gate.passed { "✅" } else { "❌" };
        let head_sha = opts
            .head_sha
            .clone()
            .or_else(|| c.candidate.commit.clone())
            .unwrap_or_default();
        let payload = json!({
            "name": CHECK_NAME,
            "head_sha": head_sha,
            "status": "completed",
            "conclusion": conclusion,
            "output": {
                "title": truncate_chars(&format!("{mark} {}", clean(&headline(c))), TITLE_LIMIT),
                "summary": summary,
                "annotations": annotations(c, opts),
            },
        });
        let mut out = serde_json::to_string_pretty(&payload).expect("a JSON value serialises");
        out.push('\n');
        out
    }
}

/// Failing findings first (`failure`), then findings the gate does not fail on (`warning`), then
/// accepted changes (`notice`, on their accept entry's line); the first 50.
fn annotations(c: &Comparison, opts: &RenderOptions) -> Vec<Value> {
    let mut out = Vec::new();
    for fails in [true, false] {
        for b in &c.benchmarks {
            let texts: Vec<&str> = b
                .findings
                .iter()
                .filter(|f| f.fails == fails)
                .map(|f| f.text.as_str())
                .collect();
            if texts.is_empty() || (!fails && b.fails_gate()) {
                continue;
            }
            let level = if fails { "failure" } else { "warning" };
            let path = in_repo(&suite_file(c, b), opts);
            out.push(annotation(b, level, (path, 1), &texts));
        }
    }
    for b in &c.benchmarks {
        for a in &b.accepted {
            let (path, line) = a
                .entry
                .rsplit_once(':')
                .and_then(|(p, l)| Some((p.to_string(), l.parse().ok()?)))
                .unwrap_or_else(|| (suite_file(c, b), 1));
            let path = in_repo(&path, opts);
            let text = format!(
                "{} {} accepted (up to {}): {}",
                a.metric,
                crate::units::format_pct(a.change),
                crate::units::format_pct(a.max),
                a.reason
            );
            out.push(annotation(b, "notice", (path, line), &[&text]));
        }
    }
    out.truncate(ANNOTATIONS_LIMIT);
    out
}

fn annotation(
    b: &BenchmarkComparison,
    level: &str,
    (path, line): (String, u64),
    texts: &[&str],
) -> Value {
    let message = texts
        .iter()
        .map(|t| clean(t))
        .collect::<Vec<_>>()
        .join("\n");
    json!({
        "path": path,
        "start_line": line,
        "end_line": line,
        "annotation_level": level,
        "title": truncate_chars(&clean(&format!("{}/{}", b.suite, display_name(b))), TITLE_LIMIT),
        "message": truncate_bytes(&message, MESSAGE_LIMIT),
    })
}

/// The suite file the candidate run read for this benchmark, repository-relative as recorded;
/// the candidate's results file when the run recorded none (an import).
fn suite_file(c: &Comparison, b: &BenchmarkComparison) -> String {
    let path = c
        .candidate
        .suite_files
        .get(&b.suite)
        .or(c.candidate.file.as_ref())
        .map_or("slogate-results.json", String::as_str);
    path.trim_start_matches("./").to_string()
}

/// `path` relative to the repository's top when it lies under it, as the Checks API wants it.
fn in_repo(path: &str, opts: &RenderOptions) -> String {
    let p = std::path::Path::new(path);
    opts.repo_root
        .as_deref()
        .and_then(|root| p.strip_prefix(root).ok())
        .map_or_else(|| path.to_string(), |rel| rel.display().to_string())
}

/// At most `limit` characters, the last one `…` when cut.
fn truncate_chars(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut out: String = text.chars().take(limit - 1).collect();
    out.push('…');
    out
}

/// At most `limit` bytes of UTF-8, cut on a character boundary, the last one `…` when cut.
fn truncate_bytes(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_within_limits_on_character_boundaries() {
        let long = "é".repeat(300);
        let t = truncate_chars(&long, TITLE_LIMIT);
        assert_eq!(t.chars().count(), TITLE_LIMIT);
        assert!(t.ends_with('…'));
        assert_eq!(truncate_chars("short", TITLE_LIMIT), "short");
        let huge = "µ".repeat(MESSAGE_LIMIT);
        let m = truncate_bytes(&huge, MESSAGE_LIMIT);
        assert!(m.len() <= MESSAGE_LIMIT && m.ends_with('…'));
    }
}
