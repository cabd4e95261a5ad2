//! GitHub-flavoured markdown for a pull-request comment: loud warnings, a summary table, then one
//! section per verdict, most severe first, each suite a `<details>` block. When the comment would
//! pass `max_chars`, the least important sections fold into a line each and the important ones
//! shrink to names; failed benchmarks, breaches and regressions are always named.

use super::{
    accepted_changes, at_a_glance, by_suite, candidate_value, change_text, display_name,
    flaky_benchmarks, headline, in_section, metric_names, reason_text, resolutions, shift_text,
    side_text, slo_text, status_text, undecided_note, RenderOptions, Renderer, EMOJI, SECTIONS,
};
use crate::compare::{BenchmarkComparison, Comparison, Presence, Section, SloVerdict};
use crate::escape::{code_block, markdown_text as esc};
use crate::results::Status;
use std::collections::HashMap;
use std::fmt::Write;

/// The hidden marker CI looks for to update its one comment.
const MARKER: &str = "<!-- slogate:report -->";

pub struct MarkdownRenderer;

impl Renderer for MarkdownRenderer {
    fn render(&self, c: &Comparison, opts: &RenderOptions) -> String {
        let head = head(c);
        let foot = foot(c);
        let suites = SuiteTally::of(c);
        let sections: Vec<(Section, Vec<&BenchmarkComparison>)> = SECTIONS
            .iter()
            .map(|&s| (s, in_section(c, s)))
            .filter(|(_, bs)| !bs.is_empty())
            .collect();
        let render = |i: usize, detail: Detail| {
            let (section, benchmarks) = &sections[i];
            section_text(*section, benchmarks, detail, &suites, opts, &c.gate.fail_on)
        };
        let mut parts: Vec<String> = (0..sections.len())
            .map(|i| render(i, Detail::Full))
            .collect();
        let fixed = chars(&head) + chars(&foot);
        let total = |parts: &[String]| fixed + parts.iter().map(|p| chars(p)).sum::<usize>();

        // Fold the least important first, then shrink the important ones to names.
        let steps = [
            (Section::Pass, Detail::Folded),
            (Section::Improvement, Detail::Folded),
            (Section::Near, Detail::Folded),
            (Section::Regression, Detail::Names),
            (Section::Breach, Detail::Names),
            (Section::Failed, Detail::Names),
        ];
        for (target, detail) in steps {
            if total(&parts) <= opts.max_chars {
                break;
            }
            if let Some(i) = sections.iter().position(|(s, _)| *s == target) {
                parts[i] = render(i, detail);
            }
        }
        if total(&parts) > opts.max_chars {
            // Even the names do not fit: give each named section what is left, in severity order.
            let folded: usize = sections
                .iter()
                .zip(&parts)
                .filter(|((s, _), _)| !names_always(*s))
                .map(|(_, p)| chars(p))
                .sum();
            let mut budget = opts.max_chars.saturating_sub(fixed + folded);
            for (i, (section, benchmarks)) in sections.iter().enumerate() {
                if names_always(*section) {
                    parts[i] = truncated_names(*section, benchmarks, budget, opts);
                    budget = budget.saturating_sub(chars(&parts[i]));
                }
            }
        }
        let mut out = head;
        for p in &parts {
            out.push_str(p);
        }
        out.push_str(&foot);
        out
    }
}

/// How much of a section is shown.
#[derive(Clone, Copy, PartialEq)]
enum Detail {
    /// Suites and tables of every check.
    Full,
    /// Benchmark names per suite.
    Names,
    /// One line with the count.
    Folded,
}

/// Sections whose benchmarks are named however long the report gets.
fn names_always(s: Section) -> bool {
    matches!(s, Section::Failed | Section::Breach | Section::Regression)
}

/// Length as GitHub counts it; UTF-16 units are never fewer than characters, so this errs safe.
fn chars(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// Per suite over the whole comparison: benchmarks passing the gate, all, unstable.
struct SuiteTally<'a>(HashMap<&'a str, (usize, usize, usize)>);

