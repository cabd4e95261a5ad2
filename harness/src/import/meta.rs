//! Run metadata of an import: what the file carried is kept; what it lacked is taken from the importing
//! environment and listed in `meta.import.filled`, so nobody mistakes the importing machine for the
//! measuring one.

use super::Format;
use crate::results::{
    BenchmarkResult, GitInfo, ImportInfo, Machine, Metadata, ResultsFile, SCHEMA,
};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the imported files say about where and when they were measured.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    pub git: Option<GitInfo>,
    pub hostname: Option<String>,
    pub cpu_model: Option<String>,
    pub cores: Option<u32>,
    pub memory_bytes: Option<u64>,
    pub kernel: Option<String>,
    pub arch: Option<String>,
    /// The tool's own metadata without a field here (python version, timer, ...).
    pub metadata: BTreeMap<String, String>,
}

impl Found {
    /// Widens the run's time span to include `t`.
    pub fn saw_time(&mut self, t: DateTime<Utc>) {
        self.started = Some(self.started.map_or(t, |s| s.min(t)));
        self.ended = Some(self.ended.map_or(t, |e| e.max(t)));
    }

    /// Keeps a metadata entry, the first file's value winning.
    pub fn keep(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.metadata
            .entry(key.into())
            .or_insert_with(|| value.into());
    }
}

/// Sets `slot` from `value` when empty; non-empty strings only.
pub(crate) fn set_once<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

pub(crate) fn results_file(
    benchmarks: Vec<BenchmarkResult>,
    found: Found,
    format: Format,
    files: &[PathBuf],
    side: Option<String>,
) -> ResultsFile {
    let mut filled = Vec::new();
    let started_at = found.started.unwrap_or_else(|| {
        filled.push("started_at".to_string());
        Utc::now()
    });
    let git = found.git.or_else(|| {
        let g = crate::git::info(&std::env::current_dir().unwrap_or_default());
        if g.is_some() {
            filled.push("git".to_string());
        }
        g
    });
    let local = crate::system::machine();
    let mut pick = |name: &str, from_file: Option<String>, local: String| {
        from_file.filter(|s| !s.is_empty()).unwrap_or_else(|| {
            filled.push(format!("machine.{name}"));
            local
        })
    };
    let mut machine = Machine {
        hostname: pick("hostname", found.hostname, local.hostname),
        cpu_model: pick("cpu_model", found.cpu_model, local.cpu_model),
        cores: pick(
            "cores",
            found.cores.map(|c| c.to_string()),
            local.cores.to_string(),
        )
        .parse()
        .unwrap_or(local.cores),
        memory_bytes: pick(
            "memory_bytes",
            found.memory_bytes.map(|m| m.to_string()),
            local.memory_bytes.to_string(),
        )
        .parse()
        .unwrap_or(local.memory_bytes),
        kernel: pick("kernel", found.kernel, local.kernel),
        arch: pick("arch", found.arch, local.arch),
        fingerprint: String::new(),
    };
    machine.fingerprint = crate::system::fingerprint(
        &machine.cpu_model,
        machine.cores,
        machine.memory_bytes,
        &machine.kernel,
        &machine.arch,
    );
    // The same input imported twice gets the same id, so `history add` stays idempotent.
    let mut h = Sha256::new();
    h.update(format.name());
    h.update(serde_json::to_vec(&benchmarks).expect("benchmarks serialise"));
    let run_id = format!("import-{}", &hex(&h.finalize())[..16]);
    ResultsFile {
        schema: SCHEMA.to_string(),
        meta: Metadata {
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            run_id,
            started_at,
            ended_at: found.ended,
            side,
            git,
            machine,
            suites: Vec::new(),
            vars: BTreeMap::new(),
            seed: 0,
            interrupted: false,
            shard: None,
            pairing: None,
            analysis: None,
            noise: None,
            import: Some(ImportInfo {
                format: format.name().to_string(),
                files: files.to_vec(),
                filled,
                metadata: found.metadata,
            }),
        },
        benchmarks,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Go and Rust name architectures differently from `uname -m`; speak `uname`.
pub(crate) fn normalise_arch(arch: &str) -> String {
    match arch {
        "amd64" | "x86-64" | "X86_64" => "x86_64".into(),
        "arm64" | "ARM_8" => "aarch64".into(),
        other => other.to_string(),
    }
}

/// Parses the dates tools write: RFC 3339, or a naive `YYYY-MM-DD HH:MM:SS[.f]` (pyperf writes
/// local time without a zone; read as UTC). The naive formats are parsed once: a pyperf file has a
/// date per process, and parsing a format string each time was a tenth of reading one.
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    use chrono::format::{Item, Parsed, StrftimeItems};
    static NAIVE: std::sync::LazyLock<Vec<Vec<Item<'static>>>> = std::sync::LazyLock::new(|| {
        [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S",
        ]
        .iter()
        .map(|f| StrftimeItems::new(f).collect())
        .collect()
    });
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NAIVE
        .iter()
        .find_map(|items| {
            let mut parsed = Parsed::new();
            chrono::format::parse(&mut parsed, text, items.iter()).ok()?;
            parsed.to_naive_datetime_with_offset(0).ok()
        })
        .map(|n| n.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_the_file_has_and_lists_what_was_filled() {
        let found = Found {
            hostname: Some("bench-host".into()),
            cores: Some(64),
            git: Some(GitInfo {
                commit: "abc".into(),
                branch: None,
                dirty: false,
                subject: None,
            }),
            ..Found::default()
        };
        let r = results_file(
            vec![],
            found,
            Format::Pyperf,
            &[PathBuf::from("a.json")],
            Some("baseline".into()),
        );
        let info = r.meta.import.as_ref().unwrap();
        assert_eq!(r.meta.machine.hostname, "bench-host");
        assert_eq!(r.meta.machine.cores, 64);
        assert_eq!(r.meta.git.as_ref().unwrap().commit, "abc");
        assert!(info.filled.contains(&"started_at".to_string()));
        assert!(info.filled.contains(&"machine.cpu_model".to_string()));
        assert!(!info
            .filled
            .iter()
            .any(|f| f == "machine.hostname" || f == "git"));
        assert_eq!(r.meta.side.as_deref(), Some("baseline"));
        assert_eq!(info.format, "pyperf");
    }

    #[test]
    fn parses_tool_dates() {
        let t = parse_date("2026-11-24 08:08:43.223969").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T08:08:43.223969+00:00");
        let t = parse_date("2026-11-24T08:12:48+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T06:12:48+00:00");
        assert!(parse_date("yesterday").is_none());
    }
}
