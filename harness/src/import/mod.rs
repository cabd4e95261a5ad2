//! Importers of other tools' output: pyperf, pytest-benchmark, criterion.rs, hyperfine, Google
//! Benchmark and `go test -bench`. Each turns the tool's file into a [`ResultsFile`], raw values kept
//! and grouped by the process (run, repetition) that produced them, so that `compare` can treat an
//! imported file like one `slogate run` wrote.
//!
//! One small module per format behind the [`Importer`] trait. Auto-detection never guesses: exactly
//! one importer must claim a file's content, otherwise the error names the candidates.

mod criterion;
mod go_test;
mod google_benchmark;
mod hyperfine;
mod meta;
mod outline;
mod pyperf;
mod pytest_benchmark;

use crate::results::{
    benchmark_key, describe_json_error, BenchmarkResult, MetricSamples, ResultsError, ResultsFile,
    Status, SummaryStats,
};
use crate::units::Unit;
use serde::de::DeserializeOwned;
use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

pub(crate) use meta::Found;

/// The formats `slogate import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Decide from each file's content.
    Auto,
    Pyperf,
    PytestBenchmark,
    Criterion,
    Hyperfine,
    GoogleBenchmark,
    GoTest,
}

impl Format {
    /// Every format with its command-line name.
    pub const ALL: [Format; 7] = [
        Format::Auto,
        Format::Pyperf,
        Format::PytestBenchmark,
        Format::Criterion,
        Format::Hyperfine,
        Format::GoogleBenchmark,
        Format::GoTest,
    ];

    /// The name used on the command line and in `meta.import.format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Pyperf => "pyperf",
            Format::PytestBenchmark => "pytest-benchmark",
            Format::Criterion => "criterion",
            Format::Hyperfine => "hyperfine",
            Format::GoogleBenchmark => "google-benchmark",
            Format::GoTest => "go-test",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                format!("unknown format `{s}` (known: {})", names.join(", "))
            })
    }
}

/// Choices of the importing user.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Suite name for every benchmark, instead of the one derived from the file.
    pub suite: Option<String>,
    /// Side label written into the metadata (`baseline`, `candidate`, ...).
    pub side: Option<String>,
}

/// Why a file could not be imported. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("no input files given")]
    NoFiles,
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not valid {format} JSON: {message}")]
    Json {
        path: PathBuf,
        format: Format,
        message: String,
    },
    #[error("{path}: not valid {format} output: line {line}: {message}")]
    Text {
        path: PathBuf,
        format: Format,
        line: usize,
        message: String,
    },
    #[error("{path}: not valid {format} output: {at}: {message}")]
    Invalid {
        path: PathBuf,
        format: Format,
        at: String,
        message: String,
    },
    #[error("{path}: {format} output holds no benchmark results{hint}")]
    Empty {
        path: PathBuf,
        format: Format,
        hint: String,
    },
    #[error("{path}: cannot tell the format: {reason}; name it (one of: pyperf, pytest-benchmark, criterion, hyperfine, google-benchmark, go-test)")]
    Unknown { path: PathBuf, reason: String },
    #[error("{path}: ambiguous format: the content looks like {} at once; name the format", .candidates.join(" and "))]
    Ambiguous {
        path: PathBuf,
        candidates: Vec<&'static str>,
    },
    #[error("{path} is {found} output but {first} is {expected}: import one format at a time")]
    Mixed {
        path: PathBuf,
        found: Format,
        first: PathBuf,
        expected: Format,
    },
    #[error("{path}: benchmark `{key}` appears twice in one file{hint}")]
    Duplicate {
        path: PathBuf,
        key: String,
        hint: &'static str,
    },
    #[error("{path}: benchmark `{key}`: {message}")]
    Conflict {
        path: PathBuf,
        key: String,
        message: String,
    },
    #[error(transparent)]
    Results(#[from] ResultsError),
}

/// One input path: a file's (decompressed) bytes, or a directory (criterion's `target/criterion`).
pub struct Input {
    pub path: PathBuf,
    /// Empty for a directory.
    pub bytes: Vec<u8>,
    pub is_dir: bool,
    json: OnceCell<Result<serde_json::Value, String>>,
}

