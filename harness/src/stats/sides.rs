//! Two-sided or one-sided tests of a change.
//!
//! A regression check asks "is the candidate worse?", not "is it different?". A two-sided test
//! at confidence `1 - alpha` spends `alpha / 2` on each direction, so a regression is flagged only
//! when its interval's lower end clears the threshold at `1 - alpha / 2`. The one-sided test of
//! each direction at level `alpha` uses the two-sided interval at `1 - 2 alpha` (its lower end is
//! the one-sided lower bound at `1 - alpha`) and takes the p-value of the test in the direction of
//! the estimate ([`Sides::p_value`]). Both directions are decided by that same interval:
//! a regression by its lower end, an improvement by its upper end, each a one-sided test at
//! `alpha`. What fails the gate (a regression) thus keeps its false-alarm rate at the nominal
//! `alpha` instead of `alpha / 2`, and in exchange the interval is narrower: changes closer to the
//! threshold are detected in as many rounds (README, "One-sided tests", for the figures).

use serde::{Deserialize, Serialize};

/// How a change is tested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sides {
    /// "Different?": `alpha / 2` on each side.
    #[default]
    TwoSided,
    /// "Worse?" (and, by the same interval, "better?"): `alpha` on each side.
    OneSided,
}

impl Sides {
    /// The confidence of the two-sided interval whose ends are this test's bounds at the nominal
    /// `confidence`.
    pub fn interval_confidence(self, confidence: f64) -> f64 {
        match self {
            Sides::TwoSided => confidence,
            Sides::OneSided => (2.0 * confidence - 1.0).max(0.0),
        }
    }

    /// This test's p-value from a two-sided one. One-sided, it is the p-value of the test in the
    /// direction the estimate points (`estimate_up`): half the two-sided one when the test's own
    /// statistic points the same way (`statistic_up`), else one minus that half (a rank test of
    /// process means can disagree with a bootstrapped estimate).
    pub fn p_value(self, two_sided: f64, statistic_up: bool, estimate_up: bool) -> f64 {
        match self {
            Sides::TwoSided => two_sided,
            Sides::OneSided if statistic_up == estimate_up => two_sided / 2.0,
            Sides::OneSided => 1.0 - two_sided / 2.0,
        }
    }

    pub fn is_two_sided(&self) -> bool {
        *self == Sides::TwoSided
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::normal_quantile;

    #[test]
    fn one_sided_bound_at_95_is_the_two_sided_90_interval() {
        assert_eq!(Sides::TwoSided.interval_confidence(0.95), 0.95);
        assert!((Sides::OneSided.interval_confidence(0.95) - 0.90).abs() < 1e-12);
        // The normal lower bound at one-sided 95% (z = 1.645) is the two-sided 90% one.
        let two_sided_90 = normal_quantile(1.0 - (1.0 - 0.90) / 2.0);
        assert!((two_sided_90 - normal_quantile(0.95)).abs() < 1e-12);
        assert_eq!(Sides::OneSided.p_value(0.08, true, true), 0.04);
        assert_eq!(Sides::OneSided.p_value(0.08, false, false), 0.04);
        assert_eq!(Sides::TwoSided.p_value(0.08, true, false), 0.08);
    }

    /// A test whose statistic points against the estimate gives no evidence in the estimate's
    /// direction: its one-sided p-value there is large, not half the two-sided one.
    #[test]
    fn a_statistic_against_the_estimate_gives_one_minus_half() {
        assert_eq!(Sides::OneSided.p_value(0.08, false, true), 0.96);
        assert_eq!(Sides::OneSided.p_value(0.08, true, false), 0.96);
    }
}
