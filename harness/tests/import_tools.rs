//! `slogate import` on files the real tools produce at test time (pyperf, pytest-benchmark,
//! hyperfine, Google Benchmark, go test) or produced once and committed (criterion: `cargo bench`
//! is too slow for a test). Each tool measures a baseline and a candidate whose one benchmark does
//! 10% more work; the imported data must show that benchmark ~10% slower and the others unchanged.
//!
//! Tools come from `support`: pyperf and pytest-benchmark from the tests' virtualenv; a missing
//! hyperfine, Go or Google Benchmark skips its test with a line naming it (fails it under CI).
//! The ratio and verdict checks are asserted only with `SLOGATE_TIMING_TESTS=1` (see
//! `timing_asserted`); everything else about the imported files always is.
//!
//! The machine these tests run on is shared and often saturated, which swings wall-clock means by
//! tens of percent between two runs. The ratio checks therefore compare a contention-resistant
//! statistic (the 20th percentile of the values, or CPU time where the tool has it) and regenerate
//! the pair up to three times before failing; the mean ratio is printed beside it. Where a tool run
//! is short, each side is measured several times, interleaved (baseline, candidate, baseline,
//! candidate, ...), and the files of a side are imported together, pooling their processes.
//!
//! `compare` flags a change only when the whole ratio interval lies beyond the 5% threshold, and
//! for imported files (unpaired) that interval comes from a bootstrap over each side's processes:
//! its width is set by how far apart process means are and by how many processes there are. For
//! the two Python tools both were the problem (six pyperf processes or three pytest runs a side,
//! wall-clock process means 5-25% apart: a ±7% interval, a 1.10 ratio called ~same). Measured on
//! this machine, three things narrow it to about ±2-4% in ~25 s (pyperf) and ~33 s (pytest):
//! - CPU time, each tool's own way (`bench_time_func` timing with `time.process_time` in
//!   `tools/pyperf_bench.py`; `--benchmark-timer=time.process_time`): the wall clock of a loop
//!   also counts the time other processes hold the CPU, which moved process means by up to 2x.
//! - A warm-up in every process (pyperf `--warmups 15`, ~110 ms; pytest-benchmark
//!   `--benchmark-warmup`, up to 1000 calls, ~75 ms): a new Python process runs the same loop
//!   10-25% slower, by a different amount each time, for its first ~100 ms of it, and one that
//!   measures only then (pyperf's default: one warm-up value) carries that in its mean.
//! - Many processes, each measuring ~0.1 s: 20 pyperf worker processes a side (5 files of 4, the
//!   files alternating between the sides) and 16 pytest runs a side, alternating. What is left is
//!   bursts of the machine's other load that slow even CPU time by 20-60% for tens of
//!   milliseconds: a process measuring only ~20 ms (as with pyperf's `--values 5 --loops 60`)
//!   may lie entirely in one, and then its mean is an outlier no count of processes affordable
//!   here dilutes. A process costs ~0.3 s (a pyperf worker) or ~1 s (a pytest run, most of it
//!   pytest's start-up); the counts are what fits in about half a minute an attempt.

mod support;

use assert_cmd::Command;
use slogate::compare::{compare, ChangeVerdict, CompareOptions};
use slogate::results::{BenchmarkResult, ResultsFile};
use slogate::stats::dispersion::mean;
use slogate::units::Unit;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

/// One measuring tool at a time: tests running side by side would measure each other.
static ONE_TOOL_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    ONE_TOOL_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn run(cmd: &mut Process) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the real `slogate import` and reads what it wrote.
fn import(format: &str, files: &[&Path], out: &Path, extra: &[&str]) -> ResultsFile {
    let mut cmd = Command::cargo_bin("slogate").unwrap();
    cmd.arg("import")
        .arg(format)
        .args(files)
        .arg("-o")
        .arg(out)
        .args(extra);
    let assert = cmd.assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("imported"), "{stderr}");
    ResultsFile::read(out).unwrap()
}

