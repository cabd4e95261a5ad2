//! Renderers of a comparison: one file per format, each turning the same [`Comparison`] into text.
//! They compute no statistics; this module holds only what the formats share: the vocabulary of
//! marks (✅ ❌ 🟡 📉 📈), benchmark names, and the order of sections.

mod github_check;
mod json;
mod junit;
mod markdown;
mod profiles;
mod terminal;

#[cfg(test)]
pub mod fixture;

pub use json::JsonRenderer;
pub use junit::JunitRenderer;
pub use markdown::MarkdownRenderer;
pub use terminal::TerminalRenderer;

use crate::compare::{
    BenchmarkComparison, Cause, Change, ChangeVerdict, Comparison, MetricComparison, Presence,
    Section, SideInfo, SloCheck, SloVerdict,
};
use crate::results::{metric, Status};
use crate::slo::threshold::{parse_overhead, parse_threshold};
use crate::units::{format_auto, format_pct};
use std::str::FromStr;

/// An output format of `compare` and `ab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GitHub-flavoured markdown for a pull-request comment.
    Markdown,
    /// Aligned tables for a terminal.
    Terminal,
    /// The whole comparison as JSON.
    Json,
    /// JUnit XML for CI test tabs.
    Junit,
    /// The payload of GitHub's "create a check run" call.
    GithubCheck,
}

impl Format {
    /// Every name a format answers to, as a user types them.
    pub const NAMES: &'static [&'static str] = &[
        "markdown",
        "md",
        "terminal",
        "term",
        "json",
        "junit",
        "github-check",
    ];
}

/// A format name that is none of `md`, `markdown`, `term`, `terminal`, `json`, `junit`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown report format `{0}` (expected md, terminal, json, junit or github-check)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        match s.to_ascii_lowercase().as_str() {
            "markdown" | "md" => Ok(Format::Markdown),
            "terminal" | "term" => Ok(Format::Terminal),
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            "github-check" => Ok(Format::GithubCheck),
            _ => Err(UnknownFormat(s.to_string())),
        }
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
    /// The commit a check run is for (`github-check`); the candidate's commit when None.
    pub head_sha: Option<String>,
    /// The repository's top directory: annotation paths under it are made relative to it.
    pub repo_root: Option<std::path::PathBuf>,
    /// Where each profiled benchmark changed (`ab --profile`), shown under it in markdown.
    pub profiles: Vec<crate::profile::BenchmarkProfile>,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            color: false,
            full_report: None,
            max_chars: 65_536,
            head_sha: None,
            repo_root: None,
            profiles: Vec::new(),
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
        Format::GithubCheck => &github_check::GithubCheckRenderer,
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
    undecided: &'static str,
    new: &'static str,
    /// Between the two ends of an interval.
    to: &'static str,
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
    undecided: "〰️",
    new: "🆕 new",
    // No-break spaces: a narrow cell wraps before the interval, never inside it.
    to: "\u{a0}…\u{a0}",
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
    undecided: "undecided",
    new: "new",
    to: " .. ",
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

/// The interval of a ratio in percent, without the sign of percent: `(+9.8 … +16.9)`.
fn change_interval(c: &Change, words: &Vocabulary) -> String {
    let end = |r: f64| format!("{:+.1}", (r - 1.0) * 100.0).replace("-0.0", "+0.0");
    format!("({}{}{})", end(c.ratio_low), words.to, end(c.ratio_high))
}

/// Every change with its estimate and interval, flagged or not: `📈 +13.3% (+9.8 … +16.9)`,
/// `~same (-0.4 … +0.7)`, `〰️ +16.6% (+5.0 … +30.1)`; or why there is no change; unescaped.
fn change_text(m: &MetricComparison, presence: Presence, words: &Vocabulary) -> String {
    let Some(c) = &m.change else {
        return match (presence, &m.candidate) {
            (Presence::New, _) => words.new.to_string(),
            (_, None) => "no data".to_string(),
            (_, Some(_)) => "no baseline".to_string(),
        };
    };
    let pct = format_pct(c.ratio - 1.0);
    let interval = change_interval(c, words);
    match c.verdict {
        ChangeVerdict::Regression => format!("{} {pct} {interval}", words.regression),
        ChangeVerdict::Improvement => format!("{} {pct} {interval}", words.improvement),
        ChangeVerdict::Same => format!("{} {interval}", words.same),
        ChangeVerdict::Unstable => format!("{} {pct} {interval}", words.undecided),
    }
}

