//! `slogate import`: another tool's output into a results file.

use anyhow::Context;
use slogate::import::{import, Format, ImportOptions};
use slogate::slo::file::{apply, load_slo_file};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// auto | pyperf | pytest-benchmark | criterion | hyperfine | google-benchmark | go-test
    #[arg(value_parser = parse_format)]
    pub format: Format,
    /// The tool's output files (a `target/criterion` directory for criterion). Several files of one
    /// format are pooled: the same benchmark in two files gets the processes of both.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the results file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Suite name for every benchmark, instead of the one derived from the tool's output.
    #[arg(long)]
    pub suite: Option<String>,
    /// Side label (`baseline`, `candidate`, ...).
    #[arg(long)]
    pub side: Option<String>,
    /// SLO file (`.toml`, or `fail_on_breach` `.yml`) whose thresholds the benchmarks get.
    #[arg(long)]
    pub slo: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let opts = ImportOptions {
        suite: args.suite,
        side: args.side,
    };
    let mut results = import(args.format, &args.files, &opts)?;
    if let Some(path) = &args.slo {
        let slo = load_slo_file(path)?;
        let keys: Vec<String> = results.benchmarks.iter().map(|b| b.key.clone()).collect();
        let (by_key, unmatched) = apply(&slo, &keys);
        for b in &mut results.benchmarks {
            if let Some(lines) = by_key.get(&b.key) {
                b.thresholds.extend(lines.iter().cloned());
            }
        }
        for pattern in unmatched {
            eprintln!(
                "warning: {}: `{pattern}` matches no imported benchmark",
                path.display()
            );
        }
    }
    results
        .write(&args.output)
        .with_context(|| format!("writing {}", args.output.display()))?;
    let info = results
        .meta
        .import
        .as_ref()
        .expect("imports carry import info");
    let values: usize = results
        .benchmarks
        .iter()
        .flat_map(|b| b.metrics.values())
        .map(|m| m.value_count())
        .sum();
    eprintln!(
        "imported {} benchmarks ({values} values) from {} file(s) as {} into {}",
        results.benchmarks.len(),
        args.files.len(),
        info.format,
        args.output.display()
    );
    if !info.filled.is_empty() {
        eprintln!(
            "filled from this machine (the input lacks them): {}",
            info.filled.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
