//! `slogate calibrate` end to end: real processes, A/A rounds, a noise file that a later `ab` and
//! `compare` read.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

/// Two steady benchmarks (a 100 ms sleep; `steady_b`'s length is a variable) and one that stalls
/// by 30% in about one process of five. Sleeps keep the test's time bounded and its noise low on a
/// busy machine.
const SUITE: &str = r#"[suite]
name = "noisy"

[vars]
steady_delay = "0.1"

[defaults]
protocol = "process"
processes = 6
warmups = 0
timeout = "10s"

[[scenario]]
name = "steady_a"
command = ["sleep", "0.1"]

[[scenario]]
name = "steady_b"
command = ["sleep", "{steady_delay}"]

[[scenario]]
name = "flaky"
command = ["sh", "-c", "if [ $(od -An -N1 -tu1 /dev/urandom) -lt 51 ]; then sleep 0.13; else sleep 0.1; fi"]
"#;

fn benchmark_in<'a>(file: &'a Value, key: &str) -> &'a Value {
    file["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == key)
        .unwrap_or_else(|| panic!("no {key}"))
}

/// Whether a process of `key` in the last `ab` took more than twice the median of its side.
fn machine_stalled(dir: &Path, key: &str) -> bool {
    ["baseline", "candidate"].iter().any(|side| {
        let file: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("ab/{side}.json"))).unwrap(),
        )
        .unwrap();
        let b = benchmark_in(&file, key);
        let mut times: Vec<f64> = b["metrics"]["execution_time"]["processes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
            .collect();
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        times.iter().any(|&t| t > 2.0 * median)
    })
}

