//! `slogate init`: finds the benchmarks a repository already has and writes one readable,
//! commented suite that runs them under the framework protocols.
//!
//! What is found, each one scenario:
//! - pyperf scripts: a `.py` file that imports `pyperf` and makes a `Runner`;
//! - pytest-benchmark files: a `test_*.py` or `*_test.py` file with a `def test_...(benchmark...`;
//! - Google Benchmark sources: a C++ file including `benchmark/benchmark.h` (built by the suite's
//!   setup with `g++`, which a person may need to adjust);
//! - Go packages: a directory with a `_test.go` file declaring `func Benchmark...`;
//! - criterion benches: a `Cargo.toml` with a `[[bench]]` of `harness = false` depending on
//!   `criterion`;
//! - scenario folders: a directory holding `scenario.py` (a pyperf script) and `config.yaml`
//!   (`.yml`, `.toml`, `.json`) whose top-level keys are named configurations: one scenario
//!   taking its variants from the file (`configs`, with `{config_args}` in its command).
//!
//! Version-control, build and virtualenv directories are not searched. The suite refers to the
//! files from its own directory (`{suite_dir}/../../<path>`), so it runs from any checkout of the
//! repository, as `ab` needs.

use std::path::{Path, PathBuf};

/// A kind of benchmark file or directory `init` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Pyperf,
    PytestBenchmark,
    GoogleBenchmark,
    GoPackage,
    Criterion,
    ScenarioFolder,
}

/// One thing found: its kind and its path relative to the repository (a file; for a Go package
/// or a scenario folder its directory; for criterion the bench's name in `path`'s `Cargo.toml`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    pub kind: Kind,
    pub path: PathBuf,
    /// The criterion bench's name; a scenario folder's configuration file name.
    pub bench: Option<String>,
}

/// Directories never searched: version control, builds, dependencies, virtualenvs.
const SKIPPED_DIRS: &[&str] = &[
    "target",
    "node_modules",
    "venv",
    "site-packages",
    "__pycache__",
    "build",
    "dist",
    "vendor",
    "suites",
];

/// The configuration files of a scenario folder, in the order looked for.
const CONFIG_FILES: &[&str] = &["config.yaml", "config.yml", "config.toml", "config.json"];

/// Files larger than this are not read (generated or data files).
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Everything under `root` that `init` knows how to run, in a stable order.
pub fn detect(root: &Path) -> std::io::Result<Vec<Found>> {
    let mut found = Vec::new();
    walk(root, root, &mut found)?;
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<Found>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    let config = CONFIG_FILES.iter().find(|c| dir.join(c).is_file());
    let folder = config.filter(|_| dir.join("scenario.py").is_file());
    if let Some(config) = folder {
        let rel = dir.strip_prefix(root).unwrap_or(dir).to_path_buf();
        found.push(Found {
            kind: Kind::ScenarioFolder,
            path: rel,
            bench: Some(config.to_string()),
        });
    }
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                walk(root, &path, found)?;
            }
            continue;
        }
        if !ft.is_file() || entry.metadata().map_or(true, |m| m.len() > MAX_FILE_BYTES) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let mut add =
            |kind, path: PathBuf, bench: Option<String>| found.push(Found { kind, path, bench });
        if folder.is_some() && name == "scenario.py" {
            // The folder's scenario, already found with its configurations.
            continue;
        }
        if name.ends_with(".py") {
            if is_pytest_benchmark(&name, &text) {
                add(Kind::PytestBenchmark, rel, None);
            } else if is_pyperf_script(&text) {
                add(Kind::Pyperf, rel, None);
            }
        } else if name.ends_with("_test.go") && text.contains("func Benchmark") {
            let dir = rel.parent().map(Path::to_path_buf).unwrap_or_default();
            add(Kind::GoPackage, dir, None);
        } else if [".cc", ".cpp", ".cxx"].iter().any(|e| name.ends_with(e))
            && text.contains("benchmark/benchmark.h")
        {
            add(Kind::GoogleBenchmark, rel, None);
        } else if name == "Cargo.toml" {
            for bench in criterion_benches(&text) {
                add(Kind::Criterion, rel.clone(), Some(bench));
            }
        }
    }
    Ok(())
}

fn is_pytest_benchmark(name: &str, text: &str) -> bool {
    static TEST: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let test = TEST.get_or_init(|| {
        regex::Regex::new(r"(?m)^\s*def test_\w*\s*\([^)]*\bbenchmark\b").expect("valid regex")
    });
    (name.starts_with("test_") || name.ends_with("_test.py")) && test.is_match(text)
}

