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
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

pub struct GoogleBenchmark;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    context: Context,
    #[serde(deserialize_with = "rows")]
    benchmarks: Vec<Row>,
}

/// What slogate reads of the `context` object.
#[derive(Default)]
struct Context {
    executable: Option<String>,
    date: Option<String>,
    host_name: Option<String>,
    num_cpus: Option<u32>,
    // Kept as metadata.
    mhz_per_cpu: Option<f64>,
    cpu_scaling_enabled: Option<bool>,
    library_build_type: Option<String>,
    library_version: Option<String>,
    json_schema_version: Option<u64>,
}

/// One row of `benchmarks[]`: the fields slogate reads, typed, and the user counters.
#[derive(Default)]
struct Row {
    name: String,
    run_name: Option<String>,
    run_type: Option<String>,
    repetitions: Option<u64>,
    real_time: Option<f64>,
    cpu_time: Option<f64>,
    time_unit: TimeUnit,
    aggregate_name: Option<String>,
    error_occurred: bool,
    error_message: Option<String>,
    /// Every other numeric field.
    counters: BTreeMap<String, f64>,
}

#[derive(Deserialize, Default, Clone, Copy)]
enum TimeUnit {
    #[default]
    #[serde(rename = "ns")]
    Nanoseconds,
    #[serde(rename = "us")]
    Microseconds,
    #[serde(rename = "ms")]
    Milliseconds,
    #[serde(rename = "s")]
    Seconds,
}

impl TimeUnit {
    fn to_ns(self) -> f64 {
        match self {
            TimeUnit::Nanoseconds => 1.0,
            TimeUnit::Microseconds => 1e3,
            TimeUnit::Milliseconds => 1e6,
            TimeUnit::Seconds => 1e9,
        }
    }
}

/// Fields of a row that slogate does not read but that are not user counters either.
const IGNORED: &[&str] = &[
    "family_index",
    "per_family_instance_index",
    "repetition_index",
    "threads",
    "iterations",
    "aggregate_unit",
    "label",
    "big_o",
    "rms",
    "complexity_n",
];

/// A field that is not one of the known ones: a user counter when it is a number (Google Benchmark
/// writes counters as numbers); anything else is no counter and is passed over.
#[derive(Deserialize)]
#[serde(untagged)]
enum Extra {
    Number(f64),
    Other(IgnoredAny),
}

/// An object read field by field, so that a type error names its field (serde alone says only
/// what it expected).
trait Fields: Default {
    const WHAT: &'static str;
    /// Reads the value of `key` from `map`.
    fn read<'de, M: MapAccess<'de>>(&mut self, key: String, map: &mut M) -> Result<(), M::Error>;
}

struct ByField<T>(PhantomData<T>);

impl<'de, T: Fields> Visitor<'de> for ByField<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::WHAT)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<T, M::Error> {
        let mut t = T::default();
        while let Some(key) = map.next_key::<String>()? {
            t.read(key, &mut map)?;
        }
        Ok(t)
    }
}

/// The next value of `map`, of field `key`.
fn field<'de, T: Deserialize<'de>, M: MapAccess<'de>>(
    map: &mut M,
    key: &str,
) -> Result<T, M::Error> {
    map.next_value()
        .map_err(|e| de::Error::custom(format_args!("`{key}`: {e}")))
}

impl Fields for Context {
    const WHAT: &'static str = "the run's context (an object)";

