//! `ab`: the baseline and the candidate run interleaved on one machine, so that both see the same
//! drift of a shared machine, and are compared pair by pair.
//!
//! Each side is a checkout (a directory, a git worktree made for a ref, or the current checkout with
//! its own variables) whose suites are loaded and set up on their own. Then rounds: in round `r`
//! the benchmarks go in a seeded random order ([`crate::run::round_order`]), and each runs one
//! process of each side back to back, which side first decided by a seeded coin flip per round and
//! benchmark. Process `i` of both sides thus comes from round `i`; both results files carry the
//! same `meta.pairing`, which makes compare pair them. A side whose process fails stops the
//! benchmark on both sides (the failure is recorded on the failing side), and on an interrupt the
//! two sides are cut to the same number of processes, so the pairs stay aligned.
//!
//! Without a budget every benchmark runs a fixed number of rounds. With one, rounds go on until the
//! sequential rule of [`sequential`] finds the paired ratio decisive, or the budget is spent.

pub mod sequential;
mod worktree;

pub use worktree::Worktree;

use crate::results::{metric, Analysis, GitInfo, ResultsFile, SuiteInfo, SCHEMA};
use crate::run::{self, RunError, RunOptions, Step, Stepper};
use crate::suite::{BenchmarkSpec, SuiteError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sequential::{Look, Schedule, MIN_ROUNDS};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The two side labels, in the order of [`Side`] arrays.
pub const LABELS: [&str; 2] = ["baseline", "candidate"];

#[derive(Debug, thiserror::Error)]
pub enum AbError {
    #[error("unknown git ref `{0}`: not a commit of the repository here")]
    UnknownRef(String),
    #[error("cannot make a worktree for `{git_ref}`: {message}")]
    Worktree { git_ref: String, message: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{side} side: {source}")]
    Suite {
        side: &'static str,
        #[source]
        source: SuiteError,
    },
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("no benchmark to run on either side (check the suite paths and --filter)")]
    Empty,
}

/// One side, loaded and set up.
#[derive(Debug, Clone)]
pub struct Side {
    pub label: &'static str,
    pub specs: Vec<BenchmarkSpec>,
    pub suites: Vec<SuiteInfo>,
    /// The variables the suites were resolved with (`[vars]` and overrides).
    pub vars: BTreeMap<String, String>,
    pub git: Option<GitInfo>,
}

/// How the benchmarks of a side are chosen and planned.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Suite paths, relative to each side's checkout.
    pub suites: Vec<PathBuf>,
    pub filter: Option<regex::Regex>,
    /// Rounds per benchmark (without a budget), overriding the suites; with one, the most rounds.
    pub processes: Option<u32>,
    /// One value per process, no warmups, [`QUICK_ROUNDS`] rounds unless `processes` says.
    pub quick: bool,
    /// Every process under the simulator (`--simulate`), whatever the suites say.
    pub simulate: bool,
}

/// Rounds of a `--quick` run: the fewest pairs compare can pair.
pub const QUICK_ROUNDS: u32 = 3;

impl Side {
    /// Loads the suites of the checkout at `dir` with `vars`, keeps the benchmarks the filter
    /// matches, and runs the setup of every suite that has one.
    pub fn prepare(
        label: &'static str,
        dir: &Path,
        vars: &BTreeMap<String, String>,
        plan: &Plan,
    ) -> Result<Side, AbError> {
        let err = |source| AbError::Suite {
            side: label,
            source,
        };
        let paths: Vec<PathBuf> = plan.suites.iter().map(|p| dir.join(p)).collect();
        let suites = crate::suite::load_all(&paths, vars).map_err(err)?;
        let mut side = Side {
            label,
            specs: Vec::new(),
            suites: Vec::new(),
            vars: BTreeMap::new(),
            git: crate::git::info(dir),
        };
        for suite in &suites {
            let chosen: Vec<BenchmarkSpec> = suite
                .benchmarks
                .iter()
                .filter(|b| plan.filter.as_ref().is_none_or(|f| f.is_match(&b.key)))
                .cloned()
                .collect();
            if chosen.is_empty() {
                continue;
            }
            crate::suite::run_setup(suite).map_err(err)?;
            side.suites.push(suite.info());
            side.vars.extend(suite.vars.clone());
            side.specs.extend(chosen.into_iter().map(|mut s| {
                if let Some(p) = plan.processes {
                    s.processes = p;
                }
                s.simulate |= plan.simulate;
                if plan.quick {
                    s.values = 1;
                    s.warmups = 0;
                    s.processes = plan.processes.unwrap_or(QUICK_ROUNDS);
                }
                s
            }));
        }
        Ok(side)
    }
}

