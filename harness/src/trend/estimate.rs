//! The cheap per-run estimate trends draw: the mean of all values with a t-based 95% interval from
//! the spread of the per-process means.
//!
//! Deliberately not the hierarchical bootstrap that comparisons use: a trend redoes the estimate for
//! every run of every benchmark (hundreds of thousands of them), and over many runs the run-to-run
//! spread, which this interval does not claim to cover, dominates anyway. Processes are the
//! independent units, so their means give the interval; with one process its values stand in.

use crate::results::MetricSamples;
use crate::stats::dispersion::{mean, process_means, std_dev};
use crate::stats::summary::t975;

/// A point estimate with its 95% confidence interval, in the metric's base unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// The estimate of one metric of one run; `None` when it holds no value at all.
pub fn estimate(s: &MetricSamples) -> Option<Estimate> {
    let procs: Vec<&Vec<f64>> = s.processes.iter().filter(|p| !p.is_empty()).collect();
    let (point, half) = match procs.len() {
        0 => {
            let sum = s.summary?;
            let half = if sum.n >= 2 {
                t975(sum.n as usize - 1) * sum.stddev / (sum.n as f64).sqrt()
            } else {
                0.0
            };
            (sum.mean, half)
        }
        1 => {
            let v = procs[0];
            (mean(v), half_width(v))
        }
        _ => {
            let total: f64 = procs.iter().map(|p| p.iter().sum::<f64>()).sum();
            let n: usize = procs.iter().map(|p| p.len()).sum();
            (total / n as f64, half_width(&process_means(&s.processes)))
        }
    };
    Some(Estimate {
        mean: point,
        lo: (point - half).max(0.0),
        hi: point + half,
    })
}

/// Half-width of the 95% t interval of the mean of `xs` (0 for fewer than two values).
fn half_width(xs: &[f64]) -> f64 {
    let n = xs.len();
    if n < 2 {
        return 0.0;
    }
    t975(n - 1) * std_dev(xs) / (n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::SummaryStats;
    use crate::units::Unit;

    fn samples(processes: Vec<Vec<f64>>) -> MetricSamples {
        let mut s = MetricSamples::new(Unit::Nanoseconds);
        s.processes = processes;
        s
    }

    #[test]
    fn interval_comes_from_process_means() {
        // Process means 2 and 5: sd 2.1213, se 1.5, t(1) = 12.706.
        let e = estimate(&samples(vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]])).unwrap();
        assert_eq!(e.mean, 3.5);
        assert!((e.hi - (3.5 + 12.7062 * 1.5)).abs() < 1e-3, "{e:?}");
        assert_eq!(e.lo, 0.0, "clamped at zero");
        // 30 processes: t(29) = 2.0452.
        let e = estimate(&samples(
            (0..30).map(|i| vec![100.0 + (i % 2) as f64]).collect(),
        ))
        .unwrap();
        let se = (30.0f64 / 29.0 * 0.25).sqrt() / 30f64.sqrt();
        assert!((e.hi - e.mean - 2.0452 * se).abs() < 1e-3, "{e:?}");
    }

    #[test]
    fn single_process_and_summary_only() {
        let e = estimate(&samples(vec![vec![10.0], vec![]])).unwrap();
        assert_eq!((e.lo, e.mean, e.hi), (10.0, 10.0, 10.0));
        let mut s = samples(vec![]);
        assert!(estimate(&s).is_none());
        s.summary = Some(SummaryStats {
            n: 4,
            mean: 10.0,
            stddev: 2.0,
            median: None,
            min: None,
            max: None,
        });
        let e = estimate(&s).unwrap();
        assert!((e.hi - 10.0 - 3.1824).abs() < 1e-3, "t(3) * 2 / 2: {e:?}");
    }
}