    fn read<'de, M: MapAccess<'de>>(&mut self, key: String, m: &mut M) -> Result<(), M::Error> {
        match key.as_str() {
            "executable" => self.executable = field(m, &key)?,
            "date" => self.date = field(m, &key)?,
            "host_name" => self.host_name = field(m, &key)?,
            "num_cpus" => self.num_cpus = field(m, &key)?,
            "mhz_per_cpu" => self.mhz_per_cpu = field(m, &key)?,
            "cpu_scaling_enabled" => self.cpu_scaling_enabled = field(m, &key)?,
            "library_build_type" => self.library_build_type = field(m, &key)?,
            "library_version" => self.library_version = field(m, &key)?,
            "json_schema_version" => self.json_schema_version = field(m, &key)?,
            _ => {
                m.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl Fields for Row {
    const WHAT: &'static str = "a benchmark row (an object)";

    fn read<'de, M: MapAccess<'de>>(&mut self, key: String, m: &mut M) -> Result<(), M::Error> {
        match key.as_str() {
            "name" => self.name = field(m, &key)?,
            "run_name" => self.run_name = field(m, &key)?,
            "run_type" => self.run_type = field(m, &key)?,
            "repetitions" => self.repetitions = field(m, &key)?,
            "real_time" => self.real_time = field(m, &key)?,
            "cpu_time" => self.cpu_time = field(m, &key)?,
            "time_unit" => self.time_unit = field(m, &key)?,
            "aggregate_name" => self.aggregate_name = field(m, &key)?,
            "error_occurred" => self.error_occurred = field(m, &key)?,
            "error_message" => self.error_message = field(m, &key)?,
            k if IGNORED.contains(&k) => {
                m.next_value::<IgnoredAny>()?;
            }
            _ => {
                if let Extra::Number(v) = m.next_value()? {
                    self.counters.insert(key, v);
                }
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Context {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Context, D::Error> {
        d.deserialize_map(ByField(PhantomData))
    }
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Row, D::Error> {
        d.deserialize_map(ByField(PhantomData))
    }
}

/// Reads `benchmarks[]`, naming the row in an error.
fn rows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Row>, D::Error> {
    struct Rows;
    impl<'de> Visitor<'de> for Rows {
        type Value = Vec<Row>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of benchmark rows")
        }

        fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<Row>, S::Error> {
            let mut rows = Vec::new();
            while let Some(row) = seq
                .next_element()
                .map_err(|e| de::Error::custom(format_args!("benchmarks[{}]: {e}", rows.len())))?
            {
                rows.push(row);
            }
            Ok(rows)
        }
    }
    d.deserialize_seq(Rows)
}

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
        let file: File = match input.parse(Format::GoogleBenchmark) {
            Ok(file) => file,
            Err(e) => {
                // Broken JSON is told as such (a truncated file as truncated), not as the row it
                // broke off in.
                input.parse::<IgnoredAny>(Format::GoogleBenchmark)?;
                return Err(e);
            }
        };
        let ctx = &file.context;
        let exe_stem = ctx
            .executable
            .as_deref()
            .and_then(|e| std::path::Path::new(e).file_stem().and_then(|s| s.to_str()))
            .unwrap_or("google-benchmark")
            .to_string();
        let suite = opts.suite.clone().unwrap_or(exe_stem);

        // Rows in file order, grouped by run name.
        let mut order: Vec<String> = Vec::new();
        let mut rows: BTreeMap<String, Vec<Indexed>> = BTreeMap::new();
        for (i, row) in file.benchmarks.iter().enumerate() {
            let run = row.run_name();
            if !rows.contains_key(&run) {
                order.push(run.clone());
            }
            rows.entry(run).or_default().push((i, row));
        }
        for run in order {
            let rows = &rows[&run];
            let mut b = new_benchmark(&suite, &run, BTreeMap::new());
            let iterations: Vec<_> = rows.iter().filter(|(_, r)| !r.is_aggregate()).collect();
            if let Some((_, r)) = rows.iter().find(|(_, r)| r.error_occurred) {
                b.status = Status::Failed;
                b.reason = r.error_message.clone();
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
        if let Some(t) = ctx.date.as_deref().and_then(parse_date) {
            found.saw_time(t);
        }
        set_once(&mut found.hostname, ctx.host_name.clone());
        set_once(&mut found.cores, ctx.num_cpus);
        for (k, v) in [
            ("mhz_per_cpu", ctx.mhz_per_cpu.map(|v| v.to_string())),
            (
                "cpu_scaling_enabled",
                ctx.cpu_scaling_enabled.map(|v| v.to_string()),
            ),
            ("library_build_type", ctx.library_build_type.clone()),
            ("executable", ctx.executable.clone()),
            ("library_version", ctx.library_version.clone()),
            (
                "json_schema_version",
                ctx.json_schema_version.map(|v| v.to_string()),
            ),
        ] {
            if let Some(v) = v {
                found.keep(k, v);
            }
        }
        Ok(())
    }
}

/// A row of `benchmarks[]` with its index, for error messages.
type Indexed<'a> = (usize, &'a Row);

impl Row {
    fn run_name(&self) -> String {
        if let Some(r) = &self.run_name {
            return r.clone();
        }
        // Old files: no `run_name`; an aggregate's name is the run name plus `_<aggregate>`.
        let name = self.name.as_str();
        match &self.aggregate_name {
            Some(agg) => name
                .strip_suffix(&format!("_{agg}"))
                .unwrap_or(name)
                .to_string(),
            None => name.to_string(),
        }
    }

    fn is_aggregate(&self) -> bool {
        match &self.run_type {
            Some(t) => t == "aggregate",
            None => self.aggregate_name.is_some(),
        }
    }
}

/// One of the two times of a row: its field and the metric it becomes.
struct Time {
    field: &'static str,
    metric: &'static str,
    of: fn(&Row) -> Option<f64>,
}

const TIMES: [Time; 2] = [
    Time {
        field: "real_time",
        metric: metric::EXECUTION_TIME,
        of: |r| r.real_time,
    },
    Time {
        field: "cpu_time",
        metric: "cpu_time",
        of: |r| r.cpu_time,
    },
];

/// A time of row `i`, in ns.
fn time_ns(input: &Input, (i, row): Indexed, time: &Time) -> Result<f64, ImportError> {
    let t = (time.of)(row).ok_or_else(|| {
        input.invalid(
            Format::GoogleBenchmark,
            format!("benchmarks[{i}]"),
            format!("`{}` is missing or not a number", time.field),
        )
    })?;
    Ok(t * row.time_unit.to_ns())
}

fn read_iteration(
    input: &Input,
    i: usize,
    row: &Row,
    b: &mut BenchmarkResult,
) -> Result<(), ImportError> {
    for time in &TIMES {
        let t = time_ns(input, (i, row), time)?;
        add_group(b, time.metric, Unit::Nanoseconds, false, vec![t]);
    }
    for (k, &v) in &row.counters {
        let rate = k.ends_with("_per_second");
        let unit = if rate { Unit::PerSecond } else { Unit::Count };
        add_group(b, &metric_name(k), unit, rate, vec![v]);
    }
    Ok(())
}

/// Only aggregates were reported: mean, stddev and median of the repetitions.
fn read_aggregates(
    input: &Input,
    rows: &[Indexed],
    b: &mut BenchmarkResult,
) -> Result<(), ImportError> {
    let agg = |name: &str| {
        rows.iter()
            .copied()
            .find(|(_, r)| r.aggregate_name.as_deref() == Some(name))
    };
    let Some(mean) = agg("mean") else {
        return Err(input.invalid(
            Format::GoogleBenchmark,
            format!("benchmark `{}`", b.scenario),
            "neither iteration rows nor a `mean` aggregate",
        ));
    };
    for time in &TIMES {
        let at = |row: Option<Indexed>| row.map(|r| time_ns(input, r, time)).transpose();
        let summary = SummaryStats {
            n: mean.1.repetitions.unwrap_or(1),
            mean: time_ns(input, mean, time)?,
            stddev: at(agg("stddev"))?.unwrap_or(0.0),
            median: at(agg("median"))?,
            min: None,
            max: None,
        };
        add_summary(b, time.metric, Unit::Nanoseconds, summary);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{import, ImportOptions};
    use super::*;

    /// Imports `context` and `rows` as Google Benchmark output; the error's text on failure.
    fn import_file(context: &str, rows: &str) -> Result<crate::results::ResultsFile, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gb.json");
        let text = format!("{{\"context\": {context},\n\"benchmarks\": [\n{rows}]}}");
        std::fs::write(&path, text).unwrap();
        import(Format::GoogleBenchmark, &[path], &ImportOptions::default())
            .map_err(|e| e.to_string())
    }

    fn import_rows(rows: &str) -> Result<crate::results::ResultsFile, String> {
        import_file(r#"{"executable": "./gb"}"#, rows)
    }

    const ROW: &str = r#"{"name": "BM_A", "run_name": "BM_A", "run_type": "iteration", "iterations": 10, "real_time": 2.5, "cpu_time": 2, "time_unit": "us", "label": "x", "bytes_per_second": 4e9}"#;

    #[test]
    fn rows_are_read_typed_with_counters_beside() {
        let r = import_rows(ROW).unwrap();
        let b = r.benchmark("gb/BM_A").unwrap();
        assert_eq!(b.metrics["execution_time"].processes, [[2500.0]]);
        assert_eq!(b.metrics["cpu_time"].processes, [[2000.0]]);
        let rate = &b.metrics["bytes_per_second"];
        assert!(rate.higher_is_better && rate.unit == Unit::PerSecond);
        // The label and the iteration count are no counters.
        assert_eq!(b.metrics.len(), 3);
    }

    #[test]
    fn a_wrong_type_names_file_row_and_field() {
        let e = import_rows(&format!("{ROW},\n{}", ROW.replace("2.5", "\"fast\""))).unwrap_err();
        assert!(
            e.contains("gb.json")
                && e.contains("benchmarks[1]")
                && e.contains("`real_time`")
                && e.contains("invalid type: string \"fast\"")
                && e.contains("line 4"),
            "{e}"
        );
        let e = import_rows(&ROW.replace("\"us\"", "\"fortnights\"")).unwrap_err();
        assert!(
            e.contains("gb.json")
                && e.contains("benchmarks[0]")
                && e.contains("`time_unit`")
                && e.contains("unknown variant `fortnights`"),
            "{e}"
        );
        let e = import_file(r#"{"num_cpus": "two"}"#, ROW).unwrap_err();
        assert!(
            e.contains("gb.json") && e.contains("`num_cpus`") && e.contains("line 1"),
            "{e}"
        );
        let e = import_rows(&ROW.replace("\"cpu_time\": 2,", "")).unwrap_err();
        assert!(
            e.contains("benchmarks[0]") && e.contains("`cpu_time` is missing"),
            "{e}"
        );
    }

    #[test]
    fn a_truncated_file_is_told_as_truncated() {
        let e = import_rows(&ROW[..ROW.len() / 2]).unwrap_err();
        assert!(e.contains("gb.json") && e.contains("truncated"), "{e}");
    }
}
