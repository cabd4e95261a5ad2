//! The machine a run happens on: what goes into `meta.machine` and its fingerprint, what makes
//! measurements noisy here (`meta.noise`, `slogate system`), its default memory cap, and the CPU
//! lists workloads are pinned to.

use crate::procfs;
use crate::results::{metric, Machine, Noise, ResultsFile, Status};
use crate::stats::dispersion;
use crate::units::{format_auto, Unit};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Two-sided 95% normal quantile: a change must stand this many standard errors clear of zero.
const Z: f64 = 1.96;
/// Processes per side assumed when a figure is given for "a benchmark" (the suites' built-in
/// default), e.g. by `slogate system`.
pub const TYPICAL_PROCESSES: u32 = 10;
/// How long the busy-process sampler waits between its two looks at `/proc`.
const BUSY_SAMPLE: Duration = Duration::from_millis(200);
/// A process using at least this share of one CPU counts as busy.
const BUSY_SHARE: f64 = 0.05;
/// Busy processes named in the findings.
const BUSY_LISTED: usize = 3;

/// Describes this machine from `/proc/cpuinfo`, `/proc/meminfo` and `uname`.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let (hostname, kernel) = uname();
    let cpu_model = field(&cpuinfo, "model name")
        .or_else(|| field(&cpuinfo, "Hardware"))
        .or_else(|| field(&cpuinfo, "cpu model"))
        .unwrap_or_else(|| "unknown".into());
    let listed = cpuinfo
        .lines()
        .filter(|l| l.split(':').next().is_some_and(|k| k.trim() == "processor"))
        .count() as u32;
    let cores = if listed > 0 {
        listed
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
    };
    let memory_bytes = procfs::kib_field(&procfs::meminfo(), "MemTotal").unwrap_or(0);
    let arch = std::env::consts::ARCH.to_string();
    let fingerprint = fingerprint(&cpu_model, cores, memory_bytes, &kernel, &arch);
    Machine {
        hostname,
        cpu_model,
        cores,
        memory_bytes,
        kernel,
        arch,
        fingerprint,
    }
}

/// First 16 hex digits of the sha256 of what makes two machines' timings comparable.
pub fn fingerprint(
    cpu_model: &str,
    cores: u32,
    memory_bytes: u64,
    kernel: &str,
    arch: &str,
) -> String {
    let digest = Sha256::digest(format!(
        "{cpu_model}\n{cores}\n{memory_bytes}\n{kernel}\n{arch}"
    ));
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The value of the first `key : value` line with this key.
fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// (hostname, kernel release).
fn uname() -> (String, String) {
    // SAFETY: a zeroed utsname is a valid out-parameter; uname NUL-terminates its fields.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return ("unknown".into(), "unknown".into());
    }
    let text = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (text(&u.nodename), text(&u.release))
}

/// The smallest relative change a comparison of two sides of `n` processes each can tell from
/// noise, when per-process means vary with coefficient of variation `cv`: the standard error of
/// the relative difference of two means of `n` is `cv × sqrt(2/n)`, and a change must be `Z`
/// (1.96, 95% two-sided) of those clear of zero: `supported = 1.96 × cv × sqrt(2/n)`.
pub fn supported_threshold(cv: f64, n: u32) -> f64 {
    Z * cv * (2.0 / f64::from(n.max(1))).sqrt()
}

/// What makes measurements noisy on this machine right now, one finding per line; a source that
/// cannot be read is reported as unknown. Takes about 200 ms (busy processes are sampled twice).
pub fn findings() -> Vec<String> {
    let cores = machine().cores;
    let mut out = Vec::new();
    out.push(match load_average() {
        Some(load) => format!(
            "load average {load:.2} over the last minute on {cores} cores ({:.2} per core){}",
            load / f64::from(cores),
            if load / f64::from(cores) > 0.5 {
                ": other work competes with the workloads for the CPUs"
            } else {
                ""
            }
        ),
        None => "load average: unknown (/proc/loadavg unreadable)".into(),
    });
    out.push(busy_finding());
    out.push(governor_finding());
    out.push(boost_finding());
    out.push(
        match read_trim("/proc/sys/kernel/randomize_va_space").as_deref() {
            Some("0") => "address space layout randomisation is off".into(),
            Some(v) => format!(
            "address space layout randomisation is on (randomize_va_space = {v}): memory layout, \
             and with it timing, varies from process to process; spread over processes covers it"
        ),
            None => "address space layout randomisation: unknown".into(),
        },
    );
    out.push(swap_finding());
    out.push(counters_finding());
    out.push(match online_cpus() {
        Some(online) => format!(
            "{cores} cores, {} online; this process may run on {}",
            online.len(),
            allowed_cpus().map_or("unknown CPUs".into(), |a| format_cpu_list(&a))
        ),
        None => format!("{cores} cores; online CPUs unknown"),
    });
    out
}

