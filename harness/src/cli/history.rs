//! `slogate history`: keep nightly results files in a SQLite history.

use anyhow::Context;
use slogate::history::{Added, History};
use slogate::results::ResultsFile;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// The history database, shared by `history`, `trend` and `slo suggest`.
#[derive(clap::Args, Debug, Clone)]
pub struct DbArg {
    /// History database file.
    #[arg(
        long,
        env = "SLOGATE_HISTORY",
        default_value = "slogate-history.sqlite"
    )]
    pub db: PathBuf,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Store results files (a run id already stored is skipped).
    Add {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        db: DbArg,
    },
    /// List the stored runs, newest first.
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Write stored runs back out as results files (`<run id>.json`).
    Export {
        #[command(flatten)]
        db: DbArg,
        /// The run to export.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        run: Option<String>,
        /// Export every run.
        #[arg(long)]
        all: bool,
        /// Output directory.
        #[arg(short = 'o', long)]
        out: PathBuf,
    },
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add { files, db } => {
            let mut h = History::open(&db.db)?;
            for f in &files {
                let results = ResultsFile::read(f)?;
                match h.add(&results)? {
                    Added::Stored { run_id, benchmarks } => println!(
                        "added run {run_id} ({benchmarks} benchmarks) from {}",
                        f.display()
                    ),
                    Added::AlreadyPresent { run_id } => println!(
                        "run {run_id} from {} is already in {}; nothing added",
                        f.display(),
                        db.db.display()
                    ),
                }
            }
        }
        Command::List { db } => {
            let h = History::open_existing(&db.db)?;
            let runs = h.runs()?;
            if runs.is_empty() {
                println!("{}: no runs", db.db.display());
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:<17} {:<8} {:<24} {:>10}  run id",
                "date", "commit", "branch", "benchmarks"
            );
            for r in runs.iter().rev() {
                println!(
                    "{:<17} {:<8} {:<24} {:>10}  {}",
                    r.started_at.format("%Y-%m-%d %H:%M"),
                    slogate::trend::short_commit(r),
                    r.branch.as_deref().unwrap_or("-"),
                    r.benchmarks,
                    r.run_id
                );
            }
        }
        Command::Export { db, run, all, out } => {
            let h = History::open_existing(&db.db)?;
            let ids: Vec<String> = match (run, all) {
                (Some(id), _) => vec![id],
                (None, _) => h.runs()?.into_iter().map(|r| r.run_id).collect(),
            };
            for id in &ids {
                let file = h.export(id)?;
                let path = out.join(format!("{}.json", file_name(id)));
                file.write(&path)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A run id as a file name: path separators and other odd characters become `_`.
fn file_name(run_id: &str) -> String {
    run_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}
