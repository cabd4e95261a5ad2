//! Comparing a candidate with a baseline: estimates, changes, SLO verdicts, sections.

pub mod model;

pub use model::*;
