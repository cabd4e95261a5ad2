//! Aligned tables for a terminal: the markdown's sections and warnings in plain ASCII words,
//! coloured only when the caller says the output is a terminal. Passing benchmarks are counted,
//! not listed (but for undecided ones), to keep a local run readable.

use super::{
    accepted_changes, at_a_glance, by_suite, candidate_value, change_text, display_name,
    flaky_benchmarks, headline, in_section, reason_text, resolutions, shift_text, side_text,
    slo_text, status_text, undecided_note, RenderOptions, Renderer, ASCII, SECTIONS,
};
use crate::compare::{BenchmarkComparison, ChangeVerdict, Comparison, Section, SloVerdict};
use crate::escape::terminal_text as clean;
use comfy_table::{presets, Cell, Color, Table, TableComponent};
use std::fmt::Write;

pub struct TerminalRenderer;

impl Renderer for TerminalRenderer {
    fn render(&self, c: &Comparison, opts: &RenderOptions) -> String {
        let paint = Paint(opts.color);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Comparing candidate {} with baseline {}",
            ascii(&clean(&side_text(&c.candidate))),
            ascii(&clean(&side_text(&c.baseline)))
        );
        for shift in &c.shifts {
            let line = format!("WARNING: {}", clean(&shift_text(shift)));
            let _ = writeln!(s, "{}", paint.color(&line, Color::Yellow));
        }
        for w in &c.warnings {
            let _ = writeln!(
                s,
                "{}",
                paint.color(&format!("WARNING: {}", clean(w)), Color::Yellow)
            );
        }
        if !c.unmatched_slos.is_empty() {
            let text = format!(
                "WARNING: {} SLO line(s) matched no benchmark (the JSON output lists them)",
                c.unmatched_slos.len()
            );
            let _ = writeln!(s, "{}", paint.color(&text, Color::Yellow));
        }
        if !c.loose_slos.is_empty() {
            let _ = writeln!(
                s,
                "NOTE: {} passing SLO limit(s) sit {:.0}% or more from the estimate and catch no \
                 smaller regression (the JSON output lists them)",
                c.loose_slos.len(),
                c.settings.loose_limit * 100.0
            );
        }
        summary(&mut s, c, paint);
        for section in SECTIONS {
            let benchmarks = in_section(c, section);
            if benchmarks.is_empty() {
                continue;
            }
            s.push('\n');
            let failing = benchmarks.iter().filter(|b| b.fails_gate()).count();
            let gated = match failing {
                0 if matches!(
                    section,
                    Section::Failed | Section::Breach | Section::Regression
                ) =>
                {
                    ", not gated".to_string()
                }
                0 => String::new(),
                n if n == benchmarks.len() => ", failing the gate".to_string(),
                n => format!(", {n} failing the gate"),
            };
            let heading = format!("{} ({}{gated})", title(section), benchmarks.len());
            if section == Section::Pass {
                // Passing benchmarks are counted; the undecided among them are shown, numbers
                // and all, since more rounds could still flag them.
                let undecided: Vec<&BenchmarkComparison> =
                    benchmarks.iter().copied().filter(|b| b.unstable).collect();
                let _ = writeln!(
                    s,
                    "{}, {} undecided",
                    paint.color(&heading, Color::Green),
                    undecided.len()
                );
                if !undecided.is_empty() {
                    let _ = writeln!(s, "{}", checks(&undecided, paint));
                }
                continue;
            }
            let _ = writeln!(s, "{}", paint.color(&heading, section_color(section)));
            let table = if section == Section::Failed {
                failures(&benchmarks, paint)
            } else {
                checks(&benchmarks, paint)
            };
            let _ = writeln!(s, "{table}");
        }
        s
    }
}

/// Whether to emit ANSI colours.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn color(self, text: &str, color: Color) -> String {
        if !self.0 {
            return text.to_string();
        }
        let code = match color {
            Color::Red => 31,
            Color::Green => 32,
            Color::Yellow => 33,
            _ => 39,
        };
        format!("\u{1b}[{code}m{text}\u{1b}[0m")
    }

    fn cell(self, text: String, color: Option<Color>) -> Cell {
        match color {
            Some(c) if self.0 => Cell::new(text).fg(c),
            _ => Cell::new(text),
        }
    }
}

