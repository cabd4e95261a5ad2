//! SLOs: the threshold grammar, standalone SLO files, and their evaluation.

pub mod file;
pub mod threshold;
