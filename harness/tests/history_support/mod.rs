//! Synthetic nightly results files for the history and trend tests and the speed benchmark:
//! realistic noise (run-to-run, between processes, between values), distinct commits and dates,
//! and a hook to plant changes.
#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use slogate::results::{
    BenchmarkResult, GitInfo, Machine, Metadata, MetricSamples, ResultsFile, Status, SCHEMA,
};
use slogate::units::Unit;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Plan {
    pub runs: usize,
    pub benchmarks: usize,
    pub processes: usize,
    pub values: usize,
    /// Relative run-to-run noise of every benchmark (standard deviation).
    pub run_noise: f64,
    pub seed: u64,
}

impl Plan {
    pub fn small(runs: usize, benchmarks: usize) -> Plan {
        Plan {
            runs,
            benchmarks,
            processes: 5,
            values: 2,
            run_noise: 0.01,
            seed: 42,
        }
    }
}

/// The fake commit of night `run`.
pub fn commit(run: usize) -> String {
    let mut x = (run as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..5)
        .map(|_| {
            x ^= x >> 29;
            x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            format!("{:08x}", x as u32)
        })
        .collect()
}

pub fn key(bench: usize) -> String {
    format!("suite{}/bench{bench:03}[size=1]", bench % 3)
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let (u, v): (f64, f64) = (rng.gen_range(f64::EPSILON..1.0), rng.gen());
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Night `run` of the plan; `level(bench, metric, run)` multiplies the true value (1.0 = no change).
pub fn night(plan: &Plan, run: usize, level: &dyn Fn(usize, &str, usize) -> f64) -> ResultsFile {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed ^ (run as u64) << 20);
    let started: chrono::DateTime<chrono::Utc> = "2026-01-01T02:00:00Z".parse().unwrap();
    let started = started + chrono::Duration::days(run as i64);
    let benchmarks = (0..plan.benchmarks)
        .map(|b| {
            let mut metrics = BTreeMap::new();
            for (metric, unit, base, proc_noise, value_noise) in [
                (
                    "execution_time",
                    Unit::Nanoseconds,
                    2.5e6 * (1.0 + b as f64 * 0.01),
                    0.01,
                    0.005,
                ),
                (
                    "max_rss_usage",
                    Unit::Bytes,
                    40e6 + b as f64 * 1e5,
                    0.002,
                    0.0,
                ),
            ] {
                let noise = if metric == "max_rss_usage" {
                    plan.run_noise / 4.0
                } else {
                    plan.run_noise
                };
                let night = base * level(b, metric, run) * (1.0 + noise * normal(&mut rng));
                let mut s = MetricSamples::new(unit);
                s.processes = (0..plan.processes)
                    .map(|_| {
                        let p = night * (1.0 + proc_noise * normal(&mut rng));
                        let n = if value_noise == 0.0 { 1 } else { plan.values };
                        (0..n)
                            .map(|_| {
                                (p * (1.0 + value_noise * normal(&mut rng)))
                                    .max(0.0)
                                    .round()
                            })
                            .collect()
                    })
                    .collect();
                metrics.insert(metric.to_string(), s);
            }
            let variant: BTreeMap<String, String> = [("size".to_string(), "1".to_string())].into();
            BenchmarkResult {
                key: key(b),
                suite: format!("suite{}", b % 3),
                scenario: format!("bench{b:03}"),
                variant,
                status: Status::Ok,
                reason: None,
                stderr_tail: None,
                oom: None,
                planned_processes: plan.processes as u32,
                thresholds: vec![
                    format!(
                        "execution_time < {:.2} ms",
                        2.5 * (1.0 + b as f64 * 0.01) * 1.12
                    ),
                    "max_rss_usage < 46 MB".to_string(),
                ],
                overhead: vec![],
                noise_threshold: None,
                metrics,
            }
        })
        .collect();
    ResultsFile {
        schema: SCHEMA.to_string(),
        meta: Metadata {
            harness_version: "0.1.0".into(),
            run_id: format!("nightly-{run:04}"),
            started_at: started,
            ended_at: Some(started + chrono::Duration::minutes(30)),
            side: None,
            git: Some(GitInfo {
                commit: commit(run),
                branch: Some("main".into()),
                dirty: false,
                subject: Some(format!("night {run}")),
            }),
            machine: Machine {
                hostname: "ci-1".into(),
                cpu_model: "Test CPU".into(),
                cores: 2,
                memory_bytes: 8 << 30,
                kernel: "6.1".into(),
                arch: "x86_64".into(),
                fingerprint: "fp".into(),
            },
            suites: vec![],
            vars: BTreeMap::new(),
            seed: run as u64,
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

/// Writes every night of the plan into `dir` and returns the paths, oldest first.
pub fn write_nights(
    plan: &Plan,
    dir: &Path,
    level: &(dyn Fn(usize, &str, usize) -> f64 + Sync),
) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    (0..plan.runs)
        .map(|run| {
            let path = dir.join(format!("night-{run:04}.json"));
            night(plan, run, level).write(&path).unwrap();
            path
        })
        .collect()
}
