//! `slogate compare`: compare two results files, write the report, gate.

use super::verdict::{report_and_gate, ReportArgs};
use slogate::import::load_any;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The baseline: a slogate results file, or any file `slogate import` reads (detected by content).
    pub baseline: PathBuf,
    /// The candidate, likewise.
    pub candidate: PathBuf,
    /// Write the report to this file (atomically) instead of stdout; same as `--report`.
    #[arg(short = 'o', long = "output", conflicts_with = "report")]
    pub output: Option<PathBuf>,
    /// Seed of the bootstrap; same as `--bootstrap-seed`.
    #[arg(long, conflicts_with = "bootstrap_seed")]
    pub seed: Option<u64>,
    /// Boxed: the report options are many, and the command enum holds one subcommand's args inline.
    #[command(flatten)]
    pub report: Box<ReportArgs>,
}

pub fn exec(mut args: Args) -> anyhow::Result<ExitCode> {
    if args.output.is_some() {
        args.report.report = args.output.take();
    }
    if args.seed.is_some() {
        args.report.bootstrap_seed = args.seed;
    }
    // The two files are read side by side: reading is a third of a large compare's time.
    let (baseline, candidate) = std::thread::scope(|s| {
        let baseline = s.spawn(|| load_any(&args.baseline));
        let candidate = load_any(&args.candidate);
        let baseline = baseline
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (baseline, candidate)
    });
    let (baseline, candidate) = (baseline?, candidate?);
    let opts = args.report.options(
        (&baseline, &args.baseline),
        (&candidate, &args.candidate),
        &[],
    )?;
    let code = report_and_gate(&baseline, &candidate, &opts, &args.report);
    // The process ends here: freeing the inputs' allocations one by one (800,000 for two files of
    // 10,000 benchmarks) would only delay the exit that frees them at once.
    std::mem::forget((baseline, candidate));
    code
}
