//! Comparisons of generated results files with known answers.

use super::*;
use crate::results::{metric, tests::sample, MetricSamples, Status, SummaryStats};
use crate::units::Unit;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Processes x values around `mean`: each process drifts by `process_cv`, each value by `value_cv`.
fn noisy(rng: &mut ChaCha8Rng, mean: f64, process_cv: f64, value_cv: f64) -> Vec<Vec<f64>> {
    (0..20)
        .map(|_| {
            let p = mean * (1.0 + process_cv * normal(rng));
            (0..3).map(|_| p * (1.0 + value_cv * normal(rng))).collect()
        })
        .collect()
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller.
    let (u, v): (f64, f64) = (rng.gen_range(1e-12..1.0), rng.gen());
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

fn bench(key: &str, time: Vec<Vec<f64>>, rss: Vec<Vec<f64>>) -> BenchmarkResult {
    let mut b = sample().benchmarks.remove(0);
    let (suite, rest) = key.split_once('/').unwrap();
    let (scenario, variant) = match rest.split_once('[') {
        Some((s, v)) => (
            s,
            v.trim_end_matches(']')
                .split(',')
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap();
                    (k.to_string(), v.to_string())
                })
                .collect(),
        ),
        None => (rest, BTreeMap::new()),
    };
    b.key = key.into();
    b.suite = suite.into();
    b.scenario = scenario.into();
    b.variant = variant;
    b.thresholds.clear();
    b.metrics.clear();
    let mut t = MetricSamples::new(Unit::Nanoseconds);
    t.processes = time;
    b.metrics.insert(metric::EXECUTION_TIME.into(), t);
    if !rss.is_empty() {
        let mut m = MetricSamples::new(Unit::Bytes);
        m.processes = rss;
        b.metrics.insert(metric::MAX_RSS_USAGE.into(), m);
    }
    b
}

fn file(benchmarks: Vec<BenchmarkResult>) -> ResultsFile {
    let mut f = sample();
    f.benchmarks = benchmarks;
    f
}

/// `n` benchmarks with time ~100µs x `time_factor` and memory ~40MB x `mem_factor`.
fn suite(seed: u64, n: usize, time_factor: f64, mem_factor: f64, cv: f64) -> ResultsFile {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    file(
        (0..n)
            .map(|i| {
                let t = 100_000.0 * (1.0 + i as f64 / 10.0) * time_factor;
                let m = 40e6 * mem_factor;
                bench(
                    &format!("s/b{i:02}"),
                    noisy(&mut rng, t, cv, cv / 2.0),
                    noisy(&mut rng, m, cv / 5.0, 0.0),
                )
            })
            .collect(),
    )
}

fn verdicts(c: &Comparison) -> Vec<ChangeVerdict> {
    c.benchmarks
        .iter()
        .flat_map(|b| &b.metrics)
        .filter_map(|m| m.change.map(|ch| ch.verdict))
        .collect()
}

fn flagged(c: &Comparison) -> usize {
    verdicts(c)
        .iter()
        .filter(|v| matches!(v, ChangeVerdict::Regression | ChangeVerdict::Improvement))
        .count()
}

#[test]
fn identical_data_flags_nothing() {
    let f = suite(1, 30, 1.0, 1.0, 0.03);
    let c = compare(&f, &f, &CompareOptions::default());
    assert_eq!(verdicts(&c).len(), 60);
    assert!(
        verdicts(&c).iter().all(|v| *v == ChangeVerdict::Same),
        "{:?}",
        verdicts(&c)
    );
    assert!(
        c.shifts.is_empty() && c.warnings.is_empty(),
        "{:?} {:?}",
        c.shifts,
        c.warnings
    );
    assert_eq!(c.summary.passed, 30);
    for m in c.benchmarks.iter().flat_map(|b| &b.metrics) {
        let ch = m.change.unwrap();
        assert_eq!(ch.ratio, 1.0);
        assert!(ch.ratio_low <= 1.0 && ch.ratio_high >= 1.0);
        assert!(ch.p_value > 0.5);
    }
    assert!(c.gate.passed);
}

/// The comparison under `--fail-on fail_on`.
fn under(base: &ResultsFile, cand: &ResultsFile, fail_on: &str) -> Comparison {
    let opts = CompareOptions {
        fail_on: fail_on.parse().unwrap(),
        ..CompareOptions::default()
    };
    compare(base, cand, &opts)
}