impl<'a> SuiteTally<'a> {
    fn of(c: &'a Comparison) -> SuiteTally<'a> {
        let mut map: HashMap<&str, (usize, usize, usize)> = HashMap::new();
        for b in &c.benchmarks {
            let e = map.entry(&b.suite).or_default();
            e.0 += usize::from(!b.fails_gate());
            e.1 += 1;
            e.2 += usize::from(b.unstable);
        }
        SuiteTally(map)
    }

    /// `suite - passed/total pass the gate (k undecided)`, escaped.
    fn summary(&self, suite: &str) -> String {
        let (passed, total, unstable) = self.0.get(suite).copied().unwrap_or_default();
        let mut s = format!("<b>{}</b> - {passed}/{total} pass the gate", esc(suite));
        if unstable > 0 {
            let _ = write!(s, " ({unstable} undecided)");
        }
        s
    }
}

fn title(s: Section) -> &'static str {
    match s {
        Section::Failed => "💥 Failed or missing",
        Section::Breach => "❌ SLO breaches",
        Section::Regression => "📈 Regressions vs baseline",
        Section::Near => "🟡 Near an SLO limit",
        Section::Improvement => "📉 Improvements vs baseline",
        Section::Pass => "✅ Passed",
    }
}

/// A mark for a benchmark's row: its worst news.
fn row_mark(b: &BenchmarkComparison) -> &'static str {
    match b.section {
        Section::Failed => "💥",
        Section::Breach
            if b.slos
                .iter()
                .chain(&b.overhead)
                .any(|s| s.verdict == SloVerdict::Breach) =>
        {
            "❌"
        }
        Section::Breach
            if b.slos
                .iter()
                .chain(&b.overhead)
                .any(|s| s.verdict == SloVerdict::NoData) =>
        {
            "❔"
        }
        Section::Breach => "⚠️",
        Section::Regression => "📈",
        Section::Near => "🟡",
        Section::Improvement => "📉",
        Section::Pass if b.presence == Presence::New => "🆕",
        Section::Pass => "✅",
    }
}

/// The passing limits that sit far from their estimate, folded: each catches no regression
/// smaller than its distance, as limits set once and never tightened do.
fn loose_slos(c: &Comparison) -> String {
    let loose = &c.loose_slos;
    if loose.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "<details><summary>🪶 {} {} {}% or more from the estimate: no smaller regression breaches {}</summary>\n\n",
        count_noun(loose.len(), "SLO limit"),
        if loose.len() == 1 { "sits" } else { "sit" },
        setting_pct(c.settings.loose_limit),
        if loose.len() == 1 { "it" } else { "them" },
    );
    for l in loose.iter().take(LOOSE_LIST) {
        let _ = writeln!(
            s,
            "- {}: {} (the limit sits {:.0}% from the estimate)",
            esc(&l.key),
            esc(&l.line),
            l.slack * 100.0
        );
    }
    if loose.len() > LOOSE_LIST {
        let _ = writeln!(
            s,
            "- … and {} more (the JSON output lists them all)",
            loose.len() - LOOSE_LIST
        );
    }
    s.push_str(
        "\n`slogate slo suggest --write` tightens limits from the history since its last change \
         point.\n\n</details>\n\n",
    );
    s
}

