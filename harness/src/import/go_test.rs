//! `go test -bench . -count N -benchmem` text, the input of benchstat.
//!
//! ```text
//! goos: linux
//! pkg: example.com/m
//! cpu: AMD EPYC
//! BenchmarkSum-8        20000       11017 ns/op    1831.17 MB/s        56 B/op         2 allocs/op
//! ```
//! Every result line is one group (one `-count` repetition). `ns/op` is `execution_time`, `B/op`
//! `bytes_per_op`, `allocs/op` `allocs_per_op`, `MB/s` `bytes_per_s` (a rate, more is better); other
//! units from `b.ReportMetric` are kept as `<x>_per_s` rates, `ns_per_<x>` times or plain counts.
//!
//! Suite: the last element of `pkg:`; scenario: the benchmark name without its `-GOMAXPROCS` suffix
//! (which goes to the metadata, or to the variant `procs` when one file holds several).

use super::meta::{normalise_arch, set_once};
use super::{
    add_group, metric_name, new_benchmark, Collected, Format, ImportError, ImportOptions, Importer,
    Input,
};
use crate::results::{metric, BenchmarkResult, Status};
use crate::units::Unit;
use std::collections::{BTreeMap, BTreeSet};

pub struct GoTest;

/// One parsed result line.
struct Line {
    line_no: usize,
    pkg: String,
    name: String,
    procs: Option<String>,
    /// (metric, unit, higher is better, value in base units)
    values: Vec<(String, Unit, bool, f64)>,
}

impl Importer for GoTest {
    fn format(&self) -> Format {
        Format::GoTest
    }

    fn detect(&self, input: &Input) -> bool {
        !input.is_dir
            && input.json().is_none()
            && std::str::from_utf8(&input.bytes).is_ok_and(|t| {
                t.lines()
                    .any(|l| parse_result(l).is_some_and(|r| r.is_ok()))
            })
    }

    fn read(
        &self,
        input: &Input,
        opts: &ImportOptions,
        out: &mut Collected,
    ) -> Result<(), ImportError> {
        let text_err = |line: usize, message: String| ImportError::Text {
            path: input.path.clone(),
            format: Format::GoTest,
            line,
            message,
        };
        let text = std::str::from_utf8(&input.bytes).map_err(|e| {
            let line = input.bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            text_err(line, "not UTF-8 text".into())
        })?;
        let mut pkg = String::new();
        let mut lines = Vec::new();
        let mut failed: Vec<(String, String)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let l = raw.trim_end();
            if let Some((key, value)) = header(l) {
                if key == "pkg" {
                    pkg = value.to_string();
                }
                let found = &mut out.found;
                match key {
                    "cpu" => set_once(&mut found.cpu_model, Some(value.to_string())),
                    "goarch" => set_once(&mut found.arch, Some(normalise_arch(value))),
                    "pkg" => {}
                    _ => found.keep(key, value),
                }
                continue;
            }
            if let Some(name) = l.trim_start().strip_prefix("--- FAIL: ") {
                let name = name.split_whitespace().next().unwrap_or_default();
                if name.starts_with("Benchmark") {
                    failed.push((pkg.clone(), name.to_string()));
                }
                continue;
            }
            match parse_result(l) {
                Some(Ok((name, values))) => {
                    let (name, procs) = split_procs(name);
                    lines.push(Line {
                        line_no: i + 1,
                        pkg: pkg.clone(),
                        name,
                        procs,
                        values,
                    });
                }
                Some(Err(message)) => return Err(text_err(i + 1, message)),
                None => {}
            }
        }
        if lines.is_empty() && failed.is_empty() {
            return Err(ImportError::Empty {
                path: input.path.clone(),
                format: Format::GoTest,
                hint:
                    " (no `BenchmarkName-N  iterations  value unit ...` lines; was `-bench` given?)"
                        .into(),
            });
        }
        // Several GOMAXPROCS values in one file (`-cpu 1,2,4`) become a variant; one stays metadata.
        let procs: BTreeSet<_> = lines.iter().filter_map(|l| l.procs.clone()).collect();
        let procs_variant = procs.len() > 1;
        if let (false, Some(p)) = (procs_variant, procs.first()) {
            out.found.keep("gomaxprocs", p.clone());
        }
        let mut benches: Vec<BenchmarkResult> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for l in lines {
            let suite = opts.suite.clone().unwrap_or_else(|| suite_of(&l.pkg));
            let mut variant = BTreeMap::new();
            if procs_variant {
                variant.insert(
                    "procs".to_string(),
                    l.procs.clone().unwrap_or_else(|| "1".into()),
                );
            }
            let b = new_benchmark(&suite, &l.name, variant);
            let i = *index.entry(b.key.clone()).or_insert_with(|| {
                benches.push(b);
                benches.len() - 1
            });
            let b = &mut benches[i];
            for (name, unit, higher, v) in l.values {
                if b.metrics.get(&name).is_some_and(|m| m.unit != unit) {
                    return Err(text_err(l.line_no, format!("`{name}` changes unit")));
                }
                add_group(b, &name, unit, higher, vec![v]);
            }
        }
        for (pkg, name) in failed {
            let (name, _) = split_procs(&name);
            let suite = opts.suite.clone().unwrap_or_else(|| suite_of(&pkg));
            let i = match benches
                .iter()
                .position(|b| b.suite == suite && b.scenario == name)
            {
                Some(i) => i,
                None => {
                    benches.push(new_benchmark(&suite, &name, BTreeMap::new()));
                    benches.len() - 1
                }
            };
            benches[i].status = Status::Failed;
            benches[i].reason = Some("go test reported --- FAIL".into());
        }
        for b in benches {
            out.add(input, b, "")?;
        }
        Ok(())
    }
}

