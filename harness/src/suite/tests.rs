use super::spec::MemoryLimit;
use super::*;
use std::time::Duration;

const EXAMPLE: &str = r#"
[suite]
name = "asyncio-profiler"
description = "asyncio task trees"
paths = ["ddtrace/profiling/**"]
setup = ["python3 -m venv .venv-{ddtrace}", ".venv-{ddtrace}/bin/pip install ddtrace=={ddtrace}"]

[vars]
ddtrace = "4.16.0"

[defaults]
protocol = "pyperf"
processes = 20
values = 3
warmups = 2
timeout = "120s"
memory_limit = "4GB"
noise_threshold = "5%"

[[scenario]]
name = "weak-links-fanout"
description = "fan-out of weak links"
command = [".venv-{ddtrace}/bin/python", "{suite_dir}/weak_links.py", "--fanout", "{fanout}", "--out={tmp}/x"]
matrix = { fanout = ["100", "1000"], profiler = ["off", "ddtrace"] }
env.PYTHONHASHSEED = "0"
env.profiler.ddtrace = { DD_PROFILING_ENABLED = "true", DD_PROFILING_OUTPUT_PPROF = "{tmp}/prof-{fanout}" }
thresholds = ["execution_time < 2.5 ms", "max_rss_usage < 60 MB"]
overhead = ["execution_time[profiler=ddtrace] < 1.05 * execution_time[profiler=off]"]

[[scenario]]
name = "single"
command = ["true"]
protocol = "process"
processes = 4
memory_limit = "none"
noise_threshold = 0.02
"#;

/// Writes `text` as `<tmp>/<name>/suite.toml` and returns the file.
fn write_suite(root: &Path, name: &str, text: &str) -> PathBuf {
    let dir = root.join(name);
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join(SUITE_FILE);
    fs::write(&file, text).unwrap();
    file
}

fn load_text(text: &str, vars: &[(&str, &str)]) -> Result<Suite, SuiteError> {
    let root = tempfile::tempdir().unwrap();
    let file = write_suite(root.path(), "s", text);
    let vars = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    load_suite(&file, &vars)
}

/// The error of loading `text`, as `line:col: message` (the file name stripped).
fn error_of(text: &str) -> String {
    let err = load_text(text, &[]).expect_err("the suite should be refused");
    let SuiteError::At {
        line,
        column,
        message,
        ..
    } = err
    else {
        panic!("expected an error with a position, got {err}");
    };
    format!("{line}:{column}: {message}")
}

const HEAD: &str = "[suite]\nname = \"s\"\n";

#[test]
fn expands_the_matrix_and_fills_placeholders() {
    let suite = load_text(EXAMPLE, &[]).unwrap();
    assert_eq!(suite.name, "asyncio-profiler");
    assert_eq!(suite.paths, vec!["ddtrace/profiling/**"]);
    assert_eq!(
        suite.setup,
        vec![
            "python3 -m venv .venv-4.16.0",
            ".venv-4.16.0/bin/pip install ddtrace==4.16.0"
        ]
    );
    let keys: Vec<&str> = suite.benchmarks.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "asyncio-profiler/weak-links-fanout[fanout=100,profiler=off]",
            "asyncio-profiler/weak-links-fanout[fanout=100,profiler=ddtrace]",
            "asyncio-profiler/weak-links-fanout[fanout=1000,profiler=off]",
            "asyncio-profiler/weak-links-fanout[fanout=1000,profiler=ddtrace]",
            "asyncio-profiler/single",
        ]
    );
    let b = &suite.benchmarks[3];
    let dir = suite.dir.display().to_string();
    assert!(suite.dir.is_absolute());
    assert_eq!(
        b.command,
        vec![
            ".venv-4.16.0/bin/python".to_string(),
            format!("{dir}/weak_links.py"),
            "--fanout".into(),
            "1000".into(),
            "--out={tmp}/x".into(),
        ]
    );
    assert_eq!(b.env["DD_PROFILING_OUTPUT_PPROF"], "{tmp}/prof-1000");
    assert_eq!(b.env["PYTHONHASHSEED"], "0");
    assert_eq!(b.cwd, suite.dir);
    let off = &suite.benchmarks[2];
    assert!(!off.env.contains_key("DD_PROFILING_ENABLED"));
    assert_eq!(off.env["PYTHONHASHSEED"], "0");
    assert_eq!(b.thresholds.len(), 2);
    assert_eq!(b.overhead.len(), 1);
    assert_eq!(
        suite.scenario_descriptions["weak-links-fanout"],
        "fan-out of weak links"
    );
}

