//! One number per process for paired comparisons: the interquartile mean of its values.
//!
//! A pair of processes (one per side, run back to back) is one observation of the paired ratio;
//! what a process contributes is its location. The mean lets one value that met a busy neighbour
//! (30-50% slow on a shared machine) move the whole process; the median of a few values throws
//! most of them away. The interquartile mean (the mean of the values left after dropping the
//! lowest and the highest quarter, rounded down) keeps the middle half: with 1 to 3 values it is
//! the mean, with 4 the mean of the middle two, with 10 the mean of the middle six.

/// Fraction of the values dropped at each end.
pub const TRIM: f64 = 0.25;

/// The interquartile mean of `values`; None when empty.
pub fn trimmed_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let cut = (v.len() as f64 * TRIM).floor() as usize;
    let kept = &v[cut..v.len() - cut];
    Some(kept.iter().sum::<f64>() / kept.len() as f64)
}

/// [`trimmed_mean`] of each non-empty process.
pub fn process_locations(processes: &[Vec<f64>]) -> Vec<f64> {
    processes.iter().filter_map(|p| trimmed_mean(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_a_quarter_at_each_end() {
        assert_eq!(trimmed_mean(&[]), None);
        assert_eq!(trimmed_mean(&[3.0]), Some(3.0));
        assert_eq!(trimmed_mean(&[1.0, 2.0, 6.0]), Some(3.0), "mean of three");
        assert_eq!(trimmed_mean(&[9.0, 1.0, 2.0, 4.0]), Some(3.0), "middle two");
        let ten = [1.0, 100.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 0.0, 7.0];
        assert_eq!(trimmed_mean(&ten), Some(5.0), "middle six of ten");
        assert_eq!(
            process_locations(&[vec![1.0, 3.0], vec![], vec![4.0]]),
            vec![2.0, 4.0]
        );
    }
}