/// The one-minute load average from `/proc/loadavg`.
pub fn load_average() -> Option<f64> {
    read_trim("/proc/loadavg")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn read_trim(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// The processes (other than this one and its children) that used the most CPU over a short
/// sample.
fn busy_finding() -> String {
    let Some(before) = procfs::all_stats() else {
        return "other busy processes: unknown (/proc unreadable)".into();
    };
    let start = Instant::now();
    std::thread::sleep(BUSY_SAMPLE);
    let Some(after) = procfs::all_stats() else {
        return "other busy processes: unknown (/proc unreadable)".into();
    };
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let seconds = start.elapsed().as_secs_f64();
    let me = std::process::id() as i32;
    let before: HashMap<i32, u64> = before.iter().map(|p| (p.pid, p.cpu_ticks)).collect();
    let mut busy: Vec<(f64, i32, String)> = after
        .into_iter()
        .filter(|p| p.pid != me && p.ppid != me)
        .filter_map(|p| {
            let old = before.get(&p.pid)?;
            let share = p.cpu_ticks.saturating_sub(*old) as f64 / hz / seconds;
            (share >= BUSY_SHARE).then_some((share, p.pid, p.name))
        })
        .collect();
    busy.sort_by(|a, b| b.0.total_cmp(&a.0));
    if busy.is_empty() {
        return format!(
            "busy processes: no other process used {:.0}% of a CPU or more",
            BUSY_SHARE * 100.0
        );
    }
    let listed: Vec<String> = busy
        .iter()
        .take(BUSY_LISTED)
        .map(|(share, pid, name)| format!("{name} (pid {pid}, {:.0}% CPU)", share * 100.0))
        .collect();
    format!(
        "{} other busy process{}: {}",
        busy.len(),
        if busy.len() == 1 { "" } else { "es" },
        listed.join(", ")
    )
}

fn governor_finding() -> String {
    let governors: BTreeSet<String> = std::fs::read_dir("/sys/devices/system/cpu")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            std::fs::read_to_string(e.path().join("cpufreq/scaling_governor"))
                .ok()
                .map(|g| g.trim().to_string())
        })
        .collect();
    if governors.is_empty() {
        return "CPU frequency governor: unknown (no cpufreq in /sys: a virtual machine or a \
                container without it)"
            .into();
    }
    let list = governors.into_iter().collect::<Vec<_>>().join(", ");
    if list == "performance" {
        format!("CPU frequency governor: {list}")
    } else {
        format!("CPU frequency governor: {list}: the clock speed follows the load, `performance` holds it steady")
    }
}

fn boost_finding() -> String {
    let on = match (
        read_trim("/sys/devices/system/cpu/cpufreq/boost"),
        read_trim("/sys/devices/system/cpu/intel_pstate/no_turbo"),
    ) {
        (Some(b), _) => b == "1",
        (None, Some(no_turbo)) => no_turbo == "0",
        (None, None) => return "CPU boost (turbo): unknown".into(),
    };
    if on {
        "CPU boost (turbo) is on: the clock speed varies with temperature and load on other cores"
            .into()
    } else {
        "CPU boost (turbo) is off".into()
    }
}

fn swap_finding() -> String {
    swap_of(&procfs::meminfo())
}

/// The swap finding of a `/proc/meminfo` text.
fn swap_of(meminfo: &str) -> String {
    let kib = |key| procfs::kib_field(meminfo, key).map(|b| b / 1024);
    match (kib("SwapTotal"), kib("SwapFree")) {
        (Some(0), _) => "no swap configured".into(),
        (Some(total), Some(free)) if total > free => format!(
            "swap in use: {} of {}: a workload whose pages were swapped out runs slower",
            format_auto(Unit::Bytes, ((total - free) * 1024) as f64),
            format_auto(Unit::Bytes, (total * 1024) as f64)
        ),
        (Some(total), Some(_)) => format!(
            "no swap in use ({} configured)",
            format_auto(Unit::Bytes, (total * 1024) as f64)
        ),
        _ => "swap: unknown (/proc/meminfo unreadable)".into(),
    }
}

