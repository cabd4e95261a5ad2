//! `run --shard i/3` three times and `merge` give the benchmark set of one whole run.

use assert_cmd::Command;
use slogate::results::ResultsFile;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn keys(path: &Path) -> BTreeSet<String> {
    ResultsFile::read(path)
        .unwrap()
        .benchmarks
        .into_iter()
        .map(|b| b.key)
        .collect()
}

#[test]
fn three_shards_merge_to_the_full_run() {
    let tmp = tempfile::tempdir().unwrap();
    let mut shards = Vec::new();
    for i in 1..=3 {
        let out = tmp.path().join(format!("shard-{i}.json"));
        Command::cargo_bin("slogate")
            .unwrap()
            .current_dir(repo_root())
            .args([
                "run",
                "suites/quickstart",
                "--quick",
                "--shard",
                &format!("{i}/3"),
                "-o",
            ])
            .arg(&out)
            .assert()
            .success();
        shards.push(out);
    }
    let full = tmp.path().join("full.json");
    Command::cargo_bin("slogate")
        .unwrap()
        .current_dir(repo_root())
        .args(["run", "suites/quickstart", "--quick", "-o"])
        .arg(&full)
        .assert()
        .success();
    let merged = tmp.path().join("merged.json");
    Command::cargo_bin("slogate")
        .unwrap()
        .arg("merge")
        .args(&shards)
        .arg("-o")
        .arg(&merged)
        .assert()
        .success();

    let parts: Vec<BTreeSet<String>> = shards.iter().map(|s| keys(s)).collect();
    let total: usize = parts.iter().map(BTreeSet::len).sum();
    assert_eq!(keys(&merged), keys(&full));
    assert_eq!(total, keys(&full).len(), "shards overlap: {parts:?}");
    assert_eq!(ResultsFile::read(&merged).unwrap().meta.shard, None);
}