#[test]
fn scenario_settings_override_defaults_which_override_built_ins() {
    let suite = load_text(EXAMPLE, &[]).unwrap();
    let b = &suite.benchmarks[0];
    assert_eq!(
        (b.protocol, b.processes, b.values, b.warmups),
        (Protocol::Pyperf, 20, 3, 2)
    );
    assert_eq!(b.timeout, Duration::from_secs(120));
    assert_eq!(b.memory_limit, MemoryLimit::Bytes(4_000_000_000));
    assert_eq!(b.noise_threshold, Some(0.05));
    let single = &suite.benchmarks[4];
    assert_eq!(
        (single.protocol, single.processes, single.values),
        (Protocol::Process, 4, 3)
    );
    assert!(!b.values_auto && !single.values_auto);
    assert_eq!(
        single.memory_limit,
        MemoryLimit::Unlimited,
        "\"none\" lifts the default"
    );
    assert_eq!(single.noise_threshold, Some(0.02));

    let bare = load_text(
        &format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"true\"]\n"),
        &[],
    )
    .unwrap();
    let b = &bare.benchmarks[0];
    assert_eq!(
        (b.protocol, b.processes, b.values, b.warmups),
        (Protocol::Process, 10, 3, 1)
    );
    assert!(
        !b.values_auto,
        "values are fixed unless a suite says \"auto\""
    );
    assert_eq!(
        (b.timeout, b.memory_limit),
        (Duration::from_secs(60), MemoryLimit::MachineDefault),
        "the runner applies the machine's cap"
    );
    assert_eq!(b.noise_threshold, None);
    assert!(!b.simulate, "native unless asked");
    assert_eq!(b.key, "s/x", "no matrix: one benchmark without a variant");
}

#[test]
fn simulate_is_a_default_a_scenario_may_override() {
    let text = format!(
        "{HEAD}[defaults]\nsimulate = true\n[[scenario]]\nname = \"a\"\ncommand = [\"true\"]\n\
         [[scenario]]\nname = \"b\"\ncommand = [\"true\"]\nsimulate = false\n"
    );
    let suite = load_text(&text, &[]).unwrap();
    let simulated: Vec<bool> = suite.benchmarks.iter().map(|b| b.simulate).collect();
    assert_eq!(simulated, [true, false]);
    let bad = format!(
        "{HEAD}[defaults]\nsimulate = \"yes\"\n[[scenario]]\nname = \"a\"\ncommand = [\"true\"]\n"
    );
    assert!(error_of(&bad).starts_with("4:12:"), "{}", error_of(&bad));
}

#[test]
fn caller_vars_override_defaults() {
    let suite = load_text(EXAMPLE, &[("ddtrace", "4.15.0"), ("extra", "1")]).unwrap();
    assert_eq!(suite.vars["ddtrace"], "4.15.0");
    assert_eq!(suite.vars["extra"], "1");
    assert_eq!(suite.setup[0], "python3 -m venv .venv-4.15.0");
    assert_eq!(suite.benchmarks[0].command[0], ".venv-4.15.0/bin/python");
}

#[test]
fn unknown_keys_point_at_the_key_and_suggest() {
    let text = format!(
        "{HEAD}\n[defaults]\nvalues = 3\nprocesess = 4\n[[scenario]]\nname = \"x\"\ncommand = [\"true\"]\n"
    );
    assert_eq!(
        error_of(&text),
        "6:1: unknown key `procesess` in [defaults]; did you mean `processes`?"
    );
    let text = format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"true\"]\nthresold = []\n");
    assert_eq!(
        error_of(&text),
        "6:1: unknown key `thresold` in [[scenario]]; did you mean `thresholds`?"
    );
    let text = "[suite]\nname = \"s\"\n  descripton = \"d\"\n";
    assert_eq!(
        error_of(text),
        "3:3: unknown key `descripton` in [suite]; did you mean `description`?"
    );
    let text = format!("{HEAD}[scenarios]\n");
    assert!(
        error_of(&text)
            .starts_with("3:2: unknown key `scenarios` in the top level; did you mean `scenario`?"),
        "{}",
        error_of(&text)
    );
}

