//! `slogate man`: the man page (roff), generated from the same clap definition that parses the
//! arguments, so it never lags behind a new flag.

use super::Cli;
use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Write `slogate.1` and one page per subcommand (`slogate-ab.1`, ...) into this directory
    /// instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("writing the man pages into {}", dir.display()))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .context("rendering the man page")?;
            let mut out = std::io::stdout().lock();
            out.write_all(&page)
                .and_then(|()| out.flush())
                .context("writing the man page")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
