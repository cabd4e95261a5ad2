//! The framework protocols: a benchmark tool (pytest-benchmark, Google Benchmark, `go test`,
//! criterion) runs once per process with its own options to write what it measured into the
//! process's scratch directory, and the importer of its format (the one reader of that format)
//! reads every benchmark the tool wrote. Each becomes a [`Part`] of the process, recorded as its
//! own benchmark `<suite>/<scenario>/<name>`.
//!
//! One file per tool implements [`Framework`]: the command line for one process, and where the
//! tool's results go.

use super::{failed, launch, Attempt, Job, Part, ProcessValues};
use crate::import::{Format, ImportOptions};
use crate::results::{metric, ResultsFile, Status};
use crate::units::Unit;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

/// Lines of a failed tool's printed results kept with its failure.
const STDOUT_TAIL_LINES: usize = 20;

/// How one tool is run for one process.
pub trait Framework {
    /// The format the tool writes, read by its importer.
    fn format(&self) -> Format;
    /// The tool's command for one process of `job`, writing its results to (or under) `out`.
    fn invocation(&self, job: &Job, out: &Path) -> Invocation;
}

/// One process of a tool: its command, and where its results are read from.
pub struct Invocation {
    pub argv: Vec<String>,
    /// Environment beyond the benchmark's own.
    pub env: BTreeMap<String, String>,
    /// The process's standard output goes to this file (a tool that prints its results).
    pub stdout: Option<PathBuf>,
    /// What the importer reads: a file, or a directory.
    pub read: PathBuf,
}

/// Runs one process of `job` under `tool` and reads every benchmark it wrote, each with the
/// process's peak memory as `max_rss_usage`.
pub fn measure(job: &Job, tool: &dyn Framework, interrupt: &AtomicUsize) -> Attempt {
    let out = job
        .scratch
        .join(format!("{}-{}", tool.format().name(), job.index));
    remove(&out);
    let inv = tool.invocation(job, &out);
    let mut env = job.env.clone();
    env.extend(inv.env);
    let run = match launch(job, &inv.argv, &env, inv.stdout.as_deref(), interrupt) {
        Ok(run) => run,
        Err(mut a) => {
            // A tool that prints its results prints its failures there too.
            if let (Attempt::Stopped(stop), Some(file)) = (&mut a, &inv.stdout) {
                let text = std::fs::read_to_string(file).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(STDOUT_TAIL_LINES).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                let stdout = tail.join("\n");
                if !stdout.trim().is_empty() {
                    stop.stderr_tail = Some(match stop.stderr_tail.take() {
                        Some(err) => format!("{stdout}\n{err}"),
                        None => stdout,
                    });
                }
            }
            remove(&out);
            return a;
        }
    };
    let read = read(tool.format(), &inv.read);
    remove(&out);
    match read {
        Ok(parts) => with_rss(parts, run.max_rss),
        Err(reason) => failed(reason, Some(run.output_tail)),
    }
}

/// The attempt of a process that measured `parts`, each given the process's peak memory unless
/// the tool measured its own.
pub fn with_rss(mut parts: Vec<Part>, max_rss: u64) -> Attempt {
    for p in &mut parts {
        p.values
            .entry(metric::MAX_RSS_USAGE.to_string())
            .or_insert_with(|| (Unit::Bytes, vec![max_rss as f64]));
    }
    Attempt::MeasuredMany(parts)
}

fn remove(path: &Path) {
    if path.is_dir() {
        let _ = std::fs::remove_dir_all(path);
    } else {
        let _ = std::fs::remove_file(path);
    }
}

/// Reads what a tool wrote at `path` with the importer of `format`.
fn read(format: Format, path: &Path) -> Result<Vec<Part>, String> {
    if !path.exists() {
        return Err(format!("{format} wrote no results to {}", path.display()));
    }
    parts(&import(format, path)?, path)
}

/// Imports one file (or directory) of `format`; the error names the file.
pub fn import(format: Format, path: &Path) -> Result<ResultsFile, String> {
    crate::import::import(format, &[path.to_path_buf()], &ImportOptions::default())
        .map_err(|e| e.to_string())
}

