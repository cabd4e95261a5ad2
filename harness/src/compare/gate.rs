//! The gate: the one decision every output reads. Per benchmark it settles the outcome (the
//! section it lands in) and, under `--fail-on`, whether it fails the gate and why; the headline,
//! the counts, the sections and the exit code all read that.

use super::accept::AcceptEntry;
use super::model::{
    Accepted, BenchmarkComparison, Cause, ChangeVerdict, Finding, Gate, Presence, Section,
    SloVerdict,
};
use crate::results::Status;
use std::fmt;
use std::str::FromStr;

/// What fails the gate. `missing` covers missing, skipped, failed, timed-out and out-of-memory
/// benchmarks and SLOs without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn {
    pub breach: bool,
    pub uncertain: bool,
    pub regression: bool,
    pub missing: bool,
}

impl Default for FailOn {
    fn default() -> Self {
        FailOn {
            breach: true,
            uncertain: true,
            regression: false,
            missing: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown gate condition `{0}` (known: breach, uncertain, regression, missing)")]
pub struct UnknownCondition(pub String);

impl FromStr for FailOn {
    type Err = UnknownCondition;

    /// `breach,uncertain,regression,missing`, any subset; empty or `none` fails on nothing.
    fn from_str(s: &str) -> Result<FailOn, UnknownCondition> {
        let mut f = FailOn {
            breach: false,
            uncertain: false,
            regression: false,
            missing: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "breach" => f.breach = true,
                "uncertain" => f.uncertain = true,
                "regression" => f.regression = true,
                "missing" => f.missing = true,
                "none" => {}
                other => return Err(UnknownCondition(other.to_string())),
            }
        }
        Ok(f)
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (self.breach, "breach"),
            (self.uncertain, "uncertain"),
            (self.regression, "regression"),
            (self.missing, "missing"),
        ]
        .into_iter()
        .filter_map(|(on, n)| on.then_some(n))
        .collect();
        if names.is_empty() {
            return f.write_str("none");
        }
        f.write_str(&names.join(","))
    }
}

impl FailOn {
    /// Whether findings of this cause fail the gate. A regression beyond its accept entry fails
    /// like a breach (the entry is a limit the team set) or like a regression.
    pub fn fails(&self, cause: Cause) -> bool {
        match cause {
            Cause::Crashed | Cause::Missing | Cause::Skipped | Cause::NoData => self.missing,
            Cause::Breach => self.breach,
            Cause::Uncertain => self.uncertain,
            Cause::Regression => self.regression,
            Cause::Unaccepted => self.breach || self.regression,
        }
    }
}

/// Every finding of `b` that could fail a gate, worst first, marked by whether `fail_on` fails it,
/// and the regressions an accept entry passes.
fn findings(
    b: &BenchmarkComparison,
    fail_on: &FailOn,
    accept: &[AcceptEntry],
) -> (Vec<Finding>, Vec<Accepted>) {
    let mut out = Vec::new();
    let mut accepted = Vec::new();
    // Findings on a flaky metric do not fail the gate by themselves; a crash still does.
    let mut push = |metric: Option<&str>, cause: Cause, text: String| {
        let flaky = cause != Cause::NoData && metric.is_some_and(|m| b.flaky.contains_key(m));
        out.push(Finding {
            cause,
            text,
            fails: fail_on.fails(cause) && !flaky,
        })
    };
    match (b.presence, b.candidate_status) {
        (Presence::Missing, _) => push(None, Cause::Missing, "missing from the candidate".into()),
        (_, Some(s @ (Status::Failed | Status::Timeout | Status::Oom))) => {
            push(None, Cause::Crashed, s.as_str().into())
        }
        (_, Some(Status::Skipped)) => push(None, Cause::Skipped, "skipped".into()),
        _ => {}
    }
    for check in b.slos.iter().chain(&b.overhead) {
        let mut push = |cause, text| push(Some(&check.metric), cause, text);
        match check.verdict {
            SloVerdict::NoData => push(Cause::NoData, format!("no data for SLO: {}", check.line)),
            SloVerdict::Breach => push(Cause::Breach, format!("SLO breached: {}", check.line)),
            SloVerdict::Uncertain => {
                push(Cause::Uncertain, format!("SLO uncertain: {}", check.line))
            }
            _ => {}
        }
    }
    for m in &b.metrics {
        let Some(ch) = m.change.filter(|c| c.verdict == ChangeVerdict::Regression) else {
            continue;
        };
        let change = crate::units::format_pct(ch.ratio - 1.0);
        let worse = if m.higher_is_better {
            1.0 - ch.ratio
        } else {
            ch.ratio - 1.0
        };
        let mut push = |cause, text| push(Some(&m.metric), cause, text);
        match accept.iter().find(|e| e.applies(&b.key, &m.metric)) {
            None => push(
                Cause::Regression,
                format!("{} regressed by {change}", m.metric),
            ),
            Some(e) if e.expired.is_some() => push(
                Cause::Unaccepted,
                format!(
                    "{} regressed by {change}: its accept entry ({}) {}",
                    m.metric,
                    e.origin,
                    e.expired.as_deref().unwrap_or_default()
                ),
            ),
            Some(e) if worse <= e.max => accepted.push(Accepted {
                metric: m.metric.clone(),
                change: ch.ratio - 1.0,
                max: e.max,
                reason: e.reason.clone(),
                entry: e.origin.clone(),
            }),
            Some(e) => push(
                Cause::Unaccepted,
                format!(
                    "{} regressed by {change}, more than the {} its accept entry ({}: {}) allows",
                    m.metric,
                    crate::units::format_pct(e.max),
                    e.origin,
                    e.reason
                ),
            ),
        }
    }
    out.sort_by_key(|r| r.cause);
    (out, accepted)
}

/// Decides one benchmark: its section (its worst finding; an uncertain SLO counts as a breach
/// only when it fails the gate), the findings that fail the gate, and the unstable flag.
pub fn decide(b: &mut BenchmarkComparison, fail_on: &FailOn, accept: &[AcceptEntry]) {
    let (all, accepted) = findings(b, fail_on, accept);
    let checks = || b.slos.iter().chain(&b.overhead).map(|c| c.verdict);
    let changed = |v: ChangeVerdict| {
        b.metrics
            .iter()
            .any(|m| m.change.is_some_and(|c| c.verdict == v))
    };
    let worst = all.first().map(|r| r.cause);
    b.section = match worst {
        Some(Cause::Crashed | Cause::Missing | Cause::Skipped | Cause::NoData) => Section::Failed,
        Some(Cause::Breach) => Section::Breach,
        Some(Cause::Uncertain) if fail_on.uncertain => Section::Breach,
        _ if all
            .iter()
            .any(|r| matches!(r.cause, Cause::Regression | Cause::Unaccepted)) =>
        {
            Section::Regression
        }
        _ if worst == Some(Cause::Uncertain) || checks().any(|v| v == SloVerdict::Near) => {
            Section::Near
        }
        _ if changed(ChangeVerdict::Improvement) => Section::Improvement,
        _ => Section::Pass,
    };
    b.unstable = changed(ChangeVerdict::Unstable);
    b.findings = all;
    b.accepted = accepted;
}

/// The verdict of the whole comparison, once every benchmark is decided.
pub fn verdict(benchmarks: &[BenchmarkComparison], fail_on: &FailOn) -> Gate {
    Gate {
        fail_on: fail_on.to_string(),
        passed: !benchmarks.iter().any(BenchmarkComparison::fails_gate),
    }
}

/// One line per finding that fails the gate, `key: why`, for stderr.
pub fn reasons(benchmarks: &[BenchmarkComparison]) -> Vec<String> {
    benchmarks
        .iter()
        .flat_map(|b| {
            b.findings
                .iter()
                .filter(|f| f.fails)
                .map(move |f| format!("{}: {}", b.key, f.text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_conditions() {
        assert_eq!(
            "breach,uncertain,missing".parse::<FailOn>().unwrap(),
            FailOn::default()
        );
        let all: FailOn = "breach, uncertain,regression,missing".parse().unwrap();
        assert!(all.regression && all.missing);
        assert_eq!(all.to_string(), "breach,uncertain,regression,missing");
        let none: FailOn = "none".parse().unwrap();
        assert!(!none.breach && !none.missing);
        assert!("breech"
            .parse::<FailOn>()
            .unwrap_err()
            .to_string()
            .contains("breech"));
    }
}
