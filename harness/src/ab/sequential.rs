//! When to stop adding rounds under a time budget, without claiming more confidence than the
//! data give.
//!
//! The rule: the paired ratio of a benchmark is looked at only after a planned schedule of round
//! counts, `MIN_ROUNDS · 2^k` (8, 16, 32, 64, ...) up to the largest number of rounds allowed, and
//! once more at that largest number when it is off the doubling schedule: `K` looks in all, fixed
//! before any data is seen. Each look computes the interval of the paired ratio (Hodges-Lehmann
//! estimate of per-round log ratios of process means, as compare does) at confidence `1 - alpha/K`, and
//! the benchmark stops as soon as that interval is decisive: it lies inside `1 ± threshold` (the
//! two sides are the same within the noise threshold), or it clears the threshold and the
//! Wilcoxon signed-rank test of the same pairs (the test compare applies) has `p <= alpha/K` (a
//! change beyond it that compare can flag: with few pairs the exact test cannot reach that level
//! however clear the interval, and stopping there would report "same"). By
//! Bonferroni, the chance that any of the `K` looks has an interval missing the true ratio is at
//! most `alpha`, whichever look stops the benchmark. A benchmark whose budget runs out between
//! two looks is analysed where it stands; that analysis takes the place of the next planned look,
//! which never happens, so there are still at most `K` looks. The final comparison runs at the
//! same `1 - alpha/K`, so the report never states a narrower interval than the stopping rule used.

use crate::stats::{dispersion, hodges_lehmann, wilcoxon};

/// Rounds done before the first look (and before a budget can stop a benchmark): with 8 pairs the
/// exact signed-rank test reaches p = 1/128, which survives compare's Benjamini-Hochberg at 5%
/// over a few metrics (with 6 pairs, p >= 1/32 does not survive it over two: nothing could be
/// flagged).
pub const MIN_ROUNDS: u32 = 8;
/// Largest number of rounds under a budget when `--processes` does not set one: 7 looks.
pub const DEFAULT_MAX_ROUNDS: u32 = 512;

/// The planned looks of one benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    looks: Vec<u32>,
}

impl Schedule {
    /// Looks at `MIN_ROUNDS · 2^k` below `max_rounds`, and at `max_rounds`.
    pub fn new(max_rounds: u32) -> Schedule {
        let max = max_rounds.max(1);
        let mut looks = Vec::new();
        let mut n = MIN_ROUNDS;
        while n < max {
            looks.push(n);
            n = n.saturating_mul(2);
        }
        looks.push(max);
        Schedule { looks }
    }

    /// Whether the rule looks after `rounds` rounds.
    pub fn is_look(&self, rounds: u32) -> bool {
        self.looks.contains(&rounds)
    }

    /// K, the number of planned looks.
    pub fn looks(&self) -> usize {
        self.looks.len()
    }

    /// The confidence of every look, and of the final comparison: `1 - alpha/K`.
    pub fn confidence(&self, nominal: f64) -> f64 {
        1.0 - (1.0 - nominal) / self.looks.len() as f64
    }
}

/// What a look found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
    /// Two-sided p-value of the signed-rank test of the log ratios.
    pub p_value: f64,
}

impl Look {
    /// Decisive at `confidence`: inside `1 ± threshold`, or wholly beyond it on one side with
    /// the signed-rank test significant at `1 - confidence`.
    pub fn decisive(&self, threshold: f64, confidence: f64) -> bool {
        let same = self.low >= 1.0 - threshold && self.high <= 1.0 + threshold;
        let beyond = self.low > 1.0 + threshold || self.high < 1.0 - threshold;
        same || (beyond && self.p_value <= 1.0 - confidence)
    }
}

/// The paired ratio candidate/baseline of per-process means (Hodges-Lehmann estimate of the log
/// ratios, as compare computes it), with its signed-rank interval at `confidence`; None with
/// fewer than two pairs, a non-positive mean, or too few pairs for an interval at `confidence`.
pub fn paired_ratio(
    baseline: &[Vec<f64>],
    candidate: &[Vec<f64>],
    confidence: f64,
) -> Option<Look> {
    let b = dispersion::process_means(baseline);
    let c = dispersion::process_means(candidate);
    if b.len() != c.len() || b.len() < 2 || b.iter().chain(&c).any(|m| *m <= 0.0) {
        return None;
    }
    let logs: Vec<f64> = c.iter().zip(&b).map(|(c, b)| (c / b).ln()).collect();
    let shift = hodges_lehmann::paired_shift(&logs, confidence).filter(|s| s.covered)?;
    Some(Look {
        ratio: shift.estimate.exp(),
        low: shift.low.exp(),
        high: shift.high.exp(),
        p_value: wilcoxon::signed_rank(&logs).p_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_doubles_and_ends_at_the_cap() {
        let s = Schedule::new(DEFAULT_MAX_ROUNDS);
        assert_eq!(s.looks, vec![8, 16, 32, 64, 128, 256, 512]);
        assert_eq!(s.looks(), 7);
        assert!((s.confidence(0.95) - (1.0 - 0.05 / 7.0)).abs() < 1e-12);
        assert_eq!(Schedule::new(30).looks, vec![8, 16, 30]);
        assert_eq!(Schedule::new(3).looks, vec![3]);
        assert!(Schedule::new(30).is_look(30) && !Schedule::new(30).is_look(25));
    }

    #[test]
    fn looks_decide_same_changed_or_not_yet() {
        let look = |low, high, p_value| Look {
            ratio: (low + high) / 2.0,
            low,
            high,
            p_value,
        };
        assert!(look(0.98, 1.03, 0.5).decisive(0.05, 0.99), "within ±5%");
        assert!(look(1.06, 1.12, 0.001).decisive(0.05, 0.99), "clears +5%");
        assert!(look(0.80, 0.90, 0.001).decisive(0.05, 0.99), "clears -5%");
        assert!(
            !look(1.06, 1.12, 0.03).decisive(0.05, 0.99),
            "clears +5%, but the test cannot tell yet"
        );
        assert!(
            !look(1.02, 1.08, 0.001).decisive(0.05, 0.99),
            "straddles +5%"
        );
        assert!(!look(0.90, 1.10, 0.5).decisive(0.05, 0.99), "too wide");
    }

    #[test]
    fn paired_ratio_sees_a_shift_through_drift() {
        // Machine drift of ±30% between rounds, the candidate 8% to 12% slower within each round.
        let drift = [1.0, 1.3, 0.8, 1.1, 0.7, 1.25, 0.9, 1.05, 0.95, 1.2];
        let base: Vec<Vec<f64>> = drift.iter().map(|d| vec![100.0 * d, 101.0 * d]).collect();
        let cand: Vec<Vec<f64>> = (0..drift.len())
            .map(|i| {
                base[i]
                    .iter()
                    .map(|v| v * (1.08 + 0.004 * i as f64))
                    .collect()
            })
            .collect();
        let look = paired_ratio(&base, &cand, 0.99).unwrap();
        assert!((look.ratio - 1.1).abs() < 0.005, "{look:?}");
        assert!((look.p_value - 2.0 / 1024.0).abs() < 1e-9, "{look:?}");
        assert!(look.low > 1.05 && look.decisive(0.05, 0.99), "{look:?}");
        assert_eq!(paired_ratio(&base[..1], &cand[..1], 0.99), None);
        assert_eq!(paired_ratio(&base, &cand[..3], 0.99), None);
        // Eight pairs cannot give a 99.3% interval (the smallest two-sided p is 2/256).
        assert_eq!(paired_ratio(&base[..8], &cand[..8], 1.0 - 0.05 / 7.0), None);
    }
}
