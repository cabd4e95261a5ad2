//! Suggested SLO limits from history: per benchmark and metric, a high quantile of the recent
//! per-run estimates (since the last change point, so an old level does not count) plus a margin
//! that the history's own run-to-run spread justifies.

use crate::stats::dispersion;
use crate::trend::{Series, Trends};
use crate::units::{Scale, Unit};

/// Fewest recent runs a suggestion is based on.
pub const MIN_RUNS: usize = 5;
/// The smallest margin added to the quantile.
pub const MIN_MARGIN: f64 = 0.05;

/// One suggested threshold line.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub key: String,
    pub metric: String,
    /// Paste-ready: `execution_time < 2.85 ms`.
    pub line: String,
    /// Runs the suggestion is based on (those since the last change point).
    pub runs: usize,
    /// Index into [`Trends::runs`] of the first of them.
    pub since_run: usize,
    /// Coefficient of variation of those runs' estimates.
    pub cv: f64,
    /// The margin used (relative).
    pub margin: f64,
}

/// Suggests a limit for every series of the newest run's machine (the one limits will be checked
/// on) with at least [`MIN_RUNS`] runs since its last change point. `margin` overrides the default
/// `max(3 x CV, 5%)`.
pub fn suggest(trends: &Trends, quantile: f64, margin: Option<f64>) -> Vec<Suggestion> {
    let current = trends.runs.last().map(|r| &r.machine.fingerprint);
    trends
        .series
        .iter()
        .filter(|s| current.is_none_or(|m| *m == s.machine))
        .filter_map(|s| suggest_one(s, quantile, margin))
        .collect()
}

fn suggest_one(s: &Series, quantile: f64, margin: Option<f64>) -> Option<Suggestion> {
    let from = s.changes.last().map_or(0, |c| c.point.index);
    let recent: Vec<f64> = s.points[from..].iter().map(|p| p.estimate.mean).collect();
    if recent.len() < MIN_RUNS {
        return None;
    }
    let cv = dispersion::cv(&recent);
    let margin = margin.unwrap_or((3.0 * cv).max(MIN_MARGIN));
    let upper = !s.higher_is_better;
    let limit = if upper {
        dispersion::quantile(&recent, quantile)? * (1.0 + margin)
    } else {
        dispersion::quantile(&recent, 1.0 - quantile)? * (1.0 - margin).max(0.0)
    };
    let (text, scale) = readable(limit, s.unit, upper);
    let op = if upper { "<" } else { ">" };
    let line = match scale.symbol {
        "" => format!("{} {op} {text}", s.metric),
        sym => format!("{} {op} {text} {sym}", s.metric),
    };
    Some(Suggestion {
        key: s.key.clone(),
        metric: s.metric.clone(),
        line,
        runs: recent.len(),
        since_run: s.points[from].run,
        cv,
        margin,
    })
}

/// `value` in its readable scale, rounded to three significant digits away from the data
/// (up for an upper limit, down for a lower one), trailing zeros dropped: `2.85`, `43.3`, `129`.
fn readable(value: f64, unit: Unit, up: bool) -> (String, Scale) {
    let scale = Scale::auto(unit, value);
    let v = value / scale.factor;
    if v <= 0.0 {
        return ("0".into(), scale);
    }
    let step = 10f64.powi(v.log10().floor() as i32 - 2);
    let rounded = if up {
        (v / step - 1e-9).ceil() * step
    } else {
        (v / step + 1e-9).floor() * step
    };
    let decimals = (-(step.log10().round() as i32)).max(0) as usize;
    let text = format!("{rounded:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    (text, scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::threshold::parse_threshold;
    use crate::stats::changepoint::ChangePoint;
    use crate::trend::estimate::Estimate;
    use crate::trend::{Change, Point};

    fn series(means: &[f64], unit: Unit, metric: &str) -> Series {
        Series {
            key: "s/a".into(),
            suite: "s".into(),
            metric: metric.into(),
            machine: "fp".into(),
            unit,
            higher_is_better: false,
            thresholds: vec![],
            limit: None,
            points: means
                .iter()
                .enumerate()
                .map(|(run, &mean)| Point {
                    run,
                    estimate: Estimate {
                        mean,
                        lo: mean,
                        hi: mean,
                    },
                })
                .collect(),
            changes: vec![],
        }
    }

    #[test]
    fn rounds_up_in_a_readable_scale() {
        assert_eq!(readable(2_843_000.0, Unit::Nanoseconds, true).0, "2.85");
        assert_eq!(readable(43_210_000.0, Unit::Bytes, true).0, "43.3");
        assert_eq!(readable(128_400.0, Unit::Nanoseconds, true).0, "129");
        assert_eq!(readable(2_000_000.0, Unit::Nanoseconds, true).0, "2");
        assert_eq!(readable(2_849_000.0, Unit::Nanoseconds, false).0, "2.84");
    }

    #[test]
    fn limit_is_quantile_plus_margin_since_the_last_change() {
        // An old level of 1 ms, then 2 ms +- 1%: the old level must not count.
        let mut means = vec![1.0e6; 20];
        means.extend((0..20).map(|i| 2.0e6 * (1.0 + 0.01 * ((i % 3) as f64 - 1.0))));
        let mut s = series(&means, Unit::Nanoseconds, "execution_time");
        s.changes = vec![Change {
            point: ChangePoint {
                index: 20,
                mean_before: 1.0e6,
                mean_after: 2.0e6,
                relative: 1.0,
                p_value: 0.005,
            },
            before_run: 19,
            after_run: 20,
        }];
        let t = Trends {
            runs: vec![],
            series: vec![s],
        };
        let got = suggest(&t, 0.99, None);
        assert_eq!(got.len(), 1);
        let g = &got[0];
        assert_eq!((g.runs, g.since_run), (20, 20));
        assert_eq!(g.margin, MIN_MARGIN, "cv {} is small", g.cv);
        // q99 = 2.02 ms, x 1.05 = 2.121 ms, rounded up.
        assert_eq!(g.line, "execution_time < 2.13 ms");
        let th = parse_threshold(&g.line).unwrap();
        assert!(th.limit >= 2.121e6);
        // A noisy series gets 3 x its CV.
        let noisy: Vec<f64> = (0..30)
            .map(|i| 40e6 * (1.0 + 0.05 * ((i % 5) as f64 - 2.0)))
            .collect();
        let t = Trends {
            runs: vec![],
            series: vec![series(&noisy, Unit::Bytes, "max_rss_usage")],
        };
        let g = &suggest(&t, 0.99, None)[0];
        assert!((g.margin - 3.0 * g.cv).abs() < 1e-12 && g.margin > MIN_MARGIN);
        assert!(
            g.line.starts_with("max_rss_usage < ") && g.line.ends_with(" MB"),
            "{}",
            g.line
        );
        assert_eq!(suggest(&t, 0.99, Some(0.1))[0].margin, 0.1);
        // Too few runs: nothing.
        let t = Trends {
            runs: vec![],
            series: vec![series(&[1.0; 4], Unit::Count, "n")],
        };
        assert!(suggest(&t, 0.99, None).is_empty());
    }
}
