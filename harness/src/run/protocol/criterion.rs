//! `criterion`: the command is `cargo bench` of criterion benches (`["cargo", "bench", "--bench",
//! "parse"]`); each benchmark function (`group/function`, with its parameter) is a benchmark of the
//! process.
//!
//! A process takes criterion's samples of each benchmark, `values` of them but at least 10
//! (criterion refuses fewer; `--sample-size`), each one value: ns per iteration. Criterion writes
//! into `CRITERION_HOME`, a fresh directory per process, so no process reads another's results
//! or compares against a saved baseline; the build stays in the command's own target directory.
//! Warm-up: criterion's own warm-up time before each benchmark (`--warm-up-time`, 3 s unless the
//! bench sets another; `warmups` is not used). A `--filter` word is passed as criterion's filter.

use super::framework::{push_option, Framework, Invocation};
use super::Job;
use crate::import::Format;
use std::collections::BTreeMap;
use std::path::Path;

pub struct Tool;

/// The fewest samples criterion takes.
const MIN_SAMPLES: u32 = 10;

impl Framework for Tool {
    fn format(&self) -> Format {
        Format::Criterion
    }

    fn invocation(&self, job: &Job, out: &Path) -> Invocation {
        let mut argv = job.argv.to_vec();
        // Options after `--` go to the bench harness, not to cargo.
        if !argv.iter().any(|a| a == "--") {
            argv.push("--".into());
        }
        push_option(&mut argv, "--sample-size", job.spec.values.max(MIN_SAMPLES));
        if !argv.iter().any(|a| a == "--noplot") {
            argv.push("--noplot".into());
        }
        if let Some(word) = job.name_filter {
            argv.push(word.to_string());
        }
        let mut env = BTreeMap::new();
        env.insert("CRITERION_HOME".to_string(), out.display().to_string());
        Invocation {
            argv,
            env,
            stdout: None,
            read: out.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_bench_gets_harness_options_a_fresh_home_and_the_filter() {
        let spec = crate::run::tests::spec("s/c", &["cargo", "bench"]);
        let loops = std::cell::Cell::new(None);
        let env = BTreeMap::new();
        let argv: Vec<String> = ["cargo", "bench", "--bench", "parse"]
            .map(String::from)
            .into();
        let job = Job {
            spec: &spec,
            argv: &argv,
            env: &env,
            scratch: Path::new("/s"),
            index: 3,
            pyperf_loops: &loops,
            name_filter: Some("tokenize"),
        };
        let inv = Tool.invocation(&job, Path::new("/s/criterion-3"));
        assert_eq!(
            inv.argv[4..],
            ["--", "--sample-size=10", "--noplot", "tokenize"]
        );
        assert_eq!(inv.env["CRITERION_HOME"], "/s/criterion-3");
        assert_eq!(inv.read, Path::new("/s/criterion-3"));
    }
}
