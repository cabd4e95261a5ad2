//! The comparison: what `compare` (and `ab`) decide, as plain data. Every renderer and the gate read
//! this and compute nothing themselves.

use crate::results::Status;
use crate::stats::sides::Sides;
use crate::units::{Scale, Unit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Schema tag of the JSON rendering of a comparison.
pub const COMPARISON_SCHEMA: &str = "slogate.comparison/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub schema: String,
    pub baseline: SideInfo,
    pub candidate: SideInfo,
    pub settings: Settings,
    /// Loud warnings shown at the top of every format: machines differ, the run was interrupted,
    /// the noise measured during the run cannot support the threshold, summary-only data, ...
    pub warnings: Vec<String>,
    /// Movements shared by most benchmarks on one metric, said once at the top.
    pub shifts: Vec<Shift>,
    /// SLO lines (from a standalone SLO file) that matched no benchmark.
    #[serde(default)]
    pub unmatched_slos: Vec<String>,
    /// Passing SLO limits further from their estimate than `settings.loose_limit`: they catch
    /// nothing smaller than that.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loose_slos: Vec<LooseSlo>,
    pub benchmarks: Vec<BenchmarkComparison>,
    pub summary: Summary,
    /// The gate's decision, which the headline, the counts and the exit code read.
    pub gate: Gate,
}

/// A passing SLO line whose limit sits far from the estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LooseSlo {
    pub key: String,
    pub line: String,
    /// How far the limit sits from the estimate, as a fraction of it (0.9: 90% above it for an
    /// upper bound); `slo::verdict::slack`.
    pub slack: f64,
}

/// The gate's decision on the whole comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    /// The `--fail-on` conditions it was decided under (`breach,uncertain,missing`).
    pub fail_on: String,
    /// True when no benchmark fails the gate.
    pub passed: bool,
}

/// Why a benchmark can fail the gate, worst first; `--fail-on` decides which of them do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The candidate failed, timed out or ran out of memory.
    Crashed,
    /// Only in the baseline.
    Missing,
    /// The candidate skipped it.
    Skipped,
    /// An SLO whose metric has no data.
    NoData,
    Breach,
    Uncertain,
    /// A regression larger than its accept entry allows, or matched by an expired entry.
    Unaccepted,
    Regression,
}

impl Cause {
    /// `1 crashed`, `4 regressions`: how a headline counts benchmarks with this cause.
    pub fn count(self, n: usize) -> String {
        let (one, many) = match self {
            Cause::Crashed => ("crashed", "crashed"),
            Cause::Missing => ("missing", "missing"),
            Cause::Skipped => ("skipped", "skipped"),
            Cause::NoData => ("SLO without data", "SLOs without data"),
            Cause::Breach => ("SLO breach", "SLO breaches"),
            Cause::Uncertain => ("uncertain SLO", "uncertain SLOs"),
            Cause::Unaccepted => ("unaccepted change", "unaccepted changes"),
            Cause::Regression => ("regression", "regressions"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// One finding of a benchmark that a gate may fail on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub cause: Cause,
    /// `SLO breached: execution_time < 130 us`, `execution_time regressed by +13.3%`.
    pub text: String,
    /// Whether `--fail-on` makes it fail the gate.
    pub fails: bool,
}

/// One side of the comparison, as its results file describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideInfo {
    /// `baseline` / `candidate` or the results file's side label.
    pub label: String,
    pub branch: Option<String>,
    /// Full commit sha; renderers shorten it.
    pub commit: Option<String>,
    pub dirty: bool,
    pub run_id: String,
    pub machine_fingerprint: String,
    /// The file it was read from.
    pub file: Option<String>,
    pub interrupted: bool,
    /// Suite variables whose value differs from the other side's (`ddtrace=4.16.0` when the sides
    /// are two releases), so the header says what was compared.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// The suite files the run read, by suite name, as the results file records them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub suite_files: BTreeMap<String, String>,
}

/// The knobs the verdicts were computed with, echoed so a report explains itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Smallest relative change worth a flag (0.05 = 5%), unless a benchmark overrides it.
    pub noise_threshold: f64,
    /// Confidence level of the intervals (0.95).
    pub confidence: f64,
    /// How changes were tested; a one-sided test's change intervals are at `2 confidence - 1`.
    #[serde(default, skip_serializing_if = "Sides::is_two_sided")]
    pub sides: Sides,
    /// Benjamini-Hochberg false-discovery rate.
    pub fdr: f64,
    /// 🟡 when the estimate is within this fraction under the limit (0.02).
    pub near: f64,
    /// 📉 when the estimate is at least this fraction under the limit (0.10).
    pub comfortable: f64,
    pub bootstrap_resamples: u32,
    pub seed: u64,
    /// True when baseline and candidate processes were paired (an interleaved `ab` run).
    pub paired: bool,
    /// Whether an ⚠️ uncertain SLO fails the gate.
    pub uncertain_fails: bool,
    /// A passing limit further than this from its estimate (a fraction of it) is listed as loose;
    /// 0 lists none.
    #[serde(default = "default_loose")]
    pub loose_limit: f64,
}

fn default_loose() -> f64 {
    crate::slo::verdict::DEFAULT_LOOSE
}

/// A movement shared by most benchmarks on one metric (the seed's +5% memory everywhere).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    pub metric: String,
    /// The variant value (`profiler=ddtrace`) whose benchmarks moved, when not all did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Median relative change across benchmarks (0.05 = +5%).
    pub median_change: f64,
    /// Benchmarks that moved in this direction beyond their own noise.
    pub moved: usize,
    /// Benchmarks with this metric on both sides.
    pub total: usize,
}

