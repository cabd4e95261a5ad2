//! Comparisons to render in tests and benches, made the way users make them: two results files
//! of generated samples, compared by the real `compare` (and so decided by the real gate). No
//! count, section or verdict here is written by hand, so a renderer that disagrees with the gate
//! fails its test.
//! Written with `crate::` paths only, so benches and integration tests can include this file with
//! `#[path]` after `use slogate::{compare, results, units};`.

use crate::compare::{compare, CompareOptions, Comparison, FailOn};
use crate::results::{
    benchmark_key, metric, Analysis, BenchmarkResult, BenchmarkRounds, GitInfo, Machine, Metadata,
    MetricSamples, OomInfo, ResultsFile, Status, SCHEMA,
};
use crate::units::Unit;
use std::collections::BTreeMap;

/// Deterministic values in about [-1.7, 1.7] (unit variance), a stream per benchmark and side.
struct Wiggle(u64);

impl Wiggle {
    fn next(&mut self) -> f64 {
        // xorshift64*: enough to scatter samples reproducibly.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let u = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
        (u * 2.0 - 1.0) * 3f64.sqrt()
    }
}

/// Six processes of five values around `mean`, process means spread by `cv`.
fn samples(unit: Unit, mean: f64, cv: f64, seed: u64) -> MetricSamples {
    let mut w = Wiggle(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut m = MetricSamples::new(unit);
    m.processes = (0..6)
        .map(|_| {
            let p = mean * (1.0 + cv * w.next());
            (0..5).map(|_| p * (1.0 + cv / 4.0 * w.next())).collect()
        })
        .collect();
    m
}

/// One benchmark as both sides ran it: time (ns) and memory (bytes) means and their spread, the
/// suite's SLO lines, and what became of the candidate.
struct Spec<'a> {
    suite: &'a str,
    scenario: &'a str,
    variant: &'a [(&'a str, &'a str)],
    /// Baseline and candidate time; `None` when the side does not have the benchmark.
    time: (Option<f64>, Option<f64>),
    time_cv: f64,
    memory: (f64, f64),
    thresholds: &'a [&'a str],
    overhead: &'a [&'a str],
    status: Status,
    reason: Option<&'a str>,
}

const SPEC: Spec = Spec {
    suite: "",
    scenario: "",
    variant: &[],
    time: (None, None),
    time_cv: 0.01,
    memory: (40_700_000.0, 42_530_000.0),
    thresholds: &[],
    overhead: &[],
    status: Status::Ok,
    reason: None,
};

fn result(s: &Spec, index: u64, candidate: bool) -> Option<BenchmarkResult> {
    let time = if candidate { s.time.1 } else { s.time.0 }?;
    let memory = if candidate { s.memory.1 } else { s.memory.0 };
    let variant: BTreeMap<String, String> = s
        .variant
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let status = if candidate { s.status } else { Status::Ok };
    let seed = index * 2 + u64::from(candidate);
    let mut metrics = BTreeMap::new();
    if status == Status::Ok {
        metrics.insert(
            metric::EXECUTION_TIME.to_string(),
            samples(Unit::Nanoseconds, time, s.time_cv, seed),
        );
        metrics.insert(
            metric::MAX_RSS_USAGE.to_string(),
            samples(Unit::Bytes, memory, 0.001, seed + 1_000_003),
        );
    }
    let (reason, stderr_tail) = match s.reason.filter(|_| candidate) {
        Some(r) => match r.split_once('\n') {
            Some((first, tail)) => (Some(first.to_string()), Some(tail.to_string())),
            None => (Some(r.to_string()), None),
        },
        None => (None, None),
    };
    Some(BenchmarkResult {
        key: benchmark_key(s.suite, s.scenario, &variant),
        suite: s.suite.to_string(),
        scenario: s.scenario.to_string(),
        variant,
        status,
        reason,
        stderr_tail,
        oom: (status == Status::Oom && candidate).then_some(OomInfo {
            peak_bytes: 2_100_000_000,
            cap_bytes: 2_000_000_000,
        }),
        planned_processes: 6,
        thresholds: s.thresholds.iter().map(|t| t.to_string()).collect(),
        overhead: s.overhead.iter().map(|t| t.to_string()).collect(),
        noise_threshold: None,
        metrics,
    })
}