#[test]
fn ten_percent_slower_is_a_regression_with_its_interval() {
    let base = suite(2, 10, 1.0, 1.0, 0.01);
    let mut cand = suite(3, 10, 1.0, 1.0, 0.01);
    let slow = suite(4, 10, 1.10, 1.0, 0.01);
    cand.benchmarks[3] = slow.benchmarks[3].clone();
    let c = compare(&base, &cand, &CompareOptions::default());
    let b = &c.benchmarks[3];
    let ch = b
        .metrics
        .iter()
        .find(|m| m.metric == "execution_time")
        .unwrap()
        .change
        .unwrap();
    assert_eq!(ch.verdict, ChangeVerdict::Regression, "{ch:?}");
    assert!(
        ch.ratio_low > 1.05 && ch.ratio_high < 1.15 && (ch.ratio - 1.1).abs() < 0.02,
        "{ch:?}"
    );
    assert!(ch.q_value <= 0.05);
    assert_eq!(b.section, Section::Regression);
    assert_eq!(c.summary.regressions, 1);
    assert_eq!(flagged(&c), 1);
    // Regressions fail the gate only when asked.
    assert!(c.gate.passed && c.summary.failing == 0);
    let g = under(&base, &cand, "regression");
    let reasons = gate_reasons(&g.benchmarks);
    assert!(
        !g.gate.passed
            && g.summary.failing == 1
            && reasons[0].contains("s/b03")
            && reasons[0].contains("regressed by +"),
        "{reasons:?}"
    );
    // The interval reaches the JSON every renderer reads.
    let json = serde_json::to_value(&c).unwrap();
    let change = &json["benchmarks"][3]["metrics"][0]["change"];
    assert!(change["ratio_low"].as_f64().unwrap() > 1.05, "{change}");
    // Faster is an improvement; for a higher-is-better metric the same move is a regression.
    let c = compare(&cand, &base, &CompareOptions::default());
    assert_eq!(c.benchmarks[3].section, Section::Improvement);
}

#[test]
fn a_a_comparisons_rarely_flag() {
    let mut with_default = 0;
    let mut with_zero_threshold = 0;
    let zero = CompareOptions {
        noise_threshold: 0.0,
        ..CompareOptions::default()
    };
    for i in 0..50 {
        let a = suite(100 + 2 * i, 10, 1.0, 1.0, 0.03);
        let b = suite(101 + 2 * i, 10, 1.0, 1.0, 0.03);
        with_default += flagged(&compare(&a, &b, &CompareOptions::default()));
        // With no threshold only the interval and false-discovery control stand guard.
        with_zero_threshold += usize::from(flagged(&compare(&a, &b, &zero)) > 0);
    }
    assert_eq!(with_default, 0);
    assert!(
        with_zero_threshold <= 3,
        "{with_zero_threshold} of 50 A/A reports flagged"
    );
}

#[test]
fn noisy_identical_code_is_same_or_unstable_never_flagged() {
    // Few processes, wildly dispersed: never a flag.
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut few = |m: f64| -> Vec<Vec<f64>> {
        (0..3)
            .map(|_| vec![m * (1.0 + 0.3 * normal(&mut rng)).abs()])
            .collect()
    };
    let base = file(vec![bench("s/x", few(100.0), vec![])]);
    let cand = file(vec![bench("s/x", few(100.0), vec![])]);
    let c = compare(&base, &cand, &CompareOptions::default());
    assert_eq!(verdicts(&c), vec![ChangeVerdict::Unstable]);
    assert!(c.benchmarks[0].unstable && c.summary.unstable == 1);
}

#[test]
fn systematic_memory_shift_is_said_once() {
    // +4.5% memory everywhere: each under the 5% threshold (so ~same), together a shift.
    let base = suite(5, 20, 1.0, 1.0, 0.01);
    let cand = suite(6, 20, 1.0, 1.045, 0.01);
    let c = compare(&base, &cand, &CompareOptions::default());
    let mem: Vec<ChangeVerdict> = c
        .benchmarks
        .iter()
        .flat_map(|b| &b.metrics)
        .filter(|m| m.metric == "max_rss_usage")
        .map(|m| m.change.unwrap().verdict)
        .collect();
    assert!(mem.iter().all(|v| *v == ChangeVerdict::Same), "{mem:?}");
    assert_eq!(c.shifts.len(), 1, "{:?}", c.shifts);
    let s = &c.shifts[0];
    assert_eq!((s.metric.as_str(), s.total), ("max_rss_usage", 20));
    assert!(
        s.moved >= 14 && (s.median_change - 0.045).abs() < 0.005,
        "{s:?}"
    );
}

