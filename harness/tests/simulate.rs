//! Simulation mode end to end: the real binary running Python workloads under the real valgrind.

mod support;

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

const KEY: &str = "sim/loop";

/// A pure-Python loop in one function (`measured`), its work scaled by `$WORK_SCALE`, holding
/// `$EXTRA_KB` more of heap while it runs, or growing without end with `$RUNAWAY`.
const WORKLOAD: &str = r#"
import json, os
SCALE = float(os.environ.get("WORK_SCALE", "1.0"))
EXTRA_KB = int(os.environ.get("EXTRA_KB", "0"))

def measured(n):
    t = 0
    for i in range(n):
        t += i * i
    return t

if os.environ.get("RUNAWAY"):
    hog = []
    while True:
        hog.append(bytearray(8 * 1024 * 1024))
keep = bytearray(EXTRA_KB * 1024)
samples = os.environ.get("SLOGATE_SAMPLES")
for _ in range(int(os.environ.get("SLOGATE_VALUES", "1"))):
    measured(int(100000 * SCALE))
    if samples:
        with open(samples, "a") as f:
            f.write(json.dumps({"ns": 1}) + "\n")
"#;

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A suite `sim` with one scenario `loop` running the workload with the `process` protocol (or the
/// settings in `extra`), 3 processes; variables `scale` and `extra_kb`.
fn suite(dir: &Path, extra: &str) -> PathBuf {
    let d = dir.join("sim");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("work.py"), WORKLOAD).unwrap();
    std::fs::write(
        d.join("suite.toml"),
        format!(
            r#"[suite]
name = "sim"
[vars]
scale = "1.0"
extra_kb = "0"
[defaults]
protocol = "process"
processes = 3
timeout = "10s"
memory_limit = "600MB"
{extra}
[[scenario]]
name = "loop"
command = ["python3", "-S", "work.py"]
env.WORK_SCALE = "{{scale}}"
env.EXTRA_KB = "{{extra_kb}}"
thresholds = ["instructions < 2.5e9", "heap_peak < 30 MB"]
"#
        ),
    )
    .unwrap();
    d
}

/// `slogate ab --simulate` of the suite with 3 rounds, the candidate's variables `vars`; returns
/// the comparison JSON and the candidate's results file.
fn ab(test: &str, vars: &[&str]) -> Option<(Value, Value)> {
    support::require(test, "valgrind", "apt-get install valgrind")?;
    let dir = tempfile::tempdir().unwrap();
    let s = suite(dir.path(), "");
    let json = dir.path().join("cmp.json");
    let mut cmd = slogate();
    cmd.current_dir(dir.path())
        .arg("ab")
        .arg(&s)
        .args(["--simulate", "--processes", "3", "--seed", "3"])
        .args(["--noise-threshold", "0.1%", "--fail-on", "none", "--json"])
        .arg(&json);
    for v in vars {
        cmd.args(["--candidate-var", v]);
    }
    cmd.timeout(Duration::from_secs(900)).assert().success();
    let cand = read_json(&dir.path().join("slogate-ab/candidate.json"));
    Some((read_json(&json), cand))
}

/// The verdict of `metric` of the one benchmark of a comparison.
fn verdict<'a>(cmp: &'a Value, metric: &str) -> &'a str {
    cmp["benchmarks"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} in {cmp}"))["change"]["verdict"]
        .as_str()
        .unwrap()
}

fn values(results: &Value, metric: &str) -> Vec<f64> {
    let b = results["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == KEY)
        .unwrap();
    b["metrics"][metric]["processes"]
        .as_array()
        .unwrap_or_else(|| panic!("no {metric} in {b}"))
        .iter()
        .flat_map(|p| p.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect()
}

#[test]
fn an_a_a_run_under_the_simulator_flags_nothing() {
    let Some((cmp, cand)) = ab("an_a_a_run_under_the_simulator_flags_nothing", &[]) else {
        return;
    };
    let counts = values(&cand, "instructions");
    let (lo, hi) = counts
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), v| (l.min(*v), h.max(*v)));
    assert!(counts.len() == 3 && hi / lo - 1.0 < 1e-4, "{counts:?}");
    for m in cmp["benchmarks"][0]["metrics"].as_array().unwrap() {
        let v = m["change"]["verdict"].as_str().unwrap_or("none");
        assert!(
            v != "regression" && v != "improvement",
            "{}: {v}",
            m["metric"]
        );
    }
    assert_eq!(verdict(&cmp, "instructions"), "same");
    let units: Vec<(&str, &str)> = [
        "instructions",
        "estimated_cycles",
        "heap_peak",
        "heap_allocated",
        "allocations",
    ]
    .iter()
    .map(|m| {
        (
            *m,
            cand["benchmarks"][0]["metrics"][m]["unit"]
                .as_str()
                .unwrap(),
        )
    })
    .collect();
    assert_eq!(
        units,
        [
            ("instructions", "count"),
            ("estimated_cycles", "count"),
            ("heap_peak", "bytes"),
            ("heap_allocated", "bytes"),
            ("allocations", "count")
        ]
    );
    // The suite's limits on simulated metrics are checked like any other.
    let slos = cmp["benchmarks"][0]["slos"].as_array().unwrap();
    assert_eq!(slos.len(), 2, "{slos:?}");
    for s in slos {
        let v = s["verdict"].as_str().unwrap();
        assert!(v == "pass" || v == "comfortable", "{s}");
    }
}