#[test]
fn bad_threshold_lines_point_into_the_string() {
    let text = format!(
        "{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"true\"]\nthresholds = [\"max_rss_usage < 40 MB\", \"execution_time = 3 ms\"]\n"
    );
    // The string starts at column 40; its `=` is its 16th character.
    assert_eq!(
        error_of(&text),
        "6:56: scenario `x`: bad threshold `execution_time = 3 ms`: expected a comparison: `<`, `<=`, `>` or `>=`"
    );
    let text = format!(
        "{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"true\"]\nthresholds = [\"execution_time < 40 MB\"]\n"
    );
    assert!(error_of(&text).contains("measured in ns"));
}

#[test]
fn overhead_selectors_must_name_matrix_values() {
    let base = format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"true\"]\nmatrix = {{ profiler = [\"off\", \"on\"] }}\n");
    let ok = format!(
        "{base}overhead = [\"execution_time[profiler=on] < 1.1 * execution_time[profiler=off]\"]\n"
    );
    assert_eq!(load_text(&ok, &[]).unwrap().benchmarks[0].overhead.len(), 1);
    let bad_dim = format!(
        "{base}overhead = [\"execution_time[profilr=on] < 1.1 * execution_time[profilr=off]\"]\n"
    );
    assert!(error_of(&bad_dim).contains("did you mean `profiler`?"));
    let bad_value = format!(
        "{base}overhead = [\"execution_time[profiler=onn] < 1.1 * execution_time[profiler=off]\"]\n"
    );
    let e = error_of(&bad_value);
    assert!(e.starts_with("7:14: scenario `x`: bad overhead"), "{e}");
    assert!(
        e.contains("`profiler` has no value `onn`; did you mean `on`?"),
        "{e}"
    );
    let no_matrix = format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"true\"]\noverhead = [\"execution_time[p=on] < execution_time[p=off]\"]\n");
    assert!(error_of(&no_matrix).contains("the scenario has no matrix"));
}

#[test]
fn commands_must_exist_and_be_non_empty() {
    let missing = format!("{HEAD}\n[[scenario]]\nname = \"x\"\n");
    assert_eq!(error_of(&missing), "4:1: scenario `x` has no `command`");
    let empty = format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = []\n");
    assert_eq!(
        error_of(&empty),
        "5:11: scenario `x`: `command` needs a program to run"
    );
    let none = HEAD.to_string();
    assert_eq!(error_of(&none), "2:8: the suite has no [[scenario]]");
}

#[test]
fn scenario_names_are_unique() {
    let text = format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\n[[scenario]]\nname = \"x\"\ncommand = [\"b\"]\n");
    assert_eq!(error_of(&text), "7:8: scenario name `x` is used twice");
}

#[test]
fn matrix_dimensions_need_values() {
    let text =
        format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\nmatrix = {{ n = [] }}\n");
    assert_eq!(
        error_of(&text),
        "6:16: scenario `x`: matrix dimension `n` has no values"
    );
    let text = format!(
        "{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\nmatrix = {{ n = [\"1\", \"a,b\"] }}\n"
    );
    assert!(error_of(&text).starts_with("6:22: scenario `x`: matrix value `a,b`"));
}

#[test]
fn settings_values_are_checked_where_written() {
    let scenario = "[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\n";
    let protocol = format!("{HEAD}[defaults]\nprotocol = \"hyperfine\"\n{scenario}");
    let e = error_of(&protocol);
    assert!(e.starts_with("4:12: unknown variant `hyperfine`"), "{e}");
    assert!(e.contains("`samples`"), "{e}");
    let timeout = format!("{HEAD}{scenario}timeout = \"2 parsecs\"\n");
    assert!(error_of(&timeout).starts_with("6:11: bad timeout `2 parsecs`"));
    let memory = format!("{HEAD}[defaults]\nmemory_limit = \"4 GHz\"\n{scenario}");
    assert!(error_of(&memory).starts_with("4:16: bad memory_limit `4 GHz`"));
    let processes = format!("{HEAD}[defaults]\nprocesses = 0\n{scenario}");
    assert_eq!(error_of(&processes), "4:13: `processes` must be at least 1");
    let noise = format!("{HEAD}[defaults]\nnoise_threshold = \"150%\"\n{scenario}");
    assert!(error_of(&noise).starts_with("4:19: bad noise_threshold"));
    for bad in ["0", "\"many\"", "2.5"] {
        let values = format!("{HEAD}[defaults]\nvalues = {bad}\n{scenario}");
        assert_eq!(
            error_of(&values),
            format!("4:10: bad values `{bad}`: expected a whole number of at least 1, or \"auto\"")
        );
    }
}

