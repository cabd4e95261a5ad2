//! SLOs: the threshold grammar, standalone SLO files, verdicts, and suggestions from history.

pub mod file;
pub mod suggest;
pub mod threshold;
pub mod verdict;
