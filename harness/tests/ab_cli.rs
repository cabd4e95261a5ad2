//! `slogate ab` end to end: the real binary, real git worktrees, real Python processes.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CPU_OFF: &str = r"cpu\[profiler=off\]";
const CPU_KEY: &str = "quickstart/cpu[profiler=off]";

/// `ab` measures: two of its tests running at once on a 2-core machine would each measure the
/// other (a +15% change undecided at ±25% after 70 rounds). Each test holds this while it runs.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    MEASURING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites/quickstart")
}

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn sh(dir: &Path, cmd: &str) -> String {
    let out = std::process::Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A git repository holding `suites/quickstart`, with two commits (the second changes a comment).
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("suites/quickstart");
    std::fs::create_dir_all(&suite).unwrap();
    for f in ["suite.toml", "workload.py"] {
        std::fs::copy(quickstart().join(f), suite.join(f)).unwrap();
    }
    let git = "git -c user.name=t -c user.email=t@t";
    sh(
        dir.path(),
        &format!("git init -q -b main && git add -A && {git} commit -q -m first"),
    );
    sh(
        dir.path(),
        &format!(
            "echo '# a harmless comment' >> suites/quickstart/workload.py && {git} commit -q -am second"
        ),
    );
    dir
}

fn processes(results: &Value, key: &str) -> usize {
    values_per_process(results, key).len()
}