impl Input {
    /// Reads a file (gunzipping `.gz` content) or notes a directory.
    pub fn open(path: &Path) -> Result<Input, ImportError> {
        let io = |source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        };
        let md = std::fs::metadata(path).map_err(io)?;
        let bytes = if md.is_dir() {
            Vec::new()
        } else {
            let raw = std::fs::read(path).map_err(io)?;
            if raw.starts_with(&[0x1f, 0x8b]) {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(raw.as_slice())
                    .read_to_end(&mut out)
                    .map_err(|e| {
                        io(std::io::Error::new(
                            e.kind(),
                            format!("not a valid gzip file: {e}"),
                        ))
                    })?;
                out
            } else {
                raw
            }
        };
        Ok(Input {
            path: path.to_path_buf(),
            bytes,
            is_dir: md.is_dir(),
            json: OnceCell::new(),
        })
    }

    /// The content's outline (untyped JSON down to [`outline::DEPTH`] levels), parsed once, for
    /// detection.
    pub fn json(&self) -> Option<&serde_json::Value> {
        self.json_result().as_ref().ok()
    }

    fn json_result(&self) -> &Result<serde_json::Value, String> {
        self.json.get_or_init(|| {
            if self.is_dir {
                return Err("a directory".into());
            }
            outline::parse(&self.bytes).map_err(|e| describe_json_error(&e))
        })
    }

    /// Parses the content into a tool's typed schema; errors carry line and column.
    pub(crate) fn parse<T: DeserializeOwned>(&self, format: Format) -> Result<T, ImportError> {
        serde_json::from_slice(&self.bytes).map_err(|e| ImportError::Json {
            path: self.path.clone(),
            format,
            message: describe_json_error(&e),
        })
    }

    pub(crate) fn invalid(
        &self,
        format: Format,
        at: impl Into<String>,
        message: impl Into<String>,
    ) -> ImportError {
        ImportError::Invalid {
            path: self.path.clone(),
            format,
            at: at.into(),
            message: message.into(),
        }
    }
}

/// One tool's reader.
pub trait Importer: Sync {
    fn format(&self) -> Format;
    /// True only when the content is certainly this tool's output (never judged by file name).
    fn detect(&self, input: &Input) -> bool;
    /// Reads one input, adding its benchmarks and what it says about the run to `out`.
    fn read(
        &self,
        input: &Input,
        opts: &ImportOptions,
        out: &mut Collected,
    ) -> Result<(), ImportError>;
}

const IMPORTERS: [&dyn Importer; 6] = [
    &pyperf::Pyperf,
    &pytest_benchmark::PytestBenchmark,
    &criterion::Criterion,
    &hyperfine::Hyperfine,
    &google_benchmark::GoogleBenchmark,
    &go_test::GoTest,
];

fn importer(format: Format) -> Option<&'static dyn Importer> {
    IMPORTERS.into_iter().find(|i| i.format() == format)
}

/// The one importer that claims `input`, or an error naming the candidates (or why none did).
pub fn detect(input: &Input) -> Result<&'static dyn Importer, ImportError> {
    let claims: Vec<&'static dyn Importer> =
        IMPORTERS.into_iter().filter(|i| i.detect(input)).collect();
    match claims.as_slice() {
        [one] => Ok(*one),
        [] => Err(ImportError::Unknown {
            path: input.path.clone(),
            reason: match (input.is_dir, input.json_result()) {
                (true, _) => "the directory holds no criterion `new/benchmark.json`".into(),
                (false, Ok(v)) if v.get("schema").is_some() => {
                    "it is a slogate results file already, not another tool's output".into()
                }
                (false, Ok(_)) => "the JSON matches none of the known tools' layouts".into(),
                (false, Err(e)) => format!("not JSON ({e}) and no `go test -bench` result lines"),
            },
        }),
        many => Err(ImportError::Ambiguous {
            path: input.path.clone(),
            candidates: many.iter().map(|i| i.format().name()).collect(),
        }),
    }
}

/// Imports `files` (all of one format) into one results file.
pub fn import(
    format: Format,
    files: &[PathBuf],
    opts: &ImportOptions,
) -> Result<ResultsFile, ImportError> {
    if files.is_empty() {
        return Err(ImportError::NoFiles);
    }
    let inputs = files
        .iter()
        .map(|p| Input::open(p))
        .collect::<Result<Vec<_>, _>>()?;
    import_inputs(format, &inputs, files, opts)
}

