//! SLOs: the threshold grammar and its evaluation.

pub mod suggest;
pub mod threshold;
pub mod verdict;
