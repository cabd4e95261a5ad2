//! `run --save-baseline` on an interrupted run: refused, or saved marked with --save-interrupted.

use assert_cmd::Command;
use slogate::results::ResultsFile;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Runs a suite of slow processes, stops it with SIGTERM after a moment, returns stderr.
fn interrupted_run(dir: &std::path::Path, extra: &[&str]) -> String {
    let suite = dir.join("slow/suite.toml");
    std::fs::create_dir_all(suite.parent().unwrap()).unwrap();
    std::fs::write(
        &suite,
        "[suite]\nname = \"slow\"\n[defaults]\nprotocol = \"process\"\nprocesses = 20\nwarmups = 0\ntimeout = \"10s\"\n\n\
         [[scenario]]\nname = \"a\"\ncommand = [\"sleep\", \"0.2\"]\n",
    )
    .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("slogate");
    let child = std::process::Command::new(bin)
        .arg("run")
        .arg(&suite)
        .arg("-o")
        .arg(dir.join("r.json"))
        .arg("--baselines-dir")
        .arg(dir.join("baselines"))
        .args(["--save-baseline", "main"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    // SAFETY: plain syscall on our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let t = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "slogate did not stop"
    );
    assert_eq!(out.status.code(), Some(143));
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn an_interrupted_run_is_not_saved_as_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = interrupted_run(dir.path(), &[]);
    assert!(
        stderr.contains("not saved as baseline `main`: the run was interrupted"),
        "{stderr}"
    );
    assert!(
        ResultsFile::read(&dir.path().join("r.json"))
            .unwrap()
            .meta
            .interrupted
    );
    Command::cargo_bin("slogate")
        .unwrap()
        .args(["baseline", "show", "main"])
        .env("SLOGATE_BASELINES", dir.path().join("baselines"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("main"));
}

#[test]
fn save_interrupted_saves_it_marked() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = interrupted_run(dir.path(), &["--save-interrupted"]);
    assert!(stderr.contains("marked interrupted"), "{stderr}");
    Command::cargo_bin("slogate")
        .unwrap()
        .args(["baseline", "show", "main"])
        .env("SLOGATE_BASELINES", dir.path().join("baselines"))
        .assert()
        .success()
        .stdout(predicates::str::contains("interrupted yes"));
}
