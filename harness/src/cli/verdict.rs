//! What every command that ends in a report shares (`compare`, `run --compare`, `run --baseline`,
//! `ab`): the report and gate flags, rendering, writing, and the exit code.

use anyhow::Context;
use slogate::compare::noise::NoiseFile;
use slogate::compare::{compare, gate_reasons, CompareOptions, FailOn};
use slogate::report::{render, Format, RenderOptions};
use slogate::results::{RecordedNoise, ResultsFile, SuiteInfo};
use slogate::stats::sides::Sides;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// GitHub's limit on the size of a pull-request comment.
const COMMENT_LIMIT: usize = 65_536;

#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// Report format: markdown (md), terminal (term), json, junit, github-check (the payload of
    /// GitHub's "create a check run" call).
    #[arg(long, default_value = "markdown", value_parser = super::names::<Format>(Format::NAMES))]
    pub format: Format,
    /// The commit a `github-check` payload is for (a pull request's head); default: the
    /// candidate's commit as its results file records it.
    #[arg(long, value_name = "SHA")]
    pub check_sha: Option<String>,
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
    /// Acknowledged regressions (TOML `[[accept]]` entries: benchmark, metric, max, reason,
    /// expires): a flagged regression within its entry's bound passes the gate, shown with its
    /// reason; a larger one, or one under an expired entry, fails.
    #[arg(long, value_name = "FILE")]
    pub accept: Option<PathBuf>,
    /// A noise file from `slogate calibrate`: per-benchmark thresholds learned from A/A rounds,
    /// and flaky benchmarks, reported apart, whose measurements never fail the gate by themselves.
    /// Default: the noise files the candidate's suites name (`noise = "noise.toml"` in `[suite]`),
    /// as the run recorded their content.
    #[arg(long, value_name = "FILE")]
    pub noise: Option<PathBuf>,
    /// List passing SLO limits that sit further than this from their estimate (`50%`: a limit
    /// 1.5 times the estimate), which catch no smaller regression; `0` lists none.
    #[arg(long, default_value = "50%", value_parser = parse_fraction)]
    pub loose_limit: f64,
    /// Test changes one-sided: a regression is flagged when the one-sided bound at the confidence
    /// clears the threshold ("worse?" rather than "different?"); improvements are decided by the
    /// same interval. Detects smaller changes in as many rounds; see the README's "One-sided tests".
    #[arg(long)]
    pub one_sided: bool,
    /// Bootstrap resamples per estimate.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..))]
    pub resamples: u32,
    /// Profiles to show under their benchmarks in markdown: the `profiles.json` that
    /// `ab --profile` writes beside its results files. Flame graphs are named, as files under
    /// `profiles/` beside it.
    #[arg(long = "profiles", value_name = "FILE")]
    pub profiles_file: Option<PathBuf>,
    /// Profiles to show under their benchmarks (`ab --profile`), not a flag.
    #[arg(skip)]
    pub profiles: Vec<slogate::profile::BenchmarkProfile>,
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
    /// The tests `--one-sided` asks for.
    pub fn sides(&self) -> Sides {
        if self.one_sided {
            Sides::OneSided
        } else {
            Sides::TwoSided
        }
    }

    /// Comparison options from the flags, the two inputs named for the report. An SLO file is
    /// matched against the benchmarks of both sides and those the run left out on purpose
    /// (`not_run`: excluded by `--filter`, `--changed-since` or `--shard`); a pattern that matches
    /// none of them is reported as unmatched. Left-out benchmarks are not compared (not missing).
    pub fn options(
        &self,
        (baseline, baseline_file): (&ResultsFile, &Path),
        (candidate, candidate_file): (&ResultsFile, &Path),
        not_run: &[String],
    ) -> anyhow::Result<CompareOptions> {
        let defaults = CompareOptions::default();
        let mut extra_slos = BTreeMap::new();
        if let Some(path) = &self.slo {
            let file = slogate::slo::file::load_slo_file(path)?;
            let compared: std::collections::HashSet<&str> = baseline
                .benchmarks
                .iter()
                .chain(&candidate.benchmarks)
                .map(|b| b.key.as_str())
                .collect();
            let mut keys: Vec<String> = compared
                .iter()
                .map(|k| k.to_string())
                .chain(not_run.iter().cloned())
                .collect();
            keys.sort();
            keys.dedup();
            let (mut by_key, unmatched) = slogate::slo::file::apply(&file, &keys);
            // Lines of benchmarks left out on purpose are matched, and have nothing to judge.
            by_key.retain(|k, _| compared.contains(k.as_str()));
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
        let accept = match &self.accept {
            Some(path) => accept_entries(path, candidate)?,
            None => Vec::new(),
        };
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
            loose_limit: self.loose_limit,
            sides: match recorded {
                Some(a) if !self.one_sided => a.sides,
                _ => self.sides(),
            },
            resamples: self.resamples,
            seed: self.bootstrap_seed.unwrap_or(defaults.seed),
            fail_on: self.fail_on,
            not_run: not_run.iter().cloned().collect(),
            accept,
            noise: match self.noise.as_deref() {
                Some(path) => Some(NoiseFile::load(path)?),
                None => recorded_noise(
                    &candidate.meta.suites,
                    &candidate_file.display().to_string(),
                )?,
            },
            baseline_file: Some(baseline_file.display().to_string()),

            candidate_file: Some(candidate_file.display().to_string()),
            ..defaults
        })
    }
}

