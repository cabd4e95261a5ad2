//! `ci/scripts/pr-report.sh` and the posting scripts, run locally as a user would.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn script(name: &str) -> PathBuf {
    repo_root().join("ci/scripts").join(name)
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A repository with `main` and a branch `change` that touches the quickstart suite (or, without
/// it, a plain file).
fn repo_with_change(quickstart: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    let touched = if quickstart {
        copy_dir(
            &repo_root().join("suites/quickstart"),
            &dir.join("suites/quickstart"),
        );
        dir.join("suites/quickstart/suite.toml")
    } else {
        std::fs::write(dir.join("README"), "x\n").unwrap();
        dir.join("README")
    };
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "start"]);
    git(dir, &["checkout", "-q", "-b", "change"]);
    let mut text = std::fs::read_to_string(&touched).unwrap();
    text.push_str("\n# a change that must not move the numbers\n");
    std::fs::write(&touched, text).unwrap();
    git(dir, &["commit", "-q", "-am", "comment"]);
    tmp
}

fn pr_report(repo: &Path, summary: &Path, extra: &[&str]) -> Output {
    Command::new("bash")
        .arg(script("pr-report.sh"))
        .args(["--out", "out"])
        .args(extra)
        .current_dir(repo)
        .env("SLOGATE", env!("CARGO_BIN_EXE_slogate"))
        .env("GITHUB_STEP_SUMMARY", summary)
        .output()
        .unwrap()
}

const MARKER: &str = "<!-- slogate:report -->";

#[test]
fn reports_a_change_with_comment_summary_and_gate_code() {
    let repo = repo_with_change(true);
    let summary = repo.path().join("summary.md");
    let out = pr_report(
        repo.path(),
        &summary,
        &[
            "--base",
            "main",
            "--head",
            "change",
            "--budget",
            "30s",
            "--profile",
            "all",
            "suites/quickstart",
        ],
    );
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let comment = std::fs::read_to_string(repo.path().join("out/comment.md")).unwrap();
    assert!(comment.starts_with(MARKER), "{comment}");
    assert!(comment.contains("quickstart"), "{comment}");
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), comment);
    for f in [
        "report.md",
        "comparison.json",
        "results/baseline.json",
        "results/candidate.json",
    ] {
        assert!(repo.path().join("out").join(f).is_file(), "{f} missing");
    }
    // `--profile all` reached `ab`: a profile (or why there is none) of each benchmark, beside
    // the results for the comment job.
    let profiles = std::fs::read_to_string(repo.path().join("out/results/profiles.json")).unwrap();
    assert!(profiles.contains("\"key\": \"quickstart/"), "{profiles}");
}

#[test]
fn a_failing_run_still_leaves_a_comment_and_the_error_code() {
    let repo = repo_with_change(false);
    // Without GITHUB_STEP_SUMMARY the summary goes beside the report.
    let out = Command::new("bash")
        .arg(script("pr-report.sh"))
        .args(["--base", "no-such-ref", "--head", "change", "--out", "out"])
        .current_dir(repo.path())
        .env("SLOGATE", env!("CARGO_BIN_EXE_slogate"))
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let comment = std::fs::read_to_string(repo.path().join("out/comment.md")).unwrap();
    assert!(comment.starts_with(MARKER), "{comment}");
    let summary = std::fs::read_to_string(repo.path().join("out/step-summary.md")).unwrap();
    assert_eq!(summary, comment);
}

#[test]
fn pr_report_requires_both_refs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = pr_report(tmp.path(), &tmp.path().join("s.md"), &["--base", "main"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--head"));
    assert!(
        !tmp.path().join("out").exists(),
        "nothing runs without both refs"
    );
    let out = pr_report(
        tmp.path(),
        &tmp.path().join("s.md"),
        &["--base", "main", "--head", "x", "--profile", "sometimes"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--profile must be flagged, all or none"));
}

#[test]
fn posting_scripts_dry_run_without_calling_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let body = tmp.path().join("comment.md");
    std::fs::write(&body, format!("{MARKER}\nreport\n")).unwrap();
    let gh = Command::new("bash")
        .arg(script("post-comment.sh"))
        .args([
            "--repo",
            "octo/widgets",
            "--pr",
            "42",
            "--dry-run",
            "--body",
        ])
        .arg(&body)
        .env("PATH", "/usr/bin:/bin") // no `gh` needed for a dry run
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&gh.stdout);
    assert!(
        gh.status.success(),
        "{}",
        String::from_utf8_lossy(&gh.stderr)
    );
    assert!(
        text.contains("repos/octo/widgets/issues/42/comments"),
        "{text}"
    );
    assert!(
        text.contains("PATCH repos/octo/widgets/issues/comments/<id>"),
        "{text}"
    );

    // A body without the marker would create a new comment every time: refused.
    let plain = tmp.path().join("plain.md");
    std::fs::write(&plain, "report\n").unwrap();
    let refused = Command::new("bash")
        .arg(script("post-comment.sh"))
        .args([
            "--repo",
            "octo/widgets",
            "--pr",
            "42",
            "--dry-run",
            "--body",
        ])
        .arg(&plain)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));

    // post-mr-note.sh builds its request with jq.
    if support::require("post_mr_note (gitlab)", "jq", "apt-get install jq").is_none() {
        return;
    }
    let gl = Command::new("bash")
        .arg(script("post-mr-note.sh"))
        .args([
            "--project",
            "group/widgets",
            "--mr",
            "7",
            "--dry-run",
            "--body",
        ])
        .arg(&body)
        .env("CI_API_V4_URL", "https://gitlab.example.com/api/v4")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&gl.stdout);
    assert!(
        gl.status.success(),
        "{}",
        String::from_utf8_lossy(&gl.stderr)
    );
    assert!(
        text.contains(
            "https://gitlab.example.com/api/v4/projects/group%2Fwidgets/merge_requests/7/notes"
        ),
        "{text}"
    );
}
