//! The protocols: how one process of a benchmark turns into values.
//!
//! - `process`: the process is the value (wall, user, sys time, peak RSS).
//! - `samples`: the workload writes `{"ns": 1234}` lines to `$SLOGATE_SAMPLES`.
//! - `pyperf`: the workload is a pyperf script run with `--output`; its JSON is read. A script
//!   that registers several benchmarks yields each as its own benchmark.
//! - the framework protocols (see [`framework`]): `pytest-benchmark`, `google-benchmark`,
//!   `go-test`, `criterion` run the tool once per process and read every benchmark it wrote.
//!
//! Every protocol adds `max_rss_usage`, one value per process, from `wait4` and the watchdog.

mod criterion;
mod framework;
mod go_test;
mod google_benchmark;
mod pytest_benchmark;

use super::process::{run_process, Ending, ProcessRun, ProcessSpec};
use crate::results::{metric, OomInfo, Status};
use crate::suite::{BenchmarkSpec, Protocol};
use crate::units::{format_auto, Unit};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

/// Values of one metric taken from one process.
pub type ProcessValues = BTreeMap<String, (Unit, Vec<f64>)>;

/// Why a benchmark gets no more processes.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    pub status: Status,
    pub reason: String,
    pub stderr_tail: Option<String>,
    pub oom: Option<OomInfo>,
}

/// One benchmark of a process that measures several: its name as the tool's importer splits it
/// (scenario, and variant for a parametrised test), and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub scenario: String,
    pub variant: BTreeMap<String, String>,
    pub values: ProcessValues,
}

/// What became of one process.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    Measured(ProcessValues),
    /// The process measured several benchmarks (a framework protocol, a pyperf script that
    /// registers several): the values of each.
    MeasuredMany(Vec<Part>),
    Stopped(Stop),
    /// The run was interrupted by this signal while the process ran; its values are discarded.
    Interrupted(i32),
}

/// One process of a benchmark, ready to run: `{tmp}` already filled in.
pub struct Job<'a> {
    pub spec: &'a BenchmarkSpec,
    pub argv: &'a [String],
    pub env: &'a BTreeMap<String, String>,
    /// A private directory of the harness for protocol files (never the workload's `{tmp}`).
    pub scratch: &'a Path,
    /// Index of the process within the benchmark, for unique file names.
    pub index: u32,
    /// pyperf's loops per value: set by the first process that calibrates them, passed as
    /// `--loops` to every later one (unless the command fixes its own).
    pub pyperf_loops: &'a Cell<Option<u32>>,
    /// A word the tool's own filter narrows its benchmarks to (`--filter` of a plain word that did
    /// not match the scenario's key), for the tools that have one.
    pub name_filter: Option<&'a str>,
}

