//! py-spy: samples a Python workload (and its subprocesses) from outside, by reading its memory.
//! It needs ptrace rights over the workload; it starts the workload itself, so a parent's rights
//! suffice where the kernel allows them (`kernel.yama.ptrace_scope` up to 1, or CAP_SYS_PTRACE).

use super::folded::{short_path, Folded};
use super::{ProfileError, ProfileSource};
use crate::suite::spec::TMP_PLACEHOLDER;
use std::path::Path;

/// Samples per second. The noise of a function's sampled share shrinks with its samples: on the
/// Python test fixture (0.5 s processes, three functions of equal work) each function gets about
/// 40 samples a process at 250 Hz and 150 at 1000 Hz, and resampling 60 processes a side put the
/// function made 30% slower first in 88% of 5-process tables at 250 Hz, 99% at 1000 Hz. py-spy
/// reading a shallow stack without pausing (`--nonblocking`) stays cheap at that rate (0.05 s
/// more system time a 0.5 s process). Without pausing the workload at each sample: a sampler
/// starved of CPU would otherwise hold the workload stopped, and time its pauses with the
/// machine's load rather than the workload.
const RATE: u32 = 1000;

const OUTPUT: &str = "slogate-py-spy.txt";

pub struct PySpy;

impl ProfileSource for PySpy {
    fn name(&self) -> &'static str {
        "py-spy"
    }

    fn wrap(&self, argv: &[String]) -> Vec<String> {
        let rate = RATE.to_string();
        let out = format!("{TMP_PLACEHOLDER}/{OUTPUT}");
        let head = [
            "py-spy",
            "record",
            "--format",
            "raw",
            "--function",
            "--subprocesses",
            "--nonblocking",
            "--rate",
            &rate,
            "--output",
            &out,
            "--",
        ];
        head.iter()
            .map(|s| s.to_string())
            .chain(argv.iter().cloned())
            .collect()
    }

    fn slowdown(&self) -> u32 {
        2
    }

    /// Under load the spread between processes is 2-3 times the sampling's own (a wait for a CPU
    /// is charged to whichever function was running): with 5 processes a side the slowed
    /// function of the Python fixture headed the table in 8 of 10 runs twice (load 2.5-3.7),
    /// with 8 in 10 of 10 twice (load 1.7-3.2; harness/benches/profile_top.sh), for 6 more
    /// profiled processes (each try of that script took 18-21 s, against 15-22 s with 5).
    fn runs(&self) -> u32 {
        8
    }

    fn read(&self, tmp: &Path) -> Result<Folded, ProfileError> {
        let path = tmp.join(OUTPUT);
        let text = std::fs::read_to_string(&path).map_err(|e| ProfileError::Read {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let mut folded = Folded::parse(&text, &path.display().to_string(), frame)
            .map_err(ProfileError::Parse)?;
        folded.unit = "samples".to_string();
        Ok(folded)
    }

    fn explain(&self, output: &str) -> Option<String> {
        let denied = ["Permission denied", "Operation not permitted", "ptrace"];
        denied.iter().any(|d| output.contains(d)).then(|| {
            "py-spy cannot attach to the workload (no ptrace rights: run as root, with \
             CAP_SYS_PTRACE, or with kernel.yama.ptrace_scope at most 1)"
                .to_string()
        })
    }
}

/// `f (dir/file.py:12)` as `f (file.py)`: line numbers move between two versions of a file, and
/// py-spy's `process 123:"cmd"` roots differ per process, so they go.
fn frame(f: &str) -> Option<String> {
    if f.starts_with("process ") && f.contains(':') {
        return None;
    }
    let Some((name, rest)) = f.split_once(" (") else {
        return Some(f.to_string());
    };
    let inner = rest.strip_suffix(')').unwrap_or(rest);
    let file = match inner.rsplit_once(':') {
        Some((file, line)) if line.chars().all(|c| c.is_ascii_digit()) => file,
        _ => inner,
    };
    Some(format!("{name} ({})", short_path(file)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_lose_line_numbers_and_process_roots() {
        assert_eq!(frame(r#"process 16427:"python3 w.py""#), None);
        assert_eq!(frame("a (w.py:1)").unwrap(), "a (w.py)");
        assert_eq!(
            frame("_find_and_load (<frozen importlib._bootstrap>:1165)").unwrap(),
            "_find_and_load (<frozen importlib._bootstrap>)"
        );
        assert_eq!(
            frame("run (/v/lib/python3.11/site-packages/x/y.py:3)").unwrap(),
            "run (x/y.py)"
        );
        assert_eq!(frame("<native>").unwrap(), "<native>");
    }

    #[test]
    fn a_permission_error_says_ptrace() {
        let why = PySpy
            .explain("Error: Failed to open process 12: Permission denied (os error 13)")
            .unwrap();
        assert!(why.contains("ptrace"), "{why}");
        assert_eq!(PySpy.explain("Error: Failed to find python version"), None);
    }
}
