//! A benchmark resolved from a suite: everything the runner needs, nothing it must look up.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// A benchmark's cap on its workload's peak memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryLimit {
    /// The suite set none: the runner applies the machine's default cap.
    #[default]
    MachineDefault,
    /// This many bytes.
    Bytes(u64),
    /// `memory_limit = "none"`: no cap at all.
    Unlimited,
}

impl MemoryLimit {
    /// The cap in bytes, given the running machine's default.
    pub fn bytes(self, machine_default: Option<u64>) -> Option<u64> {
        match self {
            MemoryLimit::MachineDefault => machine_default,
            MemoryLimit::Bytes(b) => Some(b),
            MemoryLimit::Unlimited => None,
        }
    }
}

/// How a sample is taken (see the design's "Protocols").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// The harness times the whole process and reads its peak RSS from `wait4`.
    Process,
    /// The workload writes one JSON line per iteration (`{"ns": 1234}`) to `$SLOGATE_SAMPLES`.
    Samples,
    /// The workload is a pyperf script; the harness passes `--output` and reads its JSON (one
    /// benchmark, or each of several the script registers).
    Pyperf,
    /// A pytest run of pytest-benchmark tests: each test is a benchmark of the process.
    PytestBenchmark,
    /// A Google Benchmark binary: each benchmark it runs is a benchmark of the process.
    GoogleBenchmark,
    /// `go test` of a package (or its compiled test binary): each `Benchmark...` function.
    GoTest,
    /// `cargo bench` of criterion benches: each benchmark function.
    Criterion,
}

impl Protocol {
    /// The name written in a suite.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Process => "process",
            Protocol::Samples => "samples",
            Protocol::Pyperf => "pyperf",
            Protocol::PytestBenchmark => "pytest-benchmark",
            Protocol::GoogleBenchmark => "google-benchmark",
            Protocol::GoTest => "go-test",
            Protocol::Criterion => "criterion",
        }
    }

    /// Whether one process may measure several benchmarks, keyed
    /// `<suite>/<scenario>/<name>[<variant>]` by the names the tool gives them.
    pub fn yields_many(self) -> bool {
        !matches!(self, Protocol::Process | Protocol::Samples)
    }
}

/// Where a suite's profiles come from, for `ab --profile` (see the `profile` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profiler {
    /// py-spy samples the Python workload (and its subprocesses).
    PySpy,
    /// valgrind's callgrind counts the instructions of every function.
    Callgrind,
    /// The pprof files the workload's own profiler writes into `{tmp}`.
    Pprof,
}

/// One scenario-variant, ready to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkSpec {
    /// `<suite>/<scenario>[<k>=<v>,...]`, see [`crate::results::benchmark_key`].
    pub key: String,
    pub suite: String,
    pub scenario: String,
    pub variant: BTreeMap<String, String>,
    /// argv with every placeholder filled except `{tmp}`, which the runner fills with a fresh
    /// directory per benchmark.
    pub command: Vec<String>,
    /// Extra environment, placeholders filled as in `command`.
    pub env: BTreeMap<String, String>,
    /// Working directory: the suite's directory.
    pub cwd: PathBuf,
    pub protocol: Protocol,
    /// Independent worker processes.
    pub processes: u32,
    /// Samples kept per process.
    pub values: u32,
    /// `values = "auto"`: under a budget, `ab` chooses a pyperf benchmark's values per process
    /// from the start-up cost and the noise it measures, starting from `values`.
    #[serde(default)]
    pub values_auto: bool,
    /// Samples (or, for `process`, whole processes) run and discarded before measuring.
    pub warmups: u32,
    /// Per-process timeout; the whole process group is killed past it.
    pub timeout: Duration,
    /// Cap on the workload's peak memory (`max_rss_usage`).
    pub memory_limit: MemoryLimit,
    /// Threshold lines, validated when the suite was loaded.
    pub thresholds: Vec<String>,
    /// Overhead lines of the scenario, validated when the suite was loaded.
    pub overhead: Vec<String>,
    /// Relative noise threshold for this benchmark (None: the comparison's default).
    pub noise_threshold: Option<f64>,
    /// The suite's profile source (None: chosen from the command, or none).
    #[serde(default)]
    pub profile: Option<Profiler>,
    /// Run every process under the simulator (valgrind), see the runner's `simulate` module.
    #[serde(default)]
    pub simulate: bool,
    /// `--filter` (a regex on keys) of a scenario whose benchmarks its process names (see
    /// [`Protocol::yields_many`]) when it did not match the scenario's own key: only the
    /// benchmarks whose keys it matches are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// The placeholder the runner replaces with the benchmark's own temporary directory.
pub const TMP_PLACEHOLDER: &str = "{tmp}";

#[cfg(test)]
impl BenchmarkSpec {
    /// A spec of `argv` for tests: 3 processes of 2 values after one warm-up, a 10 s timeout,
    /// no memory limit, no thresholds.
    pub fn of(key: &str, argv: &[&str]) -> Self {
        BenchmarkSpec {
            key: key.into(),
            suite: "s".into(),
            scenario: key.into(),
            variant: BTreeMap::new(),
            command: argv.iter().map(|s| s.to_string()).collect(),
            env: BTreeMap::new(),
            cwd: PathBuf::from("."),
            protocol: Protocol::Process,
            processes: 3,
            values: 2,
            values_auto: false,
            warmups: 1,
            timeout: Duration::from_secs(10),
            memory_limit: super::MemoryLimit::Unlimited,
            thresholds: vec![],
            overhead: vec![],
            noise_threshold: None,
            profile: None,
            simulate: false,
            filter: None,
        }
    }
}
