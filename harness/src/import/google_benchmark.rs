//! Google Benchmark `--benchmark_format=json` (or `--benchmark_out=FILE`).
//!
//! Each `iteration` row (one repetition, `--benchmark_repetitions=N`) is one group: `real_time` as
//! `execution_time` and `cpu_time` as `cpu_time`, per iteration, converted from `time_unit` to ns;
//! every other numeric field is a user counter, kept as its own metric (`*_per_second` counters as
//! rates, where more is better; the rest as counts). Aggregate rows (`_mean`, `_stddev`, ...) are
//! ignored when iteration rows exist; with `--benchmark_report_aggregates_only` they become summary
//! statistics. Files from before `run_type` existed are read the same way.
//!
//! Suite: the benchmark executable's file name; scenario: the run name with its `/arg` parts
//! (`BM_Sum/1000`), which is how users know a Google benchmark.

use super::meta::{parse_date, set_once};
use super::{
    add_group, add_summary, metric_name, new_benchmark, Collected, Format, ImportError,
    ImportOptions, Importer, Input,
};
use crate::results::{metric, BenchmarkResult, Status, SummaryStats};
use crate::units::Unit;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub struct GoogleBenchmark;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    context: Map<String, Value>,
    benchmarks: Vec<Map<String, Value>>,
}

/// Fields of a row that are not user counters.
const KNOWN: &[&str] = &[
    "name",
    "family_index",
    "per_family_instance_index",
    "run_name",
    "run_type",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "aggregate_name",
    "aggregate_unit",
    "error_occurred",
    "error_message",
    "label",
    "big_o",
    "rms",
    "complexity_n",
];

impl Importer for GoogleBenchmark {
    fn format(&self) -> Format {
        Format::GoogleBenchmark
    }

    fn detect(&self, input: &Input) -> bool {
        let Some(v) = input.json() else { return false };
        v.get("context").is_some_and(Value::is_object)
            && v.get("benchmarks")
                .and_then(Value::as_array)
                .is_some_and(|b| {
                    b.iter().all(|r| {
                        r.get("name").is_some_and(Value::is_string)
                            && (r.get("real_time").is_some() || r.get("error_occurred").is_some())
                    })
                })
    }

    fn read(
        &self,
        input: &Input,
        opts: &ImportOptions,
        out: &mut Collected,
    ) -> Result<(), ImportError> {
        let file: File = input.parse(Format::GoogleBenchmark)?;
        let ctx = &file.context;
        let exe_stem = ctx
            .get("executable")
            .and_then(Value::as_str)
            .and_then(|e| std::path::Path::new(e).file_stem().and_then(|s| s.to_str()))
            .unwrap_or("google-benchmark")
            .to_string();
        let suite = opts.suite.clone().unwrap_or(exe_stem);

        // Rows in file order, grouped by run name.
        let mut order: Vec<String> = Vec::new();
        let mut rows: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        for (i, row) in file.benchmarks.iter().enumerate() {
            let run = run_name(row);
            if !rows.contains_key(&run) {
                order.push(run.clone());
            }
            rows.entry(run).or_default().push((i, row));
        }
        for run in order {
            let rows = &rows[&run];
            let mut b = new_benchmark(&suite, &run, BTreeMap::new());
            let iterations: Vec<_> = rows.iter().filter(|(_, r)| !is_aggregate(r)).collect();
            if let Some((_, r)) = rows
                .iter()
                .find(|(_, r)| r.get("error_occurred").and_then(Value::as_bool) == Some(true))
            {
                b.status = Status::Failed;
                b.reason = r
                    .get("error_message")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            } else if !iterations.is_empty() {
                for (i, r) in iterations {
                    read_iteration(input, *i, r, &mut b)?;
                }
            } else {
                read_aggregates(input, rows, &mut b)?;
            }
            out.add(input, b, "")?;
        }

        let found = &mut out.found;
        if let Some(t) = ctx.get("date").and_then(Value::as_str).and_then(parse_date) {
            found.saw_time(t);
        }
        set_once(
            &mut found.hostname,
            ctx.get("host_name")
                .and_then(Value::as_str)
                .map(str::to_string),
        );
        set_once(
            &mut found.cores,
            ctx.get("num_cpus")
                .and_then(Value::as_u64)
                .map(|n| n as u32),
        );
        for k in [
            "mhz_per_cpu",
            "cpu_scaling_enabled",
            "library_build_type",
            "executable",
            "library_version",
            "json_schema_version",
        ] {
            if let Some(v) = ctx.get(k) {
                found.keep(k, super::json_text(v));
            }
        }
        Ok(())
    }
}

