//! `slogate compare` end to end: the real binary on generated results files, its report and exit codes.

use assert_cmd::Command;
use predicates::str::contains;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use slogate::results;
use slogate::results::{
    metric, BenchmarkResult, Machine, Metadata, MetricSamples, ResultsFile, Status, SCHEMA,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use units::Unit;
// The fixture is written against `crate::` paths; these make them resolve in this crate.
use slogate::{compare, units};

#[allow(dead_code)]
#[path = "../src/report/fixture.rs"]
mod fixture;

fn samples(rng: &mut ChaCha8Rng, unit: Unit, mean: f64) -> MetricSamples {
    let mut m = MetricSamples::new(unit);
    m.processes = (0..10)
        .map(|_| {
            let p = mean * rng.gen_range(0.99..1.01);
            (0..3).map(|_| p * rng.gen_range(0.998..1.002)).collect()
        })
        .collect();
    m
}

/// Five benchmarks (time ~100µs x factor, memory ~40MB) with SLOs `execution_time < limit_us`.
fn results(seed: u64, factor: f64, limit_us: f64) -> ResultsFile {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let benchmarks = (0..5)
        .map(|i| {
            let mut metrics = BTreeMap::new();
            let f = if i == 2 { factor } else { 1.0 };
            metrics.insert(
                metric::EXECUTION_TIME.to_string(),
                samples(&mut rng, Unit::Nanoseconds, 1e5 * f),
            );
            metrics.insert(
                metric::MAX_RSS_USAGE.to_string(),
                samples(&mut rng, Unit::Bytes, 4e7),
            );
            BenchmarkResult {
                key: format!("suite/b{i}"),
                suite: "suite".into(),
                scenario: format!("b{i}"),
                variant: BTreeMap::new(),
                status: Status::Ok,
                reason: None,
                stderr_tail: None,
                oom: None,
                planned_processes: 10,
                thresholds: vec![
                    format!("execution_time < {limit_us} us"),
                    "max_rss_usage < 50 MB".into(),
                ],
                overhead: vec![],
                noise_threshold: None,
                metrics,
            }
        })
        .collect();
    ResultsFile {
        schema: SCHEMA.into(),
        meta: Metadata {
            harness_version: "0.1.0".into(),
            run_id: format!("run-{seed}"),
            started_at: "2026-11-24T08:00:00Z".parse().unwrap(),
            ended_at: None,
            side: None,
            git: None,
            machine: Machine {
                hostname: "h".into(),
                cpu_model: "cpu".into(),
                cores: 2,
                memory_bytes: 1 << 33,
                kernel: "6.1".into(),
                arch: "x86_64".into(),
                fingerprint: "fp".into(),
            },
            suites: vec![],
            vars: BTreeMap::new(),
            seed,
            interrupted: false,
            shard: None,
            pairing: None,
            analysis: None,
            noise: None,
            import: None,
        },
        benchmarks,
    }
}

fn write(dir: &Path, name: &str, f: &ResultsFile) -> PathBuf {
    let p = dir.join(name);
    f.write(&p).unwrap();
    p
}

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

#[test]
fn identical_results_pass_and_the_report_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &results(1, 1.0, 200.0));
    let cand = write(dir.path(), "cand.json", &results(2, 1.0, 200.0));
    let out = dir.path().join("reports/report.json");
    slogate()
        .args(["compare", "--format", "json", "-o"])
        .arg(&out)
        .arg(&base)
        .arg(&cand)
        .assert()
        .code(0);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["schema"], "slogate.comparison/1");
    assert_eq!(report["summary"]["benchmarks"], 5);
    assert_eq!(report["summary"]["regressions"], 0);
    // Without -o the report goes to stdout, in every format.
    for (format, mark) in [
        ("md", "<!-- slogate:report -->"),
        ("term", "5 benchmarks"),
        ("json", "\"key\": \"suite/b2\""),
        ("junit", "<testsuites"),
    ] {
        slogate()
            .args(["compare", "--format", format])
            .arg(&base)
            .arg(&cand)
            .assert()
            .code(0)
            .stdout(contains(mark));
    }
}

