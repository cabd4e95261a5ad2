//! hyperfine `--export-json`.
//!
//! Every entry of `times` is one whole process: one group of one value each (seconds → ns); the same
//! for `memory_usage_byte` (newer hyperfine) as `max_rss_usage`. A non-zero or missing exit code marks
//! the benchmark `failed`. `user`/`system` are means only: summary statistics with `n = 1`, so they
//! are shown but never taken for a measured distribution. Files without `times` (very old hyperfine)
//! give summary statistics for `execution_time` too.
//!
//! Scenario: the command (name it with `--command-name` so that parameter values stay out of it);
//! variant: `parameters`.

use super::{
    add_group, add_summary, new_benchmark, Collected, Format, ImportError, ImportOptions, Importer,
    Input,
};
use crate::results::{metric, Status, SummaryStats};
use crate::units::Unit;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub struct Hyperfine;

#[derive(Deserialize)]
struct File {
    results: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    command: String,
    mean: f64,
    #[serde(default)]
    stddev: Option<f64>,
    #[serde(default)]
    median: Option<f64>,
    #[serde(default)]
    user: Option<f64>,
    #[serde(default)]
    system: Option<f64>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    times: Option<Vec<f64>>,
    #[serde(default)]
    memory_usage_byte: Option<Vec<f64>>,
    #[serde(default)]
    exit_codes: Vec<Option<i32>>,
    #[serde(default)]
    parameters: BTreeMap<String, Value>,
}

const DUPLICATE_HINT: &str = " (give each command its own name with `--command-name`)";

impl Importer for Hyperfine {
    fn format(&self) -> Format {
        Format::Hyperfine
    }

    fn detect(&self, input: &Input) -> bool {
        let Some(v) = input.json() else { return false };
        v.get("results").and_then(Value::as_array).is_some_and(|r| {
            !r.is_empty()
                && r.iter().all(|e| {
                    e.get("command").is_some_and(Value::is_string)
                        && e.get("mean").is_some_and(Value::is_number)
                })
        })
    }

    fn read(
        &self,
        input: &Input,
        opts: &ImportOptions,
        out: &mut Collected,
    ) -> Result<(), ImportError> {
        let file: File = input.parse(Format::Hyperfine)?;
        let suite = opts.suite.as_deref().unwrap_or("hyperfine");
        for e in file.results {
            let variant = e
                .parameters
                .iter()
                .map(|(k, v)| (k.clone(), super::json_text(v)))
                .collect();
            let mut b = new_benchmark(suite, &e.command, variant);
            let runs = e.exit_codes.len().max(e.times.as_ref().map_or(0, Vec::len)) as u64;
            match &e.times {
                Some(times) => {
                    for t in times {
                        add_group(
                            &mut b,
                            metric::EXECUTION_TIME,
                            Unit::Nanoseconds,
                            false,
                            vec![t * 1e9],
                        );
                    }
                }
                None => add_summary(
                    &mut b,
                    metric::EXECUTION_TIME,
                    Unit::Nanoseconds,
                    SummaryStats {
                        n: runs,
                        mean: e.mean * 1e9,
                        stddev: e.stddev.unwrap_or(0.0) * 1e9,
                        median: e.median.map(|v| v * 1e9),
                        min: e.min.map(|v| v * 1e9),
                        max: e.max.map(|v| v * 1e9),
                    },
                ),
            }
            for rss in e.memory_usage_byte.iter().flatten() {
                add_group(
                    &mut b,
                    metric::MAX_RSS_USAGE,
                    Unit::Bytes,
                    false,
                    vec![*rss],
                );
            }
            for (name, mean) in [(metric::USER_TIME, e.user), (metric::SYS_TIME, e.system)] {
                if let Some(mean) = mean {
                    let summary = SummaryStats {
                        n: 1,
                        mean: mean * 1e9,
                        stddev: 0.0,
                        median: None,
                        min: None,
                        max: None,
                    };
                    add_summary(&mut b, name, Unit::Nanoseconds, summary);
                }
            }
            let failed: Vec<String> = e
                .exit_codes
                .iter()
                .filter(|c| **c != Some(0))
                .map(|c| {
                    c.map_or("killed by a signal".to_string(), |c| {
                        format!("exit code {c}")
                    })
                })
                .collect();
            if let Some(first) = failed.first() {
                b.status = Status::Failed;
                b.reason = Some(format!(
                    "{first} in {} of {} runs",
                    failed.len(),
                    e.exit_codes.len()
                ));
            }
            out.add(input, b, DUPLICATE_HINT)?;
        }
        Ok(())
    }
}
