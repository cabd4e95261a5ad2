//! Comparisons to render in tests and benches: a fixed one with every verdict, and large ones.
//! Written with `crate::` paths only, so benches and integration tests can include this file with
//! `#[path]` after `use slogate::{compare, results, units};`.

use crate::compare::{
    BenchmarkComparison, Change, ChangeVerdict, Comparison, Estimate, MetricComparison, Presence,
    Section, Settings, Shift, SideInfo, SloCheck, SloVerdict, Summary, COMPARISON_SCHEMA,
};
use crate::results::Status;
use crate::units::{Scale, Unit};
use std::collections::BTreeMap;

const TIME: &str = "execution_time";
const MEMORY: &str = "max_rss_usage";

fn estimate(point: f64) -> Estimate {
    Estimate {
        point,
        low: point * 0.98,
        high: point * 1.02,
        processes: 6,
        values: 300,
        cv: 0.01,
        summary_only: false,
    }
}

fn change(ratio: f64, verdict: ChangeVerdict) -> Change {
    let half = if verdict == ChangeVerdict::Unstable {
        0.25
    } else {
        0.04
    };
    Change {
        ratio,
        ratio_low: ratio - half,
        ratio_high: ratio + half,
        p_value: 0.001,
        q_value: 0.004,
        threshold: 0.05,
        verdict,
    }
}

fn metric(
    name: &str,
    base: Option<f64>,
    cand: Option<f64>,
    verdict: ChangeVerdict,
) -> MetricComparison {
    let unit = if name == MEMORY {
        Unit::Bytes
    } else if name == TIME {
        Unit::Nanoseconds
    } else {
        Unit::Count
    };
    MetricComparison {
        metric: name.to_string(),
        unit,
        higher_is_better: false,
        baseline: base.map(estimate),
        candidate: cand.map(estimate),
        change: match (base, cand) {
            (Some(b), Some(c)) => Some(change(c / b, verdict)),
            _ => None,
        },
    }
}

/// An SLO check on `value`, the limit written as `quantity` in `symbol`.
fn slo(
    metric: &str,
    quantity: f64,
    symbol: &str,
    value: Option<f64>,
    verdict: SloVerdict,
) -> SloCheck {
    let scale = Scale::parse(symbol).expect("known scale");
    let limit = quantity * scale.factor;
    SloCheck {
        line: format!("{metric} < {quantity} {symbol}")
            .trim_end()
            .to_string(),
        metric: metric.to_string(),
        limit,
        unit: scale.unit,
        scale,
        estimate: value.map(estimate),
        margin: value.map(|v| v / limit - 1.0),
        verdict,
    }
}

struct Bench<'a> {
    suite: &'a str,
    scenario: &'a str,
    variant: &'a [(&'a str, &'a str)],
}

fn bench(
    at: Bench,
    section: Section,
    metrics: Vec<MetricComparison>,
    slos: Vec<SloCheck>,
) -> BenchmarkComparison {
    let variant: BTreeMap<String, String> = at
        .variant
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    BenchmarkComparison {
        key: crate::results::benchmark_key(at.suite, at.scenario, &variant),
        suite: at.suite.to_string(),
        scenario: at.scenario.to_string(),
        variant,
        presence: Presence::Both,
        baseline_status: Some(Status::Ok),
        candidate_status: Some(Status::Ok),
        reason: None,
        unstable: metrics.iter().any(|m| {
            m.change
                .is_some_and(|c| c.verdict == ChangeVerdict::Unstable)
        }),
        metrics,
        slos,
        overhead: Vec::new(),
        section,
    }
}

fn at<'a>(suite: &'a str, scenario: &'a str) -> Bench<'a> {
    Bench {
        suite,
        scenario,
        variant: &[],
    }
}

