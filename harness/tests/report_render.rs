//! The public rendering API on the fixed and the large comparisons.

use slogate::report::{render, Format, RenderOptions};
// The fixture is written against `crate::` paths; these make them resolve in this crate.
use slogate::{compare, results, units};

#[allow(dead_code)]
#[path = "../src/report/fixture.rs"]
mod fixture;

#[test]
fn every_format_renders_the_fixed_comparison() {
    let c = fixture::fixed();
    let opts = RenderOptions::default();
    for name in ["md", "markdown", "term", "terminal", "json", "junit"] {
        let format: Format = name.parse().unwrap();
        let out = render(&c, format, &opts);
        assert!(out.contains("replace"), "{name} names the breach");
    }
    let json: serde_json::Value = serde_json::from_str(&render(&c, Format::Json, &opts)).unwrap();
    assert_eq!(json["schema"], compare::COMPARISON_SCHEMA);
    assert_eq!(
        json["benchmarks"].as_array().unwrap().len(),
        c.benchmarks.len()
    );
}

#[test]
fn five_thousand_benchmarks_fit_one_github_comment() {
    let c = fixture::large(5_000, 40);
    let opts = RenderOptions {
        full_report: Some("reports/full.md".to_string()),
        ..RenderOptions::default()
    };
    let md = render(&c, Format::Markdown, &opts);
    assert!(md.chars().count() <= 65_536, "{} chars", md.chars().count());
    let breaches: Vec<_> = c
        .benchmarks
        .iter()
        .filter(|b| b.section == compare::Section::Breach)
        .collect();
    assert_eq!(breaches.len(), 40);
    for b in breaches {
        // Names are escaped: `_` becomes `\_`.
        assert!(
            md.contains(&b.scenario.replace('_', "\\_")),
            "{} not named",
            b.key
        );
    }
    assert!(md.contains("reports/full.md"));
    assert_eq!(md.matches("<!-- slogate:report -->").count(), 1);
}

#[test]
fn junit_of_a_large_comparison_counts_every_check() {
    let c = fixture::large(200, 5);
    let xml = render(&c, Format::Junit, &RenderOptions::default());
    // A run case, two SLO cases and two vs-baseline cases per benchmark.
    assert_eq!(xml.matches("<testcase ").count(), 200 * 5);
    assert!(xml.contains("tests=\"1000\""));
    assert_eq!(xml.matches("<failure type=\"breach\"").count(), 5);
}

#[test]
fn an_undecided_change_shows_its_estimate_and_interval_in_every_human_format() {
    let c = fixture::fixed();
    let change = c
        .benchmarks
        .iter()
        .flat_map(|b| &b.metrics)
        .find_map(|m| {
            m.change
                .filter(|ch| ch.verdict == compare::ChangeVerdict::Unstable)
        })
        .expect("the fixture has an undecided change");
    let pct = |r: f64| format!("{:+.1}", (r - 1.0) * 100.0);
    let (point, low, high) = (
        pct(change.ratio),
        pct(change.ratio_low),
        pct(change.ratio_high),
    );
    let opts = RenderOptions::default();
    let md = render(&c, Format::Markdown, &opts);
    assert!(
        md.contains(&format!("〰️ {point}% ({low}\u{a0}…\u{a0}{high})")),
        "{point} {low} {high}\n{md}"
    );
    // Once per report: what would settle it.
    assert_eq!(md.matches("would settle").count(), 1);
    let term = render(&c, Format::Terminal, &opts);
    assert!(
        term.contains(&format!("undecided {point}% ({low} .. {high})")),
        "{term}"
    );
    let junit = render(&c, Format::Junit, &opts);
    assert!(
        junit.contains(&format!("undecided {point}% ({low} .. {high}): undecided")),
        "{junit}"
    );
}
