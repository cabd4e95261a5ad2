//! `slogate compare --profiles`: the profiles `ab --profile` wrote beside its results, shown again
//! by the real binary from the files alone (as the pull-request comment job does), escaped, with
//! flame graphs named and never followed; a bad profiles file is an error naming it.

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Results files of one `ab --profile=all` run of two benchmarks, committed as an example.
fn example(side: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../reports/examples/asyncio-profiler-profile-ddtrace-4.15.7-vs-4.16.0")
        .join(format!("{side}.json"))
}

const PROFILED: &str = "asyncio-profiler/task-group[profiler=ddtrace]";
const UNPROFILED: &str = "asyncio-profiler/task-group[profiler=off]";

fn profile(function: &str, flame_graph: &str) -> serde_json::Value {
    json!([
        {
            "key": PROFILED,
            "outcome": {"Ok": {
                "source": "pprof",
                "unit": "nanoseconds of cpu-time",
                "runs": [2, 2],
                "total": [1000.0, 1300.0],
                "functions": [
                    {"name": function, "self_cost": [100.0, 400.0], "inclusive": [200.0, 500.0]},
                    {"name": "sleep (asyncio/tasks.py)", "self_cost": [900.0, 900.0], "inclusive": [900.0, 900.0]}
                ],
                "stacks": [{"stack": ["main", function], "cost": [100.0, 400.0]}],
                "flame_graph": flame_graph,
                "note": null,
                "scaled_to": 1.3
            }}
        },
        {"key": UNPROFILED, "outcome": {"Err": "no pprof file in the benchmark's {tmp}\nsecond line"}}
    ])
}

fn compare(profiles: &Path) -> assert_cmd::assert::Assert {
    Command::cargo_bin("slogate")
        .unwrap()
        .args(["compare", "--format", "md", "--fail-on", "none"])
        .arg(example("baseline"))
        .arg(example("candidate"))
        .arg("--profiles")
        .arg(profiles)
        .assert()
}

#[test]
fn compare_shows_the_profiles_file_escaped_with_flame_graphs_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.json");
    let hostile = "@octocat <img src=x> | *wrap*";
    let body = profile(hostile, "/elsewhere/../../etc/x_y.svg").to_string();
    std::fs::write(&path, body).unwrap();
    let out = compare(&path).success().get_output().stdout.clone();
    let report = String::from_utf8(out).unwrap();
    assert!(
        report.contains("<details><summary>🔎 Where <b>task-group (profiler=ddtrace)</b> changed (pprof: nanoseconds of cpu-time per process, 2 processes per side)</summary>"),
        "{report}"
    );
    assert!(
        report.contains("| @\u{2060}octocat &lt;img src=x&gt; &#124; \\*wrap\\* | 100.000ns (10.0%) | 400.000ns (30.8%) | +300.000ns (+30.0% of the baseline) | +300.000ns |"),
        "{report}"
    );
    assert!(
        report.contains("Differential flame graph: profiles/x\\_y.svg"),
        "{report}"
    );
    assert!(
        !report.contains("elsewhere") && !report.contains("etc/"),
        "{report}"
    );
    assert!(
        report.contains("🔎 **task-group (profiler=off)**: not profiled: no pprof file in the benchmark's {tmp}\n"),
        "{report}"
    );

    // A path that is not an SVG's is not shown at all.
    std::fs::write(&path, profile("f", "/etc/passwd").to_string()).unwrap();
    let out = compare(&path).success().get_output().stdout.clone();
    let report = String::from_utf8(out).unwrap();
    assert!(report.contains("Where <b>task-group (profiler=ddtrace)</b> changed"));
    assert!(!report.contains("Differential flame graph") && !report.contains("passwd"));
}

#[test]
fn a_bad_profiles_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.json");
    let name = path.display().to_string();
    let mut negative = profile("f", "x.svg");
    negative[0]["outcome"]["Ok"]["functions"][0]["self_cost"][0] = json!(-1.0);
    let mut twice = profile("f", "x.svg");
    twice[1]["key"] = json!(PROFILED);
    let cases = [
        ("{\"key\": \"a\"}".to_string(), format!("{name}:1: not a profiles file (a list of `ab --profile` profiles): invalid type: map, expected a sequence\n")),
        ("[{\"key\": \"a\",\n \"outcome\": 3}]".to_string(), format!("{name}:2:")),
        (negative.to_string(), format!("{name}: `{PROFILED}`: costs must be numbers of zero or more")),
        (twice.to_string(), format!("{name}: `{PROFILED}` is profiled twice")),
    ];
    for (body, error) in cases {
        std::fs::write(&path, &body).unwrap();
        compare(&path).code(2).stderr(contains(error.as_str()));
    }
    compare(&dir.path().join("missing.json"))
        .code(2)
        .stderr(contains("missing.json: cannot read the profiles file"));
}
