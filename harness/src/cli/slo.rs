//! `slogate slo`: SLO helpers.

use super::history::DbArg;
use slogate::history::History;
use slogate::slo::suggest;
use slogate::stats::changepoint;
use slogate::trend::{self, Options};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Suggest threshold lines from the history's recent runs (since each series' last change point).
    Suggest {
        #[command(flatten)]
        db: DbArg,
        /// Quantile of the recent per-run estimates the limit starts from.
        #[arg(long, default_value_t = 0.99, value_parser = fraction)]
        quantile: f64,
        /// Relative margin added on top (0.05 = 5%); default max(3 x the runs' CV, 5%).
        #[arg(long, value_parser = fraction)]
        margin: Option<f64>,
    },
}

fn fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a number from 0 to 1")),
    }
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let Command::Suggest {
        db,
        quantile,
        margin,
    } = args.command;
    let h = History::open_existing(&db.db)?;
    let mut t = trend::load(&h)?;
    trend::analyse(
        &mut t,
        &changepoint::Config::default(),
        Options::default().threads,
    );
    let suggestions = suggest::suggest(&t, quantile, margin);
    if suggestions.is_empty() {
        println!(
            "no suggestions: no series has {} runs since its last change point",
            suggest::MIN_RUNS
        );
    }
    let mut current = None;
    for s in &suggestions {
        if current != Some(&s.key) {
            if current.is_some() {
                println!();
            }
            let since = &t.runs[s.since_run];
            println!(
                "# {}  ({} runs since {} {}, run-to-run CV {:.1}%)",
                s.key,
                s.runs,
                trend::short_commit(since),
                since.started_at.format("%Y-%m-%d"),
                s.cv * 100.0
            );
            current = Some(&s.key);
        }
        println!("{}", s.line);
    }
    Ok(ExitCode::SUCCESS)
}
