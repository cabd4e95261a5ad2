//! pyperf JSON (`-o bench.json`, plain or `.json.gz`), format versions `1.0`, 6 and 5.
//!
//! Each run with values is one worker process: one group. Calibration and warmup-only runs carry no
//! values and are skipped. Values are seconds (or bytes, for `--track-memory`) per loop iteration.
//! Metadata is layered file < benchmark < run, as pyperf factors common entries upwards.

use super::meta::{parse_date, set_once};
use super::{
    json_text, new_benchmark, Collected, Format, ImportError, ImportOptions, Importer, Input,
};
use crate::results::{metric, GitInfo, MetricSamples};
use crate::units::Unit;
use chrono::{DateTime, Utc};
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

pub struct Pyperf;

#[derive(Deserialize)]
struct File {
    version: Value,
    #[serde(default)]
    metadata: Map<String, Value>,
    benchmarks: Vec<Bench>,
}

#[derive(Deserialize)]
struct Bench {
    #[serde(default)]
    metadata: Map<String, Value>,
    /// Versions before 6 kept the benchmark's metadata here.
    #[serde(default)]
    common_metadata: Map<String, Value>,
    runs: Runs,
}

/// A benchmark's runs, compacted as they are read: what slogate reads of each run, and the values
/// of all runs in one vector. A run read whole (its date as text, its own vectors) lives only
/// until the next one is read, so a file of 10,000 benchmarks x 21 runs costs two allocations a
/// benchmark here instead of sixty.
#[derive(Default)]
struct Runs {
    runs: Vec<RunInfo>,
    values: Vec<f64>,
}

struct RunInfo {
    /// The run's own date: `None` when it has none (the benchmark's or file's applies),
    /// `Some(None)` when it has one that is not a date.
    date: Option<Option<DateTime<Utc>>>,
    duration: Option<f64>,
    mem_max_rss: Option<f64>,
    /// How many of `Runs::values` are this run's (0: a calibration or warmup-only run).
    values: usize,
}

impl<'de> Deserialize<'de> for Runs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Compact;
        impl<'de> Visitor<'de> for Compact {
            type Value = Runs;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of runs")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Runs, A::Error> {
                let mut out = Runs::default();
                while let Some(run) = seq.next_element::<Run>()? {
                    let values = if run.values.is_empty() {
                        run.samples
                    } else {
                        run.values
                    };
                    out.values.extend_from_slice(&values);
                    let meta = run.metadata;
                    out.runs.push(RunInfo {
                        date: meta.date.as_deref().map(parse_date),
                        duration: meta.duration,
                        mem_max_rss: meta.mem_max_rss,
                        values: values.len(),
                    });
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Compact)
    }
}

/// A run as pyperf writes it: only what slogate reads of its metadata (pyperf writes a dozen
/// entries per run).
#[derive(Deserialize, Default)]
struct RunMeta {
    date: Option<String>,
    duration: Option<f64>,
    mem_max_rss: Option<f64>,
}

#[derive(Deserialize)]
struct Run {
    #[serde(default)]
    metadata: RunMeta,
    #[serde(default)]
    values: Vec<f64>,
    /// Versions before 6 called the values `samples`.
    #[serde(default)]
    samples: Vec<f64>,
}

/// Run metadata that describes one process, not the benchmark.
const PER_RUN: &[&str] = &[
    "date",
    "duration",
    "uptime",
    "load_avg_1min",
    "runnable_threads",
    "mem_max_rss",
    "command_max_rss",
    "calibrate_loops",
    "recalibrate_loops",
    "calibrate_warmups",
    "recalibrate_warmups",
    "cpu_freq",
    "cpu_temp",
    "name",
];

fn supported(version: &Value) -> bool {
    matches!(version, Value::String(s) if s == "1.0") || matches!(version.as_u64(), Some(5 | 6))
}

impl Importer for Pyperf {
    fn format(&self) -> Format {
        Format::Pyperf
    }

    fn detect(&self, input: &Input) -> bool {
        let Some(v) = input.json() else { return false };
        v.get("version").is_some_and(supported)
            && v.get("benchmarks")
                .and_then(Value::as_array)
                .is_some_and(|b| b.iter().all(|b| b.get("runs").is_some_and(Value::is_array)))
    }