#[test]
fn a_shift_of_one_variant_is_said_with_its_name() {
    // +1.5% memory in every profiled benchmark, the unprofiled ones unchanged: half of all
    // benchmarks moved, which is no shift of the metric, but all of one variant's.
    let side = |seed: u64, off_mem: f64, profiled_mem: f64| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut benchmarks = Vec::new();
        for i in 0..8 {
            for (profiler, mem) in [("off", off_mem), ("ddtrace", profiled_mem)] {
                benchmarks.push(bench(
                    &format!("s/b{i}[profiler={profiler}]"),
                    noisy(&mut rng, 100_000.0, 0.01, 0.005),
                    noisy(&mut rng, 40e6 * mem, 0.001, 0.0),
                ));
            }
        }
        file(benchmarks)
    };
    let c = compare(
        &side(1, 1.0, 1.0),
        &side(2, 1.0, 1.015),
        &CompareOptions::default(),
    );
    assert_eq!(c.shifts.len(), 1, "{:?}", c.shifts);
    let s = &c.shifts[0];
    assert_eq!(s.metric, "max_rss_usage");
    assert_eq!(s.variant.as_deref(), Some("profiler=ddtrace"));
    assert!(s.moved >= 6 && s.total == 8, "{s:?}");
    assert!((s.median_change - 0.015).abs() < 0.003, "{s:?}");
    // The same move everywhere is one shift of the whole metric, not one per variant.
    let c = compare(
        &side(1, 1.0, 1.0),
        &side(2, 1.015, 1.015),
        &CompareOptions::default(),
    );
    assert_eq!(c.shifts.len(), 1, "{:?}", c.shifts);
    assert_eq!(c.shifts[0].variant, None);
    assert_eq!(c.shifts[0].total, 16);
    // Nothing moved: nothing said.
    let c = compare(
        &side(1, 1.0, 1.0),
        &side(2, 1.0, 1.0),
        &CompareOptions::default(),
    );
    assert!(c.shifts.is_empty(), "{:?}", c.shifts);
}

fn with_slos(mut b: BenchmarkResult, lines: &[&str]) -> BenchmarkResult {
    b.thresholds = lines.iter().map(|l| l.to_string()).collect();
    b
}

#[test]
fn slo_verdicts_and_sections() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let t = noisy(&mut rng, 100_000.0, 0.01, 0.005);
    let m = noisy(&mut rng, 42.644e6, 0.0, 0.0);
    let mean = t.iter().flatten().sum::<f64>() / 60.0;
    let just_above = format!("execution_time < {} ns", (mean * 1.0005).round());
    let b = bench("s/x", t, m);
    let cand = file(vec![
        with_slos(
            b.clone(),
            &["execution_time < 0.13 ms", "max_rss_usage < 43.5 MB"],
        ),
        with_slos(rename(&b, "s/breach"), &["execution_time < 90 us"]),
        with_slos(rename(&b, "s/uncertain"), &[just_above.as_str()]),
        with_slos(rename(&b, "s/nodata"), &["allocs_per_op < 3"]),
        with_slos(rename(&b, "s/bad"), &["execution_time ~ 3 ms"]),
    ]);
    let c = compare(&cand, &cand, &CompareOptions::default());
    let by = |k: &str| c.benchmarks.iter().find(|b| b.key == k).unwrap();
    let x = by("s/x");
    assert_eq!(x.slos[0].verdict, SloVerdict::Comfortable);
    assert_eq!(x.slos[1].verdict, SloVerdict::Near);
    assert_eq!(crate::units::format_pct(x.slos[1].margin.unwrap()), "-2.0%");
    assert_eq!(x.section, Section::Near);
    assert_eq!(by("s/breach").slos[0].verdict, SloVerdict::Breach);
    assert_eq!(by("s/breach").section, Section::Breach);
    assert_eq!(by("s/uncertain").slos[0].verdict, SloVerdict::Uncertain);
    assert_eq!(by("s/uncertain").section, Section::Breach);
    assert_eq!(by("s/nodata").slos[0].verdict, SloVerdict::NoData);
    assert_eq!(by("s/nodata").section, Section::Failed);
    assert_eq!(by("s/bad").slos[0].verdict, SloVerdict::NoData);
    assert!(
        c.warnings.iter().any(|w| w.contains("does not parse")),
        "{:?}",
        c.warnings
    );
    // Breach and uncertain both in the breach section; no-data and unparsable lines fail.
    assert_eq!((c.summary.breaches, c.summary.near), (2, 1));
    assert_eq!(c.summary.failed, 2);
    let reasons = gate_reasons(&c.benchmarks);
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    // Uncertain not failing: the near section, and the gate lets it through.
    let c = under(&cand, &cand, "breach,missing");
    let u = c
        .benchmarks
        .iter()
        .find(|b| b.key == "s/uncertain")
        .unwrap();
    assert_eq!(u.section, Section::Near);
}

