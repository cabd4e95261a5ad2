//! Sixty synthetic nightly runs with a planted +8% step (one benchmark's execution time, from night
//! 35) and a slow memory drift (+0.3% a night from night 20 in another): `trend` must report both
//! at the right commits and draw them; `slo suggest` must propose limits from the recent level.

mod history_support;

use assert_cmd::Command;
use history_support::{commit, key, write_nights, Plan};
use slogate::slo::threshold::parse_threshold;
use std::path::{Path, PathBuf};

const STEP_BENCH: usize = 1;
const DRIFT_BENCH: usize = 2;

fn level(bench: usize, metric: &str, run: usize) -> f64 {
    match (bench, metric) {
        (STEP_BENCH, "execution_time") if run >= 35 => 1.08,
        (DRIFT_BENCH, "max_rss_usage") if run >= 20 => 1.0 + 0.003 * (run - 19) as f64,
        _ => 1.0,
    }
}

fn short(run: usize) -> String {
    commit(run)[..7].to_string()
}

/// `history add` of `files` into `dir/h.sqlite`, then `trend -o dir/trends`, whose summary line
/// must contain `summary`; returns the database and the trend directory.
fn history_and_trend(dir: &Path, files: &[PathBuf], summary: &str) -> (PathBuf, PathBuf) {
    let db = dir.join("h.sqlite");
    Command::cargo_bin("slogate")
        .unwrap()
        .args(["history", "add", "--db"])
        .arg(&db)
        .args(files)
        .assert()
        .success();
    let out = dir.join("trends");
    Command::cargo_bin("slogate")
        .unwrap()
        .args(["trend", "--db"])
        .arg(&db)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains(summary));
    (db, out)
}

/// What `slo suggest` prints for the history `db`.
fn suggest(db: &Path) -> String {
    let out = Command::cargo_bin("slogate")
        .unwrap()
        .args(["slo", "suggest", "--db"])
        .arg(db)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).to_string()
}

#[test]
fn trend_finds_planted_step_and_drift_and_draws_them() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_nights(&Plan::small(60, 6), &dir.path().join("in"), &level);
    let (db, out) = history_and_trend(dir.path(), &files, "60 runs, 12 plots");

    let changes = std::fs::read_to_string(out.join("changes.md")).unwrap();
    println!("{changes}");
    let lines_for = |bench: usize, metric: &str| -> Vec<String> {
        let k = key(bench).replace('[', "\\[").replace(']', "\\]");
        changes
            .lines()
            .filter(|l| l.starts_with(&format!("- {k} · {}", metric.replace('_', "\\_"))))
            .map(str::to_string)
            .collect()
    };
    let step = lines_for(STEP_BENCH, "execution_time");
    assert_eq!(step.len(), 1, "{changes}");
    assert!(
        (34..=36).any(|r| step[0].contains(&format!("{}..{}", short(r - 1), short(r)))),
        "step not at night 35: {}",
        step[0]
    );
    assert!(
        (step[0].contains("+8.") || step[0].contains("+7.")) && step[0].contains("regression"),
        "{}",
        step[0]
    );
    let drift = lines_for(DRIFT_BENCH, "max_rss_usage");
    assert!(!drift.is_empty(), "drift not reported:\n{changes}");
    for l in &drift {
        assert!(
            (20..60).any(|r| l.contains(&format!("..{} ", short(r)))),
            "drift change outside the drifting stretch: {l}"
        );
    }
    assert!(!changes.contains('<') && !changes.contains('|') && !changes.contains('@'));

    // Plots: valid PNGs of the configured size, and SVGs, for every series.
    let plots: Vec<_> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let pngs: Vec<_> = plots
        .iter()
        .filter(|p| p.extension().unwrap() == "png")
        .collect();
    assert_eq!(pngs.len(), 12);
    assert_eq!(plots.len(), 24);
    for p in &pngs {
        let bytes = std::fs::read(p).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", p.display());
        let (w, h) = (
            u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
            u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
        );
        assert_eq!((w, h), (900, 420));
        assert!(
            bytes.len() > 15_000,
            "{} is only {} bytes",
            p.display(),
            bytes.len()
        );
    }
    let step_svg = plots
        .iter()
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.starts_with("suite1_bench001") && n.contains("execution_time") && n.ends_with(".svg")
        })
        .expect("the step's SVG");
    let svg = std::fs::read_to_string(step_svg).unwrap();
    assert!(
        svg.contains("execution_time (ms)") && svg.contains("change point"),
        "axis title and legend"
    );
    assert!(
        svg.contains("SLO: execution_time &lt; 2.83 ms")
            || svg.contains("SLO: execution_time < 2.83 ms")
    );

    // The index puts the benchmark with a change point first in its suite.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    let pos = |b: usize| {
        index
            .find(&format!("<h3>{}</h3>", key(b)))
            .expect("benchmark listed")
    };
    assert!(
        pos(STEP_BENCH) < pos(4),
        "suite1: bench001 (changed) before bench004"
    );
    assert!(
        pos(DRIFT_BENCH) < pos(5),
        "suite2: bench002 (changed) before bench005"
    );

    // SLO suggestions come from the level after the step.
    let text = suggest(&db);
    println!("{text}");
    let section = text
        .split(&format!("# {}", key(STEP_BENCH)))
        .nth(1)
        .expect("step benchmark");
    let line = section
        .lines()
        .find(|l| l.starts_with("execution_time <"))
        .unwrap();
    let th = parse_threshold(line).unwrap();
    let after_step = 2.5e6 * 1.01 * 1.08;
    assert!(
        th.limit > after_step * 1.04 && th.limit < after_step * 1.2,
        "{line}"
    );
}