#[test]
fn a_regression_carries_its_interval_and_fails_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &results(1, 1.0, 200.0));
    let cand = write(dir.path(), "cand.json", &results(2, 1.10, 200.0));
    let run = |fail_on: &str, code: i32| {
        let out = slogate()
            .args([
                "compare",
                "--format",
                "json",
                "--seed",
                "7",
                "--fail-on",
                fail_on,
            ])
            .arg(&base)
            .arg(&cand)
            .assert()
            .code(code);
        serde_json::from_slice::<serde_json::Value>(&out.get_output().stdout).unwrap()
    };
    let report = run("breach,uncertain,missing", 0);
    let b2 = &report["benchmarks"][2];
    assert_eq!(b2["key"], "suite/b2");
    assert_eq!(b2["section"], "regression");
    let change = &b2["metrics"][0]["change"];
    assert_eq!(change["verdict"], "regression");
    let (lo, hi) = (
        change["ratio_low"].as_f64().unwrap(),
        change["ratio_high"].as_f64().unwrap(),
    );
    assert!(lo > 1.05 && hi < 1.15 && lo < hi, "{change}");
    assert_eq!(report["settings"]["seed"], 7);
    let again = run("regression", 1);
    let verdicts = |r: &serde_json::Value| -> Vec<(serde_json::Value, serde_json::Value)> {
        let bs = r["benchmarks"].as_array().unwrap();
        bs.iter()
            .map(|b| (b["section"].clone(), b["metrics"].clone()))
            .collect()
    };
    assert!(
        verdicts(&again) == verdicts(&report),
        "same seed, same verdicts"
    );
    assert_eq!(again["gate"]["fail_on"], "regression");
    assert_eq!(again["summary"]["failing"], 1);
}

#[test]
fn a_breach_fails_the_gate_and_still_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &results(1, 1.0, 90.0));
    let cand = write(dir.path(), "cand.json", &results(2, 1.0, 90.0));
    let out = dir.path().join("report.md");
    slogate()
        .arg("compare")
        .arg(&base)
        .arg(&cand)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(contains("SLO breached: execution_time < 90 us"));
    let report = std::fs::read_to_string(&out).unwrap();
    assert!(
        report.contains("SLO breaches") && report.contains("b0"),
        "{report}"
    );
    slogate()
        .args(["compare", "--fail-on", "regression"])
        .arg(&base)
        .arg(&cand)
        .assert()
        .code(0);
}

#[test]
fn a_missing_benchmark_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &results(1, 1.0, 200.0));
    let mut c = results(2, 1.0, 200.0);
    c.benchmarks.remove(4);
    let cand = write(dir.path(), "cand.json", &c);
    slogate()
        .arg("compare")
        .arg(&base)
        .arg(&cand)
        .assert()
        .code(1)
        .stderr(contains("suite/b4: missing from the candidate"));
}

#[test]
fn input_errors_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.json", &results(1, 1.0, 200.0));
    let text = std::fs::read_to_string(&good).unwrap();
    let mut negative = results(1, 1.0, 200.0);
    negative.benchmarks[1]
        .metrics
        .get_mut("execution_time")
        .unwrap()
        .processes[0][0] = -5.0;
    let negative = serde_json::to_string(&negative).unwrap();
    let nan = negative.replace("-5.0", "NaN");
    let bad: Vec<(&str, String, &str)> = vec![
        ("malformed.json", "{ not json".into(), "malformed.json"),
        ("truncated.json", text[..text.len() / 2].into(), "truncated"),
        (
            "other.json",
            text.replace(SCHEMA, "slogate.results/9"),
            "slogate.results/9",
        ),
        ("nan.json", nan, "nan.json"),
        ("negative.json", negative, "suite/b1"),
    ];
    for (name, content, needle) in bad {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        slogate()
            .arg("compare")
            .arg(&good)
            .arg(&p)
            .assert()
            .code(2)
            .stderr(contains(needle));
    }
    slogate()
        .arg("compare")
        .arg(dir.path().join("absent.json"))
        .arg(&good)
        .assert()
        .code(2)
        .stderr(contains("absent.json"));
    slogate()
        .args(["compare", "--fail-on", "breech"])
        .arg(&good)
        .arg(&good)
        .assert()
        .code(2)
        .stderr(contains("breech"));
}

