//! The results file, `slogate.results/1`: what a run (or an import) measured, raw values included, so
//! every statistic can be redone later. Every stage after `run` reads this and nothing else.

use crate::stats::sides::Sides;
use crate::units::Unit;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The schema tag written into every results file.
pub const SCHEMA: &str = "slogate.results/1";

/// Well-known metric names.
pub mod metric {
    /// Wall time of one value (one iteration, or one whole process for the `process` protocol), ns.
    pub const EXECUTION_TIME: &str = "execution_time";
    /// Peak resident memory of the process (tree), bytes.
    pub const MAX_RSS_USAGE: &str = "max_rss_usage";
    /// User CPU time of the process, ns (`process` protocol).
    pub const USER_TIME: &str = "user_time";
    /// System CPU time of the process, ns (`process` protocol).
    pub const SYS_TIME: &str = "sys_time";
    /// Instructions the simulator counted in the whole process tree (cachegrind's `Ir`), count.
    pub const INSTRUCTIONS: &str = "instructions";
    /// `instructions + 10 * L1 misses + 100 * last-level misses` of cachegrind's cache
    /// simulation, count.
    pub const ESTIMATED_CYCLES: &str = "estimated_cycles";
    /// Instructions of one iteration of the measured code, start-up excluded, count.
    pub const INSTRUCTIONS_PER_ITERATION: &str = "instructions_per_iteration";
    /// Estimated cycles of one iteration of the measured code, start-up excluded, count.
    pub const ESTIMATED_CYCLES_PER_ITERATION: &str = "estimated_cycles_per_iteration";
    /// Largest heap in use at one moment (DHAT's "t-gmax"), bytes.
    pub const HEAP_PEAK: &str = "heap_peak";
    /// Heap bytes allocated over the whole process, bytes.
    pub const HEAP_ALLOCATED: &str = "heap_allocated";
    /// Heap blocks allocated over the whole process, count.
    pub const ALLOCATIONS: &str = "allocations";

    /// The metrics a simulated run records, all counts of a simulator.
    pub const SIMULATED: [&str; 7] = [
        INSTRUCTIONS,
        ESTIMATED_CYCLES,
        INSTRUCTIONS_PER_ITERATION,
        ESTIMATED_CYCLES_PER_ITERATION,
        HEAP_PEAK,
        HEAP_ALLOCATED,
        ALLOCATIONS,
    ];

    /// Whether `name` is a simulator's count (see [`SIMULATED`]).
    pub fn is_simulated(name: &str) -> bool {
        SIMULATED.contains(&name)
    }
}

/// A whole results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsFile {
    /// Always [`SCHEMA`].
    pub schema: String,
    pub meta: Metadata,
    pub benchmarks: Vec<BenchmarkResult>,
}

/// How an `ab` run analysed its two files (see [`Metadata::analysis`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    /// Relative noise threshold, 0.01 = 1%.
    pub noise_threshold: f64,
    /// Confidence of the intervals, 0.95 = 95%.
    pub confidence: f64,
    /// How changes are tested (`ab --one-sided`).
    #[serde(default, skip_serializing_if = "Sides::is_two_sided")]
    pub sides: Sides,
    /// Set by a sequential `ab` (under a budget): how the rounds of each benchmark ended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<BenchmarkRounds>,
}

/// How the rounds of one benchmark of a sequential `ab` ended, and what its noise allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkRounds {
    pub key: String,
    /// Pairs of processes run.
    pub rounds: u32,
    /// Machine time both sides' processes took, seconds.
    pub seconds: f64,
    /// Why no more rounds: `decided`, `budget`, `total-budget`, `max-rounds`, `failed`,
    /// `interrupted`.
    pub stopped: String,
    /// Rounds the paired interval is predicted to need to be decisive about the noise threshold,
    /// from the pair spread seen (None: the estimate sits on the threshold, or no interval).
    #[serde(default)]
    pub predicted_rounds: Option<u32>,
    /// The smallest change this run resolves (relative, 0.02 = 2%): its paired execution-time
    /// interval rules out every larger change, so a noise threshold this large would have been
    /// decisive. None without an interval (too few pairs).
    #[serde(default)]
    pub resolvable_change: Option<f64>,
    /// The confidence of the benchmark's last look, which its comparison uses: each look of the
    /// sequential rule has its own (`ab::sequential`), spent from the nominal one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// The values per process `ab` chose for a pyperf benchmark of `values = "auto"`, at each
    /// look that chose (both sides alike), with the estimates it chose from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values_per_process: Vec<ValuesChoice>,
}

