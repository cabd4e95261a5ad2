//! `ab`: the baseline and the candidate run interleaved on one machine, so that both see the same
//! drift of a shared machine, and are compared pair by pair.
//!
//! Each side is a checkout (a directory, a git worktree made for a ref, or the current checkout with
//! its own variables) whose suites are loaded and set up on their own. Then rounds: in round `r`
//! the benchmarks go in a seeded random order ([`crate::run::round_order`]), and each runs one
//! process of each side back to back. Which side goes first is balanced in blocks of two rounds:
//! a seeded coin per block and benchmark picks the order of the block's first round, and its second
//! round runs the other way round. The second process of a pair tends to run faster than the first
//! (about 0.5% for a 1 ms process here: caches and the CPU's clock warmed by the first), and a coin
//! per round can put one side first 7 times in 8, which turns that order effect into a change of the
//! code under test; balanced blocks cancel it after every even round. Process `i` of both sides thus
//! comes from round `i`; both results files carry the
//! same `meta.pairing`, which makes compare pair them. A side whose process fails stops the
//! benchmark on both sides (the failure is recorded on the failing side), and on an interrupt the
//! two sides are cut to the same number of processes, so the pairs stay aligned.
//!
//! Without a budget every benchmark runs a fixed number of rounds. With one (per benchmark, or a
//! pool for the whole run), rounds go on until the sequential rule of [`sequential`] finds the
//! paired ratio decisive, or the budget is spent; each benchmark's end, with the rounds its noise
//! would need and the smallest change it resolves, is recorded in `meta.analysis.rounds`.
//!
//! A scenario whose process measures several benchmarks (a framework protocol) is interleaved as
//! one unit: a round runs one process of each side, and every benchmark both processes measured
//! is paired within the round. It is decided when each of them is; a benchmark only one side
//! measured is recorded on that side alone, which compare reports as missing or new.

pub mod sequential;
mod worktree;

pub use worktree::Worktree;

use crate::results::{
    metric, Analysis, BenchmarkResult, BenchmarkRounds, GitInfo, ResultsFile, SuiteInfo,
    ValuesChoice, SCHEMA,
};
use crate::run::{self, RunError, RunOptions, Step, Stepper};
use crate::stats::sides::Sides;
use crate::stats::values_per_process::{Process, ProcessNoise};
use crate::suite::{BenchmarkSpec, Protocol, SuiteError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sequential::{Look, Schedule, Spending};
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

/// The most values a process measures when `ab` chooses them: 20 values put the values' share of
/// a process's noise at a twentieth of one value's, past which more values buy little, while each
/// process then takes long enough that a budget buys few rounds for the signed-rank test.
pub const MOST_VALUES: u32 = 20;

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
                .filter_map(|b| run::select(b, plan.filter.as_ref()))
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
                    s.values_auto = false;
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
    /// Time per benchmark (both sides' processes); with neither budget, each benchmark's planned
    /// rounds.
    pub budget: Option<Duration>,
    /// Time for the whole run, a pool: once every benchmark had its first look, the time left goes
    /// to the undecided benchmarks, the one whose interval is widest against its threshold first.
    pub budget_total: Option<Duration>,
    /// Most rounds of a benchmark under a budget (default [`sequential::DEFAULT_MAX_ROUNDS`], more
    /// when rounds are cheap: [`sequential::cap_for_cheap_rounds`]).
    pub max_rounds: Option<u32>,
    /// Noise threshold of benchmarks that set none.
    pub noise_threshold: f64,
    /// Execution-time thresholds by benchmark key from the noise file the comparison will judge
    /// with (`slogate calibrate`'s): they take precedence, as in compare, so the rounds decide
    /// about the threshold the gate applies.
    pub noise_thresholds: BTreeMap<String, f64>,
    /// Nominal confidence (0.95); under a budget every look and the final comparison use
    /// [`Schedule::confidence`] of it.
    pub confidence: f64,
    /// Two-sided or one-sided tests, in the looks and the final comparison.
    pub sides: Sides,
}

