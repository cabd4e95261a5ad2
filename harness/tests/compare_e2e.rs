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

/// One measurement: baseline, a second baseline and a slower candidate, run one after another.
fn attempt(dir: &Path) -> Result<(), String> {
    let a = run(dir, "a.json", "1.0");
    let b = run(dir, "b.json", "1.0");
    let c = run(dir, "c.json", "1.1");

    // Wall time of two separate runs drifts with the machine's load (that is what `ab` is for);
    // CPU time is what two runs of the same code must agree on.
    let (same, _) = verdicts(dir, &a, &b);
    let aa = change(&same, "user_time");
    let v = aa["verdict"].as_str().unwrap();
    if v != "same" && v != "unstable" {
        return Err(format!("A/A flagged user_time: {aa}"));
    }

    let (slower, md) = verdicts(dir, &a, &c);
    let cpu = change(&slower, "user_time");
    if cpu["verdict"] != "regression" {
        return Err(format!("+10% work not flagged: {cpu}"));
    }
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
    Ok(())
}

/// Separate runs see the machine's drift between them, which no statistic within a run can see:
/// a busy shared runner may shift CPU time by a few percent from one minute to the next. The
/// measurement is therefore taken up to three times; a slogate that never flags the +10%, or that
/// flags identical code every time, still fails.
#[test]
#[ignore = "timing: run on a quiet machine with `cargo test --test compare_e2e -- --ignored`"]
fn same_code_flags_nothing_and_ten_percent_more_work_is_a_regression() {
    let mut failures = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        std::fs::write(dir.path().join("work/suite.toml"), SUITE).unwrap();
        match attempt(dir.path()) {
            Ok(()) => return,
            Err(e) => failures.push(e),
        }
    }
    panic!("in all three attempts:\n{}", failures.join("\n"));
}