/// Time and memory SLOs and changes, as the seed's scenarios have them.
fn timed(
    place: Bench,
    section: Section,
    time: (f64, f64, f64, SloVerdict, ChangeVerdict),
    memory: (f64, f64, f64, SloVerdict),
) -> BenchmarkComparison {
    let (t_base, t_cand, t_limit_us, t_slo, t_change) = time;
    let (m_base, m_cand, m_limit_mb, m_slo) = memory;
    bench(
        place,
        section,
        vec![
            metric(TIME, Some(t_base), Some(t_cand), t_change),
            metric(MEMORY, Some(m_base), Some(m_cand), ChangeVerdict::Same),
        ],
        vec![
            slo(TIME, t_limit_us, "µs", Some(t_cand), t_slo),
            slo(MEMORY, m_limit_mb, "MB", Some(m_cand), m_slo),
        ],
    )
}

fn failed(
    place: Bench,
    status: Option<Status>,
    presence: Presence,
    reason: &str,
) -> BenchmarkComparison {
    let mut b = bench(
        place,
        Section::Failed,
        vec![metric(TIME, Some(100_000.0), None, ChangeVerdict::Same)],
        vec![slo(TIME, 130.0, "µs", None, SloVerdict::NoData)],
    );
    b.presence = presence;
    b.candidate_status = status;
    b.reason = Some(reason.to_string());
    b
}

fn side(label: &str, branch: &str, commit: &str, dirty: bool) -> SideInfo {
    SideInfo {
        label: label.to_string(),
        branch: Some(branch.to_string()),
        commit: Some(commit.to_string()),
        dirty,
        run_id: format!("{label}-run-1"),
        machine_fingerprint: "linux-x86_64-8c-16g".to_string(),
        file: Some(format!("{label}.results.json")),
        interrupted: false,
        vars: Default::default(),
    }
}

fn settings() -> Settings {
    Settings {
        noise_threshold: 0.05,
        confidence: 0.95,
        fdr: 0.05,
        near: 0.02,
        comfortable: 0.10,
        bootstrap_resamples: 10_000,
        seed: 42,
        paired: true,
        uncertain_fails: true,
    }
}

/// The counts a compare stage would report for `benchmarks`.
fn summary(benchmarks: &[BenchmarkComparison]) -> Summary {
    let count =
        |f: &dyn Fn(&BenchmarkComparison) -> bool| benchmarks.iter().filter(|b| f(b)).count();
    let has_slo = |b: &BenchmarkComparison, v: SloVerdict| b.slos.iter().any(|s| s.verdict == v);
    Summary {
        benchmarks: benchmarks.len(),
        failed: count(&|b| b.section == Section::Failed && b.presence != Presence::Missing),
        breaches: count(&|b| {
            b.section == Section::Breach
                && (has_slo(b, SloVerdict::Breach) || has_slo(b, SloVerdict::NoData))
        }),
        uncertain: count(&|b| has_slo(b, SloVerdict::Uncertain)),
        regressions: count(&|b| b.section == Section::Regression),
        near: count(&|b| b.section == Section::Near),
        improvements: count(&|b| b.section == Section::Improvement),
        unstable: count(&|b| b.unstable),
        new: count(&|b| b.presence == Presence::New),
        missing: count(&|b| b.presence == Presence::Missing),
        passed: count(&|b| b.section == Section::Pass),
    }
}

fn comparison(benchmarks: Vec<BenchmarkComparison>) -> Comparison {
    Comparison {
        schema: COMPARISON_SCHEMA.to_string(),
        baseline: side(
            "baseline",
            "main",
            "c11f050a9d2e4b7f8c1d3e5a7b9c0d2e4f6a8b0c",
            false,
        ),
        candidate: side(
            "candidate",
            "kowalski/feat-profiling-weak-links",
            "8e956cb1f2a3b4c5d6e7f8091a2b3c4d5e6f7081",
            true,
        ),
        settings: settings(),
        warnings: Vec::new(),
        shifts: Vec::new(),
        unmatched_slos: Vec::new(),
        summary: summary(&benchmarks),
        benchmarks,
    }
}

