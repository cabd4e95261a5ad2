//! Running benchmarks: rounds of processes in a seeded random order, each process under its
//! protocol, with timeouts, memory caps and interruption; the outcome is a results file.
//!
//! Round `r` runs process `r` of every benchmark, the benchmarks in a fresh random order, so that
//! drift of the machine spreads evenly over them. A benchmark that fails stops getting processes
//! while the others go on.
//!
//! A process may measure several benchmarks (a framework protocol, a pyperf script registering
//! several): the scenario-variant is then run as one unit, and each benchmark its first process
//! names is recorded as its own, keyed `<suite>/<scenario>/<name>[<variant>]` (the variant is the
//! scenario's, with the parameters of a parametrised test). Every later process must name the
//! same benchmarks, so that process `i` of each comes from the same process.

pub mod process;
pub mod protocol;
pub mod simulate;

use crate::results::{
    benchmark_key, metric, BenchmarkResult, GitInfo, Metadata, MetricSamples, ResultsFile, Status,
    SuiteInfo, SCHEMA,
};
use crate::suite::spec::TMP_PLACEHOLDER;
use crate::suite::{BenchmarkSpec, Protocol};
use crate::units::Unit;
use protocol::{Attempt, Job, Part, ProcessValues, Stop};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How a run is done, beyond what the specs say.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Seed of the benchmark order; a random one (recorded in the results) when absent.
    pub seed: Option<u64>,
    /// Keep each benchmark's `{tmp}` as `DIR/<key as a file name>/` instead of removing it.
    pub keep_tmp: Option<PathBuf>,
    /// Side label written into the metadata (`baseline`, `candidate`, ...).
    pub side: Option<String>,
    pub suites: Vec<SuiteInfo>,
    pub vars: BTreeMap<String, String>,
    pub git: Option<GitInfo>,
}

/// Changes to the plan of every benchmark (`--quick`, `--processes`, `--values`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides {
    /// One process, one value, no warmups.
    pub quick: bool,
    pub processes: Option<u32>,
    pub values: Option<u32>,
}

impl Overrides {
    pub fn apply(&self, spec: &mut BenchmarkSpec) {
        if let Some(p) = self.processes {
            spec.processes = p;
        }
        if let Some(v) = self.values {
            spec.values = v;
        }
        if self.quick {
            spec.processes = 1;
            spec.values = 1;
            spec.warmups = 0;
        }
    }
}

/// Hears about the run as it goes (a progress bar; `()` for nothing).
pub trait Progress {
    /// The number of processes the run will start, warmups included.
    fn start(&self, _total: u64) {}
    /// One process of `key` ended.
    fn advance(&self, _key: &str) {}
    /// `key` stopped getting processes.
    fn stopped(&self, _key: &str, _stop: &Stop) {}
    fn finish(&self) {}
}

