//! Intervals and tests from summary statistics alone (n, mean, standard deviation), for imports of
//! tools that kept no raw values. Weaker than the bootstrap: they assume near-normal means.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// What is known of one side without raw values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: f64,
    pub mean: f64,
    pub sd: f64,
}

fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .expect("positive degrees of freedom")
        .inverse_cdf(p)
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom (the half-width factor of a 95%
/// interval), tabled once for callers that need it hundreds of thousands of times.
pub fn t975(df: usize) -> f64 {
    const TABLED: usize = 200;
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (1..=TABLED)
            .map(|df| t_quantile(0.975, df as f64))
            .collect()
    });
    table[df.clamp(1, TABLED) - 1]
}

/// Two-sided t interval of the mean at `confidence`; `None` with fewer than two samples.
pub fn t_interval(s: Summary, confidence: f64) -> Option<(f64, f64)> {
    if s.n < 2.0 {
        return None;
    }
    let half = t_quantile(0.5 + confidence / 2.0, s.n - 1.0) * s.sd / s.n.sqrt();
    Some((s.mean - half, s.mean + half))
}

/// Ratio `num.mean / den.mean` with a t interval on the log scale (delta method, Welch's degrees of
/// freedom), and the two-sided p-value of that log ratio being zero. `None` when a side has fewer
/// than two samples or a zero mean.
pub fn log_ratio_interval(
    num: Summary,
    den: Summary,
    confidence: f64,
) -> Option<(f64, f64, f64, f64)> {
    if num.n < 2.0 || den.n < 2.0 || num.mean <= 0.0 || den.mean <= 0.0 {
        return None;
    }
    // Variance of the log of each mean, by the delta method: (sd / (mean sqrt n))^2.
    let va = (num.sd / num.mean).powi(2) / num.n;
    let vb = (den.sd / den.mean).powi(2) / den.n;
    let ratio = num.mean / den.mean;
    let se = (va + vb).sqrt();
    if se == 0.0 {
        let p = if ratio == 1.0 { 1.0 } else { 0.0 };
        return Some((ratio, ratio, ratio, p));
    }
    let df = (va + vb).powi(2) / (va * va / (num.n - 1.0) + vb * vb / (den.n - 1.0));
    let q = t_quantile(0.5 + confidence / 2.0, df);
    let dist = StudentsT::new(0.0, 1.0, df).expect("positive degrees of freedom");
    let t = ratio.ln() / se;
    let p = (2.0 * (1.0 - dist.cdf(t.abs()))).min(1.0);
    Some((ratio, ratio * (-q * se).exp(), ratio * (q * se).exp(), p))
}

/// The half-width of the 95% interval of `b.mean - a.mean`, two independent samples (Welch's
/// standard error and degrees of freedom, rounded down); 0 when neither side varies, None when a
/// side has fewer than two values.
pub fn difference_half_width(a: Summary, b: Summary) -> Option<f64> {
    if a.n < 2.0 || b.n < 2.0 {
        return None;
    }
    let (va, vb) = (a.sd * a.sd / a.n, b.sd * b.sd / b.n);
    if va + vb == 0.0 {
        return Some(0.0);
    }
    let df = (va + vb).powi(2) / (va * va / (a.n - 1.0) + vb * vb / (b.n - 1.0));
    Some(t975(df.floor() as usize) * (va + vb).sqrt())
}