fn count_noun(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Marker, title, sides, warnings, shifts, unmatched SLOs, the gate's verdict, the counts, the
/// largest changes at a glance.
fn head(c: &Comparison) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{MARKER}\n## ⏱️ Performance SLOs\n");
    let _ = writeln!(
        s,
        "Comparing candidate **{}** with baseline **{}**\n",
        esc(&side_text(&c.candidate)),
        esc(&side_text(&c.baseline))
    );
    if !c.warnings.is_empty() || !c.shifts.is_empty() || !c.unmatched_slos.is_empty() {
        s.push_str("> [!WARNING]\n");
        for shift in &c.shifts {
            let _ = writeln!(s, "> ⚠️ **{}**<br>", esc(&shift_text(shift)));
        }
        for w in &c.warnings {
            let _ = writeln!(s, "> ⚠️ {}<br>", esc(w));
        }
        if !c.unmatched_slos.is_empty() {
            let _ = writeln!(
                s,
                "> ⚠️ {} of the SLO file matched no benchmark of this run (listed below)<br>",
                count_noun(c.unmatched_slos.len(), "line")
            );
        }
        s.push('\n');
    }
    if !c.unmatched_slos.is_empty() {
        // Folded: a team's SLO file may cover hundreds of benchmarks this run did not have.
        let _ = writeln!(
            s,
            "<details><summary>{} matched no benchmark</summary>\n",
            count_noun(c.unmatched_slos.len(), "SLO line")
        );
        for line in c.unmatched_slos.iter().take(UNMATCHED_LIST) {
            let _ = writeln!(s, "- {}", esc(line));
        }
        if c.unmatched_slos.len() > UNMATCHED_LIST {
            let _ = writeln!(
                s,
                "- … and {} more (the JSON output lists them all)",
                c.unmatched_slos.len() - UNMATCHED_LIST
            );
        }
        s.push_str("\n</details>\n\n");
    }
    s.push_str(&loose_slos(c));

    let mark = if c.gate.passed { "✅" } else { "❌" };
    let _ = writeln!(s, "**{mark} {}**\n", esc(&headline(c)));
    let m = &c.summary;
    s.push_str("| Benchmarks | 💥 failed | ❌ breach | 📈 regression | 🟡 near | 📉 improved | ✅ passed |\n");
    s.push_str("|--:|--:|--:|--:|--:|--:|--:|\n");
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        m.benchmarks, m.failed, m.breaches, m.regressions, m.near, m.improvements, m.passed
    );
    let mut counted = "Each benchmark is counted once, under its worst finding".to_string();
    if m.new > 0 {
        let _ = write!(counted, "; 🆕 {} new", m.new);
    }
    let _ = writeln!(counted, ".\n");
    s.push_str(&counted);
    if let Some(note) = undecided_note(c) {
        let _ = writeln!(s, "〰️ {note}\n");
        let resolved = resolutions(c);
        for (name, text) in &resolved {
            let _ = writeln!(s, "- {}: {}", esc(name), esc(text));
        }
        if !resolved.is_empty() {
            s.push('\n');
        }
    }
    let glance = at_a_glance(c, GLANCE);
    if !glance.is_empty() {
        s.push_str("**At a glance**, the largest flagged changes:\n\n");
        s.push_str("| | Benchmark | Metric | Change |\n|:-:|:--|:--|:--|\n");
        for (b, m) in glance {
            let text = change_text(m, b.presence, &EMOJI);
            let (mark, change) = text.split_once(' ').unwrap_or(("", &text));
            let _ = writeln!(
                s,
                "| {mark} | {}/{} | {} | {} |",
                esc(&b.suite),
                esc(&display_name(b)),
                esc(&m.metric),
                change
            );
        }
        s.push('\n');
    }
    let accepted = accepted_changes(c);
    if !accepted.is_empty() {
        s.push_str(
            "**Accepted changes** (the accept file acknowledges them; they pass the gate):\n\n",
        );
        for (what, why) in accepted {
            let _ = writeln!(s, "- ✔️ {}: {}", esc(&what), esc(&why));
        }
        s.push('\n');
    }
    let flaky = flaky_benchmarks(c);
    if !flaky.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>🎲 Flaky: {}, quarantined by the noise file (never fail the gate by themselves)</summary>\n",
            count_noun(flaky.len(), "benchmark")
        );
        for (name, findings, evidence) in flaky {
            let found = if findings.is_empty() {
                "nothing found".to_string()
            } else {
                findings
                    .iter()
                    .map(|f| esc(f))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let _ = writeln!(s, "- **{}**: {found}", esc(&name));
            for e in evidence {
                let _ = writeln!(s, "  - A/A {}", esc(&e));
            }
        }
        s.push_str("\n</details>\n\n");
    }
    s
}

/// How many unmatched SLO lines the folded list names, so that a huge SLO file cannot crowd the
/// results out of one comment.
const UNMATCHED_LIST: usize = 300;
/// How many loose limits the markdown report lists.
const LOOSE_LIST: usize = 20;