#[test]
fn half_a_percent_more_work_is_flagged_on_instructions() {
    let test = "half_a_percent_more_work_is_flagged_on_instructions";
    let Some((cmp, _)) = ab(test, &["scale=1.005"]) else {
        return;
    };
    assert_eq!(verdict(&cmp, "instructions"), "regression", "{cmp}");
    assert_eq!(verdict(&cmp, "estimated_cycles"), "regression", "{cmp}");
}

#[test]
fn a_megabyte_more_heap_is_flagged_on_heap_peak() {
    let test = "a_megabyte_more_heap_is_flagged_on_heap_peak";
    let Some((cmp, _)) = ab(test, &["extra_kb=1024"]) else {
        return;
    };
    assert_eq!(verdict(&cmp, "heap_peak"), "regression", "{cmp}");
}

#[test]
fn a_run_reports_the_measured_part_per_iteration() {
    let test = "a_run_reports_the_measured_part_per_iteration";
    if support::require(test, "valgrind", "apt-get install valgrind").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = suite(
        dir.path(),
        "[[scenario]]\nname = \"sampled\"\nprotocol = \"samples\"\nprocesses = 1\nvalues = 3\ncommand = [\"python3\", \"-S\", \"work.py\"]\n",
    );
    let out = dir.path().join("r.json");
    slogate()
        .current_dir(dir.path())
        .arg("run")
        .arg(&s)
        .args(["--simulate", "--filter", "sampled", "-o"])
        .arg(&out)
        .timeout(Duration::from_secs(600))
        .assert()
        .success()
        .stderr(predicates::str::contains("simulating with valgrind"));
    let r = read_json(&out);
    let b = &r["benchmarks"][0];
    assert_eq!(b["key"], "sim/sampled");
    let m = &b["metrics"];
    let whole = m["instructions"]["processes"][0][0].as_f64().unwrap();
    let one = m["instructions_per_iteration"]["processes"][0][0]
        .as_f64()
        .unwrap();
    // 100,000 rounds of a Python loop: several instructions each, and far less than the process
    // of three iterations plus the interpreter's start-up.
    assert!(one > 1e6 && one * 3.0 < whole, "{one} of {whole}");
    assert_eq!(m["instructions_per_iteration"]["unit"], "count");
    assert_eq!(
        m["execution_time"]["processes"][0]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let findings = r["meta"]["noise"]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.as_str().unwrap().contains("start-up takes")),
        "{findings:?}"
    );
}

#[test]
fn a_runaway_under_the_simulator_is_stopped_at_its_cap() {
    let test = "a_runaway_under_the_simulator_is_stopped_at_its_cap";
    if support::require(test, "valgrind", "apt-get install valgrind").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = suite(dir.path(), "");
    let toml = std::fs::read_to_string(s.join("suite.toml")).unwrap();
    let toml = toml
        .replace("memory_limit = \"600MB\"", "memory_limit = \"250MB\"")
        .replace("env.EXTRA_KB", "env.RUNAWAY = \"1\"\nenv.EXTRA_KB");
    std::fs::write(s.join("suite.toml"), toml).unwrap();
    let out = dir.path().join("r.json");
    slogate()
        .current_dir(dir.path())
        .arg("run")
        .arg(&s)
        .args(["--simulate", "-o"])
        .arg(&out)
        .timeout(Duration::from_secs(600))
        .assert()
        .code(1);
    let r = read_json(&out);
    let b = &r["benchmarks"][0];
    assert_eq!(b["status"], "oom", "{b}");
    let reason = b["reason"].as_str().unwrap();
    assert!(reason.contains("under valgrind's cachegrind"), "{reason}");
    let peak = b["oom"]["peak_bytes"].as_u64().unwrap();
    assert!(peak > 250_000_000 && peak < 400_000_000, "{peak}");
}

#[test]
fn a_missing_valgrind_names_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let s = suite(dir.path(), "");
    let empty = dir.path().join("bin");
    std::fs::create_dir(&empty).unwrap();
    slogate()
        .current_dir(dir.path())
        .env("PATH", &empty)
        .arg("run")
        .arg(&s)
        .args(["--simulate", "-o", "r.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("apt-get install valgrind"));
    // The same when a suite asks for it; a benchmark the filter leaves out does not.
    let asked = suite(dir.path(), "simulate = true");
    slogate()
        .current_dir(dir.path())
        .env("PATH", &empty)
        .arg("run")
        .arg(&asked)
        .args(["-o", "r.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("apt-get install valgrind"));
    slogate()
        .current_dir(dir.path())
        .env("PATH", &empty)
        .arg("run")
        .arg(&asked)
        .args(["--filter", "nothing-here", "-o", "r.json"])
        .assert()
        .stderr(predicates::str::contains("valgrind").not());
}

#[test]
fn thresholds_take_counts_in_scientific_notation_and_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let s = suite(dir.path(), "simulate = true");
    slogate().arg("check").arg(&s).assert().success();
    let toml = std::fs::read_to_string(s.join("suite.toml")).unwrap();
    std::fs::write(
        s.join("suite.toml"),
        toml.replace("instructions < 2.5e9", "instructions < 30 MB"),
    )
    .unwrap();
    slogate()
        .arg("check")
        .arg(&s)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("instructions < 30 MB"));
}
