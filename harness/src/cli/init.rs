//! `slogate init [DIR]`: find the benchmarks a repository already has and write a readable suite
//! for them (see the library's `init` module).

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The repository to search.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The suite's name (default: the directory's name); it is written to
    /// `DIR/suites/<name>/suite.toml`.
    #[arg(long)]
    pub name: Option<String>,
    /// Replace a suite file that exists.
    #[arg(long)]
    pub force: bool,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let root = args
        .dir
        .canonicalize()
        .with_context(|| format!("reading {}", args.dir.display()))?;
    let name = match args.name {
        Some(n) => n,
        None => root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "benchmarks".into()),
    };
    let name = slogate::init::name_chars(&name);
    let found =
        slogate::init::detect(&root).with_context(|| format!("searching {}", root.display()))?;
    if found.is_empty() {
        anyhow::bail!(
            "no benchmarks found under {} (pyperf scripts, pytest-benchmark tests, Google \
             Benchmark sources, Go benchmarks, criterion benches)",
            root.display()
        );
    }
    let file = root
        .join("suites")
        .join(&name)
        .join(slogate::suite::SUITE_FILE);
    if file.exists() && !args.force {
        anyhow::bail!(
            "{} exists: not replaced (--force replaces it)",
            file.display()
        );
    }
    for f in &found {
        println!("found {:?}: {}", f.kind, f.path.display());
    }
    std::fs::create_dir_all(file.parent().expect("a suite file has a directory"))
        .with_context(|| format!("creating {}", file.display()))?;
    slogate::fsutil::write_atomic(&file, slogate::init::suite_text(&name, &found).as_bytes())
        .with_context(|| format!("writing {}", file.display()))?;
    println!(
        "wrote {}: read it, then `slogate check {}`",
        file.display(),
        file.parent().unwrap_or(&root).display()
    );
    Ok(ExitCode::SUCCESS)
}
