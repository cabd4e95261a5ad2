//! The history's schema and its migrations. `MIGRATIONS[i]` takes a database from version `i` to
//! `i + 1`, so a new version is one more entry and every older file upgrades step by step.

use rusqlite::{Connection, TransactionBehavior};

/// Marks a SQLite file as a slogate history ("slgt"), so a foreign database is never written to.
pub const APPLICATION_ID: i64 = 0x736c_6774;

/// The version this slogate writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const MIGRATIONS: &[&str] = &[
    // 1: runs, benchmarks, their outcomes and the raw values.
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL UNIQUE,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        git_commit TEXT,
        git_branch TEXT,
        machine TEXT NOT NULL,
        side TEXT,
        meta TEXT NOT NULL
     );
     CREATE TABLE benchmarks (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        suite TEXT NOT NULL,
        scenario TEXT NOT NULL,
        variant TEXT NOT NULL
     );
     CREATE TABLE run_benchmarks (
        run INTEGER NOT NULL REFERENCES runs(id),
        benchmark INTEGER NOT NULL REFERENCES benchmarks(id),
        position INTEGER NOT NULL,
        status TEXT NOT NULL,
        thresholds TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (run, benchmark)
     ) WITHOUT ROWID;
     CREATE TABLE samples (
        run INTEGER NOT NULL,
        benchmark INTEGER NOT NULL,
        metric TEXT NOT NULL,
        unit TEXT NOT NULL,
        higher_is_better INTEGER NOT NULL,
        summary TEXT,
        counts BLOB NOT NULL,
        vals BLOB NOT NULL,
        PRIMARY KEY (run, benchmark, metric),
        FOREIGN KEY (run, benchmark) REFERENCES run_benchmarks(run, benchmark)
     ) WITHOUT ROWID;",
    // 2: when a run was added (unknown for older rows), and runs indexed by time for trends.
    "ALTER TABLE runs ADD COLUMN added_at TEXT;
     CREATE INDEX runs_by_time ON runs (started_at, id);",
];

/// Brings the database to `target`, in one immediate transaction so that two processes creating
/// the same new history do not both run the migrations.
pub(super) fn migrate(conn: &mut Connection, target: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    while version < target {
        tx.execute_batch(MIGRATIONS[version as usize])?;
        version += 1;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", version)?;
    tx.commit()
}
