//! `slogate baseline` end to end, on the real binary.

use assert_cmd::Command;
use serde_json::json;
use slogate::results::ResultsFile;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A valid results file with `benchmarks` benchmarks of `values` execution-time values each.
fn results(run_id: &str, benchmarks: usize, values: usize) -> ResultsFile {
    let samples: Vec<f64> = (0..values)
        .map(|i| 1_000_000.0 + i as f64 * 0.123)
        .collect();
    let benches: Vec<_> = (0..benchmarks)
        .map(|i| {
            json!({
                "key": format!("quick/b{i:04}"), "suite": "quick", "scenario": format!("b{i:04}"),
                "status": "ok", "planned_processes": 2,
                "metrics": {
                    "execution_time": {"unit": "ns", "processes": [samples, samples]},
                    "max_rss_usage": {"unit": "bytes", "processes": [[4.0e7], [4.1e7]]}
                }
            })
        })
        .collect();
    let v = json!({
        "schema": "slogate.results/1",
        "meta": {
            "harness_version": "0.1.0", "run_id": run_id,
            "started_at": "2026-11-24T08:00:00Z", "ended_at": "2026-11-24T08:05:00Z",
            "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "branch": "main"},
            "machine": {"hostname": "bench-1", "cpu_model": "cpu", "cores": 2,
                        "memory_bytes": 1_073_741_824u64, "kernel": "6.1", "arch": "x86_64",
                        "fingerprint": "f1e2d3c4b5a69788"}
        },
        "benchmarks": benches
    });
    ResultsFile::from_json(&v.to_string(), Path::new("test")).unwrap()
}

fn slogate(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("slogate").unwrap();
    c.arg("baseline")
        .arg("--dir")
        .arg(dir)
        .env_remove("SLOGATE_BASELINES");
    c
}

fn stdout(c: &mut Command) -> String {
    let out = c.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn save_list_show_rm() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("baselines");
    let file = tmp.path().join("r.json");
    results("run-a", 3, 4).write(&file).unwrap();

    let out = stdout(slogate(&store).args(["save", "main"]).arg(&file));
    assert!(
        out.contains("saved baseline `main` (3 benchmarks)"),
        "{out}"
    );
    assert_eq!(
        ResultsFile::read(&store.join("main.json")).unwrap(),
        results("run-a", 3, 4)
    );

    // The environment variable names the store when --dir is absent.
    Command::cargo_bin("slogate")
        .unwrap()
        .args(["baseline", "save", "release-1"])
        .arg(&file)
        .env("SLOGATE_BASELINES", &store)
        .assert()
        .success();

    let list = stdout(slogate(&store).arg("list"));
    let lines: Vec<&str> = list.lines().map(str::trim).collect();
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("MACHINE"),
        "{list}"
    );
    assert!(lines[1].starts_with("main"), "{list}");
    assert!(lines[2].starts_with("release-1"), "{list}");
    for needle in ["2026-11-24 08:00", "0123456789", "bench-1 (f1e2d3c4)", " 3"] {
        assert!(lines[1].contains(needle), "{needle} missing from {list}");
    }

    let show = stdout(slogate(&store).args(["show", "main"]));
    assert!(
        show.contains("bench-1 (f1e2d3c4)") && show.contains("branch      main"),
        "{show}"
    );
    assert!(show.contains("quick/b0002"), "{show}");
    assert!(show.contains("execution_time 8, max_rss_usage 2"), "{show}");

    stdout(slogate(&store).args(["rm", "main"]));
    assert!(!store.join("main.json").exists());
    let err = slogate(&store)
        .args(["show", "main"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("no baseline named `main`") && err.contains("release-1"),
        "{err}"
    );
}

#[test]
fn rejects_names_that_leave_the_directory_or_hide() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("baselines");
    let file = tmp.path().join("r.json");
    results("run-a", 1, 2).write(&file).unwrap();
    for bad in ["../x", "a/b", ".hidden"] {
        let out = slogate(&store)
            .args(["save", bad])
            .arg(&file)
            .assert()
            .code(2);
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(err.contains("invalid baseline name"), "{bad}: {err}");
    }
    assert!(!tmp.path().join("x.json").exists());
    assert!(
        !store.exists(),
        "nothing may be written for a rejected name"
    );
}

#[test]
fn refuses_to_save_an_invalid_results_file() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("baselines");
    let file = tmp.path().join("r.json");
    std::fs::write(&file, r#"{"schema": "slogate.results/1", "meta": "#).unwrap();
    let out = slogate(&store)
        .args(["save", "main"])
        .arg(&file)
        .assert()
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("r.json") && err.contains("truncated"), "{err}");
    assert!(!store.join("main.json").exists());
}

fn temp_files(store: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().ends_with(".tmp"))
        .collect()
}

/// A save killed with SIGKILL while it writes leaves the previous baseline whole.
#[test]
fn kill_during_save_keeps_the_previous_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("baselines");
    let old = results("run-old", 2, 10);
    slogate::baseline::BaselineStore::open(Some(store.clone()))
        .save("main", &old)
        .unwrap();
    // Tens of MB, so that writing it takes long enough to be caught in the act.
    let big = tmp.path().join("big.json");
    results("run-new", 100, 5000).write(&big).unwrap();
    assert!(std::fs::metadata(&big).unwrap().len() > 20_000_000);

    let bin = assert_cmd::cargo::cargo_bin("slogate");
    let mut killed_mid_write = 0;
    for attempt in 0..4 {
        let mut child = std::process::Command::new(&bin)
            .args(["baseline", "--dir"])
            .arg(&store)
            .args(["save", "main"])
            .arg(&big)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the save has started writing its temp file, then kill it a moment later.
        let before = temp_files(&store).len();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut exited = false;
        while temp_files(&store).len() == before {
            if child.try_wait().unwrap().is_some() {
                exited = true;
                break;
            }
            assert!(Instant::now() < deadline, "the save never started writing");
            std::thread::sleep(Duration::from_micros(200));
        }
        if !exited {
            std::thread::sleep(Duration::from_millis(2 * attempt));
            child.kill().unwrap(); // SIGKILL
        }
        child.wait().unwrap();

        let now =
            ResultsFile::read(&store.join("main.json")).expect("baseline readable after kill");
        if now == old {
            assert!(!exited, "the save failed instead of being killed");
            killed_mid_write += 1;
        } else {
            // The save won the race and finished: then the new content is whole.
            assert_eq!(now.meta.run_id, "run-new");
            slogate::baseline::BaselineStore::open(Some(store.clone()))
                .save("main", &old)
                .unwrap();
        }
        // Only whole baselines are listed, never the stray temp file.
        let names: Vec<String> = slogate::baseline::BaselineStore::open(Some(store.clone()))
            .list()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["main"]);
    }
    assert!(
        killed_mid_write >= 2,
        "only {killed_mid_write} of 4 kills landed mid-write"
    );
    assert!(
        !temp_files(&store).is_empty(),
        "a killed save leaves its temp file"
    );
}