/// How long to go on.
#[derive(Debug, Clone, Default)]
pub struct AbOptions {
    pub seed: u64,
    /// Time per benchmark (both sides' processes); None: each benchmark's planned rounds.
    pub budget: Option<Duration>,
    /// Time for the whole run, checked before every pair.
    pub budget_total: Option<Duration>,
    /// Most rounds of a benchmark under a budget (default [`sequential::DEFAULT_MAX_ROUNDS`]).
    pub max_rounds: Option<u32>,
    /// Noise threshold of benchmarks that set none.
    pub noise_threshold: f64,
    /// Nominal confidence (0.95); under a budget every look and the final comparison use
    /// [`Schedule::confidence`] of it.
    pub confidence: f64,
}

/// Why a benchmark got no more rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Why {
    /// It ran its planned rounds (no budget).
    Planned,
    /// A look found the paired ratio decisive.
    Decided(Look),
    /// Its budget was spent.
    Budget,
    /// The whole run's budget was spent.
    TotalBudget,
    /// It reached the most rounds allowed under a budget.
    MaxRounds,
    /// This side's process failed.
    Failed(&'static str),
    Interrupted,
}

/// What one benchmark did.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounds {
    pub key: String,
    pub rounds: u32,
    pub spent: Duration,
    pub why: Why,
}

/// Both results files (each carrying in `meta.analysis` the threshold and confidence the
/// comparison must use), and how each benchmark's rounds ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub baseline: ResultsFile,
    pub candidate: ResultsFile,
    pub rounds: Vec<Rounds>,
}

impl Outcome {
    /// The analysis both files record.
    pub fn analysis(&self) -> Analysis {
        self.baseline
            .meta
            .analysis
            .expect("ab records its analysis in both files")
    }
}

/// A benchmark being interleaved: one stepper per side that has it.
struct Entry {
    key: String,
    sides: [Option<Stepper>; 2],
    threshold: f64,
    planned: u32,
    rounds: u32,
    spent: Duration,
    why: Option<Why>,
}

/// Runs both sides interleaved. `interrupt` holds the number of a signal received (0: none): the
/// running process is killed, and both files are returned as they stand, marked interrupted.
pub fn run_ab(
    sides: &[Side; 2],
    opts: &AbOptions,
    interrupt: &AtomicUsize,
) -> Result<Outcome, AbError> {
    let mut entries = entries(sides, opts)?;
    if entries.is_empty() {
        return Err(AbError::Empty);
    }
    let max_rounds = opts
        .max_rounds
        .unwrap_or(sequential::DEFAULT_MAX_ROUNDS)
        .max(1);
    let schedule = Schedule::new(max_rounds);
    let start = Instant::now();
    let mut round = 0u32;
    'rounds: while entries.iter().any(|e| e.why.is_none()) {
        let mut coins = ChaCha8Rng::seed_from_u64(opts.seed ^ 0xc01f_11b5);
        coins.set_stream(u64::from(round));
        let flips: Vec<bool> = (0..entries.len()).map(|_| coins.gen()).collect();
        for idx in run::round_order(entries.len(), opts.seed, round) {
            let e = &mut entries[idx];
            if e.why.is_some() {
                continue;
            }
            if interrupt.load(Ordering::SeqCst) != 0 {
                break 'rounds;
            }
            if opts.budget_total.is_some_and(|t| start.elapsed() >= t) {
                e.why = Some(Why::TotalBudget);
                continue;
            }
            let t0 = Instant::now();
            let order = if flips[idx] { [1, 0] } else { [0, 1] };
            for s in order {
                let Some(stepper) = e.sides[s].as_mut() else {
                    continue;
                };
                match stepper.step(interrupt) {
                    Step::Measured => {}
                    Step::Stopped => {
                        e.why = Some(Why::Failed(LABELS[s]));
                        break;
                    }
                    Step::Interrupted => break 'rounds,
                }
            }
            e.spent += t0.elapsed();
            if e.why.is_none() {
                e.rounds += 1;
                e.why = decide(e, opts, &schedule, max_rounds);
            }
        }
        round += 1;
    }
    let interrupted = interrupt.load(Ordering::SeqCst) != 0;
    for e in &mut entries {
        if e.why.is_none() {
            e.why = Some(Why::Interrupted);
        }
    }
    let confidence = if opts.budget.is_some() {
        schedule.confidence(opts.confidence)
    } else {
        opts.confidence
    };
    let analysis = Analysis {
        noise_threshold: opts.noise_threshold,
        confidence,
    };
    Ok(finish(sides, entries, opts.seed, interrupted, analysis))
}

