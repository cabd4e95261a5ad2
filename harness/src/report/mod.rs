//! Renderers of a comparison: one file per format, each turning the same [`Comparison`] into text.
//! They compute no statistics; this module holds only what the formats share: the vocabulary of
//! marks (✅ ❌ 🟡 📉 📈), benchmark names, and the order of sections.

mod json;
mod junit;
mod markdown;
mod terminal;

#[cfg(test)]
pub mod fixture;

pub use json::JsonRenderer;
pub use junit::JunitRenderer;
pub use markdown::MarkdownRenderer;
pub use terminal::TerminalRenderer;

use crate::compare::{
    BenchmarkComparison, Change, ChangeVerdict, Comparison, MetricComparison, Presence, Section,
    SideInfo, SloCheck, SloVerdict,
};
use crate::results::Status;
use crate::slo::threshold::{parse_overhead, parse_threshold};
use crate::units::{format_auto, format_pct};
use std::str::FromStr;

/// An output format of `compare` and `ab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// GitHub-flavoured markdown for a pull-request comment.
    #[value(name = "markdown", alias = "md")]
    Markdown,
    /// Aligned tables for a terminal.
    #[value(name = "terminal", alias = "term")]
    Terminal,
    /// The whole comparison as JSON.
    Json,
    /// JUnit XML for CI test tabs.
    Junit,
}

/// A format name that is none of `md`, `markdown`, `term`, `terminal`, `json`, `junit`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown report format `{0}` (expected md, terminal, json or junit)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        <Format as clap::ValueEnum>::from_str(s, true).map_err(|_| UnknownFormat(s.to_string()))
    }
}

/// What a caller decides about the output, as opposed to what the comparison says.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// ANSI colours in the terminal format (the caller checks isatty).
    pub color: bool,
    /// Where the unabridged report is written, named when the markdown has to fold sections.
    pub full_report: Option<String>,
    /// Most characters the markdown may take (GitHub's comment limit).
    pub max_chars: usize,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            color: false,
            full_report: None,
            max_chars: 65_536,
        }
    }
}

/// One output format.
pub trait Renderer {
    fn render(&self, c: &Comparison, opts: &RenderOptions) -> String;
}

/// Renders `c` in `format`.
pub fn render(c: &Comparison, format: Format, opts: &RenderOptions) -> String {
    let renderer: &dyn Renderer = match format {
        Format::Markdown => &MarkdownRenderer,
        Format::Terminal => &TerminalRenderer,
        Format::Json => &JsonRenderer,
        Format::Junit => &JunitRenderer,
    };
    renderer.render(c, opts)
}

/// Sections most severe first, the order every human format follows.
const SECTIONS: [Section; 6] = [
    Section::Failed,
    Section::Breach,
    Section::Regression,
    Section::Near,
    Section::Improvement,
    Section::Pass,
];

/// The marks of one human format: emoji for markdown, plain ASCII words for a terminal.
struct Vocabulary {
    comfortable: &'static str,
    near: &'static str,
    pass: &'static str,
    breach: &'static str,
    uncertain: &'static str,
    no_data: &'static str,
    regression: &'static str,
    improvement: &'static str,
    same: &'static str,
    unstable: &'static str,
    new: &'static str,
}

const EMOJI: Vocabulary = Vocabulary {
    comfortable: "📉",
    near: "🟡",
    pass: "✅",
    breach: "❌",
    uncertain: "⚠️",
    no_data: "❔",
    regression: "📈",
    improvement: "📉",
    same: "~same",
    unstable: "unstable",
    new: "🆕 new",
};

const ASCII: Vocabulary = Vocabulary {
    comfortable: "",
    near: "near",
    pass: "ok",
    breach: "BREACH",
    uncertain: "UNCERTAIN",
    no_data: "FAIL",
    regression: "regression",
    improvement: "improvement",
    same: "~same",
    unstable: "unstable",
    new: "new",
};

