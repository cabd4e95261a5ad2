//! SLOs: the threshold grammar and its evaluation.

pub mod threshold;
pub mod verdict;