/// Said once per report when some change is undecided: what it means and what would settle it.
/// Markdown, our own words only (no names), so renderers need not escape it.
fn undecided_note(c: &Comparison) -> Option<String> {
    let n = c.summary.unstable;
    if n == 0 {
        return None;
    }
    let (who, them) = if n == 1 {
        ("1 benchmark".to_string(), "it")
    } else {
        (format!("{n} benchmarks"), "them")
    };
    let settle = if c.settings.paired {
        format!("a longer `ab --budget` (more paired rounds at this noise) would settle {them}")
    } else {
        format!(
            "more processes per side at this noise, or `slogate ab` (interleaved, paired rounds) \
             instead of separate runs, would settle {them}"
        )
    };
    // Thresholds of a suite, a scenario or a noise file may differ from the report's default.
    let own = c
        .benchmarks
        .iter()
        .flat_map(|b| &b.metrics)
        .filter_map(|m| m.change)
        .filter(|ch| ch.verdict == ChangeVerdict::Unstable)
        .any(|ch| (ch.threshold - c.settings.noise_threshold).abs() > 1e-12);
    let threshold = if own {
        if n == 1 {
            "its own noise threshold"
        } else {
            "their own noise thresholds"
        }
        .to_string()
    } else {
        format!(
            "the {} noise threshold",
            format_pct(c.settings.noise_threshold).trim_start_matches('+')
        )
    };
    Some(format!(
        "Undecided ({who}): the interval is too wide to tell the change from {threshold}; \
         {settle}."
    ))
}

/// What a sequential `ab` could resolve for each benchmark whose execution time it left
/// undecided, as `(benchmark, text)`: `undecided after 8 rounds: this run resolves changes beyond
/// ±12.0% (the data rule out anything larger); ±5% needs about 40 rounds at this noise`. Plain
/// text, to be escaped.
fn resolutions(c: &Comparison) -> Vec<(String, String)> {
    c.benchmarks
        .iter()
        .filter_map(|b| {
            let r = b.resolution.as_ref()?;
            let change = b
                .metrics
                .iter()
                .find(|m| m.metric == metric::EXECUTION_TIME)?
                .change
                .filter(|ch| ch.verdict == ChangeVerdict::Unstable)?;
            let pct = |f: f64| format_pct(f).trim_start_matches('+').to_string();
            let threshold = pct(change.threshold);
            let mut text = format!("undecided after {} rounds", r.rounds);
            match r.resolvable_change {
                Some(x) => text.push_str(&format!(
                    ": this run resolves changes beyond ±{} (the data rule out anything larger)",
                    pct(x)
                )),
                None => text.push_str(": too few rounds for an interval"),
            }
            // A budget that ran out short of the prediction cannot settle it at this noise.
            let budget_ended = matches!(r.stopped.as_str(), "budget" | "total-budget" | "max-rounds");
            match r.predicted_rounds {
                Some(n) if budget_ended && n > r.rounds => text.push_str(&format!(
                    "; ±{threshold} needs about {n} rounds: the budget cannot reach it at this \
                     machine's noise"
                )),
                Some(n) => text.push_str(&format!(
                    "; ±{threshold} needs about {n} rounds at this noise"
                )),
                None => text.push_str(&format!(
                    "; no number of rounds is predicted to settle ±{threshold} (the estimate sits on it)"
                )),
            }
            Some((format!("{}/{}", b.suite, display_name(b)), text))
        })
        .collect()
}

/// Every regression an accept entry passes, in benchmark order, each as `(benchmark, text)`:
/// `+8.0% accepted (up to +10.0%, accept.toml:1): the reason`. Plain text, to be escaped.
fn accepted_changes(c: &Comparison) -> Vec<(String, String)> {
    c.benchmarks
        .iter()
        .flat_map(|b| {
            b.accepted.iter().map(move |a| {
                (
                    format!("{}/{} {}", b.suite, display_name(b), a.metric),
                    format!(
                        "{} accepted (up to {}, {}): {}",
                        format_pct(a.change),
                        format_pct(a.max),
                        a.entry,
                        a.reason
                    ),
                )
            })
        })
        .collect()
}

/// The benchmarks the noise file calls flaky, each as `(benchmark, findings, evidence)`: what
/// this comparison found on it (none of which fails the gate) and the A/A rounds that showed it
/// flaky. Plain text, to be escaped.
fn flaky_benchmarks(c: &Comparison) -> Vec<(String, Vec<&str>, Vec<String>)> {
    c.benchmarks
        .iter()
        .filter(|b| !b.flaky.is_empty())
        .map(|b| {
            let findings = b.findings.iter().map(|f| f.text.as_str()).collect();
            (
                format!("{}/{}", b.suite, display_name(b)),
                findings,
                b.flaky
                    .iter()
                    .flat_map(|(metric, rounds)| {
                        rounds.iter().map(move |r| format!("{metric}: {r}"))
                    })
                    .collect(),
            )
        })
        .collect()
}

