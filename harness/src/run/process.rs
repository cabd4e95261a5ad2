//! One workload process: spawned in its own process group, watched (timeout, memory cap of the whole
//! tree, interruption), reaped with `wait4` for its resource usage, and never left behind.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

/// How often the watchdog looks at the clock, the memory of the tree and the interrupt flag.
const WATCH_INTERVAL: Duration = Duration::from_millis(50);
/// Lines of stderr kept for a failure report.
const TAIL_LINES: usize = 20;
/// Longest line kept in a tail, bytes.
const MAX_LINE: usize = 2048;
/// How long to wait for the output pipes to close once the group is dead (a process that left the
/// group may hold them open; its output is then given up rather than waited for).
const PIPE_GRACE: Duration = Duration::from_secs(1);

/// The CPUs every workload process of this run is pinned to (`run --cpus`): a property of the
/// whole run, set once before it starts.
static PINNED: OnceLock<libc::cpu_set_t> = OnceLock::new();

/// Pins every workload process started from now on to these CPUs (checked present by the
/// caller). A second call is refused: one run, one CPU set.
pub fn pin_workloads(cpus: &[usize]) -> Result<(), ProcessError> {
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET is bounded by CPU_SETSIZE.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus {
        if cpu >= libc::CPU_SETSIZE as usize {
            return Err(ProcessError::Pin(format!("CPU {cpu} is out of range")));
        }
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    PINNED
        .set(set)
        .map_err(|_| ProcessError::Pin("workloads are already pinned".into()))
}

/// What to run and under which limits.
#[derive(Debug, Clone)]
pub struct ProcessSpec<'a> {
    pub argv: &'a [String],
    pub env: &'a BTreeMap<String, String>,
    pub cwd: &'a Path,
    pub timeout: Duration,
    pub memory_limit: Option<u64>,
}

/// How the process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Exited by itself with this code.
    Exited(i32),
    /// Killed by a signal the harness did not send.
    Signaled(i32),
    /// Killed by the harness: it ran past its timeout.
    Timeout,
    /// Killed by the harness: the resident memory of its tree passed the cap.
    Oom { peak_bytes: u64, cap_bytes: u64 },
    /// Killed by the harness because the run was interrupted by this signal.
    Interrupted(i32),
}

/// What the harness measured of one process.
#[derive(Debug, Clone)]
pub struct ProcessRun {
    pub ending: Ending,
    /// From just before spawn to the moment the process was seen to end.
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    /// Peak resident memory, bytes: the larger of `wait4`'s `ru_maxrss` (the largest single
    /// process) and the largest sum over the tree the watchdog saw.
    pub max_rss: u64,
    /// The last lines of stderr (or of stdout when stderr was empty).
    pub output_tail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("cannot start `{program}` (in {cwd}): {source}")]
    Spawn {
        program: String,
        cwd: PathBuf,
        source: std::io::Error,
    },
    #[error("empty command")]
    EmptyCommand,
    #[error("cannot pin workloads: {0}")]
    Pin(String),
    #[error("waiting for process {pid}: {source}")]
    Wait { pid: i32, source: std::io::Error },
}

/// Kills a process group when dropped, so that no exit path (error, panic) leaves it running.
struct GroupGuard(i32);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_group(self.0);
    }
}