impl AbOptions {
    /// Rounds go on until decisive (or out of time) rather than to a planned count.
    pub fn sequential(&self) -> bool {
        self.budget.is_some() || self.budget_total.is_some()
    }
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

impl Why {
    /// The word recorded in [`BenchmarkRounds::stopped`].
    pub fn word(&self) -> &'static str {
        match self {
            Why::Planned => "planned",
            Why::Decided(_) => "decided",
            Why::Budget => "budget",
            Why::TotalBudget => "total-budget",
            Why::MaxRounds => "max-rounds",
            Why::Failed(_) => "failed",
            Why::Interrupted => "interrupted",
        }
    }
}

/// What one benchmark did.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounds {
    pub key: String,
    pub rounds: u32,
    pub spent: Duration,
    pub why: Why,
    /// The paired execution-time ratio where the benchmark stopped (sequential runs with both
    /// sides and enough pairs for an interval).
    pub last: Option<Look>,
    /// Rounds predicted to be decisive about its threshold, from the pair spread seen.
    pub predicted: Option<u32>,
    /// The confidence of its last look, which its comparison uses (sequential runs).
    pub confidence: Option<f64>,
    /// The values per process chosen at its looks (pyperf benchmarks of `values = "auto"`).
    pub values: Vec<ValuesChoice>,
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
    pub fn analysis(&self) -> &Analysis {
        self.baseline
            .meta
            .analysis
            .as_ref()
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
    /// The latest look at the paired ratio.
    last: Option<Look>,
    /// The looks it took and the error they spent.
    spending: Spending,
    /// The confidence of its latest look: the one its final comparison uses.
    confidence: Option<f64>,
    /// Whether its values per process are chosen at its looks ([`choose_values`]).
    chooses_values: bool,
    /// Seconds each process of each side took, in order (None: its pyperf loops were not known
    /// before it ran, so it also ran pyperf's calibration, or the command fixes its own).
    seconds: [Vec<Option<f64>>; 2],
    /// The values per process chosen so far.
    choices: Vec<ValuesChoice>,
}

impl Entry {
    fn paired(&self) -> bool {
        self.sides.iter().all(Option::is_some)
    }

    /// A look after its rounds so far (`last`: no look follows); the look when it is decisive.
    /// A look its level cannot let decide still records where the benchmark stands, at the
    /// confidence a last look would have.
    fn take_look(&mut self, schedule: &Schedule, sides: Sides, last: bool) -> Option<Look> {
        let (confidence, counts) = match self.spending.look(schedule, self.rounds, last) {
            Some(c) => (c, true),
            None => (self.spending.peek(schedule, self.rounds), false),
        };
        self.confidence = Some(confidence);
        self.last = self.look(confidence, sides).or(self.last);
        self.last
            .filter(|l| counts && l.pairs == self.rounds && l.decisive(self.threshold, confidence))
    }

    /// The paired execution-time ratio of the rounds so far at `confidence`, `sides` tested: of
    /// the benchmark, or, for a scenario whose process measures several, of the least decided of
    /// them (one not decisive about the threshold, else the widest).
    fn look(&self, confidence: f64, sides: Sides) -> Option<Look> {
        let open = |l: &Look| !l.decisive(self.threshold, confidence);
        let width = |l: &Look| l.high.ln() - l.low.ln();
        self.looks(confidence, sides)
            .into_iter()
            .map(|(_, l)| l)
            .max_by(|a, b| {
                (open(a), width(a))
                    .partial_cmp(&(open(b), width(b)))
                    .unwrap()
            })
    }

