//! SLOs: the threshold grammar, standalone SLO files, verdicts, and suggestions from history.

pub mod file;
pub mod patch;
pub mod suggest;
pub mod threshold;
pub mod verdict;

use crate::trend::{Limit, Trends};

/// Gives every trend series the limit its plot draws: the first of its newest threshold lines
/// that names its metric.
pub fn set_trend_limits(trends: &mut Trends) {
    for s in &mut trends.series {
        s.limit = s
            .thresholds
            .iter()
            .filter_map(|l| threshold::parse_threshold(l).ok())
            .find(|t| t.metric == s.metric)
            .map(|t| Limit {
                line: t.line,
                value: t.limit,
            });
    }
}