#[test]
fn a_flaky_benchmark_is_found_quarantined_and_a_stable_one_still_gated() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("suites/noisy");
    std::fs::create_dir_all(&suite).unwrap();
    std::fs::write(suite.join("suite.toml"), SUITE).unwrap();

    let out = slogate()
        .current_dir(dir.path())
        .args([
            "calibrate",
            "suites/noisy",
            "--rounds",
            "4",
            "--processes",
            "6",
        ])
        .args(["-o", "noise.toml", "--seed", "5"])
        // The CPU times of a sleeping process are a tick or two: their pairs scatter for real.
        .args(["--metric", "execution_time", "--metric", "max_rss_usage"])
        .timeout(std::time::Duration::from_secs(240))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let noise: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.path().join("noise.toml")).unwrap()).unwrap();
    let entries = noise["benchmark"].as_array().unwrap();
    let time_of = |key: &str| {
        entries
            .iter()
            .find(|b| {
                b["key"].as_str() == Some(key) && b["metric"].as_str() == Some("execution_time")
            })
            .unwrap_or_else(|| panic!("no {key} in {noise}"))
    };
    let flaky = time_of("noisy/flaky");
    assert_eq!(flaky["flaky"].as_bool(), Some(true), "{log}");
    let evidence = flaky["evidence"].as_array().unwrap();
    assert!(evidence.len() >= 2, "{log}");
    assert!(
        evidence
            .iter()
            .all(|e| e.as_str().unwrap().starts_with("round ")),
        "{log}"
    );
    for key in ["noisy/steady_a", "noisy/steady_b"] {
        let b = time_of(key);
        assert_eq!(b["flaky"].as_bool(), Some(false), "{key}: {log}");
        let resolvable = b["resolvable"].as_float().unwrap();
        assert!(resolvable < 0.10, "{key} resolves {resolvable}: {log}");
    }
    assert!(entries
        .iter()
        .filter(|b| b["flaky"].as_bool() == Some(true))
        .all(|b| b["key"].as_str() == Some("noisy/flaky")));

    // A later `ab` with a +10% change in `steady_b`, reading the noise file. A process stalled by
    // the machine itself (several times the others' time, seen at load 9 on 2 cores) leaves
    // `steady_b` undecided whatever the thresholds: then the `ab` runs once more, and says so.
    let ab = || {
        let out = slogate()
            .current_dir(dir.path())
            .args(["ab", "suites/noisy", "--candidate-var", "steady_delay=0.11"])
            .args(["--processes", "10", "--seed", "3", "--noise", "noise.toml"])
            .args(["--fail-on", "breach,uncertain,regression,missing"])
            .args([
                "--results-dir",
                "ab",
                "--format",
                "json",
                "-o",
                "report.json",
            ])
            .timeout(std::time::Duration::from_secs(240))
            .output()
            .unwrap();
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
                .unwrap();
        (out, report)
    };
    let (mut out, mut report) = ab();
    if machine_stalled(dir.path(), "noisy/steady_b") {
        eprintln!(
            "a process of noisy/steady_b stalled (the machine, not the benchmark): once more"
        );
        (out, report) = ab();
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let steady_b = benchmark_in(&report, "noisy/steady_b");
    assert_eq!(steady_b["section"], "regression", "{err}");
    assert!(steady_b["flaky"].is_null());
    let failing: Vec<&str> = err.lines().filter(|l| l.starts_with("  noisy/")).collect();
    assert_eq!(failing.len(), 1, "{err}");
    assert!(
        failing[0].starts_with("  noisy/steady_b: execution_time regressed by +"),
        "{err}"
    );
    let flaky = benchmark_in(&report, "noisy/flaky");
    assert!(flaky["flaky"]["execution_time"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));
    assert!(
        flaky["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["fails"] == false),
        "{flaky}"
    );
    // The threshold in force is the calibrated one.
    let threshold = steady_b["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "execution_time")
        .unwrap()["change"]["threshold"]
        .as_f64()
        .unwrap();
    assert_eq!(
        threshold,
        time_of("noisy/steady_b")["resolvable"].as_float().unwrap()
    );

    // The markdown report shows the flaky one apart, folded, with its evidence.
    let out = slogate()
        .current_dir(dir.path())
        .args([
            "compare",
            "ab/baseline.json",
            "ab/candidate.json",
            "--noise",
            "noise.toml",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("<details><summary>🎲 Flaky: 1 benchmark, quarantined by the noise file"),
        "{md}"
    );
    assert!(md.contains("  - A/A execution\\_time: round "), "{md}");

    // A noise file that is not one names its line.
    std::fs::write(
        dir.path().join("bad.toml"),
        "[calibration]\nrounds = 4\nprocesses = \"six\"\n",
    )
    .unwrap();
    slogate()
        .current_dir(dir.path())
        .args([
            "compare",
            "ab/baseline.json",
            "ab/candidate.json",
            "--noise",
            "bad.toml",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad.toml:3"));
}

/// A suite's `noise = "noise.toml"` stands in for `--noise`, in `ab` and in `compare` of its files;
/// `--noise` overrides it, and a named file that is gone is said.
#[test]
fn the_suites_noise_file_is_used_without_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("suites/s");
    std::fs::create_dir_all(&suite).unwrap();
    std::fs::write(
        suite.join("suite.toml"),
        "[suite]\nname = \"s\"\nnoise = \"noise.toml\"\n\n[defaults]\nprotocol = \"process\"\n\
         warmups = 0\ntimeout = \"10s\"\n\n[[scenario]]\nname = \"a\"\ncommand = [\"true\"]\n",
    )
    .unwrap();
    let noise = |resolvable: f64, flaky: bool| {
        format!(
            "[calibration]\nrounds = 4\nprocesses = 6\nmachine = \"fp\"\n\n[[benchmark]]\n\
             key = \"s/a\"\nmetric = \"execution_time\"\nspread = 0.01\ntail = 0.3\n\
             resolvable = {resolvable}\nflaky = {flaky}\nevidence = [\"round 2: pair 3 ratio 1.300\"]\n"
        )
    };
    std::fs::write(suite.join("noise.toml"), noise(0.42, true)).unwrap();
    std::fs::write(dir.path().join("other.toml"), noise(0.37, false)).unwrap();
    let report = |out: &std::process::Output| -> Value {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let time_change = |r: &Value| {
        benchmark_in(r, "s/a")["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == "execution_time")
            .unwrap()["change"]
            .clone()
    };
    let out = slogate()
        .current_dir(dir.path())
        .args(["ab", "suites/s", "--processes", "3", "--seed", "1"])
        .args([
            "--results-dir",
            "ab",
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let r = report(&out);
    assert_eq!(time_change(&r)["threshold"], 0.42, "{r}");
    assert!(benchmark_in(&r, "s/a")["flaky"]["execution_time"].is_array());

    let compare = |extra: &[&str]| {
        slogate()
            .current_dir(dir.path())
            .args(["compare", "ab/baseline.json", "ab/candidate.json"])
            .args(["--format", "json", "--fail-on", "none"])
            .args(extra)
            .output()
            .unwrap()
    };
    let r = report(&compare(&[]));
    assert_eq!(time_change(&r)["threshold"], 0.42);
    let r = report(&compare(&["--noise", "other.toml"]));
    assert_eq!(time_change(&r)["threshold"], 0.37);
    assert!(benchmark_in(&r, "s/a")["flaky"].is_null());

    // The results record the file's content: gone with its checkout, it still gates the same,
    // and a path recorded in a results file is never opened.
    std::fs::remove_file(suite.join("noise.toml")).unwrap();
    let r = report(&compare(&[]));
    assert_eq!(time_change(&r)["threshold"], 0.42, "{r}");
    assert!(benchmark_in(&r, "s/a")["flaky"]["execution_time"].is_array());
    let mut candidate: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ab/candidate.json")).unwrap())
            .unwrap();
    assert!(candidate["meta"]["suites"][0]["noise"]["toml"]
        .as_str()
        .is_some_and(|t| t.contains("resolvable = 0.42")));
    std::fs::write(suite.join("noise.toml"), noise(0.42, true)).unwrap();
    candidate["meta"]["suites"][0]["noise"] = Value::from("suites/s/noise.toml");
    std::fs::write(
        dir.path().join("ab/candidate.json"),
        serde_json::to_vec(&candidate).unwrap(),
    )
    .unwrap();
    let r = report(&compare(&[]));
    assert_ne!(time_change(&r)["threshold"], 0.42);
    assert!(
        r["warnings"]
            .to_string()
            .contains("without calibrated noise"),
        "{}",
        r["warnings"]
    );

    // Named in the suite and not there when the suite runs: an error at the suite's line.
    std::fs::remove_file(suite.join("noise.toml")).unwrap();
    let out = slogate()
        .current_dir(dir.path())
        .args(["run", "suites/s", "--output", "r.json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("suite.toml:3") && err.contains("cannot read the noise file"),
        "{err}"
    );
}