/// Where a benchmark goes in the report, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Failed, timed out, ran out of memory, or missing on the candidate side.
    Failed,
    /// An SLO breached, or uncertain and configured to fail.
    Breach,
    /// A flagged regression against the baseline.
    Regression,
    /// Within the near-breach margin of an SLO.
    Near,
    /// A flagged improvement.
    Improvement,
    /// New in the candidate, or nothing to report.
    Pass,
}

/// How a benchmark appears on the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Both,
    /// Only in the candidate.
    New,
    /// Only in the baseline.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkComparison {
    pub key: String,
    pub suite: String,
    pub scenario: String,
    pub variant: BTreeMap<String, String>,
    pub presence: Presence,
    pub baseline_status: Option<Status>,
    pub candidate_status: Option<Status>,
    /// Why the candidate (or baseline) is not `ok`, with the tail of its stderr when there is one.
    pub reason: Option<String>,
    pub metrics: Vec<MetricComparison>,
    /// Absolute SLO lines evaluated on the candidate.
    pub slos: Vec<SloCheck>,
    /// Overhead lines evaluated on the candidate (ratio to the reference variant).
    pub overhead: Vec<SloCheck>,
    pub section: Section,
    /// True when noise forbade a verdict on at least one metric.
    pub unstable: bool,
    /// Every finding that could fail a gate, worst first, each saying whether this gate's
    /// `--fail-on` makes it fail.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Regressions an accept file acknowledges, within their bound: they do not fail the gate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<Accepted>,
    /// The metrics the noise file calls flaky, each with the A/A rounds that showed it. Their
    /// changes and SLO verdicts never fail the gate by themselves.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flaky: BTreeMap<String, Vec<String>>,
    /// What the run could resolve, when a sequential `ab` recorded its rounds
    /// (`meta.analysis.rounds` of either results file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

/// How far one benchmark's rounds of a sequential `ab` went, and what their noise allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    /// Pairs of processes run.
    pub rounds: u32,
    /// The smallest change the paired execution-time interval resolves (0.02 = 2%): the data rule
    /// out every larger change. None with too few pairs for an interval.
    pub resolvable_change: Option<f64>,
    /// Rounds predicted, at the pair spread seen, to be decisive about the noise threshold.
    /// None when the estimate sits on the threshold.
    pub predicted_rounds: Option<u32>,
    /// Why the rounds stopped: `decided`, `budget`, `total-budget`, `max-rounds`, `failed`,
    /// `interrupted`, `planned`.
    pub stopped: String,
    /// The confidence of its intervals: that of its last look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// A regression passed by an entry of the accept file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub metric: String,
    /// The change, candidate / baseline - 1 (0.08 = +8%).
    pub change: f64,
    /// The largest worsening the entry accepts (0.10 = 10%).
    pub max: f64,
    pub reason: String,
    /// Where the entry is: `accept.toml:3`.
    pub entry: String,
}

impl BenchmarkComparison {
    /// Whether this benchmark fails the gate.
    pub fn fails_gate(&self) -> bool {
        self.findings.iter().any(|f| f.fails)
    }
}

/// A point estimate with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub point: f64,
    pub low: f64,
    pub high: f64,
    pub processes: usize,
    pub values: usize,
    /// Relative dispersion (coefficient of variation of per-process means).
    pub cv: f64,
    /// True when computed from summary statistics only (no raw values).
    pub summary_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub metric: String,
    pub unit: Unit,
    pub higher_is_better: bool,
    pub baseline: Option<Estimate>,
    pub candidate: Option<Estimate>,
    /// Candidate versus baseline, when both sides have data.
    pub change: Option<Change>,
}

/// What the candidate/baseline ratio says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeVerdict {
    /// 📈: worse beyond the noise threshold, significant after FDR control.
    Regression,
    /// 📉: better beyond the noise threshold, significant after FDR control.
    Improvement,
    /// ~same: not distinguishable from noise.
    Same,
    /// Too noisy, or too few samples, to conclude.
    Unstable,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// candidate / baseline of the point estimates; for paired runs, the Hodges-Lehmann estimate
    /// of the per-pair ratios of process means (exp of the median of the log ratios' pairwise
    /// averages).
    pub ratio: f64,
    pub ratio_low: f64,
    pub ratio_high: f64,
    /// Two-sided p-value of the rank test.
    pub p_value: f64,
    /// Benjamini-Hochberg adjusted p-value across every comparison in the report.
    pub q_value: f64,
    /// Noise threshold in force for this benchmark.
    pub threshold: f64,
    pub verdict: ChangeVerdict,
}

/// The verdict on one SLO line belongs to the SLO core; re-exported where comparisons use it.
pub use crate::slo::verdict::SloVerdict;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloCheck {
    /// The line as written.
    pub line: String,
    pub metric: String,
    /// The limit in base units (for overhead lines: the reference value times the factor, plus
    /// the allowance).
    pub limit: f64,
    pub unit: Unit,
    /// The scale the limit was written in, for display.
    pub scale: Scale,
    /// The candidate's estimate. For overhead lines its interval is that of the ratio to the
    /// reference variant, scaled by the limit, so that it reads against the limit.
    pub estimate: Option<Estimate>,
    /// `estimate / limit - 1`, as the seed shows it after the limit.
    pub margin: Option<f64>,
    pub verdict: SloVerdict,
}

/// Counts for the summary table, in benchmarks. Each benchmark is counted once in the section
/// of its worst finding (`failed` .. `passed` add up to `benchmarks`); `failing` counts those that
/// fail the gate, `unstable` and `new` are flags across sections.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub benchmarks: usize,
    pub failing: usize,
    pub failed: usize,
    pub breaches: usize,
    pub regressions: usize,
    pub near: usize,
    pub improvements: usize,
    pub passed: usize,
    pub unstable: usize,
    pub new: usize,
}