/// `values = "auto"` lets `ab` choose pyperf's values per process, from the number below it; a
/// scenario that writes a number takes the choice back, and one that says "auto" under a number
/// starts from that number.
#[test]
fn values_auto_starts_from_the_number_below_it() {
    let text = format!(
        "{HEAD}[defaults]\nprotocol = \"pyperf\"\nvalues = \"auto\"\n\
         [[scenario]]\nname = \"a\"\ncommand = [\"a\"]\n\
         [[scenario]]\nname = \"b\"\ncommand = [\"b\"]\nvalues = 5\n"
    );
    let suite = load_text(&text, &[]).unwrap();
    let [a, b] = &suite.benchmarks[..] else {
        panic!("two benchmarks")
    };
    assert_eq!((a.values, a.values_auto), (3, true));
    assert_eq!((b.values, b.values_auto), (5, false));
    let under = format!(
        "{HEAD}[defaults]\nprotocol = \"pyperf\"\nvalues = 4\n\
         [[scenario]]\nname = \"a\"\ncommand = [\"a\"]\nvalues = \"auto\"\n"
    );
    let a = &load_text(&under, &[]).unwrap().benchmarks[0];
    assert_eq!((a.values, a.values_auto), (4, true));
}

#[test]
fn unknown_placeholders_name_the_scenario_and_the_placeholder() {
    let text = format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"a\", \"{{fanot}}\"]\nmatrix = {{ fanout = [\"1\"] }}\n");
    assert_eq!(
        error_of(&text),
        "5:17: scenario `x`: command: unknown placeholder `{fanot}`; did you mean `{fanout}`?"
    );
    let env =
        format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\nenv.OUT = \"{{zzz}}/p\"\n");
    let e = error_of(&env);
    assert!(
        e.starts_with("6:5: scenario `x`: env `OUT`: unknown placeholder `{zzz}`"),
        "{e}"
    );
    let setup = "[suite]\nname = \"s\"\nsetup = [\"pip install x=={vrsion}\"]\n[vars]\nversion = \"1\"\n[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\n";
    assert_eq!(
        error_of(setup),
        "3:10: setup: unknown placeholder `{vrsion}`; did you mean `{version}`?"
    );
    let tmp = "[suite]\nname = \"s\"\nsetup = [\"touch {tmp}/x\"]\n[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\n";
    assert!(error_of(tmp).contains("`{tmp}` exists only in scenario commands"));
    let shell = "[suite]\nname = \"s\"\nsetup = [\"echo ${HOME} {{literal}\"]\n[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\n";
    assert_eq!(
        load_text(shell, &[]).unwrap().setup,
        vec!["echo ${HOME} {literal}"]
    );
}