impl Progress for () {}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("benchmark `{key}`: cannot create its temporary directory {path}: {source}")]
    TmpDir {
        key: String,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A benchmark's `{tmp}`: removed at the end of the run unless kept.
enum TmpDir {
    Removed(tempfile::TempDir),
    Kept(PathBuf),
}

impl TmpDir {
    fn path(&self) -> &Path {
        match self {
            TmpDir::Removed(t) => t.path(),
            TmpDir::Kept(p) => p,
        }
    }
}

/// A benchmark being run.
struct Bench {
    spec: BenchmarkSpec,
    result: BenchmarkResult,
    argv: Vec<String>,
    env: BTreeMap<String, String>,
    /// Held for its lifetime: the directory goes when the benchmark is done.
    tmp: Option<TmpDir>,
    scratch: Option<tempfile::TempDir>,
    warmed: bool,
    active: bool,
    /// pyperf's loops per value, once calibrated: later processes pass `--loops` and skip the
    /// calibration worker.
    pyperf_loops: Cell<Option<u32>>,
    /// The benchmarks a process of the scenario measures, when it measures several: named by the
    /// first process, in its order. Empty for a scenario that is one benchmark, and until then.
    parts: Vec<BenchmarkResult>,
    /// The spec's `filter`, compiled.
    filter: Option<regex::Regex>,
}

impl Bench {
    fn new(spec: BenchmarkSpec, result: BenchmarkResult, parts: Vec<BenchmarkResult>) -> Bench {
        // The filter was a valid `--filter` regex when it was put there.
        let filter = spec
            .filter
            .as_deref()
            .and_then(|f| regex::Regex::new(f).ok());
        Bench {
            spec,
            result,
            argv: Vec::new(),
            env: BTreeMap::new(),
            tmp: None,
            scratch: None,
            warmed: false,
            active: true,
            pyperf_loops: Cell::new(None),
            parts,
            filter,
        }
    }

    fn done(&self) -> u32 {
        match self.parts.first() {
            Some(part) => part_processes(part),
            None => done_processes(&self.result),
        }
    }

    fn stop(&mut self, stop: Stop) {
        for r in std::iter::once(&mut self.result).chain(&mut self.parts) {
            r.status = stop.status;
            r.reason = Some(stop.reason.clone());
            r.stderr_tail = stop.stderr_tail.clone();
            r.oom = stop.oom;
        }
        self.active = false;
        self.tmp = None;
        self.scratch = None;
    }

    /// Appends one process's values of the scenario's one benchmark.
    fn record(&mut self, values: ProcessValues) -> Result<(), String> {
        if !self.parts.is_empty() {
            return Err(format!(
                "this process measured one benchmark, the first measured {}",
                self.parts.len()
            ));
        }
        append(&mut self.result, values);
        Ok(())
    }

    /// Appends one process's values of each benchmark it measured: the first process names
    /// them (those `--filter` keeps), every later one must measure the same.
    fn record_parts(&mut self, parts: Vec<Part>) -> Result<(), String> {
        let mut keyed: Vec<(String, Part)> = Vec::with_capacity(parts.len());
        for p in parts {
            let key = part_key(&self.spec, &p);
            if keyed.iter().any(|(k, _)| *k == key) {
                return Err(format!("the process measured `{key}` twice"));
            }
            if self.filter.as_ref().is_none_or(|f| f.is_match(&key)) {
                keyed.push((key, p));
            }
        }
        if self.done() == 0 {
            if !self.parts.is_empty() || done_processes(&self.result) > 0 {
                return Err("this process measured several benchmarks, the first one".into());
            }
            self.parts = keyed
                .iter()
                .map(|(key, p)| {
                    let mut r = fresh_result(&self.spec);
                    r.key = key.clone();
                    r.scenario = format!("{}/{}", self.spec.scenario, p.scenario);
                    r.variant = part_variant(&self.spec, p);
                    r
                })
                .collect();
        }
        let missing: Vec<&str> = self
            .parts
            .iter()
            .filter(|r| !keyed.iter().any(|(k, _)| *k == r.key))
            .map(|r| r.key.as_str())
            .collect();
        let new: Vec<&str> = keyed
            .iter()
            .filter(|(k, _)| !self.parts.iter().any(|r| r.key == *k))
            .map(|(k, _)| k.as_str())
            .collect();
        if !missing.is_empty() || !new.is_empty() {
            let list = |keys: &[&str]| {
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(", ")
                }
            };
            return Err(format!(
                "process {} did not measure the benchmarks of the first: missing {}; new {}",
                self.done() + 1,
                list(&missing),
                list(&new)
            ));
        }
        for (key, p) in keyed {
            if let Some(r) = self.parts.iter_mut().find(|r| r.key == key) {
                append(r, p.values);
            }
        }
        Ok(())
    }

    /// Whether the scenario measured several benchmarks and `--filter` kept none of them:
    /// there is nothing to record, and nothing more to run.
    fn filtered_out(&self) -> bool {
        self.filter.is_some() && self.parts.is_empty() && self.done() == 0 && !self.active
    }

    /// What the results file records: the scenario's benchmark, or each benchmark its process
    /// measured.
    fn into_results(self) -> Vec<BenchmarkResult> {
        if self.filtered_out() && self.result.status == Status::Ok {
            Vec::new()
        } else if self.parts.is_empty() {
            vec![self.result]
        } else {
            self.parts
        }
    }
}

/// Appends one process's values to `r`, a metric at a time.
fn append(r: &mut BenchmarkResult, values: ProcessValues) {
    for (name, (unit, vs)) in values {
        r.metrics
            .entry(name)
            .or_insert_with(|| MetricSamples {
                // Rates (throughput, a tool's `*_per_second` counters) are better higher.
                higher_is_better: unit == Unit::PerSecond,
                ..MetricSamples::new(unit)
            })
            .processes
            .push(vs);
    }
}

/// The key of a benchmark a process of `spec` measured: `<suite>/<scenario>/<name>`, with the
/// scenario's variant and the benchmark's own parameters.
fn part_key(spec: &BenchmarkSpec, p: &Part) -> String {
    benchmark_key(
        &spec.suite,
        &format!("{}/{}", spec.scenario, p.scenario),
        &part_variant(spec, p),
    )
}

