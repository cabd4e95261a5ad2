//! Why it changed: profiles of both sides of an `ab` run, their differential per function and per
//! stack, and a differential flame graph.
//!
//! Profiling runs come after the comparison, as extra processes per side with the profiler on,
//! so a profiler's overhead never enters a measured value. Each [`ProfileSource`] (one per file)
//! wraps the workload's command and reads what it left in the benchmark's `{tmp}` into the one
//! [`Folded`] model; [`diff`] compares the sides; the report shows the top functions.

pub mod callgrind;
mod collect;
pub mod diff;
pub mod file;
pub mod flamegraph;
pub mod folded;
pub mod pprof;
pub mod pyspy;

pub use collect::{profile_benchmarks, Request};
pub use diff::{differential, Differential, FunctionDelta, StackDelta};
pub use folded::Folded;

use crate::compare::{ChangeVerdict, Comparison};
use crate::results::metric;
use crate::suite::{BenchmarkSpec, Profiler};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which benchmarks `ab --profile` profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Those with a flagged change (regression or improvement) of any metric.
    Flagged,
    All,
}

impl Scope {
    /// The names a scope answers to.
    pub const NAMES: &'static [&'static str] = &["flagged", "all"];
}

/// A scope name that is neither `flagged` nor `all`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown profile scope `{0}` (expected flagged or all)")]
pub struct UnknownScope(pub String);

impl std::str::FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(s: &str) -> Result<Scope, UnknownScope> {
        match s {
            "flagged" => Ok(Scope::Flagged),
            "all" => Ok(Scope::All),
            _ => Err(UnknownScope(s.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("reading {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{0}")]
    Parse(String),
    #[error("{0}")]
    Missing(String),
}

/// One way of getting a profile of a process.
pub trait ProfileSource {
    fn name(&self) -> &'static str;
    /// The command that runs `argv` with the profiler on; it may name files under `{tmp}`.
    fn wrap(&self, argv: &[String]) -> Vec<String>;
    /// How many times slower a profiled process may be: its timeout grows as much.
    fn slowdown(&self) -> u32;
    /// True when costs are exact counts (instructions), false for samples of time, which a busy
    /// machine stretches unevenly between profiling runs.
    fn exact(&self) -> bool {
        false
    }
    /// Profiled processes per side: a sampling profiler needs several to resolve a function
    /// that grew by a tenth of the benchmark; exact counts need one.
    fn runs(&self) -> u32 {
        3
    }
    /// The profile one profiled process left in its `{tmp}`.
    fn read(&self, tmp: &Path) -> Result<Folded, ProfileError>;
    /// A clearer reason than the output of a profiled process that failed, when there is one.
    fn explain(&self, _output: &str) -> Option<String> {
        None
    }
}

/// The source a suite names.
pub fn source(p: Profiler) -> &'static dyn ProfileSource {
    match p {
        Profiler::PySpy => &pyspy::PySpy,
        Profiler::Callgrind => &callgrind::Callgrind,
        Profiler::Pprof => &pprof::Pprof,
    }
}

/// The suite's source, else py-spy for a command that runs a Python; None: nothing to profile with.
pub fn source_for(spec: &BenchmarkSpec) -> Option<Profiler> {
    spec.profile.or_else(|| {
        let program = spec.command.first()?;
        let name = Path::new(program).file_name()?.to_string_lossy();
        name.starts_with("python").then_some(Profiler::PySpy)
    })
}

/// A benchmark to profile, and the candidate/baseline ratio of its execution time as measured
/// (None: not measured on both sides).
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub key: String,
    /// Its suite, scenario and variant: a benchmark that a process measures among others is
    /// profiled by running its scenario's process.
    pub suite: String,
    pub scenario: String,
    pub variant: BTreeMap<String, String>,
    pub time_ratio: Option<f64>,
    /// Whether that ratio is a flagged change (beyond the noise threshold, significant).
    pub time_flagged: bool,
}

/// The benchmarks `scope` picks from a comparison.
pub fn chosen(c: &Comparison, scope: Scope) -> Vec<Chosen> {
    c.benchmarks
        .iter()
        .filter(|b| {
            scope == Scope::All
                || b.metrics.iter().any(|m| {
                    m.change.is_some_and(|ch| {
                        matches!(
                            ch.verdict,
                            ChangeVerdict::Regression | ChangeVerdict::Improvement
                        )
                    })
                })
        })
        .map(|b| {
            let change = b
                .metrics
                .iter()
                .find(|m| m.metric == metric::EXECUTION_TIME)
                .and_then(|m| m.change);
            Chosen {
                key: b.key.clone(),
                suite: b.suite.clone(),
                scenario: b.scenario.clone(),
                variant: b.variant.clone(),
                time_ratio: change.map(|ch| ch.ratio),
                time_flagged: change.is_some_and(|ch| {
                    matches!(
                        ch.verdict,
                        ChangeVerdict::Regression | ChangeVerdict::Improvement
                    )
                }),
            }
        })
        .collect()
}

/// Frames that mean a callgrind profile shows an interpreter, not the program it runs.
const INTERPRETER_FRAMES: [&str; 2] = ["_PyEval_EvalFrameDefault", "PyEval_EvalCode"];

/// What the report shows of one profiled benchmark.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchmarkProfile {
    pub key: String,
    pub outcome: Result<ProfileSummary, String>,
}

