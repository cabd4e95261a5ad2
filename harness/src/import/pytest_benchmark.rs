//! pytest-benchmark JSON (`--benchmark-json`, or a `.benchmarks/` save).
//!
//! With `--benchmark-save-data` each benchmark keeps `stats.data`, seconds per iteration of every
//! round, all from one pytest process: one group. Without it only summary statistics survive; they
//! go to `MetricSamples.summary`, so the statistics can say how little they conclude.
//!
//! Suite: the test module (`test_io.py::test_read` → `test_io`); scenario: the test name without
//! its parameter suffix; variant: `params`.

use super::meta::{normalise_arch, parse_date, set_once};
use super::{
    add_group, add_summary, json_text, new_benchmark, Collected, Format, ImportError,
    ImportOptions, Importer, Input,
};
use crate::results::{metric, GitInfo, SummaryStats};
use crate::units::Unit;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub struct PytestBenchmark;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    machine_info: Map<String, Value>,
    #[serde(default)]
    commit_info: Map<String, Value>,
    benchmarks: Vec<Bench>,
    #[serde(default)]
    datetime: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
struct Bench {
    name: String,
    fullname: String,
    #[serde(default)]
    params: Option<Map<String, Value>>,
    stats: Stats,
}

#[derive(Deserialize)]
struct Stats {
    min: f64,
    max: f64,
    mean: f64,
    stddev: f64,
    rounds: u64,
    median: f64,
    #[serde(default)]
    data: Option<Vec<f64>>,
}

impl Importer for PytestBenchmark {
    fn format(&self) -> Format {
        Format::PytestBenchmark
    }

    fn detect(&self, input: &Input) -> bool {
        let Some(v) = input.json() else { return false };
        v.get("machine_info").is_some_and(Value::is_object)
            && v.get("benchmarks")
                .and_then(Value::as_array)
                .is_some_and(|b| {
                    b.iter().all(|b| {
                        b.get("stats").is_some_and(Value::is_object) && b.get("fullname").is_some()
                    })
                })
    }

    fn read(
        &self,
        input: &Input,
        opts: &ImportOptions,
        out: &mut Collected,
    ) -> Result<(), ImportError> {
        let file: File = input.parse(Format::PytestBenchmark)?;
        let mut benches = Vec::new();
        for bench in &file.benchmarks {
            let (module, test) = split_fullname(&bench.fullname, &bench.name);
            let suite = opts.suite.as_deref().unwrap_or(&module);
            let variant: BTreeMap<String, String> = bench
                .params
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), json_text(v)))
                .collect();
            let scenario = if variant.is_empty() {
                test.as_str()
            } else {
                strip_param_suffix(&test)
            };
            let mut b = new_benchmark(suite, scenario, variant);
            let s = &bench.stats;
            match &s.data {
                Some(data) if !data.is_empty() => add_group(
                    &mut b,
                    metric::EXECUTION_TIME,
                    Unit::Nanoseconds,
                    false,
                    data.iter().map(|v| v * 1e9).collect(),
                ),
                _ => add_summary(
                    &mut b,
                    metric::EXECUTION_TIME,
                    Unit::Nanoseconds,
                    SummaryStats {
                        n: s.rounds,
                        mean: s.mean * 1e9,
                        stddev: s.stddev * 1e9,
                        median: Some(s.median * 1e9),
                        min: Some(s.min * 1e9),
                        max: Some(s.max * 1e9),
                    },
                ),
            }
            benches.push(b);
        }
        let found = &mut out.found;
        if let Some(t) = file.datetime.as_deref().and_then(parse_date) {
            found.saw_time(t);
        }
        if let Some(v) = &file.version {
            found.keep("pytest_benchmark_version", v.clone());
        }
        let m = &file.machine_info;
        let text = |k: &str| m.get(k).filter(|v| !v.is_null()).map(json_text);
        for k in [
            "python_version",
            "python_implementation",
            "python_compiler",
            "system",
        ] {
            if let Some(v) = text(k) {
                found.keep(k, v);
            }
        }
        let cpu = m.get("cpu");
        set_once(&mut found.hostname, text("node"));
        set_once(&mut found.kernel, text("release"));
        set_once(&mut found.arch, text("machine").map(|a| normalise_arch(&a)));
        set_once(
            &mut found.cpu_model,
            cpu.and_then(|c| c.get("brand_raw")).map(json_text),
        );
        set_once(
            &mut found.cores,
            cpu.and_then(|c| c.get("count"))
                .and_then(Value::as_u64)
                .map(|c| c as u32),
        );
        let c = &file.commit_info;
        if let Some(id) = c
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| *id != "unversioned")
        {
            set_once(
                &mut found.git,
                Some(GitInfo {
                    commit: id.to_string(),
                    branch: c
                        .get("branch")
                        .and_then(Value::as_str)
                        .filter(|b| *b != "(unknown)")
                        .map(str::to_string),
                    dirty: c.get("dirty").and_then(Value::as_bool).unwrap_or(false),
                    subject: None,
                }),
            );
        }
        if let Some(project) = c.get("project").and_then(Value::as_str) {
            found.keep("project", project);
        }
        for b in benches {
            out.add(input, b, "")?;
        }
        Ok(())
    }
}

/// `tests/test_io.py::TestRead::test_small[4]` → (`test_io`, `TestRead::test_small[4]`).
fn split_fullname(fullname: &str, name: &str) -> (String, String) {
    match fullname.split_once("::") {
        Some((file, test)) => {
            let stem = file.rsplit('/').next().unwrap_or(file);
            (
                stem.strip_suffix(".py").unwrap_or(stem).to_string(),
                test.to_string(),
            )
        }
        None => ("pytest".to_string(), name.to_string()),
    }
}

/// `test_small[4-abc]` → `test_small`: the parameters are the variant.
fn strip_param_suffix(test: &str) -> &str {
    match test.find('[') {
        Some(i) if test.ends_with(']') => &test[..i],
        _ => test,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_test_id() {
        assert_eq!(
            split_fullname("tests/test_io.py::TestRead::test_small[4]", "test_small[4]"),
            ("test_io".to_string(), "TestRead::test_small[4]".to_string())
        );
        assert_eq!(
            strip_param_suffix("TestRead::test_small[4-a]"),
            "TestRead::test_small"
        );
        assert_eq!(strip_param_suffix("test_plain"), "test_plain");
    }
}
