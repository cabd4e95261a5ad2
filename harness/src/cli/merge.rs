//! `slogate merge`: join the results files of the shards of one run (`run --shard i/n`).

use anyhow::Context;
use slogate::results::ResultsFile;
use slogate::shard;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shards' results files.
    #[arg(required = true, value_name = "RESULTS")]
    pub files: Vec<PathBuf>,
    /// Where to write the merged results file.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let files = args
        .files
        .into_iter()
        .map(|p| ResultsFile::read(&p).map(|r| (p, r)))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = shard::merge(files)?;
    for w in &merged.warnings {
        eprintln!("warning: {w}");
    }
    merged
        .results
        .write(&args.output)
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!(
        "merged {} benchmarks into {}",
        merged.results.benchmarks.len(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