    /// The paired execution-time ratio of each benchmark both sides measured, by key.
    fn looks(&self, confidence: f64, sides: Sides) -> Vec<(String, Look)> {
        let [Some(b), Some(c)] = &self.sides else {
            return Vec::new();
        };
        let times = |r: &BenchmarkResult| {
            r.metrics
                .get(metric::EXECUTION_TIME)
                .map(|m| m.processes.clone())
                .unwrap_or_default()
        };
        let pairs: Vec<(&BenchmarkResult, &BenchmarkResult)> =
            if b.parts().is_empty() && c.parts().is_empty() {
                vec![(b.result(), c.result())]
            } else {
                b.parts()
                    .iter()
                    .filter_map(|p| Some((p, c.parts().iter().find(|q| q.key == p.key)?)))
                    .collect()
            };
        pairs
            .into_iter()
            .filter_map(|(b, c)| {
                let look = sequential::paired_ratio(&times(b), &times(c), confidence, sides)?;
                Some((b.key.clone(), look))
            })
            .collect()
    }
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
    let mut max_rounds = opts
        .max_rounds
        .unwrap_or(sequential::DEFAULT_MAX_ROUNDS)
        .max(1);
    let mut schedule = Schedule::new(max_rounds, opts.confidence, opts.sides);
    let start = Instant::now();
    let out_of_time = || opts.budget_total.is_some_and(|t| start.elapsed() >= t);
    // The pool's time left, shared among the `open` undecided benchmarks.
    let pool_share = |open: usize| {
        opts.budget_total
            .map(|t| t.saturating_sub(start.elapsed()) / open.max(1) as u32)
    };
    // One more pair of the benchmark at `idx`, then its look when one is due, with `open` the
    // undecided benchmarks sharing the pool; false when the run must stop (a signal, or a pair
    // cut short). When the pool is spent it marks the benchmark instead of running it.
    let next_round =
        |e: &mut Entry, idx: usize, open: usize, schedule: &Schedule, max_rounds: u32| {
            if interrupt.load(Ordering::SeqCst) != 0 {
                return false;
            }
            if out_of_time() {
                e.why = Some(Why::TotalBudget);
                return true;
            }
            if !pair(e, candidate_first(opts.seed, e.rounds, idx), interrupt) {
                return false;
            }
            let share = pool_share(open);
            e.why = e
                .why
                .or_else(|| decide(e, opts, schedule, max_rounds, share));
            true
        };
    let mut round = 0u32;
    'rounds: while entries.iter().any(|e| e.why.is_none()) {
        // The pool: once every undecided benchmark had its first look, the rest of the time goes
        // to one benchmark at a time, up to its next look.
        let pool = opts.budget_total.is_some()
            && entries
                .iter()
                .all(|e| e.why.is_some() || e.rounds >= schedule.first());
        if pool {
            // A benchmark with one side has nothing to decide and gets no pool time.
            let needs: Vec<(usize, Need)> = (0..entries.len())
                .filter(|&i| entries[i].why.is_none() && entries[i].paired())
                .filter(|&i| schedule.next_look(entries[i].rounds).is_some())
                .map(|i| (i, Need::of(&entries[i])))
                .collect();
            let left = opts.budget_total.map_or(f64::INFINITY, |t| {
                t.saturating_sub(start.elapsed()).as_secs_f64()
            });
            let Some(idx) = neediest(&needs, left) else {
                // Only benchmarks with nothing to decide are left (one side).
                for e in entries.iter_mut().filter(|e| e.why.is_none()) {
                    e.why = Some(Why::Budget);
                }
                break;
            };
            let open = entries.iter().filter(|e| e.why.is_none()).count();
            let e = &mut entries[idx];
            let until = schedule.next_look(e.rounds).unwrap_or(max_rounds);
            while e.why.is_none() && e.rounds < until {
                if !next_round(e, idx, open, &schedule, max_rounds) {
                    break 'rounds;
                }
            }
            continue;
        }
        for idx in run::round_order(entries.len(), opts.seed, round) {
            let open = entries.iter().filter(|e| e.why.is_none()).count();
            let e = &mut entries[idx];
            if e.why.is_some() || (opts.budget_total.is_some() && e.rounds >= schedule.first()) {
                continue;
            }
            if !next_round(e, idx, open, &schedule, max_rounds) {
                break 'rounds;
            }
        }
        round += 1;
        // After every benchmark's first round, and before any look: cheap rounds get a cap
        // that spends the budget rather than stopping at the default.
        if let (1, None, Some(budget)) = (round, opts.max_rounds, opts.budget) {
            let slowest = entries.iter().map(|e| e.spent).max().unwrap_or_default();
            let cap = sequential::cap_for_cheap_rounds(slowest, budget);
            if cap != max_rounds && entries.iter().all(|e| e.rounds <= 1) {
                max_rounds = cap;
                schedule = Schedule::new(max_rounds, opts.confidence, opts.sides);
            }
        }
    }
    let interrupted = interrupt.load(Ordering::SeqCst) != 0;
    for e in &mut entries {
        if e.why.is_none() {
            e.why = Some(if out_of_time() {
                Why::TotalBudget
            } else {
                Why::Interrupted
            });
        }
    }
    if opts.sequential() {
        // A run ending between two looks (its pool spent, or interrupted) analyses each
        // benchmark where it stands, as its last look: when that is decisive, it is decided.
        for e in &mut entries {
            let behind = e.last.is_none_or(|l| l.pairs != e.rounds);
            if behind && !matches!(e.why, Some(Why::Decided(_))) && e.rounds > 0 {
                if let Some(look) = e.take_look(&schedule, opts.sides, true) {
                    if matches!(e.why, Some(Why::TotalBudget)) {
                        e.why = Some(Why::Decided(look));
                    }
                }
            }
        }
    }
    let analysis = Analysis {
        noise_threshold: opts.noise_threshold,
        confidence: opts.confidence,
        sides: opts.sides,
        rounds: Vec::new(),
    };
    Ok(finish(sides, entries, opts, interrupted, analysis))
}