/// The few largest flagged changes, largest first (by the size of the ratio either way).
fn at_a_glance(c: &Comparison, most: usize) -> Vec<(&BenchmarkComparison, &MetricComparison)> {
    let mut flagged: Vec<(&BenchmarkComparison, &MetricComparison, f64)> = c
        .benchmarks
        .iter()
        .flat_map(|b| b.metrics.iter().map(move |m| (b, m)))
        .filter_map(|(b, m)| {
            let ch = m.change.filter(|ch| {
                matches!(
                    ch.verdict,
                    ChangeVerdict::Regression | ChangeVerdict::Improvement
                )
            })?;
            Some((b, m, ch.ratio.ln().abs()))
        })
        .collect();
    flagged.sort_by(|a, b| b.2.total_cmp(&a.2));
    flagged
        .into_iter()
        .take(most)
        .map(|(b, m, _)| (b, m))
        .collect()
}

/// The gate's verdict in words, without a mark: `Gate failed: 4 regressions (--fail-on
/// regression)`, or what passed; findings that did not fail the gate are named as not gated.
fn headline(c: &Comparison) -> String {
    let count = |fails: bool| {
        let mut by: std::collections::BTreeMap<Cause, usize> = Default::default();
        for b in &c.benchmarks {
            let worst = b.findings.iter().find(|f| f.fails == fails);
            let counted = if fails {
                worst
            } else {
                worst.filter(|_| !b.fails_gate())
            };
            if let Some(f) = counted {
                *by.entry(f.cause).or_default() += 1;
            }
        }
        by.into_iter()
            .map(|(cause, n)| cause.count(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (failing, ungated) = (count(true), count(false));
    let n = c.summary.benchmarks;
    let of = if n == 1 {
        "1 benchmark".to_string()
    } else {
        format!("{n} benchmarks")
    };
    let mut s = if c.gate.passed {
        if ungated.is_empty() && n > 1 {
            format!("Gate passed: all {of} pass")
        } else if ungated.is_empty() {
            format!("Gate passed: {of}, passing")
        } else {
            format!("Gate passed: none of {of} fails it")
        }
    } else {
        format!("Gate failed: {failing}, among {of}")
    };
    s.push_str(&format!(" (--fail-on {})", c.gate.fail_on));
    if !ungated.is_empty() {
        s.push_str(&format!("; not gated: {ungated}"));
    }
    s
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

/// Why a benchmark did not finish, without the status word its reason starts with (shown beside
/// it already): `exit code 3` for `failed: exit code 3`.
fn reason_text(b: &BenchmarkComparison) -> &str {
    let reason = b.reason.as_deref().unwrap_or_default();
    b.candidate_status
        .and_then(|st| reason.strip_prefix(st.as_str()))
        .and_then(|r| r.strip_prefix(": "))
        .unwrap_or(reason)
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
    fn the_undecided_clause_names_per_benchmark_thresholds_when_they_differ() {
        let mut c = fixture::fixed();
        let default = undecided_note(&c).expect("the fixture has undecided changes");
        assert!(
            default.contains("from the 5.0% noise threshold"),
            "{default}"
        );
        for ch in c
            .benchmarks
            .iter_mut()
            .flat_map(|b| &mut b.metrics)
            .filter_map(|m| m.change.as_mut())
            .filter(|ch| ch.verdict == ChangeVerdict::Unstable)
        {
            ch.threshold = 0.021;
        }
        let own = undecided_note(&c).unwrap();
        assert!(
            own.contains("from their own noise thresholds")
                || own.contains("from its own noise threshold"),
            "{own}"
        );
    }

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
        assert!(texts.contains(&"✅ 105.045µs (SLO: <130.000µs 📉 -19.2%)".to_string()));
        assert!(texts.contains(&"✅ 42.697MB (SLO: <43.250MB 🟡 -1.3%)".to_string()));
        assert!(texts.iter().any(|t| t.starts_with("❌ ")));
        assert!(texts.iter().any(|t| t.starts_with("⚠️ ")));
        assert!(texts.iter().any(|t| t.starts_with("❔ no data")));
    }
}
