//! Simulation mode (`--simulate`, `simulate = true`): each process of a benchmark runs under
//! valgrind, whose counts do not depend on the machine's load.
//!
//! Two tools, two runs per process: valgrind runs one tool per process, so cachegrind (instructions
//! and its cache simulation) and DHAT (the heap) each get a run of their own, one after the other.
//! Alternating the tools between processes instead would halve the processes behind every figure
//! and leave each process with half its metrics, which breaks the pairing of `ab`.
//!
//! The measured part: a process's count includes interpreter start-up and imports, which dilute
//! the change of the code under test. For the `samples` and `pyperf` protocols (the workload runs a
//! given number of iterations) cachegrind runs once more with a single value; the difference of the
//! two counts over the difference of iterations is the count of one iteration
//! (`instructions_per_iteration`, `estimated_cycles_per_iteration`), start-up excluded. Both
//! figures are metrics of the results file, compared and gated like any other; the thresholds of
//! a suite say which one is held to a limit.
//!
//! The cache geometry is fixed (below), not taken from the host, so `estimated_cycles` is the
//! same on every runner.

pub mod cachegrind;
pub mod dhat;

use super::protocol::{self, Attempt, Job, ProcessValues, Stop};
use crate::results::{metric, Status};
use crate::suite::{BenchmarkSpec, Protocol};
use crate::units::Unit;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A fixed cache geometry (a common x86 core: 32 KiB 8-way L1s, an 8 MiB 16-way last level), so
/// that the simulated misses, and `estimated_cycles`, do not follow the host's caches.
const CACHES: [&str; 3] = ["--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64"];

/// What a Python workload gets unless its suite sets it: a fixed hash seed (set and dict order,
/// and with them the work done, stay the same from process to process) and the system allocator
/// (DHAT then sees every object, not pymalloc's arenas).
pub const PYTHON_DEFAULTS: [(&str, &str); 2] =
    [("PYTHONHASHSEED", "0"), ("PYTHONMALLOC", "malloc")];

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("simulation needs valgrind, which cannot be run here ({0}); install it: apt-get install valgrind")]
    Missing(String),
}

/// The simulator found on this machine.
#[derive(Debug, Clone)]
pub struct Simulator {
    /// `valgrind-3.19.0`.
    pub version: String,
    /// Wall time valgrind itself takes to start and end a process (cachegrind on `true`): part of
    /// the wall time of every simulated process, none of its counts.
    pub startup: Duration,
}

impl std::fmt::Display for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "simulating with {} (cachegrind, then DHAT, per process); its own start-up takes {} \
             a process, in the wall time, not in the counts; timeouts x{} (cachegrind), x{} (DHAT)",
            self.version,
            crate::units::format_auto(Unit::Nanoseconds, self.startup.as_nanos() as f64),
            Tool::Cachegrind.slowdown(),
            Tool::Dhat.slowdown()
        )
    }
}

/// Finds valgrind and measures its start-up, or says which package to install.
pub fn require() -> Result<Simulator, SimulateError> {
    let out = std::process::Command::new("valgrind")
        .arg("--version")
        .output()
        .map_err(|e| SimulateError::Missing(format!("`valgrind --version`: {e}")))?;
    if !out.status.success() {
        return Err(SimulateError::Missing(format!(
            "`valgrind --version` exited with {}",
            out.status
        )));
    }
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let start = Instant::now();
    let status = std::process::Command::new("valgrind")
        .args(["-q", "--tool=cachegrind", "--cachegrind-out-file=/dev/null"])
        .args(CACHES)
        .arg("true")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| SimulateError::Missing(format!("valgrind cannot start `true`: {e}")))?;
    if !status.success() {
        return Err(SimulateError::Missing(format!(
            "`valgrind --tool=cachegrind true` exited with {status}"
        )));
    }
    Ok(Simulator {
        version,
        startup: start.elapsed(),
    })
}

