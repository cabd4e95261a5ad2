//! `slogate run`: load suites, run their setup, run the benchmarks, write the results file.

use super::verdict::{report_and_gate, ReportArgs};
use anyhow::Context;
use slogate::baseline::BaselineStore;
use slogate::results::{ResultsFile, Status};
use slogate::run::{self, Overrides, Progress, RunOptions};
use slogate::suite::parse_var;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Boxed: the options are many, and the command enum holds one subcommand's args inline.
    #[command(flatten)]
    pub opts: Box<RunArgs>,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Suite files or directories (a directory of suites, or one suite's directory).
    #[arg(default_value = "suites")]
    pub suites: Vec<PathBuf>,
    /// Where to write the results file.
    #[arg(short, long, default_value = "results.json")]
    pub output: PathBuf,
    /// Run only the benchmarks whose key matches this regular expression.
    #[arg(long)]
    pub filter: Option<regex::Regex>,
    /// One process, one value, no warmups: checks that everything runs.
    #[arg(long)]
    pub quick: bool,
    /// Seed of the randomised benchmark order (random and recorded when absent).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override a suite variable, NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Side label written into the results (`baseline`, `candidate`, ...).
    #[arg(long)]
    pub side: Option<String>,
    /// Keep each benchmark's `{tmp}` directory as DIR/<key>/.
    #[arg(long, value_name = "DIR")]
    pub keep_tmp: Option<PathBuf>,
    /// Complete the results file of an interrupted run: run only the processes it lacks.
    /// Pass the same suites and plan overrides as the run it completes.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
    /// Processes per benchmark, overriding the suites.
    #[arg(long)]
    pub processes: Option<u32>,
    /// Values per process, overriding the suites.
    #[arg(long)]
    pub values: Option<u32>,
    /// Run only shard I of N (`2/3`): a deterministic split balanced by expected time, so each
    /// CI machine of a matrix computes the same partition; join the shards with `slogate merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard_arg)]
    pub shard: Option<(usize, usize)>,
    /// Run only the suites whose `paths` match a file changed since REF (a suite that declares
    /// no `paths` always runs).
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// Then compare with this baseline (a results file, or any file `slogate import` reads),
    /// write the report and gate.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub compare: Option<PathBuf>,
    /// Then compare with the local baseline NAME (see `slogate baseline`), report and gate.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Save the results as the local baseline NAME (refused when the run is interrupted, unless
    /// --save-interrupted).
    #[arg(long, value_name = "NAME")]
    pub save_baseline: Option<String>,
    /// Save an interrupted run as the baseline all the same; the file stays marked interrupted
    /// and every comparison against it says so.
    #[arg(long, requires = "save_baseline")]
    pub save_interrupted: bool,
    /// Where local baselines live (default `baselines/`, or $SLOGATE_BASELINES).
    #[arg(long, value_name = "DIR")]
    pub baselines_dir: Option<PathBuf>,
    /// Pin every workload process to these CPUs (`1`, `0,1`, `0-1`).
    #[arg(long, value_name = "LIST", value_parser = parse_cpus_arg)]
    pub cpus: Option<CpuList>,
    /// Run every process under the simulator (valgrind): deterministic `instructions`,
    /// `estimated_cycles`, `heap_peak`, `heap_allocated`, `allocations` beside the wall time.
    #[arg(long)]
    pub simulate: bool,
    /// Also run a short A/A noise probe (about 2 s) before the run and record its figure.
    #[arg(long)]
    pub noise_probe: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// The CPUs of `--cpus` (a newtype: clap would take a bare `Vec` for a repeated argument).
#[derive(Debug, Clone)]
pub struct CpuList(pub Vec<usize>);

fn parse_cpus_arg(text: &str) -> Result<CpuList, String> {
    slogate::system::cpus_present(text)
        .map(CpuList)
        .map_err(|e| e.to_string())
}

fn parse_shard_arg(text: &str) -> Result<(usize, usize), String> {
    slogate::shard::parse_shard(text).map_err(|e| e.to_string())
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let args = *args.opts;
    let signal = run::interrupt_flag()?;

    let previous = match &args.resume {
        Some(p) => Some(ResultsFile::read(p)?),
        None => None,
    };
    let mut vars = previous
        .as_ref()
        .map(|p| p.meta.vars.clone())
        .unwrap_or_default();
    vars.extend(args.vars.iter().cloned());
    let mut suites = slogate::suite::load_all(&args.suites, &vars)?;
    let declared: Vec<String> = suites
        .iter()
        .flat_map(|s| s.benchmarks.iter().map(|b| b.key.clone()))
        .collect();
    if let Some(since) = &args.changed_since {
        let changed = slogate::git::changed_files(&std::env::current_dir()?, since)?;
        suites.retain(|s| s.touched_by(&changed));
        if suites.is_empty() {
            eprintln!("no suite declares paths changed since {since}: nothing to run");
            return Ok(ExitCode::SUCCESS);
        }
    }
    // valgrind is looked for before any setup runs, for the benchmarks the filter keeps.
    let simulated = suites
        .iter()
        .flat_map(|s| &s.benchmarks)
        .filter_map(|b| run::select(b, args.filter.as_ref()))
        .any(|b| b.simulate);
    let simulator = if args.simulate || simulated {
        Some(run::simulate::require()?)
    } else {
        None
    };
    let overrides = Overrides {
        quick: args.quick,
        processes: args.processes,
        values: args.values,
    };
    let mut specs = Vec::new();
    let mut infos = Vec::new();
    let mut all_vars = BTreeMap::new();
    for suite in &suites {
        let chosen: Vec<_> = suite
            .benchmarks
            .iter()
            .filter_map(|b| run::select(b, args.filter.as_ref()))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        slogate::suite::run_setup(suite)
            .with_context(|| format!("setup of suite `{}`", suite.name))?;
        let info = suite.info();
        // A noise file that is no noise file fails now, not at the comparison of the results.
        super::verdict::recorded_noise(
            std::slice::from_ref(&info),
            &suite.file.display().to_string(),
        )?;
        infos.push(info);
        all_vars.extend(suite.vars.clone());
        specs.extend(chosen.into_iter().map(|mut s| {
            overrides.apply(&mut s);
            s.simulate |= args.simulate;
            s
        }));
    }
    if let Some((index, count)) = args.shard {
        specs = slogate::shard::select_shard(&specs, index, count);
    }
    if specs.is_empty() && args.shard.is_none() {
        anyhow::bail!("no benchmark to run (check the suite paths and --filter)");
    }
    // Left out by --filter, --changed-since or --shard: an SLO file's lines for them are not
    // unmatched.
    let chosen: std::collections::HashSet<&str> = specs.iter().map(|s| s.key.as_str()).collect();
    let not_run: Vec<String> = declared
        .iter()
        .filter(|k| !chosen.contains(k.as_str()))
        .cloned()
        .collect();
    // Load the baseline before spending minutes on the run: a missing one is an input error.
    let baseline = match (&args.compare, &args.baseline) {
        (Some(path), _) => Some((slogate::import::load_any(path)?, path.clone())),
        (None, Some(name)) => {
            let store = BaselineStore::open(args.baselines_dir.clone());
            Some((store.load(name)?, store.path(name)?))
        }
        (None, None) => None,
    };
    let opts = RunOptions {
        seed: args.seed,
        keep_tmp: args.keep_tmp.clone(),
        side: args.side.clone(),
        suites: infos,
        vars: all_vars,
        git: slogate::git::info(&std::env::current_dir()?),
    };
    if let Some(CpuList(cpus)) = &args.cpus {
        slogate::run::process::pin_workloads(cpus)?;
    }
    let load_before = slogate::system::load_average();
    let mut findings = slogate::system::findings();
    if args.noise_probe {
        let p = slogate::system::probe(std::time::Duration::from_secs(2))?;
        findings.push(p.to_string());
    }
    if let Some(sim) = &simulator {
        eprintln!("{sim}");
        findings.push(sim.to_string());
    }
    if let Some(CpuList(cpus)) = &args.cpus {
        findings.push(format!(
            "workloads pinned to CPUs {}",
            slogate::system::format_cpu_list(cpus)
        ));
    }
    let bar = Bar::new();
    let mut results = run::run(&specs, &opts, previous, &signal, &bar)?;
    results.meta.shard = args.shard.map(|(i, n)| format!("{i}/{n}"));
    results.meta.noise = Some(slogate::system::noise_of_run(
        &results,
        findings,
        load_before,
    ));
    results
        .write(&args.output)
        .with_context(|| format!("writing {}", args.output.display()))?;
    summarise(&results, &args.output);
    if let Some(name) = &args.save_baseline {
        save_baseline(name, &results, &args)?;
    }

    let sig = signal.load(Ordering::SeqCst);
    let gate = match &baseline {
        // An interrupted run is still compared (the report says so), but exits as interrupted.
        Some((base, base_path)) => {
            let opts =
                args.report
                    .options((base, base_path), (&results, &args.output), &not_run)?;
            Some(report_and_gate(base, &results, &opts, &args.report)?)
        }
        None => None,
    };
    Ok(if sig != 0 {
        ExitCode::from(128 + sig as u8)
    } else if let Some(code) = gate {
        code
    } else if results.benchmarks.iter().any(|b| b.status != Status::Ok) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Saves the results as baseline `name`, unless the run was interrupted: incomplete results would
/// make every later comparison report missing benchmarks. `--save-interrupted` saves them marked.
fn save_baseline(name: &str, results: &ResultsFile, args: &RunArgs) -> anyhow::Result<()> {
    let interrupted = results.meta.interrupted;
    if interrupted && !args.save_interrupted {
        eprintln!(
            "not saved as baseline `{name}`: the run was interrupted and its results are \
             incomplete (complete it with --resume, or pass --save-interrupted to save it marked \
             as interrupted)"
        );
        return Ok(());
    }
    let path = BaselineStore::open(args.baselines_dir.clone()).save(name, results)?;
    let mark = if interrupted {
        ", marked interrupted"
    } else {
        ""
    };
    eprintln!("saved as baseline `{name}` ({}{mark})", path.display());
    Ok(())
}

fn summarise(results: &ResultsFile, path: &std::path::Path) {
    let count = |s: Status| results.benchmarks.iter().filter(|b| b.status == s).count();
    eprintln!(
        "{} benchmarks: {} ok, {} failed, {} timeout, {} oom{}; results written to {}",
        results.benchmarks.len(),
        count(Status::Ok),
        count(Status::Failed),
        count(Status::Timeout),
        count(Status::Oom),
        if results.meta.interrupted {
            " (interrupted: complete it with --resume)"
        } else {
            ""
        },
        path.display()
    );
    if let Some(n) = &results.meta.noise {
        if let (Some(cv), Some(t)) = (n.probe_cv, n.supported_threshold) {
            eprintln!(
                "noise during the run: cv {:.1}% of per-process means, supports flagging changes of {:.1}% or more",
                cv * 100.0,
                t * 100.0
            );
        }
    }
    for b in results.benchmarks.iter().filter(|b| b.status != Status::Ok) {
        eprintln!(
            "  {:<8} {}: {}",
            b.status.as_str(),
            b.key,
            b.reason.as_deref().unwrap_or("")
        );
    }
}

/// A progress bar with ETA on stderr; hidden when stderr is not a terminal.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new() -> Bar {
        let bar = if std::io::stderr().is_terminal() {
            indicatif::ProgressBar::new(0)
        } else {
            indicatif::ProgressBar::hidden()
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} processes, ETA {eta} {wide_msg}",
        ) {
            bar.set_style(style);
        }
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn advance(&self, key: &str) {
        self.0.set_message(key.to_string());
        self.0.inc(1);
    }
    fn stopped(&self, key: &str, stop: &run::protocol::Stop) {
        self.0
            .println(format!("{} {key}: {}", stop.status.as_str(), stop.reason));
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
