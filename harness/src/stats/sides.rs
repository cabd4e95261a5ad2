//! Two-sided or one-sided tests of a change.
//!
//! A regression check asks "is the candidate worse?", not "is it different?". A two-sided test
//! at confidence `1 - alpha` spends `alpha / 2` on each direction, so a regression is flagged only
//! when its interval's lower end clears the threshold at `1 - alpha / 2`. The one-sided test of
//! each direction at level `alpha` uses the two-sided interval at `1 - 2 alpha` (its lower end is
//! the one-sided lower bound at `1 - alpha`) and halves the two-sided p-value (the p-value of the
//! test in the direction of the estimate). Both directions are decided by that same interval:
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

    /// This test's p-value from a two-sided one, in the direction of the estimate.
    pub fn p_value(self, two_sided: f64) -> f64 {
        match self {
            Sides::TwoSided => two_sided,
            Sides::OneSided => two_sided / 2.0,
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
        assert_eq!(Sides::OneSided.p_value(0.08), 0.04);
        assert_eq!(Sides::TwoSided.p_value(0.08), 0.08);
    }
}
