//! Speed of `slogate history add` (365 nightly runs x 500 benchmarks x 2 metrics x 10 values, 3.65M values)
//! and of `slogate trend` over all of it (1,000 plots, SVG and PNG), timed on the release binary.
//! `cargo bench --bench history`; `HISTORY_BENCH_RUNS` / `HISTORY_BENCH_BENCHMARKS` shrink it.
//! Planted: benchmark 1's execution time steps +8% half-way; benchmark 2's memory drifts from a third.

#[path = "../tests/history_support/mod.rs"]
mod support;

use std::process::Command;
use std::time::Instant;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let plan = support::Plan {
        runs: env("HISTORY_BENCH_RUNS", 365),
        benchmarks: env("HISTORY_BENCH_BENCHMARKS", 500),
        processes: 10,
        values: 1,
        run_noise: 0.01,
        seed: 7,
    };
    // `HISTORY_BENCH_KEEP=DIR` keeps the files, database and plots there for a look.
    let tmp = tempfile::tempdir().unwrap();
    let dir = match std::env::var_os("HISTORY_BENCH_KEEP") {
        Some(d) => std::path::PathBuf::from(d),
        None => tmp.path().to_path_buf(),
    };
    let t = Instant::now();
    let files = support::write_nights(&plan, &dir.join("nights"), &|b, m, run| match (b, m) {
        (1, "execution_time") if run >= plan.runs / 2 => 1.08,
        (2, "max_rss_usage") if run >= plan.runs / 3 => 1.0 + 0.003 * (run - plan.runs / 3) as f64,
        _ => 1.0,
    });
    let bytes: u64 = files.iter().map(|f| f.metadata().unwrap().len()).sum();
    println!(
        "generated {} results files ({} benchmarks each, {:.0} MB) in {:.1}s",
        files.len(),
        plan.benchmarks,
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let db = dir.join("history.sqlite");
    let bin = env!("CARGO_BIN_EXE_slogate");
    let t = Instant::now();
    let out = Command::new(bin)
        .args(["history", "add", "--db"])
        .arg(&db)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let add = t.elapsed().as_secs_f64();
    println!(
        "history add: {add:.1}s ({:.0} MB database)",
        db.metadata().unwrap().len() as f64 / 1e6
    );
    let t = Instant::now();
    let out = Command::new(bin)
        .args(["trend", "--db"])
        .arg(&db)
        .arg("-o")
        .arg(dir.join("trends"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trend = t.elapsed().as_secs_f64();
    print!(
        "trend: {trend:.1}s: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(add < 60.0 && trend < 60.0, "over the 60 s budget");
}
