//! Cross-checks the rank tests against scipy on generated samples, with scipy from the tests'
//! virtualenv (`support::python`).

mod support;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use slogate::stats::mannwhitney::mann_whitney_u;
use slogate::stats::wilcoxon::signed_rank;
use std::process::Command;

const SCRIPT: &str = r#"
import json, sys
try:
    import scipy.stats as st
except ImportError:
    sys.exit("scipy is missing: pip install scipy")
cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    if c["test"] == "mwu":
        r = st.mannwhitneyu(c["x"], c["y"], alternative="two-sided", method=c["method"])
    else:
        r = st.wilcoxon(c["x"], method=c["method"], correction=True)
    out.append(float(r.pvalue))
print(json.dumps(out))
"#;

fn case(test: &str, x: &[f64], y: &[f64], method: &str) -> serde_json::Value {
    serde_json::json!({"test": test, "x": x, "y": y, "method": method})
}

#[test]
fn rank_tests_match_scipy() {
    let Some(python) = support::python("rank_tests_match_scipy") else {
        return;
    };
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    // Mann-Whitney, exact: small samples of continuous values (no ties), shifted by various amounts.
    for &(n1, n2) in &[
        (3, 3),
        (4, 7),
        (5, 5),
        (8, 12),
        (10, 10),
        (20, 20),
        (20, 13),
        (1, 9),
    ] {
        for shift in [0.0, 0.5, 1.5] {
            let x: Vec<f64> = (0..n1).map(|_| rng.gen::<f64>() + shift).collect();
            let y: Vec<f64> = (0..n2).map(|_| rng.gen::<f64>()).collect();
            let t = mann_whitney_u(&x, &y);
            assert!(t.exact, "{n1} x {n2} without ties is exact");
            ours.push((
                t.p_value,
                1e-6,
                format!("mwu exact {n1}x{n2} shift {shift}"),
            ));
            cases.push(case("mwu", &x, &y, "exact"));
        }
    }
    // Mann-Whitney, normal approximation: ties (integer values), or samples over the exact limit.
    for &(n1, n2, levels) in &[
        (10, 12, 5),
        (30, 25, 8),
        (6, 6, 3),
        (40, 40, 0),
        (21, 30, 0),
    ] {
        for shift in [0.0, 1.0] {
            let draw = |rng: &mut ChaCha8Rng, s: f64| -> f64 {
                if levels > 0 {
                    f64::from(rng.gen_range(0..levels)) + s
                } else {
                    rng.gen::<f64>() + s / 4.0
                }
            };
            let x: Vec<f64> = (0..n1).map(|_| draw(&mut rng, shift)).collect();
            let y: Vec<f64> = (0..n2).map(|_| draw(&mut rng, 0.0)).collect();
            let t = mann_whitney_u(&x, &y);
            assert!(!t.exact);
            ours.push((
                t.p_value,
                1e-3,
                format!("mwu asymptotic {n1}x{n2} levels {levels}"),
            ));
            cases.push(case("mwu", &x, &y, "asymptotic"));
        }
    }
    // Wilcoxon signed-rank: exact without ties, approximate with them.
    for &(n, levels) in &[(7, 0), (15, 0), (25, 0), (12, 4), (40, 6)] {
        let d: Vec<f64> = (0..n)
            .map(|_| {
                if levels > 0 {
                    f64::from(rng.gen_range(1..=levels))
                        * if rng.gen_bool(0.6) { 1.0 } else { -1.0 }
                } else {
                    rng.gen::<f64>() - 0.35
                }
            })
            .collect();
        let t = signed_rank(&d);
        let method = if t.exact { "exact" } else { "approx" };
        ours.push((
            t.p_value,
            if t.exact { 1e-6 } else { 1e-3 },
            format!("wilcoxon {method} n={n}"),
        ));
        cases.push(case("wilcoxon", &d, &[], method));
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.json");
    std::fs::write(&path, serde_json::to_string(&cases).unwrap()).unwrap();
    let out = Command::new(&python)
        .args(["-c", SCRIPT])
        .arg(&path)
        .output()
        .expect("the tests' Python runs");
    assert!(
        out.status.success(),
        "scipy cross-check could not run (pip install scipy): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<f64> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs.len(), ours.len());
    for ((p, tol, name), q) in ours.iter().zip(&theirs) {
        assert!((p - q).abs() <= *tol, "{name}: ours {p}, scipy {q}");
    }
}