/// The scenario's variant with the benchmark's own parameters (the scenario's win a clash).
fn part_variant(spec: &BenchmarkSpec, p: &Part) -> BTreeMap<String, String> {
    let mut variant = p.variant.clone();
    variant.extend(spec.variant.clone());
    variant
}

/// Whether the benchmark of `suite`, `scenario` and `variant` is one of those a process of `spec`
/// measures (a part: a file to resume, a benchmark to profile).
pub fn is_part_of(
    spec: &BenchmarkSpec,
    suite: &str,
    scenario: &str,
    variant: &BTreeMap<String, String>,
) -> bool {
    spec.protocol.yields_many()
        && suite == spec.suite
        && scenario.starts_with(&format!("{}/", spec.scenario))
        && spec.variant.iter().all(|(k, v)| variant.get(k) == Some(v))
}

/// Processes recorded for a part: every part has its process's `max_rss_usage`.
fn part_processes(r: &BenchmarkResult) -> u32 {
    r.metrics
        .get(metric::MAX_RSS_USAGE)
        .map_or(0, |m| m.processes.len() as u32)
}

/// The spec to run for `--filter`, or None when the filter leaves it out. A scenario whose
/// process names its benchmarks (see [`Protocol::yields_many`]) whose own key the filter does
/// not match is kept with the filter, which then chooses among the benchmarks it measures.
pub fn select(spec: &BenchmarkSpec, filter: Option<&regex::Regex>) -> Option<BenchmarkSpec> {
    match filter {
        None => Some(spec.clone()),
        Some(f) if f.is_match(&spec.key) => Some(spec.clone()),
        Some(f)
            if spec.protocol.yields_many()
                && may_match_after(f.as_str(), &format!("{}/{}/", spec.suite, spec.scenario)) =>
        {
            Some(BenchmarkSpec {
                filter: Some(f.as_str().to_string()),
                ..spec.clone()
            })
        }
        Some(_) => None,
    }
}

/// Whether `pattern` may match (anywhere, as `Regex::is_match`) some text that starts with
/// `prefix`: false only when its lazy DFA dies while reading `prefix` without having matched, so
/// that no benchmark key under it can match (`^other/` after `suite/scenario/`). A pattern the
/// lazy DFA cannot build (a Unicode word boundary), or a byte it gives up on, may match.
fn may_match_after(pattern: &str, prefix: &str) -> bool {
    use regex_automata::hybrid::dfa::DFA;
    let Ok(dfa) = DFA::new(pattern) else {
        return true;
    };
    let mut cache = dfa.create_cache();
    let input = regex_automata::Input::new(prefix);
    let Ok(mut state) = dfa.start_state_forward(&mut cache, &input) else {
        return true;
    };
    for &byte in prefix.as_bytes() {
        // A match state is reported one byte late; it never turns dead without being seen here.
        if state.is_match() || state.is_quit() {
            return true;
        }
        match dfa.next_state(&mut cache, state, byte) {
            Ok(next) if next.is_dead() => return false,
            Ok(next) => state = next,
            Err(_) => return true,
        }
    }
    true
}