fn rename(b: &BenchmarkResult, key: &str) -> BenchmarkResult {
    let mut b = b.clone();
    b.key = key.into();
    b.scenario = key
        .split('/')
        .nth(1)
        .unwrap()
        .split('[')
        .next()
        .unwrap()
        .into();
    b
}

#[test]
fn overhead_lines_compare_with_the_sibling_variant() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let line = "execution_time[profiler=on] < 1.05 * execution_time[profiler=off]";
    let mut mk = |key: &str, mean: f64| {
        let mut b = bench(key, noisy(&mut rng, mean, 0.002, 0.001), vec![]);
        b.overhead = vec![line.into()];
        b
    };
    let cand = file(vec![
        mk("s/x[fanout=1,profiler=off]", 100_000.0),
        mk("s/x[fanout=1,profiler=on]", 103.5e3),
        mk("s/x[fanout=2,profiler=off]", 100_000.0),
        mk("s/x[fanout=2,profiler=on]", 120e3),
        mk("s/x[fanout=3,profiler=on]", 90e3),
        mk("s/y[fanout=1,profiler=off]", 100e3),
        mk("s/y[fanout=1,profiler=on]", 80e3),
    ]);
    let c = compare(&cand, &cand, &CompareOptions::default());
    let check = |k: &str| {
        let b = c.benchmarks.iter().find(|b| b.key == k).unwrap();
        assert_eq!(b.overhead.len(), 1, "{k}");
        b.overhead[0].clone()
    };
    let near = check("s/x[fanout=1,profiler=on]");
    assert_eq!(near.verdict, SloVerdict::Near, "{near:?}");
    assert!((near.limit - 105e3).abs() < 500.0);
    assert!((near.margin.unwrap() - (103.5 / 105.0 - 1.0)).abs() < 0.005);
    let e = near.estimate.unwrap();
    assert!(e.low < e.point && e.point < e.high && e.high < near.limit);
    assert_eq!(
        check("s/x[fanout=2,profiler=on]").verdict,
        SloVerdict::Breach
    );
    assert_eq!(
        check("s/x[fanout=3,profiler=on]").verdict,
        SloVerdict::NoData
    );
    assert_eq!(
        check("s/y[fanout=1,profiler=on]").verdict,
        SloVerdict::Comfortable
    );
    // The reference variants themselves carry no overhead check.
    let off = c
        .benchmarks
        .iter()
        .find(|b| b.key == "s/x[fanout=1,profiler=off]")
        .unwrap();
    assert!(off.overhead.is_empty());
}

