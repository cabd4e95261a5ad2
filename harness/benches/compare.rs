//! Speed of `compare` at the size of a large report: 10,000 benchmarks x 2 metrics x 20 processes x
//! 3 values, 2,000 bootstrap resamples each (40,000 bootstraps). The full size is timed once and
//! printed (criterion's repetitions would take minutes); criterion measures a 1,000-benchmark report.

use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use slogate::compare::{compare, CompareOptions};
use slogate::results::{
    metric, BenchmarkResult, Machine, Metadata, MetricSamples, ResultsFile, Status, SCHEMA,
};
use slogate::units::Unit;
use std::collections::BTreeMap;
use std::time::Instant;

fn samples(rng: &mut ChaCha8Rng, unit: Unit, mean: f64) -> MetricSamples {
    let mut m = MetricSamples::new(unit);
    m.processes = (0..20)
        .map(|_| {
            let p = mean * rng.gen_range(0.97..1.03);
            (0..3).map(|_| p * rng.gen_range(0.99..1.01)).collect()
        })
        .collect();
    m
}

fn results(n: usize, seed: u64) -> ResultsFile {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let benchmarks = (0..n)
        .map(|i| {
            let mut metrics = BTreeMap::new();
            metrics.insert(
                metric::EXECUTION_TIME.to_string(),
                samples(&mut rng, Unit::Nanoseconds, 1e5 + i as f64),
            );
            metrics.insert(
                metric::MAX_RSS_USAGE.to_string(),
                samples(&mut rng, Unit::Bytes, 4e7),
            );
            BenchmarkResult {
                key: format!("s/b{i}"),
                suite: "s".into(),
                scenario: format!("b{i}"),
                variant: BTreeMap::new(),
                status: Status::Ok,
                reason: None,
                stderr_tail: None,
                oom: None,
                planned_processes: 20,
                thresholds: vec![
                    "execution_time < 0.2 ms".into(),
                    "max_rss_usage < 43.5 MB".into(),
                ],
                overhead: vec![],
                noise_threshold: None,
                metrics,
            }
        })
        .collect();
    ResultsFile {
        schema: SCHEMA.into(),
        meta: Metadata {
            harness_version: "bench".into(),
            run_id: format!("bench-{seed}"),
            started_at: "2026-11-24T08:00:00Z".parse().unwrap(),
            ended_at: None,
            side: None,
            git: None,
            machine: Machine {
                hostname: "bench".into(),
                cpu_model: "cpu".into(),
                cores: 2,
                memory_bytes: 1 << 33,
                kernel: "6".into(),
                arch: "x86_64".into(),
                fingerprint: "f".into(),
            },
            suites: vec![],
            vars: BTreeMap::new(),
            seed,
            interrupted: false,
            shard: None,
            pairing: None,
            analysis: None,
            noise: None,
            import: None,
        },
        benchmarks,
    }
}

/// User + system CPU time of this process: on a shared machine, wall time alone says little.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn bench(c: &mut Criterion) {
    let opts = CompareOptions::default();
    let (base, cand) = (results(10_000, 1), results(10_000, 2));
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let r = compare(&base, &cand, &opts);
    println!(
        "compare: 10,000 benchmarks x 2 metrics x 60 values x {} resamples: {:.2} s wall, \
         {:.2} s CPU ({} threads; the load average was {})",
        opts.resamples,
        start.elapsed().as_secs_f64(),
        cpu_seconds() - cpu,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim(),
    );
    assert_eq!(r.benchmarks.len(), 10_000);

    let (base, cand) = (results(1_000, 1), results(1_000, 2));
    let mut g = c.benchmark_group("compare");
    g.sample_size(10);
    g.bench_function("1000 benchmarks x 2 metrics x 60 values", |b| {
        b.iter(|| compare(&base, &cand, &opts))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
