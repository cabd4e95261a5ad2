//! slogate: benchmarking and SLO gate harness.
//!
//! The pipeline, one module per stage:
//! `suite` (what to run) → `run` (processes, samples) → `results` (the file) → `stats` + `compare`
//! (verdicts) → `report` (markdown, terminal, JSON, JUnit) and the gate; `ab` interleaves two sides on
//! one machine; `import` turns other tools' output into results; `history` + `trend` keep nightly runs
//! and draw them; `profile` tells where a flagged benchmark's time went.
//! The command line (`main.rs` and `cli/`, one file per subcommand) belongs to the binary: the
//! library knows nothing of clap, and the binary maps its arguments onto the library's types.

pub mod ab;
pub mod baseline;
pub mod calibrate;
pub mod compare;
pub mod escape;
pub mod fsutil;
pub mod git;
pub mod history;
pub mod import;
pub mod init;
pub mod procfs;
pub mod profile;
pub mod report;
pub mod results;
pub mod run;
pub mod shard;
pub mod slo;
pub mod stats;
pub mod suite;
pub mod system;
pub mod trend;
pub mod units;
