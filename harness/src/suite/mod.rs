//! Suites: `suites/<suite>/suite.toml` parsed, validated and expanded into benchmarks.
//!
//! ```toml
//! [suite]
//! name = "asyncio-profiler"
//! description = "asyncio task trees under the stack profiler"
//! paths = ["ddtrace/profiling/**"]      # globs: the suite runs only when matching files change
//! setup = ["python3 -m venv .venv-{ddtrace}", ".venv-{ddtrace}/bin/pip install ddtrace=={ddtrace}"]
//! profile = "pprof"                     # for `ab --profile`: py-spy | callgrind | pprof
//! noise = "noise.toml"                  # `slogate calibrate`'s file, when --noise is not given
//!
//! [vars]                                # defaults; `--var NAME=VALUE` overrides them
//! ddtrace = "4.16.0"
//!
//! [defaults]                            # each key may also be set on a scenario
//! protocol = "pyperf"                   # process | samples | pyperf        (built in: process)
//!                                       # | pytest-benchmark | google-benchmark | go-test | criterion
//! processes = 20                        #                                     (built in: 10)
//! values = 3                            # samples per process                 (built in: 3)
//! warmups = 1                           #                                     (built in: 1)
//! timeout = "120s"                      # per process                         (built in: 60s)
//! memory_limit = "4GB"                  # or "none"      (built in: half the machine's memory,
//!                                       #  or all but 2 GB if less, at least 1 GB)
//! noise_threshold = "5%"                # or 0.05                    (built in: the comparison's)
//!
//! [[scenario]]
//! name = "weak-links-fanout"
//! description = "..."                   # optional
//! command = [".venv-{ddtrace}/bin/python", "weak_links.py", "--fanout", "{fanout}"]
//! matrix = { fanout = ["100", "1000"], profiler = ["off", "ddtrace"] }   # variants: the product
//! env.PYTHONHASHSEED = "0"              # a string: set for every variant
//! env.profiler.ddtrace = { DD_PROFILING_ENABLED = "true" }               # a table: per matrix value
//! thresholds = ["execution_time < 2.5 ms", "max_rss_usage < 60 MB"]
//! overhead = ["execution_time[profiler=ddtrace] < 1.05 * execution_time[profiler=off]"]
//!
//! [[scenario]]
//! name = "span"                         # a `benchmarks/span/scenario.py` + `config.yaml` folder
//! command = ["python3", "benchmarks/span/scenario.py", "{config_args}"]
//! configs = "benchmarks/span/config.yaml"   # variants: its top-level keys (YAML, TOML or JSON)
//! matrix = { profiler = ["off", "on"] }     # optional: configurations x matrix
//! ```
//!
//! Protocols, and per process how many values each benchmark takes and how warm-up is done:
//! - `process`: one value, the whole process; `warmups` whole processes run first, unrecorded.
//! - `samples`: the lines the workload writes (`$SLOGATE_VALUES`, `$SLOGATE_WARMUPS` say how many
//!   it should take and skip).
//! - `pyperf`: `--values` values after `--warmups` warm-up values, in one pyperf worker. A script
//!   registering several benchmarks yields each as its own (see below).
//! - `pytest-benchmark`: `values` rounds of each test (`--benchmark-min-rounds`,
//!   `--benchmark-max-time=0`); warm-up: `warmups` iterations (`--benchmark-warmup-iterations`).
//! - `google-benchmark`: `values` repetitions of each benchmark (`--benchmark_repetitions`);
//!   warm-up: the library's runs that size the iterations, unrecorded.
//! - `go-test`: `values` results of each benchmark (`-count`); warm-up: Go's runs that size b.N.
//! - `criterion`: `values` samples of each benchmark, at least 10 (`--sample-size`); warm-up:
//!   criterion's warm-up time.
//!
//! Under the last five protocols one process may measure several benchmarks: each is recorded as
//! its own, keyed `<suite>/<scenario>/<name>[<variant>]` by the name the tool gives it (with the
//! parameters of a parametrised test in the variant); a pyperf script of one benchmark keeps the
//! scenario's key.
//!
//! Placeholders (see [`placeholder`]) in `command`, `env` and `setup`: matrix dimensions, variables,
//! `{suite_dir}` (absolute) and `{tmp}`, which the runner fills with a directory per benchmark.
//! Every error names the file, line and column.
//!
//! A scenario with `configs` (a path relative to the suite's directory; see [`configs`] for the
//! file) runs once per configuration and matrix variant, each benchmark named
//! `<scenario>-<config>` (`<suite>/span-start-finish[profiler=on]`), so SLO files keyed
//! `<scenario>-<config>` match as they are. Its placeholders: `{config}` (the name),
//! `{config_args}` (the configuration's arguments as `--key value` words: a command element that is
//! exactly `{config_args}` becomes one element per word, inside a longer string they are joined as
//! a shell line), and `{config.KEY}` (one argument's value).