fn bench<'a>(r: &'a ResultsFile, key: &str) -> &'a BenchmarkResult {
    r.benchmark(key).unwrap_or_else(|| {
        let keys: Vec<_> = r.benchmarks.iter().map(|b| &b.key).collect();
        panic!("no `{key}` among {keys:?}")
    })
}

fn values(b: &BenchmarkResult, metric: &str) -> Vec<f64> {
    b.metrics[metric].values().collect()
}

fn p20(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[(s.len() - 1) / 5]
}

/// Checks the candidate/baseline ratios of `metric`: ~1.10 for `slowed`, ~1.0 for `same`, and that
/// the comparison flags `slowed` 📈 and calls the others ~same.
fn check_ratios(
    base: &ResultsFile,
    cand: &ResultsFile,
    metric: &str,
    slowed: &str,
    same: &[&str],
) -> Result<(), String> {
    let ratio = |key: &str, stat: fn(&[f64]) -> f64| {
        stat(&values(bench(cand, key), metric)) / stat(&values(bench(base, key), metric))
    };
    let mut report = Vec::new();
    let mut ok = true;
    let slow = ratio(slowed, p20);
    report.push(format!(
        "{slowed}: p20 ratio {slow:.3}, mean ratio {:.3}",
        ratio(slowed, mean)
    ));
    ok &= (1.03..=1.20).contains(&slow);
    for key in same {
        let r = ratio(key, p20);
        report.push(format!(
            "{key}: p20 ratio {r:.3}, mean ratio {:.3}",
            ratio(key, mean)
        ));
        ok &= (0.93..=1.07).contains(&r);
    }
    // The verdicts a user sees: `slogate compare` on the two imported files: the slowed benchmark
    // 📈, the unchanged ones ~same (or `unstable` where their noise forbids a verdict).
    let c = compare(base, cand, &CompareOptions::default());
    let metric_of = |key: &str| {
        c.benchmarks
            .iter()
            .find(|b| b.key == key)
            .and_then(|b| b.metrics.iter().find(|m| m.metric == metric))
            .unwrap_or_else(|| panic!("{key}: no {metric} in the comparison"))
    };
    let verdict = |key: &str| {
        let ch = metric_of(key).change;
        let interval = ch.map_or(String::new(), |ch| {
            format!(
                " (ratio {:.3} [{:.3}, {:.3}])",
                ch.ratio, ch.ratio_low, ch.ratio_high
            )
        });
        (
            ch.map(|ch| ch.verdict),
            format!(
                "{key}: compare says {:?}{interval}",
                ch.map(|ch| ch.verdict)
            ),
        )
    };
    let (v, line) = verdict(slowed);
    report.push(line);
    ok &= v == Some(ChangeVerdict::Regression);
    for key in same {
        let (v, line) = verdict(key);
        report.push(line);
        ok &= matches!(v, Some(ChangeVerdict::Same | ChangeVerdict::Unstable));
    }
    let report = report.join("; ");
    eprintln!("{report}");
    if ok {
        Ok(())
    } else {
        Err(report)
    }
}

/// Whether timing assertions (ratios, verdicts) are asked for: `SLOGATE_TIMING_TESTS=1`, on a quiet
/// machine. A shared runner drifts by more than the 10% these pairs differ by, so by default the
/// files are still produced by the real tools and checked in every other respect, and the timing
/// figures are printed, not asserted.
fn timing_asserted() -> bool {
    std::env::var_os("SLOGATE_TIMING_TESTS").is_some_and(|v| v == "1")
}