fn kill_group(pgid: i32) {
    // SAFETY: plain syscall; a group that is already gone gives ESRCH, which is what we want.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// Runs one process to its end. `interrupt` holds the number of a signal the harness received
/// (0: none); when it becomes non-zero the process group is killed at once.
pub fn run_process(
    spec: &ProcessSpec,
    interrupt: &AtomicUsize,
) -> Result<ProcessRun, ProcessError> {
    let (program, args) = spec.argv.split_first().ok_or(ProcessError::EmptyCommand)?;
    let spawn_error = |source| ProcessError::Spawn {
        program: program.clone(),
        cwd: spec.cwd.to_path_buf(),
        source,
    };
    let (out_read, out_write) = std::io::pipe().map_err(spawn_error)?;
    let (err_read, err_write) = std::io::pipe().map_err(spawn_error)?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(spec.env)
        .current_dir(spec.cwd)
        .stdin(Stdio::null())
        .stdout(out_write)
        .stderr(err_write);
    // SAFETY: only async-signal-safe calls between fork and exec.
    let harness = unsafe { libc::getpid() };
    let pinned = PINNED.get().copied();
    unsafe {
        cmd.pre_exec(move || {
            if let Some(set) = &pinned {
                if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Should the harness be killed outright (no chance to kill the group), the workload
            // dies with it rather than run on unwatched.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != harness {
                return Err(std::io::Error::other("the harness exited"));
            }
            Ok(())
        });
    }
    // Every helper thread starts before the clock does, so its start-up is not timed.
    let stdout = tail_reader(out_read);
    let stderr = tail_reader(err_read);
    let timeout = spec.timeout;
    let cap = spec.memory_limit;
    let (go_tx, go_rx) = mpsc::channel::<(i32, Instant)>();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (guard, wall, watched) = std::thread::scope(|scope| {
        let watchdog = scope.spawn(move || {
            let (pid, start) = go_rx.recv().ok()?;
            Some(watch(pid, start, timeout, cap, interrupt, stop_rx))
        });
        let start = Instant::now();
        let spawned = cmd.spawn();
        // The harness's copies of the pipes' write ends go with `cmd`, so the readers see EOF.
        drop(cmd);
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                // Lets the waiting watchdog end, or the scope would wait for it forever.
                drop(go_tx);
                return Err(spawn_error(e));
            }
        };
        let pid = child.id() as i32;
        // Reaped by `wait4` below; dropping `Child` neither waits nor kills.
        drop(child);
        let guard = GroupGuard(pid);
        let _ = go_tx.send((pid, start));
        // Wait for the end without reaping: the zombie keeps the pid and the group id ours
        // until the rest of the group is killed, so the kill cannot hit a stranger.
        let waited = wait_exit_noreap(pid);
        let wall = start.elapsed();
        drop(stop_tx);
        let watched = watchdog.join().expect("watchdog thread panicked");
        waited.map_err(|source| ProcessError::Wait { pid, source })?;
        Ok::<_, ProcessError>((guard, wall, watched.expect("watchdog was given the pid")))
    })?;
    let pid = guard.0;
    kill_group(pid);
    let (status, usage) = reap(pid).map_err(|source| ProcessError::Wait { pid, source })?;
    drop(guard);

    let ru_maxrss = (usage.ru_maxrss.max(0) as u64) * 1024;
    let max_rss = ru_maxrss.max(watched.peak_tree);
    let ending = match watched.verdict {
        Some(Verdict::Timeout) => Ending::Timeout,
        Some(Verdict::Oom(peak)) => Ending::Oom {
            peak_bytes: peak.max(max_rss),
            cap_bytes: cap.unwrap_or(0),
        },
        Some(Verdict::Interrupted(sig)) => Ending::Interrupted(sig),
        None if libc::WIFEXITED(status) => Ending::Exited(libc::WEXITSTATUS(status)),
        None => Ending::Signaled(libc::WTERMSIG(status)),
    };
    let err_tail = stderr.recv_timeout(PIPE_GRACE).unwrap_or_default();
    let out_tail = stdout.recv_timeout(PIPE_GRACE).unwrap_or_default();
    Ok(ProcessRun {
        ending,
        wall,
        user: timeval(usage.ru_utime),
        sys: timeval(usage.ru_stime),
        max_rss,
        output_tail: if err_tail.trim().is_empty() {
            out_tail
        } else {
            err_tail
        },
    })
}

fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(tv.tv_sec.max(0) as u64) + Duration::from_micros(tv.tv_usec.max(0) as u64)
}

/// Drains a pipe on a thread, keeping its last [`TAIL_LINES`] lines (each cut at
/// [`MAX_LINE`] bytes, so a workload printing without newlines cannot swell the harness); the
/// tail arrives on the channel when the pipe closes.
fn tail_reader<R: Read + Send + 'static>(mut pipe: R) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tail: VecDeque<String> = VecDeque::with_capacity(TAIL_LINES + 1);
        let mut line = Vec::new();
        let mut buf = [0u8; 8192];
        let push = |line: &mut Vec<u8>, tail: &mut VecDeque<String>| {
            tail.push_back(String::from_utf8_lossy(line).trim_end().to_string());
            if tail.len() > TAIL_LINES {
                tail.pop_front();
            }
            line.clear();
        };
        loop {
            let n = match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            for piece in buf[..n].split_inclusive(|&b| b == b'\n') {
                let room = MAX_LINE.saturating_sub(line.len());
                line.extend_from_slice(&piece[..piece.len().min(room)]);
                if piece.ends_with(b"\n") {
                    push(&mut line, &mut tail);
                }
            }
        }
        if !line.is_empty() {
            push(&mut line, &mut tail);
        }
        let _ = tx.send(Vec::from(tail).join("\n"));
    });
    rx
}

