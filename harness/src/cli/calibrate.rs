//! `slogate calibrate`: A/A rounds of the same checkout, interleaved as `ab` runs them, and a noise
//! file of per-benchmark thresholds and flaky benchmarks for `compare --noise`.

use anyhow::Context;
use slogate::ab::{Plan, Side, LABELS};
use slogate::suite::parse_var;
use slogate::units::format_pct;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Suite files or directories, as for `run`.
    #[arg(default_value = "suites")]
    pub suites: Vec<PathBuf>,
    /// A/A rounds; a benchmark is flaky when at least two of them show it.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
    pub rounds: u32,
    /// Processes per side in each round (as `ab --processes`).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(3..))]
    pub processes: u32,
    /// Where the noise file goes.
    #[arg(short = 'o', long = "output", default_value = "noise.toml")]
    pub output: PathBuf,
    /// Override a suite variable: `--var NAME=VALUE` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Measure only this metric (repeatable); default every metric the suites record.
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// Only benchmarks whose key matches this regex.
    #[arg(long)]
    pub filter: Option<regex::Regex>,
    /// Seed of the round order and the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let signal = slogate::run::interrupt_flag()?;
    let here = std::env::current_dir()?;
    let plan = Plan {
        suites: args.suites.clone(),
        filter: args.filter.clone(),
        processes: Some(args.processes),
        ..Plan::default()
    };
    let vars: BTreeMap<String, String> = args.vars.iter().cloned().collect();
    // The same checkout on both sides: whatever differs between them is noise.
    let sides = [
        Side::prepare(LABELS[0], &here, &vars, &plan)?,
        Side::prepare(LABELS[1], &here, &vars, &plan)?,
    ];
    let noise = slogate::calibrate::calibrate(
        &sides,
        &args.metrics,
        args.rounds,
        args.processes,
        args.seed,
        &signal,
    )?;
    let sig = signal.load(Ordering::SeqCst);
    if sig != 0 {
        eprintln!("interrupted: no noise file written");
        return Ok(ExitCode::from(128 + sig as u8));
    }
    slogate::fsutil::write_atomic(&args.output, noise.to_toml().as_bytes())
        .with_context(|| format!("writing {}", args.output.display()))?;
    for b in &noise.benchmarks {
        let pct = |f: f64| format_pct(f).trim_start_matches('+').to_string();
        eprintln!(
            "{} {}: spread {}, tail {}, resolves {}{}",
            b.key,
            b.metric,
            pct(b.spread),
            pct(b.tail),
            pct(b.resolvable),
            if b.flaky { ", FLAKY" } else { "" }
        );
        for e in &b.evidence {
            eprintln!("  {e}");
        }
    }
    eprintln!(
        "{} A/A rounds of {} processes a side; noise file written to {}",
        noise.calibration.rounds,
        noise.calibration.processes,
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