/// Whether the candidate goes first in the benchmark at `idx`'s pair after `rounds` pairs: a
/// seeded coin per block of two rounds picks the block's first order, the second is the reverse.
fn candidate_first(seed: u64, rounds: u32, idx: usize) -> bool {
    let mut coins = ChaCha8Rng::seed_from_u64(seed ^ 0xc01f_11b5);
    coins.set_stream(u64::from(rounds / 2));
    let block = (0..=idx)
        .map(|_| coins.gen::<bool>())
        .last()
        .unwrap_or(false);
    block != (rounds % 2 == 1)
}

/// Runs one pair of `e` (candidate first when `flip`); false when interrupted.
fn pair(e: &mut Entry, flip: bool, interrupt: &AtomicUsize) -> bool {
    let t0 = Instant::now();
    let order = if flip { [1, 0] } else { [0, 1] };
    for s in order {
        let Some(stepper) = e.sides[s].as_mut() else {
            continue;
        };
        let calibrates = stepper.pyperf_loops().is_none();
        let started = Instant::now();
        match stepper.step(interrupt) {
            Step::Measured => {
                let took = started.elapsed().as_secs_f64();
                e.seconds[s].push((!calibrates).then_some(took));
            }
            // `--filter` kept none of the benchmarks this side's process measured: the side
            // has nothing to record.
            Step::Stopped if stepper.result().status == crate::results::Status::Ok => {
                e.sides[s] = None;
                if e.sides.iter().all(Option::is_none) {
                    e.why = Some(Why::Planned);
                }
                continue;
            }
            Step::Stopped => {
                e.why = Some(Why::Failed(LABELS[s]));
                break;
            }
            Step::Interrupted => return false,
        }
        // pyperf calibrates its loops once per benchmark: the first process's loops serve both
        // sides, so neither recalibrates and both measure the same loop.
        if let Some(loops) = e.sides[s].as_ref().and_then(Stepper::pyperf_loops) {
            if let Some(other) = e.sides[1 - s].as_mut() {
                other.share_pyperf_loops(loops);
            }
        }
    }
    e.spent += t0.elapsed();
    if e.why.is_none() {
        e.rounds += 1;
    }
    true
}

