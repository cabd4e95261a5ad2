//! `slogate slo`: SLO helpers.

use super::history::DbArg;
use anyhow::Context;
use slogate::fsutil::write_atomic;
use slogate::history::History;
use slogate::slo::patch;
use slogate::slo::suggest;
use slogate::stats::changepoint;
use slogate::trend::{self, Options};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
        /// The suite file or SLO file (TOML or `fail_on_breach` YAML) whose threshold lines the
        /// suggestions replace, with `--write` or `--patch`.
        #[arg(long, value_name = "FILE", requires = "output")]
        file: Option<PathBuf>,
        /// Rewrite the threshold lines of `--file` in place (atomically; comments and layout kept).
        #[arg(long, requires = "file", group = "output")]
        write: bool,
        /// Write the changes to `--file` as a unified diff to PATCH instead (`git apply PATCH`).
        #[arg(long, value_name = "PATCH", requires = "file", group = "output")]
        patch: Option<PathBuf>,
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
        file,
        write,
        patch,
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
    if let Some(file) = file {
        edit(&file, &suggestions, write, patch.as_deref())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Replaces the threshold lines of `file` that the suggestions cover: in place when `write`, else
/// as a unified diff to `patch_file`. Says on stderr what changed and which suggestions found no
/// line to replace.
/// `file` as `git apply` names it: relative to the top of its repository, with `/` separators
/// (outside a repository, `git apply` reads paths from the working directory, as given).
fn repository_path(file: &Path) -> anyhow::Result<String> {
    let absolute =
        std::path::absolute(file).with_context(|| format!("resolving {}", file.display()))?;
    let dir = absolute.parent().unwrap_or(Path::new("/"));
    let Some(top) = slogate::git::toplevel(dir) else {
        anyhow::ensure!(
            file.is_relative(),
            "{} is not in a git repository: --patch needs a path relative to the working directory \
             (or use --write)",
            file.display()
        );
        return Ok(file.display().to_string());
    };
    // Git prints the top with symlinks resolved (a temporary directory).
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let file_real = real(dir).join(absolute.file_name().unwrap_or_default());
    let relative = file_real
        .strip_prefix(real(&top))
        .with_context(|| format!("{} is outside {}", file.display(), top.display()))?;
    Ok(relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/"))
}

fn edit(
    file: &Path,
    suggestions: &[suggest::Suggestion],
    write: bool,
    patch_file: Option<&Path>,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    // A suite's `configs` scenarios make benchmarks named `<scenario>-<config>`; which scenario
    // made each is known only from the loaded suite (a suite that does not load, or an SLO file,
    // matches names as written).
    let scenario_of = slogate::suite::load_suite(file, &BTreeMap::new())
        .map(|s| s.scenario_sources)
        .unwrap_or_default();
    let patched = patch::patch(file, &text, suggestions, &scenario_of)?;
    for e in &patched.edits {
        eprintln!("{}:{}: {} -> {}", file.display(), e.line, e.old, e.new);
    }
    for s in &patched.unplaced {
        eprintln!(
            "{}: no threshold line on {} applies to {}: add `{}` by hand",
            file.display(),
            s.metric,
            s.key,
            s.line
        );
    }
    if write {
        if !patched.edits.is_empty() {
            write_atomic(file, patched.text.as_bytes())
                .with_context(|| format!("writing {}", file.display()))?;
        }
        eprintln!(
            "{} threshold line(s) of {} rewritten",
            patched.edits.len(),
            file.display()
        );
    } else if let Some(out) = patch_file {
        let name = repository_path(file)?;
        let diff = similar::TextDiff::from_lines(&text, &patched.text)
            .unified_diff()
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        write_atomic(out, diff.as_bytes()).with_context(|| format!("writing {}", out.display()))?;
        eprintln!(
            "{} threshold line(s) of {} changed in {}",
            patched.edits.len(),
            file.display(),
            out.display()
        );
    }
    Ok(())
}