fn file(specs: &[Spec], candidate: bool) -> ResultsFile {
    let (label, branch, commit, cpu) = if candidate {
        (
            "candidate",
            "kowalski/feat-profiling-weak-links",
            "8e956cb1f2a3b4c5d6e7f8091a2b3c4d5e6f7081",
            // Hostile text reaches the report through the machines' warning.
            "EPYC @here <script>alert(1)</script> | 4c",
        )
    } else {
        (
            "baseline",
            "main",
            "c11f050a9d2e4b7f8c1d3e5a7b9c0d2e4f6a8b0c",
            "EPYC 8c",
        )
    };
    ResultsFile {
        schema: SCHEMA.to_string(),
        meta: Metadata {
            harness_version: "0.1.0".to_string(),
            run_id: format!("{label}-run-1"),
            started_at: "2026-11-24T08:00:00Z".parse().expect("a date"),
            ended_at: None,
            side: Some(label.to_string()),
            git: Some(GitInfo {
                commit: commit.to_string(),
                branch: Some(branch.to_string()),
                dirty: candidate,
                subject: None,
            }),
            machine: Machine {
                hostname: "ci".to_string(),
                cpu_model: cpu.to_string(),
                cores: if candidate { 4 } else { 8 },
                memory_bytes: 16 << 30,
                kernel: "6.1".to_string(),
                arch: "x86_64".to_string(),
                fingerprint: format!("linux-x86_64-{cpu}"),
            },
            suites: Vec::new(),
            vars: BTreeMap::new(),
            seed: 1,
            interrupted: false,
            shard: None,
            pairing: None,
            analysis: None,
            noise: None,
            import: None,
        },
        benchmarks: specs
            .iter()
            .enumerate()
            .filter_map(|(i, s)| result(s, i as u64, candidate))
            .collect(),
    }
}

