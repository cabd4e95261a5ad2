//! `slogate import` on stored files of older format versions, on broken input, and with an SLO file;
//! all through the real binary.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use slogate::results::ResultsFile;
use slogate::units::Unit;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

fn import_ok(format: &str, file: &Path, dir: &Path) -> ResultsFile {
    let out = dir.join("out.json");
    slogate()
        .arg("import")
        .arg(format)
        .arg(file)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    ResultsFile::read(&out).unwrap()
}

/// Runs an import that must fail with exit 2 and returns its stderr.
fn import_err(format: &str, file: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let a = slogate()
        .arg("import")
        .arg(format)
        .arg(file)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists(), "no results file on error");
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

#[test]
fn older_pyperf_versions() {
    let dir = tempfile::tempdir().unwrap();
    for (name, processes) in [("pyperf-v6.json", 3), ("pyperf-v5.json", 3)] {
        let r = import_ok("auto", &fixture(name), dir.path());
        let b = r.benchmark("pyperf/sum_loop").unwrap();
        let t = &b.metrics["execution_time"];
        assert_eq!(
            t.processes.len(),
            processes,
            "{name}: calibration run skipped"
        );
        assert!(t.values().all(|v| (1e3..1e6).contains(&v)), "{name}: {t:?}");
        assert!(
            !b.metrics.contains_key("max_rss_usage"),
            "{name}: older files have no mem_max_rss"
        );
        assert_eq!(r.meta.machine.hostname, "vm", "{name}");
    }
    let r = import_ok("pyperf", &fixture("pyperf-v6.json"), dir.path());
    assert_eq!(r.meta.import.unwrap().metadata["perf_version"], "0.9.9");
}

#[test]
fn hyperfine_memory_and_summary_only() {
    let dir = tempfile::tempdir().unwrap();
    let r = import_ok("auto", &fixture("hyperfine-memory.json"), dir.path());
    let b = r.benchmark("hyperfine/exit[code=0]").unwrap();
    let m = &b.metrics["max_rss_usage"];
    assert_eq!((m.unit, m.processes.len()), (Unit::Bytes, 3));
    assert_eq!(m.processes[0], vec![9437184.0]);
    assert_eq!(
        r.benchmark("hyperfine/exit[code=1]")
            .unwrap()
            .status
            .as_str(),
        "failed"
    );

    let r = import_ok("hyperfine", &fixture("hyperfine-no-times.json"), dir.path());
    let t = &r.benchmark("hyperfine/exit").unwrap().metrics["execution_time"];
    assert!(t.processes.is_empty());
    assert!(t.summary.unwrap().mean > 1e6, "seconds → ns");
}

#[test]
fn google_benchmark_old_and_aggregates_only() {
    let dir = tempfile::tempdir().unwrap();
    // Before `run_type`/`run_name`: aggregates recognised by `aggregate_name` and skipped.
    let r = import_ok("auto", &fixture("google-benchmark-old.json"), dir.path());
    assert_eq!(r.benchmarks.len(), 2);
    let b = r.benchmark("gb/BM_Sum/1000").unwrap();
    assert_eq!(b.metrics["execution_time"].processes.len(), 3);
    assert_eq!(b.metrics["items"].unit, Unit::Count);
    // `--benchmark_report_aggregates_only`: summary statistics of the repetitions.
    let r = import_ok(
        "google-benchmark",
        &fixture("google-benchmark-aggregates.json"),
        dir.path(),
    );
    let s = r.benchmark("gb/BM_Sum/1000").unwrap().metrics["cpu_time"]
        .summary
        .unwrap();
    assert_eq!(s.n, 3);
    assert!(s.median.is_some() && s.stddev > 0.0);
}

#[test]
fn pytest_benchmark_saved_without_data() {
    let dir = tempfile::tempdir().unwrap();
    let r = import_ok("auto", &fixture("pytest-benchmark-saved.json"), dir.path());
    let t = &r
        .benchmark("test_pytest_bench/test_sum_loop")
        .unwrap()
        .metrics["execution_time"];
    let s = t.summary.expect("only statistics were saved");
    assert!(t.processes.is_empty() && s.n >= 20);
    assert_eq!(r.meta.machine.hostname, "vm");
}