#[test]
fn env_tables_must_name_matrix_values() {
    let text = format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\nmatrix = {{ profiler = [\"off\", \"on\"] }}\nenv.profilr.on = {{ A = \"1\" }}\n");
    let e = error_of(&text);
    assert!(e.starts_with("7:5: scenario `x`: env.profilr.on"), "{e}");
    assert!(e.contains("did you mean `profiler`?"), "{e}");
    let number = format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\nenv.A = 1\n");
    assert!(error_of(&number).contains("a string (a variable for every variant)"));
}

#[test]
fn dotted_keys_and_sub_tables_read_like_inline_tables() {
    let text = r#"
suite.name = "s"
vars.v = "7"
defaults.processes = 2

[[scenario]]
name = "x"
command = ["run", "{n}", "{v}"]
matrix.n = ["1", "2"]

[scenario.env.n.2]
TWO = "yes"
"#;
    let suite = load_text(text, &[]).unwrap();
    assert_eq!(suite.benchmarks.len(), 2);
    assert_eq!(suite.benchmarks[1].command, vec!["run", "2", "7"]);
    assert_eq!(suite.benchmarks[1].env["TWO"], "yes");
    assert!(suite.benchmarks[0].env.is_empty());
    assert_eq!(suite.benchmarks[0].processes, 2);
}

#[test]
fn toml_syntax_errors_have_a_position() {
    let e = error_of("[suite]\nname = \"s\n");
    assert!(e.starts_with("2:"), "{e}");
}

#[test]
fn load_all_reads_directories_of_suites_and_refuses_duplicate_names() {
    let root = tempfile::tempdir().unwrap();
    let body = "[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\n";
    write_suite(root.path(), "b", &format!("[suite]\nname = \"b\"\n{body}"));
    write_suite(root.path(), "a", &format!("[suite]\nname = \"a\"\n{body}"));
    fs::create_dir(root.path().join("not-a-suite")).unwrap();
    let vars = BTreeMap::new();
    let all = load_all(&[root.path().to_path_buf()], &vars).unwrap();
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b"]);
    // The same suite reached twice (its directory and its file) is loaded once.
    let again = load_all(
        &[root.path().join("a"), root.path().join("a/suite.toml")],
        &vars,
    )
    .unwrap();
    assert_eq!(again.len(), 1);

    write_suite(root.path(), "c", &format!("[suite]\nname = \"a\"\n{body}"));
    let err = load_all(&[root.path().to_path_buf()], &vars).unwrap_err();
    assert!(
        matches!(&err, SuiteError::DuplicateName { name, .. } if name == "a"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("c/suite.toml: suite name `a` is already used by"),
        "{err}"
    );
    let err = load_all(&[root.path().join("not-a-suite")], &vars).unwrap_err();
    assert!(matches!(err, SuiteError::NotFound { .. }), "{err}");
}

#[test]
fn hash_follows_workload_files_but_not_generated_ones() {
    let root = tempfile::tempdir().unwrap();
    let file = write_suite(
        root.path(),
        "s",
        "[suite]\nname = \"s\"\n[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\n",
    );
    let dir = file.parent().unwrap();
    fs::write(dir.join("work.py"), "print(1)\n").unwrap();
    let vars = BTreeMap::new();
    let first = load_suite(&file, &vars).unwrap().hash;
    assert_eq!(first.len(), 64);
    fs::create_dir_all(dir.join(".venv-1/bin")).unwrap();
    fs::write(dir.join(".venv-1/bin/python"), "x").unwrap();
    fs::create_dir_all(dir.join("__pycache__")).unwrap();
    fs::write(dir.join("__pycache__/work.pyc"), "x").unwrap();
    assert_eq!(load_suite(&file, &vars).unwrap().hash, first);
    fs::write(dir.join("work.py"), "print(2)\n").unwrap();
    let changed = load_suite(&file, &vars).unwrap().hash;
    assert_ne!(changed, first);
    fs::create_dir(dir.join("data")).unwrap();
    fs::write(dir.join("data/input.txt"), "x").unwrap();
    assert_ne!(load_suite(&file, &vars).unwrap().hash, changed);
}

#[test]
fn parse_var_splits_at_the_first_equals() {
    assert_eq!(
        parse_var("ddtrace=4.16.0").unwrap(),
        ("ddtrace".into(), "4.16.0".into())
    );
    assert_eq!(parse_var("a=b=c").unwrap().1, "b=c");
    assert!(parse_var("novalue").is_err());
    assert!(parse_var("bad name=1").is_err());
}

/// A suite whose setup appends a line to `runs.log` each time it runs.
fn setup_suite(root: &Path, setup: &str) -> (PathBuf, Suite) {
    let text = format!(
        "[suite]\nname = \"s\"\nsetup = [{setup}]\n[vars]\nv = \"1\"\n[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\n"
    );
    let file = write_suite(root, "s", &text);
    let suite = load_suite(&file, &BTreeMap::new()).unwrap();
    (file, suite)
}

fn runs(suite: &Suite) -> usize {
    fs::read_to_string(suite.dir.join(".venv-runs.log"))
        .unwrap_or_default()
        .lines()
        .count()
}

#[test]
fn setup_runs_once_then_is_cached_until_a_named_file_changes() {
    let root = tempfile::tempdir().unwrap();
    let (file, suite) = setup_suite(
        root.path(),
        r#""cat requirements.txt > made-{v}.txt", "echo ran >> .venv-runs.log""#,
    );
    let dir = suite.dir.clone();
    fs::write(dir.join("requirements.txt"), "a==1\n").unwrap();

    assert_eq!(run_setup(&suite).unwrap(), SetupOutcome::Ran);
    assert_eq!(
        fs::read_to_string(dir.join("made-1.txt")).unwrap(),
        "a==1\n"
    );
    assert_eq!(run_setup(&suite).unwrap(), SetupOutcome::Cached);
    assert_eq!(runs(&suite), 1);

    fs::write(dir.join("requirements.txt"), "a==2\n").unwrap();
    assert_eq!(run_setup(&suite).unwrap(), SetupOutcome::Ran);
    assert_eq!(run_setup(&suite).unwrap(), SetupOutcome::Cached);
    assert_eq!(runs(&suite), 2);

    // Another variable value is another environment; the first stays cached.
    let vars = BTreeMap::from([("v".to_string(), "2".to_string())]);
    let other = load_suite(&file, &vars).unwrap();
    assert_eq!(run_setup(&other).unwrap(), SetupOutcome::Ran);
    assert!(dir.join("made-2.txt").is_file());
    assert_eq!(run_setup(&suite).unwrap(), SetupOutcome::Cached);
    assert_eq!(run_setup(&other).unwrap(), SetupOutcome::Cached);
    assert_eq!(runs(&suite), 3);
}

#[test]
fn setup_follows_files_outside_the_suite_dir_named_relative_to_it() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("shared.txt"), "1").unwrap();
    let (_, suite) = setup_suite(
        root.path(),
        r#""cat ../shared.txt /dev/null >/dev/null; echo ran >> .venv-runs.log""#,
    );
    assert_eq!(run_setup(&suite).unwrap(), SetupOutcome::Ran);
    assert_eq!(run_setup(&suite).unwrap(), SetupOutcome::Cached);
    fs::write(root.path().join("shared.txt"), "2").unwrap();
    assert_eq!(run_setup(&suite).unwrap(), SetupOutcome::Ran);
    assert_eq!(runs(&suite), 2);
}

#[test]
fn failed_setup_names_the_command_and_shows_its_output() {
    let root = tempfile::tempdir().unwrap();
    let (_, suite) = setup_suite(
        root.path(),
        r#""echo fine", "echo first line; echo 'no such package' >&2; exit 3""#,
    );
    let err = run_setup(&suite).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("setup of suite `s` failed"), "{text}");
    assert!(
        text.contains("`echo first line; echo 'no such package' >&2; exit 3`"),
        "{text}"
    );
    assert!(text.contains("exit status: 3"), "{text}");
    assert!(text.ends_with("first line\nno such package"), "{text}");
    assert!(
        !suite.dir.join(setup::MARKER_DIR).exists(),
        "a failed setup leaves no marker"
    );
}

