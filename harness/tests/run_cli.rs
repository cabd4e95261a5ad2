//! `slogate run` as a user runs it: exit codes, the results file, peak memory, interruption and
//! `--resume`.

use slogate::results::{metric, ResultsFile, Status};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

fn slogate() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("slogate"))
}

fn python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 on PATH");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Writes `<dir>/suites/<name>/suite.toml` and returns the suite directory.
fn suite(dir: &Path, name: &str, body: &str) -> PathBuf {
    let d = dir.join("suites").join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("suite.toml"),
        format!("[suite]\nname = \"{name}\"\n{body}"),
    )
    .unwrap();
    d
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

#[test]
fn crash_fails_its_benchmark_only_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let s = suite(
        dir.path(),
        "mixed",
        r#"[defaults]
protocol = "process"
processes = 3
warmups = 0
timeout = "10s"

[[scenario]]
name = "fine"
command = ["true"]

[[scenario]]
name = "crash"
command = ["sh", "-c", "echo 'kaboom: bad state' >&2; exit 3"]
"#,
    );
    let out = dir.path().join("r.json");
    let status = slogate()
        .args([
            "run",
            s.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--seed",
            "1",
        ])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let r = ResultsFile::read(&out).unwrap();
    let crash = r.benchmark("mixed/crash").unwrap();
    assert_eq!(crash.status, Status::Failed);
    assert!(
        crash.reason.as_deref().unwrap().contains("exit code 3"),
        "{crash:?}"
    );
    assert!(
        crash
            .stderr_tail
            .as_deref()
            .unwrap()
            .contains("kaboom: bad state"),
        "{crash:?}"
    );
    let fine = r.benchmark("mixed/fine").unwrap();
    assert_eq!(fine.status, Status::Ok);
    assert_eq!(fine.metrics[metric::EXECUTION_TIME].value_count(), 3);
    assert_eq!(fine.planned_processes, 3);
    assert_eq!(r.meta.seed, 1);
    assert!(!r.meta.interrupted);
    assert_eq!(r.meta.suites[0].name, "mixed");
    assert_eq!(r.meta.machine.fingerprint.len(), 16);
}

#[test]
fn peak_rss_of_a_200_mb_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let py = toml_str(&python());
    let s = suite(
        dir.path(),
        "mem",
        &format!(
            r#"[defaults]
protocol = "process"
processes = 1
warmups = 0
timeout = "20s"

[[scenario]]
name = "noop"
command = [{py}, "-c", "pass"]

[[scenario]]
name = "big"
command = [{py}, "-c", "b = b'\\x01' * (200 * 1024 * 1024)"]
"#
        ),
    );
    let out = dir.path().join("r.json");
    let status = slogate()
        .args(["run", s.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let r = ResultsFile::read(&out).unwrap();
    let rss = |k: &str| r.benchmark(k).unwrap().metrics[metric::MAX_RSS_USAGE].processes[0][0];
    let (base, got) = (rss("mem/noop"), rss("mem/big"));
    let want = base + (200u64 << 20) as f64;
    assert!(
        (got / want - 1.0).abs() < 0.05,
        "peak {got}, expected {want} (baseline {base})"
    );
}

#[test]
fn sigterm_writes_an_interrupted_file_and_resume_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let cmd = toml_str(&format!("echo $$ >> {}; sleep 0.25", pids.display()));
    let mut body = String::from(
        "[defaults]\nprotocol = \"process\"\nprocesses = 6\nwarmups = 0\ntimeout = \"10s\"\n",
    );
    for name in ["a", "b", "c"] {
        body.push_str(&format!(
            "\n[[scenario]]\nname = \"{name}\"\ncommand = [\"sh\", \"-c\", {cmd}]\n"
        ));
    }
    let s = suite(dir.path(), "sig", &body);
    let out = dir.path().join("r.json");
    let mut child = slogate()
        .args(["run", s.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: plain syscall on our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(t.elapsed() < Duration::from_secs(5), "slogate did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(143));
    let r = ResultsFile::read(&out).unwrap();
    assert!(r.meta.interrupted);
    let done: usize = r
        .benchmarks
        .iter()
        .map(|b| {
            b.metrics
                .get(metric::EXECUTION_TIME)
                .map_or(0, |m| m.processes.len())
        })
        .sum();
    assert!(
        done > 0 && done < 18,
        "{done} of 18 processes before SIGTERM"
    );
    std::thread::sleep(Duration::from_millis(100));
    for pid in std::fs::read_to_string(&pids).unwrap().split_whitespace() {
        assert!(
            !slogate::procfs::alive(pid.parse().unwrap()),
            "workload {pid} left behind"
        );
    }

    let out2 = dir.path().join("r2.json");
    let status = slogate()
        .args([
            "run",
            s.to_str().unwrap(),
            "--resume",
            out.to_str().unwrap(),
        ])
        .args(["-o", out2.to_str().unwrap()])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let done = ResultsFile::read(&out2).unwrap();
    assert!(!done.meta.interrupted);
    assert_eq!(done.meta.run_id, r.meta.run_id);
    let keys: Vec<&str> = done.benchmarks.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(keys, ["sig/a", "sig/b", "sig/c"]);
    for b in &done.benchmarks {
        assert_eq!(b.status, Status::Ok);
        for m in [
            metric::EXECUTION_TIME,
            metric::USER_TIME,
            metric::SYS_TIME,
            metric::MAX_RSS_USAGE,
        ] {
            let samples = &b.metrics[m];
            assert_eq!(samples.processes.len(), 6, "{} {m}", b.key);
            assert_eq!(samples.value_count(), 6, "{} {m}", b.key);
        }
    }
}

#[test]
fn samples_protocol_syncs_nothing_between_processes() {
    let Some(strace) = support::require(
        "samples_protocol_syncs_nothing_between_processes",
        "strace",
        "apt-get install strace",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = suite(
        dir.path(),
        "synced",
        r#"[defaults]
protocol = "samples"
processes = 8
values = 1
warmups = 0

[[scenario]]
name = "one"
command = ["sh", "-c", "echo '{\"ns\": 5}' > \"$SLOGATE_SAMPLES\""]
"#,
    );
    let out = dir.path().join("r.json");
    let trace = dir.path().join("trace");
    let status = Command::new(strace)
        .args(["-f", "-e", "trace=fsync,fdatasync", "-o"])
        .arg(&trace)
        .arg(assert_cmd::cargo::cargo_bin("slogate"))
        .args(["run", s.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let r = ResultsFile::read(&out).unwrap();
    assert_eq!(r.benchmarks[0].status, Status::Ok, "{:?}", r.benchmarks[0]);
    let text = std::fs::read_to_string(&trace).unwrap();
    let syncs = text.lines().filter(|l| l.contains("sync(")).count();
    // Writing the results file atomically syncs it and its directory; nothing per process.
    assert!(syncs <= 4, "{syncs} syncs for 8 processes:\n{text}");
}