fn wait_exit_noreap(pid: i32) -> std::io::Result<()> {
    loop {
        // SAFETY: zeroed siginfo is a valid out-parameter for waitid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

fn reap(pid: i32) -> std::io::Result<(i32, libc::rusage)> {
    loop {
        let mut status = 0;
        // SAFETY: zeroed rusage is a valid out-parameter for wait4.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

enum Verdict {
    Timeout,
    Oom(u64),
    Interrupted(i32),
}

struct Watched {
    verdict: Option<Verdict>,
    peak_tree: u64,
}

/// The watchdog: every [`WATCH_INTERVAL`] until told to stop, kills the group when the timeout
/// passes, the tree's memory passes the cap, or the run is interrupted.
fn watch(
    pid: i32,
    start: Instant,
    timeout: Duration,
    cap: Option<u64>,
    interrupt: &AtomicUsize,
    stop: mpsc::Receiver<()>,
) -> Watched {
    let mut peak_tree = 0;
    loop {
        let left = timeout.saturating_sub(start.elapsed());
        match stop.recv_timeout(WATCH_INTERVAL.min(left)) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => {
                return Watched {
                    verdict: None,
                    peak_tree,
                }
            }
        }
        let sig = interrupt.load(Ordering::SeqCst);
        let verdict = if sig != 0 {
            Some(Verdict::Interrupted(sig as i32))
        } else if start.elapsed() >= timeout {
            Some(Verdict::Timeout)
        } else {
            let rss = tree_rss(pid);
            peak_tree = peak_tree.max(rss);
            match cap {
                Some(cap) if rss > cap => Some(Verdict::Oom(rss)),
                _ => None,
            }
        };
        if let Some(v) = verdict {
            kill_group(pid);
            return Watched {
                verdict: Some(v),
                peak_tree,
            };
        }
    }
}

/// Sum of the resident memory of `root`, its descendants, and every process of its group.
pub fn tree_rss(root: i32) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    // pid -> (ppid, pgid)
    let mut procs: HashMap<i32, (i32, i32)> = HashMap::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if let Some((ppid, pgid)) = parents(pid) {
            procs.insert(pid, (ppid, pgid));
        }
    }
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for (&pid, &(ppid, _)) in &procs {
        children.entry(ppid).or_default().push(pid);
    }
    let mut members: Vec<i32> = procs
        .iter()
        .filter(|(_, &(_, pgid))| pgid == root)
        .map(|(&pid, _)| pid)
        .collect();
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        members.push(p);
        stack.extend(children.get(&p).into_iter().flatten());
    }
    members.sort_unstable();
    members.dedup();
    members.into_iter().map(rss_bytes).sum()
}

/// (ppid, pgid) from `/proc/<pid>/stat`; the command name may hold spaces and parentheses, so
/// fields are counted from the last `)`.
fn parents(pid: i32) -> Option<(i32, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let _state = fields.next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgid = fields.next()?.parse().ok()?;
    Some((ppid, pgid))
}

fn rss_bytes(pid: i32) -> u64 {
    let Ok(statm) = std::fs::read_to_string(format!("/proc/{pid}/statm")) else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * page_size()
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as u64
    } else {
        4096
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(argv: &[&str], timeout: Duration) -> ProcessRun {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let env = BTreeMap::new();
        let spec = ProcessSpec {
            argv: &argv,
            env: &env,
            cwd: Path::new("."),
            timeout,
            memory_limit: None,
        };
        run_process(&spec, &AtomicUsize::new(0)).unwrap()
    }

    #[test]
    fn exit_code_and_stderr_tail() {
        let r = run(
            &[
                "sh",
                "-c",
                "for i in $(seq 30); do echo line$i >&2; done; exit 3",
            ],
            Duration::from_secs(10),
        );
        assert_eq!(r.ending, Ending::Exited(3));
        assert!(r.output_tail.ends_with("line30"), "{}", r.output_tail);
        assert!(!r.output_tail.contains("line10\n"), "{}", r.output_tail);
        assert_eq!(r.output_tail.lines().count(), TAIL_LINES);
    }

    #[test]
    fn endless_lines_are_cut() {
        let r = run(
            &[
                "sh",
                "-c",
                "head -c 1000000 /dev/zero | tr '\\0' x >&2; echo >&2; echo last >&2",
            ],
            Duration::from_secs(10),
        );
        let lines: Vec<&str> = r.output_tail.lines().collect();
        assert_eq!(lines.len(), 2, "{}", &r.output_tail[..80]);
        assert_eq!(lines[0].len(), MAX_LINE);
        assert_eq!(lines[1], "last");
    }

    #[test]
    fn user_time_is_measured() {
        let r = run(
            &[
                "sh",
                "-c",
                "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done",
            ],
            Duration::from_secs(20),
        );
        assert_eq!(r.ending, Ending::Exited(0));
        assert!(r.user + r.sys > Duration::from_millis(20), "{r:?}");
        assert!(r.wall >= r.user, "{r:?}");
        assert!(r.max_rss > 100_000, "{r:?}");
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let argv = vec!["/nonexistent/slogate-test".to_string()];
        let env = BTreeMap::new();
        let spec = ProcessSpec {
            argv: &argv,
            env: &env,
            cwd: Path::new("."),
            timeout: Duration::from_secs(1),
            memory_limit: None,
        };
        let e = run_process(&spec, &AtomicUsize::new(0)).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/slogate-test"), "{e}");
    }

    #[test]
    fn stat_parsing_survives_odd_names() {
        let (ppid, pgid) = parents(std::process::id() as i32).unwrap();
        assert!(ppid > 0 && pgid > 0);
        assert!(rss_bytes(std::process::id() as i32) > 0);
    }
}