#[test]
fn a_silent_failed_setup_says_how_full_the_disks_are() {
    let root = tempfile::tempdir().unwrap();
    let (_, suite) = setup_suite(root.path(), r#""exit 1""#);
    let text = run_setup(&suite).unwrap_err().to_string();
    assert!(text.contains("(no output); free space: "), "{text}");
    assert!(text.contains(" GB (suite directory), "), "{text}");
    assert!(text.ends_with(" GB (temporary directory)"), "{text}");
}

#[test]
fn a_suite_without_setup_is_always_ready() {
    let suite = load_text(
        &format!("{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"a\"]\n"),
        &[],
    )
    .unwrap();
    assert_eq!(run_setup(&suite).unwrap(), SetupOutcome::Cached);
}

/// Loads a suite whose directory also holds `benchmarks/spans/config.<ext>` with `config`.
fn load_with_configs(suite: &str, ext: &str, config: &str) -> Result<Suite, SuiteError> {
    let root = tempfile::tempdir().unwrap();
    let file = write_suite(root.path(), "s", suite);
    let spans = root.path().join("s/benchmarks/spans");
    fs::create_dir_all(&spans).unwrap();
    fs::write(spans.join(format!("config.{ext}")), config).unwrap();
    load_suite(&file, &BTreeMap::new())
}

const SPANS_CONFIG: &str = "\
start: &base
  nspans: 10
  name: a b
start-finish:
  <<: *base
  finish: true
";

/// A configs file outside the suite's directory (shared by suites, reached by `..`) is part of
/// the suite's hash: changing it changes the hash, as changing one inside does.
#[test]
fn a_configs_file_outside_the_suite_is_in_its_hash() {
    let root = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}[[scenario]]\nname = \"spans\"\nconfigs = \"../shared/config.yaml\"\n\
         command = [\"py\", \"{{config_args}}\"]\n"
    );
    let file = write_suite(root.path(), "s", &text);
    let shared = root.path().join("shared");
    fs::create_dir_all(&shared).unwrap();
    fs::write(shared.join("config.yaml"), SPANS_CONFIG).unwrap();
    let vars = BTreeMap::new();
    let first = load_suite(&file, &vars).unwrap().hash;
    assert_eq!(load_suite(&file, &vars).unwrap().hash, first);
    fs::write(
        shared.join("config.yaml"),
        SPANS_CONFIG.replace("nspans: 10", "nspans: 11"),
    )
    .unwrap();
    assert_ne!(load_suite(&file, &vars).unwrap().hash, first);
}