/// Imports inputs already read (of `files`, in that order).
fn import_inputs(
    format: Format,
    inputs: &[Input],
    files: &[PathBuf],
    opts: &ImportOptions,
) -> Result<ResultsFile, ImportError> {
    let chosen = match format {
        Format::Auto => {
            let first = detect(&inputs[0])?;
            for input in &inputs[1..] {
                let other = detect(input)?;
                if other.format() != first.format() {
                    return Err(ImportError::Mixed {
                        path: input.path.clone(),
                        found: other.format(),
                        first: inputs[0].path.clone(),
                        expected: first.format(),
                    });
                }
            }
            first
        }
        f => importer(f).expect("every concrete format has an importer"),
    };
    let mut out = Collected::default();
    for input in inputs {
        out.file_no += 1;
        chosen.read(input, opts, &mut out)?;
        if !out.touched {
            return Err(ImportError::Empty {
                path: input.path.clone(),
                format: chosen.format(),
                hint: String::new(),
            });
        }
        out.touched = false;
    }
    Ok(out.finish(chosen.format(), files, opts))
}

/// For `compare`: a slogate results file as is, or any importable file detected by content.
pub fn load_any(path: &Path) -> Result<ResultsFile, ImportError> {
    let input = Input::open(path)?;
    if let Some(v) = input.json() {
        if v.get("schema").is_some() {
            let text = String::from_utf8_lossy(&input.bytes);
            return Ok(ResultsFile::from_json(&text, path)?);
        }
    }
    // The input already read serves the import: reading it again would hold two copies.
    import_inputs(
        Format::Auto,
        std::slice::from_ref(&input),
        &[path.to_path_buf()],
        &ImportOptions::default(),
    )
}

/// What the inputs read so far hold: benchmarks, pooled across files by key, and run metadata.
#[derive(Default)]
pub struct Collected {
    benchmarks: Vec<BenchmarkResult>,
    /// Key to (index in `benchmarks`, number of the file that first brought it).
    index: HashMap<String, (usize, usize)>,
    file_no: usize,
    /// Whether the current file added any benchmark (new or pooled into an earlier file's).
    touched: bool,
    pub(crate) found: Found,
}

impl Collected {
    /// Adds one benchmark. The same key from an earlier file pools its groups into that benchmark
    /// (several runs of one side); the same key twice in one file is an error.
    pub(crate) fn add(
        &mut self,
        input: &Input,
        b: BenchmarkResult,
        dup_hint: &'static str,
    ) -> Result<(), ImportError> {
        check_values(input, &b)?;
        self.touched = true;
        match self.index.get(&b.key) {
            None => {
                self.index
                    .insert(b.key.clone(), (self.benchmarks.len(), self.file_no));
                self.benchmarks.push(b);
                Ok(())
            }
            Some(&(_, file)) if file == self.file_no => Err(ImportError::Duplicate {
                path: input.path.clone(),
                key: b.key,
                hint: dup_hint,
            }),
            Some(&(i, _)) => pool(input, &mut self.benchmarks[i], b),
        }
    }

    fn finish(mut self, format: Format, files: &[PathBuf], opts: &ImportOptions) -> ResultsFile {
        for b in &mut self.benchmarks {
            b.planned_processes = b
                .metrics
                .values()
                .map(|m| m.processes.len())
                .max()
                .unwrap_or(0) as u32;
        }
        meta::results_file(
            self.benchmarks,
            self.found,
            format,
            files,
            opts.side.clone(),
        )
    }
}

fn pool(input: &Input, into: &mut BenchmarkResult, b: BenchmarkResult) -> Result<(), ImportError> {
    let conflict = |message: String| ImportError::Conflict {
        path: input.path.clone(),
        key: b.key.clone(),
        message,
    };
    for (name, m) in &b.metrics {
        if let Some(old) = into.metrics.get(name) {
            if old.unit != m.unit {
                return Err(conflict(format!(
                    "metric `{name}` is in {} here but in {} in an earlier file",
                    m.unit, old.unit
                )));
            }
            if old.summary.is_some() || m.summary.is_some() {
                return Err(conflict(format!("metric `{name}` has only summary statistics, which cannot be pooled across files")));
            }
        }
    }
    if b.status != Status::Ok && into.status == Status::Ok {
        into.status = b.status;
        into.reason = b.reason.clone();
    }
    for (name, m) in b.metrics {
        match into.metrics.get_mut(&name) {
            Some(old) => old.processes.extend(m.processes),
            None => {
                into.metrics.insert(name, m);
            }
        }
    }
    Ok(())
}