/// The two results files of the fixed comparison: every verdict, a shared memory shift, machines
/// that differ, a crash, a timeout, an out-of-memory, a missing and a skipped benchmark, an SLO
/// without data, an overhead line, and hostile names.
pub fn fixed_sides() -> (ResultsFile, ResultsFile) {
    const TIME_SLO: &[&str] = &["execution_time < 130 us", "max_rss_usage < 47 MB"];
    let specs = [
        Spec {
            suite: "iastaspects",
            scenario: "crash_aspect",
            time: (Some(100_000.0), Some(100_000.0)),
            thresholds: TIME_SLO,
            status: Status::Failed,
            reason: Some(
                "exit code 3\nTraceback (most recent call last):\n  File \"bench.py\", line 9\n```\nValueError: @org/team <!-- slogate:report -->",
            ),
            ..SPEC
        },
        Spec {
            suite: "iastaspects",
            scenario: "slow_aspect",
            time: (Some(100_000.0), Some(100_000.0)),
            thresholds: TIME_SLO,
            status: Status::Timeout,
            reason: Some("timed out after 120s"),
            ..SPEC
        },
        Spec {
            suite: "iastaspects",
            scenario: "gpu_aspect",
            time: (Some(100_000.0), Some(100_000.0)),
            thresholds: TIME_SLO,
            status: Status::Skipped,
            reason: Some("no GPU on this machine"),
            ..SPEC
        },
        Spec {
            suite: "memory",
            scenario: "big_alloc",
            variant: &[("profiler", "on")],
            time: (Some(900_000.0), Some(900_000.0)),
            status: Status::Oom,
            reason: Some("peak 2.100GB over the cap of 2.000GB"),
            ..SPEC
        },
        Spec {
            suite: "telemetryaddmetric",
            scenario: "flush-1-metric",
            time: (Some(4_500.0), None),
            ..SPEC
        },
        Spec {
            suite: "iastaspects",
            scenario: "replace_aspect",
            time: (Some(120_000.0), Some(150_000.0)),
            thresholds: TIME_SLO,
            ..SPEC
        },
        Spec {
            suite: "iastaspects",
            scenario: "format_aspect",
            time: (Some(127_000.0), Some(128_500.0)),
            time_cv: 0.03,
            thresholds: TIME_SLO,
            ..SPEC
        },
        Spec {
            suite: "iastaspects",
            scenario: "ljust_aspect",
            time: (Some(511_416.0), Some(579_435.0)),
            thresholds: &["execution_time < 700 us"],
            ..SPEC
        },
        Spec {
            suite: "iastaspects",
            scenario: "add_aspect",
            time: (Some(101_462.0), Some(104_404.0)),
            memory: (40_880_000.0, 42_723_000.0),
            thresholds: &["execution_time < 130 us", "max_rss_usage < 43.25 MB"],
            ..SPEC
        },
        Spec {
            suite: "iastaspects",
            scenario: "encode_aspect",
            time: (Some(92_370.0), Some(84_980.0)),
            thresholds: &["execution_time < 200 us"],
            ..SPEC
        },
        Spec {
            suite: "iastaspects",
            scenario: "lower_aspect",
            time: (Some(308_140.0), Some(307_215.0)),
            thresholds: &["execution_time < 500 us"],
            ..SPEC
        },
        Spec {
            suite: "telemetryaddmetric",
            scenario: "1-count-metric-1-times",
            time: (Some(3_025.0), Some(3_439.0)),
            time_cv: 0.15,
            thresholds: &["execution_time < 20 us"],
            ..SPEC
        },
        Spec {
            suite: "evil | <b>suite</b> @org/team",
            scenario: "<img src=x onerror=alert(1)> ``` @alice #123",
            variant: &[("mode", "| a | b |")],
            time: (Some(100_000.0), Some(120_000.0)),
            thresholds: &["execution_time < 200 us"],
            ..SPEC
        },
        Spec {
            suite: "evil | <b>suite</b> @org/team",
            scenario: "<!-- slogate:report -->",
            time: (Some(100_000.0), Some(100_500.0)),
            ..SPEC
        },
        Spec {
            suite: "telemetryaddmetric",
            scenario: "flush-10000-metrics",
            time: (None, Some(21_860_000.0)),
            thresholds: &["execution_time < 25 ms"],
            ..SPEC
        },
        Spec {
            suite: "telemetryaddmetric",
            scenario: "custom_counter",
            time: (Some(5_000.0), Some(5_050.0)),
            thresholds: &["execution_time < 20 us", "allocations < 100"],
            ..SPEC
        },
        Spec {
            suite: "profiler",
            scenario: "startup",
            variant: &[("profiler", "off")],
            time: (Some(100_000.0), Some(100_300.0)),
            ..SPEC
        },
        Spec {
            suite: "profiler",
            scenario: "startup",
            variant: &[("profiler", "ddtrace")],
            time: (Some(101_000.0), Some(101_200.0)),
            overhead: &["execution_time[profiler=ddtrace] < 1.05 * execution_time[profiler=off]"],
            ..SPEC
        },
    ];
    (file(&specs, false), file(&specs, true))
}

/// The options of the fixed comparison: a standalone SLO line that matches no benchmark.
pub fn fixed_options(fail_on: FailOn) -> CompareOptions {
    CompareOptions {
        fail_on,
        seed: 42,
        extra_slos: BTreeMap::from([(
            "gone_scenario".to_string(),
            vec!["execution_time < 1 ms".to_string()],
        )]),
        ..CompareOptions::default()
    }
}

/// The fixed comparison under the default `--fail-on`.
pub fn fixed() -> Comparison {
    let (base, cand) = fixed_sides();
    compare(&base, &cand, &fixed_options(FailOn::default()))
}