/// One valgrind tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Cachegrind,
    Dhat,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Cachegrind => "cachegrind",
            Tool::Dhat => "DHAT",
        }
    }

    /// What a suite's `timeout` is multiplied by under this tool: about twice the slowdown
    /// measured on quickstart's `cpu` loop (a Python int allocated per operation) on a busy
    /// machine, 55 times under cachegrind and 170-220 times under DHAT, whose cost grows with the
    /// allocations.
    fn slowdown(self) -> u32 {
        match self {
            Tool::Cachegrind => 100,
            Tool::Dhat => 400,
        }
    }

    /// valgrind's options for this tool, its out files going to `dir` (one per process of the
    /// tree: pyperf's workers are children of its runner).
    fn argv(self, dir: &Path) -> Vec<String> {
        let mut argv = vec![
            "valgrind".to_string(),
            "-q".into(),
            "--trace-children=yes".into(),
        ];
        match self {
            Tool::Cachegrind => {
                argv.push("--tool=cachegrind".into());
                argv.push("--cache-sim=yes".into());
                argv.extend(CACHES.iter().map(|s| s.to_string()));
                argv.push(format!(
                    "--cachegrind-out-file={}",
                    dir.join("cachegrind.%p").display()
                ));
            }
            Tool::Dhat => {
                argv.push("--tool=dhat".into());
                // Totals need no stacks; one frame per allocation point cut DHAT's time by a
                // quarter on an allocation-heavy Python loop.
                argv.push("--num-callers=1".into());
                argv.push(format!(
                    "--dhat-out-file={}",
                    dir.join("dhat.%p.json").display()
                ));
            }
        }
        argv
    }
}

/// Runs one process of the benchmark under the simulator: its protocol's values from the
/// cachegrind run (wall time under the simulator, samples), plus the simulated metrics.
pub fn measure(job: &Job, interrupt: &AtomicUsize) -> Attempt {
    // Checked once per run: a suite's `simulate = true` reaches here without the CLI's check.
    static FOUND: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(missing) = FOUND.get_or_init(|| require().map(drop).map_err(|e| e.to_string())) {
        return stopped(Status::Failed, missing.clone());
    }
    let mut spec = job.spec.clone();
    let mut env = job.env.clone();
    for (name, value) in PYTHON_DEFAULTS {
        env.entry(name.to_string()).or_insert_with(|| value.into());
    }
    let mut argv = job.argv.to_vec();
    argv[0] = real_program(&argv[0], &env, &spec.cwd);
    // Iterations a value stands for: pyperf's loops, fixed so that calibration (timed, and so not
    // deterministic) is skipped.
    let loops = match spec.protocol {
        Protocol::Pyperf => match pyperf_loops(&argv) {
            Some(l) => l,
            None => {
                argv.push("--loops=1".into());
                1
            }
        },
        _ => 1,
    };
    let iterated = spec.protocol != Protocol::Process;
    if iterated {
        spec.values = spec.values.max(2);
    }

    let sim = Sim {
        job,
        spec: &spec,
        argv: &argv,
        env: &env,
        interrupt,
    };
    let (mut values, counts) = match sim.run(Tool::Cachegrind, "cachegrind") {
        Ok((v, files)) => {
            match sum_files(job, &files, cachegrind::parse, cachegrind::Counts::add) {
                Ok(c) => (v, c),
                Err(a) => return a,
            }
        }
        Err(a) => return a,
    };
    let mut rss = rss_of(&values);
    let per_iteration = if iterated {
        let mut short = spec.clone();
        short.values = 1;
        let sim = Sim {
            spec: &short,
            ..sim
        };
        let (v, files) = match sim.run(Tool::Cachegrind, "cachegrind-short") {
            Ok(r) => r,
            Err(a) => return a,
        };
        rss = rss.max(rss_of(&v));
        let one = match sum_files(job, &files, cachegrind::parse, cachegrind::Counts::add) {
            Ok(c) => c,
            Err(a) => return a,
        };
        let iterations = f64::from((spec.values - 1) * loops);
        Some((
            (counts.instructions as f64 - one.instructions as f64) / iterations,
            (counts.estimated_cycles() as f64 - one.estimated_cycles() as f64) / iterations,
        ))
    } else {
        None
    };
    let heap = match sim.run(Tool::Dhat, "dhat") {
        Ok((v, files)) => {
            rss = rss.max(rss_of(&v));
            match sum_files(job, &files, dhat::parse, dhat::Heap::add) {
                Ok(h) => h,
                Err(a) => return a,
            }
        }
        Err(a) => return a,
    };

    let mut put = |name: &str, unit: Unit, v: f64| {
        values.insert(name.to_string(), (unit, vec![v]));
    };
    put(metric::MAX_RSS_USAGE, Unit::Bytes, rss);
    put(
        metric::INSTRUCTIONS,
        Unit::Count,
        counts.instructions as f64,
    );
    put(
        metric::ESTIMATED_CYCLES,
        Unit::Count,
        counts.estimated_cycles() as f64,
    );
    if let Some((instructions, cycles)) = per_iteration {
        put(
            metric::INSTRUCTIONS_PER_ITERATION,
            Unit::Count,
            instructions,
        );
        put(metric::ESTIMATED_CYCLES_PER_ITERATION, Unit::Count, cycles);
    }
    put(metric::HEAP_PEAK, Unit::Bytes, heap.peak as f64);
    put(metric::HEAP_ALLOCATED, Unit::Bytes, heap.allocated as f64);
    put(metric::ALLOCATIONS, Unit::Count, heap.allocations as f64);
    Attempt::Measured(values)
}

