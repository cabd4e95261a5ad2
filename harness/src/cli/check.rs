//! `slogate check`: validate suites and list the benchmarks they would run.

use slogate::suite::{self, parse_var};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Suite directories, suite files, or directories of suites.
    #[arg(default_value = "suites")]
    pub suites: Vec<PathBuf>,
    /// Override a suite variable (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let vars: BTreeMap<String, String> = args.vars.into_iter().collect();
    let suites = suite::load_all(&args.suites, &vars)?;
    let mut total = 0;
    for s in &suites {
        println!("{}  {}  (hash {})", s.name, s.file.display(), &s.hash[..12]);
        if !s.description.is_empty() {
            println!("  {}", s.description);
        }
        if !s.setup.is_empty() {
            println!("  setup: {} command(s)", s.setup.len());
        }
        let width = s.benchmarks.iter().map(|b| b.key.len()).max().unwrap_or(0);
        for b in &s.benchmarks {
            let protocol = b.protocol.name();
            let description = s
                .scenario_descriptions
                .get(&b.scenario)
                .map_or(String::new(), |d| format!("  {d}"));
            println!(
                "  {:width$}  {protocol:7}  {} x {}{description}",
                b.key, b.processes, b.values
            );
        }
        total += s.benchmarks.len();
    }
    println!("{} suite(s), {total} benchmark(s): ok", suites.len());
    Ok(ExitCode::SUCCESS)
}