/// How many changes the glance block shows.
const GLANCE: usize = 5;

/// For a sequential run, the range of the benchmarks' interval confidences: the nominal one is
/// spent over each benchmark's looks, and each is judged at its last look's level.
fn sequential_levels(c: &Comparison) -> String {
    let levels: Vec<f64> = c
        .benchmarks
        .iter()
        .filter_map(|b| b.resolution.as_ref()?.confidence)
        .collect();
    let low = levels.iter().copied().fold(f64::INFINITY, f64::min);
    let high = levels.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match levels.len() {
        0 => String::new(),
        _ if high - low < 5e-5 => format!(
            " spent over sequential looks (intervals at {})",
            level_pct(low)
        ),
        _ => format!(
            " spent over sequential looks (intervals at {} to {})",
            level_pct(low),
            level_pct(high)
        ),
    }
}

fn level_pct(confidence: f64) -> String {
    format!("{}%", setting_pct(confidence))
}

/// The settings the verdicts were computed with, so the report explains itself.
fn foot(c: &Comparison) -> String {
    let st = &c.settings;
    format!(
        "<sub>Noise threshold {}%, {}% confidence{}{}, FDR {}%{}, near {}%, comfortable {}%, {} runs · baseline {} · candidate {}</sub>\n",
        setting_pct(st.noise_threshold),
        setting_pct(st.confidence),
        if st.sides.is_two_sided() { "" } else { " one-sided" },
        sequential_levels(c),
        setting_pct(st.fdr),
        // One-sided, each direction is a family of its own (`stats::fdr::one_sided_q_values`).
        if st.sides.is_two_sided() { "" } else { " among regressions and among improvements each" },
        setting_pct(st.near),
        setting_pct(st.comfortable),
        if st.paired { "paired" } else { "unpaired" },
        esc(&c.baseline.run_id),
        esc(&c.candidate.run_id),
    )
}