/// For each `--fail-on` set, on files holding a breach, an uncertain SLO, regressions, crashes, a
/// missing and a skipped benchmark: the exit code, the headline of every format, the counts and
/// the sections all say the same thing, read from the one decision of the gate.
#[test]
fn headline_counts_sections_and_exit_code_agree_under_every_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let (b, c) = fixture::fixed_sides();
    let base = write(dir.path(), "base.json", &b);
    let cand = write(dir.path(), "cand.json", &c);
    let run = |fail_on: &str, format: &str| {
        let out = slogate()
            .args(["compare", "--seed", "42", "--format", format])
            .args(["--fail-on", fail_on])
            .arg(&base)
            .arg(&cand)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // (--fail-on, benchmarks failing, the failing part of the headline)
    let cases = [
        (
            "breach,uncertain,missing",
            8,
            "Gate failed: 3 crashed, 1 missing, 1 skipped, 1 SLO without data, 1 SLO breach, \
             1 uncertain SLO, among 18 benchmarks (--fail-on breach,uncertain,missing); \
             not gated: 2 regressions",
        ),
        (
            "regression",
            3,
            "Gate failed: 3 regressions, among 18 benchmarks (--fail-on regression); not gated: \
             3 crashed, 1 missing, 1 skipped, 1 SLO without data, 1 uncertain SLO",
        ),
        (
            "breach",
            1,
            "Gate failed: 1 SLO breach, among 18 benchmarks (--fail-on breach); not gated: \
             3 crashed, 1 missing, 1 skipped, 1 SLO without data, 1 uncertain SLO, 2 regressions",
        ),
        (
            "missing",
            6,
            "Gate failed: 3 crashed, 1 missing, 1 skipped, 1 SLO without data, among 18 \
             benchmarks (--fail-on missing); not gated: 1 SLO breach, 1 uncertain SLO, 2 regressions",
        ),
        (
            "none",
            0,
            "Gate passed: none of 18 benchmarks fails it (--fail-on none); not gated: 3 crashed, \
             1 missing, 1 skipped, 1 SLO without data, 1 SLO breach, 1 uncertain SLO, 2 regressions",
        ),
    ];
    for (fail_on, failing, headline) in cases {
        let (code, json, stderr) = run(fail_on, "json");
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        let expected_code = if failing > 0 { 1 } else { 0 };
        assert_eq!(code, expected_code, "--fail-on {fail_on}: {stderr}");
        assert_eq!(report["gate"]["passed"], failing == 0, "{fail_on}");
        assert_eq!(report["summary"]["failing"], failing, "{fail_on}");
        let benchmarks = report["benchmarks"].as_array().unwrap();
        let fails = |b: &serde_json::Value| {
            let findings = b["findings"].as_array().unwrap();
            findings.iter().any(|f| f["fails"] == true)
        };
        assert_eq!(benchmarks.iter().filter(|b| fails(b)).count(), failing);
        // stderr names one reason per failing finding, of failing benchmarks only.
        let named: std::collections::BTreeSet<&str> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("  ")?.split(": ").next())
            .collect();
        assert_eq!(named.len(), failing, "{fail_on}: {stderr}");

        // Markdown: the headline, the counts table and the section headers.
        let (md_code, md, _) = run(fail_on, "md");
        assert_eq!(md_code, expected_code);
        let mark = if failing > 0 { "❌" } else { "✅" };
        assert!(
            md.contains(&format!("**{mark} {headline}**")),
            "{fail_on}:\n{md}"
        );
        let counts = md
            .lines()
            .skip_while(|l| !l.starts_with("| Benchmarks |"))
            .nth(2)
            .unwrap();
        let counts: Vec<usize> = counts
            .split('|')
            .filter_map(|c| c.trim().parse().ok())
            .collect();
        assert_eq!(counts[0], 18);
        assert_eq!(counts[1..].iter().sum::<usize>(), 18, "each benchmark once");
        let sections = [
            "failed",
            "breach",
            "regression",
            "near",
            "improvement",
            "pass",
        ];
        for (i, section) in sections.iter().enumerate() {
            let n = benchmarks
                .iter()
                .filter(|b| b["section"] == *section)
                .count();
            assert_eq!(counts[i + 1], n, "{fail_on}: {section}");
            assert_eq!(
                report["summary"][[
                    "failed",
                    "breaches",
                    "regressions",
                    "near",
                    "improvements",
                    "passed"
                ][i]],
                n
            );
        }
        let gated_sections = md
            .lines()
            .filter(|l| l.starts_with("### ") && l.contains("fail the gate"))
            .count();
        assert_eq!(gated_sections > 0, failing > 0, "{fail_on}");

        // Terminal and JUnit say the same.
        let (term_code, term, _) = run(fail_on, "term");
        assert_eq!(term_code, expected_code);
        let word = if failing > 0 { "FAIL" } else { "PASS" };
        assert!(
            term.contains(&format!("{word}: {headline}")),
            "{fail_on}:\n{term}"
        );
        let (junit_code, junit, _) = run(fail_on, "junit");
        assert_eq!(junit_code, expected_code);
        let failures = junit.contains("<failure ");
        assert_eq!(failures, failing > 0, "{fail_on}");
    }
}

/// A `fail_on_breach` SLO file of `scenarios` names, two thresholds each.
fn slo_yaml(scenarios: &[String]) -> String {
    let mut y = String::from(
        "experiments:\n  - name: SLO Check\n    steps:\n      - name: SLO Check\n        run: fail_on_breach\n        scenarios:\n",
    );
    for name in scenarios {
        y.push_str(&format!(
            "          - name: {name}\n            thresholds:\n              - execution_time < 200 us\n              - max_rss_usage < 50 MB\n"
        ));
    }
    y
}