/// Every benchmark of an imported file as one process's values: the groups the importer made
/// (repetitions, runs of one process) are that process's values. A benchmark the tool marks as
/// failed, or for which it kept summary statistics only, is an error naming it and the file.
pub fn parts(results: &ResultsFile, file: &Path) -> Result<Vec<Part>, String> {
    let mut parts = Vec::with_capacity(results.benchmarks.len());
    for b in &results.benchmarks {
        let name = crate::results::benchmark_key("", &b.scenario, &b.variant);
        let name = name.trim_start_matches('/');
        let bad = |what: String| format!("{}: benchmark `{name}`: {what}", file.display());
        if b.status != Status::Ok {
            let reason = b.reason.as_deref().unwrap_or("no reason given");
            return Err(bad(format!("{}: {reason}", b.status.as_str())));
        }
        let mut values = ProcessValues::new();
        for (metric, m) in &b.metrics {
            let all: Vec<f64> = m.values().collect();
            if all.is_empty() {
                return Err(bad(format!(
                    "no values of `{metric}` (summary statistics only)"
                )));
            }
            values.insert(metric.clone(), (m.unit, all));
        }
        if values.is_empty() {
            return Err(bad("no values".into()));
        }
        parts.push(Part {
            scenario: b.scenario.clone(),
            variant: b.variant.clone(),
            values,
        });
    }
    if parts.is_empty() {
        return Err(format!("{}: no benchmark results", file.display()));
    }
    Ok(parts)
}

/// `argv` with `option=value` appended unless the command sets the option itself.
pub fn push_option(argv: &mut Vec<String>, option: &str, value: impl std::fmt::Display) {
    if !super::sets_option(argv, &[option]) {
        argv.push(format!("{option}={value}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_benchmark_of_a_file_is_a_part_and_bad_ones_name_benchmark_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gb.json");
        std::fs::write(
            &file,
            r#"{"context":{"executable":"./b"},"benchmarks":[
            {"name":"BM_A","run_name":"BM_A","run_type":"iteration","repetitions":2,"repetition_index":0,"iterations":10,"real_time":5,"cpu_time":5,"time_unit":"ns"},
            {"name":"BM_A","run_name":"BM_A","run_type":"iteration","repetitions":2,"repetition_index":1,"iterations":10,"real_time":6,"cpu_time":6,"time_unit":"ns"},
            {"name":"BM_B/8","run_name":"BM_B/8","run_type":"iteration","repetitions":2,"repetition_index":0,"iterations":10,"real_time":7,"cpu_time":7,"time_unit":"ns"}]}"#,
        )
        .unwrap();
        let parts = read(Format::GoogleBenchmark, &file).unwrap();
        let names: Vec<&str> = parts.iter().map(|p| p.scenario.as_str()).collect();
        assert_eq!(names, ["BM_A", "BM_B/8"]);
        assert_eq!(parts[0].values[metric::EXECUTION_TIME].1, vec![5.0, 6.0]);

        std::fs::write(&file, r#"{"context":{},"benchmarks":[{"name":"BM_A","run_name":"BM_A","run_type":"iteration","error_occurred":true,"error_message":"boom","iterations":0,"real_time":0,"cpu_time":0,"time_unit":"ns"}]}"#).unwrap();
        let e = read(Format::GoogleBenchmark, &file).unwrap_err();
        assert!(e.contains("gb.json") && e.contains("`BM_A`"), "{e}");
        let e = read(Format::GoogleBenchmark, &dir.path().join("none.json")).unwrap_err();
        assert!(
            e.contains("wrote no results") && e.contains("none.json"),
            "{e}"
        );
        std::fs::write(&file, "not json").unwrap();
        assert!(read(Format::GoogleBenchmark, &file)
            .unwrap_err()
            .contains("gb.json"));
    }

    #[test]
    fn options_the_command_sets_are_kept() {
        let mut argv: Vec<String> = vec!["b".into(), "--benchmark_repetitions=9".into()];
        push_option(&mut argv, "--benchmark_repetitions", 3);
        push_option(&mut argv, "--benchmark_out", "/o.json");
        assert_eq!(
            argv,
            ["b", "--benchmark_repetitions=9", "--benchmark_out=/o.json"]
        );
    }
}