/// Values per process chosen from the rounds so far (see `stats::values_per_process`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValuesChoice {
    /// The first round (1-based) whose processes measure `values` values each.
    pub from_round: u32,
    pub values: u32,
    /// Seconds a process cost besides its values (interpreter start, imports, warm-ups).
    pub startup_seconds: f64,
    /// Seconds one value cost.
    pub value_seconds: f64,
    /// Spread (standard deviation of the natural log) of a process's location between
    /// processes, after pairing.
    pub between_processes: f64,
    /// Spread (natural log) of one value within its process.
    pub within_process: f64,
}

/// Where and how the results were produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub harness_version: String,
    /// Unique id of this run; `history add` is idempotent on it.
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `baseline`, `candidate`, or a label of the user's.
    #[serde(default)]
    pub side: Option<String>,
    #[serde(default)]
    pub git: Option<GitInfo>,
    pub machine: Machine,
    /// The suite files the benchmarks came from, with their content hashes.
    #[serde(default)]
    pub suites: Vec<SuiteInfo>,
    /// Variables the suites were resolved with (`--var`, `[vars]`).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Seed of the randomised benchmark order.
    #[serde(default)]
    pub seed: u64,
    /// True when the run was stopped by a signal before it finished (`run --resume` completes it).
    #[serde(default)]
    pub interrupted: bool,
    /// `i/n` when this file is one shard of a run split across machines.
    #[serde(default)]
    pub shard: Option<String>,
    /// Set by `ab`: both sides of one interleaved A/B run carry the same id, and their processes
    /// with the same index ran next to each other in time, so compare may pair them.
    #[serde(default)]
    pub pairing: Option<String>,
    /// Set by `ab`: the noise threshold and confidence its own comparison used (a budget's
    /// sequential looks raise the confidence), so that `compare` re-rendering these files (a CI
    /// comment job) reaches the gate's verdicts, not ones at its defaults.
    #[serde(default)]
    pub analysis: Option<Analysis>,
    /// What the machine's noise looked like around this run.
    #[serde(default)]
    pub noise: Option<Noise>,
    /// Set when the file was made by `slogate import` from another tool's output.
    #[serde(default)]
    pub import: Option<ImportInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitInfo {
    pub commit: String,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub dirty: bool,
    /// Commit subject, for reports (escaped before it reaches a pull request).
    #[serde(default)]
    pub subject: Option<String>,
}

/// The machine a run happened on. Two results files are comparable without warning only when their
/// fingerprints match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Machine {
    #[serde(default)]
    pub hostname: String,
    pub cpu_model: String,
    pub cores: u32,
    pub memory_bytes: u64,
    pub kernel: String,
    pub arch: String,
    /// Hash of CPU model, cores, memory, kernel and arch.
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteInfo {
    pub name: String,
    pub path: PathBuf,
    /// sha256 of the suite file and the workload files beside it.
    pub hash: String,
    /// The suite's `noise` file, read when the suite ran: what `compare` and `ab` use without
    /// `--noise`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<RecordedNoise>,
}

/// A suite's noise file as a results file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RecordedNoise {
    /// Its content, `slogate calibrate`'s TOML as written (text, so that its figures read back
    /// exactly).
    Content { toml: String },
    /// Its path, as older versions recorded it: never opened (the checkout it named may be gone,
    /// and a results file is not trusted to name files to read).
    Path(PathBuf),
}

/// The machine's noise as seen around a run (`slogate system`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// Relative spread measured by an A/A probe (coefficient of variation of per-process means).
    #[serde(default)]
    pub probe_cv: Option<f64>,
    /// The smallest relative change this noise supports detecting.
    #[serde(default)]
    pub supported_threshold: Option<f64>,
    #[serde(default)]
    pub load_average: Option<f64>,
    /// Human-readable findings ("CPU frequency governor is powersave", ...).
    #[serde(default)]
    pub findings: Vec<String>,
}

/// Where an imported file came from and which metadata slogate had to fill in itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportInfo {
    /// `pyperf`, `pytest-benchmark`, `criterion`, `hyperfine`, `google-benchmark`, `go-test`.
    pub format: String,
    pub files: Vec<PathBuf>,
    /// Metadata fields taken from the importing environment because the file lacked them.
    #[serde(default)]
    pub filled: Vec<String>,
    /// What the tool recorded that has no field of its own here (python version, timer, library
    /// build type, ...), as the tool wrote it.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// What happened to one benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
    Timeout,
    Oom,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Oom => "oom",
            Status::Skipped => "skipped",
        }
    }
}