#[test]
fn configs_times_matrix_name_benchmarks_scenario_dash_config() {
    let text = format!(
        "{HEAD}[[scenario]]\nname = \"spans\"\ndescription = \"d\"\nconfigs = \"benchmarks/spans/config.yaml\"\n\
         command = [\"py\", \"{{config_args}}\", \"--label={{config}}/{{config.nspans}}/{{profiler}}\"]\n\
         matrix = {{ profiler = [\"off\", \"on\"] }}\nenv.ARGS = \"{{config_args}}\"\n\
         overhead = [\"execution_time[profiler=on] < 2 * execution_time[profiler=off]\"]\n"
    );
    let suite = load_with_configs(&text, "yaml", SPANS_CONFIG).unwrap();
    let keys: Vec<&str> = suite.benchmarks.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "s/spans-start[profiler=off]",
            "s/spans-start[profiler=on]",
            "s/spans-start-finish[profiler=off]",
            "s/spans-start-finish[profiler=on]",
        ]
    );
    let b = &suite.benchmarks[3];
    assert_eq!(b.scenario, "spans-start-finish");
    assert_eq!(
        b.variant.len(),
        1,
        "the configuration is in the name, not the variant"
    );
    // A whole `{config_args}` element gives one element per word; inside a string, a shell line.
    assert_eq!(
        b.command,
        [
            "py",
            "--finish",
            "true",
            "--nspans",
            "10",
            "--name",
            "a b",
            "--label=start-finish/10/on"
        ]
    );
    assert_eq!(b.env["ARGS"], "--finish true --nspans 10 --name 'a b'");
    assert_eq!(suite.scenario_descriptions["spans-start"], "d");
    // Which `[[scenario]]` made each benchmark scenario, for `slo suggest --write`.
    assert_eq!(
        suite.scenario_sources,
        BTreeMap::from([
            ("spans-start".to_string(), "spans".to_string()),
            ("spans-start-finish".to_string(), "spans".to_string()),
        ])
    );
    assert_eq!(b.overhead.len(), 1);
}