/// Runs one process under the benchmark's protocol.
pub fn measure(job: &Job, interrupt: &AtomicUsize) -> Attempt {
    match job.spec.protocol {
        Protocol::Process => {
            let run = match launch(job, job.argv, job.env, None, interrupt) {
                Ok(run) => run,
                Err(a) => return a,
            };
            let mut values = ProcessValues::new();
            let ns = |d: Duration| vec![d.as_nanos() as f64];
            values.insert(
                metric::EXECUTION_TIME.into(),
                (Unit::Nanoseconds, ns(run.wall)),
            );
            values.insert(metric::USER_TIME.into(), (Unit::Nanoseconds, ns(run.user)));
            values.insert(metric::SYS_TIME.into(), (Unit::Nanoseconds, ns(run.sys)));
            values.insert(rss_key(), (Unit::Bytes, vec![run.max_rss as f64]));
            Attempt::Measured(values)
        }
        Protocol::Samples => {
            // A private scratch file, read back as soon as the process ends: created plainly,
            // since durability is not needed and an fsync here would stall the machine between
            // the processes being measured.
            let file = job.scratch.join(format!("samples-{}.jsonl", job.index));
            if let Err(e) = std::fs::File::create(&file) {
                return failed(format!("cannot create {}: {e}", file.display()), None);
            }
            let mut env = job.env.clone();
            env.insert("SLOGATE_SAMPLES".into(), file.display().to_string());
            env.insert("SLOGATE_VALUES".into(), job.spec.values.to_string());
            env.insert("SLOGATE_WARMUPS".into(), job.spec.warmups.to_string());
            let run = match launch(job, job.argv, &env, None, interrupt) {
                Ok(run) => run,
                Err(a) => return a,
            };
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let _ = std::fs::remove_file(&file);
            match parse_samples(&text) {
                Ok(ns) => {
                    let mut values = ProcessValues::new();
                    values.insert(metric::EXECUTION_TIME.into(), (Unit::Nanoseconds, ns));
                    values.insert(rss_key(), (Unit::Bytes, vec![run.max_rss as f64]));
                    Attempt::Measured(values)
                }
                Err(reason) => failed(reason, Some(run.output_tail)),
            }
        }
        Protocol::Pyperf => {
            let file = job.scratch.join(format!("pyperf-{}.json", job.index));
            let _ = std::fs::remove_file(&file);
            let loops = job.pyperf_loops.get();
            let argv = pyperf_argv(
                job.argv,
                job.env,
                &file,
                job.spec.values,
                job.spec.warmups,
                loops,
            );
            let run = match launch(job, &argv, job.env, None, interrupt) {
                Ok(run) => run,
                Err(a) => return a,
            };
            let read = read_pyperf(&file);
            let _ = std::fs::remove_file(&file);
            match read {
                Ok((PyperfValues::One(mut values), calibrated)) => {
                    if loops.is_none() && !fixes_loops(job.argv) {
                        job.pyperf_loops.set(calibrated);
                    }
                    if !values.contains_key(metric::MAX_RSS_USAGE) {
                        values.insert(rss_key(), (Unit::Bytes, vec![run.max_rss as f64]));
                    }
                    Attempt::Measured(values)
                }
                Ok((PyperfValues::Many(parts), _)) => framework::with_rss(parts, run.max_rss),
                Err(reason) => failed(reason, Some(run.output_tail)),
            }
        }
        Protocol::PytestBenchmark => framework::measure(job, &pytest_benchmark::Tool, interrupt),
        Protocol::GoogleBenchmark => framework::measure(job, &google_benchmark::Tool, interrupt),
        Protocol::GoTest => framework::measure(job, &go_test::Tool, interrupt),
        Protocol::Criterion => framework::measure(job, &criterion::Tool, interrupt),
    }
}

/// The cap of benchmarks whose suite sets none: this machine's default, read once.
fn machine_memory_limit() -> Option<u64> {
    static LIMIT: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(crate::system::default_memory_limit)
}

fn rss_key() -> String {
    metric::MAX_RSS_USAGE.to_string()
}

fn failed(reason: String, tail: Option<String>) -> Attempt {
    Attempt::Stopped(Stop {
        status: Status::Failed,
        reason,
        stderr_tail: tail.filter(|t| !t.trim().is_empty()),
        oom: None,
    })
}

/// Runs the process (its stdout into `stdout` when given) and turns every ending but a clean
/// exit into the attempt to report.
fn launch(
    job: &Job,
    argv: &[String],
    env: &BTreeMap<String, String>,
    stdout: Option<&Path>,
    interrupt: &AtomicUsize,
) -> Result<ProcessRun, Attempt> {
    let spec = ProcessSpec {
        argv,
        env,
        cwd: &job.spec.cwd,
        timeout: job.spec.timeout,
        memory_limit: job.spec.memory_limit.bytes(machine_memory_limit()),
        stdout,
    };
    let run = run_process(&spec, interrupt).map_err(|e| failed(e.to_string(), None))?;
    let tail = Some(run.output_tail.clone()).filter(|t| !t.trim().is_empty());
    let stop = |status, reason: String, oom| {
        Err(Attempt::Stopped(Stop {
            status,
            reason,
            stderr_tail: tail.clone(),
            oom,
        }))
    };
    match run.ending {
        Ending::Exited(0) => Ok(run),
        Ending::Exited(code) => stop(Status::Failed, format!("exit code {code}"), None),
        Ending::Signaled(sig) => stop(
            Status::Failed,
            format!("killed by signal {sig} ({})", signal_name(sig)),
            None,
        ),
        Ending::Timeout => stop(
            Status::Timeout,
            format!(
                "timed out after {}",
                format_auto(Unit::Nanoseconds, job.spec.timeout.as_nanos() as f64)
            ),
            None,
        ),
        Ending::Oom {
            peak_bytes,
            cap_bytes,
        } => stop(
            Status::Oom,
            format!(
                "resident memory of the process tree reached {}, over the cap of {}",
                format_auto(Unit::Bytes, peak_bytes as f64),
                format_auto(Unit::Bytes, cap_bytes as f64)
            ),
            Some(OomInfo {
                peak_bytes,
                cap_bytes,
            }),
        ),
        Ending::Interrupted(sig) => Err(Attempt::Interrupted(sig)),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        _ => "signal",
    }
}