mod configs;
mod placeholder;
mod raw;
mod resolve;
mod setup;
pub mod spec;

pub use setup::{run_setup, SetupOutcome};
pub use spec::{BenchmarkSpec, MemoryLimit, Profiler, Protocol};

use crate::results::SuiteInfo;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The name of a suite's file inside its directory.
pub const SUITE_FILE: &str = "suite.toml";

/// A loaded suite: its benchmarks resolved for one set of variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    pub name: String,
    pub description: String,
    /// The suite file, as reached from the path the caller gave (for messages).
    pub file: PathBuf,
    /// The suite's directory, absolute: benchmarks and setup run here.
    pub dir: PathBuf,
    /// sha256 (hex) of the files of the suite directory, see [`hash_suite_dir`].
    pub hash: String,
    /// Globs of the code under test: the suite runs only when matching files change.
    pub paths: Vec<String>,
    /// Setup commands, placeholders filled.
    pub setup: Vec<String>,
    /// `[vars]` with the caller's overrides applied.
    pub vars: BTreeMap<String, String>,
    pub benchmarks: Vec<BenchmarkSpec>,
    /// Benchmark scenario name → the `[[scenario]]` that made it, where they differ (`configs`:
    /// `<scenario>-<config>`).
    pub scenario_sources: BTreeMap<String, String>,
    /// Scenario name → its `description`, for scenarios that have one (`slogate check` prints it).
    pub scenario_descriptions: BTreeMap<String, String>,
    /// `noise`: the content of the noise file of `slogate calibrate` for this suite (beside
    /// [`Self::file`]), read when the suite is loaded.
    pub noise: Option<String>,
}

impl Suite {
    /// The suite's entry in a results file's metadata.
    pub fn info(&self) -> SuiteInfo {
        SuiteInfo {
            name: self.name.clone(),
            path: self.file.clone(),
            hash: self.hash.clone(),
            noise: self
                .noise
                .clone()
                .map(|toml| crate::results::RecordedNoise::Content { toml }),
        }
    }