#[test]
fn a_whole_team_slo_file_on_a_small_run_stays_out_of_the_way() {
    let dir = tempfile::tempdir().unwrap();
    let six = |seed| {
        let mut r = results(seed, 1.0, 200.0);
        let mut extra = r.benchmarks[0].clone();
        extra.key = "suite/b5".into();
        extra.scenario = "b5".into();
        r.benchmarks.push(extra);
        r
    };
    let base = write(dir.path(), "base.json", &six(1));
    let cand = write(dir.path(), "cand.json", &six(2));
    // 6 benchmarks of the run and 134 others: 268 lines that match nothing.
    let names: Vec<String> = (0..6)
        .map(|i| format!("b{i}"))
        .chain((0..134).map(|i| format!("other_team_scenario_{i:03}")))
        .collect();
    let slo = dir.path().join("slos.yml");
    std::fs::write(&slo, slo_yaml(&names)).unwrap();
    let out = slogate()
        .args(["compare", "--slo"])
        .arg(&slo)
        .arg(&base)
        .arg(&cand)
        .assert()
        .code(0);
    let md = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let warning: String = md
        .lines()
        .skip_while(|l| !l.starts_with("> [!WARNING]"))
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        warning.contains("268 lines of the SLO file matched no benchmark"),
        "{warning}"
    );
    assert!(
        warning.chars().count() < 1_000,
        "{} chars:\n{warning}",
        warning.chars().count()
    );
    // The full list, folded right below the warning; the results come before any of it is open.
    let details = md
        .split("<details><summary>268 SLO lines matched no benchmark</summary>")
        .nth(1)
        .expect("a folded list")
        .split("</details>")
        .next()
        .unwrap();
    assert_eq!(details.matches("- other\\_team\\_scenario\\_").count(), 268);
    assert!(md.contains("| 6 |"), "counts of the 6 benchmarks:\n{md}");
}

#[test]
fn benchmarks_left_out_by_filter_are_neither_unmatched_nor_missing() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("suites/two/suite.toml");
    std::fs::create_dir_all(suite.parent().unwrap()).unwrap();
    std::fs::write(
        &suite,
        "[suite]\nname = \"two\"\n[defaults]\nprotocol = \"process\"\nprocesses = 2\nwarmups = 0\n\n\
         [[scenario]]\nname = \"kept\"\ncommand = [\"true\"]\n\n\
         [[scenario]]\nname = \"left_out\"\ncommand = [\"true\"]\n",
    )
    .unwrap();
    let slo = dir.path().join("slos.yml");
    let names = ["kept", "left_out", "gone"].map(String::from);
    std::fs::write(&slo, slo_yaml(&names)).unwrap();
    let base = dir.path().join("base.json");
    let run = |out: &Path| {
        let mut cmd = slogate();
        cmd.arg("run")
            .arg(&suite)
            .args(["--filter", "kept", "-o"])
            .arg(out);
        cmd
    };
    run(&base).assert().code(0);
    // `true` takes longer than the file's 200 us: the gate may fail, the list is what counts.
    let out = run(&dir.path().join("cand.json"))
        .arg("--compare")
        .arg(&base)
        .arg("--slo")
        .arg(&slo)
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("2 lines of the SLO file matched no benchmark"),
        "only `gone`'s two lines:\n{md}"
    );
    assert!(
        md.contains("- gone: execution\\_time") && !md.contains("- left\\_out:"),
        "{md}"
    );

    // Against a baseline of the whole suite, the left-out benchmark is not missing either.
    let full = dir.path().join("full.json");
    slogate()
        .arg("run")
        .arg(&suite)
        .arg("-o")
        .arg(&full)
        .assert()
        .code(0);
    let out = run(&dir.path().join("cand2.json"))
        .arg("--compare")
        .arg(&full)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = report["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["two/kept"]);
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("1 benchmark(s) of the baseline were left out")),
        "{report}"
    );
}

/// An accept file of one entry for `suite/b2`'s time, up to +10%, expiring as given.
fn accept_file(dir: &Path, benchmark: &str, expires: &str) -> PathBuf {
    let p = dir.join("accept.toml");
    std::fs::write(
        &p,
        format!(
            "# acknowledged changes\n[[accept]]\nbenchmark = \"{benchmark}\"\nmetric = \"execution_time\"\n\
             max = \"+10%\"\nreason = \"the parser now streams its input\"\nexpires = {expires}\n"
        ),
    )
    .unwrap();
    p
}

