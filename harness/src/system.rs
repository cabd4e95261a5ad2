//! The machine a run happens on: what goes into `meta.machine` and its fingerprint.

use crate::results::Machine;
use sha2::{Digest, Sha256};

/// Describes this machine from `/proc/cpuinfo`, `/proc/meminfo` and `uname`.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
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
    let memory_bytes = field(&meminfo, "MemTotal")
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024);
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

#[cfg(test)]
mod tests {
    use super::*;

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