/// The pyperf command line: the script's argv plus one worker process per harness process.
/// pyperf starts workers with a clean environment; `--inherit-environ` passes the spec's own.
/// With `loops` (calibrated by an earlier process) the worker skips pyperf's calibration worker,
/// which otherwise costs every process a second Python start and a calibration as long as the
/// values; a command that fixes `--loops` itself keeps its own.
pub fn pyperf_argv(
    argv: &[String],
    env: &BTreeMap<String, String>,
    output: &Path,
    values: u32,
    warmups: u32,
    loops: Option<u32>,
) -> Vec<String> {
    let mut out = argv.to_vec();
    if let Some(n) = loops.filter(|_| !fixes_loops(argv)) {
        out.extend(["--loops".to_string(), n.to_string()]);
    }
    out.extend([
        "--output".to_string(),
        output.display().to_string(),
        "--processes".into(),
        "1".into(),
        "--values".into(),
        values.to_string(),
        "--warmups".into(),
        warmups.to_string(),
        "--quiet".into(),
    ]);
    if !env.is_empty() {
        let names: Vec<&str> = env.keys().map(String::as_str).collect();
        out.push(format!("--inherit-environ={}", names.join(",")));
    }
    out
}

/// Parses a samples file: one JSON object per line with a non-negative `ns`.
pub fn parse_samples(text: &str) -> Result<Vec<f64>, String> {
    let mut values = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            format!(
                "samples file, line {}: expected {{\"ns\": <number>}}, got `{}`",
                i + 1,
                line.trim()
            )
        };
        let v: serde_json::Value = serde_json::from_str(line).map_err(|_| bad())?;
        let ns = v.get("ns").and_then(|n| n.as_f64()).ok_or_else(bad)?;
        if !ns.is_finite() || ns < 0.0 {
            return Err(bad());
        }
        values.push(ns);
    }
    if values.is_empty() {
        return Err("the workload wrote no samples to $SLOGATE_SAMPLES".into());
    }
    Ok(values)
}

/// Whether a pyperf command sets its own `--loops`.
fn fixes_loops(argv: &[String]) -> bool {
    sets_option(argv, &["--loops", "-l"])
}

/// Whether `argv` sets one of the options `names`, as `NAME VALUE` or `NAME=VALUE`: a command
/// that sets an option itself keeps its own value.
fn sets_option(argv: &[String], names: &[&str]) -> bool {
    argv.iter().any(|a| {
        names
            .iter()
            .any(|n| a == n || a.strip_prefix(n).is_some_and(|rest| rest.starts_with('=')))
    })
}

/// What a pyperf script measured: its one benchmark, or each of several it registers.
#[derive(Debug)]
pub enum PyperfValues {
    One(ProcessValues),
    Many(Vec<Part>),
}