/// `n` benchmarks over 50 suites, each with time and memory SLOs; `breaches` of them breach,
/// one in 50 regresses, one in 20 is near, one in 25 improves, the rest pass.
pub fn large(n: usize, breaches: usize) -> Comparison {
    let suites: Vec<String> = (0..50)
        .map(|i| format!("suite_{i:02}_iastaspects"))
        .collect();
    let scenarios: Vec<String> = (0..n)
        .map(|i| format!("scenario_{i:05}_format_map_aspect"))
        .collect();
    let step = (n / breaches.max(1)).max(1);
    let specs: Vec<Spec> = (0..n)
        .map(|i| {
            let breach = i % step == 0 && i / step < breaches;
            let (candidate, thresholds): (f64, &[&str]) = if breach {
                (
                    150_000.0,
                    &["execution_time < 130 us", "max_rss_usage < 47 MB"],
                )
            } else if i % 50 == 1 {
                (
                    113_000.0,
                    &["execution_time < 130 us", "max_rss_usage < 47 MB"],
                )
            } else if i % 20 == 2 {
                (
                    100_400.0,
                    &["execution_time < 102 us", "max_rss_usage < 47 MB"],
                )
            } else if i % 25 == 3 {
                (
                    92_000.0,
                    &["execution_time < 130 us", "max_rss_usage < 47 MB"],
                )
            } else {
                (
                    100_400.0,
                    &["execution_time < 130 us", "max_rss_usage < 47 MB"],
                )
            };
            Spec {
                suite: &suites[i % suites.len()],
                scenario: &scenarios[i],
                variant: &[("profiler", "on")],
                time: (Some(100_000.0), Some(candidate)),
                time_cv: 0.005,
                thresholds,
                ..SPEC
            }
        })
        .collect();
    let opts = CompareOptions {
        // Enough for stable verdicts on these narrow samples, few enough for thousands.
        resamples: 200,
        seed: 42,
        ..CompareOptions::default()
    };
    compare(&file(&specs, false), &file(&specs, true), &opts)
}

/// The two results files of an `ab` run under a budget, paired, its rounds recorded in both:
/// `noisy` ran out of budget short of the rounds its noise needs, `sits` has an estimate on the
/// threshold, `evil | <b>x</b> @org/team` was interrupted, `quiet` was decided.
pub fn undecided_sides() -> (ResultsFile, ResultsFile) {
    let specs = [
        Spec {
            suite: "cpu",
            scenario: "noisy",
            time: (Some(100_000.0), Some(104_000.0)),
            time_cv: 0.15,
            ..SPEC
        },
        Spec {
            suite: "cpu",
            scenario: "sits",
            time: (Some(100_000.0), Some(105_000.0)),
            time_cv: 0.15,
            ..SPEC
        },
        Spec {
            suite: "cpu",
            scenario: "evil | <b>x</b> @org/team",
            time: (Some(100_000.0), Some(98_000.0)),
            time_cv: 0.15,
            ..SPEC
        },
        Spec {
            suite: "cpu",
            scenario: "quiet",
            time: (Some(100_000.0), Some(100_100.0)),
            time_cv: 0.002,
            ..SPEC
        },
    ];
    let record = |scenario: &str, stopped: &str, predicted, resolvable| BenchmarkRounds {
        key: benchmark_key("cpu", scenario, &BTreeMap::new()),
        rounds: 6,
        seconds: 30.0,
        stopped: stopped.to_string(),
        predicted_rounds: predicted,
        resolvable_change: resolvable,
        // A run ended by its budget spent all the error at its last look; one decided early
        // looked at a stricter level.
        confidence: Some(if stopped == "decided" { 0.96 } else { 0.95 }),
        values_per_process: Vec::new(),
    };
    let analysis = Analysis {
        noise_threshold: 0.05,
        confidence: 0.95,
        sides: Default::default(),
        rounds: vec![
            record("noisy", "budget", Some(41), Some(0.123)),
            record("sits", "budget", None, Some(0.081)),
            record(
                "evil | <b>x</b> @org/team",
                "interrupted",
                Some(29),
                Some(0.164),
            ),
            record("quiet", "decided", Some(6), Some(0.004)),
        ],
    };
    let [base, cand] = [false, true].map(|candidate| {
        let mut f = file(&specs, candidate);
        f.meta.pairing = Some("ab-1".to_string());
        f.meta.analysis = Some(analysis.clone());
        f
    });
    (base, cand)
}

/// The comparison of [`undecided_sides`].
pub fn undecided() -> Comparison {
    let (base, cand) = undecided_sides();
    let opts = CompareOptions {
        seed: 42,
        ..CompareOptions::default()
    };
    compare(&base, &cand, &opts)
}