/// A setting as a percentage with the digits it was given (`0.1`, `99.17`, `5`): rounded to whole
/// percent, a 0.1% threshold read "0%" and a sequential run's 99.17% confidence "99%".
fn setting_pct(fraction: f64) -> String {
    let text = format!("{:.2}", fraction * 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn full_report_pointer(opts: &RenderOptions) -> String {
    match &opts.full_report {
        Some(path) => format!("see the full report: {}", esc(path)),
        None => "see the full report file".to_string(),
    }
}

/// ` · fail the gate`, ` · 2 fail the gate`, ` · not gated (--fail-on breach)`: what the gate made
/// of a section whose findings can fail it.
fn gate_note(section: Section, benchmarks: &[&BenchmarkComparison], fail_on: &str) -> String {
    let failing = benchmarks.iter().filter(|b| b.fails_gate()).count();
    if failing == benchmarks.len() {
        " · fail the gate".to_string()
    } else if failing > 0 {
        format!(" · {failing} fail the gate")
    } else if names_always(section) {
        format!(" · not gated (--fail-on {})", esc(fail_on))
    } else {
        String::new()
    }
}

fn section_text(
    section: Section,
    benchmarks: &[&BenchmarkComparison],
    detail: Detail,
    suites: &SuiteTally,
    opts: &RenderOptions,
    fail_on: &str,
) -> String {
    let groups = by_suite(benchmarks.iter().copied());
    let mut s = format!(
        "### {}: {} in {}{}\n\n",
        title(section),
        count_noun(benchmarks.len(), "benchmark"),
        count_noun(groups.len(), "suite"),
        gate_note(section, benchmarks, fail_on)
    );
    if detail == Detail::Folded {
        s.pop();
        s.pop();
        let _ = writeln!(
            s,
            " (folded to fit one comment; {})\n",
            full_report_pointer(opts)
        );
        return s;
    }
    if section == Section::Failed {
        oom_line(&mut s, benchmarks);
    }
    if detail == Detail::Names {
        let _ = writeln!(
            s,
            "Names only, to fit one comment; {}.\n",
            full_report_pointer(opts)
        );
        for (suite, bs) in &groups {
            let names: Vec<String> = bs.iter().map(|b| esc(&display_name(b))).collect();
            let _ = writeln!(s, "- **{}**: {}", esc(suite), names.join(", "));
        }
        s.push('\n');
        return s;
    }
    let open = if names_always(section) { " open" } else { "" };
    for (suite, bs) in &groups {
        let _ = writeln!(
            s,
            "<details{open}><summary>{}</summary>\n",
            suites.summary(suite)
        );
        if section == Section::Failed {
            failures(&mut s, bs);
        } else {
            table(&mut s, bs);
        }
        super::profiles::write(&mut s, bs, &opts.profiles);
        s.push_str("</details>\n\n");
    }
    s
}

/// The loud line about candidates that hit the memory cap, with the peak and cap from the reason.
fn oom_line(s: &mut String, benchmarks: &[&BenchmarkComparison]) {
    let oom: Vec<String> = benchmarks
        .iter()
        .filter(|b| b.candidate_status == Some(Status::Oom))
        .map(|b| {
            let reason = Some(reason_text(b))
                .filter(|r| !r.is_empty())
                .unwrap_or("ran out of memory");
            format!(
                "**{}/{}** ({})",
                esc(&b.suite),
                esc(&display_name(b)),
                esc(reason.lines().next().unwrap_or_default())
            )
        })
        .collect();
    if !oom.is_empty() {
        let _ = writeln!(s, "🧠 Out of memory: {}\n", oom.join(", "));
    }
}

/// Failed benchmarks: a table of status and reason, then each stderr tail in a code block.
fn failures(s: &mut String, benchmarks: &[&BenchmarkComparison]) {
    s.push_str("| | Benchmark | Status | Baseline | Reason |\n|:-:|:--|:--|:--|:--|\n");
    let mut tails = Vec::new();
    for b in benchmarks {
        let reason = reason_text(b);
        let (first, tail) = reason.split_once('\n').unwrap_or((reason, ""));
        let mark = match b.candidate_status {
            Some(Status::Timeout) => "⏱️",
            Some(Status::Oom) => "🧠",
            Some(Status::Failed) => "💥",
            _ => "❔",
        };
        let baseline = b.baseline_status.map(|st| st.as_str()).unwrap_or("absent");
        let _ = writeln!(
            s,
            "| {mark} | {} | {} | {baseline} | {} |",
            esc(&display_name(b)),
            status_text(b),
            esc(first)
        );
        if !tail.trim().is_empty() {
            tails.push((b, tail));
        }
    }
    s.push('\n');
    for (b, tail) in tails {
        let _ = writeln!(s, "Output of **{}**:\n", esc(&display_name(b)));
        s.push_str(&code_block(tail));
        s.push('\n');
    }
}

/// One row per benchmark: per metric its SLO checks and the change vs baseline, then overhead.
fn table(s: &mut String, benchmarks: &[&BenchmarkComparison]) {
    let metrics = metric_names(benchmarks);
    let overhead = benchmarks.iter().any(|b| !b.overhead.is_empty());
    s.push_str("| | Benchmark |");
    for m in &metrics {
        let _ = write!(s, " {} | vs baseline |", esc(m));
    }
    if overhead {
        s.push_str(" Overhead |");
    }
    s.push_str("\n|:-:|:--|");
    for _ in &metrics {
        s.push_str(":--|:--|");
    }
    if overhead {
        s.push_str(":--|");
    }
    s.push('\n');
    for b in benchmarks {
        let _ = write!(s, "| {} | {} |", row_mark(b), esc(&display_name(b)));
        for name in &metrics {
            let checks: Vec<String> = b
                .slos
                .iter()
                .filter(|c| c.metric == *name)
                .map(|c| slo_text(c, &EMOJI, "SLO"))
                .collect();
            let metric = b.metrics.iter().find(|m| m.metric == *name);
            let value = if checks.is_empty() {
                metric.and_then(candidate_value).unwrap_or_default()
            } else {
                checks.join("<br>")
            };
            let change = metric
                .map(|m| change_text(m, b.presence, &EMOJI))
                .unwrap_or_default();
            let _ = write!(s, " {value} | {change} |");
        }
        if overhead {
            let checks: Vec<String> = b
                .overhead
                .iter()
                .map(|c| {
                    format!(
                        "{}: {}",
                        esc(&c.metric),
                        slo_text(c, &EMOJI, "overhead limit")
                    )
                })
                .collect();
            let _ = write!(s, " {} |", checks.join("<br>"));
        }
        s.push('\n');
    }
    s.push('\n');
}

/// As many names of a must-name section as `budget` allows, and how many more there are.
fn truncated_names(
    section: Section,
    benchmarks: &[&BenchmarkComparison],
    budget: usize,
    opts: &RenderOptions,
) -> String {
    let mut s = format!(
        "### {}: {}\n\n",
        title(section),
        count_noun(benchmarks.len(), "benchmark")
    );
    // Room kept for the closing line.
    let closing_room = 200;
    let mut named = 0;
    for b in benchmarks {
        let line = format!("- {}/{}\n", esc(&b.suite), esc(&display_name(b)));
        if chars(&s) + chars(&line) + closing_room > budget {
            break;
        }
        s.push_str(&line);
        named += 1;
    }
    if named < benchmarks.len() {
        let _ = writeln!(
            s,
            "- … and {} more; {}",
            benchmarks.len() - named,
            full_report_pointer(opts)
        );
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn settings_keep_their_digits() {
        assert_eq!(super::setting_pct(0.001), "0.1");
        assert_eq!(super::setting_pct(1.0 - 0.05 / 6.0), "99.17");
        assert_eq!(super::setting_pct(0.05), "5");
        assert_eq!(super::setting_pct(0.0), "0");
    }

    use super::super::fixture;
    use super::*;

    fn render(c: &Comparison, opts: &RenderOptions) -> String {
        MarkdownRenderer.render(c, opts)
    }

    #[test]
    fn snapshot_of_the_fixed_comparison() {
        insta::assert_snapshot!(render(&fixture::fixed(), &RenderOptions::default()));
    }

    #[test]
    fn snapshot_of_an_undecided_budget_run() {
        let c = fixture::undecided();
        let md = render(&c, &RenderOptions::default());
        // Each undecided benchmark says once what the run resolves; the decided one says nothing.
        assert!(md.contains(
            "- cpu/noisy: undecided after 6 rounds: this run resolves changes beyond ±12.3% (the \
             data rule out anything larger); ±5.0% needs about 41 rounds: the budget cannot reach \
             it at this machine's noise\n"
        ));
        assert_eq!(md.matches("undecided after").count(), 3, "{md}");
        assert!(!md.contains("cpu/quiet: undecided after"));
        insta::assert_snapshot!(md);
    }

    #[test]
    fn starts_with_the_marker_and_never_repeats_it() {
        let md = render(&fixture::fixed(), &RenderOptions::default());
        assert!(md.starts_with(MARKER));
        assert_eq!(md.matches("<!-- slogate:report -->").count(), 1);
        assert_eq!(md.matches("<!--").count(), 1);
    }

    #[test]
    fn warnings_and_shifts_come_before_any_section() {
        let md = render(&fixture::fixed(), &RenderOptions::default());
        let shift = md
            .find("max\\_rss\\_usage moved +4.5% (median) in 12 of 12")
            .unwrap();
        let warning = md.find("different machines").unwrap();
        let first_section = md.find("### ").unwrap();
        assert!(shift < first_section && warning < first_section);
        assert!(md.contains(
            "🧠 Out of memory: **memory/big\\_alloc (profiler=on)** (peak 2.100GB over the cap of 2.000GB)"
        ));
    }

    #[test]
    fn sections_follow_severity_and_severe_ones_are_open() {
        let md = render(&fixture::fixed(), &RenderOptions::default());
        let at = |t: &str| md.find(t).unwrap_or_else(|| panic!("{t} missing"));
        let order = [
            at("### 💥"),
            at("### ❌"),
            at("### 📈"),
            at("### 🟡"),
            at("### 📉"),
            at("### ✅"),
        ];
        assert!(order.windows(2).all(|w| w[0] < w[1]));
        let near = &md[order[3]..order[4]];
        assert!(near.contains("<details><summary>") && !near.contains("<details open>"));
        let failed = &md[order[0]..order[1]];
        assert!(failed.contains("<details open><summary><b>iastaspects</b> - "));
    }

    #[test]
    fn nothing_hostile_survives() {
        let md = render(&fixture::fixed(), &RenderOptions::default());
        // GitHub links nothing inside code blocks, which show stderr verbatim.
        let mut fence: Option<String> = None;
        let md: String = md
            .lines()
            .filter(|line| {
                let ticks: String = line.chars().take_while(|&c| c == '`').collect();
                match &fence {
                    Some(f) if line.trim_end() == f => fence = None,
                    Some(_) => {}
                    None if ticks.len() >= 3 => fence = Some(ticks),
                    None => return true,
                }
                false
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(!md.contains("<img"));
        assert!(!md.contains("<script"));
        assert!(!md.contains("<b>suite"));
        assert!(!md.contains("@org/team") && !md.contains("@alice") && !md.contains("@here"));
        assert!(!md.contains("#123"));
        // Every table row keeps its column count despite pipes in names.
        for table in md.split("\n\n").filter(|b| b.starts_with("| |")) {
            let cols: Vec<usize> = table.lines().map(|l| l.matches('|').count()).collect();
            assert!(cols.windows(2).all(|w| w[0] == w[1]), "{table}");
        }
    }

    #[test]
    fn five_thousand_benchmarks_fit_one_comment_and_name_every_breach() {
        let c = fixture::large(5_000, 40);
        let opts = RenderOptions {
            full_report: Some("reports/slogate-report.md".to_string()),
            ..RenderOptions::default()
        };
        let md = render(&c, &opts);
        assert!(md.chars().count() <= 65_536, "{} chars", md.chars().count());
        assert!(md.encode_utf16().count() <= 65_536);
        for b in c.benchmarks.iter().filter(|b| names_always(b.section)) {
            assert!(md.contains(&esc(&display_name(b))), "{} not named", b.key);
        }
        assert!(md.contains("reports/slogate-report.md"));
        assert!(md.contains("### ✅ Passed: "));
    }

    #[test]
    fn a_tiny_limit_names_as_many_as_fit_and_counts_the_rest() {
        let c = fixture::large(2_000, 400);
        let opts = RenderOptions {
            max_chars: 8_000,
            ..RenderOptions::default()
        };
        let md = render(&c, &opts);
        assert!(chars(&md) <= 8_000, "{}", chars(&md));
        assert!(md.contains("more; see the full report file"));
        assert!(md.contains("scenario\\_00000\\_format\\_map\\_aspect"));
    }

    #[test]
    fn a_huge_unmatched_slo_list_is_folded_and_capped() {
        let mut c = fixture::fixed();
        c.unmatched_slos = (0..1_000)
            .map(|i| format!("scenario_{i:04}: execution_time < 1 ms"))
            .collect();
        let md = render(&c, &RenderOptions::default());
        let warning = md.split("> [!WARNING]").nth(1).unwrap();
        let warning = warning.split("\n\n").next().unwrap();
        assert!(warning.contains("1000 lines of the SLO file matched no benchmark"));
        assert!(
            !warning.contains("scenario_0000"),
            "the warning only counts"
        );
        let list = md.split("<details><summary>1000 SLO lines").nth(1).unwrap();
        let list = list.split("</details>").next().unwrap();
        assert_eq!(list.matches("- scenario\\_").count(), UNMATCHED_LIST);
        assert!(list.contains("… and 700 more (the JSON output lists them all)"));
    }

    #[test]
    fn a_small_comparison_is_never_folded() {
        let md = render(&fixture::fixed(), &RenderOptions::default());
        assert!(!md.contains("folded") && !md.contains("Names only"));
    }
}