#[test]
fn configs_files_may_be_toml_or_json() {
    let suite_text = |ext: &str| {
        format!("{HEAD}[[scenario]]\nname = \"spans\"\nconfigs = \"benchmarks/spans/config.{ext}\"\ncommand = [\"py\", \"{{config_args}}\"]\n")
    };
    let toml = load_with_configs(
        &suite_text("toml"),
        "toml",
        "[one]\nn = 1\n[two]\nn = 2.5\n",
    )
    .unwrap();
    assert_eq!(toml.benchmarks[1].key, "s/spans-two");
    assert_eq!(toml.benchmarks[1].command, ["py", "--n", "2.5"]);
    let json =
        load_with_configs(&suite_text("json"), "json", r#"{"one": {"flag": false}}"#).unwrap();
    assert_eq!(json.benchmarks[0].command, ["py", "--flag", "false"]);
}

/// A `configs` scenario whose command and env use no placeholder of the configuration would run
/// one command under each configuration's name: an error at `configs`. One use, even only in the
/// env, is enough.
#[test]
fn configs_that_nothing_reads_are_an_error() {
    let suite = |command: &str, env: &str| {
        format!(
            "{HEAD}[[scenario]]\nname = \"spans\"\nconfigs = \"benchmarks/spans/config.yaml\"\n\
             command = [{command}]\n{env}"
        )
    };
    let e = load_with_configs(&suite("\"py\", \"--n\", \"1\"", ""), "yaml", SPANS_CONFIG)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("suite.toml:5:") && e.contains("`configs` makes 2 benchmarks of one command"),
        "{e}"
    );
    for (command, env) in [
        ("\"py\", \"{config_args}\"", ""),
        ("\"py\", \"--label={config}\"", ""),
        ("\"py\", \"--n={config.nspans}\"", ""),
        ("\"py\"", "env.ARGS = \"{config_args}\"\n"),
    ] {
        let s = load_with_configs(&suite(command, env), "yaml", SPANS_CONFIG);
        assert!(s.is_ok(), "{command} {env}: {}", s.unwrap_err());
    }
}

#[test]
fn configs_errors_name_the_file_and_line() {
    let text = format!("{HEAD}[[scenario]]\nname = \"spans\"\nconfigs = \"benchmarks/spans/config.yaml\"\ncommand = [\"py\", \"{{config.nspan}}\"]\n");
    // A configuration file's own error is at its line.
    let e = load_with_configs(&text, "yaml", "a:\n  n: {x: 1}\n").unwrap_err();
    let SuiteError::At { file, line, .. } = &e else {
        panic!("{e}")
    };
    assert!(file.ends_with("s/benchmarks/spans/config.yaml"), "{e}");
    assert_eq!(*line, 2, "{e}");
    // A placeholder a configuration cannot fill names the configuration's line.
    let e = load_with_configs(&text, "yaml", SPANS_CONFIG)
        .unwrap_err()
        .to_string();
    assert!(e.contains("suite.toml:6:"), "{e}");
    assert!(
        e.contains("`{config.nspan}`: configuration `start` has no argument `nspan` (")
            && e.contains("benchmarks/spans/config.yaml:1)"),
        "{e}"
    );
    // A missing file is an error at `configs` naming the file.
    let missing = text.replace("config.yaml", "nope.yaml");
    let e = load_with_configs(&missing, "yaml", SPANS_CONFIG)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("suite.toml:5:11: scenario `spans`: cannot read configs file"),
        "{e}"
    );
    assert!(e.contains("benchmarks/spans/nope.yaml"), "{e}");
}

#[test]
fn config_placeholders_need_a_configs_file_and_their_names() {
    let e = error_of(&format!(
        "{HEAD}[[scenario]]\nname = \"x\"\ncommand = [\"py\", \"{{config_args}}\"]\n"
    ));
    assert_eq!(
        e,
        "5:18: scenario `x`: command: `{config_args}` needs `configs = \"FILE\"` on the scenario"
    );
    let shadow = format!("{HEAD}[[scenario]]\nname = \"spans\"\nconfigs = \"benchmarks/spans/config.yaml\"\ncommand = [\"py\"]\nmatrix = {{ config = [\"a\"] }}\n");
    let e = load_with_configs(&shadow, "yaml", SPANS_CONFIG)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("a matrix dimension or variable is named `config`"),
        "{e}"
    );
}

#[test]
fn a_scenario_dash_config_name_may_not_repeat_another_benchmark() {
    let text = format!(
        "{HEAD}[[scenario]]\nname = \"spans\"\nconfigs = \"benchmarks/spans/config.yaml\"\ncommand = [\"py\", \"{{config_args}}\"]\n\
         [[scenario]]\nname = \"spans-start\"\ncommand = [\"py\"]\n"
    );
    let e = load_with_configs(&text, "yaml", SPANS_CONFIG)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("suite.toml:8:8: benchmark `s/spans-start` is named twice"),
        "{e}"
    );
}
