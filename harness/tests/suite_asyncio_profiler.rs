//! The asyncio-profiler suite in its quick form, through the real binary: its setup installs the
//! pinned ddtrace into a suite-local virtualenv, every benchmark runs, and the profiled variants
//! really ran the Datadog profiler (their `{tmp}` holds pprof files) while the others did not.

use assert_cmd::Command;
use slogate::results::{ResultsFile, Status};
use std::path::{Path, PathBuf};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites/asyncio-profiler")
}

fn pprof_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".pprof"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn profiled_variants_write_pprof_files_and_every_benchmark_runs() {
    let work = tempfile::tempdir().unwrap();
    let kept = work.path().join("tmp");
    let out = work.path().join("r.json");
    Command::cargo_bin("slogate")
        .unwrap()
        .arg("run")
        .arg(suite_dir())
        .arg("--quick")
        .arg("--keep-tmp")
        .arg(&kept)
        .arg("-o")
        .arg(&out)
        // Setup installs ddtrace on a fresh machine: allow for it, but never hang the suite.
        .timeout(std::time::Duration::from_secs(600))
        .assert()
        .code(0);
    let results = ResultsFile::read(&out).unwrap();
    assert_eq!(
        results.benchmarks.len(),
        16,
        "8 scenarios x profiler off/ddtrace"
    );
    for b in &results.benchmarks {
        assert_eq!(b.status, Status::Ok, "{}: {:?}", b.key, b.reason);
        let time = &b.metrics["execution_time"];
        assert!(time.value_count() >= 1, "{}: no time values", b.key);
        let rss = &b.metrics["max_rss_usage"];
        assert!(
            rss.values().all(|v| v > 10e6),
            "{}: a Python process takes more than 10 MB",
            b.key
        );
        let dir = kept.join(slogate::run::file_name_of_key(&b.key));
        let profiles = pprof_files(&dir);
        match b.variant["profiler"].as_str() {
            "ddtrace" => assert!(
                profiles >= 1,
                "{}: no pprof file in {}",
                b.key,
                dir.display()
            ),
            "off" => assert_eq!(profiles, 0, "{}: profiled without the profiler", b.key),
            other => panic!("unexpected profiler variant {other}"),
        }
    }
}
