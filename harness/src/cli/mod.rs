//! Command-line interface: one file per subcommand, each with its clap `Args` and an `exec`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod ab;
pub mod baseline;
pub mod calibrate;
pub mod check;
pub mod compare;
pub mod completions;
pub mod history;
pub mod import;
pub mod init;
pub mod man;
pub mod merge;
pub mod run;
pub mod slo;
pub mod system;
pub mod trend;
pub mod verdict;

/// The parser of an argument whose values are a library type's names: clap offers `names` in help
/// and completions, and the type's `FromStr` maps the one given (the library knows nothing of
/// clap).
pub fn names<T>(names: &'static [&'static str]) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(names).try_map(|s| s.parse::<T>())
}

/// What `--version` prints after the name: the crate's version and the commit it was built from
/// (`build.rs`; "unknown commit" outside a git checkout).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SLOGATE_COMMIT"), ")");

/// Benchmarking and SLO gate harness: run suites, compare against a baseline, gate pull requests.
#[derive(Parser, Debug)]
#[command(name = "slogate", version = VERSION, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate suites and list the benchmarks they would run.
    Check(check::Args),
    /// Run suites and write a results file.
    Run(run::Args),
    /// Compare a candidate results file with a baseline: report and gate.
    Compare(compare::Args),
    /// Run baseline and candidate interleaved on this machine, then compare.
    Ab(ab::Args),
    /// Measure this machine's noise per benchmark with A/A rounds: a noise file for `--noise`.
    Calibrate(calibrate::Args),
    /// Manage local baselines.
    Baseline(baseline::Args),
    /// Keep results in a history database.
    History(history::Args),
    /// Draw trend plots and find change points in the history.
    Trend(trend::Args),
    /// Turn another tool's output into a results file.
    Import(import::Args),
    /// Find the benchmarks a repository has and write a suite for them.
    Init(init::Args),
    /// Join the results of shards into one file.
    Merge(merge::Args),
    /// Report how noisy this machine is.
    System(system::Args),
    /// SLO helpers (suggest thresholds from history).
    Slo(slo::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::Args),
    /// Print the man page (roff), as `slogate man > slogate.1`.
    Man(man::Args),
}

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(a) => check::exec(a),
        Command::Run(a) => run::exec(a),
        Command::Compare(a) => compare::exec(a),
        Command::Ab(a) => ab::exec(a),
        Command::Calibrate(a) => calibrate::exec(a),
        Command::Baseline(a) => baseline::exec(a),
        Command::History(a) => history::exec(a),
        Command::Trend(a) => trend::exec(a),
        Command::Import(a) => import::exec(a),
        Command::Init(a) => init::exec(a),
        Command::Merge(a) => merge::exec(a),
        Command::System(a) => system::exec(a),
        Command::Slo(a) => slo::exec(a),
        Command::Completions(a) => completions::exec(a),
        Command::Man(a) => man::exec(a),
    }
}
