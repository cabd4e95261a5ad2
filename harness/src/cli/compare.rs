//! `slogate compare`: compare two results files, write the report, gate.

use crate::compare::{compare, gate, CompareOptions, FailOn};
use crate::report::{render, Format, RenderOptions};
use crate::results::ResultsFile;
use anyhow::Context;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// GitHub's limit on the size of a pull-request comment.
const COMMENT_LIMIT: usize = 65_536;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    Md,
    Term,
    Json,
    Junit,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The baseline results file.
    pub baseline: PathBuf,
    /// The candidate results file.
    pub candidate: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: FormatArg,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// What fails the gate: any of breach, uncertain, regression, missing (or none).
    #[arg(long, default_value = "breach,uncertain,missing")]
    pub fail_on: String,
    /// Smallest relative change worth a flag, as `5%` or `0.05`.
    #[arg(long, default_value = "5%", value_parser = parse_fraction)]
    pub noise_threshold: f64,
    /// Seed of the bootstrap, for reproducible reports.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Bootstrap resamples per estimate.
    #[arg(long, default_value_t = 2000)]
    pub resamples: u32,
}

/// `5%` → 0.05; `0.05` → 0.05.
fn parse_fraction(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("`{s}` is not a fraction such as `5%` or `0.05`"))?;
    if !(0.0..1.0).contains(&v) {
        return Err(format!("`{s}` must be between 0% and 100%"));
    }
    Ok(v)
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let fail_on: FailOn = args.fail_on.parse()?;
    anyhow::ensure!(args.resamples > 0, "--resamples must be at least 1");
    let baseline = ResultsFile::read(&args.baseline)?;
    let candidate = ResultsFile::read(&args.candidate)?;
    let defaults = CompareOptions::default();
    let opts = CompareOptions {
        noise_threshold: args.noise_threshold,
        resamples: args.resamples,
        seed: args.seed.unwrap_or(defaults.seed),
        uncertain_fails: fail_on.uncertain,
        baseline_file: Some(args.baseline.display().to_string()),
        candidate_file: Some(args.candidate.display().to_string()),
        ..defaults
    };
    let comparison = compare(&baseline, &candidate, &opts);
    let format = match args.format {
        FormatArg::Md => Format::Markdown,
        FormatArg::Term => Format::Terminal,
        FormatArg::Json => Format::Json,
        FormatArg::Junit => Format::Junit,
    };
    let render_opts = RenderOptions {
        color: format == Format::Terminal
            && args.output.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none(),
        full_report: None,
        max_chars: if format == Format::Markdown {
            COMMENT_LIMIT
        } else {
            usize::MAX
        },
    };
    let report = render(&comparison, format, &render_opts);
    match &args.output {
        Some(path) => crate::fsutil::write_atomic(path, report.as_bytes())
            .with_context(|| format!("writing the report to {}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(report.as_bytes())
            .context("writing the report to stdout")?,
    }
    let result = gate(&comparison, &fail_on);
    if result.passed {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("gate failed (--fail-on {fail_on}):");
    for r in &result.reasons {
        eprintln!("  {r}");
    }
    Ok(ExitCode::from(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fractions() {
        assert_eq!(parse_fraction("5%").unwrap(), 0.05);
        assert_eq!(parse_fraction("0.02").unwrap(), 0.02);
        assert!(parse_fraction("150%").is_err());
        assert!(parse_fraction("lots").is_err());
    }
}