/// Whether this process may count its own user-space instructions with a hardware counter
/// (`perf_event_open` of `instructions:u`), the fast alternative to the simulator.
fn counters_finding() -> String {
    /// The first fields of `struct perf_event_attr` (`PERF_ATTR_SIZE_VER1`, 72 bytes).
    #[repr(C)]
    struct Attr {
        kind: u32,
        size: u32,
        config: u64,
        sample_period: u64,
        sample_type: u64,
        read_format: u64,
        /// Bit 0 `disabled`, bit 5 `exclude_kernel`, bit 6 `exclude_hv`.
        flags: u64,
        wakeup_events: u32,
        bp_type: u32,
        bp_addr: u64,
        bp_len: u64,
    }
    const PERF_TYPE_HARDWARE: u32 = 0;
    const PERF_COUNT_HW_INSTRUCTIONS: u64 = 1;
    let attr = Attr {
        kind: PERF_TYPE_HARDWARE,
        size: std::mem::size_of::<Attr>() as u32,
        config: PERF_COUNT_HW_INSTRUCTIONS,
        sample_period: 0,
        sample_type: 0,
        read_format: 0,
        flags: 1 | 1 << 5 | 1 << 6,
        wakeup_events: 0,
        bp_type: 0,
        bp_addr: 0,
        bp_len: 0,
    };
    // SAFETY: a valid attr of the size it declares; this process (pid 0) on any CPU (-1), no
    // group (-1), no flags; a descriptor returned is closed at once.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            &attr as *const Attr,
            0,
            -1,
            -1,
            0,
        )
    };
    if fd >= 0 {
        unsafe { libc::close(fd as i32) };
        return "hardware counters: instructions:u can be counted here (perf_event_open)".into();
    }
    let err = std::io::Error::last_os_error();
    format!(
        "hardware counters: none for this process (perf_event_open of instructions:u: {err}); \
         `--simulate` counts instructions under valgrind instead"
    )
}

/// The machine's default cap on a workload's memory: half of its memory, or all but 2 GB when
/// that is less, and never under 1 GB. `None` when the memory size is unknown.
pub fn default_memory_limit() -> Option<u64> {
    const GB: u64 = 1_000_000_000;
    let total = machine().memory_bytes;
    (total > 0).then(|| (total / 2).min(total.saturating_sub(2 * GB)).max(GB))
}

/// A CPU list as `--cpus` and `/sys` write it: `1`, `0,1`, `0-3,6`.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CpuListError {
    #[error("bad CPU list `{0}`: expected numbers and ranges such as `1`, `0,1` or `0-3`")]
    Syntax(String),
    #[error("CPU {cpu} is not present on this machine (online: {online})")]
    Absent { cpu: usize, online: String },
}

/// Parses a CPU list (`0-2,5`) into sorted, distinct CPU numbers.
pub fn parse_cpu_list(text: &str) -> Result<Vec<usize>, CpuListError> {
    let bad = || CpuListError::Syntax(text.to_string());
    let mut cpus = BTreeSet::new();
    for part in text.trim().split(',') {
        let number = |s: &str| s.trim().parse::<usize>().map_err(|_| bad());
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                if a > b {
                    return Err(bad());
                }
                cpus.extend(a..=b);
            }
            None => {
                cpus.insert(number(part)?);
            }
        }
    }
    Ok(cpus.into_iter().collect())
}

/// Parses a CPU list and checks every CPU in it is online here.
pub fn cpus_present(text: &str) -> Result<Vec<usize>, CpuListError> {
    let cpus = parse_cpu_list(text)?;
    let online = online_cpus().unwrap_or_else(|| {
        (0..std::thread::available_parallelism().map_or(1, |n| n.get())).collect()
    });
    match cpus.iter().find(|c| !online.contains(c)) {
        Some(&cpu) => Err(CpuListError::Absent {
            cpu,
            online: format_cpu_list(&online),
        }),
        None => Ok(cpus),
    }
}

