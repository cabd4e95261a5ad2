//! The one reader of Linux's `/proc`: process status lines, memory high-water marks, `meminfo`.
//! The runner's watchdog and `slogate system` both read processes through it.

/// What slogate reads of `/proc/<pid>/stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    pub pid: i32,
    /// The command name (`comm`), which may hold spaces and parentheses.
    pub name: String,
    /// `R` running, `S` sleeping, `Z` zombie, ...
    pub state: char,
    pub ppid: i32,
    pub pgid: i32,
    /// User plus system time, in clock ticks.
    pub cpu_ticks: u64,
}

/// Parses one `/proc/<pid>/stat` line; fields are counted from the last `)`, since the name may
/// hold spaces and parentheses.
pub fn parse_stat(pid: i32, line: &str) -> Option<ProcStat> {
    let open = line.find('(')?;
    let close = line.rfind(')')?;
    let name = line.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = line[close + 1..].split_whitespace().collect();
    // After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12).
    let state = fields.first()?.chars().next()?;
    let ppid = fields.get(1)?.parse().ok()?;
    let pgid = fields.get(2)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(ProcStat {
        pid,
        name,
        state,
        ppid,
        pgid,
        cpu_ticks: utime + stime,
    })
}

/// The status line of process `pid`, if it exists.
pub fn stat(pid: i32) -> Option<ProcStat> {
    parse_stat(
        pid,
        &std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?,
    )
}

/// Whether process `pid` exists and has not ended (a zombie has).
pub fn alive(pid: i32) -> bool {
    stat(pid).is_some_and(|s| !matches!(s.state, 'Z' | 'X'))
}

/// The status line of every process that can be read now; `None` when `/proc` cannot be listed.
/// A process that ends while the list is read is left out.
pub fn all_stats() -> Option<Vec<ProcStat>> {
    let dir = std::fs::read_dir("/proc").ok()?;
    Some(
        dir.flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter_map(stat)
            .collect(),
    )
}

/// The peak resident set of process `pid` so far (`VmHWM` of `/proc/<pid>/status`), bytes: the
/// same high-water mark the kernel reports as `ru_maxrss` once the process is reaped. `None` for a
/// process that is gone, or a zombie (which has no memory left to report).
pub fn peak_rss(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    kib_field(&status, "VmHWM")
}

/// A `Key:   1234 kB` line of `/proc/meminfo` or `/proc/<pid>/status`, in bytes.
pub fn kib_field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

/// The text of `/proc/meminfo` (empty when unreadable).
pub fn meminfo() -> String {
    std::fs::read_to_string("/proc/meminfo").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_last_parenthesis() {
        let line = "42 (a (b) c) R 7 40 40 0 -1 4194304 100 0 0 0 150 25 0 0 20 0 1 0";
        assert_eq!(
            parse_stat(42, line),
            Some(ProcStat {
                pid: 42,
                name: "a (b) c".into(),
                state: 'R',
                ppid: 7,
                pgid: 40,
                cpu_ticks: 175
            })
        );
        assert_eq!(parse_stat(1, "1 (x) R 0"), None, "a cut line");
    }

    #[test]
    fn peak_rss_of_a_process_that_touched_memory() {
        // 64 MB written by a child: its high-water mark holds them after they are freed.
        let child = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, time\nb = bytearray(64 << 20)\ndel b\nprint('ready', flush=True)\ntime.sleep(5)",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let mut child = child;
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let peak = peak_rss(pid);
        let _ = child.kill();
        let _ = child.wait();
        let peak = peak.unwrap();
        assert!(peak > 64 << 20 && peak < 200 << 20, "{peak}");
        assert_eq!(peak_rss(pid), None, "gone");
        assert!(!alive(pid));
        assert!(alive(std::process::id() as i32));
    }

    #[test]
    fn kib_fields() {
        let text = "MemTotal:       16303940 kB\nMemFree:  100 kB\nVmHWM:\t  8 kB\n";
        assert_eq!(kib_field(text, "MemTotal"), Some(16303940 * 1024));
        assert_eq!(kib_field(text, "VmHWM"), Some(8192));
        assert_eq!(kib_field(text, "Mem"), None, "whole keys only");
        assert_eq!(kib_field(text, "SwapTotal"), None);
    }
}
