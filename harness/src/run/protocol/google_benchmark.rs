//! `google-benchmark`: the command is a Google Benchmark binary; each benchmark it runs (`BM_Sum/8`)
//! is a benchmark of the process.
//!
//! A process takes `values` repetitions of each benchmark (`--benchmark_repetitions`), each one
//! value: the time per iteration over the iterations the library chose, written with
//! `--benchmark_out=FILE --benchmark_out_format=json`. Warm-up: the library's own runs that size
//! the iterations to its minimum time come first and are not recorded (`warmups` is not used; a
//! command may add `--benchmark_min_warmup_time`). A `--filter` word is passed as
//! `--benchmark_filter`.

use super::framework::{push_option, Framework, Invocation};
use super::Job;
use crate::import::Format;
use std::collections::BTreeMap;
use std::path::Path;

pub struct Tool;

impl Framework for Tool {
    fn format(&self) -> Format {
        Format::GoogleBenchmark
    }

    fn invocation(&self, job: &Job, out: &Path) -> Invocation {
        let mut argv = job.argv.to_vec();
        argv.push(format!("--benchmark_out={}", out.display()));
        argv.push("--benchmark_out_format=json".into());
        push_option(&mut argv, "--benchmark_repetitions", job.spec.values);
        if let Some(word) = job.name_filter {
            push_option(&mut argv, "--benchmark_filter", word);
        }
        Invocation {
            argv,
            env: BTreeMap::new(),
            stdout: None,
            read: out.to_path_buf(),
        }
    }
}