/// Reads the pyperf JSON a worker wrote, with the pyperf importer (the one reader of the format):
/// each metric of a benchmark as one process's values, in the benchmark's own unit (seconds
/// become ns; bytes of `--track-memory` become `max_rss_usage`), and the largest `mem_max_rss`
/// of the runs as `max_rss_usage`. A file of one benchmark is the scenario's values; a file of
/// several (a script registering several `bench_func`) gives each benchmark its own, never pooled.
/// Also returns the loops per value pyperf used (its `loops` metadata) for a single benchmark:
/// several benchmarks calibrate their loops each, and one `--loops` would serve them all.
pub fn read_pyperf(file: &Path) -> Result<(PyperfValues, Option<u32>), String> {
    if !file.exists() {
        return Err(format!("pyperf wrote no results to {}", file.display()));
    }
    let results = framework::import(crate::import::Format::Pyperf, file)?;
    let mut parts = framework::parts(&results, file)?;
    for part in &mut parts {
        // Beside times, `max_rss_usage` holds pyperf's per-run peaks: the process's peak is the
        // largest. Without times (`--track-memory`) the bytes are the benchmark's own values.
        if part.values.contains_key(metric::EXECUTION_TIME) {
            if let Some((_, peaks)) = part.values.get_mut(metric::MAX_RSS_USAGE) {
                *peaks = vec![peaks.iter().copied().fold(0.0, f64::max)];
            }
        }
    }
    let bench = match results.benchmarks.as_slice() {
        [one] => one,
        _ => return Ok((PyperfValues::Many(parts), None)),
    };
    let values = parts.pop().map(|p| p.values).unwrap_or_default();
    let metadata = results.meta.import.as_ref().map(|i| &i.metadata);
    let loops = metadata
        .and_then(|m| {
            m.get("loops")
                .or_else(|| m.get(&format!("{}.loops", bench.scenario)))
        })
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0);
    Ok((PyperfValues::One(values), loops))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_name_the_bad_line() {
        assert_eq!(
            parse_samples("{\"ns\": 10}\n\n{\"ns\": 12.5}\n").unwrap(),
            vec![10.0, 12.5]
        );
        let e = parse_samples("{\"ns\": 10}\n{\"ms\": 3}\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("{\"ms\": 3}"), "{e}");
        let e = parse_samples("{\"ns\": -1}").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        assert!(parse_samples("").unwrap_err().contains("no samples"));
    }

    #[test]
    fn pyperf_skips_calibration_and_converts_to_ns() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.json");
        let text = r#"{"version":"1.0","metadata":{"name":"x"},"benchmarks":[{"runs":[
            {"metadata":{"calibrate_loops":8,"mem_max_rss":100},"warmups":[[1,0.5]]},
            {"metadata":{"mem_max_rss":2000},"warmups":[[8,1e-6]],"values":[1e-6,2e-6]},
            {"metadata":{"mem_max_rss":3000},"values":[3e-6]}]}]}"#;
        std::fs::write(&file, text).unwrap();
        let (PyperfValues::One(values), loops) = read_pyperf(&file).unwrap() else {
            panic!("one benchmark");
        };
        assert_eq!(loops, None);
        let (unit, ns) = &values[metric::EXECUTION_TIME];
        assert_eq!(*unit, Unit::Nanoseconds);
        assert_eq!(ns.len(), 3);
        assert!((ns[0] - 1000.0).abs() < 1e-6 && (ns[2] - 3000.0).abs() < 1e-6);
        assert_eq!(values[metric::MAX_RSS_USAGE].1, vec![3000.0]);
        std::fs::write(&file, r#"{"version":"1.0","benchmarks":[{"metadata":{"name":"x"},"runs":[{"warmups":[[1,1.0]]}]}]}"#).unwrap();
        assert!(read_pyperf(&file).is_err());
        let missing = dir.path().join("none.json");
        assert!(read_pyperf(&missing).unwrap_err().contains("none.json"));
    }

    #[test]
    fn pyperf_argv_passes_the_spec_environment_names() {
        let mut env = BTreeMap::new();
        env.insert("DD_A".to_string(), "1".to_string());
        env.insert("DD_B".to_string(), "2".to_string());
        let argv = pyperf_argv(
            &["python3".into(), "b.py".into()],
            &env,
            Path::new("/o.json"),
            3,
            1,
            Some(64),
        );
        assert_eq!(argv[..2], ["python3".to_string(), "b.py".to_string()]);
        assert!(argv.windows(2).any(|w| w == ["--output", "/o.json"]));
        assert_eq!(argv.last().unwrap(), "--inherit-environ=DD_A,DD_B");
        assert!(argv.windows(2).any(|w| w == ["--values", "3"]));
        assert!(argv.windows(2).any(|w| w == ["--loops", "64"]));
        // A command with its own loops keeps them.
        let own: Vec<String> = ["python3", "b.py", "--loops", "20"]
            .map(String::from)
            .into();
        let argv = pyperf_argv(&own, &env, Path::new("/o.json"), 3, 1, Some(64));
        assert_eq!(argv.iter().filter(|a| *a == "--loops").count(), 1);
        assert!(argv.windows(2).any(|w| w == ["--loops", "20"]));
    }
}