fn online_cpus() -> Option<Vec<usize>> {
    parse_cpu_list(&read_trim("/sys/devices/system/cpu/online")?).ok()
}

/// The CPUs this process may run on.
fn allowed_cpus() -> Option<Vec<usize>> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set and out-parameter.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    (r == 0).then(|| {
        (0..libc::CPU_SETSIZE as usize)
            // SAFETY: the index is below CPU_SETSIZE.
            .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
            .collect()
    })
}

/// `0-2,5` from `[0, 1, 2, 5]`.
pub fn format_cpu_list(cpus: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let start = cpus[i];
        while i + 1 < cpus.len() && cpus[i + 1] == cpus[i] + 1 {
            i += 1;
        }
        parts.push(if cpus[i] == start {
            start.to_string()
        } else {
            format!("{start}-{}", cpus[i])
        });
        i += 1;
    }
    parts.join(",")
}

/// What a short A/A probe measured: the same fixed CPU loop run as many processes, timed in two
/// interleaved groups.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    pub processes: usize,
    /// Wall time of one probe process (mean).
    pub mean: Duration,
    /// Coefficient of variation of the processes' wall times.
    pub cv: f64,
    /// Mean of group A over mean of group B, minus one: what an A/A comparison would report.
    pub aa_change: f64,
    /// [`supported_threshold`] for `cv` and [`TYPICAL_PROCESSES`] processes a side.
    pub supported_threshold: f64,
}

impl std::fmt::Display for ProbeResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "A/A probe: {} processes of {}, cv {:.1}%, A/A change {}: supports flagging changes of \
             {:.1}% or more with {} processes a side",
            self.processes,
            format_auto(Unit::Nanoseconds, self.mean.as_nanos() as f64),
            self.cv * 100.0,
            crate::units::format_pct(self.aa_change),
            self.supported_threshold * 100.0,
            TYPICAL_PROCESSES
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot run the noise probe's `/bin/sh` loop: {0}")]
    Spawn(#[from] std::io::Error),
    #[error("the noise probe's `/bin/sh` loop failed: {0}")]
    Failed(std::process::ExitStatus),
}

/// Runs the A/A probe for about `duration`: one `/bin/sh` counting loop, calibrated to take
/// about a twentieth of the duration (20 to 200 ms), run over and over, alternately counted in
/// group A and B. Both groups run the same thing, so their spread is the machine's own.
pub fn probe(duration: Duration) -> Result<ProbeResult, ProbeError> {
    let target = (duration / 20).clamp(Duration::from_millis(20), Duration::from_millis(200));
    let mut count: u64 = 2_000;
    let mut took = time_loop(count)?;
    while took < target / 4 {
        count *= 4;
        took = time_loop(count)?;
    }
    count = ((count as f64) * target.as_secs_f64() / took.as_secs_f64().max(1e-6)).max(1.0) as u64;
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < 6 || (start.elapsed() < duration && times.len() < 1000) {
        times.push(time_loop(count)?.as_secs_f64());
    }
    // Group A is every even-numbered process, B every odd one: interleaved, so drift hits both.
    let group = |first: usize| {
        let g: Vec<f64> = times.iter().skip(first).step_by(2).copied().collect();
        dispersion::mean(&g)
    };
    let cv = dispersion::cv(&times);
    Ok(ProbeResult {
        processes: times.len(),
        mean: Duration::from_secs_f64(dispersion::mean(&times)),
        cv,
        aa_change: group(0) / group(1) - 1.0,
        supported_threshold: supported_threshold(cv, TYPICAL_PROCESSES),
    })
}

fn time_loop(count: u64) -> Result<Duration, ProbeError> {
    let start = Instant::now();
    let status = Command::new("/bin/sh")
        .args([
            "-c",
            "i=0; while [ $i -lt $1 ]; do i=$((i+1)); done",
            "probe",
            &count.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(ProbeError::Failed(status));
    }
    Ok(start.elapsed())
}

/// The noise a run measured of itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunNoise {
    /// The median coefficient of variation of the benchmarks' per-process means.
    pub cv: f64,
    /// The median of the [`supported_threshold`] of each benchmark's own process count.
    pub supported_threshold: f64,
}

