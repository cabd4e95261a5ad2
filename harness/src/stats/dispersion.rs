//! Dispersion and sample-size checks: when is a benchmark too noisy, or too thin, to conclude.

/// Fewer processes than this and fewer values than [`MIN_VALUES`] on a side: no verdict.
pub const MIN_PROCESSES: usize = 3;
pub const MIN_VALUES: usize = 6;

/// A change whose ratio CI is wider than this many noise thresholds can say neither "same within
/// the threshold" nor "changed beyond it".
pub const MAX_CI_WIDTH_IN_THRESHOLDS: f64 = 4.0;

/// Process means spread wider than this (coefficient of variation) make the bootstrap over a few
/// processes untrustworthy, whatever interval it yields.
pub const MAX_CV: f64 = 0.25;

pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (n - 1); 0 for fewer than two values.
pub fn std_dev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// Coefficient of variation; 0 when it is undefined (fewer than two values, or a zero mean).
pub fn cv(xs: &[f64]) -> f64 {
    let m = mean(xs);
    if xs.len() < 2 || m == 0.0 {
        return 0.0;
    }
    std_dev(xs) / m.abs()
}

/// Robust standard deviation: 1.4826 times the median absolute deviation from the median, which
/// a minority of outliers cannot inflate; 0 for fewer than two values.
pub fn robust_sd(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    let Some(m) = super::median(&mut v) else {
        return 0.0;
    };
    if xs.len() < 2 {
        return 0.0;
    }
    let mut dev: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
    1.4826 * super::median(&mut dev).unwrap_or(0.0)
}

/// Linear-interpolation quantile (type 7, as R's default and numpy's) of unsorted values; `None`
/// when there are none.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len().checked_sub(1)?) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    Some(match v.get(i + 1) {
        Some(next) => v[i] + frac * (next - v[i]),
        None => v[i],
    })
}

/// Means of the non-empty processes.
pub fn process_means(processes: &[Vec<f64>]) -> Vec<f64> {
    processes
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| mean(p))
        .collect()
}

/// True when a side has too few samples for any verdict.
pub fn too_few(processes: usize, values: usize) -> bool {
    processes < MIN_PROCESSES && values < MIN_VALUES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(
            std_dev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]),
            (32.0f64 / 7.0).sqrt()
        );
        assert!((cv(&[9.0, 10.0, 11.0]) - 0.1).abs() < 1e-12);
        assert_eq!(cv(&[5.0]), 0.0);
        assert_eq!(
            process_means(&[vec![1.0, 3.0], vec![], vec![4.0]]),
            vec![2.0, 4.0]
        );
        assert!(too_few(2, 5) && !too_few(2, 6) && !too_few(3, 3));
        // One outlier of five leaves the robust spread where the others put it.
        let sd = robust_sd(&[1.0, 1.1, 0.9, 1.0, 50.0]);
        assert!((sd - 1.4826 * 0.1).abs() < 1e-9, "{sd}");
        assert_eq!(robust_sd(&[3.0]), 0.0);
        // numpy.quantile([4, 1, 3, 2], [0, 0.5, 0.9, 1]) = 1, 2.5, 3.7, 4.
        let q = |p| quantile(&[4.0, 1.0, 3.0, 2.0], p).unwrap();
        assert_eq!((q(0.0), q(0.5), q(1.0)), (1.0, 2.5, 4.0));
        assert!((q(0.9) - 3.7).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
    }
}
