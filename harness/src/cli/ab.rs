//! `slogate ab`: baseline and candidate run interleaved on this machine, then compared pair by pair.

use super::verdict::{report_and_gate, ReportArgs};
use anyhow::Context;
use slogate::ab::{self, AbOptions, Outcome, Plan, Side, Why, Worktree, LABELS};
use slogate::suite::parse_var;
use slogate::units::{format_auto, parse_duration, Unit};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The noise threshold of a sequential `ab` (under a budget) when none is given: with sequential
/// sampling the paired interval narrows until it can tell a 1% change on a shared 2-core machine
/// within a minute (README, "Measurement quality"); with a fixed number of rounds compare's 5%
/// stands.
const BUDGET_NOISE_THRESHOLD: f64 = 0.01;

/// The time per benchmark of `ab` without `--budget`, `--budget-total`, `--processes` or
/// `--quick`: rounds go on until the verdict is decisive, for at most this long.
const DEFAULT_BUDGET: Duration = Duration::from_secs(60);

/// Where both results files go without `--results-dir`, under the current directory.
const DEFAULT_RESULTS_DIR: &str = "slogate-ab";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Boxed: the options are many, and the command enum holds one subcommand's args inline.
    #[command(flatten)]
    pub opts: Box<AbArgs>,
}

#[derive(clap::Args, Debug)]
pub struct AbArgs {
    /// Suite files or directories, relative to each side's checkout.
    #[arg(default_value = "suites")]
    pub suites: Vec<PathBuf>,
    /// The baseline checkout (default: the current directory).
    #[arg(long, value_name = "DIR", conflicts_with = "baseline_ref")]
    pub baseline: Option<PathBuf>,
    /// The candidate checkout (default: the current directory).
    #[arg(long, value_name = "DIR", conflicts_with = "candidate_ref")]
    pub candidate: Option<PathBuf>,
    /// Check this ref of the current repository out as the baseline (a temporary worktree).
    #[arg(long, value_name = "REF")]
    pub baseline_ref: Option<String>,
    /// Check this ref of the current repository out as the candidate (a temporary worktree).
    #[arg(long, value_name = "REF")]
    pub candidate_ref: Option<String>,
    /// A suite variable for both sides, NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// A suite variable for the baseline side only (repeatable; wins over --var).
    #[arg(long = "baseline-var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub baseline_vars: Vec<(String, String)>,
    /// A suite variable for the candidate side only (repeatable; wins over --var).
    #[arg(long = "candidate-var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub candidate_vars: Vec<(String, String)>,
    /// Write DIR/baseline.json and DIR/candidate.json.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_RESULTS_DIR)]
    pub results_dir: PathBuf,
    /// Run only the benchmarks whose key matches this regular expression.
    #[arg(long)]
    pub filter: Option<regex::Regex>,
    /// One value per process, no warmups, 3 rounds (unless --processes): checks that all runs.
    #[arg(long)]
    pub quick: bool,
    /// Run every process under the simulator (valgrind): deterministic instruction and heap
    /// counts beside the wall time.
    #[arg(long)]
    pub simulate: bool,
    /// Rounds per benchmark (one process per side each), overriding the suites: alone, a fixed
    /// number of rounds; with --budget or --budget-total, the most rounds (default 256).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub processes: Option<u32>,
    /// Time per benchmark, as `60s` (the default unless --processes, --quick or --budget-total
    /// is given): rounds go on until the paired interval is decisive (within or beyond the noise
    /// threshold) or the time is spent; at least until the first look (8 rounds).
    #[arg(long, value_parser = parse_budget)]
    pub budget: Option<Duration>,
    /// Time for the whole run, a pool: decided benchmarks stop, and the time they leave goes to
    /// the undecided ones, the widest interval against its threshold first (with --budget, each
    /// benchmark also stops at its own budget).
    #[arg(long, value_parser = parse_budget)]
    pub budget_total: Option<Duration>,
    /// Write the report to this file (atomically) instead of stdout; same as `--report`.
    #[arg(short = 'o', long = "output", conflicts_with = "report")]
    pub output: Option<PathBuf>,
    /// Seed of the order of benchmarks and sides, and of the bootstrap (random when absent).
    #[arg(long, conflicts_with = "bootstrap_seed")]
    pub seed: Option<u64>,
    /// Run only the suites whose `paths` match a file changed since REF in the current
    /// repository (a suite that declares no `paths` always runs).
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// After the comparison, profile each flagged benchmark on both sides (extra processes, never
    /// measured) with its suite's `profile` source and show where it changed; `--profile=all`:
    /// every benchmark.
    #[arg(long, value_name = "all", num_args = 0..=1, require_equals = true,
          default_missing_value = "flagged",
          value_parser = super::names::<slogate::profile::Scope>(slogate::profile::Scope::NAMES))]
    pub profile: Option<slogate::profile::Scope>,
    #[command(flatten)]
    pub report: ReportArgs,
}

