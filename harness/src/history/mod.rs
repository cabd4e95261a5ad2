//! History database: every nightly results file in one SQLite file, raw values kept, so trends and
//! SLO suggestions can be recomputed with any estimator later.
//!
//! Layout (schema version in `PRAGMA user_version`, ours marked by `PRAGMA application_id`):
//! - `runs`: one row per results file (run id unique, times, git, machine, side, the metadata JSON);
//! - `benchmarks`: one row per benchmark key ever seen (suite, scenario, variant JSON);
//! - `run_benchmarks`: a benchmark's outcome in a run (status, thresholds JSON, the other fields);
//! - `samples`: one row per (run, benchmark, metric) with the raw values as a blob of little-endian
//!   `f64` and the values per process as a blob of `u32` counts.
//!
//! Why a blob rather than a row per value: a year of nightly runs of 500 benchmarks is 3.6 million
//! values; a row each (with its key columns and index entry) is ~10x the file size and insert time,
//! while every reader (trend, suggest, export) needs a metric's values of a run together anyway.
//! The blob keeps process and value order exactly, so `export` gives back the file that was added.

mod schema;

use crate::results::{
    BenchmarkResult, Metadata, MetricSamples, OomInfo, ResultsError, ResultsFile, Status,
    SummaryStats, SCHEMA,
};
use crate::units::Unit;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use schema::SCHEMA_VERSION;

/// Why the history could not be used. Every variant names the database file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(
        "{path}: not a SQLite database (corrupt, or another kind of file); it was left untouched"
    )]
    NotADatabase { path: PathBuf },
    #[error(
        "{path}: a SQLite database that is not a slogate history (its tables: {tables}); it was left untouched"
    )]
    Foreign { path: PathBuf, tables: String },
    #[error("{path}: history schema version {found} is newer than this slogate knows ({SCHEMA_VERSION}); upgrade slogate")]
    TooNew { path: PathBuf, found: i64 },
    #[error("{path}: no history database here (create one with `slogate history add`)")]
    Missing { path: PathBuf },
    #[error("{path}: no run `{run_id}` in the history")]
    NoSuchRun { path: PathBuf, run_id: String },
    #[error("{path}: stored data of run `{run_id}` is damaged: {message}")]
    Damaged {
        path: PathBuf,
        run_id: String,
        message: String,
    },
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Results(#[from] ResultsError),
}

/// What `add` did with a results file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    Stored {
        run_id: String,
        benchmarks: usize,
    },
    /// The run id was already in the history: nothing was written.
    AlreadyPresent {
        run_id: String,
    },
}

/// One stored run, as listed and as trends order them.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// Row id, the key `for_each_sample` reports runs by.
    pub id: i64,
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub benchmarks: usize,
    /// The machine it ran on (hostname, fingerprint): timings of two machines are not one series.
    pub machine: MachineName,
}

/// Enough of a machine to tell it apart and name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MachineName {
    pub fingerprint: String,
    pub hostname: String,
}

/// One metric of one benchmark in one run, as `for_each_sample` hands it out.
#[derive(Debug, Clone)]
pub struct SampleRow<'a> {
    pub run: i64,
    pub key: &'a str,
    pub suite: &'a str,
    pub status: Status,
    pub thresholds: &'a [String],
    pub metric: &'a str,
    pub samples: MetricSamples,
}

/// The fields of a benchmark result that have no column of their own.
#[derive(Serialize, Deserialize)]
struct Detail {
    reason: Option<String>,
    stderr_tail: Option<String>,
    oom: Option<OomInfo>,
    planned_processes: u32,
    overhead: Vec<String>,
    noise_threshold: Option<f64>,
}

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

