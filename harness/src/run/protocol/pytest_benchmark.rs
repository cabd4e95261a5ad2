//! `pytest-benchmark`: the command runs pytest on benchmark tests (`["python3", "-m", "pytest",
//! "bench_test.py"]`); each test using the `benchmark` fixture is a benchmark of the process.
//!
//! A process takes `values` rounds of each test (`--benchmark-min-rounds`, with
//! `--benchmark-max-time=0` so that no time budget adds rounds) and writes them with
//! `--benchmark-json`. Warm-up: pytest-benchmark's own, `warmups` iterations before the rounds
//! (`--benchmark-warmup=on --benchmark-warmup-iterations`), besides the call that calibrates its
//! iterations per round. Tests without the fixture are not run (`--benchmark-only`). A `--filter`
//! word is passed as `-k`.

use super::framework::{push_option, Framework, Invocation};
use super::Job;
use crate::import::Format;
use std::collections::BTreeMap;
use std::path::Path;

pub struct Tool;

impl Framework for Tool {
    fn format(&self) -> Format {
        Format::PytestBenchmark
    }

    fn invocation(&self, job: &Job, out: &Path) -> Invocation {
        let mut argv = job.argv.to_vec();
        push_option(&mut argv, "--benchmark-json", out.display());
        push_option(&mut argv, "--benchmark-min-rounds", job.spec.values);
        push_option(&mut argv, "--benchmark-max-time", 0);
        if job.spec.warmups > 0 {
            push_option(&mut argv, "--benchmark-warmup", "on");
            push_option(&mut argv, "--benchmark-warmup-iterations", job.spec.warmups);
        }
        argv.extend(["--benchmark-only", "-q", "-p", "no:cacheprovider"].map(String::from));
        if let Some(word) = job.name_filter {
            argv.extend(["-k".to_string(), word.to_string()]);
        }
        Invocation {
            argv,
            env: BTreeMap::new(),
            stdout: None,
            read: out.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytest_takes_values_rounds_and_warmup_iterations() {
        let mut spec = crate::run::tests::spec("s/p", &["python3"]);
        spec.values = 7;
        spec.warmups = 2;
        let loops = std::cell::Cell::new(None);
        let env = BTreeMap::new();
        let argv: Vec<String> = ["python3", "-m", "pytest", "b.py", "--benchmark-max-time=1"]
            .map(String::from)
            .into();
        let job = Job {
            spec: &spec,
            argv: &argv,
            env: &env,
            scratch: Path::new("/s"),
            index: 0,
            pyperf_loops: &loops,
            name_filter: None,
        };
        let inv = Tool.invocation(&job, Path::new("/s/o.json"));
        assert_eq!(
            inv.argv[5..],
            [
                "--benchmark-json=/s/o.json",
                "--benchmark-min-rounds=7",
                "--benchmark-warmup=on",
                "--benchmark-warmup-iterations=2",
                "--benchmark-only",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            "the command's own --benchmark-max-time is kept"
        );
    }
}