/// The word a tool's own filter may take for `filter`: a plain word (letters, digits, `_`)
/// matches the same names as a substring in every tool's filter; anything else is applied only
/// to the keys read back.
fn name_filter(filter: Option<&str>) -> Option<&str> {
    filter.filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

fn done_processes(r: &BenchmarkResult) -> u32 {
    r.metrics
        .get(metric::EXECUTION_TIME)
        .map_or(0, |m| m.processes.len() as u32)
}

/// Runs `specs` and returns the results. With `previous` (a results file of an interrupted run),
/// only the processes it lacks are run and its metadata is kept. `interrupt` holds the number of
/// a signal received (0: none): running processes are killed and the results so far returned,
/// with `meta.interrupted` set.
pub fn run(
    specs: &[BenchmarkSpec],
    opts: &RunOptions,
    previous: Option<ResultsFile>,
    interrupt: &AtomicUsize,
    progress: &dyn Progress,
) -> Result<ResultsFile, RunError> {
    let (mut meta, mut old) = match previous {
        Some(prev) => (prev.meta, prev.benchmarks),
        None => (new_metadata(opts), Vec::new()),
    };
    let seed = meta.seed;
    let mut benches = Vec::with_capacity(specs.len());
    for spec in specs {
        let result = match old.iter().position(|b| b.key == spec.key) {
            Some(i) => old.remove(i),
            None => fresh_result(spec),
        };
        let (parts, rest): (Vec<_>, Vec<_>) = old
            .into_iter()
            .partition(|r| is_part_of(spec, &r.suite, &r.scenario, &r.variant));
        old = rest;
        let first = parts.first().unwrap_or(&result);
        let spec = resumed_spec(spec, first);
        let mut bench = Bench::new(spec, result, parts);
        let status = bench.parts.first().unwrap_or(&bench.result).status;
        bench.active = status == Status::Ok && bench.done() < bench.result.planned_processes;
        let active = bench.active;
        if active {
            prepare(&mut bench, opts.keep_tmp.as_deref())?;
        }
        benches.push(bench);
    }

    let total: u64 = benches
        .iter()
        .filter(|b| b.active)
        .map(|b| {
            let warm = if warms_up(&b.spec) { b.spec.warmups } else { 0 };
            u64::from(b.result.planned_processes - b.done() + warm)
        })
        .sum();
    progress.start(total);
    let rounds = benches
        .iter()
        .map(|b| b.result.planned_processes)
        .max()
        .unwrap_or(0);
    'rounds: for round in 0..rounds {
        for idx in round_order(benches.len(), seed, round) {
            let b = &mut benches[idx];
            if !b.active || b.done() > round {
                continue;
            }
            if interrupt.load(Ordering::SeqCst) != 0 {
                break 'rounds;
            }
            match step(b, interrupt, progress) {
                Step::Measured => {
                    if b.done() >= b.result.planned_processes {
                        b.active = false;
                        b.tmp = None;
                        b.scratch = None;
                    }
                }
                Step::Stopped => {}
                Step::Interrupted => break 'rounds,
            }
        }
    }
    progress.finish();

    meta.ended_at = Some(chrono::Utc::now());
    meta.interrupted = interrupt.load(Ordering::SeqCst) != 0;
    let mut benchmarks: Vec<BenchmarkResult> =
        benches.into_iter().flat_map(Bench::into_results).collect();
    // Benchmarks of the previous file that no suite names any more are kept as they were.
    benchmarks.extend(old);
    Ok(ResultsFile {
        schema: SCHEMA.into(),
        meta,
        benchmarks,
    })
}

/// What became of one step of a benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// One more process measured.
    Measured,
    /// The benchmark failed and gets no more processes (status and reason are in its result).
    Stopped,
    /// The run was interrupted; the process's values are discarded.
    Interrupted,
}

/// One process of `b` (after its warmup processes, the first time): its values appended to the
/// result, or the benchmark stopped.
fn step(b: &mut Bench, interrupt: &AtomicUsize, progress: &dyn Progress) -> Step {
    if !b.warmed && warms_up(&b.spec) {
        b.warmed = true;
        for w in 0..b.spec.warmups {
            match attempt(b, u32::MAX - w, interrupt) {
                Attempt::Measured(_) | Attempt::MeasuredMany(_) => progress.advance(&b.spec.key),
                Attempt::Stopped(stop) => {
                    progress.stopped(&b.spec.key, &stop);
                    b.stop(stop);
                    return Step::Stopped;
                }
                Attempt::Interrupted(_) => return Step::Interrupted,
            }
        }
    }
    let index = b.done();
    let recorded = match attempt(b, index, interrupt) {
        Attempt::Measured(values) => b.record(values),
        Attempt::MeasuredMany(parts) => b.record_parts(parts),
        Attempt::Stopped(stop) => {
            progress.stopped(&b.spec.key, &stop);
            b.stop(stop);
            return Step::Stopped;
        }
        Attempt::Interrupted(_) => return Step::Interrupted,
    };
    match recorded {
        Ok(()) if b.filter.is_some() && b.parts.is_empty() => {
            // `--filter` kept none of the benchmarks the process measured.
            b.active = false;
            b.tmp = None;
            b.scratch = None;
            progress.advance(&b.spec.key);
            Step::Stopped
        }
        Ok(()) => {
            progress.advance(&b.spec.key);
            Step::Measured
        }
        Err(reason) => {
            let stop = Stop {
                status: Status::Failed,
                reason,
                stderr_tail: None,
                oom: None,
            };
            progress.stopped(&b.spec.key, &stop);
            b.stop(stop);
            Step::Stopped
        }
    }
}

