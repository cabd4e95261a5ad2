//! Suites: `suites/<suite>/suite.toml` parsed, validated and expanded into benchmarks.

pub mod spec;

pub use spec::{BenchmarkSpec, Protocol};
