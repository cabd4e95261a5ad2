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

/// A scenario folder in the `benchmarks/<name>/scenario.py` + `config.yaml` layout: its script
/// reads its arguments through pyperf's own parser, and the workers pyperf starts get them back.
const SCENARIO_PY: &str = r#"import pyperf


def add_cmdline_args(cmd, args):
    cmd.extend(["--size", str(args.size), "--label", args.label, "--repeat", str(args.repeat)])


def work(size, repeat):
    for _ in range(repeat):
        sum(range(size))


runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
runner.argparser.add_argument("--size", type=int, required=True)
runner.argparser.add_argument("--label", required=True)
runner.argparser.add_argument("--repeat", type=int, default=1)
args = runner.parse_args()
runner.bench_func(args.label, work, args.size, args.repeat)
"#;

/// Three configurations: an anchor, a merge key that overrides one value, and a template that
/// only holds an anchor.
const CONFIG_YAML: &str = "\
.base: &base
  size: 1000
  label: small
small:
  <<: *base
large:
  <<: *base
  size: 20000
  label: large
twice: &twice
  <<: *base
  repeat: 2
  label: twice
";

#[test]
fn init_runs_a_scenario_folder_once_per_configuration() {
    let test = "init_runs_a_scenario_folder_once_per_configuration";
    let Some(python) = support::python(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("seed");
    let folder = repo.join("benchmarks/spans");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("scenario.py"), SCENARIO_PY).unwrap();
    std::fs::write(folder.join("config.yaml"), CONFIG_YAML).unwrap();

    slogate().arg("init").arg(&repo).assert().success();
    let suite = repo.join("suites/seed");
    let text = std::fs::read_to_string(suite.join("suite.toml")).unwrap();
    assert!(
        text.contains("# scenario folder benchmarks/spans"),
        "{text}"
    );
    // The folder's scenario.py is its scenario, not a second pyperf script.
    assert_eq!(text.matches("[[scenario]]").count(), 1, "{text}");

    let checked = slogate().arg("check").arg(&suite).assert().success();
    let listing = String::from_utf8_lossy(&checked.get_output().stdout).into_owned();
    for config in ["small", "large", "twice"] {
        let key = format!("seed/spans-{config}");
        assert!(listing.contains(&key), "{key} not in {listing}");
    }
    assert!(!listing.contains(".base"), "{listing}");

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
    let mut got: Vec<(String, String)> = results["benchmarks"]
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
    got.sort();
    let want: Vec<(String, String)> = ["large", "small", "twice"]
        .iter()
        .map(|c| (format!("seed/spans-{c}"), "ok".to_string()))
        .collect();
    assert_eq!(got, want);
}