/// A comparison with every verdict, a shift, warnings, an unmatched SLO and hostile names.
pub fn fixed() -> Comparison {
    use ChangeVerdict as C;
    use SloVerdict as V;
    let mut benchmarks = vec![
        failed(
            at("iastaspects", "crash_aspect"),
            Some(Status::Failed),
            Presence::Both,
            "exit code 3\nTraceback (most recent call last):\n  File \"bench.py\", line 9\n```\nValueError: @org/team <!-- slogate:report -->",
        ),
        failed(
            at("iastaspects", "slow_aspect"),
            Some(Status::Timeout),
            Presence::Both,
            "timed out after 120s",
        ),
        failed(
            Bench {
                suite: "memory",
                scenario: "big_alloc",
                variant: &[("profiler", "on")],
            },
            Some(Status::Oom),
            Presence::Both,
            "ran out of memory: 2.0 GB cap reached (peak 2.1 GB)",
        ),
        failed(
            at("telemetryaddmetric", "flush-1-metric"),
            None,
            Presence::Missing,
            "in the baseline only",
        ),
        timed(
            at("iastaspects", "replace_aspect"),
            Section::Breach,
            (120_000.0, 150_000.0, 130.0, V::Breach, C::Regression),
            (40_700_000.0, 42_743_000.0, 44.0, V::Pass),
        ),
        timed(
            at("iastaspects", "format_aspect"),
            Section::Breach,
            (127_000.0, 128_500.0, 130.0, V::Uncertain, C::Same),
            (40_700_000.0, 42_802_000.0, 43.25, V::Near),
        ),
        timed(
            at("iastaspects", "ljust_aspect"),
            Section::Regression,
            (511_416.0, 579_435.0, 700.0, V::Comfortable, C::Regression),
            (40_660_000.0, 42_703_000.0, 45.0, V::Pass),
        ),
        timed(
            at("iastaspects", "add_aspect"),
            Section::Near,
            (101_462.0, 104_404.0, 130.0, V::Comfortable, C::Same),
            (40_573_000.0, 42_723_000.0, 43.25, V::Near),
        ),
        timed(
            at("iastaspects", "encode_aspect"),
            Section::Improvement,
            (92_370.0, 84_980.0, 200.0, V::Comfortable, C::Improvement),
            (40_600_000.0, 42_625_000.0, 47.0, V::Comfortable),
        ),
        timed(
            at("iastaspects", "lower_aspect"),
            Section::Pass,
            (308_140.0, 307_215.0, 500.0, V::Comfortable, C::Same),
            (40_670_000.0, 42_664_000.0, 47.0, V::Comfortable),
        ),
        timed(
            at("telemetryaddmetric", "1-count-metric-1-times"),
            Section::Pass,
            (3_025.0, 3_439.0, 20.0, V::Comfortable, C::Unstable),
            (33_270_000.0, 34_898_000.0, 39.5, V::Comfortable),
        ),
        timed(
            Bench {
                suite: "evil | <b>suite</b> @org/team",
                scenario: "<img src=x onerror=alert(1)> ``` @alice #123",
                variant: &[("mode", "| a | b |")],
            },
            Section::Regression,
            (100_000.0, 120_000.0, 200.0, V::Comfortable, C::Regression),
            (40_000_000.0, 42_000_000.0, 50.0, V::Comfortable),
        ),
        timed(
            at("evil | <b>suite</b> @org/team", "<!-- slogate:report -->"),
            Section::Pass,
            (100_000.0, 100_500.0, 200.0, V::Comfortable, C::Same),
            (40_000_000.0, 42_000_000.0, 50.0, V::Comfortable),
        ),
    ];

    let mut new = timed(
        at("telemetryaddmetric", "flush-10000-metrics"),
        Section::Pass,
        (0.0, 21_860_000.0, 25_000.0, V::Comfortable, C::Same),
        (0.0, 36_097_000.0, 36.5, V::Near),
    );
    new.presence = Presence::New;
    new.baseline_status = None;
    for m in &mut new.metrics {
        m.baseline = None;
        m.change = None;
    }
    new.slos[0].scale = Scale::parse("ms").expect("known scale");
    new.slos[0].line = "execution_time < 25 ms".to_string();
    benchmarks.push(new);

    let mut no_data = bench(
        at("telemetryaddmetric", "custom_counter"),
        Section::Breach,
        vec![metric(TIME, Some(5_000.0), Some(5_050.0), C::Same)],
        vec![
            slo(TIME, 20.0, "µs", Some(5_050.0), V::Comfortable),
            slo("allocations", 100.0, "", None, V::NoData),
        ],
    );
    no_data.reason = Some("metric `allocations` not recorded".to_string());
    benchmarks.push(no_data);

    let mut overhead = bench(
        Bench {
            suite: "profiler",
            scenario: "startup",
            variant: &[("profiler", "ddtrace")],
        },
        Section::Pass,
        vec![metric(TIME, Some(100_000.0), Some(101_000.0), C::Same)],
        Vec::new(),
    );
    let mut check = slo(TIME, 105.0, "µs", Some(101_000.0), V::Pass);
    check.line =
        "execution_time[profiler=ddtrace] < 1.05 * execution_time[profiler=off]".to_string();
    overhead.overhead.push(check);
    benchmarks.push(overhead);

    let mut c = comparison(benchmarks);
    c.shifts.push(Shift {
        metric: MEMORY.to_string(),
        variant: None,
        median_change: 0.05,
        moved: 118,
        total: 120,
    });
    c.warnings.push(
        "baseline and candidate ran on different machines (linux-x86_64-8c-16g vs linux-x86_64-4c-8g)"
            .to_string(),
    );
    c.warnings
        .push("noise @here <script>alert(1)</script> | exceeds the 5% threshold".to_string());
    c.unmatched_slos
        .push("gone_scenario: execution_time < 1 ms".to_string());
    c
}

