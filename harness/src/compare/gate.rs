//! The gate: does a comparison pass, and if not, why.

use super::model::{ChangeVerdict, Comparison, Presence, SloVerdict};
use crate::results::Status;
use std::fmt;
use std::str::FromStr;

/// What fails the gate. `missing` covers missing, failed, timed-out and out-of-memory benchmarks
/// and SLOs without data.
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
        f.write_str(&names.join(","))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateResult {
    pub passed: bool,
    /// One line per finding that failed the gate.
    pub reasons: Vec<String>,
}

pub fn gate(c: &Comparison, fail_on: &FailOn) -> GateResult {
    let mut reasons = Vec::new();
    for b in &c.benchmarks {
        if fail_on.missing {
            if b.presence == Presence::Missing {
                reasons.push(format!("{}: missing from the candidate", b.key));
            } else if let Some(s @ (Status::Failed | Status::Timeout | Status::Oom)) =
                b.candidate_status
            {
                reasons.push(format!("{}: {}", b.key, s.as_str()));
            }
        }
        for check in b.slos.iter().chain(&b.overhead) {
            let fails = match check.verdict {
                SloVerdict::Breach => fail_on.breach,
                SloVerdict::Uncertain => fail_on.uncertain,
                SloVerdict::NoData => fail_on.missing,
                _ => false,
            };
            if fails {
                let what = match check.verdict {
                    SloVerdict::Breach => "SLO breached",
                    SloVerdict::Uncertain => "SLO uncertain",
                    _ => "no data for SLO",
                };
                reasons.push(format!("{}: {what}: {}", b.key, check.line));
            }
        }
        if fail_on.regression {
            for m in &b.metrics {
                if let Some(ch) = m
                    .change
                    .filter(|ch| ch.verdict == ChangeVerdict::Regression)
                {
                    reasons.push(format!(
                        "{}: {} regressed by {}",
                        b.key,
                        m.metric,
                        crate::units::format_pct(ch.ratio - 1.0)
                    ));
                }
            }
        }
    }
    GateResult {
        passed: reasons.is_empty(),
        reasons,
    }
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