/// One benchmark: a scenario-variant, keyed `<suite>/<scenario>[<k>=<v>,...]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkResult {
    pub key: String,
    pub suite: String,
    pub scenario: String,
    #[serde(default)]
    pub variant: BTreeMap<String, String>,
    pub status: Status,
    /// Why the status is not `ok` ("exit code 3", "timed out after 2s", ...).
    #[serde(default)]
    pub reason: Option<String>,
    /// The last lines of the workload's stderr when it failed.
    #[serde(default)]
    pub stderr_tail: Option<String>,
    /// Set when `status` is `oom`: the peak the process tree reached and the cap it broke.
    #[serde(default)]
    pub oom: Option<OomInfo>,
    /// How many processes the plan asked for (`run --resume` runs the rest).
    #[serde(default)]
    pub planned_processes: u32,
    /// SLO lines from the suite (`execution_time < 0.13 ms`), evaluated by compare.
    #[serde(default)]
    pub thresholds: Vec<String>,
    /// Overhead lines of the benchmark's scenario, evaluated where the left selector matches.
    #[serde(default)]
    pub overhead: Vec<String>,
    /// Per-benchmark noise threshold (relative, 0.05 = 5%) overriding the comparison's default.
    #[serde(default)]
    pub noise_threshold: Option<f64>,
    /// Metric name to its samples.
    #[serde(default)]
    pub metrics: BTreeMap<String, MetricSamples>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OomInfo {
    pub peak_bytes: u64,
    pub cap_bytes: u64,
}

/// The samples of one metric of one benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSamples {
    pub unit: Unit,
    /// True for metrics where more is better (throughput); false for time and memory.
    #[serde(default)]
    pub higher_is_better: bool,
    /// Raw values grouped by the process that produced them, in the order the processes ran.
    #[serde(default)]
    pub processes: Vec<Vec<f64>>,
    /// Set when only summary statistics are known (an import of a tool that kept no raw data).
    #[serde(default)]
    pub summary: Option<SummaryStats>,
}

/// Summary statistics for results whose raw values were not kept.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryStats {
    pub n: u64,
    pub mean: f64,
    pub stddev: f64,
    #[serde(default)]
    pub median: Option<f64>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

impl MetricSamples {
    pub fn new(unit: Unit) -> Self {
        MetricSamples {
            unit,
            higher_is_better: false,
            processes: Vec::new(),
            summary: None,
        }
    }

    /// All values, processes flattened.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.processes.iter().flatten().copied()
    }

    pub fn value_count(&self) -> usize {
        self.processes.iter().map(Vec::len).sum()
    }
}

/// Why a results file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a valid results file: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: schema `{found}` is not supported (this slogate reads `{SCHEMA}`)")]
    Schema { path: PathBuf, found: String },
    #[error("{path}: benchmark `{key}`, metric `{metric}`: {message}")]
    BadValue {
        path: PathBuf,
        key: String,
        metric: String,
        message: String,
    },
    #[error("{path}: benchmark `{key}` appears twice")]
    DuplicateKey { path: PathBuf, key: String },
}