/// `compare --accept` of a baseline and a candidate whose `suite/b2` is `factor` times slower:
/// exit code, markdown report, stderr.
fn compare_accepting(
    dir: &Path,
    factor: f64,
    accept: &Path,
    fail_on: &str,
) -> (i32, String, String) {
    let base = write(dir, "base.json", &results(1, 1.0, 200.0));
    let cand = write(dir, "cand.json", &results(2, factor, 200.0));
    let out = slogate()
        .args(["compare", "--seed", "7", "--fail-on", fail_on, "--accept"])
        .arg(accept)
        .arg(&base)
        .arg(&cand)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn an_accepted_regression_passes_with_its_reason_and_a_larger_one_fails() {
    let dir = tempfile::tempdir().unwrap();
    let accept = accept_file(dir.path(), "suite/b2", "2099-12-31");
    for fail_on in ["breach,uncertain,missing", "regression"] {
        let (code, md, err) = compare_accepting(dir.path(), 1.08, &accept, fail_on);
        assert_eq!(code, 0, "--fail-on {fail_on}: {err}\n{md}");
        assert!(md.contains("**Accepted changes**"), "{md}");
        assert!(md.contains("suite/b2 execution\\_time: \\+8."), "{md}");
        assert!(md.contains("accepted (up to +10.0%, "), "{md}");
        assert!(
            md.contains("accept.toml:2): the parser now streams its input"),
            "{md}"
        );
        assert!(md.contains("**✅ Gate passed"), "{md}");
    }
    // Without the accept file the same change is a regression (failing under `regression`).
    let base = dir.path().join("base.json");
    let cand = dir.path().join("cand.json");
    slogate()
        .args(["compare", "--seed", "7", "--fail-on", "regression"])
        .arg(&base)
        .arg(&cand)
        .assert()
        .code(1);

    for fail_on in ["breach,uncertain,missing", "regression"] {
        let (code, md, err) = compare_accepting(dir.path(), 1.12, &accept, fail_on);
        assert_eq!(code, 1, "--fail-on {fail_on}: {md}");
        assert!(
            err.contains("suite/b2: execution_time regressed by +12.")
                && err.contains("more than the +10.0% its accept entry (")
                && err.contains("accept.toml:2: the parser now streams its input) allows"),
            "{err}"
        );
        assert!(md.contains("1 unaccepted change"), "{md}");
        assert!(!md.contains("**Accepted changes**"), "{md}");
    }
    // `--fail-on none` fails on nothing, an accept file included.
    assert_eq!(compare_accepting(dir.path(), 1.12, &accept, "none").0, 0);
}

#[test]
fn an_expired_entry_fails_and_says_so_and_an_unmatched_one_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let accept = accept_file(dir.path(), "suite/b2", "2020-01-31");
    let (code, md, err) = compare_accepting(dir.path(), 1.08, &accept, "breach,uncertain,missing");
    assert_eq!(code, 1, "{md}");
    assert!(
        err.contains("suite/b2: execution_time regressed by +8.")
            && err.contains("accept.toml:2) expired on 2020-01-31"),
        "{err}"
    );
    assert!(
        md.contains("expired on 2020-01-31: renew it or remove it"),
        "{md}"
    );

    let unmatched = accept_file(dir.path(), "suite/gone_*", "2099-12-31");
    let (code, md, err) =
        compare_accepting(dir.path(), 1.0, &unmatched, "breach,uncertain,missing");
    assert_eq!(code, 0, "{err}");
    assert!(
        md.contains("> ⚠️ accept entry ") && md.contains("matches no benchmark of this comparison"),
        "{md}"
    );
}

#[test]
fn an_entry_expires_after_its_commit_count() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "accepted here"]);
    let since = git(&["rev-parse", "HEAD"]);
    let run = |allowed: u32| {
        let accept = accept_file(
            dir.path(),
            "suite/b2",
            &format!("{{ commits = {allowed}, since = \"{since}\" }}"),
        );
        let base = write(dir.path(), "base.json", &results(1, 1.0, 200.0));
        let cand = write(dir.path(), "cand.json", &results(2, 1.08, 200.0));
        slogate()
            .current_dir(dir.path())
            .args(["compare", "--seed", "7", "--accept"])
            .arg(&accept)
            .arg(&base)
            .arg(&cand)
            .output()
            .unwrap()
    };
    git(&["commit", "-q", "--allow-empty", "-m", "one"]);
    git(&["commit", "-q", "--allow-empty", "-m", "two"]);
    assert_eq!(run(2).status.code(), Some(0));
    let over = run(1);
    assert_eq!(over.status.code(), Some(1));
    let err = String::from_utf8_lossy(&over.stderr);
    assert!(
        err.contains(&format!(
            "the candidate is 2 commits past {since}, more than the 1 allowed"
        )),
        "{err}"
    );
}