/// The scale symbols are the only non-ASCII text the renderer itself writes.
fn ascii(text: &str) -> String {
    text.replace('µ', "u")
}

fn title(s: Section) -> &'static str {
    match s {
        Section::Failed => "FAILED OR MISSING",
        Section::Breach => "SLO BREACHES",
        Section::Regression => "REGRESSIONS",
        Section::Near => "NEAR AN SLO LIMIT",
        Section::Improvement => "IMPROVEMENTS",
        Section::Pass => "PASSED",
    }
}

fn section_color(s: Section) -> Color {
    match s {
        Section::Failed | Section::Breach | Section::Regression => Color::Red,
        Section::Near => Color::Yellow,
        Section::Improvement | Section::Pass => Color::Green,
    }
}

/// The gate's verdict, the counts of benchmarks, the undecided clause and the largest changes.
fn summary(s: &mut String, c: &Comparison, paint: Paint) {
    let m = &c.summary;
    let verdict = if c.gate.passed {
        paint.color(&format!("PASS: {}", headline(c)), Color::Green)
    } else {
        paint.color(&format!("FAIL: {}", headline(c)), Color::Red)
    };
    let _ = writeln!(
        s,
        "{verdict}\n{} benchmarks, each counted once under its worst finding: failed {}, breach {}, \
         regression {}, near {}, improved {}, passed {} (new {})",
        m.benchmarks, m.failed, m.breaches, m.regressions, m.near, m.improvements, m.passed, m.new
    );
    if let Some(note) = undecided_note(c) {
        let _ = writeln!(s, "{}", clean(&note.replace('`', "")));
        for (name, text) in resolutions(c) {
            let _ = writeln!(
                s,
                "  {}: {}",
                ascii(&clean(&name)),
                clean(&text.replace('±', "+/-"))
            );
        }
    }
    let glance = at_a_glance(c, 5);
    if !glance.is_empty() {
        let _ = writeln!(s, "Largest flagged changes:");
        for (b, m) in glance {
            let _ = writeln!(
                s,
                "  {}/{} {}: {}",
                ascii(&clean(&b.suite)),
                ascii(&clean(&display_name(b))),
                clean(&m.metric),
                change_text(m, b.presence, &ASCII)
            );
        }
    }
    let accepted = accepted_changes(c);
    if !accepted.is_empty() {
        let _ = writeln!(s, "Accepted changes (they pass the gate):");
        for (what, why) in accepted {
            let _ = writeln!(s, "  {}: {}", ascii(&clean(&what)), clean(&why));
        }
    }
    let flaky = flaky_benchmarks(c);
    if !flaky.is_empty() {
        let _ = writeln!(
            s,
            "Flaky, quarantined by the noise file (never fail the gate by themselves):"
        );
        for (name, findings, evidence) in flaky {
            let _ = writeln!(
                s,
                "  {}: {} ({} A/A rounds of evidence)",
                ascii(&clean(&name)),
                clean(&findings.join("; ")),
                evidence.len()
            );
        }
    }
}

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_style(TableComponent::HeaderLines, '-')
        .set_style(TableComponent::MiddleHeaderIntersections, ' ')
        .force_no_tty()
        .set_header(header.to_vec());
    t
}

/// The table's text without the padding comfy-table leaves at the end of each line.
fn table_text(t: &Table) -> String {
    let text = t.to_string();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n")
}

fn failures(benchmarks: &[&BenchmarkComparison], paint: Paint) -> String {
    let mut t = new_table(&["benchmark", "status", "reason"]);
    if paint.0 {
        t.enforce_styling();
    }
    for (suite, bs) in by_suite(benchmarks.iter().copied()) {
        for b in bs {
            let reason = reason_text(b);
            t.add_row(vec![
                Cell::new(clean(&format!("{suite}/{}", display_name(b)))),
                paint.cell(status_text(b).to_string(), Some(Color::Red)),
                Cell::new(clean(reason.lines().next().unwrap_or_default())),
            ]);
        }
    }
    table_text(&t)
}

fn slo_color(v: SloVerdict) -> Color {
    match v {
        SloVerdict::Comfortable | SloVerdict::Pass => Color::Green,
        SloVerdict::Near => Color::Yellow,
        SloVerdict::Uncertain | SloVerdict::Breach | SloVerdict::NoData => Color::Red,
    }
}