/// The noise a run really saw, over its ok benchmarks with at least two processes of
/// `execution_time` (of positive mean); `None` when no benchmark qualifies.
pub fn run_noise(results: &ResultsFile) -> Option<RunNoise> {
    let mut cvs = Vec::new();
    let mut supported = Vec::new();
    for b in results.benchmarks.iter().filter(|b| b.status == Status::Ok) {
        let Some(m) = b.metrics.get(metric::EXECUTION_TIME) else {
            continue;
        };
        let means = dispersion::process_means(&m.processes);
        if means.len() >= 2 && dispersion::mean(&means) > 0.0 {
            let cv = dispersion::cv(&means);
            cvs.push(cv);
            supported.push(supported_threshold(cv, means.len() as u32));
        }
    }
    Some(RunNoise {
        cv: crate::stats::median(&mut cvs)?,
        supported_threshold: crate::stats::median(&mut supported)?,
    })
}

/// `meta.noise` of a finished run: the findings taken before it, the load average (the higher of
/// before and after), and the noise the run itself measured.
pub fn noise_of_run(
    results: &ResultsFile,
    findings: Vec<String>,
    load_before: Option<f64>,
) -> Noise {
    let measured = run_noise(results);
    let load_average = match (load_before, load_average()) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    Noise {
        probe_cv: measured.map(|m| m.cv),
        supported_threshold: measured.map(|m| m.supported_threshold),
        load_average,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_in_use_is_measured() {
        assert_eq!(
            swap_of("SwapTotal:  0 kB\nSwapFree:  0 kB\n"),
            "no swap configured"
        );
        let used = swap_of("MemTotal: 8 kB\nSwapTotal: 2097152 kB\nSwapFree: 1048576 kB\n");
        assert!(
            used.starts_with("swap in use: 1.074GB of 2.147GB"),
            "{used}"
        );
        let idle = swap_of("SwapTotal: 1024 kB\nSwapFree: 1024 kB\n");
        assert!(idle.starts_with("no swap in use"), "{idle}");
        assert!(swap_of("").contains("unknown"));
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("1").unwrap(), vec![1]);
        assert_eq!(parse_cpu_list("0,1").unwrap(), vec![0, 1]);
        assert_eq!(parse_cpu_list("3,0-1,1").unwrap(), vec![0, 1, 3]);
        for bad in ["", "a", "2-1", "1,", "-1", "0-"] {
            assert!(parse_cpu_list(bad).is_err(), "{bad}");
        }
        assert_eq!(format_cpu_list(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert!(cpus_present("0").is_ok());
        let e = cpus_present("4095").unwrap_err();
        assert!(e.to_string().contains("CPU 4095 is not present"), "{e}");
    }

    #[test]
    fn supported_threshold_formula() {
        // 1.96 × 5% × sqrt(2/8) = 4.9%.
        assert!((supported_threshold(0.05, 8) - 0.049).abs() < 1e-9);
        assert!(supported_threshold(0.05, 20) < supported_threshold(0.05, 5));
    }

    #[test]
    fn default_memory_limit_is_bounded() {
        let total = machine().memory_bytes;
        let cap = default_memory_limit().unwrap();
        assert!(
            cap >= 1_000_000_000 && (cap <= total / 2 || cap == 1_000_000_000),
            "{cap} of {total}"
        );
    }

    #[test]
    fn probe_measures_spread() {
        let p = probe(Duration::from_millis(300)).unwrap();
        assert!(p.processes >= 6, "{p:?}");
        assert!(p.cv > 0.0 && p.cv < 5.0, "{p:?}");
        assert!(p.mean >= Duration::from_millis(5), "{p:?}");
    }

    #[test]
    fn describes_this_machine() {
        let m = machine();
        assert!(m.cores >= 1);
        assert!(m.memory_bytes > 1 << 26, "{m:?}");
        assert!(!m.kernel.is_empty() && m.kernel != "unknown");
        assert_eq!(m.fingerprint.len(), 16);
        assert_eq!(m, machine(), "stable across calls");
    }

    #[test]
    fn fingerprint_changes_with_any_part() {
        let a = fingerprint("cpu", 2, 1 << 30, "6.1", "x86_64");
        assert_ne!(a, fingerprint("cpu", 4, 1 << 30, "6.1", "x86_64"));
        assert_ne!(a, fingerprint("cpu", 2, 1 << 30, "6.2", "x86_64"));
        assert_eq!(a, fingerprint("cpu", 2, 1 << 30, "6.1", "x86_64"));
    }
}