impl History {
    /// Opens the history at `path`, creating it (or migrating an older schema) when needed.
    /// A file that is not ours is refused before anything is written to it.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        check_header(path)?;
        let conn = Connection::open(path).map_err(|e| sqlite_error(path, e))?;
        let mut h = History {
            conn,
            path: path.to_path_buf(),
        };
        h.conn
            .busy_timeout(Duration::from_secs(60))
            .map_err(|e| h.err(e))?;
        let (app_id, version, tables) = h.identify()?;
        if app_id != schema::APPLICATION_ID && (version != 0 || !tables.is_empty()) {
            return Err(HistoryError::Foreign {
                path: h.path.clone(),
                tables: if tables.is_empty() {
                    "none".into()
                } else {
                    tables.join(", ")
                },
            });
        }
        if version > SCHEMA_VERSION {
            return Err(HistoryError::TooNew {
                path: h.path.clone(),
                found: version,
            });
        }
        if version < SCHEMA_VERSION {
            schema::migrate(&mut h.conn, SCHEMA_VERSION).map_err(|e| sqlite_error(path, e))?;
        }
        Ok(h)
    }

    /// Opens an existing history; a missing file is an error rather than a new, empty history.
    pub fn open_existing(path: &Path) -> Result<History, HistoryError> {
        if !path.exists() {
            return Err(HistoryError::Missing {
                path: path.to_path_buf(),
            });
        }
        Self::open(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> HistoryError {
        sqlite_error(&self.path, source)
    }

    fn identify(&self) -> Result<(i64, i64, Vec<String>), HistoryError> {
        let read = || -> rusqlite::Result<(i64, i64, Vec<String>)> {
            let app: i64 = self
                .conn
                .pragma_query_value(None, "application_id", |r| r.get(0))?;
            let version: i64 = self
                .conn
                .pragma_query_value(None, "user_version", |r| r.get(0))?;
            let mut stmt = self.conn.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )?;
            let tables = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok((app, version, tables))
        };
        read().map_err(|e| self.err(e))
    }

    /// Stores one results file in one transaction. Adding a run id that is already present is a
    /// no-op, so re-running a nightly job is harmless.
    pub fn add(&mut self, file: &ResultsFile) -> Result<Added, HistoryError> {
        let path = self.path.clone();
        let e = |source| sqlite_error(&path, source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        let m = &file.meta;
        let present: Option<i64> = tx
            .query_row("SELECT id FROM runs WHERE run_id = ?1", [&m.run_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(e)?;
        if present.is_some() {
            return Ok(Added::AlreadyPresent {
                run_id: m.run_id.clone(),
            });
        }
        tx.execute(
            "INSERT INTO runs (run_id, started_at, ended_at, git_commit, git_branch, machine, side, meta, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                m.run_id,
                time_text(&m.started_at),
                m.ended_at.as_ref().map(time_text),
                m.git.as_ref().map(|g| &g.commit),
                m.git.as_ref().and_then(|g| g.branch.as_ref()),
                m.machine.fingerprint,
                m.side,
                serde_json::to_string(m).expect("metadata serialises"),
                time_text(&Utc::now()),
            ],
        )
        .map_err(e)?;
        let run = tx.last_insert_rowid();
        {
            let mut find = tx
                .prepare_cached("SELECT id FROM benchmarks WHERE key = ?1")
                .map_err(e)?;
            let mut new_bench = tx
                .prepare_cached(
                    "INSERT INTO benchmarks (key, suite, scenario, variant) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(e)?;
            let mut outcome = tx
                .prepare_cached(
                    "INSERT INTO run_benchmarks (run, benchmark, position, status, thresholds, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(e)?;
            let mut sample = tx
                .prepare_cached(
                    "INSERT INTO samples (run, benchmark, metric, unit, higher_is_better, summary, counts, vals)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(e)?;
            for (position, b) in file.benchmarks.iter().enumerate() {
                let id: i64 = match find
                    .query_row([&b.key], |r| r.get(0))
                    .optional()
                    .map_err(e)?
                {
                    Some(id) => id,
                    None => {
                        new_bench
                            .execute(params![b.key, b.suite, b.scenario, json(&b.variant)])
                            .map_err(e)?;
                        tx.last_insert_rowid()
                    }
                };
                let detail = Detail {
                    reason: b.reason.clone(),
                    stderr_tail: b.stderr_tail.clone(),
                    oom: b.oom,
                    planned_processes: b.planned_processes,
                    overhead: b.overhead.clone(),
                    noise_threshold: b.noise_threshold,
                };
                outcome
                    .execute(params![
                        run,
                        id,
                        position as i64,
                        b.status.as_str(),
                        json(&b.thresholds),
                        json(&detail)
                    ])
                    .map_err(e)?;
                for (name, s) in &b.metrics {
                    let (counts, vals) = encode(&s.processes);
                    sample
                        .execute(params![
                            run,
                            id,
                            name,
                            json(&s.unit),
                            s.higher_is_better,
                            s.summary.as_ref().map(json),
                            counts,
                            vals
                        ])
                        .map_err(e)?;
                }
            }
        }
        tx.commit().map_err(e)?;
        Ok(Added::Stored {
            run_id: m.run_id.clone(),
            benchmarks: file.benchmarks.len(),
        })
    }

    /// Every run, oldest first (ties by insertion order).
    pub fn runs(&self) -> Result<Vec<RunInfo>, HistoryError> {
        type Row = (i64, String, String, Option<String>, Option<String>, i64);
        let read = || -> rusqlite::Result<Vec<Row>> {
            let mut stmt = self.conn.prepare(
                "SELECT r.id, r.run_id, r.meta, r.git_commit, r.git_branch,
                        (SELECT count(*) FROM run_benchmarks rb WHERE rb.run = r.id)
                 FROM runs r ORDER BY r.started_at, r.id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?;
            rows.collect()
        };
        read()
            .map_err(|e| self.err(e))?
            .into_iter()
            .map(|(id, run_id, meta, commit, branch, n)| {
                let meta: Metadata = self.parse(&run_id, &meta)?;
                Ok(RunInfo {
                    id,
                    run_id,
                    started_at: meta.started_at,
                    commit,
                    branch,
                    benchmarks: n as usize,
                    machine: MachineName {
                        fingerprint: meta.machine.fingerprint,
                        hostname: meta.machine.hostname,
                    },
                })
            })
            .collect()
    }

    /// Calls `visit` for every stored metric of every benchmark of every run, runs oldest first.
    pub fn for_each_sample(
        &self,
        mut visit: impl FnMut(SampleRow<'_>),
    ) -> Result<(), HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.run, b.key, b.suite, rb.status, rb.thresholds, s.metric, s.unit,
                        s.higher_is_better, s.summary, s.counts, s.vals, r.run_id
                 FROM samples s
                 JOIN runs r ON r.id = s.run
                 JOIN benchmarks b ON b.id = s.benchmark
                 JOIN run_benchmarks rb ON rb.run = s.run AND rb.benchmark = s.benchmark
                 ORDER BY r.started_at, r.id",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        // Threshold lists repeat from run to run: parse each distinct text once.
        let mut thresholds_cache: HashMap<String, Vec<String>> = HashMap::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let get_err = |e| sqlite_error(&self.path, e);
            let run_id: String = r.get(11).map_err(get_err)?;
            let status: String = r.get(3).map_err(get_err)?;
            let th_text: String = r.get(4).map_err(get_err)?;
            if !thresholds_cache.contains_key(&th_text) {
                let parsed: Vec<String> = self.parse(&run_id, &th_text)?;
                thresholds_cache.insert(th_text.clone(), parsed);
            }
            let samples = self.read_samples(&run_id, r, 6)?;
            let key: String = r.get(1).map_err(get_err)?;
            let suite: String = r.get(2).map_err(get_err)?;
            let metric: String = r.get(5).map_err(get_err)?;
            visit(SampleRow {
                run: r.get(0).map_err(get_err)?,
                key: &key,
                suite: &suite,
                status: self.parse_status(&run_id, status)?,
                thresholds: &thresholds_cache[&th_text],
                metric: &metric,
                samples,
            });
        }
        Ok(())
    }

    /// Rebuilds the results file of one run, equal to the file that was added.
    pub fn export(&self, run_id: &str) -> Result<ResultsFile, HistoryError> {
        let e = |source| sqlite_error(&self.path, source);
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT id, meta FROM runs WHERE run_id = ?1",
                [run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(e)?;
        let Some((run, meta)) = row else {
            return Err(HistoryError::NoSuchRun {
                path: self.path.clone(),
                run_id: run_id.to_string(),
            });
        };
        let meta: Metadata = self.parse(run_id, &meta)?;
        let mut benchmarks = Vec::new();
        let mut by_id: HashMap<i64, usize> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT b.id, b.key, b.suite, b.scenario, b.variant, rb.status, rb.thresholds, rb.detail
                     FROM run_benchmarks rb JOIN benchmarks b ON b.id = rb.benchmark
                     WHERE rb.run = ?1 ORDER BY rb.position",
                )
                .map_err(e)?;
            let mut rows = stmt.query([run]).map_err(e)?;
            while let Some(r) = rows.next().map_err(e)? {
                let text = |i: usize| r.get::<_, String>(i).map_err(e);
                let detail: Detail = self.parse(run_id, &text(7)?)?;
                by_id.insert(r.get(0).map_err(e)?, benchmarks.len());
                benchmarks.push(BenchmarkResult {
                    key: text(1)?,
                    suite: text(2)?,
                    scenario: text(3)?,
                    variant: self.parse(run_id, &text(4)?)?,
                    status: self.parse_status(run_id, text(5)?)?,
                    reason: detail.reason,
                    stderr_tail: detail.stderr_tail,
                    oom: detail.oom,
                    planned_processes: detail.planned_processes,
                    thresholds: self.parse(run_id, &text(6)?)?,
                    overhead: detail.overhead,
                    noise_threshold: detail.noise_threshold,
                    metrics: BTreeMap::new(),
                });
            }
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT benchmark, metric, unit, higher_is_better, summary, counts, vals
                 FROM samples WHERE run = ?1",
            )
            .map_err(e)?;
        let mut rows = stmt.query([run]).map_err(e)?;
        while let Some(r) = rows.next().map_err(e)? {
            let bench: i64 = r.get(0).map_err(e)?;
            let metric: String = r.get(1).map_err(e)?;
            let samples = self.read_samples(run_id, r, 2)?;
            let Some(&i) = by_id.get(&bench) else {
                return Err(self.damaged(run_id, "samples of a benchmark the run does not list"));
            };
            benchmarks[i].metrics.insert(metric, samples);
        }
        Ok(ResultsFile {
            schema: SCHEMA.to_string(),
            meta,
            benchmarks,
        })
    }

    /// Reads unit, higher_is_better, summary, counts, vals from columns `first..first + 5`.
    fn read_samples(
        &self,
        run_id: &str,
        r: &rusqlite::Row<'_>,
        first: usize,
    ) -> Result<MetricSamples, HistoryError> {
        let e = |source| sqlite_error(&self.path, source);
        let unit: Unit = self.parse(run_id, &r.get::<_, String>(first).map_err(e)?)?;
        let summary: Option<SummaryStats> =
            match r.get::<_, Option<String>>(first + 2).map_err(e)? {
                Some(t) => Some(self.parse(run_id, &t)?),
                None => None,
            };
        let counts: Vec<u8> = r.get(first + 3).map_err(e)?;
        let vals: Vec<u8> = r.get(first + 4).map_err(e)?;
        let processes = decode(&counts, &vals)
            .ok_or_else(|| self.damaged(run_id, "value blob size mismatch"))?;
        Ok(MetricSamples {
            unit,
            higher_is_better: r.get(first + 1).map_err(e)?,
            processes,
            summary,
        })
    }

    fn parse<T: for<'de> Deserialize<'de>>(
        &self,
        run_id: &str,
        text: &str,
    ) -> Result<T, HistoryError> {
        serde_json::from_str(text).map_err(|err| self.damaged(run_id, &err.to_string()))
    }

    fn parse_status(&self, run_id: &str, status: String) -> Result<Status, HistoryError> {
        serde_json::from_value(serde_json::Value::String(status))
            .map_err(|err| self.damaged(run_id, &err.to_string()))
    }

    fn damaged(&self, run_id: &str, message: &str) -> HistoryError {
        HistoryError::Damaged {
            path: self.path.clone(),
            run_id: run_id.to_string(),
            message: message.to_string(),
        }
    }
}

/// Refuses a non-empty file that does not start with SQLite's header, before SQLite touches it.
fn check_header(path: &Path) -> Result<(), HistoryError> {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return Ok(()); // missing: SQLite creates it
    };
    let mut head = Vec::with_capacity(16);
    (&mut f)
        .take(16)
        .read_to_end(&mut head)
        .map_err(|source| HistoryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if !head.is_empty() && head.as_slice() != SQLITE_HEADER {
        return Err(HistoryError::NotADatabase {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn sqlite_error(path: &Path, source: rusqlite::Error) -> HistoryError {
    if let rusqlite::Error::SqliteFailure(f, _) = &source {
        if f.code == rusqlite::ErrorCode::NotADatabase {
            return HistoryError::NotADatabase {
                path: path.to_path_buf(),
            };
        }
    }
    HistoryError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

/// Fixed-width RFC 3339 in UTC, so text order is time order.
fn time_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn encode(processes: &[Vec<f64>]) -> (Vec<u8>, Vec<u8>) {
    let counts = processes
        .iter()
        .flat_map(|p| (p.len() as u32).to_le_bytes())
        .collect();
    let vals = processes
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    (counts, vals)
}

fn decode(counts: &[u8], vals: &[u8]) -> Option<Vec<Vec<f64>>> {
    if !counts.len().is_multiple_of(4) || !vals.len().is_multiple_of(8) {
        return None;
    }
    let mut values = vals
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")));
    let mut out = Vec::with_capacity(counts.len() / 4);
    for c in counts.chunks_exact(4) {
        let n = u32::from_le_bytes(c.try_into().expect("4 bytes")) as usize;
        let p: Vec<f64> = values.by_ref().take(n).collect();
        if p.len() != n {
            return None;
        }
        out.push(p);
    }
    values.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests;
