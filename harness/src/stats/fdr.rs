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

#[cfg(test)]
mod tests {
    use super::*;

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