/// `n` benchmarks over 50 suites, each with time and memory SLOs; `breaches` of them breach,
/// one in 50 regresses, one in 20 is near, one in 25 improves, the rest pass.
pub fn large(n: usize, breaches: usize) -> Comparison {
    use ChangeVerdict as C;
    use SloVerdict as V;
    let suites: Vec<String> = (0..50)
        .map(|i| format!("suite_{i:02}_iastaspects"))
        .collect();
    let step = (n / breaches.max(1)).max(1);
    let benchmarks = (0..n)
        .map(|i| {
            let scenario = format!("scenario_{i:05}_format_map_aspect");
            let place = Bench {
                suite: &suites[i % suites.len()],
                scenario: &scenario,
                variant: &[("profiler", "on")],
            };
            let breach = i % step == 0 && i / step < breaches;
            let (section, t_slo, t_change, t_cand) = if breach {
                (Section::Breach, V::Breach, C::Regression, 150_000.0)
            } else if i % 50 == 1 {
                (
                    Section::Regression,
                    V::Comfortable,
                    C::Regression,
                    113_000.0,
                )
            } else if i % 20 == 2 {
                (Section::Near, V::Near, C::Same, 127_800.0)
            } else if i % 25 == 3 {
                (
                    Section::Improvement,
                    V::Comfortable,
                    C::Improvement,
                    92_000.0,
                )
            } else {
                (Section::Pass, V::Comfortable, C::Same, 100_400.0)
            };
            timed(
                place,
                section,
                (100_000.0, t_cand, 130.0, t_slo, t_change),
                (40_600_000.0, 42_625_000.0, 47.0, V::Comfortable),
            )
        })
        .collect();
    comparison(benchmarks)
}
