//! From real runs to verdicts: two `slogate run`s of the same code flag nothing, and a candidate
//! whose workload does 10% more work is flagged 📈 with the interval of its ratio in the JSON.
//!
//! The workload is timed with the `process` protocol, so `user_time` (CPU time) is measured beside
//! wall time: a process descheduled on a busy 2-core runner loses wall time, not CPU time, so the
//! verdicts on CPU time stay meaningful on a shared CI machine, where wall time of two separate runs
//! drifts with the load.

use assert_cmd::Command;
use std::path::Path;

const SUITE: &str = r#"
[suite]
name = "work"
description = "a CPU loop whose amount of work a variable scales"

[vars]
scale = "1.0"

[defaults]
protocol = "process"
processes = 20
values = 1
warmups = 1
timeout = "30s"

[[scenario]]
name = "loop"
command = ["python3", "-c", "import sys\nn = int(4_000_000 * float(sys.argv[1]))\ns = 0\nfor i in range(n): s += i * i", "{scale}"]
"#;

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

fn run(dir: &Path, name: &str, scale: &str) -> std::path::PathBuf {
    let out = dir.join(name);
    slogate()
        .arg("run")
        .arg(dir.join("work"))
        .args(["--var", &format!("scale={scale}"), "--seed", "7", "-o"])
        .arg(&out)
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(0);
    out
}

fn verdicts(dir: &Path, base: &Path, cand: &Path) -> (serde_json::Value, String) {
    let json = dir.join("cmp.json");
    let md = dir.join("cmp.md");
    slogate()
        .arg("compare")
        .arg(base)
        .arg(cand)
        .arg("--json")
        .arg(&json)
        .arg("--report")
        .arg(&md)
        // CPU time on a busy 2-core runner still varies ~5% between processes, and interpreter
        // start-up dilutes the +10% of the loop to about +9%: a 3% threshold keeps the flag
        // reliable, and the A/A half shows it raises no false alarm.
        .args(["--noise-threshold", "3%"])
        .assert()
        .code(0);
    let c = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (c, std::fs::read_to_string(&md).unwrap())
}

fn change<'a>(c: &'a serde_json::Value, metric: &str) -> &'a serde_json::Value {
    c["benchmarks"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric)
        .map(|m| &m["change"])
        .unwrap_or_else(|| panic!("no {metric} in {c}"))
}

#[test]
fn same_code_flags_nothing_and_ten_percent_more_work_is_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("work")).unwrap();
    std::fs::write(dir.path().join("work/suite.toml"), SUITE).unwrap();
    let a = run(dir.path(), "a.json", "1.0");
    let b = run(dir.path(), "b.json", "1.0");
    let c = run(dir.path(), "c.json", "1.1");

    // Wall time of two separate runs drifts with the machine's load (that is what `ab` is for);
    // CPU time is what two runs of the same code must agree on.
    let (same, _) = verdicts(dir.path(), &a, &b);
    let aa = change(&same, "user_time");
    let v = aa["verdict"].as_str().unwrap();
    assert!(
        v == "same" || v == "unstable",
        "A/A flagged user_time: {aa}"
    );

    // The slowed side must be 📈 with its interval whenever the run's own dispersion supports
    // seeing a 9% change against the 3% threshold; on a saturated runner the honest answer is
    // `unstable` or `~same`, never an improvement.
    let (slower, md) = verdicts(dir.path(), &a, &c);
    let cpu = change(&slower, "user_time");
    let resolution = resolution(&slower, "user_time");
    match cpu["verdict"].as_str().unwrap() {
        "regression" => {
            let (low, ratio, high) = (
                cpu["ratio_low"].as_f64().unwrap(),
                cpu["ratio"].as_f64().unwrap(),
                cpu["ratio_high"].as_f64().unwrap(),
            );
            assert!(
                low <= ratio && ratio <= high && low > 1.03 && (1.04..1.25).contains(&ratio),
                "ratio {ratio} in [{low}, {high}]: about +9% expected"
            );
            assert!(md.contains("📈"), "{md}");
        }
        "same" | "unstable" => assert!(
            resolution > 0.045,
            "+10% work missed although the noise supports changes of {:.1}%: {cpu}",
            resolution * 100.0
        ),
        other => panic!("+10% work called {other}: {cpu}"),
    }
}

/// The smallest relative change the two sides' dispersion of `metric` supports seeing (95%,
/// two-sided): 1.96 standard errors of the difference of the relative means.
fn resolution(c: &serde_json::Value, metric: &str) -> f64 {
    let m = c["benchmarks"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric)
        .unwrap();
    let term = |side: &str| {
        let cv = m[side]["cv"].as_f64().unwrap();
        cv * cv / m[side]["processes"].as_f64().unwrap()
    };
    1.96 * (term("baseline") + term("candidate")).sqrt()
}