#[test]
fn a_bad_accept_file_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &results(1, 1.0, 200.0));
    let accept = accept_file(dir.path(), "suite/b2", "2099-12-31");
    let text = std::fs::read_to_string(&accept).unwrap();
    std::fs::write(&accept, text.replace("+10%", "a lot")).unwrap();
    slogate()
        .args(["compare", "--accept"])
        .arg(&accept)
        .arg(&base)
        .arg(&base)
        .assert()
        .code(2)
        .stderr(contains(
            "accept.toml:5: max `a lot` is not a change such as `+10%`",
        ));
    // `run` and `ab` take the same flag through the shared report arguments.
    for command in ["run", "ab"] {
        slogate()
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(contains("--accept <FILE>"));
    }
}

/// Checks a "create a check run" payload against that call's schema as GitHub documents it
/// (REST API, checks/runs, "Create a check run"): the required fields, their enumerations, the
/// 65,535-character summary, at most 50 annotations, each with path, lines, level and message,
/// a title of at most 255 characters and a message of at most 64 KB, and no field the call does
/// not take.
fn check_run_payload_errors(v: &serde_json::Value) -> Vec<String> {
    let mut errors = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            errors.push(what);
        }
    };
    let obj = v.as_object().expect("an object");
    let known = [
        "name",
        "head_sha",
        "details_url",
        "external_id",
        "status",
        "started_at",
        "conclusion",
        "completed_at",
        "output",
        "actions",
    ];
    for k in obj.keys() {
        check(known.contains(&k.as_str()), format!("unknown field {k}"));
    }
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    check(
        text(&v["name"]).is_some_and(|s| !s.is_empty()),
        "name".into(),
    );
    check(
        text(&v["head_sha"]).is_some_and(|s| !s.is_empty()),
        "head_sha".into(),
    );
    let status = text(&v["status"]).unwrap_or_default();
    check(
        [
            "queued",
            "in_progress",
            "completed",
            "waiting",
            "requested",
            "pending",
        ]
        .contains(&status.as_str()),
        format!("status {status}"),
    );
    let conclusion = text(&v["conclusion"]);
    check(
        status != "completed" || conclusion.is_some(),
        "a completed run needs a conclusion".into(),
    );
    if let Some(c) = &conclusion {
        check(
            [
                "action_required",
                "cancelled",
                "failure",
                "neutral",
                "success",
                "skipped",
                "stale",
                "timed_out",
            ]
            .contains(&c.as_str()),
            format!("conclusion {c}"),
        );
    }
    let output = &v["output"];
    for k in output.as_object().expect("output").keys() {
        check(
            ["title", "summary", "text", "annotations", "images"].contains(&k.as_str()),
            format!("unknown output field {k}"),
        );
    }
    check(text(&output["title"]).is_some(), "output.title".into());
    let summary = text(&output["summary"]).unwrap_or_default();
    check(
        !summary.is_empty() && summary.encode_utf16().count() <= 65_535,
        format!(
            "output.summary of {} UTF-16 units",
            summary.encode_utf16().count()
        ),
    );
    let annotations = output["annotations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    check(
        annotations.len() <= 50,
        format!("{} annotations", annotations.len()),
    );
    for (i, a) in annotations.iter().enumerate() {
        for k in a.as_object().expect("annotation").keys() {
            check(
                [
                    "path",
                    "start_line",
                    "end_line",
                    "start_column",
                    "end_column",
                    "annotation_level",
                    "message",
                    "title",
                    "raw_details",
                ]
                .contains(&k.as_str()),
                format!("annotation {i}: unknown field {k}"),
            );
        }
        check(
            text(&a["path"]).is_some_and(|p| !p.is_empty()),
            format!("annotation {i}: path"),
        );
        let (start, end) = (a["start_line"].as_u64(), a["end_line"].as_u64());
        check(
            start.is_some_and(|s| s >= 1) && end >= start,
            format!("annotation {i}: lines {start:?}..{end:?}"),
        );
        check(
            ["notice", "warning", "failure"]
                .contains(&text(&a["annotation_level"]).unwrap_or_default().as_str()),
            format!("annotation {i}: level"),
        );
        check(
            text(&a["message"]).is_some_and(|m| !m.is_empty() && m.len() <= 64 * 1024),
            format!("annotation {i}: message"),
        );
        check(
            a.get("title")
                .is_none_or(|t| t.as_str().is_some_and(|t| t.chars().count() <= 255)),
            format!("annotation {i}: title"),
        );
    }
    errors
}

/// `compare --format github-check` of `base` and `cand`, the exit code and the parsed payload.
fn check_run(base: &Path, cand: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = slogate()
        .current_dir(base.parent().unwrap())
        .args(["compare", "--format", "github-check", "--seed", "7"])
        .args(extra)
        .arg(base)
        .arg(cand)
        .output()
        .unwrap();
    let payload = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), payload)
}

