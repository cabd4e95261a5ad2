//! What every command that ends in a report shares (`compare`, `run --compare`, `run --baseline`,
//! `ab`): the report and gate flags, rendering, writing, and the exit code.

use crate::compare::{compare, gate, CompareOptions, FailOn};
use crate::report::{render, Format, RenderOptions};
use crate::results::ResultsFile;
use anyhow::Context;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// GitHub's limit on the size of a pull-request comment.
const COMMENT_LIMIT: usize = 65_536;

#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// Report format: markdown (md), terminal (term), json, junit.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long = "report")]
    pub report: Option<PathBuf>,
    /// Also write the whole comparison as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Also write the unabridged markdown report here; the comment-sized one points to it.
    #[arg(long)]
    pub full_report: Option<PathBuf>,
    /// What fails the gate: any of breach, uncertain, regression, missing (or none).
    #[arg(long, default_value = "breach,uncertain,missing")]
    pub fail_on: FailOn,
    /// Smallest relative change worth a flag, as `5%` or `0.05` (a suite or scenario may override
    /// it). Default 5%; 1% for `ab --budget`, whose sampling narrows the interval until it can tell.
    #[arg(long, value_parser = parse_fraction)]
    pub noise_threshold: Option<f64>,
    /// Seed of the bootstrap, for reproducible reports.
    #[arg(long)]
    pub bootstrap_seed: Option<u64>,
    /// Extra SLO lines from a standalone SLO file: slogate TOML, or a `fail_on_breach` YAML as is.
    #[arg(long)]
    pub slo: Option<PathBuf>,
    /// Bootstrap resamples per estimate.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..))]
    pub resamples: u32,
}

/// `5%` → 0.05; `0.05` → 0.05.
pub fn parse_fraction(s: &str) -> Result<f64, String> {
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

impl ReportArgs {
    /// Comparison options from the flags, the two inputs named for the report. An SLO file is
    /// matched against the benchmarks of both sides; a pattern that matches none is reported.
    pub fn options(
        &self,
        (baseline, baseline_file): (&ResultsFile, &Path),
        (candidate, candidate_file): (&ResultsFile, &Path),
    ) -> anyhow::Result<CompareOptions> {
        let defaults = CompareOptions::default();
        let mut extra_slos = BTreeMap::new();
        if let Some(path) = &self.slo {
            let file = crate::slo::file::load_slo_file(path)?;
            let mut keys: Vec<String> = baseline
                .benchmarks
                .iter()
                .chain(&candidate.benchmarks)
                .map(|b| b.key.clone())
                .collect();
            keys.sort();
            keys.dedup();
            let (by_key, unmatched) = crate::slo::file::apply(&file, &keys);
            extra_slos = by_key;
            // Keyed by the pattern itself, an unmatched entry is listed by the comparison.
            for entry in file
                .entries
                .iter()
                .filter(|e| unmatched.contains(&e.pattern))
            {
                extra_slos.insert(entry.pattern.clone(), entry.thresholds.clone());
            }
        }
        // Files of one `ab` run carry the threshold and confidence of its own analysis.
        let (b, c) = (&baseline.meta, &candidate.meta);
        let one_run = b.pairing.is_some() && b.pairing == c.pairing && b.analysis == c.analysis;
        let recorded = b.analysis.as_ref().filter(|_| one_run);
        Ok(CompareOptions {
            extra_slos,
            noise_threshold: self
                .noise_threshold
                .or(recorded.map(|a| a.noise_threshold))
                .unwrap_or(defaults.noise_threshold),
            confidence: recorded.map_or(defaults.confidence, |a| a.confidence),
            resamples: self.resamples,
            seed: self.bootstrap_seed.unwrap_or(defaults.seed),
            uncertain_fails: self.fail_on.uncertain,
            baseline_file: Some(baseline_file.display().to_string()),
            candidate_file: Some(candidate_file.display().to_string()),
            ..defaults
        })
    }
}

/// Compares, writes every requested output, and returns the gate's exit code (0 pass, 1 failed).
/// The report is written whatever the gate says.
pub fn report_and_gate(
    baseline: &ResultsFile,
    candidate: &ResultsFile,
    opts: &CompareOptions,
    args: &ReportArgs,
) -> anyhow::Result<ExitCode> {
    let comparison = compare(baseline, candidate, opts);
    if let Some(path) = &args.json {
        let json = render(&comparison, Format::Json, &RenderOptions::default());
        write_output(path, &json)?;
    }
    if let Some(path) = &args.full_report {
        let full = RenderOptions {
            max_chars: usize::MAX,
            ..RenderOptions::default()
        };
        write_output(path, &render(&comparison, Format::Markdown, &full))?;
    }
    let render_opts = RenderOptions {
        color: args.format == Format::Terminal
            && args.report.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none(),
        full_report: args.full_report.as_ref().map(|p| p.display().to_string()),
        max_chars: if args.format == Format::Markdown {
            COMMENT_LIMIT
        } else {
            usize::MAX
        },
    };
    let report = render(&comparison, args.format, &render_opts);
    match &args.report {
        Some(path) => write_output(path, &report)?,
        None => std::io::stdout()
            .lock()
            .write_all(report.as_bytes())
            .context("writing the report to stdout")?,
    }
    let result = gate(&comparison, &args.fail_on);
    if result.passed {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("gate failed (--fail-on {}):", args.fail_on);
    for r in &result.reasons {
        eprintln!("  {r}");
    }
    Ok(ExitCode::from(1))
}

fn write_output(path: &Path, text: &str) -> anyhow::Result<()> {
    crate::fsutil::write_atomic(path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
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