impl ResultsFile {
    /// Reads and validates a results file.
    pub fn read(path: &Path) -> Result<ResultsFile, ResultsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ResultsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// Parses and validates results JSON; `path` is only used in error messages.
    pub fn from_json(text: &str, path: &Path) -> Result<ResultsFile, ResultsError> {
        // Look at the schema tag first so a file of another version gets the right message
        // rather than a complaint about some field; the rest is skipped unbuilt.
        #[derive(Deserialize)]
        struct Tag {
            schema: Option<String>,
        }
        let tag: Tag = serde_json::from_str(text).map_err(|e| ResultsError::Parse {
            path: path.to_path_buf(),
            message: describe_json_error(&e),
        })?;
        match tag.schema.as_deref() {
            Some(SCHEMA) => {}
            Some(other) => {
                return Err(ResultsError::Schema {
                    path: path.to_path_buf(),
                    found: other.to_string(),
                })
            }
            None => {
                return Err(ResultsError::Parse {
                    path: path.to_path_buf(),
                    message: format!("no `schema` field (expected `{SCHEMA}`)"),
                })
            }
        }
        let file: ResultsFile = serde_json::from_str(text).map_err(|e| ResultsError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        file.validate(path)?;
        Ok(file)
    }

    /// Checks what serde cannot: unique keys, finite non-negative values.
    pub fn validate(&self, path: &Path) -> Result<(), ResultsError> {
        let mut seen = std::collections::HashSet::new();
        for b in &self.benchmarks {
            if !seen.insert(b.key.as_str()) {
                return Err(ResultsError::DuplicateKey {
                    path: path.to_path_buf(),
                    key: b.key.clone(),
                });
            }
            for (name, m) in &b.metrics {
                let bad = |message: String| ResultsError::BadValue {
                    path: path.to_path_buf(),
                    key: b.key.clone(),
                    metric: name.clone(),
                    message,
                };
                for (p, values) in m.processes.iter().enumerate() {
                    for (i, v) in values.iter().enumerate() {
                        if !v.is_finite() || *v < 0.0 {
                            return Err(bad(format!(
                                "value {v} (process {}, value {}) is not a finite non-negative number",
                                p + 1,
                                i + 1
                            )));
                        }
                    }
                }
                if let Some(s) = &m.summary {
                    if !(s.mean.is_finite()
                        && s.stddev.is_finite()
                        && s.mean >= 0.0
                        && s.stddev >= 0.0)
                    {
                        return Err(bad(
                            "summary mean/stddev must be finite and non-negative".into()
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Serialises and writes the file atomically.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).expect("results serialise");
        text.push('\n');
        crate::fsutil::write_atomic(path, text.as_bytes())
    }

    pub fn benchmark(&self, key: &str) -> Option<&BenchmarkResult> {
        self.benchmarks.iter().find(|b| b.key == key)
    }
}

/// serde_json reports NaN and truncation with line/column; say it in words a user recognises.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => format!(
            "the file is truncated (JSON ends early at line {})",
            e.line()
        ),
        _ => e.to_string(),
    }
}

/// Formats a benchmark key: `suite/scenario` or `suite/scenario[k=v,k2=v2]` (variant keys sorted).
pub fn benchmark_key(suite: &str, scenario: &str, variant: &BTreeMap<String, String>) -> String {
    if variant.is_empty() {
        format!("{suite}/{scenario}")
    } else {
        let parts: Vec<String> = variant.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{suite}/{scenario}[{}]", parts.join(","))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small, valid results file for tests across the crate.
    pub fn sample() -> ResultsFile {
        let mut metrics = BTreeMap::new();
        let mut t = MetricSamples::new(Unit::Nanoseconds);
        t.processes = vec![vec![100.0, 101.0], vec![99.0, 102.0]];
        metrics.insert(metric::EXECUTION_TIME.to_string(), t);
        ResultsFile {
            schema: SCHEMA.into(),
            meta: Metadata {
                harness_version: "0.1.0".into(),
                run_id: "run-1".into(),
                started_at: "2026-11-24T08:00:00Z".parse().unwrap(),
                ended_at: None,
                side: Some("candidate".into()),
                git: None,
                machine: Machine {
                    hostname: "h".into(),
                    cpu_model: "cpu".into(),
                    cores: 2,
                    memory_bytes: 1 << 30,
                    kernel: "6.1".into(),
                    arch: "x86_64".into(),
                    fingerprint: "abc".into(),
                },
                suites: vec![],
                vars: BTreeMap::new(),
                seed: 1,
                interrupted: false,
                shard: None,
                pairing: None,
                analysis: None,
                noise: None,
                import: None,
            },
            benchmarks: vec![BenchmarkResult {
                key: "s/a".into(),
                suite: "s".into(),
                scenario: "a".into(),
                variant: BTreeMap::new(),
                status: Status::Ok,
                reason: None,
                stderr_tail: None,
                oom: None,
                planned_processes: 2,
                thresholds: vec!["execution_time < 1 ms".into()],
                overhead: vec![],
                noise_threshold: None,
                metrics,
            }],
        }
    }

    #[test]
    fn round_trips_and_validates() {
        let f = sample();
        let text = serde_json::to_string(&f).unwrap();
        let back = ResultsFile::from_json(&text, Path::new("r.json")).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn names_file_and_benchmark_on_bad_values() {
        let mut f = sample();
        f.benchmarks[0]
            .metrics
            .get_mut("execution_time")
            .unwrap()
            .processes[1][0] = -1.0;
        let text = serde_json::to_string(&f).unwrap();
        let e = ResultsFile::from_json(&text, Path::new("cand.json")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("cand.json") && msg.contains("s/a"), "{msg}");
    }

    #[test]
    fn rejects_other_schema_and_truncation() {
        let e = ResultsFile::from_json(r#"{"schema":"slogate.results/9"}"#, Path::new("x.json"))
            .unwrap_err();
        assert!(e.to_string().contains("slogate.results/9"));
        let text = serde_json::to_string(&sample()).unwrap();
        let e = ResultsFile::from_json(&text[..text.len() / 2], Path::new("x.json")).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        // NaN is not JSON: serde refuses it, and the message names the file.
        let e =
            ResultsFile::from_json(&text.replace("100.0", "NaN"), Path::new("n.json")).unwrap_err();
        assert!(e.to_string().contains("n.json"));
    }

    #[test]
    fn keys_sort_variant_values() {
        let mut v = BTreeMap::new();
        v.insert("profiler".to_string(), "off".to_string());
        v.insert("fanout".to_string(), "100".to_string());
        assert_eq!(benchmark_key("s", "x", &v), "s/x[fanout=100,profiler=off]");
        assert_eq!(benchmark_key("s", "x", &BTreeMap::new()), "s/x");
    }
}