#[test]
fn the_check_run_payload_fits_the_checks_api() {
    let dir = tempfile::tempdir().unwrap();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let base = write(dir.path(), "base.json", &results(1, 1.0, 200.0));
    let slower = write(dir.path(), "slower.json", &results(2, 1.08, 200.0));
    let accept = accept_file(dir.path(), "suite/b2", "2099-12-31");
    // In a repository, annotation paths are relative to its top, as the Checks API wants them.
    let init = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(init.success());

    // Passing, with an accepted change: success, one notice on the accept entry's line.
    let accepted = ["--check-sha", sha, "--accept", accept.to_str().unwrap()];
    let (code, v) = check_run(&base, &slower, &accepted);
    assert_eq!(code, 0);
    assert_eq!(check_run_payload_errors(&v), Vec::<String>::new());
    assert_eq!(v["head_sha"], sha);
    assert_eq!(v["status"], "completed");
    assert_eq!(v["conclusion"], "success");
    assert!(v["output"]["title"]
        .as_str()
        .unwrap()
        .starts_with("✅ Gate passed"));
    assert!(v["output"]["summary"]
        .as_str()
        .unwrap()
        .contains("**Accepted changes**"));
    let notes = v["output"]["annotations"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{v}");
    assert_eq!(notes[0]["annotation_level"], "notice");
    assert_eq!(notes[0]["path"], "accept.toml");
    assert_eq!(notes[0]["start_line"], 2);
    assert!(notes[0]["message"]
        .as_str()
        .unwrap()
        .contains("the parser now streams its input"));

    // 60 benchmarks breaching their SLO: failure, the first 50 annotated, the summary in bounds.
    let many = |seed: u64| {
        let mut f = results(seed, 1.0, 50.0);
        let one = f.benchmarks.clone();
        f.benchmarks = (0..12)
            .flat_map(|r| {
                one.iter().map(move |b| {
                    let mut b = b.clone();
                    b.scenario = format!("r{r}_{}", b.scenario);
                    b.key = format!("suite/{}", b.scenario);
                    b
                })
            })
            .collect();
        f
    };
    let base = write(dir.path(), "many-base.json", &many(1));
    let cand = write(dir.path(), "many-cand.json", &many(2));
    let (code, v) = check_run(&base, &cand, &["--check-sha", sha]);
    assert_eq!(code, 1);
    assert_eq!(check_run_payload_errors(&v), Vec::<String>::new());
    assert_eq!(v["conclusion"], "failure");
    let failures = v["output"]["annotations"].as_array().unwrap();
    assert_eq!(failures.len(), 50);
    assert!(failures.iter().all(|a| a["annotation_level"] == "failure"
        && a["message"]
            .as_str()
            .unwrap()
            .starts_with("SLO breached: execution_time < 50 us")));

    // The validator itself rejects what the call refuses.
    let mut bad = v.clone();
    bad["output"]["summary"] = "x".repeat(65_536).into();
    bad["output"]["annotations"][0]["annotation_level"] = "error".into();
    bad["output"]["annotations"][1]["title"] = "t".repeat(256).into();
    bad["conclusion"] = "passed".into();
    assert_eq!(check_run_payload_errors(&bad).len(), 4);

    // Without a commit to attach the check to, a clear error rather than an invalid payload.
    slogate()
        .args(["compare", "--format", "github-check"])
        .arg(&base)
        .arg(&cand)
        .assert()
        .code(2)
        .stderr(contains("pass --check-sha SHA"));
}

#[test]
fn an_undecided_budget_run_says_what_it_resolves_and_only_from_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let (mut b, mut c) = fixture::undecided_sides();
    let base = write(dir.path(), "base.json", &b);
    let cand = write(dir.path(), "cand.json", &c);
    let report = |format: &str, base: &Path, cand: &Path| {
        let out = slogate()
            .args(["compare", "--format", format])
            .arg(base)
            .arg(cand)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let md = report("md", &base, &cand);
    assert!(
        md.contains(
            "- cpu/noisy: undecided after 6 rounds: this run resolves changes beyond ±12.3% (the \
             data rule out anything larger); ±5.0% needs about 41 rounds: the budget cannot reach \
             it at this machine's noise"
        ),
        "{md}"
    );
    assert!(
        md.contains("- cpu/sits: undecided after 6 rounds: this run resolves changes beyond ±8.1%")
    );
    assert!(md.contains(
        "cpu/evil &#124; &lt;b&gt;x&lt;/b&gt; @\u{2060}org/team: undecided after 6 rounds"
    ));
    assert!(!md.contains("cpu/quiet: undecided after"), "{md}");
    let term = report("term", &base, &cand);
    assert!(
        term.contains(
            "  cpu/noisy: undecided after 6 rounds: this run resolves changes beyond +/-12.3% (the \
             data rule out anything larger); +/-5.0% needs about 41 rounds: the budget cannot \
             reach it at this machine's noise\n"
        ),
        "{term}"
    );
    let json = report("json", &base, &cand);
    assert!(json.contains("\"predicted_rounds\": 41"), "{json}");

    // Without the record: still undecided, but nothing claims what the run resolves.
    for f in [&mut b, &mut c] {
        f.meta.analysis.as_mut().unwrap().rounds.clear();
    }
    let base = write(dir.path(), "base-bare.json", &b);
    let cand = write(dir.path(), "cand-bare.json", &c);
    let md = report("md", &base, &cand);
    assert!(md.contains("Undecided (3 benchmarks)"), "{md}");
    assert!(!md.contains("undecided after"), "{md}");
    assert!(!report("term", &base, &cand).contains("undecided after"));
    assert!(!report("json", &base, &cand).contains("resolution"));
}

/// `--one-sided`: the same paired files, whose +8.5% two-sided 95% interval reaches under a 6.2%
/// threshold, are a regression when tested one-sided, and the report says how it tested.
#[test]
fn one_sided_flags_what_two_sided_leaves_undecided_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let steps = [
        1.02, 1.16, 1.05, 1.12, 1.07, 1.10, 1.08, 1.11, 1.06, 1.13, 1.09, 1.04,
    ];
    let side = |seed: u64, ratio: &dyn Fn(usize) -> f64| {
        let mut f = results(seed, 1.0, 1e6);
        f.meta.pairing = Some("pairs".into());
        f.benchmarks.truncate(1);
        f.benchmarks[0].thresholds.clear();
        let mut m = MetricSamples::new(Unit::Nanoseconds);
        m.processes = (0..steps.len()).map(|i| vec![1e5 * ratio(i)]).collect();
        f.benchmarks[0].metrics = BTreeMap::from([(metric::EXECUTION_TIME.to_string(), m)]);
        f
    };
    let base = write(dir.path(), "base.json", &side(1, &|_| 1.0));
    let cand = write(dir.path(), "cand.json", &side(2, &|i| steps[i]));
    let run = |extra: &[&str]| {
        let out = slogate()
            .args(["compare", "--noise-threshold", "6.2%", "--format", "json"])
            .args(["--fail-on", "regression"])
            .args(extra)
            .arg(&base)
            .arg(&cand)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), report)
    };
    let verdict = |r: &serde_json::Value| r["benchmarks"][0]["metrics"][0]["change"].clone();
    let (code, two) = run(&[]);
    assert_eq!(code, Some(0));
    assert_eq!(verdict(&two)["verdict"], "unstable", "{two}");
    assert!(two["settings"].get("sides").is_none());
    let (code, one) = run(&["--one-sided"]);
    assert_eq!(code, Some(1));
    assert_eq!(verdict(&one)["verdict"], "regression", "{one}");
    assert_eq!(one["settings"]["sides"], "one-sided");
    assert!(verdict(&one)["ratio_low"].as_f64() > verdict(&two)["ratio_low"].as_f64());
    slogate()
        .args(["compare", "--one-sided", "--noise-threshold", "6.2%"])
        .arg(&base)
        .arg(&cand)
        .assert()
        .stdout(contains(
            "95% confidence one-sided, FDR 5% among regressions and among improvements each",
        ));
}