#[test]
fn several_files_pool_their_processes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    slogate()
        .args(["import", "auto"])
        .arg(fixture("pyperf-v6.json"))
        .arg(fixture("pyperf-v5.json"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let r = ResultsFile::read(&out).unwrap();
    assert_eq!(
        r.benchmark("pyperf/sum_loop").unwrap().metrics["execution_time"]
            .processes
            .len(),
        6
    );
    assert_eq!(r.meta.import.unwrap().files.len(), 2);
}

#[test]
fn broken_input_names_file_format_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // Malformed JSON, format named: file, format, line and column.
    let p = write(
        "bad.json",
        "{\"version\": \"1.0\",\n \"benchmarks\": [{\"runs\": [}]}\n",
    );
    let e = import_err("pyperf", &p);
    assert!(
        e.contains("bad.json") && e.contains("pyperf") && e.contains("line 2 column"),
        "{e}"
    );
    // Truncated, auto-detected.
    let full = std::fs::read_to_string(fixture("hyperfine-memory.json")).unwrap();
    let p = write("cut.json", &full[..full.len() / 2]);
    let e = import_err("auto", &p);
    assert!(e.contains("cut.json") && e.contains("truncated"), "{e}");
    let e = import_err("hyperfine", &p);
    assert!(e.contains("hyperfine") && e.contains("truncated"), "{e}");
    // Valid JSON of the wrong shape for the named format.
    let e = import_err("google-benchmark", &fixture("pyperf-v6.json"));
    assert!(
        e.contains("google-benchmark") && e.contains("benchmarks[0]"),
        "{e}"
    );
    let e = import_err("pytest-benchmark", &fixture("pyperf-v6.json"));
    assert!(
        e.contains("pytest-benchmark") && e.contains("line 2 column 13"),
        "{e}"
    );
    // Unknown content.
    let p = write("notes.txt", "hello\nworld\n");
    let e = import_err("auto", &p);
    assert!(
        e.contains("notes.txt") && e.contains("cannot tell the format"),
        "{e}"
    );
    // Ambiguous content: pyperf and hyperfine at once.
    let p = write(
        "both.json",
        r#"{"version": "1.0", "benchmarks": [{"metadata": {"name": "a"}, "runs": [{"values": [1.0]}]}],
            "results": [{"command": "a", "mean": 1.0, "times": [1.0], "exit_codes": [0]}]}"#,
    );
    let e = import_err("auto", &p);
    assert!(
        e.contains("ambiguous") && e.contains("pyperf and hyperfine"),
        "{e}"
    );
    // A go result line that does not parse: the line number.
    let p = write(
        "go.txt",
        "goos: linux\npkg: example.com/m\nBenchmarkA-2  100  12 ns/op\nBenchmarkA-2  100  12 ns/op\nBenchmarkA-2  100  twelve ns/op\n",
    );
    let e = import_err("go-test", &p);
    assert!(
        e.contains("go.txt") && e.contains("line 5") && e.contains("twelve"),
        "{e}"
    );
    let p = write("empty.txt", "PASS\nok  \texample.com/m\t0.1s\n");
    let e = import_err("go-test", &p);
    assert!(e.contains("no benchmark results"), "{e}");
    // A slogate results file is not another tool's output.
    let r = dir.path().join("r.json");
    slogate()
        .args(["import", "auto"])
        .arg(fixture("pyperf-v6.json"))
        .arg("-o")
        .arg(&r)
        .assert()
        .success();
    let e = import_err("auto", &r);
    assert!(e.contains("results file already"), "{e}");
    // Missing file; unknown format name.
    let e = import_err("auto", &dir.path().join("missing.json"));
    assert!(e.contains("missing.json"), "{e}");
    slogate()
        .args(["import", "benchstat", "x.txt", "-o", "o.json"])
        .assert()
        .code(2)
        .stderr(contains("unknown format `benchstat`"));
}

#[test]
fn slo_file_gives_thresholds_and_names_unmatched_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let slo = dir.path().join("gate.yml");
    std::fs::write(
        &slo,
        "experiments:\n  - name: SLO Check\n    steps:\n      - name: SLO Check\n        run: fail_on_breach\n        scenarios:\n          - name: sum_loop\n            thresholds:\n              - execution_time < 0.13 ms\n          - name: gone-*\n            thresholds:\n              - max_rss_usage < 43.25 MB\n",
    )
    .unwrap();
    let out = dir.path().join("out.json");
    slogate()
        .args(["import", "auto"])
        .arg(fixture("pyperf-v6.json"))
        .arg("-o")
        .arg(&out)
        .arg("--slo")
        .arg(&slo)
        .assert()
        .success()
        .stderr(contains("`gone-*` matches no imported benchmark"));
    let r = ResultsFile::read(&out).unwrap();
    assert_eq!(
        r.benchmark("pyperf/sum_loop").unwrap().thresholds,
        vec!["execution_time < 0.13 ms"]
    );
    assert!(r.benchmark("pyperf/other").unwrap().thresholds.is_empty());
    // A bad threshold line stops the import: file, line, entry.
    std::fs::write(&slo, "experiments:\n  - steps:\n      - scenarios:\n          - name: sum_loop\n            thresholds: [\"execution_time < 3 furlongs\"]\n").unwrap();
    slogate()
        .args(["import", "auto"])
        .arg(fixture("pyperf-v6.json"))
        .arg("-o")
        .arg(&out)
        .arg("--slo")
        .arg(&slo)
        .assert()
        .code(2)
        .stderr(contains("gate.yml:5:").and(contains("`sum_loop`")));
}

#[test]
fn load_any_reads_results_and_tool_output() {
    let dir = tempfile::tempdir().unwrap();
    let imported = slogate::import::load_any(&fixture("hyperfine-memory.json")).unwrap();
    assert_eq!(imported.meta.import.as_ref().unwrap().format, "hyperfine");
    let path = dir.path().join("r.json");
    imported.write(&path).unwrap();
    assert_eq!(slogate::import::load_any(&path).unwrap(), imported);
}

/// Machine details an imported file lacks come from this machine, and the fingerprint is the one a
/// run here records: comparing an import with a run on one machine must not warn of two machines.
#[test]
fn filled_machine_has_the_fingerprint_of_a_run_here() {
    let dir = tempfile::tempdir().unwrap();
    let r = import_ok("hyperfine", &fixture("hyperfine-memory.json"), dir.path());
    assert!(
        r.meta
            .import
            .as_ref()
            .unwrap()
            .filled
            .iter()
            .any(|f| f.starts_with("machine.")),
        "hyperfine output carries no machine: it must be filled"
    );
    assert_eq!(
        r.meta.machine.fingerprint,
        slogate::system::machine().fingerprint
    );
}