/// Where an undecided benchmark stands, for the pool.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Need {
    /// Half-width of its interval (in logs) over its threshold: how far from deciding it is.
    width: f64,
    /// Seconds its predicted rounds would still take (infinite: none predicted).
    cost: f64,
}

impl Need {
    fn of(e: &Entry) -> Need {
        let per_round = e.spent.as_secs_f64() / f64::from(e.rounds.max(1));
        let Some(l) = e.last else {
            return Need {
                width: f64::INFINITY,
                cost: f64::INFINITY,
            };
        };
        Need {
            width: (l.high.ln() - l.low.ln()) / 2.0 / e.threshold.max(1e-9),
            cost: l.predicted_rounds(e.threshold).map_or(f64::INFINITY, |n| {
                f64::from(n.saturating_sub(e.rounds)) * per_round
            }),
        }
    }
}

/// Which of `needs` (index, need) the pool's time goes to next, with `left` seconds left: the
/// widest interval against its threshold among those predicted to decide in the time left, else
/// the widest of all (it may still decide); None when `needs` is empty.
fn neediest(needs: &[(usize, Need)], left: f64) -> Option<usize> {
    let widest = |affordable_only: bool| {
        needs
            .iter()
            .filter(|(_, n)| !affordable_only || n.cost <= left)
            .max_by(|a, b| a.1.width.total_cmp(&b.1.width))
            .map(|(i, _)| *i)
    };
    widest(true).or_else(|| widest(false))
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
            threshold: opts
                .noise_thresholds
                .get(key)
                .copied()
                .or_else(|| present().find_map(|s| s.noise_threshold))
                .unwrap_or(opts.noise_threshold),
            planned: present().map(|s| s.processes).max().unwrap_or(1).max(1),
            rounds: 0,
            spent: Duration::ZERO,
            why: None,
            last: None,
            spending: Spending::default(),
            confidence: None,
            chooses_values: opts.sequential()
                && specs.iter().all(|s| {
                    s.is_some_and(|s| {
                        s.protocol == Protocol::Pyperf && s.values_auto && !s.simulate
                    })
                }),
            seconds: [Vec::new(), Vec::new()],
            choices: Vec::new(),
        });
    }
    Ok(entries)
}

/// After a round of `e`: whether it is done, and why. Records the look it took, if any, and at a
/// look after which it goes on, chooses its values per process for the rounds to come, with
/// `pool_left` the time left of `--budget-total` for each undecided benchmark.
fn decide(
    e: &mut Entry,
    opts: &AbOptions,
    schedule: &Schedule,
    max_rounds: u32,
    pool_left: Option<Duration>,
) -> Option<Why> {
    if !opts.sequential() {
        return (e.rounds >= e.planned).then_some(Why::Planned);
    }
    let first = schedule.first().min(max_rounds);
    let ending = if e.rounds >= max_rounds {
        Some(Why::MaxRounds)
    } else if e.rounds >= first && opts.budget.is_some_and(|b| e.spent >= b) {
        Some(Why::Budget)
    } else if e.rounds >= first && !e.paired() && opts.budget.is_none() {
        // One side only: nothing to decide, and no budget of its own to spend.
        Some(Why::TotalBudget)
    } else {
        None
    };
    if e.rounds >= first {
        if let Some(budget) = opts.budget {
            // The rounds its budget buys at the pace of its first rounds, with a quarter to
            // spare, fix what its looks' fractions are fractions of.
            let pace = e.spent.as_secs_f64() / f64::from(e.rounds.max(1));
            let fits = 1.25 * budget.as_secs_f64() / pace.max(1e-9);
            e.spending
                .plan(fits.clamp(f64::from(e.rounds), f64::from(max_rounds)) as u32);
        }
    }
    if schedule.is_look(e.rounds) || ending.is_some() {
        if let Some(look) = e.take_look(schedule, opts.sides, ending.is_some()) {
            return Some(Why::Decided(look));
        }
    }
    if ending.is_none() && schedule.is_look(e.rounds) {
        let left = [opts.budget.map(|b| b.saturating_sub(e.spent)), pool_left]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(Duration::MAX);
        choose_values(e, left.as_secs_f64(), opts.budget.is_some(), max_rounds);
    }
    ending
}