fn parse_budget(text: &str) -> Result<Duration, String> {
    parse_duration(text)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            format!(
                "`{text}` is not a duration above zero such as {}",
                slogate::units::DURATION_FORMS
            )
        })
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let mut args = *args.opts;
    if args.output.is_some() {
        args.report.report = args.output.take();
    }
    let signal = slogate::run::interrupt_flag()?;
    let here = std::env::current_dir()?;
    // Worktrees live until the end of the run, and are removed on every exit path.
    let mut worktrees = Vec::new();
    let mut dirs = Vec::new();
    for (i, (dir, git_ref)) in [
        (&args.baseline, &args.baseline_ref),
        (&args.candidate, &args.candidate_ref),
    ]
    .into_iter()
    .enumerate()
    {
        dirs.push(match (dir, git_ref) {
            (Some(dir), _) => dir.clone(),
            (None, Some(r)) => {
                let wt = Worktree::add(&here, r, LABELS[i])?;
                let path = wt.path().to_path_buf();
                worktrees.push(wt);
                path
            }
            (None, None) => here.clone(),
        });
    }
    let mut suites = args.suites.clone();
    if let Some(since) = &args.changed_since {
        // Which suites a change concerns is read from the candidate's checkout.
        let changed = slogate::git::changed_files(&here, since)?;
        let candidate_vars: BTreeMap<String, String> = args.vars.iter().cloned().collect();
        let in_candidate: Vec<PathBuf> = suites.iter().map(|s| dirs[1].join(s)).collect();
        suites = slogate::suite::load_all(&in_candidate, &candidate_vars)?
            .into_iter()
            .filter(|s| s.touched_by(&changed))
            .map(|s| s.dir.strip_prefix(&dirs[1]).unwrap_or(&s.dir).to_path_buf())
            .collect();
        if suites.is_empty() {
            eprintln!("no suite declares paths changed since {since}: nothing to compare");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let plan = Plan {
        suites,
        filter: args.filter.clone(),
        processes: args.processes,
        quick: args.quick,
        simulate: args.simulate,
    };
    let side_vars = [&args.baseline_vars, &args.candidate_vars];
    let mut sides = Vec::with_capacity(2);
    for i in 0..2 {
        let mut vars: BTreeMap<String, String> = args.vars.iter().cloned().collect();
        vars.extend(side_vars[i].iter().cloned());
        sides.push(Side::prepare(LABELS[i], &dirs[i], &vars, &plan)?);
    }
    let sides: [Side; 2] = sides.try_into().expect("two sides");
    // A noise file that is no noise file fails now, not after the rounds.
    let mut recorded = Vec::with_capacity(2);
    for side in &sides {
        let origin = format!("the {} side", side.label);
        recorded.push(super::verdict::recorded_noise(&side.suites, &origin)?);
    }
    // The noise file the comparison will judge with (the candidate's, or `--noise`) sets the
    // threshold each benchmark's rounds decide about.
    let noise = match args.report.noise.as_deref() {
        Some(path) => Some(slogate::compare::noise::NoiseFile::load(path)?),
        None => recorded.pop().flatten(),
    };
    let noise_thresholds = noise
        .iter()
        .flat_map(|n| &n.benchmarks)
        .filter(|b| b.metric == slogate::results::metric::EXECUTION_TIME)
        .map(|b| (b.key.clone(), b.resolvable))
        .collect();
    let fixed = args.processes.is_some() || args.quick || args.budget_total.is_some();
    let budget = args.budget.or((!fixed).then_some(DEFAULT_BUDGET));
    let sequential = budget.is_some() || args.budget_total.is_some();
    if sequential && args.report.noise_threshold.is_none() {
        args.report.noise_threshold = Some(BUDGET_NOISE_THRESHOLD);
    }
    let defaults = slogate::compare::CompareOptions::default();
    let opts = AbOptions {
        seed: args
            .seed
            .or(args.report.bootstrap_seed)
            .unwrap_or_else(rand::random),
        budget,
        budget_total: args.budget_total,
        max_rounds: args.processes.filter(|_| sequential),
        noise_threshold: args
            .report
            .noise_threshold
            .unwrap_or(defaults.noise_threshold),
        noise_thresholds,
        confidence: defaults.confidence,
        sides: args.report.sides(),
    };
    let outcome = ab::run_ab(&sides, &opts, &signal)?;

    let paths = [
        args.results_dir.join("baseline.json"),
        args.results_dir.join("candidate.json"),
    ];
    for (file, path) in [&outcome.baseline, &outcome.candidate]
        .into_iter()
        .zip(&paths)
    {
        file.write(path)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    summarise(&outcome, &paths);
    let sig = signal.load(Ordering::SeqCst);
    if sig != 0 {
        return Ok(ExitCode::from(128 + sig as u8));
    }
    let mut cmp = args.report.options(
        (&outcome.baseline, &paths[0]),
        (&outcome.candidate, &paths[1]),
        &[],
    )?;
    // The threshold and confidence come from the files' `meta.analysis`, as for `compare`.
    cmp.seed = opts.seed;
    if let Some(scope) = args.profile {
        let profiles = profile(&sides, &outcome, &cmp, scope, &args.results_dir, &signal);
        // Beside the results, for `compare --profiles` where only the files travel (CI).
        let path = args.results_dir.join("profiles.json");
        slogate::profile::file::write(&path, &profiles)
            .with_context(|| format!("writing {}", path.display()))?;
        args.report.profiles = profiles;
    }
    drop(worktrees);
    report_and_gate(&outcome.baseline, &outcome.candidate, &cmp, &args.report)
}

/// Profiles of the benchmarks `scope` picks from the comparison, both sides' checkouts still
/// there; flame graphs under `results_dir/profiles/`.
fn profile(
    sides: &[Side; 2],
    outcome: &Outcome,
    cmp: &slogate::compare::CompareOptions,
    scope: slogate::profile::Scope,
    results_dir: &Path,
    signal: &std::sync::atomic::AtomicUsize,
) -> Vec<slogate::profile::BenchmarkProfile> {
    let comparison = slogate::compare::compare(&outcome.baseline, &outcome.candidate, cmp);
    let request = slogate::profile::Request {
        specs: [&sides[0].specs, &sides[1].specs],
        chosen: slogate::profile::chosen(&comparison, scope),
        dir: results_dir.join(slogate::profile::file::FLAME_GRAPH_DIR),
    };
    for c in &request.chosen {
        eprintln!("profiling {}", c.key);
    }
    slogate::profile::profile_benchmarks(&request, signal)
}

/// One line per benchmark on stderr: rounds done and why they stopped.
fn summarise(outcome: &Outcome, paths: &[PathBuf; 2]) {
    let threshold = outcome.analysis().noise_threshold;
    for r in &outcome.rounds {
        let why = match r.why {
            Why::Planned => "planned rounds done".to_string(),
            Why::Decided(l) => format!(
                "decided: paired ratio {:.4} [{:.4}, {:.4}]",
                l.ratio, l.low, l.high
            ),
            Why::Budget => format!("budget spent{}", undecided(r, threshold)),
            Why::TotalBudget => format!("total budget spent{}", undecided(r, threshold)),
            Why::MaxRounds => format!("most rounds reached{}", undecided(r, threshold)),
            Why::Failed(side) => format!("{side} side failed"),
            Why::Interrupted => "interrupted".to_string(),
        };
        let level = r
            .confidence
            .map(|c| format!("; {:.2}% interval", c * 100.0))
            .unwrap_or_default();
        eprintln!(
            "{}: {} rounds in {} ({why}{level})",
            r.key,
            r.rounds,
            format_auto(Unit::Nanoseconds, r.spent.as_nanos() as f64)
        );
        for c in &r.values {
            let secs = |s: f64| format_auto(Unit::Nanoseconds, s * 1e9);
            eprintln!(
                "  {} {} a process from round {} (start-up {}, a value {}; spread between \
                 processes {:.2}%, of a value within one {:.2}%)",
                c.values,
                if c.values == 1 { "value" } else { "values" },
                c.from_round,
                secs(c.startup_seconds),
                secs(c.value_seconds),
                c.between_processes * 100.0,
                c.within_process * 100.0
            );
        }
    }
    let sequential = outcome.rounds.iter().any(|r| r.confidence.is_some());
    eprintln!(
        "comparison at {:.3}% confidence{}; results written to {} and {}{}",
        outcome.analysis().confidence * 100.0,
        if sequential {
            ", spent over each benchmark's looks"
        } else {
            ""
        },
        display(&paths[0]),
        display(&paths[1]),
        if outcome.baseline.meta.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    );
}

/// What an undecided benchmark's data say: the smallest change the run resolves, and the rounds
/// its noise would need to be decisive about the threshold.
fn undecided(r: &slogate::ab::Rounds, threshold: f64) -> String {
    let Some(l) = r.last else {
        return String::new();
    };
    let need = match r.predicted {
        Some(n) => format!("about {n} rounds at this noise"),
        None => "more rounds than can be predicted (the estimate sits on it)".to_string(),
    };
    format!(
        ": undecided, paired ratio {:.4} [{:.4}, {:.4}]; resolves changes beyond ±{:.2}%, \
         ±{:.2}% needs {need}",
        l.ratio,
        l.low,
        l.high,
        l.resolvable_change() * 100.0,
        threshold * 100.0
    )
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
