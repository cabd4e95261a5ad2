//! Durations as people type them, through the real binary: `ab --budget` takes `2m`, `1m30s`,
//! `90s`, `1.5h`; a wrong one is refused with forms that all parse.

use assert_cmd::Command;
use predicates::str::contains;

fn slogate() -> Command {
    Command::cargo_bin("slogate").unwrap()
}

#[test]
fn ab_budget_takes_minutes_and_mixed_forms() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("no-such-suite");
    for budget in ["2m", "1m30s", "90s", "1.5h"] {
        // The budget parses: what stops the command is the absent suite, named.
        let out = slogate()
            .arg("ab")
            .arg(&absent)
            .args(["--budget", budget, "--results-dir"])
            .arg(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{budget}: {stderr}");
        assert!(!stderr.contains("--budget"), "{budget}: {stderr}");
        assert!(stderr.contains("no-such-suite"), "{budget}: {stderr}");
    }
}

#[test]
fn a_bad_duration_is_refused_with_forms_that_parse() {
    let out = slogate()
        .args(["ab", "--budget", "soon"])
        .assert()
        .code(2)
        .stderr(contains("`soon` is not a duration"));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    for form in slogate::units::DURATION_FORMS.split('`').skip(1).step_by(2) {
        assert!(stderr.contains(form), "{stderr}");
        assert!(slogate::units::parse_duration(form).is_some(), "{form}");
    }
}