#[test]
fn missing_failed_and_new_benchmarks_never_pass() {
    let base = suite(20, 4, 1.0, 1.0, 0.01);
    let mut cand = suite(21, 4, 1.0, 1.0, 0.01);
    cand.benchmarks[1].status = Status::Failed;
    cand.benchmarks[1].reason = Some("exit code 3".into());
    cand.benchmarks[1].stderr_tail = Some("Traceback: boom\n".into());
    cand.benchmarks[1].metrics.clear();
    cand.benchmarks[2].status = Status::Oom;
    cand.benchmarks[2].oom = Some(crate::results::OomInfo {
        peak_bytes: 5_000_000_000,
        cap_bytes: 4_000_000_000,
    });
    cand.benchmarks.remove(3);
    let mut new = cand.benchmarks[0].clone();
    new.key = "s/new".into();
    new.scenario = "new".into();
    cand.benchmarks.push(new);
    let c = compare(&base, &cand, &CompareOptions::default());
    let by = |k: &str| c.benchmarks.iter().find(|b| b.key == k).unwrap();
    let failed = by("s/b01");
    assert_eq!(failed.section, Section::Failed);
    let reason = failed.reason.as_deref().unwrap();
    assert!(
        reason.contains("failed: exit code 3") && reason.contains("Traceback: boom"),
        "{reason}"
    );
    assert!(failed.metrics.iter().all(|m| m.change.is_none()));
    assert!(by("s/b02").reason.as_deref().unwrap().contains("5.000GB"));
    assert_eq!(by("s/b03").presence, Presence::Missing);
    assert_eq!(by("s/b03").section, Section::Failed);
    assert_eq!(by("s/new").presence, Presence::New);
    assert_eq!(by("s/new").section, Section::Pass);
    assert_eq!((c.summary.failed, c.summary.new), (3, 1));
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("missing from the candidate: s/b03")));
    assert!(!c.gate.passed);
    let reasons = gate_reasons(&c.benchmarks);
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    let lenient = under(&base, &cand, "breach");
    assert!(lenient.gate.passed && lenient.summary.failing == 0);
    // The crashed ones are still in the failed section, named as not failing the gate.
    assert_eq!(lenient.summary.failed, 3);
    assert!(lenient.benchmarks.iter().all(|b| !b.fails_gate()));

    // Failed on the baseline only: no change verdict, a note, the candidate still judged.
    let mut base = suite(20, 2, 1.0, 1.0, 0.01);
    base.benchmarks[0].status = Status::Timeout;
    let cand = suite(21, 2, 1.0, 1.0, 0.01);
    let c = compare(&base, &cand, &CompareOptions::default());
    let b = &c.benchmarks[0];
    assert!(b
        .metrics
        .iter()
        .all(|m| m.change.is_none() && m.candidate.is_some()));
    assert!(b.reason.as_deref().unwrap().starts_with("baseline timeout"));
    assert_eq!(b.section, Section::Pass);
}

#[test]
fn paired_runs_cancel_drift() {
    // Every pair drifts together; the candidate is 8% slower within each pair.
    let mut rng = ChaCha8Rng::seed_from_u64(30);
    let drift: Vec<f64> = (0..20)
        .map(|i| 1.0 + 0.1 * (i as f64 / 20.0) + 0.003 * normal(&mut rng))
        .collect();
    let side = |f: f64, rng: &mut ChaCha8Rng| -> Vec<Vec<f64>> {
        drift
            .iter()
            .map(|d| {
                (0..3)
                    .map(|_| 1e5 * d * f * (1.0 + 0.002 * normal(rng)))
                    .collect()
            })
            .collect()
    };
    let mut base = file(vec![bench("s/x", side(1.0, &mut rng), vec![])]);
    let mut cand = file(vec![bench("s/x", side(1.08, &mut rng), vec![])]);
    let c = compare(&base, &cand, &CompareOptions::default());
    assert!(!c.settings.paired);
    base.meta.pairing = Some("ab-1".into());
    cand.meta.pairing = Some("ab-1".into());
    let p = compare(&base, &cand, &CompareOptions::default());
    assert!(p.settings.paired);
    let (u, pc) = (
        c.benchmarks[0].metrics[0].change.unwrap(),
        p.benchmarks[0].metrics[0].change.unwrap(),
    );
    assert!(
        pc.ratio_high - pc.ratio_low < (u.ratio_high - u.ratio_low) / 3.0,
        "{u:?} {pc:?}"
    );
    assert_eq!(pc.verdict, ChangeVerdict::Regression, "{pc:?}");
}

#[test]
fn summary_only_data_use_t_intervals() {
    let mut b = bench("s/x", vec![], vec![]);
    let m = b.metrics.get_mut("execution_time").unwrap();
    m.summary = Some(SummaryStats {
        n: 30,
        mean: 100.0,
        stddev: 3.0,
        median: None,
        min: None,
        max: None,
    });
    let base = file(vec![b.clone()]);
    b.metrics
        .get_mut("execution_time")
        .unwrap()
        .summary
        .as_mut()
        .unwrap()
        .mean = 101.0;
    let cand = file(vec![b]);
    let c = compare(&base, &cand, &CompareOptions::default());
    let mc = &c.benchmarks[0].metrics[0];
    assert!(mc.candidate.unwrap().summary_only);
    let ch = mc.change.unwrap();
    assert!((ch.ratio - 1.01).abs() < 1e-9 && ch.ratio_low < 1.0 && ch.ratio_high > 1.02);
    assert_eq!(ch.verdict, ChangeVerdict::Same);
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("summary statistics only")));
}