/// The head of a differential, for the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfileSummary {
    /// The source's name (py-spy, callgrind, pprof).
    pub source: String,
    pub unit: String,
    /// Profiled processes per side.
    pub runs: [u32; 2],
    pub total: [f64; 2],
    /// The functions whose self cost changed most, the change the profiles are surest of first
    /// (those that moved the way the measured time did before the others, when it is flagged).
    pub functions: Vec<FunctionDelta>,
    /// The stacks that changed most, largest change first.
    pub stacks: Vec<StackDelta>,
    /// The differential flame graph, as written.
    pub flame_graph: Option<String>,
    /// A caveat about what the frames mean.
    pub note: Option<String>,
    /// Sampled costs: the candidate's were scaled so that its total is the baseline's times
    /// this ratio (the measured execution-time ratio, flagged or not; 1 without one).
    pub scaled_to: Option<f64>,
    /// The scenario whose whole process was profiled, when the benchmark is one of several that
    /// process measures: the profile then covers them all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
}

/// Rows the report shows.
pub const TOP_FUNCTIONS: usize = 10;
pub const TOP_STACKS: usize = 3;

impl ProfileSummary {
    /// The summary of `d`, of the profiled processes of each side. `slower`: which way the
    /// benchmark's time moved, when the measured rounds flagged it; the functions that moved the
    /// same way come first, each group in the differential's order (surest change first).
    pub fn new(
        source: Profiler,
        unit: String,
        sides: [&[Folded]; 2],
        mut d: Differential,
        slower: Option<bool>,
    ) -> Self {
        if let Some(slower) = slower {
            let way = if slower { 1.0 } else { -1.0 };
            d.functions.sort_by_key(|f| way * f.self_change() <= 0.0);
        }
        let note = (source == Profiler::Callgrind
            && sides
                .iter()
                .any(|side| side.iter().any(|f| f.has_frame(&INTERPRETER_FRAMES))))
        .then(|| {
            "Under valgrind a Python workload's frames are the interpreter's own C functions \
             (_PyEval_EvalFrameDefault), not its Python functions: profile it with \
             `profile = \"py-spy\"` to see those."
                .to_string()
        });
        ProfileSummary {
            source: self::source(source).name().to_string(),
            unit,
            runs: sides.map(|side| side.iter().map(|f| f.runs).sum()),
            total: d.total,
            functions: d.functions.into_iter().take(TOP_FUNCTIONS).collect(),
            stacks: d.stacks.into_iter().take(TOP_STACKS).collect(),
            flame_graph: None,
            note,
            scaled_to: None,
            process: None,
        }
    }
}

/// Regular files directly in `dir`, sorted.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>, ProfileError> {
    let err = |e: std::io::Error| ProfileError::Read {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let entry = entry.map_err(err)?;
        if entry.file_type().map_err(err)?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One profiled process: `noisy` and `slowed` cost what they are given, `main` the rest of
    /// 100 samples.
    fn process(noisy: f64, slowed: f64) -> Folded {
        let text = format!(
            "main;noisy {noisy}\nmain;slowed {slowed}\nmain {}",
            100.0 - noisy - slowed
        );
        Folded::parse(&text, "t", |f| Some(f.to_string())).unwrap()
    }

    /// Five processes a side: `noisy` does not change but swings between processes (18 on
    /// average, then 28), `slowed` grows from 20 to 25 in every process.
    fn sides() -> [Vec<Folded>; 2] {
        let base = [10.0, 30.0, 10.0, 30.0, 10.0].map(|n| process(n, 20.0));
        let cand = [
            (40.0, 25.0),
            (10.0, 26.0),
            (40.0, 24.0),
            (10.0, 25.0),
            (40.0, 25.0),
        ];
        [base.to_vec(), cand.map(|(n, s)| process(n, s)).to_vec()]
    }

    fn summary(sides: &[Vec<Folded>; 2], exact: bool, source: Profiler) -> ProfileSummary {
        let sides = [sides[0].as_slice(), sides[1].as_slice()];
        let d = differential(sides, exact);
        ProfileSummary::new(source, "samples".into(), sides, d, Some(true))
    }

    #[test]
    fn the_consistently_slowed_function_heads_a_noisy_one_that_moved_more() {
        let s = summary(&sides(), false, Profiler::PySpy);
        let names: Vec<&str> = s.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["slowed", "noisy", "main"]);
        let [slowed, noisy] = [&s.functions[0], &s.functions[1]];
        // By size alone `noisy` would lead: it moved twice as far.
        assert_eq!((slowed.self_change(), noisy.self_change()), (5.0, 10.0));
        // `slowed`: sd 0 and 0.707 over 5 processes, Welch's df 4, t 2.776: ±0.878.
        let margin = slowed.self_margin.unwrap();
        assert!(
            (margin - 2.776_445 * 0.1f64.sqrt()).abs() < 1e-5,
            "{margin}"
        );
        // `noisy`: ±21.6, wider than its change: nothing of it is sure.
        assert!(noisy.self_margin.unwrap() > 20.0 && noisy.sure_change() == 0.0);
        assert_eq!(s.runs, [5, 5]);
    }

    #[test]
    fn exact_counts_keep_the_order_by_size() {
        let s = summary(&sides(), true, Profiler::Callgrind);
        assert_eq!(s.functions[0].name, "noisy");
        assert!(s.functions.iter().all(|f| f.self_margin.is_none()));
    }
}