fn is_pyperf_script(text: &str) -> bool {
    (text.contains("import pyperf") || text.contains("from pyperf")) && text.contains("Runner(")
}

/// The `[[bench]]` names of a `Cargo.toml` with `harness = false`, when it depends on criterion.
fn criterion_benches(text: &str) -> Vec<String> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let depends = ["dev-dependencies", "dependencies"]
        .iter()
        .any(|t| doc.get(*t).and_then(|d| d.get("criterion")).is_some());
    if !depends {
        return Vec::new();
    }
    doc.get("bench")
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten()
        .filter(|b| b.get("harness").and_then(|h| h.as_bool()) == Some(false))
        .filter_map(|b| b.get("name")?.as_str().map(String::from))
        .collect()
}

/// A scenario name for `found`: its file's stem (or directory's, or bench's name), in the
/// characters a name may hold, unique among `taken`.
fn scenario_name(found: &Found, taken: &mut Vec<String>) -> String {
    let base = match &found.bench {
        Some(b) if found.kind == Kind::Criterion => b.clone(),
        _ if found.kind == Kind::ScenarioFolder => found
            .path
            .file_name()
            .map_or_else(|| "root".to_string(), |n| n.to_string_lossy().into_owned()),
        _ => {
            let stem = found
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            stem.filter(|s| !s.is_empty())
                .unwrap_or_else(|| "root".to_string())
        }
    };
    let base = name_chars(&base);
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// `name` in the characters a suite or scenario name may hold: any other becomes `-`.
pub fn name_chars(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A TOML string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The suite file for `found`, named `name`: every scenario commented with what it runs and
/// what a person may want to change.
pub fn suite_text(name: &str, found: &[Found]) -> String {
    let mut out = format!(
        "# Written by `slogate init`: the benchmarks found in this repository, one scenario each.\n\
         # Read it, adjust it, and check it with `slogate check`. Paths are relative to this\n\
         # suite's directory, so that every checkout runs its own files (`slogate ab`).\n\n\
         [suite]\nname = {}\n",
        quoted(name)
    );
    let setup: Vec<String> = found
        .iter()
        .filter(|f| f.kind == Kind::GoogleBenchmark)
        .map(|f| {
            let stem = f.path.file_stem().unwrap_or_default().to_string_lossy();
            format!(
                "g++ -O2 -std=c++17 ../../{} -o {stem}.bench -lbenchmark -lpthread",
                f.path.display()
            )
        })
        .collect();
    if !setup.is_empty() {
        out.push_str(
            "# Builds the Google Benchmark binaries (in this directory): adjust to your build.\n",
        );
        let lines: Vec<String> = setup
            .iter()
            .map(|s| format!("  {},\n", quoted(s)))
            .collect();
        out.push_str(&format!("setup = [\n{}]\n", lines.concat()));
    }
    let python = found.iter().any(|f| {
        matches!(
            f.kind,
            Kind::Pyperf | Kind::PytestBenchmark | Kind::ScenarioFolder
        )
    });
    if python {
        out.push_str(
            "\n[vars]\n# The Python that has pyperf and pytest-benchmark (`--var python=.venv/bin/python`).\n\
             python = \"python3\"\n",
        );
    }
    out.push_str(
        "\n[defaults]\nprocesses = 10       # processes per benchmark (rounds under `slogate ab`)\n\
         values = 3           # values per process of each benchmark\n\
         warmups = 1\ntimeout = \"300s\"    # per process: a Go or Rust build may come first\n",
    );
    let mut taken = Vec::new();
    for f in found {
        let name = scenario_name(f, &mut taken);
        let path = format!("{{suite_dir}}/../../{}", f.path.display());
        let (about, protocol, command): (String, &str, Vec<String>) = match f.kind {
            Kind::Pyperf => (
                format!("pyperf script {}: each benchmark it registers is recorded", f.path.display()),
                "pyperf",
                vec!["{python}".into(), path],
            ),
            Kind::PytestBenchmark => (
                format!(
                    "pytest-benchmark tests of {}: each test is a benchmark. On a shared machine,\n\
                     # `--benchmark-timer time.process_time` measures CPU time instead of wall time",
                    f.path.display()
                ),
                "pytest-benchmark",
                vec!["{python}".into(), "-m".into(), "pytest".into(), path],
            ),
            Kind::GoogleBenchmark => {
                let stem = f.path.file_stem().unwrap_or_default().to_string_lossy();
                (
                    format!(
                        "Google Benchmark {} (built by the setup above): each benchmark it runs",
                        f.path.display()
                    ),
                    "google-benchmark",
                    vec![format!("{{suite_dir}}/{stem}.bench")],
                )
            }
            Kind::GoPackage => (
                format!(
                    "Go package {}: each `Benchmark...` function (`go test` runs in the package's \
                     module)",
                    display_dir(&f.path)
                ),
                "go-test",
                vec![
                    "sh".into(),
                    "-c".into(),
                    format!("cd {path} && exec go test . \"$@\""),
                    "sh".into(),
                ],
            ),
            Kind::ScenarioFolder => (
                format!(
                    "scenario folder {}: one benchmark `{name}-<config>` per configuration of its \
                     {}, given to scenario.py as `--key value` arguments",
                    display_dir(&f.path),
                    f.bench.as_deref().unwrap_or("config.yaml")
                ),
                "pyperf",
                vec![
                    "{python}".into(),
                    format!("{path}/scenario.py"),
                    "{config_args}".into(),
                ],
            ),
            Kind::Criterion => {
                let bench = f.bench.as_deref().unwrap_or_default();
                (
                    format!(
                        "criterion bench `{bench}` of {}: each benchmark function",
                        f.path.display()
                    ),
                    "criterion",
                    vec![
                        "cargo".into(),
                        "bench".into(),
                        "--manifest-path".into(),
                        path,
                        "--bench".into(),
                        bench.into(),
                    ],
                )
            }
        };
        let command: Vec<String> = command.iter().map(|a| quoted(a)).collect();
        out.push_str(&format!(
            "\n# {about}.\n[[scenario]]\nname = {}\nprotocol = {}\ncommand = [{}]\n",
            quoted(&name),
            quoted(protocol),
            command.join(", ")
        ));
        if f.kind == Kind::ScenarioFolder {
            let file = f.bench.as_deref().unwrap_or("config.yaml");
            out.push_str(&format!(
                "configs = {}\n",
                quoted(&format!("../../{}/{file}", f.path.display()))
            ));
        }
    }
    out
}

fn display_dir(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        ".".into()
    } else {
        path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_safe_characters_and_dash_the_rest() {
        assert_eq!(name_chars("bench_1.v-2"), "bench_1.v-2");
        assert_eq!(name_chars("my bench/π"), "my-bench--");
    }

    #[test]
    fn finds_each_layout_and_skips_build_directories() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("bench/run.py", "import pyperf\nrunner = pyperf.Runner()\n");
        write(
            "tests/test_io.py",
            "def test_read(benchmark):\n    benchmark(f)\n",
        );
        write("tests/test_plain.py", "def test_read():\n    pass\n");
        write(
            "go/m/x_test.go",
            "package m\nfunc BenchmarkX(b *testing.B) {}\n",
        );
        write("cpp/b.cc", "#include <benchmark/benchmark.h>\n");
        write(
            "rs/Cargo.toml",
            "[package]\nname = \"r\"\n[dev-dependencies]\ncriterion = \"0.5\"\n\
             [[bench]]\nname = \"parse\"\nharness = false\n",
        );
        write(".venv/lib/test_x.py", "def test_x(benchmark): pass\n");
        write(
            "benchmarks/spans/scenario.py",
            "import pyperf\nrunner = pyperf.Runner()\n",
        );
        write("benchmarks/spans/config.yaml", "start:\n  n: 1\n");
        write("target/x_test.go", "func BenchmarkY(b *testing.B) {}\n");
        let found = detect(dir.path()).unwrap();
        let got: Vec<(Kind, String)> = found
            .iter()
            .map(|f| (f.kind, f.path.display().to_string()))
            .collect();
        assert_eq!(
            got,
            [
                (Kind::Pyperf, "bench/run.py".into()),
                (Kind::PytestBenchmark, "tests/test_io.py".into()),
                (Kind::GoogleBenchmark, "cpp/b.cc".into()),
                (Kind::GoPackage, "go/m".into()),
                (Kind::Criterion, "rs/Cargo.toml".into()),
                (Kind::ScenarioFolder, "benchmarks/spans".into()),
            ]
        );
        let text = suite_text("repo", &found);
        let doc: toml::Table = text.parse().unwrap();
        let scenarios = doc["scenario"].as_array().unwrap();
        let names: Vec<&str> = scenarios
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["run", "test_io", "b", "m", "parse", "spans"]);
        assert!(text.contains("--bench\", \"parse\""), "{text}");
        let spans = &scenarios[5];
        assert_eq!(
            spans["configs"].as_str(),
            Some("../../benchmarks/spans/config.yaml")
        );
        assert_eq!(spans["command"][2].as_str(), Some("{config_args}"));
    }
}
