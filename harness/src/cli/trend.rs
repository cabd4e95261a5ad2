//! `slogate trend`: plots, change points, an index page and a change list from the history.

use super::history::DbArg;
use slogate::history::History;
use slogate::stats::changepoint;
use slogate::trend::{self, Options};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArg,
    /// Output directory.
    #[arg(short = 'o', long, default_value = "reports/trends")]
    pub out: PathBuf,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let h = History::open_existing(&args.db.db)?;
    let mut t = trend::load(&h)?;
    let opts = Options::default();
    trend::analyse(&mut t, &changepoint::Config::default(), opts.threads);
    slogate::slo::set_trend_limits(&mut t);
    let w = trend::write(&t, &args.out, &opts)?;
    println!(
        "{} runs, {} plots, {} change points in {:.1}s: {} and {}",
        t.runs.len(),
        w.plots,
        w.changes,
        started.elapsed().as_secs_f64(),
        w.index.display(),
        w.changes_md.display()
    );
    Ok(ExitCode::SUCCESS)
}
