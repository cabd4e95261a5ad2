//! `slogate ab --profile` end to end: the real binary, real profilers (py-spy, valgrind's
//! callgrind), workloads with one function made 30% slower in the candidate.

mod support;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/profile")
        .join(name)
}

/// PATH with `tool`'s directory first, so that slogate finds the tests' own copy.
fn path_with(tool: &Path) -> String {
    let dir = tool.parent().expect("a tool path has a directory");
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Runs `ab` on `suite` with `args`; the exit status and the markdown report.
fn ab(suite: &Path, out: &Path, path: &str, args: &[&str]) -> (bool, String) {
    let output = Command::cargo_bin("slogate")
        .unwrap()
        .current_dir(suite)
        .env("PATH", path)
        .args(["ab", "--results-dir"])
        .arg(out)
        .arg("--report")
        .arg(out.join("report.md"))
        .args(args)
        .arg(".")
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let report = std::fs::read_to_string(out.join("report.md")).unwrap_or_else(|e| {
        panic!(
            "no report ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.success(), report)
}

/// The function names of the "where it changed" table, in order.
fn table_functions(report: &str) -> Vec<String> {
    let start = report
        .find("🔎 Where")
        .unwrap_or_else(|| panic!("no profile in:\n{report}"));
    report[start..]
        .lines()
        .skip_while(|l| !l.starts_with("|:--"))
        .skip(1)
        .take_while(|l| l.starts_with("| "))
        .map(|l| {
            l.split(" | ")
                .next()
                .unwrap()
                .trim_start_matches("| ")
                .to_string()
        })
        .collect()
}

/// True when every row of the "where it changed" table has a ± in its self change.
fn table_rows_have_margins(report: &str) -> bool {
    let start = report.find("🔎 Where").unwrap_or(0);
    report[start..]
        .lines()
        .skip_while(|l| !l.starts_with("|:--"))
        .skip(1)
        .take_while(|l| l.starts_with("| "))
        .all(|l| l.split(" | ").nth(3).is_some_and(|c| c.contains(" ± ")))
}

#[test]
fn py_spy_puts_the_slowed_python_function_first() {
    let test = "py_spy_puts_the_slowed_python_function_first";
    let Some(python) = support::python(test) else {
        return;
    };
    let Some(py_spy) = support::require(test, "py-spy", "pip install py-spy") else {
        return;
    };
    // Wall-clock samples on a machine busier than its cores charge each wait for a CPU to the
    // function that was running: a few tries, bounded (harness/benches/profile_top.sh counts).
    const TRIES: usize = 3;
    let var = format!("python={}", python.display());
    let mut heads = Vec::new();
    for _ in 0..TRIES {
        let out = tempfile::tempdir().unwrap();
        let (ok, report) = ab(
            &fixture("python"),
            out.path(),
            &path_with(&py_spy),
            &[
                "--var",
                &var,
                "--candidate-var",
                "slow=1.3",
                "--profile=all",
            ],
        );
        assert!(ok, "{report}");
        assert!(report.contains("(py-spy: samples per process, 8 processes per side)"));
        // Sampled changes carry their uncertainty, from the spread between processes.
        assert!(report.contains("± is half the 95% interval"), "{report}");
        assert!(table_rows_have_margins(&report), "{report}");
        let svg = std::fs::read_to_string(out.path().join("profiles/three_functions.svg")).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("render (three_functions.py)"));
        heads.push(table_functions(&report).remove(0));
        if heads.last().unwrap() == "render (three\\_functions.py)" {
            return;
        }
    }
    panic!("the slowed function headed none of {TRIES} tables: {heads:?}");
}

#[test]
fn callgrind_puts_the_slowed_native_function_first() {
    let test = "callgrind_puts_the_slowed_native_function_first";
    let Some(cc) = support::require(test, "cc", "apt-get install gcc") else {
        return;
    };
    let Some(valgrind) = support::require(test, "valgrind", "apt-get install valgrind") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let binary = out.path().join("three");
    let built = std::process::Command::new(cc)
        .args(["-O1", "-g", "-o"])
        .arg(&binary)
        .arg(fixture("native/three.c"))
        .status()
        .unwrap();
    assert!(built.success());
    let var = format!("binary={}", binary.display());
    let (ok, report) = ab(
        &fixture("native"),
        out.path(),
        &path_with(&valgrind),
        &[
            "--var",
            &var,
            "--candidate-var",
            "slow=1.3",
            "--profile=all",
        ],
    );
    assert!(ok, "{report}");
    let functions = table_functions(&report);
    assert_eq!(functions[0], "render", "{report}");
    // Exact counts: `render` runs 30% more of the same loop, and `parse` and `store` do not move.
    let ratio = |name: &str| {
        let row = report
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no row for {name}"));
        let cost = |cell: &str| -> f64 {
            let number = cell.split_whitespace().next().unwrap();
            number.trim_end_matches('M').parse::<f64>().unwrap()
        };
        let cells: Vec<&str> = row.split(" | ").collect();
        cost(cells[2]) / cost(cells[1])
    };
    assert!((ratio("render") - 1.3).abs() < 0.01, "{report}");
    // Every other function's change is under a million instructions (start-up's few).
    let rows = report
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Function"));
    for row in rows.filter(|l| !l.starts_with("| render |") && l.contains("of the baseline")) {
        let change = row
            .split(" | ")
            .nth(3)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap();
        assert!(!change.ends_with('M') && !change.ends_with('G'), "{row}");
    }
    assert!(report.contains("(callgrind: instructions per process, 1 processes per side)"));
    // Exact counts: no margin, ordered by size.
    assert!(!report.contains(" ± "), "{report}");
    assert!(!report.contains("\\_PyEval\\_EvalFrameDefault"));

    // From the files alone, as the pull-request comment job renders it: the same table, the flame
    // graph named under `profiles/` beside the profiles file.
    let again = Command::cargo_bin("slogate")
        .unwrap()
        .current_dir(out.path())
        .args([
            "compare",
            "baseline.json",
            "candidate.json",
            "--profiles",
            "profiles.json",
        ])
        .output()
        .unwrap();
    assert!(again.status.success());
    let again = String::from_utf8(again.stdout).unwrap();
    let section = |r: &str| {
        let start = r.find("<details><summary>🔎").expect("a profile section");
        r[start..]
            .lines()
            .take_while(|l| !l.starts_with("Whole profile"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(section(&again), section(&report));
    let svg = std::fs::read_dir(out.path().join("profiles"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let name = svg.file_name().into_string().unwrap().replace('_', "\\_");
    assert!(
        again.contains(&format!("Differential flame graph: profiles/{name}\n")),
        "{again}"
    );
}

#[test]
fn callgrind_on_python_says_the_frames_are_the_interpreters() {
    let test = "callgrind_on_python_says_the_frames_are_the_interpreters";
    let Some(python) = support::python(test) else {
        return;
    };
    let Some(valgrind) = support::require(test, "valgrind", "apt-get install valgrind") else {
        return;
    };
    // The Python suite, its source switched to callgrind.
    let dir = tempfile::tempdir().unwrap();
    for file in ["suite.toml", "three_functions.py"] {
        let text = std::fs::read_to_string(fixture("python").join(file)).unwrap();
        let text = text.replace("profile = \"py-spy\"", "profile = \"callgrind\"");
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let var = format!("python={}", python.display());
    let (ok, report) = ab(
        dir.path(),
        out.path(),
        &path_with(&valgrind),
        &[
            "--var",
            &var,
            "--var",
            "work=2000",
            "--candidate-var",
            "slow=1.3",
            "--profile=all",
            "--processes",
            "1",
        ],
    );
    assert!(ok, "{report}");
    assert!(
        report.contains("Under valgrind a Python workload's frames are the interpreter's own C functions (\\_PyEval\\_EvalFrameDefault)"),
        "{report}"
    );
}

#[test]
fn a_workload_that_cannot_be_profiled_gets_its_verdict_and_one_line() {
    let out = tempfile::tempdir().unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    // Two fixed rounds: this test is about profiling, and two pairs can flag nothing, so only
    // `--profile=all` profiles the benchmark.
    let (ok, report) = ab(
        &fixture("unprofiled"),
        out.path(),
        &path,
        &["--profile=all", "--processes", "2"],
    );
    assert!(ok, "{report}");
    assert!(report.contains("| ✅ | shell |"), "{report}");
    let line = report
        .lines()
        .find(|l| l.contains("not profiled"))
        .unwrap_or_else(|| panic!("no reason in:\n{report}"));
    assert_eq!(
        line,
        "🔎 **shell**: not profiled: no profile source: set \\`profile = &quot;py-spy&quot;\\`, \\`&quot;callgrind&quot;\\` or \\`&quot;pprof&quot;\\` in its suite"
    );
    // Without `=all` only flagged benchmarks are profiled: an unchanged one is not.
    let out = tempfile::tempdir().unwrap();
    let (ok, report) = ab(
        &fixture("unprofiled"),
        out.path(),
        &path,
        &["--profile", "--processes", "2"],
    );
    assert!(ok && !report.contains("not profiled"), "{report}");
}

#[test]
fn py_spy_on_a_program_that_is_no_python_is_a_reason_not_a_failure() {
    let test = "py_spy_on_a_program_that_is_no_python_is_a_reason_not_a_failure";
    let Some(py_spy) = support::require(test, "py-spy", "pip install py-spy") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let (ok, report) = ab(
        &fixture("python"),
        out.path(),
        &path_with(&py_spy),
        &["--var", "python=true", "--profile=all"],
    );
    assert!(ok, "{report}");
    let line = report.lines().find(|l| l.contains("not profiled")).unwrap();
    assert!(
        line.starts_with("🔎 **functions**: not profiled: the baseline profiling run failed: ")
            && line.contains("No python processes found"),
        "{line}"
    );
}

#[test]
fn a_benchmark_of_a_process_of_several_is_profiled_by_its_whole_process() {
    let test = "a_benchmark_of_a_process_of_several_is_profiled_by_its_whole_process";
    let Some(python) = support::python(test) else {
        return;
    };
    let Some(py_spy) = support::require(test, "py-spy", "pip install py-spy") else {
        return;
    };
    // One pytest process measures three tests: none has a process of its own to profile.
    let suite = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/test_pytest_bench.py"),
        suite.path().join("test_pytest_bench.py"),
    )
    .unwrap();
    std::fs::write(
        suite.path().join("suite.toml"),
        "[suite]\nname = \"bench\"\nprofile = \"py-spy\"\n\n[vars]\npython = \"python3\"\n\n\
         [defaults]\nprotocol = \"pytest-benchmark\"\nprocesses = 2\nvalues = 3\nwarmups = 0\n\
         timeout = \"120s\"\n\n[[scenario]]\nname = \"all\"\n\
         command = [\"{python}\", \"-m\", \"pytest\", \"test_pytest_bench.py\"]\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let var = format!("python={}", python.display());
    let (ok, report) = ab(
        suite.path(),
        out.path(),
        &path_with(&py_spy),
        &["--var", &var, "--profile=all", "--processes", "2"],
    );
    assert!(ok, "{report}");
    assert!(!report.contains("not profiled"), "{report}");
    let whole = "8 processes per side; the whole process of bench/all, with the other benchmarks \
                 it measures, unscaled)";
    assert_eq!(report.matches(whole).count(), 3, "{report}");
    // The process's own frames: pytest's, around the tests'.
    for name in ["bench_all_test_sum_loop", "bench_all_test_other"] {
        let svg = std::fs::read_to_string(out.path().join(format!("profiles/{name}.svg"))).unwrap();
        assert!(svg.contains("pytest_cmdline_parse"), "{name}.svg");
    }
}