/// `goos: linux` style configuration lines (lowercase key, no spaces).
fn header(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once(": ")?;
    (!k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'))
    .then(|| (k, v.trim()))
}

type Parsed<'a> = (&'a str, Vec<(String, Unit, bool, f64)>);

/// A result line: `None` when the line is not one (log output, PASS, a name printed alone),
/// an error when it starts like one but does not parse.
fn parse_result(line: &str) -> Option<Result<Parsed<'_>, String>> {
    let mut fields = line.split_whitespace();
    let name = fields.next()?;
    if !name.starts_with("Benchmark") {
        return None;
    }
    let iterations = fields.next()?;
    if iterations.parse::<u64>().is_err() {
        return None;
    }
    let rest: Vec<&str> = fields.collect();
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return Some(Err(format!(
            "`{name}`: expected value-unit pairs after the iteration count, got `{}`",
            rest.join(" ")
        )));
    }
    let mut values = Vec::new();
    for pair in rest.chunks(2) {
        let v: f64 = match pair[0].parse() {
            Ok(v) => v,
            Err(_) => {
                return Some(Err(format!(
                    "`{name}`: `{}` is not a number (before `{}`)",
                    pair[0], pair[1]
                )))
            }
        };
        let (metric, unit, higher, scale) = unit_metric(pair[1]);
        values.push((metric, unit, higher, v * scale));
    }
    Some(Ok((name, values)))
}

/// Maps a Go benchmark unit to (metric, unit, higher is better, factor to the base unit).
fn unit_metric(unit: &str) -> (String, Unit, bool, f64) {
    match unit {
        "ns/op" => (metric::EXECUTION_TIME.into(), Unit::Nanoseconds, false, 1.0),
        "B/op" => ("bytes_per_op".into(), Unit::Bytes, false, 1.0),
        "allocs/op" => ("allocs_per_op".into(), Unit::Count, false, 1.0),
        "MB/s" => ("bytes_per_s".into(), Unit::PerSecond, true, 1e6),
        other => {
            if let Some(x) = other.strip_suffix("/s") {
                (
                    metric_name(&format!("{x}_per_s")),
                    Unit::PerSecond,
                    true,
                    1.0,
                )
            } else if let Some(x) = other.strip_prefix("ns/") {
                (
                    metric_name(&format!("ns_per_{x}")),
                    Unit::Nanoseconds,
                    false,
                    1.0,
                )
            } else {
                (metric_name(other), Unit::Count, false, 1.0)
            }
        }
    }
}

/// `BenchmarkSum/size=10-8` → (`BenchmarkSum/size=10`, Some(`8`)).
fn split_procs(name: &str) -> (String, Option<String>) {
    match name.rsplit_once('-') {
        Some((base, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            (base.to_string(), Some(n.to_string()))
        }
        _ => (name.to_string(), None),
    }
}

fn suite_of(pkg: &str) -> String {
    match pkg.rsplit('/').next() {
        Some(last) if !last.is_empty() => last.to_string(),
        _ => "go".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_result_lines_and_units() {
        let (name, v) = parse_result("BenchmarkAlloc-2   \t   20000\t       559.2 ns/op\t1831.17 MB/s\t       0 B/op\t       0 allocs/op")
            .unwrap()
            .unwrap();
        assert_eq!(name, "BenchmarkAlloc-2");
        assert_eq!(
            v[0],
            ("execution_time".into(), Unit::Nanoseconds, false, 559.2)
        );
        assert_eq!(v[1].0, "bytes_per_s");
        assert!((v[1].3 - 1.83117e9).abs() < 1.0 && v[1].2);
        assert_eq!(v[3].0, "allocs_per_op");
        assert!(
            parse_result("BenchmarkAlloc-2").is_none(),
            "a name printed alone is log noise"
        );
        assert!(parse_result("PASS").is_none());
        let e = parse_result("BenchmarkX-2  100  12 ns/op  7")
            .unwrap()
            .unwrap_err();
        assert!(e.contains("value-unit pairs"), "{e}");
        assert_eq!(unit_metric("frames/s").0, "frames_per_s");
        assert_eq!(unit_metric("ns/item").1, Unit::Nanoseconds);
        assert_eq!(
            split_procs("BenchmarkSum/n=10-8"),
            ("BenchmarkSum/n=10".into(), Some("8".into()))
        );
        assert_eq!(split_procs("BenchmarkSum"), ("BenchmarkSum".into(), None));
    }
}
