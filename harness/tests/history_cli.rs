//! `slogate history add|list|export` on real files with the real binary.

mod history_support;

use assert_cmd::Command;
use history_support::{write_nights, Plan};
use predicates::prelude::PredicateBooleanExt;
use slogate::results::ResultsFile;
use std::path::Path;

fn slogate() -> Command {
    let mut c = Command::cargo_bin("slogate").unwrap();
    c.env_remove("SLOGATE_HISTORY");
    c
}

fn flat(_: usize, _: &str, _: usize) -> f64 {
    1.0
}

#[test]
fn add_list_export_round_trip_and_idempotent_add() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_nights(&Plan::small(3, 4), &dir.path().join("in"), &flat);
    let db = dir.path().join("h.sqlite");
    let out = slogate()
        .args(["history", "add", "--db"])
        .arg(&db)
        .args(&files)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(stdout.matches("added run").count(), 3, "{stdout}");

    // The same file again, through the environment variable: a no-op with a message.
    slogate()
        .env("SLOGATE_HISTORY", &db)
        .args(["history", "add"])
        .arg(&files[1])
        .assert()
        .success()
        .stdout(
            predicates::str::contains("nightly-0001").and(predicates::str::contains("already in")),
        );

    let out = slogate()
        .args(["history", "list", "--db"])
        .arg(&db)
        .assert()
        .success();
    let list = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let order: Vec<usize> = ["nightly-0002", "nightly-0001", "nightly-0000"]
        .iter()
        .map(|id| list.find(id).expect(id))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "newest first:\n{list}"
    );
    assert!(list.contains("2026-01-03") && list.contains(&history_support::commit(2)[..7]));

    let out_dir = dir.path().join("out");
    slogate()
        .args(["history", "export", "--all", "-o"])
        .arg(&out_dir)
        .arg("--db")
        .arg(&db)
        .assert()
        .success();
    for (i, f) in files.iter().enumerate() {
        let original = ResultsFile::read(f).unwrap();
        let back = ResultsFile::read(&out_dir.join(format!("nightly-{i:04}.json"))).unwrap();
        assert_eq!(
            back, original,
            "run {i} changed on the way through the history"
        );
    }
    slogate()
        .args(["history", "export", "--run", "nope", "-o"])
        .arg(&out_dir)
        .arg("--db")
        .arg(&db)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no run `nope`"));
}

#[test]
fn two_processes_adding_at_once_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_nights(&Plan::small(16, 40), &dir.path().join("in"), &flat);
    let db = dir.path().join("h.sqlite");
    let bin = assert_cmd::cargo::cargo_bin("slogate");
    let spawn = |part: &[std::path::PathBuf]| {
        std::process::Command::new(&bin)
            .args(["history", "add", "--db"])
            .arg(&db)
            .args(part)
            .env_remove("SLOGATE_HISTORY")
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn(&files[..8]));
        let b = s.spawn(|| spawn(&files[8..]));
        (a.join().unwrap(), b.join().unwrap())
    });
    for o in [&a, &b] {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let h = slogate::history::History::open(&db).unwrap();
    assert_eq!(h.runs().unwrap().len(), 16);
}

fn refused_untouched(path: &Path, want: &str) {
    let before = std::fs::read(path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = write_nights(&Plan::small(1, 2), dir.path(), &flat);
    slogate()
        .args(["history", "add", "--db"])
        .arg(path)
        .args(&files)
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains(path.display().to_string())
                .and(predicates::str::contains(want)),
        );
    for sub in ["list", "export --all -o x"] {
        slogate()
            .arg("history")
            .args(sub.split(' '))
            .arg("--db")
            .arg(path)
            .current_dir(dir.path())
            .assert()
            .code(2);
    }
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "{} was modified",
        path.display()
    );
}

#[test]
fn foreign_or_corrupt_databases_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("app.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE runs (id INTEGER); CREATE TABLE orders (n INTEGER);")
        .unwrap();
    refused_untouched(&foreign, "not a slogate history");

    let corrupt = dir.path().join("corrupt.sqlite");
    let mut bytes = std::fs::read(&foreign).unwrap();
    bytes[..16].copy_from_slice(b"\0\0garbage\0\0\0\0\0\0\0");
    std::fs::write(&corrupt, &bytes).unwrap();
    refused_untouched(&corrupt, "not a SQLite database");

    // A real history whose pages were damaged after the header.
    let damaged = dir.path().join("damaged.sqlite");
    let files = write_nights(&Plan::small(1, 2), &dir.path().join("in"), &flat);
    slogate()
        .args(["history", "add", "--db"])
        .arg(&damaged)
        .args(&files)
        .assert()
        .success();
    let mut bytes = std::fs::read(&damaged).unwrap();
    for b in &mut bytes[100..] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    refused_untouched(&damaged, &damaged.display().to_string());
}

#[test]
fn a_broken_results_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema\": \"slogate.results/1\", \"meta\": ").unwrap();
    slogate()
        .args(["history", "add", "--db"])
        .arg(dir.path().join("h.sqlite"))
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad.json"));
}