/// The mean of paired differences with its Student t interval at `confidence` and the two-sided
/// p-value of the mean being zero: `(estimate, low, high, p)`. Differences without spread give a
/// point interval (and p 0, or 1 when they are all zero). `None` with fewer than two differences.
pub fn paired_t(differences: &[f64], confidence: f64) -> Option<(f64, f64, f64, f64)> {
    let n = differences.len() as f64;
    if n < 2.0 {
        return None;
    }
    let mean = differences.iter().sum::<f64>() / n;
    let sd = crate::stats::dispersion::std_dev(differences);
    if sd == 0.0 {
        let p = if mean == 0.0 { 1.0 } else { 0.0 };
        return Some((mean, mean, mean, p));
    }
    let (low, high) = t_interval(Summary { n, mean, sd }, confidence)?;
    let dist = StudentsT::new(0.0, 1.0, n - 1.0).expect("positive degrees of freedom");
    let t = mean / (sd / n.sqrt());
    let p = (2.0 * (1.0 - dist.cdf(t.abs()))).min(1.0);
    Some((mean, low, high, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_interval_known_value() {
        // mean 10, sd 2, n 16: t(0.975, 15) = 2.131449546; half width 2.131449546 * 0.5.
        let (lo, hi) = t_interval(
            Summary {
                n: 16.0,
                mean: 10.0,
                sd: 2.0,
            },
            0.95,
        )
        .unwrap();
        assert!((hi - 10.0 - 1.065_724_773).abs() < 1e-6, "{hi}");
        assert!((10.0 - lo - 1.065_724_773).abs() < 1e-6);
        assert!(t_interval(
            Summary {
                n: 1.0,
                mean: 1.0,
                sd: 0.0
            },
            0.95
        )
        .is_none());
    }

    #[test]
    fn log_ratio_brackets_the_ratio() {
        let a = Summary {
            n: 30.0,
            mean: 110.0,
            sd: 5.0,
        };
        let b = Summary {
            n: 30.0,
            mean: 100.0,
            sd: 5.0,
        };
        let (r, lo, hi, p) = log_ratio_interval(a, b, 0.95).unwrap();
        assert!((r - 1.1).abs() < 1e-12);
        assert!(lo > 1.05 && lo < 1.1 && hi > 1.1 && hi < 1.15, "{lo} {hi}");
        assert!(p < 1e-6);
        let (_, lo, hi, p) = log_ratio_interval(b, b, 0.95).unwrap();
        assert!(lo < 1.0 && hi > 1.0 && (p - 1.0).abs() < 1e-12);
    }

    #[test]
    fn difference_half_width_known_value() {
        // sd 2 and 4 over 5 values each: variances of the means 0.8 and 3.2, se 2; Welch's df
        // 16 / (0.64 / 4 + 10.24 / 4) = 5.88, rounded down to 5: t(0.975, 5) = 2.570582.
        let side = |sd| Summary {
            n: 5.0,
            mean: 0.0,
            sd,
        };
        let h = difference_half_width(side(2.0), side(4.0)).unwrap();
        assert!((h - 2.0 * 2.570_582).abs() < 1e-5, "{h}");
        assert_eq!(difference_half_width(side(0.0), side(0.0)), Some(0.0));
        let one = Summary {
            n: 1.0,
            mean: 3.0,
            sd: 0.0,
        };
        assert_eq!(difference_half_width(one, side(1.0)), None);
    }

    #[test]
    fn paired_t_known_value() {
        // Differences 1, 2, 3: mean 2, sd 1, t = 2 / (1 / sqrt 3) = 3.4641 on 2 df:
        // two-sided p 0.07418, 95% half width t(0.975, 2) 4.302653 / sqrt 3 = 2.484138.
        let (m, lo, hi, p) = paired_t(&[1.0, 2.0, 3.0], 0.95).unwrap();
        assert_eq!(m, 2.0);
        assert!((hi - 2.0 - 2.484_138).abs() < 1e-5 && (2.0 - lo - 2.484_138).abs() < 1e-5);
        assert!((p - 0.074_180).abs() < 1e-5, "{p}");
        assert_eq!(paired_t(&[0.25; 3], 0.95), Some((0.25, 0.25, 0.25, 0.0)));
        assert_eq!(paired_t(&[0.0; 3], 0.95), Some((0.0, 0.0, 0.0, 1.0)));
        assert_eq!(paired_t(&[1.0], 0.95), None);
    }
}