#[test]
fn warns_about_machines_and_interruptions_and_is_reproducible() {
    let base = suite(40, 3, 1.0, 1.0, 0.02);
    let mut cand = suite(41, 3, 1.0, 1.0, 0.02);
    cand.meta.machine.fingerprint = "other".into();
    cand.meta.machine.cpu_model = "Other CPU".into();
    cand.meta.interrupted = true;
    let c = compare(&base, &cand, &CompareOptions::default());
    assert!(c
        .warnings
        .iter()
        .any(|w| w.starts_with("results come from different machines: cpu")));
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("candidate run was interrupted")));
    assert!(c.candidate.interrupted);
    assert_eq!(c, compare(&base, &cand, &CompareOptions::default()));
    let other_seed = CompareOptions {
        seed: 99,
        ..CompareOptions::default()
    };
    assert_ne!(c, compare(&base, &cand, &other_seed));
}

#[test]
fn extra_slo_lines_apply_by_key_and_unmatched_ones_are_listed() {
    let f = suite(50, 2, 1.0, 1.0, 0.01);
    let mut extra = BTreeMap::new();
    extra.insert(
        "s/b00".to_string(),
        vec!["execution_time < 1 ms".to_string()],
    );
    extra.insert(
        "s/gone".to_string(),
        vec!["execution_time < 1 ms".to_string()],
    );
    let opts = CompareOptions {
        extra_slos: extra,
        ..CompareOptions::default()
    };
    let c = compare(&f, &f, &opts);
    assert_eq!(c.benchmarks[0].slos[0].verdict, SloVerdict::Comfortable);
    assert!(c.benchmarks[1].slos.is_empty());
    assert_eq!(
        c.unmatched_slos,
        vec!["s/gone: execution_time < 1 ms".to_string()]
    );
}

#[test]
fn warns_when_the_run_noise_cannot_support_the_threshold() {
    let with_noise = |seed, cv| {
        let mut f = suite(seed, 5, 1.0, 1.0, cv);
        f.meta.noise = Some(crate::system::noise_of_run(&f, Vec::new(), None));
        f
    };
    let (quiet, loud) = (with_noise(50, 0.002), with_noise(51, 0.10));
    let noise = loud.meta.noise.as_ref().unwrap();
    let (cv, supported) = (noise.probe_cv.unwrap(), noise.supported_threshold.unwrap());
    assert!(cv > 0.05 && supported > 0.05, "{noise:?}");
    let c = compare(&quiet, &loud, &CompareOptions::default());
    let expected = format!(
        "the noise measured during the candidate run (cv {:.1}%) supports flagging changes of \
         {:.1}% or more, not the 5.0% threshold in force",
        cv * 100.0,
        supported * 100.0
    );
    assert!(c.warnings.contains(&expected), "{:#?}", c.warnings);
    assert!(!c.warnings.iter().any(|w| w.contains("baseline run (cv")));
}

#[test]
fn a_skipped_benchmark_fails_like_a_missing_one_unless_missing_is_left_out() {
    let base = suite(30, 3, 1.0, 1.0, 0.01);
    let mut cand = suite(31, 3, 1.0, 1.0, 0.01);
    cand.benchmarks[1].status = Status::Skipped;
    cand.benchmarks[1].reason = Some("no GPU".into());
    cand.benchmarks[1].metrics.clear();
    let c = compare(&base, &cand, &CompareOptions::default());
    let skipped = &c.benchmarks[1];
    assert_eq!(skipped.section, Section::Failed);
    assert!(skipped.fails_gate() && !c.gate.passed);
    assert_eq!(
        gate_reasons(&c.benchmarks),
        vec!["s/b01: skipped".to_string()]
    );
    let lenient = under(&base, &cand, "breach,uncertain");
    assert!(lenient.gate.passed);
    assert_eq!(lenient.benchmarks[1].section, Section::Failed);
    assert_eq!(lenient.gate.fail_on, "breach,uncertain");
}
