//! Statistics: small pure modules, each tested against known values. `compare` composes them;
//! nothing here knows about results files or reports.

pub mod bootstrap;
pub mod changepoint;
pub mod dispersion;
pub mod fdr;
pub mod hodges_lehmann;
pub mod location;
pub mod mannwhitney;
pub mod sides;
pub mod spending;
pub mod summary;
pub mod values_per_process;
pub mod wilcoxon;

/// Midranks (1-based) of `xs`, ties sharing the mean of their ranks, plus the tie term
/// Σ(t³ - t) over groups of t tied values that the normal approximations correct for.
pub(crate) fn midranks(xs: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_unstable_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut ranks = vec![0.0; xs.len()];
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && xs[order[j]] == xs[order[i]] {
            j += 1;
        }
        let rank = (i + j + 1) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = rank;
        }
        let t = (j - i) as f64;
        tie_term += t * t * t - t;
        i = j;
    }
    (ranks, tie_term)
}

/// Median of `v`, sorting it in place; None when empty.
pub fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_unstable_by(f64::total_cmp);
    median_of_sorted(v)
}

/// Median of an already sorted `v` (the middle value, or the mean of the two middle ones).
pub fn median_of_sorted(v: &[f64]) -> Option<f64> {
    let mid = v.len() / 2;
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[mid]),
        _ => Some((v[mid - 1] + v[mid]) / 2.0),
    }
}

/// Upper tail of the standard normal distribution.
pub(crate) fn normal_sf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

/// Quantile of the standard normal distribution.
pub(crate) fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::new(0.0, 1.0)
        .expect("standard normal")
        .inverse_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midranks_share_tied_ranks() {
        let (r, tie) = midranks(&[3.0, 1.0, 3.0, 2.0, 3.0]);
        assert_eq!(r, vec![4.0, 1.0, 4.0, 2.0, 4.0]);
        assert_eq!(tie, 24.0);
        assert!((normal_sf(1.959963984540054) - 0.025).abs() < 1e-9);
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
        assert_eq!(median_of_sorted(&[1.0, 5.0]), Some(3.0));
    }
}