    fn read(
        &self,
        input: &Input,
        opts: &ImportOptions,
        out: &mut Collected,
    ) -> Result<(), ImportError> {
        let file: File = input.parse(Format::Pyperf)?;
        if !supported(&file.version) {
            return Err(input.invalid(
                Format::Pyperf,
                "version",
                format!(
                    "format version {} is not supported (1.0, 6 and 5 are)",
                    file.version
                ),
            ));
        }
        let suite = opts.suite.as_deref().unwrap_or("pyperf");
        let found = &mut out.found;
        for (k, v) in &file.metadata {
            found.keep(k.clone(), json_text(v));
        }
        let mut benches = Vec::new();
        // Each benchmark is dropped once converted, so the results reuse its memory.
        for (i, bench) in file.benchmarks.into_iter().enumerate() {
            // Layered: the benchmark's own metadata over its (older) common metadata over the
            // file's.
            let layered = |k: &str| {
                bench
                    .metadata
                    .get(k)
                    .or_else(|| bench.common_metadata.get(k))
                    .or_else(|| file.metadata.get(k))
            };
            let name = layered("name")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    input.invalid(
                        Format::Pyperf,
                        format!("benchmarks[{i}]"),
                        "the benchmark has no `name` metadata",
                    )
                })?
                .to_string();
            for (k, v) in bench.common_metadata.iter().chain(&bench.metadata) {
                if !PER_RUN.contains(&k.as_str()) {
                    found.keep(format!("{name}.{k}"), json_text(v));
                }
            }
            let unit = layered("unit").and_then(Value::as_str).unwrap_or("second");
            let (metric_name, scale, unit) = match unit {
                "second" => (metric::EXECUTION_TIME, 1e9, Unit::Nanoseconds),
                "byte" => (metric::MAX_RSS_USAGE, 1.0, Unit::Bytes),
                "integer" => ("value", 1.0, Unit::Count),
                other => {
                    return Err(input.invalid(
                        Format::Pyperf,
                        format!("benchmark `{name}`"),
                        format!("unknown unit `{other}`"),
                    ))
                }
            };
            let date = layered("date").and_then(Value::as_str);
            let duration = layered("duration").and_then(Value::as_f64);
            let mem_max_rss = layered("mem_max_rss").and_then(Value::as_f64);
            // Each metric's processes are allocated once at their final size: grown a push at a
            // time, a file of 10,000 benchmarks left a third of its memory in outgrown vectors.
            let processes = bench.runs.runs.iter().filter(|r| r.values > 0).count();
            let mut measured = MetricSamples {
                processes: Vec::with_capacity(processes),
                ..MetricSamples::new(unit)
            };
            let mut rss = MetricSamples {
                processes: Vec::with_capacity(processes),
                ..MetricSamples::new(Unit::Bytes)
            };
            let mut rest = bench.runs.values.as_slice();
            for run in &bench.runs.runs {
                let (values, later) = rest.split_at(run.values);
                rest = later;
                if let Some(t) = run.date.unwrap_or_else(|| date.and_then(parse_date)) {
                    let end = run
                        .duration
                        .or(duration)
                        .map_or(t, |d| t + chrono::Duration::milliseconds((d * 1e3) as i64));
                    found.saw_time(t);
                    found.saw_time(end);
                }
                if values.is_empty() {
                    continue; // calibration or warmup-only run
                }
                measured
                    .processes
                    .push(values.iter().map(|v| v * scale).collect());
                if unit != Unit::Bytes {
                    if let Some(value) = run.mem_max_rss.or(mem_max_rss) {
                        rss.processes.push(vec![value]);
                    }
                }
            }
            let mut b = new_benchmark(suite, &name, BTreeMap::new());
            for (metric_name, samples) in [(metric_name, measured), (metric::MAX_RSS_USAGE, rss)] {
                if !samples.processes.is_empty() {
                    b.metrics.insert(metric_name.to_string(), samples);
                }
            }
            if b.metrics.is_empty() {
                return Err(input.invalid(
                    Format::Pyperf,
                    format!("benchmark `{name}`"),
                    "no run has values (only calibration or warmups)",
                ));
            }
            benches.push(b);
        }
        let m = &file.metadata;
        let text = |k: &str| m.get(k).map(json_text);
        set_once(&mut found.hostname, text("hostname"));
        set_once(&mut found.cpu_model, text("cpu_model_name"));
        set_once(
            &mut found.cores,
            m.get("cpu_count").and_then(Value::as_u64).map(|c| c as u32),
        );
        if let Some(commit) = text("commit_id") {
            set_once(
                &mut found.git,
                Some(GitInfo {
                    commit,
                    branch: text("commit_branch"),
                    dirty: false,
                    subject: None,
                }),
            );
        }
        for b in benches {
            out.add(input, b, "")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{import, Format, ImportOptions};
    use crate::results::metric;

    /// Runs are read compacted: each run keeps its own values (a calibration run none), a run
    /// without a date takes the benchmark's, an unreadable run date is no date, and the file's
    /// `unit` applies to a benchmark that names none.
    #[test]
    fn compacted_runs_keep_their_values_dates_and_units() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.json");
        std::fs::write(
            &path,
            r#"{"benchmarks": [
                {"metadata": {"name": "a", "date": "2026-11-24 08:00:10"},
                 "runs": [
                    {"metadata": {"date": "2026-11-24 08:00:00.5", "calibrate_loops": 8},
                     "warmups": [[8, 0.1]]},
                    {"metadata": {"duration": 2.0, "mem_max_rss": 1000}, "values": [1.0, 2.0]},
                    {"metadata": {"date": "not a date", "mem_max_rss": 2000}, "values": [3.0]},
                    {"metadata": {"date": "2026-11-24 08:00:20"}, "values": [4.0, 5.0, 6.0]}]},
                {"metadata": {"name": "b", "unit": "byte"},
                 "runs": [{"samples": [7.0]}, {"values": [8.0, 9.0]}]}],
              "metadata": {"unit": "second", "hostname": "h"},
              "version": "1.0"}"#,
        )
        .unwrap();
        let file = import(Format::Pyperf, &[path], &ImportOptions::default()).unwrap();
        let a = &file.benchmarks[0];
        assert_eq!(
            a.metrics[metric::EXECUTION_TIME].processes,
            vec![vec![1e9, 2e9], vec![3e9], vec![4e9, 5e9, 6e9]]
        );
        assert_eq!(
            a.metrics[metric::MAX_RSS_USAGE].processes,
            vec![vec![1000.0], vec![2000.0]]
        );
        let b = &file.benchmarks[1];
        assert_eq!(
            b.metrics[metric::MAX_RSS_USAGE].processes,
            vec![vec![7.0], vec![8.0, 9.0]]
        );
        assert!(!b.metrics.contains_key(metric::EXECUTION_TIME));
        // The calibration run's date starts the file; the run dated by its benchmark (08:00:10)
        // and lasting 2 s does not end it: the last run (08:00:20) does.
        let meta = &file.meta;
        assert_eq!(
            meta.started_at.to_rfc3339(),
            "2026-11-24T08:00:00.500+00:00"
        );
        assert_eq!(
            meta.ended_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-24T08:00:20+00:00")
        );
    }
}
