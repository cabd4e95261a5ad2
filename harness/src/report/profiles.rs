//! Under each profiled benchmark, a collapsed "where it changed" table: the functions whose own
//! cost changed most (for sampled costs, the change the profiles are surest of), with their share
//! of the benchmark on each side and the change with its uncertainty, then the stack that changed
//! most and the differential flame graph. A benchmark that could not be profiled gets one line
//! saying why.

use super::display_name;
use crate::compare::BenchmarkComparison;
use crate::escape::markdown_text as esc;
use crate::profile::{BenchmarkProfile, ProfileSummary};
use crate::units::{format_auto, format_pct, Unit};
use std::fmt::Write;

/// Appends the profile of each of `benchmarks` that has one.
pub(super) fn write(
    s: &mut String,
    benchmarks: &[&BenchmarkComparison],
    profiles: &[BenchmarkProfile],
) {
    for b in benchmarks {
        let Some(p) = profiles.iter().find(|p| p.key == b.key) else {
            continue;
        };
        let name = esc(&display_name(b));
        match &p.outcome {
            Err(reason) => {
                let _ = writeln!(
                    s,
                    "🔎 **{name}**: not profiled: {}\n",
                    esc(first_line(reason))
                );
            }
            Ok(summary) => table(s, &name, summary),
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn table(s: &mut String, name: &str, p: &ProfileSummary) {
    let _ = writeln!(
        s,
        "<details><summary>🔎 Where <b>{name}</b> changed ({}: {} per process, {} processes per side{})</summary>\n",
        esc(&p.source),
        esc(&p.unit),
        p.runs[1],
        p.process
            .as_deref()
            .map(|k| format!(
                "; the whole process of {}, with the other benchmarks it measures, unscaled",
                esc(k)
            ))
            .unwrap_or_default()
    );
    if let Some(ratio) = p.scaled_to {
        let _ = writeln!(
            s,
            "Sampled time: the candidate's profile is scaled to ×{ratio:.3} the baseline's \
             total (the measured time ratio, else ×1 when none was measured), so that a \
             busier machine during one side's profiling does not show as a change everywhere.\n"
        );
    }
    if p.functions.iter().any(|f| f.self_margin.is_some()) {
        let _ = writeln!(
            s,
            "± is half the 95% interval of a self change, from how the function's share varied \
             between the profiled processes; rows are ordered by the change beyond it, the part \
             the profiles are sure of.\n"
        );
    }
    if let Some(note) = &p.note {
        let _ = writeln!(s, "> [!NOTE]\n> {}\n", esc(note));
    }
    s.push_str("| Function | Baseline self | Candidate self | Self change | Inclusive change |\n");
    s.push_str("|:--|--:|--:|--:|--:|\n");
    let cost = |v: f64| cost_text(&p.unit, v);
    let share = |v: f64, total: f64| if total > 0.0 { v / total } else { 0.0 };
    for f in &p.functions {
        let change = f.self_change();
        let _ = writeln!(
            s,
            "| {} | {} ({:.1}%) | {} ({:.1}%) | {}{}{} ({} of the baseline) | {}{} |",
            esc(&f.name),
            cost(f.self_cost[0]),
            share(f.self_cost[0], p.total[0]) * 100.0,
            cost(f.self_cost[1]),
            share(f.self_cost[1], p.total[1]) * 100.0,
            sign(change),
            cost(change.abs()),
            f.self_margin
                .map(|m| format!(" ± {}", cost(m)))
                .unwrap_or_default(),
            format_pct(share(change, p.total[0])),
            sign(f.inclusive[1] - f.inclusive[0]),
            cost((f.inclusive[1] - f.inclusive[0]).abs()),
        );
    }
    s.push('\n');
    if let Some(top) = p.stacks.first() {
        let frames: Vec<String> = top.stack.iter().map(|f| esc(f)).collect();
        let change = top.cost[1] - top.cost[0];
        let _ = writeln!(
            s,
            "Stack that changed most ({}{}): {}\n",
            sign(change),
            cost(change.abs()),
            frames.join(" → ")
        );
    }
    let _ = writeln!(
        s,
        "Whole profile: {} → {} per process.{}\n",
        cost(p.total[0]),
        cost(p.total[1]),
        p.flame_graph
            .as_deref()
            .map(|g| format!(" Differential flame graph: {}", esc(g)))
            .unwrap_or_default()
    );
    s.push_str("</details>\n\n");
}

/// The sign of a change; none for one that shows as zero.
fn sign(v: f64) -> &'static str {
    if v.abs() < 0.05 {
        ""
    } else if v < 0.0 {
        "-"
    } else {
        "+"
    }
}

/// A cost in the profile's unit: times scaled, counts shortened (`1.23M`).
fn cost_text(unit: &str, v: f64) -> String {
    if unit.starts_with("nanoseconds") {
        return format_auto(Unit::Nanoseconds, v);
    }
    match v.abs() {
        a if a >= 1e9 => format!("{:.2}G", v / 1e9),
        a if a >= 1e6 => format!("{:.2}M", v / 1e6),
        a if a >= 1e4 => format!("{:.1}k", v / 1e3),
        _ => format!("{v:.1}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{FunctionDelta, StackDelta};

    fn comparison(key: &str, scenario: &str) -> BenchmarkComparison {
        let mut b = super::super::fixture::fixed().benchmarks.remove(0);
        b.key = key.to_string();
        b.scenario = scenario.to_string();
        b.variant.clear();
        b
    }

    fn summary() -> ProfileSummary {
        ProfileSummary {
            source: "py-spy".into(),
            unit: "samples".into(),
            runs: [3, 3],
            total: [300.0, 330.0],
            functions: vec![
                FunctionDelta {
                    name: "slow|<img src=x> (w.py)".into(),
                    self_cost: [100.0, 130.0],
                    inclusive: [100.0, 130.0],
                    self_margin: Some(8.25),
                },
                FunctionDelta {
                    name: "fast (w.py)".into(),
                    self_cost: [100.0, 99.0],
                    inclusive: [100.0, 99.0],
                    self_margin: Some(12.0),
                },
            ],
            stacks: vec![StackDelta {
                stack: vec!["main (w.py)".into(), "slow|<img src=x> (w.py)".into()],
                cost: [100.0, 130.0],
            }],
            flame_graph: Some("out/profiles/s_x.svg".into()),
            note: None,
            scaled_to: Some(1.1),
            process: None,
        }
    }

    #[test]
    fn snapshot_of_a_profile_and_a_reason() {
        let (a, b) = (comparison("s/x", "x"), comparison("s/y", "y@team"));
        let profiles = vec![
            BenchmarkProfile {
                key: "s/x".into(),
                outcome: Ok(summary()),
            },
            BenchmarkProfile {
                key: "s/y".into(),
                outcome: Err("no profile source\nsecond line".into()),
            },
        ];
        let mut s = String::new();
        write(&mut s, &[&a, &b], &profiles);
        insta::assert_snapshot!(s);
        assert!(!s.contains("<img") && !s.contains("second line"));
        let rows: Vec<&str> = s.lines().filter(|l| l.starts_with("| ")).collect();
        assert!(rows.iter().all(|r| r.matches('|').count() == 6), "{rows:?}");
        assert!(rows[1].starts_with("| slow&#124;&lt;img"), "{rows:?}");
    }

    #[test]
    fn costs_read_in_their_unit() {
        assert_eq!(cost_text("samples", 12.34), "12.3");
        assert_eq!(cost_text("instructions", 12_345_678.0), "12.35M");
        assert_eq!(
            cost_text("nanoseconds of cpu-time", 2_500_000.0),
            format_auto(Unit::Nanoseconds, 2_500_000.0)
        );
    }
}
