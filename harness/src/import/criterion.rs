//! criterion.rs output: a `target/criterion` directory (every `**/new/` below it), one benchmark's
//! `new/` directory, or a `benchmark.json`, `sample.json` or `estimates.json` inside one.
//!
//! `sample.json` holds, per sample, the total time (ns) of `iters[i]` iterations; the value kept is
//! `times[i] / iters[i]`, ns per iteration. One cargo-bench process measured them all: one group.
//! A declared throughput (`Bytes`, `BytesDecimal`, `Elements`) adds `bytes_per_s` or `elements_per_s`.
//!
//! Suite: `criterion`; scenario: the group and function (`group/function`); variant: the parameter
//! (`value`) of a `BenchmarkId`.

use super::{
    add_group, new_benchmark, Collected, Format, ImportError, ImportOptions, Importer, Input,
};
use crate::results::metric;
use crate::units::Unit;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Criterion;

#[derive(Deserialize)]
struct BenchmarkJson {
    group_id: String,
    #[serde(default)]
    function_id: Option<String>,
    #[serde(default)]
    value_str: Option<String>,
    #[serde(default)]
    throughput: Option<BTreeMap<String, f64>>,
}

#[derive(Deserialize)]
struct SampleJson {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// How deep below the given directory `new/` directories are looked for (group/function/value/new).
const MAX_DEPTH: usize = 6;

fn is_benchmark_json(v: &Value) -> bool {
    v.get("group_id").is_some_and(Value::is_string)
        && v.get("full_id").is_some()
        && v.get("directory_name").is_some()
}

fn is_sample_json(v: &Value) -> bool {
    v.get("iters").is_some_and(Value::is_array) && v.get("times").is_some_and(Value::is_array)
}

fn is_estimates_json(v: &Value) -> bool {
    v.get("mean")
        .and_then(|m| m.get("point_estimate"))
        .is_some()
        && v.get("std_dev").is_some()
}

/// The `new/`-like directories holding a `benchmark.json`, in a stable order.
fn bench_dirs(dir: &Path) -> Vec<PathBuf> {
    if dir.join("benchmark.json").is_file() {
        return vec![dir.to_path_buf()];
    }
    let mut found = Vec::new();
    walk(dir, 0, &mut found);
    found.sort();
    found
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if !p.is_dir() {
            continue;
        }
        if p.file_name().is_some_and(|n| n == "new") && p.join("benchmark.json").is_file() {
            found.push(p);
        } else if depth < MAX_DEPTH && p.file_name().is_some_and(|n| n != "report") {
            walk(&p, depth + 1, found);
        }
    }
}

impl Importer for Criterion {
    fn format(&self) -> Format {
        Format::Criterion
    }

    fn detect(&self, input: &Input) -> bool {
        if input.is_dir {
            return !bench_dirs(&input.path).is_empty();
        }
        input
            .json()
            .is_some_and(|v| is_benchmark_json(v) || is_sample_json(v) || is_estimates_json(v))
    }

    fn read(
        &self,
        input: &Input,
        opts: &ImportOptions,
        out: &mut Collected,
    ) -> Result<(), ImportError> {
        let dirs = if input.is_dir {
            bench_dirs(&input.path)
        } else {
            vec![input
                .path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)]
        };
        let suite = opts.suite.as_deref().unwrap_or("criterion");
        for dir in dirs {
            let bench: BenchmarkJson = read_json(&dir.join("benchmark.json"))?;
            let sample: SampleJson = read_json(&dir.join("sample.json"))?;
            let at = || format!("{}", dir.join("sample.json").display());
            if sample.iters.len() != sample.times.len() || sample.iters.is_empty() {
                return Err(input.invalid(
                    Format::Criterion,
                    at(),
                    format!(
                        "{} iteration counts for {} times",
                        sample.iters.len(),
                        sample.times.len()
                    ),
                ));
            }
            if sample.iters.iter().any(|i| *i <= 0.0) {
                return Err(input.invalid(
                    Format::Criterion,
                    at(),
                    "an iteration count is not positive",
                ));
            }
            let per_iter: Vec<f64> = sample
                .times
                .iter()
                .zip(&sample.iters)
                .map(|(t, i)| t / i)
                .collect();
            let scenario = match &bench.function_id {
                Some(f) => format!("{}/{f}", bench.group_id),
                None => bench.group_id.clone(),
            };
            let variant: BTreeMap<String, String> = bench
                .value_str
                .iter()
                .map(|v| ("value".to_string(), v.clone()))
                .collect();
            let mut b = new_benchmark(suite, &scenario, variant);
            for (kind, per) in bench.throughput.iter().flatten() {
                let name = if kind.starts_with("Bytes") {
                    "bytes_per_s"
                } else {
                    "elements_per_s"
                };
                add_group(
                    &mut b,
                    name,
                    Unit::PerSecond,
                    true,
                    per_iter.iter().map(|ns| per / (ns * 1e-9)).collect(),
                );
            }
            add_group(
                &mut b,
                metric::EXECUTION_TIME,
                Unit::Nanoseconds,
                false,
                per_iter,
            );
            out.add(input, b, "")?;
        }
        Ok(())
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ImportError> {
    let input = Input::open(path)?;
    input.parse(Format::Criterion)
}
