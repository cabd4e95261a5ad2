//! `slogate check` as a user runs it: the repository's suites, and suite files with mistakes.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

fn repo_suites() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites")
}

/// A suite directory `<root>/bad` holding `text` as its suite.toml; returns the file.
fn suite(root: &Path, text: &str) -> PathBuf {
    let dir = root.join("bad");
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("suite.toml");
    fs::write(&file, text).unwrap();
    file
}

#[test]
fn lists_every_quickstart_benchmark() {
    let out = slogate()
        .arg("check")
        .arg(repo_suites())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for scenario in ["cpu", "alloc"] {
        for profiler in ["off", "cprofile"] {
            let key = format!("quickstart/{scenario}[profiler={profiler}]");
            let line = out
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{key} ")))
                .unwrap_or_else(|| panic!("{key} missing from:\n{out}"));
            assert!(line.contains("samples") && line.contains("6 x 5"), "{line}");
        }
    }
    // Each benchmark line ends with its scenario's description.
    let cpu = out
        .lines()
        .find(|l| l.contains("quickstart/cpu[profiler=off] "))
        .unwrap();
    assert!(
        cpu.ends_with("  Collatz step counts: arithmetic and a function call per number"),
        "{cpu}"
    );
    assert!(out.contains("quickstart/suite.toml"), "{out}");
}

#[test]
fn vars_are_accepted_and_bad_ones_refused() {
    slogate()
        .args(["check", "--var", "ddtrace=4.15.0"])
        .arg(repo_suites().join("quickstart"))
        .assert()
        .success()
        .stdout(predicate::str::contains("quickstart/cpu[profiler=off]"));
    slogate()
        .args(["check", "--var", "novalue"])
        .arg(repo_suites().join("quickstart"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("NAME=VALUE"));
}

#[test]
fn a_misspelt_key_fails_with_its_position_and_a_suggestion() {
    let root = tempfile::tempdir().unwrap();
    let file = suite(
        root.path(),
        "[suite]\nname = \"bad\"\n\n[defaults]\nprocesess = 4\n\n[[scenario]]\nname = \"x\"\ncommand = [\"true\"]\n",
    );
    slogate()
        .arg("check")
        .arg(root.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{}:5:1: unknown key `procesess` in [defaults]; did you mean `processes`?",
            file.display()
        )));
}

#[test]
fn a_bad_threshold_line_fails_with_its_position() {
    let root = tempfile::tempdir().unwrap();
    let file = suite(
        root.path(),
        "[suite]\nname = \"bad\"\n[[scenario]]\nname = \"x\"\ncommand = [\"true\"]\nthresholds = [\"execution_time < 3 parsecs\"]\n",
    );
    slogate()
        .arg("check")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}:6:33: scenario `x`: bad threshold `execution_time < 3 parsecs`: expected a value and a unit",
            file.display()
        )));
}

#[test]
fn a_missing_command_fails_with_the_scenario_position() {
    let root = tempfile::tempdir().unwrap();
    let file = suite(
        root.path(),
        "[suite]\nname = \"bad\"\n\n[[scenario]]\nname = \"x\"\nmatrix = { n = [\"1\"] }\n",
    );
    slogate()
        .arg("check")
        .arg(root.path().join("bad"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}:4:1: scenario `x` has no `command`",
            file.display()
        )));
}
