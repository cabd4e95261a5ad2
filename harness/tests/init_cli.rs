//! `slogate init` end to end: a repository holding a pyperf script, a pytest-benchmark file and a Go
//! package gets a suite that `slogate check` accepts and `slogate run --quick` runs.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

fn copy(from: &str, to: &Path) {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(tools.join(from), to).unwrap();
}

#[test]
fn init_writes_a_suite_that_check_accepts_and_run_runs() {
    let test = "init_writes_a_suite_that_check_accepts_and_run_runs";
    let Some(python) = support::python(test) else {
        return;
    };
    if support::require(test, "go", "apt-get install golang-go").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("shop");
    copy("pyperf_bench.py", &repo.join("bench/pyperf_bench.py"));
    copy(
        "test_pytest_bench.py",
        &repo.join("tests/test_pytest_bench.py"),
    );
    copy("gobench/bench_test.go", &repo.join("gobench/bench_test.go"));
    copy("gobench/go.mod", &repo.join("gobench/go.mod"));
    // Not benchmarks: a plain test file and a script.
    std::fs::write(
        repo.join("tests/test_plain.py"),
        "def test_x():\n    pass\n",
    )
    .unwrap();
    std::fs::write(repo.join("tool.py"), "print('hello')\n").unwrap();

    slogate()
        .arg("init")
        .arg(&repo)
        .assert()
        .success()
        .stdout(predicates::str::contains("suites/shop/suite.toml"));
    let suite = repo.join("suites/shop");
    let text = std::fs::read_to_string(suite.join("suite.toml")).unwrap();
    assert!(
        text.contains("# pyperf script bench/pyperf_bench.py"),
        "{text}"
    );
    // A second init does not replace the suite a person may have edited.
    slogate()
        .arg("init")
        .arg(&repo)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));

    let checked = slogate().arg("check").arg(&suite).assert().success();
    let listing = String::from_utf8_lossy(&checked.get_output().stdout).into_owned();
    for (key, protocol) in [
        ("shop/pyperf_bench", "pyperf"),
        ("shop/test_pytest_bench", "pytest-benchmark"),
        ("shop/gobench", "go-test"),
    ] {
        assert!(
            listing
                .lines()
                .any(|l| l.contains(key) && l.contains(protocol)),
            "{listing}"
        );
    }

    let out = dir.path().join("r.json");
    let var = format!("python={}", python.display());
    slogate()
        .arg("run")
        .arg(&suite)
        .args(["--quick", "--var", &var, "-o"])
        .arg(&out)
        .timeout(Duration::from_secs(300))
        .assert()
        .success();
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let mut keys: Vec<(String, String)> = results["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["key"].as_str().unwrap().to_string(),
                b["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    keys.sort();
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    for want in [
        "shop/gobench/BenchmarkSum",
        "shop/pyperf_bench/other",
        "shop/pyperf_bench/sum_loop",
        "shop/test_pytest_bench/test_other",
        "shop/test_pytest_bench/test_sum_loop",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    assert!(keys.iter().all(|(_, s)| s == "ok"), "{keys:?}");
}
