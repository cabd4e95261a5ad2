//! The `slogate` binary: parse arguments, call the library, map errors to exit codes
//! (0 pass, 1 gate failed, 2 usage or input error).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Output piped into `head` should end quietly, as for any Unix tool, not panic on EPIPE.
    // SAFETY: called before any thread starts; restoring the default disposition of one signal.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = cli::Cli::parse();
    match cli::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