    /// Whether a change to `changed` (paths relative to the repository's top) concerns this
    /// suite: any file matching its `paths` globs, or, for a suite that declares none, always.
    /// A glob that does not parse counts as matching: running too much beats skipping a suite.
    pub fn touched_by(&self, changed: &[String]) -> bool {
        if self.paths.is_empty() {
            return true;
        }
        self.paths
            .iter()
            .any(|pattern| match globset::Glob::new(pattern) {
                Ok(glob) => {
                    let m = glob.compile_matcher();
                    changed.iter().any(|f| m.is_match(f))
                }
                Err(_) => true,
            })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A problem at a place in a suite file.
    #[error("{}:{line}:{column}: {message}", file.display())]
    At {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("reading {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: no {SUITE_FILE} there nor in its subdirectories", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: suite name `{name}` is already used by {}", second.display(), first.display())]
    DuplicateName {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("setup of suite `{suite}` failed: `{command}` ended with {status}; its output ends with:\n{output}")]
    SetupFailed {
        suite: String,
        command: String,
        status: String,
        output: String,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> SuiteError + '_ {
    move |source| SuiteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Loads every suite that `paths` name: a suite directory, a suite file, or a directory of suites
/// (each `*/suite.toml` below it, sorted). A file reached twice is loaded once; two suites with the
/// same name are an error.
pub fn load_all(
    paths: &[PathBuf],
    vars: &BTreeMap<String, String>,
) -> Result<Vec<Suite>, SuiteError> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut seen = Vec::new();
    for path in paths {
        for file in suite_files(path)? {
            let canonical = fs::canonicalize(&file).map_err(io_error(&file))?;
            if !seen.contains(&canonical) {
                seen.push(canonical);
                files.push(file);
            }
        }
    }
    let mut suites: Vec<Suite> = Vec::with_capacity(files.len());
    for file in files {
        let suite = load_suite(&file, vars)?;
        if let Some(first) = suites.iter().find(|s| s.name == suite.name) {
            return Err(SuiteError::DuplicateName {
                name: suite.name,
                first: first.file.clone(),
                second: suite.file,
            });
        }
        suites.push(suite);
    }
    Ok(suites)
}

/// The suite files a path names.
fn suite_files(path: &Path) -> Result<Vec<PathBuf>, SuiteError> {
    let meta = fs::metadata(path).map_err(io_error(path))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let own = path.join(SUITE_FILE);
    if own.is_file() {
        return Ok(vec![own]);
    }
    let mut found: Vec<PathBuf> = fs::read_dir(path)
        .map_err(io_error(path))?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join(SUITE_FILE))
        .filter(|file| file.is_file())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(SuiteError::NotFound {
            path: path.to_path_buf(),
        });
    }
    Ok(found)
}

/// Loads one suite file, resolving its variables with the caller's overrides.
pub fn load_suite(file: &Path, vars: &BTreeMap<String, String>) -> Result<Suite, SuiteError> {
    let text = fs::read_to_string(file).map_err(io_error(file))?;
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = fs::canonicalize(parent).map_err(io_error(parent))?;
    let hash = hash_suite_dir(&dir)?;
    let source = raw::Source { file, text: &text };
    resolve::resolve(&source, &dir, hash, vars)
}

/// Files that belong to the environment rather than the suite: virtualenvs (`.venv*`), setup
/// markers (`.slogate-setup`), other dotfiles, and byte-code caches.
fn is_generated(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name == "__pycache__"
}

/// sha256 (hex) over the files of a suite directory, recursively and sorted by path, each as its
/// relative path, its length and its content; generated files ([`is_generated`]) and symlinks are
/// left out. A changed workload changes the hash, so results from different workloads never mix.
pub fn hash_suite_dir(dir: &Path) -> Result<String, SuiteError> {
    let mut files = Vec::new();
    collect_files(dir, Path::new(""), &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    for rel in files {
        let path = dir.join(&rel);
        let content = fs::read(&path).map_err(io_error(&path))?;
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    Ok(hex(&hasher.finalize()))
}

/// The suite's hash with files outside its directory that it reads (a `configs` file reached by
/// `..`), so that changing one changes the hash; the hash itself when there are none.
fn hash_with(hash: String, outside: &[(PathBuf, String)]) -> String {
    if outside.is_empty() {
        return hash;
    }
    let mut hasher = Sha256::new();
    hasher.update(hash.as_bytes());
    for (path, content) in outside {
        hasher.update(path.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(content.as_bytes());
    }
    hex(&hasher.finalize())
}

fn collect_files(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<(), SuiteError> {
    let dir = root.join(rel);
    for entry in fs::read_dir(&dir).map_err(io_error(&dir))? {
        let entry = entry.map_err(io_error(&dir))?;
        if is_generated(&entry.file_name()) {
            continue;
        }
        let kind = entry.file_type().map_err(io_error(&entry.path()))?;
        let child = rel.join(entry.file_name());
        if kind.is_dir() {
            collect_files(root, &child, out)?;
        } else if kind.is_file() {
            out.push(child);
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The candidate closest to `word`, when one is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Whether `name` can be a suite, scenario, dimension or variable name: it appears in benchmark
/// keys and placeholders, so letters, digits, `_`, `-` and `.` only.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Parses a `--var NAME=VALUE` argument (the command line's `--var`, `--baseline-var`, `--candidate-var`).
pub fn parse_var(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got `{text}`"))?;
    if !is_valid_name(name) {
        return Err(format!(
            "`{name}` is not a variable name (letters, digits, `_`, `-`, `.`)"
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests;
