//! The Hodges-Lehmann estimate of paired differences and its distribution-free interval: the
//! estimator and interval that go with the Wilcoxon signed-rank test `compare` applies to pairs.
//!
//! Why not the mean with a bootstrap interval: the per-pair log ratios of process means have a
//! heavy right tail on shared machines (a process that met a busy neighbour runs 30-50% slow).
//! The mean and its interval follow every such outlier; the median of the Walsh averages does
//! not, and on such data gives an interval about 1.5 times narrower from the same pairs, the
//! difference between detecting a 2% change in a minute and not. The interval is the set of
//! shifts the signed-rank test would not reject, so "the interval excludes 0" and "p <= alpha"
//! agree (exactly for small samples without ties).

use super::wilcoxon;

/// Largest number of differences whose interval uses the exact null distribution (a table of
/// n(n+1)/2 counts: cheap), past which the normal approximation is within 0.5% of it, on the conservative side.
pub const EXACT_MAX: usize = 100;

/// Estimate and interval of the centre of paired differences.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedShift {
    /// Median of the Walsh averages `(d_i + d_j) / 2`, `i <= j`.
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// False when there are too few differences for an interval at the confidence asked: `low`
    /// and `high` are then the extreme Walsh averages, an interval of lower confidence, and
    /// nothing may be concluded from it.
    pub covered: bool,
}

/// The Hodges-Lehmann estimate of `differences` with its interval at `confidence` (two-sided).
/// None without differences.
pub fn paired_shift(differences: &[f64], confidence: f64) -> Option<PairedShift> {
    let n = differences.len();
    if n == 0 {
        return None;
    }
    let mut walsh = Vec::with_capacity(n * (n + 1) / 2);
    for i in 0..n {
        for j in i..n {
            walsh.push((differences[i] + differences[j]) / 2.0);
        }
    }
    walsh.sort_unstable_by(f64::total_cmp);
    let m = walsh.len();
    let estimate = super::median_of_sorted(&walsh)?;
    let k = lower_rank(n, 1.0 - confidence);
    let (low, high, covered) = if k >= 1 && k <= m / 2 {
        (walsh[k - 1], walsh[m - k], true)
    } else {
        (walsh[0], walsh[m - 1], false)
    };
    Some(PairedShift {
        estimate,
        low: low.min(estimate),
        high: high.max(estimate),
        covered,
    })
}

/// The 1-based rank `k` of the Walsh average that bounds the interval from below (the upper bound
/// is the k-th from the top): `k = c + 1` for the largest `c` with `P(T+ <= c) <= alpha / 2` under
/// the signed-rank null distribution of `n` differences; exact up to [`EXACT_MAX`], normal with
/// continuity correction beyond. 0 when no `c` qualifies (too few differences).
pub fn lower_rank(n: usize, alpha: f64) -> usize {
    let half = alpha / 2.0;
    if n <= EXACT_MAX {
        let counts = wilcoxon::null_counts(n);
        let total = 2f64.powi(n as i32);
        let mut cumulative = 0.0;
        for (c, count) in counts.iter().enumerate() {
            cumulative += count;
            if cumulative / total > half {
                return c;
            }
        }
        return 0;
    }
    normal_lower_rank(n, alpha)
}

/// [`lower_rank`] by the normal approximation of T+ with continuity correction.
fn normal_lower_rank(n: usize, alpha: f64) -> usize {
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let sd = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0).sqrt();
    let z = super::normal_quantile(1.0 - alpha / 2.0);
    let c = (mean - 0.5 - z * sd).floor();
    if c < 0.0 {
        0
    } else {
        c as usize + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn small_exact_interval() {
        // n = 8 at 95%: P(T+ <= 3) = 5/256 <= 0.025 < P(T+ <= 4) = 7/256, so k = 4 of 36.
        assert_eq!(lower_rank(8, 0.05), 4);
        let d: Vec<f64> = (1..=8).map(f64::from).collect();
        let s = paired_shift(&d, 0.95).unwrap();
        assert_eq!(s.estimate, 4.5);
        // Walsh averages of 1..8 ascending: 1, 1.5, 2, 2, 2.5, ...; the 4th is 2, the 33rd 7.
        assert_eq!((s.low, s.high, s.covered), (2.0, 7.0, true));
        // Too few pairs for 99.3%: 2/256 > 0.007, so the interval is the whole range, uncovered.
        let s = paired_shift(&d, 1.0 - 0.05 / 7.0).unwrap();
        assert_eq!((s.low, s.high, s.covered), (1.0, 8.0, false));
        assert_eq!(paired_shift(&[], 0.95), None);
    }

    #[test]
    fn exact_and_normal_ranks_meet() {
        for alpha in [0.05, 0.01, 0.002] {
            let exact = lower_rank(EXACT_MAX, alpha) as i64;
            let approx = normal_lower_rank(EXACT_MAX, alpha) as i64;
            // Conservative (the null's tails are lighter than the normal's) and within 0.5%.
            assert!(
                approx <= exact && exact - approx <= exact / 200 + 1,
                "alpha {alpha}: {exact} vs {approx}"
            );
        }
        assert!(lower_rank(200, 0.05) > lower_rank(100, 0.05));
    }

    #[test]
    fn interval_excludes_zero_exactly_when_the_test_rejects() {
        // Without ties, the exact interval and the exact test agree for every sample.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..300 {
            let n = 6 + case % 15;
            let shift = (case % 5) as f64 * 0.15;
            let d: Vec<f64> = (0..n).map(|_| rng.gen::<f64>() - 0.5 + shift).collect();
            for alpha in [0.05, 0.1] {
                let s = paired_shift(&d, 1.0 - alpha).unwrap();
                let p = wilcoxon::signed_rank(&d).p_value;
                let excludes = s.covered && (s.low > 0.0 || s.high < 0.0);
                assert_eq!(
                    excludes,
                    p <= alpha,
                    "case {case} alpha {alpha}: p {p} {s:?}"
                );
            }
        }
    }

    #[test]
    fn coverage_holds_under_heavy_tails() {
        // Symmetric heavy-tailed differences around 0.3 (a Cauchy-like mixture): the 90%
        // interval covers the centre in about 90% of 1000 samples of 40.
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut covered = 0;
        for _ in 0..1000 {
            let d: Vec<f64> = (0..40)
                .map(|_| {
                    let u: f64 = rng.gen();
                    let spread = if rng.gen::<f64>() < 0.1 { 20.0 } else { 1.0 };
                    0.3 + spread * (u - 0.5)
                })
                .collect();
            let s = paired_shift(&d, 0.90).unwrap();
            covered += usize::from(s.low <= 0.3 && 0.3 <= s.high);
        }
        assert!((870..=930).contains(&covered), "{covered} of 1000");
    }
}
