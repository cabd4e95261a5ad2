//! One workload process: spawned in its own process group, watched (timeout, memory cap of the whole
//! tree, interruption), reaped with `wait4` for its resource usage, and never left behind.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How often the watchdog looks at the memory of the tree when it is within a quarter of its cap.
const WATCH_INTERVAL: Duration = Duration::from_millis(50);
/// How often otherwise; also how long an interrupt may wait to be seen.
const CALM_INTERVAL: Duration = Duration::from_millis(250);
/// How often to look for the workload's end on a kernel without pidfds.
const NO_PIDFD_POLL: Duration = Duration::from_millis(5);
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
    /// A file the workload's standard output goes to (created or truncated), instead of a pipe
    /// whose last lines are kept: a tool that prints its results.
    pub stdout: Option<&'a Path>,
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
    /// Killed by the harness: the peak resident set of a process of its tree (the measure of
    /// `max_rss`) passed the cap.
    Oom { peak_bytes: u64, cap_bytes: u64 },
    /// Killed by the harness because the run was interrupted by this signal.
    Interrupted(i32),
}

/// What the harness measured of one process.
#[derive(Debug, Clone)]
pub struct ProcessRun {
    pub ending: Ending,
    /// From the child's exec to the moment the process was seen to end.
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    /// Peak resident memory, bytes: the largest peak resident set of any one process of the tree
    /// (the kernel's high-water mark: `wait4`'s `ru_maxrss` for the workload and the descendants
    /// it waited for, `VmHWM` as the watchdog saw it for the others). One definition whatever the
    /// duration; processes are not summed, so pages they share are never counted twice.
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
///
/// The wall time runs from the moment the child is about to exec the workload (stamped by the
/// child itself) to the moment its end is seen: the cost of forking the harness is the harness's,
/// not the workload's, and it is what made timing `true` 1.3 times slower than `hyperfine -N`
/// (whose `posix_spawn` does not copy the parent; slogate must fork, because a `vfork`ed child
/// inherits the parent's peak memory as its own `ru_maxrss`).
///
/// One thread does everything while the workload runs: it waits in `poll` on the workload's
/// output pipes and on a pidfd that becomes readable when the workload exits, waking for the
/// watchdog only when a check is due. No helper thread starts or wakes around the measurement:
/// on a 2-core machine every such wake-up competes with the workload for a core (three helper
/// threads per process made timing `true` about twice as slow as `hyperfine -N` under load).
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
    for pipe in [&out_read, &err_read] {
        set_nonblocking(pipe.as_raw_fd()).map_err(spawn_error)?;
    }
    let stdout = match spec.stdout {
        // The pipe's write end goes at once: its read end sees EOF and keeps no tail.
        Some(path) => {
            drop(out_write);
            Stdio::from(std::fs::File::create(path).map_err(spawn_error)?)
        }
        None => Stdio::from(out_write),
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(spec.env)
        .current_dir(spec.cwd)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(err_write);
    // SAFETY: only async-signal-safe calls between fork and exec.
    let harness = unsafe { libc::getpid() };
    let pinned = PINNED.get().copied();
    let exec_clock = ExecClock::new().map_err(spawn_error)?;
    let stamp = exec_clock.ptr as usize;
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
            ExecClock::stamp(stamp as *mut i64);
            Ok(())
        });
    }
    let start = Instant::now();
    let spawned = cmd.spawn();
    // The harness's copies of the pipes' write ends go with `cmd`, so the reads see EOF.
    drop(cmd);
    let child = spawned.map_err(spawn_error)?;
    let pid = child.id() as i32;
    // Reaped by `wait4` below; dropping `Child` neither waits nor kills.
    drop(child);
    let guard = GroupGuard(pid);
    let exit_fd = pidfd(pid);
    let mut outputs = [
        Output::new(out_read.as_raw_fd()),
        Output::new(err_read.as_raw_fd()),
    ];
    let mut watchdog = Watchdog::new(pid, start, spec.timeout, spec.memory_limit);
    // Until the workload ends. It stays a zombie, unreaped, so its pid and group id stay ours
    // until the rest of the group is killed: the kill cannot hit a stranger.
    let wall = loop {
        let due = watchdog.next_check();
        let wait = match &exit_fd {
            Some(_) => due,
            // Without pidfds (Linux < 5.3) the end is found by polling for it.
            None => due.min(NO_PIDFD_POLL),
        };
        let fds = pump(
            &mut outputs,
            exit_fd.as_ref().map(|fd| fd.as_raw_fd()),
            wait,
        );
        let exited = match &exit_fd {
            Some(fd) => fds.iter().any(|p| p.fd == fd.as_raw_fd() && p.revents != 0),
            None => has_exited(pid).map_err(|source| ProcessError::Wait { pid, source })?,
        };
        if exited {
            break exec_clock.since_exec().unwrap_or_else(|| start.elapsed());
        }
        if watchdog.check_due(interrupt) {
            kill_group(pid);
        }
    };
    kill_group(pid);
    // Output still in the pipes, or held by a process that left the group: read until both close,
    // or give it up after a grace period.
    let grace = Instant::now() + PIPE_GRACE;
    while outputs.iter().any(|o| o.open) {
        let left = grace.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        pump(&mut outputs, None, left);
    }
    let (status, usage) = reap(pid).map_err(|source| ProcessError::Wait { pid, source })?;
    drop(guard);

    let ru_maxrss = (usage.ru_maxrss.max(0) as u64) * 1024;
    let max_rss = ru_maxrss.max(watchdog.peak_tree);
    let ending = match watchdog.verdict {
        Some(Verdict::Timeout) => Ending::Timeout,
        Some(Verdict::Oom(peak)) => Ending::Oom {
            peak_bytes: peak.max(max_rss),
            cap_bytes: spec.memory_limit.unwrap_or(0),
        },
        Some(Verdict::Interrupted(sig)) => Ending::Interrupted(sig),
        None if libc::WIFEXITED(status) => Ending::Exited(libc::WEXITSTATUS(status)),
        None => Ending::Signaled(libc::WTERMSIG(status)),
    };
    let [out, err] = outputs.map(Output::finish);
    Ok(ProcessRun {
        ending,
        wall,
        user: timeval(usage.ru_utime),
        sys: timeval(usage.ru_stime),
        max_rss,
        output_tail: if err.trim().is_empty() { out } else { err },
    })
}

fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(tv.tv_sec.max(0) as u64) + Duration::from_micros(tv.tv_usec.max(0) as u64)
}

/// A page shared with the child across fork, where it writes the monotonic clock just before
/// exec (a plain store of `clock_gettime`, async-signal-safe).
struct ExecClock {
    ptr: *mut i64,
}

impl ExecClock {
    fn new() -> std::io::Result<ExecClock> {
        // SAFETY: an anonymous shared mapping of one page, unmapped on drop.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                page_size() as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(ExecClock { ptr: ptr.cast() })
    }

    /// In the child, between fork and exec.
    fn stamp(ptr: *mut i64) {
        // SAFETY: `ptr` is the shared page; clock_gettime is async-signal-safe.
        unsafe { ptr.write_volatile(monotonic_ns()) };
    }

    /// Time since the child's stamp; None if it never stamped.
    fn since_exec(&self) -> Option<Duration> {
        // SAFETY: the page stays mapped until drop; the child is gone, so nothing else writes.
        let at = unsafe { self.ptr.read_volatile() };
        (at > 0).then(|| Duration::from_nanos(monotonic_ns().saturating_sub(at).max(0) as u64))
    }
}

impl Drop for ExecClock {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`.
        unsafe { libc::munmap(self.ptr.cast(), page_size() as usize) };
    }
}

/// CLOCK_MONOTONIC in nanoseconds (the clock `Instant` reads on Linux).
fn monotonic_ns() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out-parameter; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// The read end of one output pipe of the workload (non-blocking), keeping its last
/// [`TAIL_LINES`] lines, each cut at [`MAX_LINE`] bytes, so a workload printing without newlines
/// cannot swell the harness.
struct Output {
    fd: RawFd,
    open: bool,
    tail: VecDeque<String>,
    line: Vec<u8>,
}

impl Output {
    fn new(fd: RawFd) -> Output {
        Output {
            fd,
            open: true,
            tail: VecDeque::with_capacity(TAIL_LINES + 1),
            line: Vec::new(),
        }
    }

    /// Reads what the pipe holds now; marks it closed at EOF.
    fn drain(&mut self) {
        let mut buf = [0u8; 8192];
        while self.open {
            // SAFETY: reading into a buffer we own, from a descriptor the caller keeps open.
            let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n > 0 {
                self.push(&buf[..n as usize]);
                continue;
            }
            if n == 0 {
                self.open = false;
                break;
            }
            match std::io::Error::last_os_error().kind() {
                std::io::ErrorKind::Interrupted => continue,
                std::io::ErrorKind::WouldBlock => break,
                _ => self.open = false,
            }
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        for piece in bytes.split_inclusive(|&b| b == b'\n') {
            let room = MAX_LINE.saturating_sub(self.line.len());
            self.line.extend_from_slice(&piece[..piece.len().min(room)]);
            if piece.ends_with(b"\n") {
                self.end_line();
            }
        }
    }

    fn end_line(&mut self) {
        self.tail
            .push_back(String::from_utf8_lossy(&self.line).trim_end().to_string());
        if self.tail.len() > TAIL_LINES {
            self.tail.pop_front();
        }
        self.line.clear();
    }

    fn finish(mut self) -> String {
        if !self.line.is_empty() {
            self.end_line();
        }
        Vec::from(self.tail).join("\n")
    }
}

fn set_nonblocking(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: fcntl on a descriptor we own.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// A pidfd of the child (readable once it has exited), or None where the kernel has none.
fn pidfd(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags; a non-negative result is a new descriptor we own.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Waits up to `wait` for output on the open pipes (or for `exit_fd`), then reads what they hold;
/// returns the poll set, whose `revents` tell whether `exit_fd` fired.
fn pump(outputs: &mut [Output], exit_fd: Option<RawFd>, wait: Duration) -> Vec<libc::pollfd> {
    let mut fds = poll_set(outputs, exit_fd);
    poll(&mut fds, wait);
    for o in outputs.iter_mut() {
        o.drain();
    }
    fds
}

fn poll_set(outputs: &[Output], exit_fd: Option<RawFd>) -> Vec<libc::pollfd> {
    outputs
        .iter()
        .filter(|o| o.open)
        .map(|o| o.fd)
        .chain(exit_fd)
        .map(|fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect()
}

/// Waits up to `timeout` for one of `fds` (an interrupted or failed wait just returns early: the
/// caller looks at everything again either way).
fn poll(fds: &mut [libc::pollfd], timeout: Duration) {
    let ms = timeout.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    // SAFETY: `fds` is a valid array of pollfd for its length.
    unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
}

/// Whether the child has exited (without reaping it).
fn has_exited(pid: i32) -> std::io::Result<bool> {
    // SAFETY: zeroed siginfo is a valid out-parameter for waitid.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT | libc::WNOHANG,
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: waitid filled `info`; si_pid is 0 when no child has changed state.
    Ok(unsafe { info.si_pid() } == pid)
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

/// Kills the group when the timeout passes, the tree's memory passes the cap, or the run is
/// interrupted. Checks come every [`WATCH_INTERVAL`] while the tree is near its cap and every
/// [`CALM_INTERVAL`] otherwise: a scan of `/proc` costs the workload's machine a fraction of a
/// millisecond, and the interval bounds how far past the cap a fast grower gets (1 GB/s and a
/// 2 GB cap: under 2.3 GB).
struct Watchdog {
    pid: i32,
    start: Instant,
    timeout: Duration,
    cap: Option<u64>,
    next: Instant,
    peak_tree: u64,
    verdict: Option<Verdict>,
}

impl Watchdog {
    fn new(pid: i32, start: Instant, timeout: Duration, cap: Option<u64>) -> Watchdog {
        Watchdog {
            pid,
            start,
            timeout,
            cap,
            next: start + WATCH_INTERVAL,
            peak_tree: 0,
            verdict: None,
        }
    }

    /// How long until the next check is due.
    fn next_check(&self) -> Duration {
        let deadline = self.start + self.timeout;
        self.next
            .min(deadline)
            .saturating_duration_since(Instant::now())
    }

    /// Runs the check when it is due; true when the group must be killed (once, for the first
    /// reason found).
    fn check_due(&mut self, interrupt: &AtomicUsize) -> bool {
        let now = Instant::now();
        let sig = interrupt.load(Ordering::SeqCst);
        let timed_out = now >= self.start + self.timeout;
        if self.verdict.is_some() || (now < self.next && sig == 0 && !timed_out) {
            return false;
        }
        let rss = tree_peak_rss(self.pid);
        self.peak_tree = self.peak_tree.max(rss);
        let near_cap = self
            .cap
            .is_some_and(|cap| rss.saturating_mul(4) > cap.saturating_mul(3));
        self.next = now
            + if near_cap {
                WATCH_INTERVAL
            } else {
                CALM_INTERVAL
            };
        self.verdict = if sig != 0 {
            Some(Verdict::Interrupted(sig as i32))
        } else if timed_out {
            Some(Verdict::Timeout)
        } else {
            match self.cap {
                Some(cap) if rss > cap => Some(Verdict::Oom(rss)),
                _ => None,
            }
        };
        self.verdict.is_some()
    }
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

/// The largest peak resident set (`VmHWM`) of any live process of the tree: `root`, its
/// descendants, and every process of its group. The same measure as `wait4`'s `ru_maxrss`, read
/// while the processes run.
fn tree_peak_rss(root: i32) -> u64 {
    let Some(procs) = crate::procfs::all_stats() else {
        return 0;
    };
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for p in &procs {
        children.entry(p.ppid).or_default().push(p.pid);
    }
    let mut members: Vec<i32> = procs
        .iter()
        .filter(|p| p.pgid == root)
        .map(|p| p.pid)
        .collect();
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        members.push(p);
        stack.extend(children.get(&p).into_iter().flatten());
    }
    members.sort_unstable();
    members.dedup();
    members
        .into_iter()
        .filter_map(crate::procfs::peak_rss)
        .max()
        .unwrap_or(0)
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
            stdout: None,
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
    fn wall_time_runs_from_exec_to_exit() {
        let r = run(&["sleep", "0.2"], Duration::from_secs(10));
        assert_eq!(r.ending, Ending::Exited(0));
        assert!(
            r.wall >= Duration::from_millis(200) && r.wall < Duration::from_secs(5),
            "{r:?}"
        );
        // The stamp written by a forked child reaches the parent (a private mapping would lose it
        // and the wall time would silently fall back to the spawn clock).
        let clock = ExecClock::new().unwrap();
        assert_eq!(clock.since_exec(), None, "not stamped yet");
        let stamp = clock.ptr as usize;
        let mut cmd = Command::new("true");
        // SAFETY: the stamp is a store of clock_gettime, async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                ExecClock::stamp(stamp as *mut i64);
                Ok(())
            });
        }
        assert!(cmd.status().unwrap().success());
        assert!(clock.since_exec().unwrap() < Duration::from_secs(5));
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
            stdout: None,
        };
        let e = run_process(&spec, &AtomicUsize::new(0)).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/slogate-test"), "{e}");
    }
}