fn check_values(input: &Input, b: &BenchmarkResult) -> Result<(), ImportError> {
    for (name, m) in &b.metrics {
        let bad = m
            .values()
            .chain(m.summary.iter().flat_map(|s| [s.mean, s.stddev]))
            .find(|v| !v.is_finite() || *v < 0.0);
        if let Some(v) = bad {
            return Err(ImportError::Conflict {
                path: input.path.clone(),
                key: b.key.clone(),
                message: format!(
                    "metric `{name}` has the value {v}, not a finite non-negative number"
                ),
            });
        }
    }
    Ok(())
}

/// A new, `ok` benchmark without samples.
pub(crate) fn new_benchmark(
    suite: &str,
    scenario: &str,
    variant: BTreeMap<String, String>,
) -> BenchmarkResult {
    BenchmarkResult {
        key: benchmark_key(suite, scenario, &variant),
        suite: suite.to_string(),
        scenario: scenario.to_string(),
        variant,
        status: Status::Ok,
        reason: None,
        stderr_tail: None,
        oom: None,
        planned_processes: 0,
        thresholds: Vec::new(),
        overhead: Vec::new(),
        noise_threshold: None,
        metrics: BTreeMap::new(),
    }
}

/// Appends one group (one process, run or repetition) of raw values to a metric.
pub(crate) fn add_group(
    b: &mut BenchmarkResult,
    metric: &str,
    unit: Unit,
    higher_is_better: bool,
    values: Vec<f64>,
) {
    match b.metrics.get_mut(metric) {
        Some(m) => m.processes.push(values),
        None => {
            let m = MetricSamples {
                higher_is_better,
                processes: vec![values],
                ..MetricSamples::new(unit)
            };
            b.metrics.insert(metric.to_string(), m);
        }
    }
}

/// Records a metric of which only summary statistics are known.
pub(crate) fn add_summary(
    b: &mut BenchmarkResult,
    metric: &str,
    unit: Unit,
    summary: SummaryStats,
) {
    let mut m = MetricSamples::new(unit);
    m.summary = Some(summary);
    b.metrics.insert(metric.to_string(), m);
}

/// A tool's counter or unit name as a metric name the threshold grammar accepts
/// (`[A-Za-z0-9_.-]`, not starting with a digit).
pub(crate) fn metric_name(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-') {
        s.insert(0, '_');
    }
    s
}

/// A JSON scalar as text: strings without their quotes.
pub(crate) fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input_of(text: &str) -> Input {
        Input {
            path: PathBuf::from("x.json"),
            bytes: text.as_bytes().to_vec(),
            is_dir: false,
            json: OnceCell::new(),
        }
    }

    #[test]
    fn formats_round_trip_their_names() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        let e = "benchstat".parse::<Format>().unwrap_err();
        assert!(e.contains("go-test"), "{e}");
    }

    #[test]
    fn detection_refuses_to_guess() {
        // Shaped like both pyperf and hyperfine output.
        let both = r#"{"version": "1.0", "benchmarks": [{"metadata": {"name": "a"}, "runs": []}],
                       "results": [{"command": "a", "mean": 1, "times": [1], "exit_codes": [0]}]}"#;
        match detect(&input_of(both)) {
            Err(ImportError::Ambiguous { candidates, .. }) => {
                assert_eq!(candidates, vec!["pyperf", "hyperfine"])
            }
            other => panic!("{:?}", other.map(|i| i.format())),
        }
        let e = detect(&input_of(r#"{"hello": 1}"#))
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("none of the known") && e.contains("x.json"),
            "{e}"
        );
        let e = detect(&input_of(r#"{"benchmarks": [1, 2"#))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("truncated"), "{e}");
        let e = detect(&input_of(r#"{"schema": "slogate.results/1"}"#))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("results file already"), "{e}");
    }

    #[test]
    fn metric_names_fit_the_threshold_grammar() {
        assert_eq!(metric_name("MB/s"), "MB_s");
        assert_eq!(metric_name("items_per_second"), "items_per_second");
        assert_eq!(metric_name("2x"), "_2x");
        assert!(crate::slo::threshold::parse_threshold(&format!(
            "{} < 3 ",
            metric_name("ns/item")
        ))
        .is_ok());
    }
}
