//! Variants from a configuration file, end to end: the shipped `suites/scenarios` (a scenario folder
//! with a pyperf `scenario.py` and a `config.yaml` of anchored, merged configurations) through one
//! suite entry, by `slogate ab` between two values of a variable, gated by a `fail_on_breach` YAML
//! keyed `<scenario>-<config>`.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

const CONFIGS: [&str; 7] = [
    "start",
    "start-finish",
    "add-tags",
    "add-large-tags",
    "add-metrics",
    "add-tags-and-metrics",
    "client-server",
];

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites/scenarios")
}

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

/// The shipped SLO file with the execution-time limit of `name` set to 1 µs, which any run breaches.
fn slo_breaching(name: &str) -> String {
    let text = std::fs::read_to_string(scenarios().join("fail-on-breach.yml")).unwrap();
    let mut out = Vec::new();
    let mut in_entry = false;
    let mut replaced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("- name:") {
            in_entry = line.trim_end().ends_with(&format!(" {name}"));
        }
        if in_entry && !replaced && line.contains("execution_time <") {
            let indent = &line[..line.find('-').unwrap()];
            out.push(format!("{indent}- execution_time < 1 us"));
            replaced = true;
        } else {
            out.push(line.to_string());
        }
    }
    assert!(replaced, "no execution_time line for {name}");
    out.join("\n") + "\n"
}

#[test]
fn check_lists_one_benchmark_per_configuration() {
    let out = slogate()
        .args(["check"])
        .arg(scenarios())
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for config in CONFIGS {
        let key = format!("scenarios/spans-{config} ");
        assert!(stdout.contains(&key), "{key} missing from:\n{stdout}");
    }
    assert!(stdout.contains("7 benchmark(s): ok"), "{stdout}");
    assert!(
        !stdout.contains(".defaults"),
        "templates are not configurations"
    );
}

#[test]
fn check_names_the_line_of_a_bad_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("scenarios");
    std::fs::create_dir_all(suite.join("benchmarks/spans")).unwrap();
    std::fs::copy(scenarios().join("suite.toml"), suite.join("suite.toml")).unwrap();
    let config = "start: &base\n  nspans: 10\nbad:\n  <<: *base\n  kinds: {a: 1}\n";
    std::fs::write(suite.join("benchmarks/spans/config.yaml"), config).unwrap();
    let out = slogate()
        .current_dir(dir.path())
        .args(["check", "scenarios"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("scenarios/benchmarks/spans/config.yaml:5:3: configuration `bad`: argument `kinds` is a mapping"),
        "{stderr}"
    );
}

/// One suite entry runs every configuration of the folder under `ab`, baseline and candidate
/// differing by a variable; the SLO file's `<scenario>-<config>` names apply as they are, and the
/// one limit made impossible is reported breached by name.
#[test]
fn ab_runs_every_configuration_and_applies_the_fail_on_breach_yaml() {
    let test = "ab_runs_every_configuration_and_applies_the_fail_on_breach_yaml";
    let Some(py) = support::python(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let slo = dir.path().join("fail-on-breach.yml");
    std::fs::write(&slo, slo_breaching("spans-add-large-tags")).unwrap();
    let results = dir.path().join("results");
    let json = dir.path().join("comparison.json");
    let report = dir.path().join("report.md");
    // --quick: 3 rounds of one value a process, 42 pyperf processes in all.
    let out = slogate()
        .current_dir(dir.path())
        .arg("ab")
        .arg(scenarios())
        .arg(format!("--var=python={}", py.display()))
        .args([
            "--baseline-var",
            "work_scale=1.0",
            "--candidate-var",
            "work_scale=1.1",
            "--quick",
            "--seed",
            "1",
        ])
        .arg("--slo")
        .arg(&slo)
        .arg("--results-dir")
        .arg(&results)
        .arg("--json")
        .arg(&json)
        .arg("--report")
        .arg(&report)
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the breach fails the gate:\n{stderr}"
    );

    let candidate: Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("candidate.json")).unwrap())
            .unwrap();
    assert_eq!(candidate["meta"]["vars"]["work_scale"], "1.1");
    let comparison: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let mut keys: Vec<&str> = comparison["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    keys.sort_unstable();
    let mut expected: Vec<String> = CONFIGS
        .iter()
        .map(|c| format!("scenarios/spans-{c}"))
        .collect();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(
        comparison["unmatched_slos"].as_array().map(Vec::len),
        Some(0),
        "every name of the SLO file matches a benchmark: {}",
        comparison["unmatched_slos"]
    );
    for b in comparison["benchmarks"].as_array().unwrap() {
        let key = b["key"].as_str().unwrap();
        assert_eq!(b["candidate_status"], "ok", "{key}: {stderr}");
        let slos: Vec<(&str, &str)> = b["slos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["line"].as_str().unwrap(), s["verdict"].as_str().unwrap()))
            .collect();
        assert_eq!(
            slos.len(),
            2,
            "{key}: both lines of its SLO entry apply: {slos:?}"
        );
        let breached: Vec<&str> = slos
            .iter()
            .filter(|(_, v)| *v == "breach")
            .map(|(l, _)| *l)
            .collect();
        if key == "scenarios/spans-add-large-tags" {
            assert_eq!(breached, ["execution_time < 1 us"], "{key}");
        } else {
            assert!(breached.is_empty(), "{key}: {slos:?}");
        }
    }
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.contains("spans-add-large-tags"), "{md}");
}