impl Vocabulary {
    /// The mark before a checked value: ✅, ❌, ⚠️ or ❔.
    fn verdict(&self, v: SloVerdict) -> &'static str {
        match v {
            SloVerdict::Comfortable | SloVerdict::Pass | SloVerdict::Near => self.pass,
            SloVerdict::Uncertain => self.uncertain,
            SloVerdict::Breach => self.breach,
            SloVerdict::NoData => self.no_data,
        }
    }

    /// The mark beside the margin: 📉 comfortably under, 🟡 near.
    fn margin(&self, v: SloVerdict) -> &'static str {
        match v {
            SloVerdict::Comfortable => self.comfortable,
            SloVerdict::Near => self.near,
            _ => "",
        }
    }
}

/// `scenario (k=v, k=v)`, unescaped.
fn display_name(b: &BenchmarkComparison) -> String {
    if b.variant.is_empty() {
        return b.scenario.clone();
    }
    let parts: Vec<String> = b.variant.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{} ({})", b.scenario, parts.join(", "))
}

/// `branch (abc1234)`, `branch (abc1234, dirty, interrupted)`, or the side's label without a
/// branch; unescaped.
fn side_text(side: &SideInfo) -> String {
    let name = side.branch.as_deref().unwrap_or(&side.label);
    let mut notes: Vec<&str> = Vec::new();
    if let Some(commit) = &side.commit {
        notes.push(commit.get(..7).unwrap_or(commit));
    }
    if side.dirty {
        notes.push("dirty");
    }
    if side.interrupted {
        notes.push("interrupted");
    }
    let mut text = if notes.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({})", notes.join(", "))
    };
    if !side.vars.is_empty() {
        let vars: Vec<String> = side.vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
        text.push_str(&format!(" with {}", vars.join(", ")));
    }
    text
}

/// The limit's comparison operator as written in its line (`<` unless the line says otherwise).
fn limit_op(check: &SloCheck) -> &'static str {
    parse_threshold(&check.line)
        .map(|t| t.op)
        .or_else(|_| parse_overhead(&check.line).map(|o| o.op))
        .map(|op| op.symbol())
        .unwrap_or("<")
}

/// `✅ 104.404µs (SLO: <130.000µs 📉 -19.7%)`, the value in the limit's scale; unescaped.
fn slo_text(check: &SloCheck, words: &Vocabulary, kind: &str) -> String {
    let value = match &check.estimate {
        Some(e) => check.scale.format(e.point),
        None => "no data".to_string(),
    };
    let mut limit = format!(
        "{kind}: {}{}",
        limit_op(check),
        check.scale.format(check.limit)
    );
    let margin_mark = words.margin(check.verdict);
    if !margin_mark.is_empty() {
        limit.push(' ');
        limit.push_str(margin_mark);
    }
    if let Some(m) = check.margin {
        limit.push(' ');
        limit.push_str(&format_pct(m));
    }
    format!("{} {value} ({limit})", words.verdict(check.verdict))
}

/// The percent interval of a ratio: `[+9.1%, +17.6%]`.
fn change_interval(c: &Change) -> String {
    format!(
        "[{}, {}]",
        format_pct(c.ratio_low - 1.0),
        format_pct(c.ratio_high - 1.0)
    )
}

/// `📈 +13.3% [+9.1%, +17.6%]`, `~same`, `unstable`, or why there is no change; unescaped.
fn change_text(m: &MetricComparison, presence: Presence, words: &Vocabulary) -> String {
    let Some(c) = &m.change else {
        return match (presence, &m.candidate) {
            (Presence::New, _) => words.new.to_string(),
            (_, None) => "no data".to_string(),
            (_, Some(_)) => "no baseline".to_string(),
        };
    };
    let pct = format_pct(c.ratio - 1.0);
    match c.verdict {
        ChangeVerdict::Regression => {
            format!("{} {pct} {}", words.regression, change_interval(c))
        }
        ChangeVerdict::Improvement => {
            format!("{} {pct} {}", words.improvement, change_interval(c))
        }
        ChangeVerdict::Same => words.same.to_string(),
        ChangeVerdict::Unstable => words.unstable.to_string(),
    }
}

/// A metric's candidate value in its best scale, or nothing when the candidate has no data.
fn candidate_value(m: &MetricComparison) -> Option<String> {
    m.candidate.map(|e| format_auto(m.unit, e.point))
}

