//! `slogate baseline save|list|show|rm`: manage the named results files of [`BaselineStore`].

use comfy_table::{presets, Table};
use slogate::baseline::{BaselineStore, BaselineSummary};
use slogate::results::ResultsFile;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Baseline directory [default: $SLOGATE_BASELINES, else ./baselines].
    #[arg(long, global = true, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Save a results file as the baseline NAME (replacing any previous one).
    Save { name: String, results: PathBuf },
    /// List the saved baselines.
    List,
    /// Show a baseline's metadata and benchmarks.
    Show { name: String },
    /// Delete a baseline.
    Rm { name: String },
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let store = BaselineStore::open(args.dir);
    match args.action {
        Action::Save { name, results } => {
            let file = ResultsFile::read(&results)?;
            let path = store.save(&name, &file)?;
            println!(
                "saved baseline `{name}` ({} benchmarks) to {}",
                file.benchmarks.len(),
                path.display()
            );
        }
        Action::List => list(&store)?,
        Action::Show { name } => show(&store, &name)?,
        Action::Rm { name } => {
            store.remove(&name)?;
            println!("removed baseline `{name}`");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(store: &BaselineStore) -> anyhow::Result<()> {
    let entries = store.list()?;
    if entries.is_empty() {
        println!("no baselines in {}", store.dir().display());
        return Ok(());
    }
    let mut table = Table::new();
    table.load_preset(presets::NOTHING).set_header([
        "NAME",
        "DATE",
        "COMMIT",
        "MACHINE",
        "BENCHMARKS",
    ]);
    for e in &entries {
        match &e.summary {
            Ok(s) => table.add_row([
                e.name.clone(),
                s.started_at.format("%Y-%m-%d %H:%M").to_string(),
                commit_label(s),
                machine_label(s),
                s.benchmarks.to_string(),
            ]),
            Err(err) => table.add_row([e.name.clone(), format!("unreadable: {err}")]),
        };
    }
    println!("{table}");
    Ok(())
}

fn show(store: &BaselineStore, name: &str) -> anyhow::Result<()> {
    let path = store.path(name)?;
    let results = store.load(name)?;
    let meta = &results.meta;
    let s = BaselineSummary::of(&results);
    println!("baseline    {name}");
    println!("file        {}", path.display());
    println!("started     {}", meta.started_at.to_rfc3339());
    if let Some(end) = meta.ended_at {
        println!("ended       {}", end.to_rfc3339());
    }
    println!("commit      {}", commit_label(&s));
    if let Some(branch) = meta.git.as_ref().and_then(|g| g.branch.as_deref()) {
        println!("branch      {branch}");
    }
    println!(
        "machine     {} ({}, {} cores, {})",
        machine_label(&s),
        meta.machine.cpu_model,
        meta.machine.cores,
        meta.machine.kernel
    );
    println!("harness     {}", meta.harness_version);
    for (k, v) in &meta.vars {
        println!("var         {k}={v}");
    }
    if meta.interrupted {
        println!("interrupted yes (the run was stopped before it finished)");
    }
    println!();
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_header(["BENCHMARK", "STATUS", "PROCESSES", "VALUES"]);
    for b in &results.benchmarks {
        let processes = b
            .metrics
            .values()
            .map(|m| m.processes.len())
            .max()
            .unwrap_or(0);
        let values: Vec<String> = b
            .metrics
            .iter()
            .map(|(metric, m)| format!("{metric} {}", m.value_count()))
            .collect();
        table.add_row([
            b.key.clone(),
            b.status.as_str().to_string(),
            processes.to_string(),
            values.join(", "),
        ]);
    }
    println!("{table}");
    Ok(())
}

fn commit_label(s: &BaselineSummary) -> String {
    match &s.commit {
        Some(c) => {
            let short: String = c.chars().take(10).collect();
            if s.dirty {
                format!("{short}-dirty")
            } else {
                short
            }
        }
        None => "-".into(),
    }
}

fn machine_label(s: &BaselineSummary) -> String {
    let short: String = s.fingerprint.chars().take(8).collect();
    let host = if s.hostname.is_empty() {
        "?"
    } else {
        &s.hostname
    };
    format!("{host} ({short})")
}