/// One benchmark run one process at a time, for a caller that schedules processes itself (`ab`
/// interleaves two sides). Holds the benchmark's `{tmp}` until it is finished or stopped.
pub struct Stepper(Bench);

impl Stepper {
    pub fn new(spec: &BenchmarkSpec, keep_tmp: Option<&Path>) -> Result<Stepper, RunError> {
        let mut bench = Bench::new(spec.clone(), fresh_result(spec), Vec::new());
        prepare(&mut bench, keep_tmp)?;
        Ok(Stepper(bench))
    }

    /// Runs one process (its warmups first, the first time). Only while [`Stepper::active`].
    pub fn step(&mut self, interrupt: &AtomicUsize) -> Step {
        debug_assert!(self.0.active, "a stopped benchmark takes no steps");
        step(&mut self.0, interrupt, &())
    }

    /// False once the benchmark failed or was stopped.
    pub fn active(&self) -> bool {
        self.0.active
    }

    /// Stops the benchmark with this status and reason (its other side failed, ...).
    pub fn stop(&mut self, stop: Stop) {
        self.0.stop(stop);
    }

    /// The scenario's result: its one benchmark's values, or, for a scenario whose process
    /// measures several, its status (see [`Stepper::parts`] for their values).
    pub fn result(&self) -> &BenchmarkResult {
        &self.0.result
    }

    /// The benchmarks the scenario's process measured, when it measures several (else empty).
    pub fn parts(&self) -> &[BenchmarkResult] {
        &self.0.parts
    }

    /// Processes run so far.
    pub fn done(&self) -> u32 {
        self.0.done()
    }

    /// pyperf's loops per value once a process calibrated them (pyperf benchmarks only).
    pub fn pyperf_loops(&self) -> Option<u32> {
        self.0.pyperf_loops.get()
    }

    /// Makes later processes run `loops` loops per value, unless loops are already set: `ab`
    /// gives both sides the loops the first process calibrated.
    pub fn share_pyperf_loops(&mut self, loops: u32) {
        if self.0.pyperf_loops.get().is_none() {
            self.0.pyperf_loops.set(Some(loops));
        }
    }

    /// Makes later processes measure `values` values each: `ab` chooses them for a pyperf
    /// benchmark of `values = "auto"`, both sides alike.
    pub fn set_values(&mut self, values: u32) {
        self.0.spec.values = values.max(1);
    }

    /// Keeps the first `processes` processes of every metric (`ab` keeps its sides paired).
    pub fn truncate(&mut self, processes: usize) {
        let b = &mut self.0;
        for r in std::iter::once(&mut b.result).chain(&mut b.parts) {
            for m in r.metrics.values_mut() {
                m.processes.truncate(processes);
            }
        }
    }

    /// The results (the scenario's benchmark, or each its process measured), their plan set to
    /// the processes done: a stepped benchmark has no plan of its own.
    pub fn finish(self) -> Vec<BenchmarkResult> {
        let done = self.0.done();
        let mut results = self.0.into_results();
        for r in &mut results {
            r.planned_processes = done;
        }
        results
    }
}

/// Registers SIGINT and SIGTERM: the first stores its number in the returned flag (the runner
/// then stops cleanly), a second ends the harness at once with 128 + its number.
pub fn interrupt_flag() -> std::io::Result<std::sync::Arc<AtomicUsize>> {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    let signal = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, seen.clone())?;
        signal_hook::flag::register(sig, seen.clone())?;
        signal_hook::flag::register_usize(sig, signal.clone(), sig as usize)?;
    }
    Ok(signal)
}

fn attempt(b: &Bench, index: u32, interrupt: &AtomicUsize) -> Attempt {
    let scratch = b
        .scratch
        .as_ref()
        .expect("active benchmark has a scratch directory");
    let job = Job {
        spec: &b.spec,
        argv: &b.argv,
        env: &b.env,
        scratch: scratch.path(),
        index,
        pyperf_loops: &b.pyperf_loops,
        name_filter: name_filter(b.spec.filter.as_deref()),
    };
    // The simulator counts one benchmark's process: a process that measures several would
    // give each the counts of all.
    let several = || Stop {
        status: Status::Failed,
        reason: "a process that measures several benchmarks cannot run under the simulator \
                 (--simulate)"
            .into(),
        stderr_tail: None,
        oom: None,
    };
    if !b.spec.simulate {
        return protocol::measure(&job, interrupt);
    }
    if b.spec.protocol.yields_many() && b.spec.protocol != Protocol::Pyperf {
        return Attempt::Stopped(several());
    }
    match simulate::measure(&job, interrupt) {
        Attempt::MeasuredMany(_) => Attempt::Stopped(several()),
        attempt => attempt,
    }
}