/// A limit twice the estimate catches no regression under +100%: the report lists it, at the
/// margin `--loose-limit` sets (`0` lists none).
#[test]
fn limits_far_from_their_estimate_are_listed_as_loose() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &results(1, 1.0, 200.0));
    let cand = write(dir.path(), "cand.json", &results(2, 1.0, 200.0));
    let loose = |extra: &[&str]| {
        let out = slogate()
            .args(["compare", "--format", "json"])
            .args(extra)
            .arg(&base)
            .arg(&cand)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["loose_slos"].as_array().cloned().unwrap_or_default()
    };
    // execution_time < 200 us on ~100 us: 100% from the estimate; max_rss_usage < 50 MB on
    // ~40 MB: 25%.
    let listed = loose(&[]);
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert!(listed
        .iter()
        .all(|l| l["line"] == "execution_time < 200 us"));
    assert_eq!(loose(&["--loose-limit", "20%"]).len(), 10);
    assert!(loose(&["--loose-limit", "0"]).is_empty());
    slogate()
        .args(["compare"])
        .arg(&base)
        .arg(&cand)
        .assert()
        .stdout(contains(
            "🪶 5 SLO limits sit 50% or more from the estimate: no smaller regression breaches them",
        ))
        .stdout(contains(
            "- suite/b0: execution\\_time &lt; 200 us (the limit sits 100% from the estimate)",
        ));
}