/// Generates a baseline/candidate pair and checks it, up to three times (see the module comment).
fn with_retries(mut attempt: impl FnMut() -> Result<(), String>) {
    if !timing_asserted() {
        if let Err(report) = attempt() {
            eprintln!("timing not asserted (SLOGATE_TIMING_TESTS=1 to assert): {report}");
        }
        return;
    }
    let mut failures = Vec::new();
    for n in 1..=3 {
        let start = std::time::Instant::now();
        let result = attempt();
        let took = start.elapsed().as_secs_f64();
        eprintln!(
            "attempt {n}: {} in {took:.1} s",
            if result.is_ok() { "passed" } else { "failed" }
        );
        match result {
            Ok(()) => return,
            Err(e) => failures.push(e),
        }
    }
    panic!("ratios off in all three attempts:\n{}", failures.join("\n"));
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string()
}

/// pyperf files a side, and worker processes a file (see the module comment).
const PYPERF_FILES: usize = 5;
const PYPERF_PROCESSES: usize = 4;

#[test]
fn pyperf_processes_values_and_memory() {
    let _one = exclusive();
    let Some(python) = support::python("pyperf_processes_values_and_memory") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = tools_dir().join("pyperf_bench.py");
    let gen = |name: &str, scale: &str| {
        let out = dir.path().join(name);
        let _ = std::fs::remove_file(&out);
        run(Process::new(&python)
            .arg(&script)
            // pyperf workers see only the environment variables named here.
            .args(["--inherit-environ", "WORK_SCALE"])
            .args(["--processes", &PYPERF_PROCESSES.to_string()])
            // 15 warm-up values (~110 ms) let a new process reach its steady speed first;
            // 15 values (~110 ms) spread a short burst of the machine's load thin.
            .args(["--warmups", "15", "--values", "15", "--loops", "100"])
            .args(["-q", "-o"])
            .arg(&out)
            .env("WORK_SCALE", scale));
        out
    };
    let processes = PYPERF_FILES * PYPERF_PROCESSES;
    with_retries(|| {
        // Files of a few worker processes each, baseline and candidate alternating in time,
        // pooled by the import.
        let (mut b, mut c) = (Vec::new(), Vec::new());
        for i in 0..PYPERF_FILES {
            b.push(gen(&format!("base{i}.json"), "1"));
            // pyperf writes gzip when the name ends in .gz.
            c.push(gen(&format!("cand{i}.json.gz"), "1.1"));
        }
        let b: Vec<&Path> = b.iter().map(PathBuf::as_path).collect();
        let c: Vec<&Path> = c.iter().map(PathBuf::as_path).collect();
        let base = import(
            "auto",
            &b,
            &dir.path().join("b.json"),
            &["--side", "baseline"],
        );
        let cand = import("pyperf", &c, &dir.path().join("c.json"), &[]);
        for r in [&base, &cand] {
            assert_eq!(r.benchmarks.len(), 2);
            let b = bench(r, "pyperf/sum_loop");
            let t = &b.metrics["execution_time"];
            assert_eq!(t.unit, Unit::Nanoseconds);
            assert_eq!(
                t.processes.len(),
                processes,
                "one group per worker process, the files pooled"
            );
            assert!(t.processes.iter().all(|g| g.len() == 15));
            let m = mean(&values(b, "execution_time"));
            assert!((5e3..5e7).contains(&m), "seconds per loop → ns: {m}");
            let rss = &b.metrics["max_rss_usage"];
            assert_eq!((rss.unit, rss.processes.len()), (Unit::Bytes, processes));
            assert!(rss.values().all(|v| (2e6..2e9).contains(&v)), "{rss:?}");
            assert_eq!(r.meta.machine.hostname, hostname());
            let info = r.meta.import.as_ref().unwrap();
            assert!(
                info.metadata.contains_key("python_version"),
                "{:?}",
                info.metadata
            );
            assert!(!info.filled.contains(&"machine.hostname".to_string()));
            assert!(
                !info.filled.contains(&"started_at".to_string()),
                "pyperf dates its runs"
            );
        }
        assert_eq!(base.meta.side.as_deref(), Some("baseline"));
        assert_eq!(cand.meta.import.as_ref().unwrap().format, "pyperf");
        check_ratios(
            &base,
            &cand,
            "execution_time",
            "pyperf/sum_loop",
            &["pyperf/other"],
        )
    });
}

