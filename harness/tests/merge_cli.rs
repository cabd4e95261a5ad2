//! `slogate merge` end to end, on the real binary.

use assert_cmd::Command;
use serde_json::json;
use slogate::results::ResultsFile;
use std::path::{Path, PathBuf};

fn shard(dir: &Path, name: &str, commit: &str, keys: &[&str]) -> PathBuf {
    let benches: Vec<_> = keys
        .iter()
        .map(|k| {
            json!({
                "key": format!("quick/{k}"), "suite": "quick", "scenario": k, "status": "ok",
                "metrics": {"execution_time": {"unit": "ns", "processes": [[100.0, 101.0]]}}
            })
        })
        .collect();
    let v = json!({
        "schema": "slogate.results/1",
        "meta": {
            "harness_version": "0.1.0", "run_id": name,
            "started_at": "2026-11-24T08:00:00Z", "ended_at": "2026-11-24T08:05:00Z",
            "git": {"commit": commit},
            "machine": {"hostname": "h", "cpu_model": "cpu", "cores": 2, "memory_bytes": 1,
                        "kernel": "6.1", "arch": "x86_64", "fingerprint": "abc"},
            "suites": [{"name": "quick", "path": "suites/quick/suite.toml", "hash": "h1"}]
        },
        "benchmarks": benches
    });
    let path = dir.join(name);
    std::fs::write(&path, v.to_string()).unwrap();
    path
}

#[test]
fn disjoint_shards_merge_to_their_union() {
    let tmp = tempfile::tempdir().unwrap();
    let a = shard(tmp.path(), "a.json", "c0ffee", &["x", "z"]);
    let b = shard(tmp.path(), "b.json", "c0ffee", &["y"]);
    let out = tmp.path().join("all.json");
    Command::cargo_bin("slogate")
        .unwrap()
        .arg("merge")
        .args([&a, &b])
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let merged = ResultsFile::read(&out).unwrap();
    let keys: Vec<_> = merged.benchmarks.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(keys, ["quick/x", "quick/y", "quick/z"]);
    assert_eq!(merged.meta.shard, None);
}

#[test]
fn shards_of_different_commits_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let a = shard(tmp.path(), "a.json", "c0ffee", &["x"]);
    let b = shard(tmp.path(), "b.json", "beef00", &["y"]);
    let out = tmp.path().join("all.json");
    let assert = Command::cargo_bin("slogate")
        .unwrap()
        .arg("merge")
        .args([&a, &b])
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("a.json") && err.contains("b.json") && err.contains("git.commit"),
        "{err}"
    );
    assert!(!out.exists());
}
