//! `slogate completions SHELL`: a shell completion script, generated from the same clap definition
//! that parses the arguments, so it never lags behind a new flag.

use super::Cli;
use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shell to complete for.
    pub shell: Shell,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut cmd, "slogate", &mut out);
    out.flush().context("writing the completion script")?;
    Ok(ExitCode::SUCCESS)
}