/// For a pyperf benchmark of `values = "auto"`, on both sides: the values per process of
/// the rounds to come, from the start-up cost, the cost of a value and the two levels of noise
/// its rounds so far show ([`ProcessNoise`]): the number, at most [`MOST_VALUES`], whose whole
/// rounds in the `left` seconds of its budget tell most (for a long budget, the narrowest interval
/// for the time). Both processes of every round measure alike, so every pair stays a pair
/// of like processes. Under an A/A comparison the choice, made from spreads and costs that
/// swapping the sides of any pair leaves unchanged, says nothing about which side is faster, and
/// the signed-rank test stays exact.
///
/// Under a per-benchmark budget the rounds it still buys change with the values, so the pairs
/// its looks are fractions of are planned anew as at its first look: the rounds so far and what
/// the budget `left` buys at the new cost, a quarter more.
fn choose_values(e: &mut Entry, left: f64, budgeted: bool, max_rounds: u32) {
    let [Some(b), Some(c)] = &e.sides else {
        return;
    };
    if !e.chooses_values || !b.parts().is_empty() || !c.parts().is_empty() {
        return;
    }
    // The loops both sides share: the cost of a value is its time per loop times the loops.
    let Some(loops) = b.pyperf_loops().filter(|l| c.pyperf_loops() == Some(*l)) else {
        return;
    };
    let times = |s: &Stepper| {
        s.result()
            .metrics
            .get(metric::EXECUTION_TIME)
            .filter(|m| m.unit == crate::units::Unit::Nanoseconds)
            .map(|m| m.processes.clone())
            .unwrap_or_default()
    };
    let (tb, tc) = (times(b), times(c));
    let process = |values, side: usize, i: usize| Process {
        values,
        seconds: e.seconds[side].get(i).copied().flatten(),
    };
    let pairs: Vec<(Process, Process)> = tb
        .iter()
        .zip(&tc)
        .enumerate()
        .map(|(i, (vb, vc))| (process(vb, 0, i), process(vc, 1, i)))
        .collect();
    let Some(noise) = ProcessNoise::estimate(&pairs, f64::from(loops) * 1e-9) else {
        return;
    };
    let values = noise.best_values(left, MOST_VALUES);
    for s in e.sides.iter_mut().flatten() {
        s.set_values(values);
    }
    if budgeted && left.is_finite() {
        let fits = f64::from(e.rounds) + 1.25 * left / noise.round_seconds(values).max(1e-9);
        e.spending
            .replan(fits.clamp(f64::from(e.rounds), f64::from(max_rounds)) as u32);
    }
    e.choices.push(ValuesChoice {
        from_round: e.rounds + 1,
        values,
        startup_seconds: noise.startup,
        value_seconds: noise.value,
        between_processes: noise.between,
        within_process: noise.within,
    });
}