/// Why a failed-section benchmark is there: `failed`, `timed out`, `out of memory`, `missing`.
fn status_text(b: &BenchmarkComparison) -> &'static str {
    match (b.presence, b.candidate_status) {
        (Presence::Missing, _) | (_, None) => "missing from the candidate",
        (_, Some(Status::Failed)) => "failed",
        (_, Some(Status::Timeout)) => "timed out",
        (_, Some(Status::Oom)) => "ran out of memory",
        (_, Some(Status::Skipped)) => "skipped",
        (_, Some(Status::Ok)) => "ok",
    }
}

/// The metrics a group of benchmarks shows, in first-seen order (SLO-checked metrics count too).
fn metric_names<'a>(benchmarks: &[&'a BenchmarkComparison]) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for b in benchmarks {
        let seen = b
            .metrics
            .iter()
            .map(|m| m.metric.as_str())
            .chain(b.slos.iter().map(|s| s.metric.as_str()));
        for name in seen {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Benchmarks grouped by suite, suites in first-seen order.
fn by_suite<'a>(
    benchmarks: impl IntoIterator<Item = &'a BenchmarkComparison>,
) -> Vec<(&'a str, Vec<&'a BenchmarkComparison>)> {
    let mut groups: Vec<(&str, Vec<&BenchmarkComparison>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for b in benchmarks {
        match index.get(b.suite.as_str()) {
            Some(&i) => groups[i].1.push(b),
            None => {
                index.insert(&b.suite, groups.len());
                groups.push((&b.suite, vec![b]));
            }
        }
    }
    groups
}

/// Benchmarks of one section, in comparison order.
fn in_section(c: &Comparison, section: Section) -> Vec<&BenchmarkComparison> {
    c.benchmarks
        .iter()
        .filter(|b| b.section == section)
        .collect()
}

/// The text of a relative shift: `max_rss_usage moved +5.0% (median) in 118 of 120 benchmarks`.
fn shift_text(s: &crate::compare::Shift) -> String {
    let (group, shared_by) = match &s.variant {
        Some(v) => (format!(" with {v}"), "that variant"),
        None => (String::new(), "everything"),
    };
    format!(
        "{} moved {} (median) in {} of {} benchmarks{group}: a change shared by {shared_by}, not noise",
        s.metric,
        format_pct(s.median_change),
        s.moved,
        s.total
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_parse_case_insensitively() {
        assert_eq!("md".parse::<Format>().unwrap(), Format::Markdown);
        assert_eq!("Markdown".parse::<Format>().unwrap(), Format::Markdown);
        assert_eq!("term".parse::<Format>().unwrap(), Format::Terminal);
        assert_eq!("terminal".parse::<Format>().unwrap(), Format::Terminal);
        assert_eq!("json".parse::<Format>().unwrap(), Format::Json);
        assert_eq!("junit".parse::<Format>().unwrap(), Format::Junit);
        assert!("html".parse::<Format>().is_err());
    }

    #[test]
    fn side_text_shortens_and_marks_dirty() {
        let c = fixture::fixed();
        assert_eq!(side_text(&c.baseline), "main (c11f050)");
        assert!(side_text(&c.candidate).ends_with("(8e956cb, dirty)"));
        let mut unnamed = c.baseline.clone();
        unnamed.branch = None;
        unnamed.commit = None;
        assert_eq!(side_text(&unnamed), "baseline");
        unnamed.interrupted = true;
        assert_eq!(side_text(&unnamed), "baseline (interrupted)");
        unnamed.vars.insert("ddtrace".into(), "4.15.7".into());
        assert_eq!(
            side_text(&unnamed),
            "baseline (interrupted) with ddtrace=4.15.7"
        );
    }

    #[test]
    fn slo_text_uses_the_limit_scale_and_seed_marks() {
        let c = fixture::fixed();
        let texts: Vec<String> = c
            .benchmarks
            .iter()
            .flat_map(|b| b.slos.iter().map(|s| slo_text(s, &EMOJI, "SLO")))
            .collect();
        assert!(texts.contains(&"✅ 104.404µs (SLO: <130.000µs 📉 -19.7%)".to_string()));
        assert!(texts.contains(&"✅ 42.723MB (SLO: <43.250MB 🟡 -1.2%)".to_string()));
        assert!(texts.iter().any(|t| t.starts_with("❌ ")));
        assert!(texts.iter().any(|t| t.starts_with("⚠️ ")));
        assert!(texts.iter().any(|t| t.starts_with("❔ no data")));
    }
}