/// The number of values of each of `key`'s execution-time processes.
fn values_per_process(results: &Value, key: &str) -> Vec<usize> {
    results["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == key)
        .unwrap_or_else(|| panic!("no {key}"))["metrics"]["execution_time"]["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_array().unwrap().len())
        .collect()
}

/// The execution_time verdicts of a comparison JSON, by benchmark key.
fn time_verdicts(comparison: &Value) -> Vec<(String, String)> {
    comparison["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| {
            b["metrics"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(move |m| {
                    let v = m["change"]["verdict"].as_str()?;
                    Some((format!("{} {}", b["key"], m["metric"]), v.to_string()))
                })
        })
        .collect()
}

#[test]
fn refs_of_a_repository_become_paired_sides() {
    let _measuring = one_at_a_time();
    let repo = repo();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report.md");
    let results = out.path().join("results");
    slogate()
        .current_dir(repo.path())
        .args(["ab", "--baseline-ref", "HEAD~1", "--candidate-ref", "HEAD"])
        .arg("suites/quickstart")
        .args([
            "--processes",
            "3",
            "--fail-on",
            "breach,missing",
            "--report",
        ])
        .arg(&report)
        .arg("--results-dir")
        .arg(&results)
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("<!-- slogate:report -->"));
    let base = read_json(&results.join("baseline.json"));
    let cand = read_json(&results.join("candidate.json"));
    assert!(base["meta"]["pairing"].is_string());
    assert_eq!(base["meta"]["pairing"], cand["meta"]["pairing"]);
    assert_eq!(base["meta"]["side"], "baseline");
    assert_eq!(cand["meta"]["side"], "candidate");
    assert_eq!(base["meta"]["seed"], cand["meta"]["seed"]);
    let (bc, cc) = (
        &base["meta"]["git"]["commit"],
        &cand["meta"]["git"]["commit"],
    );
    assert!(bc.is_string() && cc.is_string() && bc != cc, "{bc} {cc}");
    assert_eq!(
        bc.as_str().unwrap(),
        sh(repo.path(), "git rev-parse HEAD~1").trim()
    );
    assert_eq!(base["benchmarks"].as_array().unwrap().len(), 4);
    for b in base["benchmarks"].as_array().unwrap() {
        let key = b["key"].as_str().unwrap();
        assert_eq!(processes(&base, key), 3, "{key}");
        assert_eq!(processes(&cand, key), 3, "{key}");
    }
    // The worktrees are gone and pruned.
    assert_eq!(sh(repo.path(), "git worktree list").lines().count(), 1);
}

#[test]
fn an_unknown_ref_is_a_usage_error() {
    let _measuring = one_at_a_time();
    let repo = repo();
    let out = tempfile::tempdir().unwrap();
    slogate()
        .current_dir(repo.path())
        .args([
            "ab",
            "--baseline-ref",
            "no-such-ref",
            "--candidate-ref",
            "HEAD",
        ])
        .arg("--results-dir")
        .arg(out.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown git ref `no-such-ref`"));
    assert!(!out.path().join("baseline.json").exists());
    assert_eq!(sh(repo.path(), "git worktree list").lines().count(), 1);
}

/// `slogate ab` of quickstart's CPU benchmark run in `dir` with `extra` arguments, the gate off;
/// returns the comparison JSON. Without `--results-dir` the files go under `dir/slogate-ab/`.
fn ab_cpu(dir: &Path, extra: &[&str]) -> Value {
    let json = dir.join("ab.json");
    slogate()
        .current_dir(dir)
        .arg("ab")
        .arg(quickstart())
        .args(["--filter", CPU_OFF, "--fail-on", "none"])
        .args(extra)
        .arg("--json")
        .arg(&json)
        .timeout(Duration::from_secs(180))
        .assert()
        .success();
    read_json(&json)
}

/// Runs an A/B of the CPU benchmark by variables; returns the comparison JSON.
fn ab_by_vars(base_scale: &str, cand_scale: &str, sampling: &[&str]) -> Value {
    let out = tempfile::tempdir().unwrap();
    let base_var = format!("work_scale={base_scale}");
    let cand_var = format!("work_scale={cand_scale}");
    let mut args = vec!["--seed", "11", "--format", "terminal"];
    args.extend(sampling);
    args.extend(["--baseline-var", &base_var, "--candidate-var", &cand_var]);
    let cmp = ab_cpu(out.path(), &args);
    let cand = read_json(&out.path().join("slogate-ab/candidate.json"));
    assert_eq!(cand["meta"]["vars"]["work_scale"], cand_scale);
    let base = read_json(&out.path().join("slogate-ab/baseline.json"));
    assert_eq!(base["meta"]["vars"]["work_scale"], base_scale);
    cmp
}

/// Under a budget, rounds are added until the paired interval is decisive: a fixed 30 rounds
/// sometimes left it straddling 5% on a saturated machine ([1.005, 1.21] seen), while the
/// measurement-quality benchmark saw +10% flagged in every repetition, after ~10 s on average.
#[test]
fn a_variable_selecting_ten_percent_more_work_is_a_regression() {
    let _measuring = one_at_a_time();
    // 90 s: this test shares the machine with the others of this file.
    let cmp = ab_by_vars("1.0", "1.1", &["--budget", "90s"]);
    assert_eq!(cmp["settings"]["paired"], true);
    let verdicts = time_verdicts(&cmp);
    let time = verdicts
        .iter()
        .find(|(k, _)| k == &format!("\"{CPU_KEY}\" \"execution_time\""))
        .unwrap_or_else(|| panic!("{verdicts:?}"));
    assert_eq!(time.1, "regression", "{cmp}");
}

#[test]
fn an_a_a_run_flags_nothing() {
    let _measuring = one_at_a_time();
    let cmp = ab_by_vars("1.0", "1.0", &["--processes", "12"]);
    assert_eq!(cmp["settings"]["paired"], true);
    let verdicts = time_verdicts(&cmp);
    assert!(!verdicts.is_empty());
    for (key, v) in &verdicts {
        assert!(v != "regression" && v != "improvement", "{key}: {v}\n{cmp}");
    }
}

#[test]
fn a_budget_stops_the_run_and_the_rounds_are_recorded() {
    let _measuring = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("cmp.json");
    // A noise threshold of 0.01%: "the same" cannot be decided, so the budget ends the run,
    // unless the A/A run is one of the 5% whose interval excludes 1 (a false alarm at the nominal
    // level, seen 1 in 5 with a build beside it): then it is run again, up to three times.
    let mut attempt = 0;
    let (took, stderr) = loop {
        attempt += 1;
        let start = Instant::now();
        let assert = slogate()
            .current_dir(out.path())
            .arg("ab")
            .arg(quickstart())
            .args([
                "--filter",
                CPU_OFF,
                "--budget",
                "5s",
                "--noise-threshold",
                "0.01%",
            ])
            .args(["--fail-on", "none", "--json"])
            .arg(&json)
            .timeout(Duration::from_secs(60))
            .assert()
            .success();
        let took = start.elapsed();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        if stderr.contains("budget spent") || attempt == 3 {
            break (took, stderr);
        }
    };
    assert!(stderr.contains("budget spent"), "{stderr}");
    assert!(took >= Duration::from_secs(5), "{took:?}");
    let base = read_json(&out.path().join("slogate-ab/baseline.json"));
    let cand = read_json(&out.path().join("slogate-ab/candidate.json"));
    let rounds = processes(&base, CPU_KEY);
    assert!(rounds >= 8, "{rounds}");
    assert_eq!(rounds, processes(&cand, CPU_KEY));
    assert!(stderr.contains(&format!("{rounds} rounds")), "{stderr}");
    // One round is two processes: the budget (or the 8 rounds every benchmark gets, when they take
    // longer on a loaded machine) is overrun by at most about one round, plus the harness's own
    // start and report.
    let per_round = took.as_secs_f64() / rounds as f64;
    assert!(
        took.as_secs_f64() < (5.0f64).max(8.0 * per_round) + 2.0 * per_round + 3.0,
        "{took:?} for {rounds} rounds"
    );
    // The nominal 95% is spent over the looks: the last one, where the budget ended, spent what
    // was left and the comparison judges the benchmark at its level.
    let cmp = read_json(&json);
    assert_eq!(cmp["settings"]["confidence"].as_f64(), Some(0.95));
    let last = base["meta"]["analysis"]["rounds"][0]["confidence"]
        .as_f64()
        .unwrap();
    // (The nominal level itself, to rounding, when rounds are slow enough that the first look is
    // also the last.)
    assert!((0.95 - 1e-6..0.995).contains(&last), "{last}");
    let judged = cmp["benchmarks"][0]["resolution"]["confidence"].as_f64();
    assert_eq!(judged, Some(last));
    // Undecided is never silent: the files record how the rounds ended, the rounds the noise
    // would need and the smallest change the run resolves.
    let analysis = &base["meta"]["analysis"];
    assert_eq!(analysis, &cand["meta"]["analysis"]);
    let record = &analysis["rounds"][0];
    assert_eq!(record["key"], CPU_KEY);
    assert_eq!(record["stopped"], "budget");
    assert_eq!(record["rounds"].as_u64(), Some(rounds as u64));
    let resolvable = record["resolvable_change"].as_f64().unwrap();
    assert!(resolvable > 0.0 && resolvable.is_finite(), "{record}");
    assert!(stderr.contains("resolves changes beyond"), "{stderr}");
}

/// A suite of 6 processes x 10 values whose workload does `scale` times the work of quickstart's
/// CPU iteration, committed to a new repository; a second commit sets `second_scale`.
fn cpu_repo(scale: &str, second_scale: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("suites/cpu");
    std::fs::create_dir_all(&suite).unwrap();
    std::fs::copy(quickstart().join("workload.py"), suite.join("workload.py")).unwrap();
    let toml = |scale: &str| {
        format!(
            "[suite]\nname = \"cpu\"\n\n[defaults]\nprotocol = \"samples\"\nprocesses = 6\n\
             values = 10\nwarmups = 1\ntimeout = \"30s\"\n\n[[scenario]]\nname = \"loop\"\n\
             command = [\"python3\", \"{{suite_dir}}/workload.py\", \"cpu\"]\n\
             env.QS_WORK_SCALE = \"{scale}\"\n"
        )
    };
    std::fs::write(suite.join("suite.toml"), toml(scale)).unwrap();
    let git = "git -c user.name=t -c user.email=t@t";
    sh(
        dir.path(),
        &format!("git init -q -b main && git add -A && {git} commit -q -m first"),
    );
    std::fs::write(suite.join("suite.toml"), toml(second_scale)).unwrap();
    sh(
        dir.path(),
        &format!("echo '# second' >> suites/cpu/workload.py && {git} commit -q -am second"),
    );
    dir
}

/// `ab` between two commits with no budget flag samples until decisive (60 s per benchmark at
/// most): a candidate doing 15% more work is flagged and fails `--fail-on regression`, where 6
/// fixed rounds once called it unstable; the same work on both sides passes with nothing flagged.
#[test]
fn without_a_budget_flag_a_fifteen_percent_slowdown_fails_and_a_a_passes() {
    let _measuring = one_at_a_time();
    let run = |second_scale: &str| {
        let repo = cpu_repo("1.0", second_scale);
        let json = repo.path().join("cmp.json");
        let assert = slogate()
            .current_dir(repo.path())
            .args(["ab", "--baseline-ref", "HEAD~1", "--candidate-ref", "HEAD"])
            .args(["suites/cpu", "--fail-on", "regression", "--json"])
            .arg(&json)
            .timeout(Duration::from_secs(240))
            .assert();
        let code = assert.get_output().status.code();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        (code, read_json(&json), stderr)
    };
    let time = |cmp: &Value| {
        time_verdicts(cmp)
            .into_iter()
            .find(|(k, _)| k == "\"cpu/loop\" \"execution_time\"")
            .map(|(_, v)| v)
    };
    // A machine saturated by other work can leave even 60 s of pairs too spread to decide
    // (seen: ±36% after 65 rounds with two builds beside it): undecided runs are measured again,
    // up to three times; a wrong verdict fails at once.
    let mut attempt = 1;
    let (code, cmp, stderr) = loop {
        let (code, cmp, stderr) = run("1.15");
        if time(&cmp).as_deref() != Some("unstable") || attempt == 3 {
            break (code, cmp, stderr);
        }
        eprintln!("attempt {attempt} undecided, measuring again: {stderr}");
        attempt += 1;
    };
    assert_eq!(time(&cmp).as_deref(), Some("regression"), "{stderr}");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(cmp["settings"]["noise_threshold"], 0.01);
    let (code, cmp, stderr) = run("1.0");
    for (key, v) in time_verdicts(&cmp) {
        assert!(
            v != "regression" && v != "improvement",
            "{key}: {v}\n{stderr}"
        );
    }
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn directories_are_sides_and_each_loads_its_own_suites() {
    let _measuring = one_at_a_time();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for (d, scale) in dirs.iter().zip(["1.0", "1.5"]) {
        let suite = d.path().join("suites/quickstart");
        std::fs::create_dir_all(&suite).unwrap();
        std::fs::copy(quickstart().join("workload.py"), suite.join("workload.py")).unwrap();
        let toml = std::fs::read_to_string(quickstart().join("suite.toml"))
            .unwrap()
            .replace("work_scale = \"1.0\"", &format!("work_scale = \"{scale}\""));
        std::fs::write(suite.join("suite.toml"), toml).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    slogate()
        .current_dir(out.path())
        .arg("ab")
        .arg("--baseline")
        .arg(dirs[0].path())
        .arg("--candidate")
        .arg(dirs[1].path())
        .args(["--quick", "--filter", CPU_OFF, "--fail-on", "none"])
        .args(["--results-dir", "r", "-o", "r.md"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let base = read_json(&out.path().join("r/baseline.json"));
    let cand = read_json(&out.path().join("r/candidate.json"));
    assert_eq!(base["meta"]["vars"]["work_scale"], "1.0");
    assert_eq!(cand["meta"]["vars"]["work_scale"], "1.5");
    // --quick: three rounds of one value each.
    assert_eq!(processes(&base, CPU_KEY), 3);
    assert_eq!(processes(&cand, CPU_KEY), 3);
    let first = &cand["benchmarks"][0]["metrics"]["execution_time"]["processes"][0];
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert!(std::fs::read_to_string(out.path().join("r.md"))
        .unwrap()
        .contains("<!-- slogate:report -->"));
}

#[test]
fn an_interrupt_writes_both_sides_marked_and_aligned() {
    let _measuring = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("slogate");
    let mut child = std::process::Command::new(bin)
        .current_dir(out.path())
        .arg("ab")
        .arg(quickstart())
        .args([
            "--filter",
            CPU_OFF,
            "--processes",
            "500",
            "--report",
            "r.md",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let base_path = out.path().join("slogate-ab/baseline.json");
    std::thread::sleep(Duration::from_secs(4));
    // SAFETY: plain syscall to our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(status.code(), Some(130));
    let base = read_json(&base_path);
    let cand = read_json(&out.path().join("slogate-ab/candidate.json"));
    assert_eq!(base["meta"]["interrupted"], true);
    assert_eq!(cand["meta"]["interrupted"], true);
    let n = processes(&base, CPU_KEY);
    assert!(n > 0 && n < 500, "{n}");
    assert_eq!(n, processes(&cand, CPU_KEY));
    assert!(
        !out.path().join("r.md").exists(),
        "no report for an interrupted run"
    );
}

#[test]
fn a_budget_brings_a_finer_default_threshold() {
    let _measuring = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let threshold = |extra: &[&str]| {
        let mut args = vec!["--processes", "8"];
        args.extend(extra);
        ab_cpu(out.path(), &args)["settings"]["noise_threshold"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(threshold(&["--budget", "60s"]), 0.01);
    assert_eq!(
        threshold(&["--budget", "60s", "--noise-threshold", "3%"]),
        0.03
    );
    assert_eq!(threshold(&[]), 0.05, "fixed rounds keep compare's default");
}

/// A noise file's threshold is the one the rounds decide about, as it is the one the gate judges
/// with: at a flag threshold no interval can reach (0.01%), a calibrated 50% for the benchmark
/// decides it at its first decisive look instead of spending the budget.
#[test]
fn rounds_decide_about_the_noise_files_threshold() {
    let _measuring = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let noise = out.path().join("noise.toml");
    std::fs::write(
        &noise,
        format!(
            "[calibration]\nrounds = 8\nprocesses = 8\nmachine = \"m\"\n\n[[benchmark]]\n\
             key = \"{CPU_KEY}\"\nmetric = \"execution_time\"\nspread = 0.1\ntail = 0.2\n\
             resolvable = 0.5\nflaky = false\nevidence = []\n"
        ),
    )
    .unwrap();
    let noise = noise.to_str().unwrap();
    let extra = [
        "--budget",
        "60s",
        "--noise-threshold",
        "0.01%",
        "--noise",
        noise,
    ];
    let cmp = ab_cpu(out.path(), &extra);
    let verdicts = time_verdicts(&cmp);
    let time = verdicts
        .iter()
        .find(|(m, _)| m.ends_with("\"execution_time\""));
    assert_eq!(time.map(|(_, v)| v.as_str()), Some("same"), "{verdicts:?}");
    let base = read_json(&out.path().join("slogate-ab/baseline.json"));
    let record = &base["meta"]["analysis"]["rounds"][0];
    // Its first look that can decide: 8 pairs, or 16 when 8 of the pairs the budget plans are
    // too small a share to spend enough on (the budget alone ran 172 rounds).
    assert_eq!(record["stopped"], "decided", "{record}");
    assert!(processes(&base, CPU_KEY) <= 16, "{record}");
}

/// A CI comment job re-renders an `ab` report from its two results files with `compare`: it must
/// reach the verdicts of `ab`'s gate, at its threshold and its sequential confidence.
#[test]
fn compare_on_ab_files_uses_the_analysis_of_the_run() {
    let _measuring = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    // Looks at 8 and 16 rounds, each at its own level.
    let ab = ab_cpu(
        out.path(),
        &["--processes", "16", "--budget", "60s", "--seed", "3"],
    );
    let files = out.path().join("slogate-ab");
    let cand = read_json(&files.join("candidate.json"));
    assert_eq!(cand["meta"]["analysis"]["noise_threshold"], 0.01);
    let compare = |extra: &[&str]| {
        let json = out.path().join("cmp.json");
        slogate()
            .arg("compare")
            .arg(files.join("baseline.json"))
            .arg(files.join("candidate.json"))
            .args(["--seed", "3", "--fail-on", "none", "--json"])
            .arg(&json)
            .args(extra)
            .timeout(Duration::from_secs(60))
            .assert()
            .success();
        read_json(&json)
    };
    let again = compare(&[]);
    for field in ["noise_threshold", "confidence", "paired"] {
        assert_eq!(again["settings"][field], ab["settings"][field], "{field}");
    }
    let level = |c: &Value| c["benchmarks"][0]["resolution"]["confidence"].as_f64();
    let recorded = cand["meta"]["analysis"]["rounds"][0]["confidence"].as_f64();
    assert!(recorded.is_some_and(|c| c > 0.95), "{recorded:?}");
    assert_eq!((level(&again), level(&ab)), (recorded, recorded));
    assert_eq!(time_verdicts(&again), time_verdicts(&ab));
    // An explicit threshold still wins.
    let coarse = compare(&["--noise-threshold", "5%"]);
    assert_eq!(coarse["settings"]["noise_threshold"], 0.05);
}

/// `ab --one-sided` tests its looks and its comparison one-sided and records it, so `compare` of
/// its files tests the same way without the flag.
#[test]
fn a_one_sided_ab_is_recorded_and_compare_follows_it() {
    let _measuring = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("suites/s");
    std::fs::create_dir_all(&suite).unwrap();
    std::fs::write(
        suite.join("suite.toml"),
        "[suite]\nname = \"s\"\n\n[defaults]\nprotocol = \"process\"\nwarmups = 0\n\
         timeout = \"10s\"\n\n[[scenario]]\nname = \"a\"\ncommand = [\"true\"]\n",
    )
    .unwrap();
    let json = |args: &[&str]| -> Value {
        let out = slogate()
            .current_dir(dir.path())
            .args(args)
            .args(["--format", "json", "--fail-on", "none"])
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let ab = json(&[
        "ab",
        "suites/s",
        "--one-sided",
        "--processes",
        "16",
        "--budget",
        "30s",
        "--seed",
        "1",
        "--results-dir",
        "ab",
    ]);
    assert_eq!(ab["settings"]["sides"], "one-sided", "{}", ab["settings"]);
    let cand = read_json(&dir.path().join("ab/candidate.json"));
    assert_eq!(cand["meta"]["analysis"]["sides"], "one-sided");
    let again = json(&["compare", "ab/baseline.json", "ab/candidate.json"]);
    for field in ["sides", "confidence", "noise_threshold"] {
        assert_eq!(again["settings"][field], ab["settings"][field], "{field}");
    }
}

/// `dir/suites/scatter`: a pyperf benchmark with a dear start-up (0.15 s of imports) and values
/// of about 4 ms that scatter by 30% within a process (sleeps of random length, which a loaded
/// machine barely changes); `defaults` go in its `[defaults]`.
fn scatter_suite(dir: &Path, python: &Path, defaults: &str) {
    let suite = dir.join("suites/scatter");
    std::fs::create_dir_all(&suite).unwrap();
    std::fs::write(
        suite.join("bench.py"),
        "import random, time\ntime.sleep(0.15)\nimport pyperf\n\n\
         def scattered(loops):\n    took = 0.0\n    for _ in range(loops):\n        \
         start = time.perf_counter()\n        time.sleep(random.lognormvariate(-6.2, 0.3))\n        \
         took += time.perf_counter() - start\n    return took\n\n\
         pyperf.Runner().bench_time_func(\"scatter\", scattered)\n",
    )
    .unwrap();
    std::fs::write(
        suite.join("suite.toml"),
        format!(
            "[suite]\nname = \"scatter\"\n\n[defaults]\nprotocol = \"pyperf\"\ntimeout = \"60s\"\n\
             {defaults}\n[[scenario]]\nname = \"sleep\"\n\
             command = [{:?}, \"bench.py\", \"--min-time\", \"0.002\"]\n",
            python.display().to_string()
        ),
    )
    .unwrap();
}

/// `ab` of `dir/suites/scatter` A/A with `args`: its stderr, and both results files.
fn ab_scatter(dir: &Path, args: &[&str]) -> (String, [Value; 2]) {
    let assert = slogate()
        .current_dir(dir)
        .args(["ab", "suites/scatter", "--seed", "3"])
        .args(args)
        .args(["--noise-threshold", "0.01%", "--fail-on", "none"])
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let files = ["baseline", "candidate"]
        .map(|side| read_json(&dir.join(format!("slogate-ab/{side}.json"))));
    (stderr, files)
}

const SCATTER_KEY: &str = "scatter/sleep";

/// `values = "auto"`, values that scatter within a process and a dear start-up: after the first
/// look `ab` chooses many values a process, from the spreads and costs it measured, and runs them
/// on both sides alike.
#[test]
fn pyperf_values_per_process_are_chosen_from_the_first_rounds_for_both_sides() {
    let test = "pyperf_values_per_process_are_chosen_from_the_first_rounds_for_both_sides";
    let Some(python) = support::python(test) else {
        return;
    };
    let _measuring = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    scatter_suite(dir.path(), &python, "values = \"auto\"\n");
    let (stderr, [base, cand]) = ab_scatter(dir.path(), &["--budget", "20s"]);
    let analysis = &base["meta"]["analysis"];
    assert_eq!(analysis, &cand["meta"]["analysis"]);
    let choices = analysis["rounds"][0]["values_per_process"]
        .as_array()
        .unwrap_or_else(|| panic!("no choice recorded: {analysis}\n{stderr}"));
    let first = &choices[0];
    assert_eq!(first["from_round"], 9, "chosen at the first look: {first}");
    for estimate in [
        "startup_seconds",
        "value_seconds",
        "between_processes",
        "within_process",
    ] {
        assert!(first[estimate].as_f64().unwrap() >= 0.0, "{first}");
    }
    let startup = first["startup_seconds"].as_f64().unwrap();
    assert!(startup > 0.15, "the imports alone sleep 0.15 s: {first}");
    let within = first["within_process"].as_f64().unwrap();
    assert!(
        (0.15..0.6).contains(&within),
        "values scatter by 30%: {first}"
    );
    let chosen = first["values"].as_u64().unwrap() as usize;
    assert!(
        chosen > 3,
        "scattered values and a dear start-up: many values, {first}"
    );
    // Both sides ran the values chosen, process by process: 3 (the default) until the choice,
    // then what each look chose.
    let sides = [
        values_per_process(&base, SCATTER_KEY),
        values_per_process(&cand, SCATTER_KEY),
    ];
    assert_eq!(sides[0], sides[1], "both sides alike");
    let mut expected = vec![3; sides[0].len()];
    for c in choices {
        let from = c["from_round"].as_u64().unwrap() as usize - 1;
        for v in expected.iter_mut().skip(from) {
            *v = c["values"].as_u64().unwrap() as usize;
        }
    }
    assert!(sides[0].len() > 8, "{:?}", sides[0]);
    assert_eq!(sides[0], expected, "{choices:?}");
    assert!(
        stderr.contains(&format!("{chosen} values a process from round 9 (start-up")),
        "{stderr}"
    );
}

/// The same benchmark in a suite that sets a number of `values`: every process of both sides keeps
/// them, and no choice is recorded (12 rounds at most: a look at 8 that goes on, unless an A/A
/// comparison decides there, and one at 12).
#[test]
fn a_suite_that_sets_pyperf_values_keeps_them() {
    let Some(python) = support::python("a_suite_that_sets_pyperf_values_keeps_them") else {
        return;
    };
    let _measuring = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    scatter_suite(dir.path(), &python, "values = 2\n");
    let (stderr, [base, cand]) = ab_scatter(dir.path(), &["--budget", "60s", "--processes", "12"]);
    let rounds = processes(&base, SCATTER_KEY);
    assert!(rounds >= 8, "{stderr}");
    for side in [&base, &cand] {
        assert_eq!(
            values_per_process(side, SCATTER_KEY),
            vec![2; rounds],
            "{stderr}"
        );
    }
    let record = &base["meta"]["analysis"]["rounds"][0];
    assert!(record.get("values_per_process").is_none(), "{record}");
    assert!(!stderr.contains(" a process from round"), "{stderr}");
}
