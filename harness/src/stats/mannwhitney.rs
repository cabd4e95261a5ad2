//! Mann-Whitney U test, two-sided, with scipy's conventions (`scipy.stats.mannwhitneyu`).
//!
//! `compare` applies it to the per-process means, which are the independent units of a run; values
//! within one process share its warm-up, memory layout and frequency state, so treating them as
//! independent would make p-values too small. Only when a side has fewer than
//! [`MIN_PROCESSES`] processes does it fall back to the values: there the test on means could never
//! reach significance, and the bootstrap CI (which must also clear the threshold) keeps the verdict
//! honest.

use super::{midranks, normal_sf};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Fewest processes per side for the rank test to run on process means.
pub const MIN_PROCESSES: usize = 5;

/// Largest sample size (each side) for the exact null distribution; above it, or with ties, the
/// normal approximation with tie and continuity correction is used.
pub const EXACT_MAX: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankTest {
    /// U of the first sample: pairs (x, y) with x > y, ties counting one half.
    pub u: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// True when the p-value comes from the exact distribution.
    pub exact: bool,
    /// Whether the statistic points to a larger first sample (`u` above its null mean).
    pub first_larger: bool,
}

/// Two-sided Mann-Whitney U test of `x` against `y`: exact for small samples without ties,
/// otherwise the normal approximation (tie-corrected variance, continuity correction 0.5).
/// Empty samples give p = 1.
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> RankTest {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return RankTest {
            u: 0.0,
            p_value: 1.0,
            exact: false,
            first_larger: false,
        };
    }
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let (ranks, tie_term) = midranks(&all);
    let r1: f64 = ranks[..n1].iter().sum();
    let (f1, f2) = (n1 as f64, n2 as f64);
    let u1 = r1 - f1 * (f1 + 1.0) / 2.0;
    let u2 = f1 * f2 - u1;
    let u = u1.max(u2);
    let first_larger = u1 > f1 * f2 / 2.0;
    if tie_term == 0.0 && n1 <= EXACT_MAX && n2 <= EXACT_MAX {
        let dist = exact_distribution(n1.min(n2), n1.max(n2));
        let total: f64 = dist.iter().sum();
        let at_least: f64 = dist[u.round() as usize..].iter().sum();
        return RankTest {
            u: u1,
            p_value: (2.0 * at_least / total).min(1.0),
            exact: true,
            first_larger,
        };
    }
    let n = f1 + f2;
    let s = (f1 * f2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    let p = if s > 0.0 {
        (2.0 * normal_sf((u - f1 * f2 / 2.0 - 0.5) / s)).clamp(0.0, 1.0)
    } else {
        1.0
    };
    RankTest {
        u: u1,
        p_value: p,
        exact: false,
        first_larger,
    }
}

/// Exact distributions by (m, n): a report tests thousands of benchmarks of the same shape.
type ExactCache = RefCell<HashMap<(usize, usize), Rc<Vec<f64>>>>;

thread_local! {
    static EXACT: ExactCache = RefCell::new(HashMap::new());
}

/// Number of orderings of m x's and n y's giving each U (pairs with x > y), U = 0..=m*n.
/// Built by the recurrence on the largest element: it is an x (adding n to U) or a y (adding 0).
fn exact_distribution(m: usize, n: usize) -> Rc<Vec<f64>> {
    if let Some(d) = EXACT.with(|c| c.borrow().get(&(m, n)).cloned()) {
        return d;
    }
    // row[j] holds the counts for (i, j) as i grows; counts stay below C(40, 20) < 2^53.
    let width = m * n + 1;
    let mut row: Vec<Vec<f64>> = (0..=n)
        .map(|_| {
            let mut v = vec![0.0; width];
            v[0] = 1.0;
            v
        })
        .collect();
    for _ in 1..=m {
        for j in 0..=n {
            // counts(i, j)[u] = counts(i-1, j)[u-j] + counts(i, j-1)[u]
            let prev = std::mem::take(&mut row[j]);
            let mut next = vec![0.0; width];
            next[j..].copy_from_slice(&prev[..width - j]);
            if j > 0 {
                for (a, b) in next.iter_mut().zip(&row[j - 1]) {
                    *a += b;
                }
            }
            row[j] = next;
        }
    }
    let d = Rc::new(row.pop().expect("n + 1 rows"));
    EXACT.with(|c| c.borrow_mut().insert((m, n), d.clone()));
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_larger_says_where_the_statistic_points() {
        assert!(mann_whitney_u(&[5.0, 6.0, 7.0], &[1.0, 2.0, 3.0]).first_larger);
        assert!(!mann_whitney_u(&[1.0, 2.0, 3.0], &[5.0, 6.0, 7.0]).first_larger);
        // Many values: the normal approximation's branch.
        let x: Vec<f64> = (0..30).map(|i| f64::from(i) + 0.5).collect();
        let y: Vec<f64> = (0..30).map(f64::from).collect();
        assert!(mann_whitney_u(&x, &y).first_larger && !mann_whitney_u(&y, &x).first_larger);
    }

    #[test]
    fn exact_matches_known_values() {
        // scipy.stats.mannwhitneyu([1,2,3],[4,5,6], method="exact") -> U=0, p=0.1
        let t = mann_whitney_u(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]);
        assert!(t.exact);
        assert_eq!(t.u, 0.0);
        assert!((t.p_value - 0.1).abs() < 1e-12);
        // Fully separated 20 vs 20: p = 2 / C(40, 20).
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let y: Vec<f64> = (20..40).map(f64::from).collect();
        let t = mann_whitney_u(&y, &x);
        assert_eq!(t.u, 400.0);
        assert!((t.p_value - 2.0 / 137_846_528_820.0).abs() < 1e-22);
        // Interleaved samples: nothing to see.
        let t = mann_whitney_u(&[1.0, 4.0, 5.0, 8.0], &[2.0, 3.0, 6.0, 7.0]);
        assert_eq!(t.p_value, 1.0);
    }

    #[test]
    fn exact_distribution_sums_to_binomial() {
        let d = exact_distribution(4, 6);
        assert_eq!(d.iter().sum::<f64>(), 210.0);
        assert_eq!(d.len(), 25);
        // Symmetric around m*n/2.
        for u in 0..25 {
            assert_eq!(d[u], d[24 - u]);
        }
    }

    #[test]
    fn normal_approximation_with_ties() {
        // scipy.stats.mannwhitneyu([1,2,2,3,4], [2,3,5,6,6,7], method="asymptotic")
        // -> U=4.5, p=0.0641466187344
        let t = mann_whitney_u(&[1.0, 2.0, 2.0, 3.0, 4.0], &[2.0, 3.0, 5.0, 6.0, 6.0, 7.0]);
        assert!(!t.exact);
        assert_eq!(t.u, 4.5);
        assert!(
            (t.p_value - 0.064_146_618_734_4).abs() < 1e-9,
            "{}",
            t.p_value
        );
        assert_eq!(mann_whitney_u(&[1.0; 4], &[1.0; 4]).p_value, 1.0);
        assert_eq!(mann_whitney_u(&[], &[1.0]).p_value, 1.0);
    }
}
