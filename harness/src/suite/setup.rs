//! A suite's setup commands (virtualenvs, installs), run once per distinct setup and cached.
//!
//! The cache key hashes the resolved commands and the content of the suite files they name
//! (`pip install -r requirements.txt` names `requirements.txt`), so changing a variable
//! (`.venv-{ddtrace}`) or a requirements file runs setup again, and two variable values keep two
//! cached environments side by side. A marker file per key lives in `<suite dir>/.slogate-setup/`.

use super::{hex, io_error, is_generated, Suite, SuiteError};
use crate::fsutil::write_atomic;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The directory of setup markers inside a suite directory.
pub const MARKER_DIR: &str = ".slogate-setup";

/// Lines of a failed command's output shown in the error.
const TAIL_LINES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupOutcome {
    /// The commands ran and succeeded.
    Ran,
    /// A marker for the same setup exists (or the suite has no setup): nothing ran.
    Cached,
}

/// Runs the suite's setup commands (`sh -c`, cwd = suite dir) unless a marker for the same setup
/// hash exists. A failed command stops the setup, leaves no marker, and is reported with the tail
/// of its output.
pub fn run_setup(suite: &Suite) -> Result<SetupOutcome, SuiteError> {
    if suite.setup.is_empty() {
        return Ok(SetupOutcome::Cached);
    }
    let markers = suite.dir.join(MARKER_DIR);
    let before = setup_hash(suite)?;
    if markers.join(&before).is_file() {
        return Ok(SetupOutcome::Cached);
    }
    for command in &suite.setup {
        run_command(suite, command)?;
    }
    // A command may write a file another one names: the key seen next time then differs from the
    // one computed before running, and both stand for this finished setup.
    let after = setup_hash(suite)?;
    let record = format!("{}\n", suite.setup.join("\n"));
    for key in [before, after] {
        let marker = markers.join(key);
        write_atomic(&marker, record.as_bytes()).map_err(io_error(&marker))?;
    }
    Ok(SetupOutcome::Ran)
}

/// sha256 (hex) of the resolved commands and of the suite files they name.
pub fn setup_hash(suite: &Suite) -> Result<String, SuiteError> {
    let mut hasher = Sha256::new();
    for command in &suite.setup {
        hasher.update(command.as_bytes());
        hasher.update([0]);
    }
    for file in named_files(suite) {
        let path = suite.dir.join(&file);
        let content = fs::read(&path).map_err(io_error(&path))?;
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    Ok(hex(&hasher.finalize()))
}

/// Words of the setup commands (and the right side of `--opt=word`) that are files of the suite
/// directory, relative to it; generated files (virtualenvs, caches) are not inputs.
fn named_files(suite: &Suite) -> BTreeSet<PathBuf> {
    let mut files = BTreeSet::new();
    for command in &suite.setup {
        for word in command.split_whitespace() {
            let word = word.trim_matches(|c| c == '"' || c == '\'');
            let candidates = [Some(word), word.split_once('=').map(|(_, v)| v)];
            for candidate in candidates.into_iter().flatten() {
                if let Some(rel) = suite_file(&suite.dir, candidate) {
                    files.insert(rel);
                }
            }
        }
    }
    files
}

/// `word` as a path relative to `dir`, when it names a regular file that is not generated: relative
/// to the suite directory (`../shared/requirements.txt` counts), or absolute inside it (from
/// `{suite_dir}`); other absolute paths (`/usr/bin/python3`) are tools, not inputs.
fn suite_file(dir: &Path, word: &str) -> Option<PathBuf> {
    if word.is_empty() {
        return None;
    }
    let path = Path::new(word);
    let rel = if path.is_absolute() {
        path.strip_prefix(dir).ok()?.to_path_buf()
    } else {
        path.to_path_buf()
    };
    let generated = rel.components().any(|c| match c {
        Component::Normal(name) => is_generated(name),
        _ => false,
    });
    (!generated && dir.join(&rel).is_file()).then_some(rel)
}

fn run_command(suite: &Suite, command: &str) -> Result<(), SuiteError> {
    let log_err = io_error(&suite.dir);
    let mut log = tempfile::tempfile().map_err(log_err)?;
    let clone = |log: &fs::File| log.try_clone().map_err(io_error(&suite.dir));
    let status = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(&suite.dir)
        .stdin(Stdio::null())
        .stdout(clone(&log)?)
        .stderr(clone(&log)?)
        .status()
        .map_err(io_error(Path::new("sh")))?;
    if status.success() {
        return Ok(());
    }
    let mut output = Vec::new();
    log.seek(SeekFrom::Start(0))
        .and_then(|_| log.read_to_end(&mut output))
        .map_err(io_error(&suite.dir))?;
    Err(SuiteError::SetupFailed {
        suite: suite.name.clone(),
        command: command.to_string(),
        status: status.to_string(),
        output: match tail(&String::from_utf8_lossy(&output), TAIL_LINES) {
            // A command that fails without a word often could not write one: say how full the disks
            // it writes to are.
            silent if silent == NO_OUTPUT => format!(
                "{silent}; free space: {} (suite directory), {} (temporary directory)",
                free_space(&suite.dir),
                free_space(&std::env::temp_dir())
            ),
            text => text,
        },
    })
}

/// What `tail` says of a command that printed nothing.
const NO_OUTPUT: &str = "(no output)";

/// The space left for an unprivileged writer on the filesystem holding `path`, for an error message.
fn free_space(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return "unknown".to_string();
    };
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c_path` is a NUL-terminated string and `stat` a valid out-pointer for the call.
    if unsafe { libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) } != 0 {
        return "unknown".to_string();
    }
    // SAFETY: statvfs returned 0, so it filled `stat`.
    let stat = unsafe { stat.assume_init() };
    let bytes = stat.f_bavail as f64 * stat.f_frsize as f64;
    format!("{:.1} GB", bytes / 1e9)
}

/// The last `lines` lines of `text`, or a note that there was no output.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    if all.is_empty() {
        return NO_OUTPUT.to_string();
    }
    all[all.len().saturating_sub(lines)..].join("\n")
}
