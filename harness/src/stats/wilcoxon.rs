//! Wilcoxon signed-rank test, two-sided, for paired runs: `compare` applies it to the log ratios of
//! the per-pair process means (candidate process i against baseline process i, run next to each
//! other). Same rules as the Mann-Whitney test: exact for small samples without ties, otherwise
//! the normal approximation with tie and continuity correction. Zero differences are dropped
//! (scipy's `zero_method="wilcox"`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::{midranks, normal_sf};

/// Largest number of non-zero differences for the exact null distribution.
pub const EXACT_MAX: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignedRankTest {
    /// Sum of the ranks of the positive differences.
    pub t_plus: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    pub exact: bool,
    /// Whether the statistic points to positive differences (`t_plus` above its null mean).
    pub up: bool,
}

pub fn signed_rank(differences: &[f64]) -> SignedRankTest {
    let nonzero: Vec<f64> = differences.iter().copied().filter(|d| *d != 0.0).collect();
    let n = nonzero.len();
    if n == 0 {
        return SignedRankTest {
            t_plus: 0.0,
            p_value: 1.0,
            exact: false,
            up: false,
        };
    }
    let abs: Vec<f64> = nonzero.iter().map(|d| d.abs()).collect();
    let (ranks, tie_term) = midranks(&abs);
    let t_plus: f64 = ranks
        .iter()
        .zip(&nonzero)
        .filter(|(_, d)| **d > 0.0)
        .map(|(r, _)| r)
        .sum();
    let up = t_plus > (n * (n + 1)) as f64 / 4.0;
    if tie_term == 0.0 && n <= EXACT_MAX {
        let counts = null_counts(n);
        let total = 2f64.powi(n as i32);
        let t = t_plus.round() as usize;
        let below: f64 = counts[..=t].iter().sum();
        let above: f64 = counts[t..].iter().sum();
        return SignedRankTest {
            t_plus,
            p_value: (2.0 * below.min(above) / total).min(1.0),
            exact: true,
            up,
        };
    }
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let var = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_term / 48.0;
    let p = if var > 0.0 {
        let d = t_plus - mean;
        let z = (d.abs() - 0.5).max(0.0) / var.sqrt();
        (2.0 * normal_sf(z)).min(1.0)
    } else {
        1.0
    };
    SignedRankTest {
        t_plus,
        p_value: p,
        exact: false,
        up,
    }
}

/// Counts of the subsets of {1..n} by their sum, `counts[t]` for t in 0..=n(n+1)/2: the null
/// distribution of T+ times 2^n. Remembered per `n` on each thread: the table costs O(n^3)
/// (about 0.3 ms at n = 100) and every paired metric of a comparison needs it (the Hodges-Lehmann
/// interval, and the exact test up to [`EXACT_MAX`]), always for the same few `n`: without the
/// memo a paired compare of 1,000 benchmarks x 100 pairs took 1.5 s, with it 0.9 s (unpaired:
/// 0.8 s).
pub fn null_counts(n: usize) -> Rc<[f64]> {
    thread_local! {
        static TABLES: RefCell<HashMap<usize, Rc<[f64]>>> = RefCell::default();
    }
    TABLES.with(|tables| {
        tables
            .borrow_mut()
            .entry(n)
            .or_insert_with(|| subset_sum_counts(n).into())
            .clone()
    })
}

fn subset_sum_counts(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut counts = vec![0.0_f64; max + 1];
    counts[0] = 1.0;
    for k in 1..=n {
        for s in (k..=max).rev() {
            counts[s] += counts[s - k];
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_says_where_the_statistic_points() {
        assert!(signed_rank(&[0.3, 0.1, -0.05, 0.2]).up);
        assert!(!signed_rank(&[-0.3, -0.1, 0.05, -0.2]).up);
        let many: Vec<f64> = (0..40).map(|i| f64::from(i % 7) - 2.0).collect();
        assert!(
            signed_rank(&many).up && !signed_rank(&many.iter().map(|d| -d).collect::<Vec<_>>()).up
        );
    }

    #[test]
    fn matches_scipy() {
        // scipy.stats.wilcoxon(d, method="exact") -> p=0.109375
        let d = [0.1, -0.2, 0.3, 0.4, 0.5, -0.05, 0.7];
        let t = signed_rank(&d);
        assert!(t.exact);
        assert_eq!(t.t_plus, 24.0);
        assert!((t.p_value - 0.109375).abs() < 1e-12);
        // With ties: scipy.stats.wilcoxon(d, method="approx", correction=True)
        // -> p=0.028124450117384896
        let d = [0.1, -0.1, 0.3, 0.3, 0.5, -0.05, 0.7, 0.2, 0.25];
        let t = signed_rank(&d);
        assert!(!t.exact);
        assert!(
            (t.p_value - 0.028_124_450_117_384_9).abs() < 1e-9,
            "{}",
            t.p_value
        );
        assert_eq!(signed_rank(&[0.0, 0.0]).p_value, 1.0);
    }
}