/// The two results files: paired benchmarks cut to the same number of processes.
fn finish(
    sides: &[Side; 2],
    entries: Vec<Entry>,
    opts: &AbOptions,
    interrupted: bool,
    mut analysis: Analysis,
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
            seed: Some(opts.seed),
            keep_tmp: None,
            side: Some(side.label.to_string()),
            suites: side.suites.clone(),
            vars: side.vars.clone(),
            git: side.git.clone(),
        });
        meta.pairing = Some(pairing.clone());
        meta.ended_at = Some(now);
        meta.interrupted = interrupted;
        ResultsFile {
            schema: SCHEMA.into(),
            meta,
            benchmarks: Vec::new(),
        }
    });
    let mut rounds = Vec::with_capacity(entries.len());
    for mut e in entries {
        let pairs = match &e.sides {
            [Some(b), Some(c)] => Some(b.done().min(c.done())),
            _ => None,
        };
        if let Some(n) = pairs {
            for s in e.sides.iter_mut().flatten() {
                s.truncate(n as usize);
            }
        }
        let why = e.why.expect("every benchmark ends with a reason");
        let ended = |key: String, last: Option<Look>| Rounds {
            key,
            rounds: pairs.unwrap_or(e.rounds),
            spent: e.spent,
            why,
            last,
            predicted: last.and_then(|l| l.predicted_rounds(e.threshold)),
            confidence: e.confidence,
            values: e.choices.clone(),
        };
        let several = e.sides.iter().flatten().any(|s| !s.parts().is_empty());
        if several {
            // Each benchmark of the scenario ends where its own pairs stand.
            let looks = e.looks(e.confidence.unwrap_or(analysis.confidence), opts.sides);
            let mut keys: Vec<&str> = Vec::new();
            for s in e.sides.iter().flatten() {
                for p in s.parts() {
                    if !keys.contains(&p.key.as_str()) {
                        keys.push(&p.key);
                    }
                }
            }
            for key in keys {
                let last = looks.iter().find(|(k, _)| k == key).map(|(_, l)| *l);
                rounds.push(ended(key.to_string(), last));
            }
        } else if e.sides.iter().any(Option::is_some) {
            let (key, last) = (std::mem::take(&mut e.key), e.last);
            rounds.push(ended(key, last));
        }
        let [b, c] = e.sides;
        for (file, stepper) in files.iter_mut().zip([b, c]) {
            if let Some(s) = stepper {
                file.benchmarks.extend(s.finish());
            }
        }
    }
    if opts.sequential() {
        analysis.rounds = rounds
            .iter()
            .map(|r| BenchmarkRounds {
                key: r.key.clone(),
                rounds: r.rounds,
                seconds: r.spent.as_secs_f64(),
                stopped: r.why.word().to_string(),
                predicted_rounds: r.predicted,
                resolvable_change: r.last.map(|l| l.resolvable_change()),
                confidence: r.confidence,
                values_per_process: r.values.clone(),
            })
            .collect();
    }
    for file in &mut files {
        file.meta.analysis = Some(analysis.clone());
    }
    let [baseline, candidate] = files;
    Outcome {
        baseline,
        candidate,
        rounds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_goes_to_the_widest_interval_that_can_still_decide() {
        let need = |width, cost| Need { width, cost };
        let needs = [
            (0, need(3.0, 20.0)),
            (1, need(9.0, 500.0)),
            (2, need(5.0, 40.0)),
        ];
        // 60 s left: the third is the widest that its noise predicts to decide in time.
        assert_eq!(neediest(&needs, 60.0), Some(2));
        assert_eq!(neediest(&needs, 30.0), Some(0));
        // Nothing predicted to decide in time: the widest still gets the time.
        assert_eq!(neediest(&needs, 10.0), Some(1));
        assert_eq!(neediest(&needs, f64::INFINITY), Some(1));
        assert_eq!(neediest(&[], 60.0), None);
    }

    #[test]
    fn sides_go_first_equally_often_in_every_block_of_two_rounds() {
        let firsts: Vec<bool> = (0..64).map(|r| candidate_first(7, r, 3)).collect();
        assert_eq!(
            firsts,
            (0..64)
                .map(|r| candidate_first(7, r, 3))
                .collect::<Vec<_>>()
        );
        for block in firsts.chunks(2) {
            assert_ne!(block[0], block[1], "{firsts:?}");
        }
        // The blocks' orders are a seeded coin: they differ between seeds and benchmarks.
        let blocks = |seed, idx| {
            (0..64)
                .map(|r| candidate_first(seed, r, idx))
                .collect::<Vec<_>>()
        };
        assert_ne!(firsts, blocks(8, 3));
        assert_ne!(firsts, blocks(7, 2));
        let heads = firsts.iter().step_by(2).filter(|f| **f).count();
        assert!((8..=24).contains(&heads), "{heads} of 32 blocks");
    }
}