/// A row of `benchmarks[]` with its index, for error messages.
type Row<'a> = (usize, &'a Map<String, Value>);

fn run_name(row: &Map<String, Value>) -> String {
    if let Some(r) = row.get("run_name").and_then(Value::as_str) {
        return r.to_string();
    }
    // Old files: no `run_name`; an aggregate's name is the run name plus `_<aggregate>`.
    let name = row.get("name").and_then(Value::as_str).unwrap_or_default();
    match row.get("aggregate_name").and_then(Value::as_str) {
        Some(agg) => name
            .strip_suffix(&format!("_{agg}"))
            .unwrap_or(name)
            .to_string(),
        None => name.to_string(),
    }
}

fn is_aggregate(row: &Map<String, Value>) -> bool {
    match row.get("run_type").and_then(Value::as_str) {
        Some(t) => t == "aggregate",
        None => row.get("aggregate_name").is_some(),
    }
}

fn to_ns(input: &Input, i: usize, row: &Map<String, Value>) -> Result<f64, ImportError> {
    let unit = row.get("time_unit").and_then(Value::as_str).unwrap_or("ns");
    match unit {
        "ns" => Ok(1.0),
        "us" => Ok(1e3),
        "ms" => Ok(1e6),
        "s" => Ok(1e9),
        other => Err(input.invalid(
            Format::GoogleBenchmark,
            format!("benchmarks[{i}]"),
            format!("unknown time_unit `{other}`"),
        )),
    }
}

fn number(
    input: &Input,
    i: usize,
    row: &Map<String, Value>,
    field: &str,
) -> Result<f64, ImportError> {
    row.get(field).and_then(Value::as_f64).ok_or_else(|| {
        input.invalid(
            Format::GoogleBenchmark,
            format!("benchmarks[{i}]"),
            format!("`{field}` is missing or not a number"),
        )
    })
}

fn read_iteration(
    input: &Input,
    i: usize,
    row: &Map<String, Value>,
    b: &mut BenchmarkResult,
) -> Result<(), ImportError> {
    let scale = to_ns(input, i, row)?;
    add_group(
        b,
        metric::EXECUTION_TIME,
        Unit::Nanoseconds,
        false,
        vec![number(input, i, row, "real_time")? * scale],
    );
    add_group(
        b,
        "cpu_time",
        Unit::Nanoseconds,
        false,
        vec![number(input, i, row, "cpu_time")? * scale],
    );
    for (k, v) in row {
        if KNOWN.contains(&k.as_str()) {
            continue;
        }
        if let Some(v) = v.as_f64() {
            let rate = k.ends_with("_per_second");
            let unit = if rate { Unit::PerSecond } else { Unit::Count };
            add_group(b, &metric_name(k), unit, rate, vec![v]);
        }
    }
    Ok(())
}

/// Only aggregates were reported: mean, stddev and median of the repetitions.
fn read_aggregates(
    input: &Input,
    rows: &[Row],
    b: &mut BenchmarkResult,
) -> Result<(), ImportError> {
    let agg = |name: &str| {
        rows.iter()
            .find(|(_, r)| r.get("aggregate_name").and_then(Value::as_str) == Some(name))
    };
    let Some((i, mean)) = agg("mean") else {
        return Err(input.invalid(
            Format::GoogleBenchmark,
            format!("benchmark `{}`", b.scenario),
            "neither iteration rows nor a `mean` aggregate",
        ));
    };
    let n = mean.get("repetitions").and_then(Value::as_u64).unwrap_or(1);
    for (field, name) in [
        ("real_time", metric::EXECUTION_TIME),
        ("cpu_time", "cpu_time"),
    ] {
        let at = |row: Option<&Row>| -> Result<Option<f64>, ImportError> {
            match row {
                Some((i, r)) => Ok(Some(number(input, *i, r, field)? * to_ns(input, *i, r)?)),
                None => Ok(None),
            }
        };
        let summary = SummaryStats {
            n,
            mean: number(input, *i, mean, field)? * to_ns(input, *i, mean)?,
            stddev: at(agg("stddev"))?.unwrap_or(0.0),
            median: at(agg("median"))?,
            min: None,
            max: None,
        };
        add_summary(b, name, Unit::Nanoseconds, summary);
    }
    Ok(())
}
