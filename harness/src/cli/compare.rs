//! `slogate compare`: compare two results files, write the report, gate.

use super::verdict::{report_and_gate, ReportArgs};
use crate::results::ResultsFile;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The baseline results file.
    pub baseline: PathBuf,
    /// The candidate results file.
    pub candidate: PathBuf,
    /// Write the report to this file (atomically) instead of stdout; same as `--report`.
    #[arg(short = 'o', long = "output", conflicts_with = "report")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn exec(mut args: Args) -> anyhow::Result<ExitCode> {
    if args.output.is_some() {
        args.report.report = args.output.take();
    }
    let baseline = ResultsFile::read(&args.baseline)?;
    let candidate = ResultsFile::read(&args.candidate)?;
    let opts = args.report.options(&args.baseline, &args.candidate);
    report_and_gate(&baseline, &candidate, &opts, &args.report)
}
