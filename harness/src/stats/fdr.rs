//! Benjamini-Hochberg false-discovery control across every comparison in a report.

/// Benjamini-Hochberg adjusted p-values (q-values), in the order of `p`: `q_(i) = min over j >= i of
/// m / j * p_(j)`, monotone in p and capped at 1. A comparison is a discovery at rate `fdr` when
/// its q-value is at most `fdr`.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_unstable_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![0.0; m];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        // max(p): m / rank >= 1, but rounding must not push q under p.
        running = running.min((p[i] * m as f64 / (rank + 1) as f64).max(p[i]));
        q[i] = running.min(1.0);
    }
    q
}

/// q-values of one-sided tests, whose p-values (`p`, each in the direction its estimate points)
/// make two families: regressions and improvements, each controlled at the rate on its own. Every
/// change is in both, with its p-value towards regression in one and one minus it in the other
/// (`towards_regression`: whether its estimate points that way); its q-value is the one of the
/// family its estimate points to. Halved two-sided p-values in one family would control the
/// rate across both directions at twice the nominal rate.
pub fn one_sided_q_values(p: &[f64], towards_regression: &[bool]) -> Vec<f64> {
    let regression: Vec<f64> = p
        .iter()
        .zip(towards_regression)
        .map(|(p, r)| if *r { *p } else { 1.0 - p })
        .collect();
    let improvement: Vec<f64> = regression.iter().map(|p| 1.0 - p).collect();
    let (qr, qi) = (
        benjamini_hochberg(&regression),
        benjamini_hochberg(&improvement),
    );
    towards_regression
        .iter()
        .enumerate()
        .map(|(i, r)| if *r { qr[i] } else { qi[i] })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two regressions at one-sided p 0.02 and two improvements at 0.02 among four changes: in
    /// one family of four, each would get q 0.02; in their own family of four (the others at
    /// 0.98) each gets 0.04, as two discoveries in four tests should.
    #[test]
    fn one_sided_families_are_regressions_and_improvements() {
        let q = one_sided_q_values(&[0.02, 0.02, 0.02, 0.02], &[true, true, false, false]);
        assert!(q.iter().all(|q| (q - 0.04).abs() < 1e-12), "{q:?}");
        assert_eq!(benjamini_hochberg(&[0.02; 4]), [0.02; 4]);
        // A change whose p-value is large in its own direction stays undiscovered.
        let q = one_sided_q_values(&[0.001, 0.9], &[true, true]);
        assert!((q[0] - 0.002).abs() < 1e-12 && q[1] == 0.9, "{q:?}");
    }

    #[test]
    fn matches_known_values() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2), "BH")
        // 0.025 0.050 0.050 0.025 0.200
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.2]);
        let want = [0.025, 0.05, 0.05, 0.025, 0.2];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn is_monotone_and_capped() {
        let p = [0.9, 0.8, 0.95, 0.001, 0.5, 0.5];
        let q = benjamini_hochberg(&p);
        assert!(q.iter().all(|&v| v <= 1.0));
        for i in 0..p.len() {
            for j in 0..p.len() {
                if p[i] <= p[j] {
                    assert!(q[i] <= q[j], "{p:?} -> {q:?}");
                }
                assert!(q[i] >= p[i]);
            }
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