/// One process of a benchmark ready to run under a tool.
#[derive(Clone, Copy)]
struct Sim<'a> {
    job: &'a Job<'a>,
    spec: &'a BenchmarkSpec,
    argv: &'a [String],
    env: &'a BTreeMap<String, String>,
    interrupt: &'a AtomicUsize,
}

impl Sim<'_> {
    /// Runs the process under `tool` with its protocol; returns its values and the out files the
    /// tool wrote, or the attempt to report (a failure says which tool it ran under).
    fn run(&self, tool: Tool, label: &str) -> Result<(ProcessValues, Vec<PathBuf>), Attempt> {
        let dir = self.job.scratch.join(format!("{label}-{}", self.job.index));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| {
            stopped(
                Status::Failed,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let mut argv = tool.argv(&dir);
        argv.extend(self.argv.iter().cloned());
        let mut spec = self.spec.clone();
        spec.timeout = spec.timeout.saturating_mul(tool.slowdown());
        let job = Job {
            spec: &spec,
            argv: &argv,
            env: self.env,
            scratch: self.job.scratch,
            index: self.job.index,
            // The simulated command fixes its loops (`--loops=1` unless its own), so no
            // calibration is shared.
            pyperf_loops: self.job.pyperf_loops,
            name_filter: self.job.name_filter,
        };
        let values = match protocol::measure(&job, self.interrupt) {
            Attempt::Measured(v) => v,
            Attempt::Stopped(mut stop) => {
                let _ = std::fs::remove_dir_all(&dir);
                stop.reason = format!("{} (under valgrind's {})", stop.reason, tool.name());
                return Err(Attempt::Stopped(stop));
            }
            interrupted => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(interrupted);
            }
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        if files.is_empty() {
            return Err(stopped(
                Status::Failed,
                format!(
                    "benchmark `{}`: valgrind's {} wrote no out file in {}",
                    self.spec.key,
                    tool.name(),
                    dir.display()
                ),
            ));
        }
        Ok((values, files))
    }
}

/// Parses and adds up the out files of one run (one per process of the tree), then removes them.
fn sum_files<T: Default>(
    job: &Job,
    files: &[PathBuf],
    parse: fn(&str) -> Result<T, String>,
    add: fn(&mut T, T),
) -> Result<T, Attempt> {
    let mut total = T::default();
    let mut result = Ok(());
    for file in files {
        let read = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| parse(&text));
        match read {
            Ok(v) => add(&mut total, v),
            Err(message) => {
                result = Err(stopped(
                    Status::Failed,
                    format!(
                        "benchmark `{}`: {}: {message}",
                        job.spec.key,
                        file.display()
                    ),
                ));
                break;
            }
        }
    }
    if let Some(dir) = files.first().and_then(|f| f.parent()) {
        if result.is_ok() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result.map(|()| total)
}

fn rss_of(values: &ProcessValues) -> f64 {
    values
        .get(metric::MAX_RSS_USAGE)
        .and_then(|(_, v)| v.first().copied())
        .unwrap_or(0.0)
}

fn stopped(status: Status, reason: String) -> Attempt {
    Attempt::Stopped(Stop {
        status,
        reason,
        stderr_tail: None,
        oom: None,
    })
}

/// pyperf's `--loops N` or `--loops=N` in a command line.
fn pyperf_loops(argv: &[String]) -> Option<u32> {
    argv.iter().enumerate().find_map(|(i, a)| {
        let value = match a.strip_prefix("--loops") {
            Some("") => argv.get(i + 1)?.as_str(),
            Some(rest) => rest.strip_prefix('=')?,
            None => return None,
        };
        value.parse().ok().filter(|l| *l > 0)
    })
}

/// The program to put under the simulator. A Python launcher script (a pyenv or asdf shim: a
/// `#!` script named `python...`) would be simulated too, shell and all, and tell nothing of the
/// workload: it is replaced by the interpreter it starts (`sys.executable`, which keeps a
/// virtualenv's own path). Anything else runs as written.
fn real_program(program: &str, env: &BTreeMap<String, String>, cwd: &Path) -> String {
    static SEEN: Mutex<Option<HashMap<PathBuf, String>>> = Mutex::new(None);
    let Some(path) = locate(program, env, cwd) else {
        return program.to_string();
    };
    let is_python = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("python"));
    if !is_python || !is_script(&path) {
        return program.to_string();
    }
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = seen.get_or_insert_with(HashMap::new);
    if let Some(real) = seen.get(&path) {
        return real.clone();
    }
    let real = std::process::Command::new(&path)
        .args(["-c", "import sys; print(sys.executable)"])
        .envs(env)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|p| !p.is_empty() && Path::new(p).is_file())
        .unwrap_or_else(|| program.to_string());
    seen.insert(path, real.clone());
    real
}