/// pytest runs (processes) a side (see the module comment).
const PYTEST_RUNS: usize = 16;

#[test]
fn pytest_benchmark_raw_data_and_summary_only() {
    let _one = exclusive();
    let Some(python) = support::python("pytest_benchmark_raw_data_and_summary_only") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let test = tools_dir().join("test_pytest_bench.py");
    let pytest = |scale: &str, args: &[&str]| {
        run(Process::new(&python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            // CPU time, after a warm-up (up to 1000 calls, ~75 ms; the warm-up too stops at the
            // max time): see the module comment.
            .args([
                "--benchmark-timer=time.process_time",
                "--benchmark-warmup=on",
                "--benchmark-warmup-iterations=1000",
                "--benchmark-max-time=0.1",
                "--benchmark-min-rounds=20",
            ])
            .arg(&test)
            .args(args)
            .current_dir(dir.path())
            .env("WORK_SCALE", scale));
    };
    with_retries(|| {
        // `--benchmark-json` keeps every round. Single-process runs, baseline and candidate
        // alternating in time, pooled by the import; the two benchmarks compared only.
        let (mut b, mut c) = (Vec::new(), Vec::new());
        for i in 0..PYTEST_RUNS {
            for (side, scale, files) in [("base", "1", &mut b), ("cand", "1.1", &mut c)] {
                let name = format!("{side}{i}.json");
                let json = format!("--benchmark-json={name}");
                pytest(scale, &["-k", "sum_loop or other", &json]);
                files.push(dir.path().join(name));
            }
        }
        let b: Vec<&Path> = b.iter().map(PathBuf::as_path).collect();
        let c: Vec<&Path> = c.iter().map(PathBuf::as_path).collect();
        let base = import("auto", &b, &dir.path().join("b.json"), &[]);
        let cand = import("auto", &c, &dir.path().join("c.json"), &[]);
        for r in [&base, &cand] {
            assert_eq!(r.benchmarks.len(), 2);
            let t = &bench(r, "test_pytest_bench/test_sum_loop").metrics["execution_time"];
            assert_eq!(
                t.processes.len(),
                PYTEST_RUNS,
                "one group per pytest process"
            );
            assert!(t.value_count() >= 20 * PYTEST_RUNS && t.summary.is_none());
            assert!(t.values().all(|v| (1e3..1e9).contains(&v)), "seconds → ns");
        }
        check_ratios(
            &base,
            &cand,
            "execution_time",
            "test_pytest_bench/test_sum_loop",
            &["test_pytest_bench/test_other"],
        )
    });
    // `--benchmark-save` without `--benchmark-save-data` keeps only statistics; with it, the data.
    let storage = format!(
        "--benchmark-storage=file://{}",
        dir.path().join("store").display()
    );
    pytest("1", &["--benchmark-save=stats", &storage]);
    pytest(
        "1",
        &["--benchmark-save=raw", "--benchmark-save-data", &storage],
    );
    let saved: Vec<PathBuf> = walk(&dir.path().join("store"));
    let stats = saved
        .iter()
        .find(|p| p.to_string_lossy().ends_with("_stats.json"))
        .unwrap();
    let raw = saved
        .iter()
        .find(|p| p.to_string_lossy().ends_with("_raw.json"))
        .unwrap();
    let s = import("auto", &[stats], &dir.path().join("s.json"), &[]);
    let t = &bench(&s, "test_pytest_bench/test_sum_loop").metrics["execution_time"];
    let summary = t.summary.expect("summary statistics only");
    assert!(
        t.processes.is_empty() && summary.n >= 20 && summary.mean > 0.0 && summary.median.is_some()
    );
    let r = import("auto", &[raw], &dir.path().join("r.json"), &[]);
    assert_eq!(r.benchmarks.len(), 3);
    let p = bench(&r, "test_pytest_bench/test_param[size=500]");
    assert_eq!(p.scenario, "test_param");
    let t = &bench(&r, "test_pytest_bench/test_sum_loop").metrics["execution_time"];
    assert!(t.summary.is_none() && t.value_count() >= 20);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn hyperfine_one_group_per_process() {
    let _one = exclusive();
    let Some(hyperfine) = support::require(
        "hyperfine_one_group_per_process",
        "hyperfine",
        "apt-get install hyperfine",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let gen = |name: &str, slow: &str| {
        let out = dir.path().join(name);
        run(Process::new(&hyperfine)
            .args(["-N", "--runs", "15", "--warmup", "2", "--export-json"])
            .arg(&out)
            .args([
                "-n",
                "sleepy",
                &format!("sleep {slow}"),
                "-n",
                "steady",
                "sleep 0.01",
            ]));
        out
    };
    with_retries(|| {
        let base = import(
            "auto",
            &[&gen("base.json", "0.02")],
            &dir.path().join("b.json"),
            &[],
        );
        let cand = import(
            "auto",
            &[&gen("cand.json", "0.022")],
            &dir.path().join("c.json"),
            &[],
        );
        for r in [&base, &cand] {
            let b = bench(r, "hyperfine/steady");
            let t = &b.metrics["execution_time"];
            assert_eq!(t.processes.len(), 15, "every run is its own process");
            assert!(t.processes.iter().all(|g| g.len() == 1));
            assert!(
                t.values().all(|v| (9e6..2e8).contains(&v)),
                "sleep 0.01 in ns: {t:?}"
            );
            assert!(b.metrics["user_time"].summary.is_some());
        }
        check_ratios(
            &base,
            &cand,
            "execution_time",
            "hyperfine/sleepy",
            &["hyperfine/steady"],
        )
    });
    // Parameters become the variant; a non-zero exit code marks the benchmark failed.
    let p = dir.path().join("params.json");
    run(Process::new(&hyperfine)
        .args([
            "-N",
            "--runs",
            "3",
            "-i",
            "-P",
            "code",
            "0",
            "1",
            "--export-json",
        ])
        .arg(&p)
        .args(["-n", "exit", "python3 -c 'import sys; sys.exit({code})'"]));
    let r = import("hyperfine", &[&p], &dir.path().join("p.json"), &[]);
    let ok = bench(&r, "hyperfine/exit[code=0]");
    let failed = bench(&r, "hyperfine/exit[code=1]");
    assert_eq!(ok.status.as_str(), "ok");
    assert_eq!(failed.status.as_str(), "failed");
    assert_eq!(failed.reason.as_deref(), Some("exit code 1 in 3 of 3 runs"));
}

#[test]
fn google_benchmark_repetitions_and_counters() {
    let _one = exclusive();
    let test = "google_benchmark_repetitions_and_counters";
    let Some(gxx) = support::require(test, "g++", "apt-get install g++") else {
        return;
    };
    let header = Path::new("/usr/include/benchmark/benchmark.h");
    if !support::require_path(test, header, "apt-get install libbenchmark-dev") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("gbench");
    run(Process::new(&gxx)
        .args(["-O2", "-std=c++17"])
        .arg(tools_dir().join("gbench.cc"))
        .arg("-o")
        .arg(&exe)
        .args(["-lbenchmark", "-lpthread"]));
    let gen = |name: &str, scale: &str| {
        let out = dir.path().join(name);
        let o = Process::new(&exe)
            .args([
                "--benchmark_format=json",
                "--benchmark_repetitions=5",
                "--benchmark_min_time=0.05",
            ])
            .env("WORK_SCALE", scale)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::write(&out, o.stdout).unwrap();
        out
    };
    with_retries(|| {
        let base = import(
            "auto",
            &[&gen("base.json", "1")],
            &dir.path().join("b.json"),
            &[],
        );
        let cand = import(
            "auto",
            &[&gen("cand.json", "1.1")],
            &dir.path().join("c.json"),
            &[],
        );
        for r in [&base, &cand] {
            assert_eq!(r.benchmarks.len(), 2, "aggregates are not benchmarks");
            let b = bench(r, "gbench/BM_Sum/20000");
            for m in ["execution_time", "cpu_time"] {
                let t = &b.metrics[m];
                assert_eq!(
                    (t.unit, t.processes.len()),
                    (Unit::Nanoseconds, 5),
                    "{m}: one group per repetition"
                );
            }
            let items = &b.metrics["items_per_second"];
            assert!(items.higher_is_better && items.unit == Unit::PerSecond);
            let calls = &bench(r, "gbench/BM_Other").metrics["calls"];
            assert_eq!((calls.unit, calls.value_count()), (Unit::Count, 5));
            assert_eq!(r.meta.machine.hostname, hostname());
            assert!(r
                .meta
                .import
                .as_ref()
                .unwrap()
                .metadata
                .contains_key("library_build_type"));
        }
        // CPU time: what the loop costs, whatever else the machine does.
        check_ratios(
            &base,
            &cand,
            "cpu_time",
            "gbench/BM_Sum/20000",
            &["gbench/BM_Other"],
        )
    });
}

#[test]
fn go_test_lines_as_groups() {
    let _one = exclusive();
    let Some(go_tool) =
        support::require("go_test_lines_as_groups", "go", "apt-get install golang-go")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("m");
    std::fs::create_dir_all(&module).unwrap();
    for f in ["go.mod", "bench_test.go"] {
        std::fs::copy(tools_dir().join("gobench").join(f), module.join(f)).unwrap();
    }
    let go = |args: &[&str], scale: &str| {
        let o = Process::new(&go_tool)
            .args(args)
            .current_dir(&module)
            .env("GOCACHE", dir.path().join("gocache"))
            .env("GOPATH", dir.path().join("gopath"))
            .env("GOFLAGS", "-mod=mod")
            .env("GO111MODULE", "on")
            .env("WORK_SCALE", scale)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    // What benchstat users feed it: one `go test -count 5` run.
    let text = go(
        &[
            "test",
            "-run",
            "^$",
            "-bench",
            ".",
            "-count",
            "5",
            "-benchmem",
            "-benchtime",
            "300x",
            ".",
        ],
        "1",
    );
    let file = dir.path().join("count5.txt");
    std::fs::write(&file, text).unwrap();
    let r = import("auto", &[&file], &dir.path().join("r.json"), &[]);
    let b = bench(&r, "slogatebench/BenchmarkAlloc");
    for (m, unit) in [
        ("execution_time", Unit::Nanoseconds),
        ("bytes_per_op", Unit::Bytes),
        ("allocs_per_op", Unit::Count),
        ("bytes_per_s", Unit::PerSecond),
    ] {
        let s = &b.metrics[m];
        assert_eq!(
            (s.unit, s.processes.len()),
            (unit, 5),
            "{m}: one group per line"
        );
    }
    assert!(b.metrics["bytes_per_s"].higher_is_better);
    assert!(!r.meta.machine.cpu_model.is_empty());
    assert!(!r
        .meta
        .import
        .as_ref()
        .unwrap()
        .filled
        .contains(&"machine.cpu_model".to_string()));
    assert_eq!(
        r.meta.import.as_ref().unwrap().metadata["gomaxprocs"],
        std::thread::available_parallelism().unwrap().to_string()
    );

    // The ratio: the compiled test binary (the same output) run baseline/candidate interleaved.
    go(&["test", "-c", "-o", "bench.test", "."], "1");
    let exe = module.join("bench.test");
    with_retries(|| {
        let (mut b, mut c) = (String::new(), String::new());
        for _ in 0..5 {
            for (out, scale) in [(&mut b, "1"), (&mut c, "1.1")] {
                let o = Process::new(&exe)
                    .args([
                        "-test.run",
                        "^$",
                        "-test.bench",
                        ".",
                        "-test.benchmem",
                        "-test.benchtime",
                        "1500x",
                    ])
                    .env("WORK_SCALE", scale)
                    .output()
                    .unwrap();
                assert!(o.status.success());
                out.push_str(&String::from_utf8_lossy(&o.stdout));
            }
        }
        let (bf, cf) = (dir.path().join("base.txt"), dir.path().join("cand.txt"));
        std::fs::write(&bf, b).unwrap();
        std::fs::write(&cf, c).unwrap();
        let base = import("go-test", &[&bf], &dir.path().join("b.json"), &[]);
        let cand = import("go-test", &[&cf], &dir.path().join("c.json"), &[]);
        assert_eq!(
            bench(&cand, "slogatebench/BenchmarkSum").metrics["execution_time"]
                .processes
                .len(),
            5
        );
        check_ratios(
            &base,
            &cand,
            "execution_time",
            "slogatebench/BenchmarkSum",
            &["slogatebench/BenchmarkAlloc"],
        )
    });
}

#[test]
fn criterion_committed_output() {
    // Produced by tests/tools/criterion-fixture: three runs per side, baseline and candidate
    // interleaved (see tests/fixtures/import/README.md).
    let dir = tempfile::tempdir().unwrap();
    let runs = |side: &str| -> Vec<PathBuf> {
        (1..=3)
            .map(|i| fixtures().join(format!("criterion/{side}/run{i}")))
            .collect()
    };
    let (b, c) = (runs("base"), runs("cand"));
    let base = import(
        "auto",
        &b.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
        &dir.path().join("b.json"),
        &[],
    );
    let cand = import(
        "criterion",
        &c.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
        &dir.path().join("c.json"),
        &[],
    );
    for r in [&base, &cand] {
        assert_eq!(r.benchmarks.len(), 2);
        let t = &bench(r, "criterion/group/other").metrics["execution_time"];
        assert_eq!(
            (t.unit, t.processes.len(), t.value_count()),
            (Unit::Nanoseconds, 3, 60),
            "one group per cargo-bench run"
        );
        assert!(
            t.values().all(|v| (1e3..1e6).contains(&v)),
            "times / iters, ns per iteration: {t:?}"
        );
    }
    // Fixed data: the ratios are what they were when measured.
    check_ratios(
        &base,
        &cand,
        "execution_time",
        "criterion/sum_loop",
        &["criterion/group/other"],
    )
    .unwrap();
    // One `new/` directory, or a file inside it, is read as well; values are times[i] / iters[i].
    let new = fixtures().join("criterion/cand/run1/sum_loop/new");
    let one = import(
        "auto",
        &[&new.join("sample.json")],
        &dir.path().join("o.json"),
        &[],
    );
    let sample: serde_json::Value =
        serde_json::from_slice(&std::fs::read(new.join("sample.json")).unwrap()).unwrap();
    let (times, iters) = (
        sample["times"].as_array().unwrap(),
        sample["iters"].as_array().unwrap(),
    );
    let expected: Vec<f64> = times
        .iter()
        .zip(iters)
        .map(|(t, i)| t.as_f64().unwrap() / i.as_f64().unwrap())
        .collect();
    let got = values(&one.benchmarks[0], "execution_time");
    assert_eq!(got.len(), expected.len());
    assert!(
        got.iter()
            .zip(&expected)
            .all(|(g, e)| (g - e).abs() <= e * 1e-12),
        "{got:?} vs {expected:?}"
    );
    assert_eq!(
        import("criterion", &[&new], &dir.path().join("n.json"), &[])
            .benchmarks
            .len(),
        1
    );
}