/// One row per checked metric of each benchmark: value against its SLO, change vs baseline.
fn checks(benchmarks: &[&BenchmarkComparison], paint: Paint) -> String {
    let mut t = new_table(&["benchmark", "metric", "candidate / SLO", "vs baseline"]);
    if paint.0 {
        t.enforce_styling();
    }
    for (suite, bs) in by_suite(benchmarks.iter().copied()) {
        for b in bs {
            let mut name = clean(&format!("{suite}/{}", display_name(b)));
            let mut row = |metric: &str, value: Cell, change: Cell| {
                t.add_row(vec![
                    Cell::new(std::mem::take(&mut name)),
                    Cell::new(clean(metric)),
                    value,
                    change,
                ]);
            };
            for m in &b.metrics {
                let change_color = m.change.map(|c| match c.verdict {
                    ChangeVerdict::Regression => Color::Red,
                    ChangeVerdict::Improvement => Color::Green,
                    ChangeVerdict::Unstable => Color::Yellow,
                    ChangeVerdict::Same => Color::Reset,
                });
                let change = paint.cell(change_text(m, b.presence, &ASCII), change_color);
                let slos: Vec<_> = b.slos.iter().filter(|c| c.metric == m.metric).collect();
                if slos.is_empty() {
                    let value = candidate_value(m).map(|v| ascii(&v)).unwrap_or_default();
                    row(&m.metric, Cell::new(value), change);
                    continue;
                }
                for (i, check) in slos.into_iter().enumerate() {
                    let value = ascii(&slo_text(check, &ASCII, "SLO"));
                    let change = if i == 0 {
                        change.clone()
                    } else {
                        Cell::new("")
                    };
                    row(
                        &m.metric,
                        paint.cell(value, Some(slo_color(check.verdict))),
                        change,
                    );
                }
            }
            // SLOs on metrics the benchmark has no comparison for (no data).
            for check in b
                .slos
                .iter()
                .filter(|c| !b.metrics.iter().any(|m| m.metric == c.metric))
            {
                let value = ascii(&slo_text(check, &ASCII, "SLO"));
                row(
                    &check.metric,
                    paint.cell(value, Some(slo_color(check.verdict))),
                    Cell::new(""),
                );
            }
            for check in &b.overhead {
                let value = ascii(&slo_text(check, &ASCII, "overhead limit"));
                row(
                    &check.metric,
                    paint.cell(value, Some(slo_color(check.verdict))),
                    Cell::new(""),
                );
            }
        }
    }
    table_text(&t)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn snapshot_of_the_fixed_comparison() {
        insta::assert_snapshot!(
            TerminalRenderer.render(&fixture::fixed(), &RenderOptions::default())
        );
    }

    #[test]
    fn snapshot_of_an_undecided_budget_run() {
        insta::assert_snapshot!(
            TerminalRenderer.render(&fixture::undecided(), &RenderOptions::default())
        );
    }

    #[test]
    fn plain_output_has_no_escape_codes_and_colour_output_does() {
        let c = fixture::fixed();
        let plain = TerminalRenderer.render(&c, &RenderOptions::default());
        assert!(!plain.contains('\u{1b}'));
        assert!(!plain.contains('µ'), "scales are ASCII");
        assert!(plain.contains("WARNING: max_rss_usage moved +4.5% (median) in 12 of 12"));
        let colour = TerminalRenderer.render(
            &c,
            &RenderOptions {
                color: true,
                ..RenderOptions::default()
            },
        );
        assert!(colour.contains("\u{1b}[31mSLO BREACHES (2, failing the gate)\u{1b}[0m"));
    }

    #[test]
    fn sections_come_in_severity_order() {
        let plain = TerminalRenderer.render(&fixture::fixed(), &RenderOptions::default());
        let at = |t: &str| plain.find(t).unwrap_or_else(|| panic!("{t} missing"));
        assert!(at("FAILED OR MISSING") < at("SLO BREACHES"));
        assert!(at("SLO BREACHES") < at("REGRESSIONS"));
        assert!(at("REGRESSIONS") < at("NEAR AN SLO LIMIT"));
        assert!(at("NEAR AN SLO LIMIT") < at("IMPROVEMENTS"));
        assert!(at("IMPROVEMENTS") < at("PASSED"));
    }
}
