//! `slogate system`, the noise a run records and the warning it raises, `run --cpus`, and the
//! out-of-memory line of a real comparison: the real binary on this (shared, busy) machine.

use slogate::results::{Noise, ResultsFile, Status};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn slogate() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("slogate"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Writes `<dir>/<name>/suite.toml` and returns the suite directory.
fn suite(dir: &Path, name: &str, body: &str) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("suite.toml"),
        format!("[suite]\nname = \"{name}\"\n{body}"),
    )
    .unwrap();
    d
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn system_prints_findings_and_a_noise_figure() {
    let out = slogate()
        .args(["system", "--duration", "2s"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    for word in [
        "load average",
        "governor",
        "boost",
        "swap",
        "cores",
        "A/A probe: ",
    ] {
        assert!(stdout.contains(word), "{word} missing:\n{stdout}");
    }
    assert!(
        regex::Regex::new(r"cv \d+\.\d%.*supports flagging changes of \d+\.\d% or more")
            .unwrap()
            .is_match(&stdout),
        "{stdout}"
    );

    let out = slogate()
        .args(["system", "--duration", "0.5s", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let noise: Noise = serde_json::from_slice(&out.stdout).unwrap();
    assert!(noise.probe_cv.is_some_and(|cv| cv > 0.0), "{noise:?}");
    assert!(noise.supported_threshold.is_some(), "{noise:?}");
    assert!(noise.findings.len() >= 6, "{noise:?}");
}

/// Busy-loop children, killed when dropped whatever the test's outcome.
struct Load(Vec<Child>);

impl Load {
    fn per_core(loops_per_core: usize) -> Load {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Load(
            (0..cores * loops_per_core)
                .map(|_| {
                    Command::new("sh")
                        .args(["-c", "while :; do :; done"])
                        .stdin(Stdio::null())
                        .spawn()
                        .unwrap()
                })
                .collect(),
        )
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn a_loaded_machine_makes_the_report_warn_about_noise() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("loaded.json");
    let run = {
        let _load = Load::per_core(2);
        slogate()
            .arg("run")
            .arg(repo().join("suites/quickstart"))
            .args(["--filter", r"cpu\[profiler=off\]", "--processes", "6"])
            .arg("-o")
            .arg(&results)
            .output()
            .unwrap()
    };
    assert!(run.status.success(), "{}", text(&run.stderr));
    let file = ResultsFile::read(&results).unwrap();
    let noise = file.meta.noise.expect("the run records its noise");
    assert!(
        noise.findings.iter().any(|f| f.starts_with("load average")),
        "{noise:?}"
    );
    let supported = noise.supported_threshold.expect("measured from the run");
    assert!(supported > 0.01, "a loaded machine is noisy: {noise:?}");

    let out = slogate()
        .arg("compare")
        .arg(&results)
        .arg(&results)
        .args(["--noise-threshold", "1%"])
        .output()
        .unwrap();
    let report = text(&out.stdout);
    let warning = format!(
        "the noise measured during the candidate run (cv {:.1}%) supports flagging changes of \
         {:.1}% or more, not the 1.0% threshold in force",
        noise.probe_cv.unwrap() * 100.0,
        supported * 100.0
    );
    let head = &report[..report.find("\n### ").unwrap_or(report.len())];
    assert!(head.contains(&warning), "{warning}\nnot in\n{report}");
}

#[test]
fn cpus_pins_every_workload_process() {
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("cpus.txt");
    let script = format!(
        "import os; open({:?}, 'a').write(str(sorted(os.sched_getaffinity(0))) + '\\n')",
        seen.display().to_string()
    );
    let s = suite(
        dir.path(),
        "pin",
        &format!(
            "[defaults]\nprotocol = \"process\"\nprocesses = 3\nwarmups = 0\nvalues = 1\n\
             [[scenario]]\nname = \"affinity\"\ncommand = [\"python3\", \"-c\", {}]\n",
            serde_json::to_string(&script).unwrap()
        ),
    );
    let results = dir.path().join("r.json");
    let out = slogate()
        .arg("run")
        .arg(&s)
        .args(["--cpus", "0", "-o"])
        .arg(&results)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(lines, "[0]\n[0]\n[0]\n", "every process sees CPU 0 only");
    let file = ResultsFile::read(&results).unwrap();
    assert!(file
        .meta
        .noise
        .unwrap()
        .findings
        .contains(&"workloads pinned to CPUs 0".to_string()));

    for (bad, says) in [
        ("4095", "CPU 4095 is not present"),
        ("1-0", "bad CPU list `1-0`"),
        ("x", "bad CPU list `x`"),
    ] {
        let out = slogate()
            .arg("run")
            .arg(&s)
            .args(["--cpus", bad, "-o"])
            .arg(&results)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
}

#[test]
fn a_candidate_out_of_memory_is_a_loud_failure_with_its_cap() {
    let dir = tempfile::tempdir().unwrap();
    // Grows by 20 MB chunks (touched) to `mb` MB; a 120 MB cap stops the 400 MB candidate.
    let s = suite(
        dir.path(),
        "mem",
        r#"[vars]
mb = "20"
[defaults]
protocol = "process"
processes = 2
warmups = 0
values = 1
timeout = "30s"
memory_limit = "120MB"
[[scenario]]
name = "grow"
command = ["python3", "-c", "import time\nchunks = []\nfor _ in range({mb} // 20):\n    chunks.append(bytearray(20_000_000))\n    time.sleep(0.02)\n"]
"#,
    );
    let run = |name: &str, mb: &str| {
        let path = dir.path().join(name);
        let out = slogate()
            .arg("run")
            .arg(&s)
            .args(["--var", &format!("mb={mb}"), "-o"])
            .arg(&path)
            .output()
            .unwrap();
        (path, out)
    };
    let (base, out) = run("base.json", "20");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (cand, out) = run("cand.json", "400");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let file = ResultsFile::read(&cand).unwrap();
    let b = &file.benchmarks[0];
    assert_eq!(b.status, Status::Oom);
    let oom = b.oom.unwrap();
    assert_eq!(oom.cap_bytes, 120_000_000);
    assert!(oom.peak_bytes > oom.cap_bytes, "{oom:?}");

    let out = slogate()
        .arg("compare")
        .arg(&base)
        .arg(&cand)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "an oom candidate fails the gate"
    );
    let report = text(&out.stdout);
    let oom_line = report
        .lines()
        .find(|l| l.starts_with("🧠 Out of memory:"))
        .unwrap_or_else(|| panic!("no out-of-memory line:\n{report}"));
    assert!(oom_line.contains("over the cap of 120"), "{oom_line}");
    assert_eq!(
        oom_line.matches("120.000MB").count(),
        1,
        "the cap is said once: {oom_line}"
    );
    // Right under the heading of the first section, above every table of benchmarks.
    let first_table = report.find("| | Benchmark").unwrap();
    assert!(
        report.find("🧠 Out of memory:").unwrap() < first_table,
        "{report}"
    );
}
