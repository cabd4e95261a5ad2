//! SLO lines evaluated on the candidate: absolute thresholds and overhead against a sibling variant.

use super::metric::{self, Side, SideStats, StatOptions};
use super::model::{Estimate, SloCheck, SloVerdict};
use crate::results::{benchmark_key, BenchmarkResult, MetricSamples, Status};
use crate::slo::threshold::{known_metric_unit, parse_overhead, parse_threshold, Overhead};
use crate::slo::verdict::{judge, Cutoffs, Judgement};
use crate::stats::bootstrap::{self, Scratch};
use crate::stats::summary::{self, Summary};
use crate::units::{Scale, Unit};
use std::collections::HashMap;

/// A check that could not be evaluated: never a pass.
fn no_data(line: &str, metric: &str, limit: f64, unit: Unit, scale: Scale) -> SloCheck {
    SloCheck {
        line: line.to_string(),
        metric: metric.to_string(),
        limit,
        unit,
        scale,
        estimate: None,
        margin: None,
        verdict: SloVerdict::NoData,
    }
}

/// A line that does not parse: reported as a warning and a no-data check (it cannot pass).
fn unparsable(key: &str, line: &str, message: String, warnings: &mut Vec<String>) -> SloCheck {
    warnings.push(format!(
        "benchmark `{key}`: SLO line `{line}` does not parse: {message}"
    ));
    let metric = line
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    let unit = known_metric_unit(metric).unwrap_or(Unit::Count);
    no_data(line, metric, 0.0, unit, Scale::auto(unit, 0.0))
}

/// Evaluates a threshold line against the candidate's estimate of its metric.
pub fn threshold_check(
    key: &str,
    line: &str,
    estimates: &HashMap<&str, (Estimate, Unit)>,
    cut: Cutoffs,
    warnings: &mut Vec<String>,
) -> SloCheck {
    let t = match parse_threshold(line) {
        Ok(t) => t,
        Err(e) => return unparsable(key, line, e.to_string(), warnings),
    };
    let missing = no_data(&t.line, &t.metric, t.limit, t.unit, t.scale);
    let Some(&(e, unit)) = estimates.get(t.metric.as_str()) else {
        return missing;
    };
    if unit != t.unit {
        warnings.push(format!(
            "benchmark `{key}`: SLO line `{line}` is in {} but `{}` is measured in {unit}",
            t.unit, t.metric
        ));
        return missing;
    }
    let Judgement { verdict, margin } = judge(t.op, e.point, e.low, e.high, t.limit, cut);
    SloCheck {
        estimate: Some(e),
        margin,
        verdict,
        ..missing
    }
}

/// Whether an overhead line applies to `bench`: its variant carries every value of the left selector.
pub fn applies(o: &Overhead, bench: &BenchmarkResult) -> bool {
    o.left.iter().all(|(k, v)| bench.variant.get(k) == Some(v))
}

/// Parses an overhead line; `Err` carries a warning and a no-data check.
pub fn parse_overhead_line(
    key: &str,
    line: &str,
    warnings: &mut Vec<String>,
) -> Result<Overhead, Box<SloCheck>> {
    parse_overhead(line).map_err(|e| Box::new(unparsable(key, line, e.to_string(), warnings)))
}

/// The candidate's statistics of one metric of `b`, drawn from the same stream as its estimate.
fn candidate_stats<'b>(
    b: &'b BenchmarkResult,
    metric: &str,
    opts: StatOptions,
    scratch: &mut Scratch,
    buf: &mut Vec<f64>,
) -> Option<(SideStats, &'b MetricSamples)> {
    let m = b.metrics.get(metric).filter(|_| b.status == Status::Ok)?;
    let stream = metric::stream_seed(opts.seed, &b.key, metric, Side::Candidate);
    Some((metric::side_stats(m, opts, stream, scratch, buf)?, m))
}

/// Evaluates an overhead line on `bench` (which its left selector matches): the limit is factor x
/// the sibling's estimate + offset, and the verdict reads the bootstrap interval of the ratio
/// `bench / (factor x sibling + offset)` against 1. The check's estimate carries that interval
/// scaled by the limit, so that it reads against the limit like an absolute threshold's.
#[allow(clippy::too_many_arguments)]
pub fn overhead_check(
    o: &Overhead,
    bench: &BenchmarkResult,
    candidates: &HashMap<&str, &BenchmarkResult>,
    opts: StatOptions,
    cut: Cutoffs,
    scratch: &mut Scratch,
    buf: &mut Vec<f64>,
) -> SloCheck {
    let mut variant = bench.variant.clone();
    variant.extend(o.right.clone());
    let sibling_key = benchmark_key(&bench.suite, &bench.scenario, &variant);
    let unit = bench
        .metrics
        .get(&o.metric)
        .map(|m| m.unit)
        .or_else(|| known_metric_unit(&o.metric))
        .unwrap_or(Unit::Count);
    let missing = no_data(&o.line, &o.metric, 0.0, unit, Scale::auto(unit, 0.0));
    let Some((left, left_m)) = candidate_stats(bench, &o.metric, opts, scratch, buf) else {
        return missing;
    };
    let Some((right, right_m)) = candidates
        .get(sibling_key.as_str())
        .and_then(|s| candidate_stats(s, &o.metric, opts, scratch, buf))
    else {
        return missing;
    };
    let limit = o.factor * right.estimate.point + o.offset;
    if limit <= 0.0 {
        return missing;
    }
    let q = left.estimate.point / limit;
    let (lo, hi) = if !left.replicates.is_empty() && !right.replicates.is_empty() {
        buf.clear();
        buf.extend(
            left.replicates
                .iter()
                .zip(&right.replicates)
                .map(|(l, r)| l / (o.factor * r + o.offset)),
        );
        bootstrap::percentile_interval(buf, opts.confidence)
    } else {
        let r: Summary = right.summary(right_m);
        let scaled = Summary {
            n: r.n,
            mean: limit,
            sd: o.factor * r.sd,
        };
        summary::log_ratio_interval(left.summary(left_m), scaled, opts.confidence)
            .map_or((0.0, f64::INFINITY), |(_, lo, hi, _)| (lo, hi))
    };
    let (lo, hi) = (lo.min(q), hi.max(q));
    let Judgement { verdict, margin } = judge(o.op, q, lo, hi, 1.0, cut);
    SloCheck {
        limit,
        scale: Scale::auto(unit, limit),
        estimate: Some(Estimate {
            low: lo * limit,
            high: if hi.is_finite() { hi * limit } else { f64::MAX },
            ..left.estimate
        }),
        margin,
        verdict,
        ..missing
    }
}