/// The noise files the suites recorded (`noise = "..."` in `[suite]`, read when they ran), one
/// file of them all. A path an older results file recorded is never opened (the comparison
/// warns of it); `origin` names the results file for errors.
pub fn recorded_noise(suites: &[SuiteInfo], origin: &str) -> anyhow::Result<Option<NoiseFile>> {
    let mut merged: Option<NoiseFile> = None;
    // Which suite's file gave each (benchmark, metric): a second one would be ignored unseen.
    let mut from: BTreeMap<(String, String), &str> = BTreeMap::new();
    for suite in suites {
        let Some(RecordedNoise::Content { toml }) = &suite.noise else {
            continue;
        };
        let named = format!(
            "{origin}: the noise file recorded for suite `{}`",
            suite.name
        );
        let file = NoiseFile::parse(Path::new(&named), toml)?;
        for b in &file.benchmarks {
            if let Some(first) = from.insert((b.key.clone(), b.metric.clone()), &suite.name) {
                anyhow::bail!(
                    "{origin}: `{}` {} is in the noise files of suites `{first}` and `{}`: \
                     each benchmark's noise belongs in its own suite's file",
                    b.key,
                    b.metric,
                    suite.name
                );
            }
        }
        match &mut merged {
            Some(m) => m.benchmarks.extend(file.benchmarks),
            None => merged = Some(file),
        }
    }
    Ok(merged)
}

/// The entries of an accept file, their expiry decided against today's date and the candidate's
/// commit (its results file's, or the working directory's `HEAD` when it records none).
fn accept_entries(
    path: &Path,
    candidate: &ResultsFile,
) -> anyhow::Result<Vec<slogate::compare::accept::AcceptEntry>> {
    let head = candidate
        .meta
        .git
        .as_ref()
        .map_or("HEAD".to_string(), |g| g.commit.clone());
    let here = std::env::current_dir().context("reading the working directory")?;
    let count =
        |since: &str| slogate::git::commits_between(&here, since, &head).map_err(|e| e.to_string());
    let today = chrono::Utc::now().date_naive();
    Ok(slogate::compare::accept::load(path, today, &count)?)
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
    let profiles = match &args.profiles_file {
        Some(path) => slogate::profile::file::read(path)?,
        None => args.profiles.clone(),
    };
    let head_sha = args
        .check_sha
        .clone()
        .or(comparison.candidate.commit.clone());
    if args.format == Format::GithubCheck && head_sha.is_none() {
        anyhow::bail!(
            "--format github-check needs the commit the check is for: the candidate's results \
             file records none; pass --check-sha SHA"
        );
    }
    if let Some(path) = &args.json {
        let json = render(&comparison, Format::Json, &RenderOptions::default());
        write_output(path, &json)?;
    }
    if let Some(path) = &args.full_report {
        let full = RenderOptions {
            max_chars: usize::MAX,
            profiles: profiles.clone(),
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
        head_sha,
        repo_root: std::env::current_dir()
            .ok()
            .and_then(|d| slogate::git::toplevel(&d)),
        profiles,
    };
    let report = render(&comparison, args.format, &render_opts);
    match &args.report {
        Some(path) => write_output(path, &report)?,
        None => std::io::stdout()
            .lock()
            .write_all(report.as_bytes())
            .context("writing the report to stdout")?,
    }
    if comparison.gate.passed {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("gate failed (--fail-on {}):", comparison.gate.fail_on);
    for r in gate_reasons(&comparison.benchmarks) {
        eprintln!("  {r}");
    }
    Ok(ExitCode::from(1))
}

fn write_output(path: &Path, text: &str) -> anyhow::Result<()> {
    slogate::fsutil::write_atomic(path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two suites' noise files merge; the same benchmark and metric in both is an error naming
    /// both suites, not a silent first-wins.
    #[test]
    fn recorded_noise_files_merge_and_refuse_the_same_entry_twice() {
        let noise = |key: &str| {
            format!(
                "[calibration]\nrounds = 5\nprocesses = 6\nmachine = \"m\"\n\n[[benchmark]]\n\
                 key = \"{key}\"\nmetric = \"execution_time\"\nspread = 0.01\ntail = 0.03\n\
                 resolvable = 0.02\nflaky = false\nevidence = []\n"
            )
        };
        let suite = |name: &str, key: &str| SuiteInfo {
            name: name.into(),
            path: PathBuf::from(name),
            hash: String::new(),
            noise: Some(RecordedNoise::Content { toml: noise(key) }),
        };
        let merged = recorded_noise(&[suite("a", "a/x"), suite("b", "b/y")], "c.json")
            .unwrap()
            .unwrap();
        assert_eq!(merged.threshold("a/x", "execution_time"), Some(0.02));
        assert_eq!(merged.threshold("b/y", "execution_time"), Some(0.02));
        let err = recorded_noise(&[suite("a", "a/x"), suite("b", "a/x")], "c.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`a/x` execution_time") && err.contains("suites `a` and `b`"),
            "{err}"
        );
    }

    #[test]
    fn parses_fractions() {
        assert_eq!(parse_fraction("5%").unwrap(), 0.05);
        assert_eq!(parse_fraction("0.02").unwrap(), 0.02);
        assert!(parse_fraction("150%").is_err());
        assert!(parse_fraction("lots").is_err());
    }
}