/// One entry per benchmark key of either side, baseline order first.
fn entries(sides: &[Side; 2], opts: &AbOptions) -> Result<Vec<Entry>, AbError> {
    let mut keys: Vec<&str> = Vec::new();
    for side in sides {
        for s in &side.specs {
            if !keys.contains(&s.key.as_str()) {
                keys.push(&s.key);
            }
        }
    }
    let mut entries = Vec::with_capacity(keys.len());
    for key in keys {
        let specs = [0, 1].map(|i| sides[i].specs.iter().find(|s| s.key == key));
        let mut steppers = [None, None];
        for (slot, spec) in steppers.iter_mut().zip(specs) {
            if let Some(spec) = spec {
                *slot = Some(Stepper::new(spec, None)?);
            }
        }
        let present = || specs.iter().flatten();
        entries.push(Entry {
            key: key.to_string(),
            sides: steppers,
            threshold: present()
                .find_map(|s| s.noise_threshold)
                .unwrap_or(opts.noise_threshold),
            planned: present().map(|s| s.processes).max().unwrap_or(1).max(1),
            rounds: 0,
            spent: Duration::ZERO,
            why: None,
        });
    }
    Ok(entries)
}

/// After a round of `e`: whether it is done, and why.
fn decide(e: &Entry, opts: &AbOptions, schedule: &Schedule, max_rounds: u32) -> Option<Why> {
    let Some(budget) = opts.budget else {
        return (e.rounds >= e.planned).then_some(Why::Planned);
    };
    if let [Some(b), Some(c)] = &e.sides {
        if schedule.is_look(e.rounds) {
            let times = |s: &Stepper| {
                s.result()
                    .metrics
                    .get(metric::EXECUTION_TIME)
                    .map(|m| m.processes.clone())
                    .unwrap_or_default()
            };
            let confidence = schedule.confidence(opts.confidence);
            let look = sequential::paired_ratio(&times(b), &times(c), confidence);
            if let Some(look) = look.filter(|l| l.decisive(e.threshold, confidence)) {
                return Some(Why::Decided(look));
            }
        }
    }
    if e.rounds >= max_rounds {
        Some(Why::MaxRounds)
    } else if e.rounds >= MIN_ROUNDS.min(max_rounds) && e.spent >= budget {
        Some(Why::Budget)
    } else {
        None
    }
}

/// The two results files: paired benchmarks cut to the same number of processes.
fn finish(
    sides: &[Side; 2],
    entries: Vec<Entry>,
    seed: u64,
    interrupted: bool,
    analysis: Analysis,
) -> Outcome {
    let now = chrono::Utc::now();
    let pairing = format!(
        "ab-{}-{:016x}",
        now.format("%Y%m%dT%H%M%SZ"),
        rand::random::<u64>()
    );
    let mut files = [0, 1].map(|i| {
        let side = &sides[i];
        let mut meta = run::new_metadata(&RunOptions {
            seed: Some(seed),
            keep_tmp: None,
            side: Some(side.label.to_string()),
            suites: side.suites.clone(),
            vars: side.vars.clone(),
            git: side.git.clone(),
        });
        meta.pairing = Some(pairing.clone());
        meta.ended_at = Some(now);
        meta.interrupted = interrupted;
        meta.analysis = Some(analysis);
        ResultsFile {
            schema: SCHEMA.into(),
            meta,
            benchmarks: Vec::new(),
        }
    });
    let mut rounds = Vec::with_capacity(entries.len());
    for e in entries {
        let [b, c] = e.sides;
        let pairs = match (&b, &c) {
            (Some(b), Some(c)) => Some(processes(b).min(processes(c))),
            _ => None,
        };
        for (file, stepper) in files.iter_mut().zip([b, c]) {
            if let Some(mut s) = stepper {
                if let Some(n) = pairs {
                    s.truncate(n);
                }
                file.benchmarks.push(s.finish());
            }
        }
        rounds.push(Rounds {
            key: e.key,
            rounds: pairs.map_or(e.rounds, |n| n as u32),
            spent: e.spent,
            why: e.why.expect("every benchmark ends with a reason"),
        });
    }
    let [baseline, candidate] = files;
    Outcome {
        baseline,
        candidate,
        rounds,
    }
}

fn processes(s: &Stepper) -> usize {
    s.result()
        .metrics
        .get(metric::EXECUTION_TIME)
        .map_or(0, |m| m.processes.len())
}