/// Whether whole warmup processes precede the measured ones: for the `process` protocol, unless
/// simulated (the simulator's counts need no warm machine).
fn warms_up(spec: &BenchmarkSpec) -> bool {
    spec.protocol == Protocol::Process && !spec.simulate
}

/// Creates the benchmark's `{tmp}` and scratch directories and fills `{tmp}` into its command.
fn prepare(b: &mut Bench, keep_tmp: Option<&Path>) -> Result<(), RunError> {
    let key = &b.spec.key;
    let io_err = |path: PathBuf| {
        let key = key.clone();
        move |source| RunError::TmpDir { key, path, source }
    };
    let tmp = match keep_tmp {
        Some(dir) => {
            let path = dir.join(file_name_of_key(key));
            std::fs::create_dir_all(&path).map_err(io_err(path.clone()))?;
            TmpDir::Kept(path)
        }
        None => TmpDir::Removed(
            tempfile::Builder::new()
                .prefix("slogate-tmp-")
                .tempdir()
                .map_err(io_err(std::env::temp_dir()))?,
        ),
    };
    let scratch = tempfile::Builder::new()
        .prefix("slogate-scratch-")
        .tempdir()
        .map_err(io_err(std::env::temp_dir()))?;
    let t = tmp.path().display().to_string();
    b.argv = b
        .spec
        .command
        .iter()
        .map(|a| a.replace(TMP_PLACEHOLDER, &t))
        .collect();
    b.env = b
        .spec
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.replace(TMP_PLACEHOLDER, &t)))
        .collect();
    b.tmp = Some(tmp);
    b.scratch = Some(scratch);
    Ok(())
}

/// A benchmark key as one safe file name: `s/x[p=on]` becomes `s_x_p=on_`.
pub fn file_name_of_key(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '=' | ',') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The order of the benchmarks in round `round`: a shuffle seeded by the run's seed, one stream
/// per round, so a resumed run repeats the order of the run it completes.
pub fn round_order(n: usize, seed: u64, round: u32) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from(round));
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    order
}

/// The spec to go on with: a benchmark resumed after its first process keeps the number of
/// values per process it was started with, whatever the overrides of this invocation say.
fn resumed_spec(spec: &BenchmarkSpec, result: &BenchmarkResult) -> BenchmarkSpec {
    let mut spec = spec.clone();
    let first = result
        .metrics
        .get(metric::EXECUTION_TIME)
        .and_then(|m| m.processes.first());
    if let (Some(first), true) = (first, spec.protocol != Protocol::Process) {
        spec.values = first.len() as u32;
    }
    spec
}

fn fresh_result(spec: &BenchmarkSpec) -> BenchmarkResult {
    BenchmarkResult {
        key: spec.key.clone(),
        suite: spec.suite.clone(),
        scenario: spec.scenario.clone(),
        variant: spec.variant.clone(),
        status: Status::Ok,
        reason: None,
        stderr_tail: None,
        oom: None,
        planned_processes: spec.processes,
        thresholds: spec.thresholds.clone(),
        overhead: spec.overhead.clone(),
        noise_threshold: spec.noise_threshold,
        metrics: BTreeMap::new(),
    }
}