/// Where `program` is: a path (relative to `cwd`) when it holds a `/`, else the first match on
/// the PATH (the spec's own PATH if it sets one).
fn locate(program: &str, env: &BTreeMap<String, String>, cwd: &Path) -> Option<PathBuf> {
    if program.contains('/') {
        let p = cwd.join(program);
        return p.is_file().then_some(p);
    }
    let paths = env
        .get("PATH")
        .map(std::ffi::OsString::from)
        .or_else(|| std::env::var_os("PATH"))?;
    std::env::split_paths(&paths)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn is_script(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == b"#!")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyperf_loops_in_both_spellings() {
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pyperf_loops(&argv(&["py", "b.py", "--loops", "40"])),
            Some(40)
        );
        assert_eq!(pyperf_loops(&argv(&["py", "b.py", "--loops=8"])), Some(8));
        assert_eq!(pyperf_loops(&argv(&["py", "b.py", "--loopsx=8"])), None);
        assert_eq!(pyperf_loops(&argv(&["py", "b.py"])), None);
    }

    #[test]
    fn a_python_shim_is_replaced_by_its_interpreter() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("python-real");
        std::os::unix::fs::symlink("/bin/sh", &real).unwrap();
        let shim = dir.path().join("python3");
        // A "shim" that answers like an interpreter asked for sys.executable.
        std::fs::write(&shim, format!("#!/bin/sh\necho {}\n", real.display())).unwrap();
        std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let mut env = BTreeMap::new();
        env.insert("PATH".to_string(), dir.path().display().to_string());
        assert_eq!(
            real_program("python3", &env, dir.path()),
            real.display().to_string()
        );
        // Not a script, or not named python: left alone.
        assert_eq!(real_program("python-real", &env, dir.path()), "python-real");
        assert_eq!(real_program("sh", &BTreeMap::new(), dir.path()), "sh");
    }

    #[test]
    fn tool_options_fix_the_caches_and_follow_children() {
        let cg = Tool::Cachegrind.argv(Path::new("/s"));
        assert!(cg.contains(&"--trace-children=yes".to_string()));
        assert!(cg.contains(&"--LL=8388608,16,64".to_string()));
        assert!(cg.contains(&"--cachegrind-out-file=/s/cachegrind.%p".to_string()));
        let dh = Tool::Dhat.argv(Path::new("/s"));
        assert!(dh.contains(&"--dhat-out-file=/s/dhat.%p.json".to_string()));
    }
}