/// Thirty nights, the CI moving to a 15% faster machine from night 15: no code changed, so no
/// change point at the switch; each machine's nights are a series of their own, named by the machine.
#[test]
fn a_machine_change_is_no_change_point() {
    let dir = tempfile::tempdir().unwrap();
    let faster = |_: usize, metric: &str, run: usize| {
        if metric == "execution_time" && run >= 15 {
            0.85
        } else {
            1.0
        }
    };
    let files = write_nights(&Plan::small(30, 3), &dir.path().join("in"), &faster);
    for f in &files[15..] {
        let mut r = slogate::results::ResultsFile::read(f).unwrap();
        r.meta.machine.hostname = "ci-2".into();
        r.meta.machine.fingerprint = "fp2".into();
        r.write(f).unwrap();
    }
    let (db, out) = history_and_trend(dir.path(), &files, "30 runs, 12 plots");
    let changes = std::fs::read_to_string(out.join("changes.md")).unwrap();
    println!("{changes}");
    let switch = format!("{}..{}", short(14), short(15));
    assert!(
        !changes.contains(&switch) && !changes.contains("-15.") && !changes.contains("-14."),
        "the machine change reported as a change point:\n{changes}"
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("execution_time on ci-1 (fp)")
            && index.contains("execution_time on ci-2 (fp2)"),
        "series named by machine"
    );
    // Limits are suggested for the machine the newest runs came from, once per metric.
    let text = suggest(&db);
    let section = text.split(&format!("# {}", key(0))).nth(1).unwrap();
    let section = section.split("\n# ").next().unwrap();
    let lines: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("execution_time <"))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    let th = parse_threshold(lines[0]).unwrap();
    // The new machine's level is 2.5 ms x 0.85 = 2.125 ms.
    assert!(th.limit > 2.125e6 && th.limit < 2.4e6, "{}", lines[0]);
}

/// `slo suggest --patch` and `--write` rewrite the threshold lines of an SLO file from the level
/// after the step, keeping its comments and layout; a benchmark the file has no line for is named.
#[test]
fn suggest_writes_a_patch_and_the_file_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_nights(&Plan::small(40, 3), &dir.path().join("in"), &level);
    let (db, _) = history_and_trend(dir.path(), &files, "40 runs");
    // In a repository, the file in a directory of it and named absolutely from another: the
    // patch names it from the top, as `git apply` wants.
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("limits")).unwrap();
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(&repo)
        .status()
        .unwrap();
    let slo = repo.join("limits/slo.toml");
    let text = "# Limits of the nightly suite.\n[[slo]]\nbenchmark = \"bench001\"   # the stepped one\nthresholds = [\n    \"execution_time < 9 ms\",  # far too loose\n]\n";
    std::fs::write(&slo, text).unwrap();
    let patch = dir.path().join("limits.diff");
    let run = |extra: &[&std::ffi::OsStr]| {
        Command::cargo_bin("slogate")
            .unwrap()
            .current_dir(dir.path())
            .args(["slo", "suggest", "--db"])
            .arg(&db)
            .arg("--file")
            .arg(&slo)
            .args(extra)
            .assert()
            .success()
            .get_output()
            .clone()
    };
    let out = run(&["--patch".as_ref(), patch.as_os_str()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("slo.toml:5: execution_time < 9 ms -> execution_time < "),
        "{err}"
    );
    assert!(
        err.contains("no threshold line on execution_time applies to suite0/bench000[size=1]"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&slo).unwrap(),
        text,
        "--patch leaves the file alone"
    );
    let diff = std::fs::read_to_string(&patch).unwrap();
    let check = std::process::Command::new("git")
        .args(["apply", "--check"])
        .arg(&patch)
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}\n{diff}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        diff.contains("-    \"execution_time < 9 ms\",  # far too loose"),
        "{diff}"
    );
    let added = diff
        .lines()
        .find(|l| l.starts_with("+    \"execution_time < "))
        .unwrap_or_else(|| panic!("{diff}"));
    let line = added
        .trim_start_matches("+    \"")
        .split('"')
        .next()
        .unwrap();
    let th = parse_threshold(line).unwrap();
    let after_step = 2.5e6 * 1.01 * 1.08;
    assert!(
        th.limit > after_step && th.limit < after_step * 1.2,
        "{line}"
    );

    run(&["--write".as_ref()]);
    let written = std::fs::read_to_string(&slo).unwrap();
    assert_eq!(written, text.replace("execution_time < 9 ms", line));
}