/// Fresh metadata for a run described by `opts` (a new run id, this machine, the seed).
pub fn new_metadata(opts: &RunOptions) -> Metadata {
    let started_at = chrono::Utc::now();
    Metadata {
        harness_version: env!("CARGO_PKG_VERSION").into(),
        run_id: format!(
            "{}-{:016x}",
            started_at.format("%Y%m%dT%H%M%SZ"),
            rand::random::<u64>()
        ),
        started_at,
        ended_at: None,
        side: opts.side.clone(),
        git: opts.git.clone(),
        machine: crate::system::machine(),
        suites: opts.suites.clone(),
        vars: opts.vars.clone(),
        seed: opts.seed.unwrap_or_else(rand::random),
        interrupted: false,
        shard: None,
        pairing: None,
        analysis: None,
        noise: None,
        import: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_order_other_seed_other_order() {
        let a = round_order(20, 7, 0);
        assert_eq!(a, round_order(20, 7, 0));
        assert_ne!(a, round_order(20, 8, 0));
        assert_ne!(a, round_order(20, 7, 1), "each round has its own order");
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn quick_overrides_everything() {
        let mut spec = crate::run::tests::spec("s/a", &["true"]);
        Overrides {
            quick: true,
            processes: Some(9),
            values: Some(9),
        }
        .apply(&mut spec);
        assert_eq!((spec.processes, spec.values, spec.warmups), (1, 1, 0));
    }

    #[test]
    fn resumed_benchmarks_keep_their_values_per_process() {
        let mut s = spec("s/a", &["true"]);
        s.protocol = Protocol::Samples;
        let mut r = fresh_result(&s);
        assert_eq!(resumed_spec(&s, &r).values, 2);
        let mut m = MetricSamples::new(crate::units::Unit::Nanoseconds);
        m.processes = vec![vec![1.0; 5]];
        r.metrics.insert(metric::EXECUTION_TIME.into(), m);
        assert_eq!(resumed_spec(&s, &r).values, 5);
    }

    #[test]
    fn a_stepper_runs_one_process_at_a_time() {
        let flag = AtomicUsize::new(0);
        let mut s = Stepper::new(&spec("s/a", &["true"]), None).unwrap();
        assert_eq!(s.step(&flag), Step::Measured);
        assert_eq!(s.step(&flag), Step::Measured);
        assert_eq!(done_processes(s.result()), 2, "the warmup is not kept");
        s.truncate(1);
        let r = s.finish().remove(0);
        assert_eq!((done_processes(&r), r.planned_processes), (1, 1));
        assert_eq!(r.metrics[metric::MAX_RSS_USAGE].processes.len(), 1);
        let mut bad = Stepper::new(&spec("s/b", &["false"]), None).unwrap();
        assert_eq!(bad.step(&flag), Step::Stopped);
        assert!(!bad.active());
        assert_eq!(bad.finish()[0].status, Status::Failed);
    }

    /// A scenario of the google-benchmark protocol whose "binary" is a shell script writing the
    /// JSON the tool would (`--benchmark_out=FILE` is its first argument): `BM_B` is left out
    /// by processes whose marker file in `{tmp}` says so.
    fn several(key: &str) -> BenchmarkSpec {
        let script = r#"out="${1#--benchmark_out=}"; n=$(ls {tmp} | grep -c '^p'); touch {tmp}/p$n
            b='{"name":"BM_B/8","run_name":"BM_B/8","run_type":"iteration","iterations":1,"real_time":7,"cpu_time":7,"time_unit":"ns"}'
            [ -e {tmp}/drop$n ] && b='{"name":"BM_C","run_name":"BM_C","run_type":"iteration","iterations":1,"real_time":7,"cpu_time":7,"time_unit":"ns"}'
            echo '{"context":{},"benchmarks":[{"name":"BM_A","run_name":"BM_A","run_type":"iteration","iterations":1,"real_time":5,"cpu_time":5,"time_unit":"ns"},'"$b"']}' > "$out""#;
        let mut s = spec(key, &["sh", "-c", script, "sh"]);
        s.protocol = Protocol::GoogleBenchmark;
        s.scenario = "gb".into();
        s.variant.insert("k".into(), "1".into());
        s
    }

    #[test]
    fn a_process_may_measure_several_benchmarks() {
        let r = run(
            &[several("s/gb[k=1]")],
            &RunOptions::default(),
            None,
            &AtomicUsize::new(0),
            &(),
        )
        .unwrap();
        let keys: Vec<&str> = r.benchmarks.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["s/gb/BM_A[k=1]", "s/gb/BM_B/8[k=1]"]);
        for b in &r.benchmarks {
            assert_eq!(b.status, Status::Ok, "{:?}", b.reason);
            assert_eq!(b.metrics[metric::EXECUTION_TIME].processes.len(), 3);
            assert_eq!(b.metrics[metric::MAX_RSS_USAGE].processes.len(), 3);
        }
        assert_eq!(
            r.benchmarks[1].metrics[metric::EXECUTION_TIME].processes[0],
            vec![7.0]
        );
    }

    #[test]
    fn every_process_must_measure_the_benchmarks_of_the_first() {
        let keep = tempfile::tempdir().unwrap();
        let opts = RunOptions {
            keep_tmp: Some(keep.path().to_path_buf()),
            ..RunOptions::default()
        };
        let tmp = keep.path().join(file_name_of_key("s/gb"));
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(tmp.join("drop1"), "").unwrap();
        let mut s = several("s/gb");
        s.variant.clear();
        let r = run(&[s], &opts, None, &AtomicUsize::new(0), &()).unwrap();
        assert_eq!(r.benchmarks.len(), 2);
        for b in &r.benchmarks {
            assert_eq!(b.status, Status::Failed);
            let reason = b.reason.as_deref().unwrap();
            assert!(
                reason.contains("process 2") && reason.contains("missing s/gb/BM_B/8"),
                "{reason}"
            );
            assert!(reason.contains("new s/gb/BM_C"), "{reason}");
            assert_eq!(b.metrics[metric::EXECUTION_TIME].processes.len(), 1);
        }
    }

    #[test]
    fn a_filter_chooses_among_the_benchmarks_a_process_measures() {
        let f = regex::Regex::new("BM_B").unwrap();
        let mut s = several("s/gb");
        s.variant.clear();
        let chosen = select(&s, Some(&f)).unwrap();
        assert_eq!(chosen.filter.as_deref(), Some("BM_B"));
        assert!(select(&spec("s/x", &["true"]), Some(&f)).is_none());
        let whole = select(&s, Some(&regex::Regex::new("s/gb").unwrap())).unwrap();
        assert_eq!(whole.filter, None);
        let r = run(
            &[chosen],
            &RunOptions::default(),
            None,
            &AtomicUsize::new(0),
            &(),
        )
        .unwrap();
        let keys: Vec<&str> = r.benchmarks.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["s/gb/BM_B/8"]);
        let none = select(&s, Some(&regex::Regex::new("BM_Z").unwrap())).unwrap();
        let r = run(
            &[none],
            &RunOptions::default(),
            None,
            &AtomicUsize::new(0),
            &(),
        )
        .unwrap();
        assert!(r.benchmarks.is_empty(), "{:?}", r.benchmarks);
        // A filter no key under `s/gb/` can match costs no process.
        assert!(select(&s, Some(&regex::Regex::new("^other/").unwrap())).is_none());
        assert!(select(&s, Some(&regex::Regex::new("^s/gb/BM_[AB]").unwrap())).is_some());
        assert_eq!(name_filter(Some("BM_B")), Some("BM_B"));
        assert_eq!(name_filter(Some("s/gb/BM_B")), None);
    }

    #[test]
    fn a_filter_that_cannot_match_under_a_prefix_is_known() {
        let prefix = "shop/all/";
        for (pattern, may) in [
            ("^other/", false),
            ("^shop/x", false),
            ("^shop/all/test_a$", true),
            ("^shop", true),
            ("^shop$", false),
            ("test_a", true),
            ("", true),
            ("(?i)^SHOP/ALL", true),
            // A Unicode word boundary: no lazy DFA, so it may match.
            (r"^shop/other\b", true),
            (r"^shop/other(?-u:\b)", false),
        ] {
            assert_eq!(may_match_after(pattern, prefix), may, "{pattern}");
            if !may {
                let r = regex::Regex::new(pattern).unwrap();
                assert!(!r.is_match("shop/all/test_a[n=1]"), "{pattern}");
            }
        }
    }

    #[test]
    fn keys_become_file_names() {
        assert_eq!(file_name_of_key("s/x[p=on,f=10]"), "s_x_p=on,f=10_");
        assert_eq!(file_name_of_key("../../etc"), ".._.._etc");
    }

    pub fn spec(key: &str, argv: &[&str]) -> BenchmarkSpec {
        BenchmarkSpec::of(key, argv)
    }

    #[test]
    fn failing_benchmark_stops_others_go_on() {
        let specs = vec![
            spec("s/ok", &["true"]),
            spec("s/bad", &["sh", "-c", "echo boom >&2; exit 3"]),
        ];
        let r = run(
            &specs,
            &RunOptions::default(),
            None,
            &AtomicUsize::new(0),
            &(),
        )
        .unwrap();
        let ok = r.benchmark("s/ok").unwrap();
        assert_eq!(ok.status, Status::Ok);
        assert_eq!(ok.metrics[metric::EXECUTION_TIME].processes.len(), 3);
        assert_eq!(ok.metrics[metric::MAX_RSS_USAGE].processes.len(), 3);
        let bad = r.benchmark("s/bad").unwrap();
        assert_eq!(bad.status, Status::Failed);
        assert_eq!(bad.reason.as_deref(), Some("exit code 3"));
        assert_eq!(bad.stderr_tail.as_deref(), Some("boom"));
        assert!(!r.meta.interrupted);
    }
}
