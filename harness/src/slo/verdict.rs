//! SLO verdicts: where a candidate's estimate, with its confidence interval, stands against a limit.
//!
//! The seed comment fixes the rule: the percent shown is `estimate / limit - 1`; 🟡 (near) when that
//! margin, unrounded, is above `-near` (42.644MB against 43.500MB is -1.97%, shown `-2.0%` with 🟡;
//! 42.625MB is -2.01%, shown `-2.0%` without); 📉 (comfortable) when it is at or below
//! `-comfortable` (-10.3% has it, -9.6% has not). For lower bounds (`>`) everything mirrors.

use crate::slo::threshold::Op;
use serde::{Deserialize, Serialize};

/// The verdict on one SLO line (the seed's vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SloVerdict {
    /// ✅ with 📉: at least `comfortable` under the limit.
    Comfortable,
    /// ✅: the CI clears the limit.
    Pass,
    /// ✅ with 🟡: within `near` of the limit.
    Near,
    /// ⚠️: the CI straddles the limit.
    Uncertain,
    /// ❌: the estimate is over the limit.
    Breach,
    /// The metric or the reference variant has no data: never a pass.
    NoData,
}

/// Far below any displayed precision, above floating-point noise.
const ROUNDING: f64 = 1e-12;

/// The near and comfortable cut-offs, as fractions of the limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cutoffs {
    pub near: f64,
    pub comfortable: f64,
}

/// `estimate / limit - 1`, the percent the seed shows after the limit; `None` for a zero limit.
pub fn margin(estimate: f64, limit: f64) -> Option<f64> {
    (limit != 0.0).then(|| estimate / limit - 1.0)
}

/// How far a limit may sit on the good side of its estimate, as a fraction of the estimate,
/// before the report says it catches nothing (a limit 50% above the estimate lets a +50%
/// regression pass).
pub const DEFAULT_LOOSE: f64 = 0.5;

/// How far a passing limit sits from its estimate, as a fraction of the estimate, from the
/// check's `margin` (`estimate / limit - 1`): `limit / estimate - 1` for an upper bound, `1 -
/// limit / estimate` for a lower one. Both are `|margin| / (1 + margin)` on the passing side.
/// None when the verdict is not a pass or there is no margin.
pub fn slack(verdict: SloVerdict, margin: Option<f64>) -> Option<f64> {
    let m = margin?;
    let passing = matches!(
        verdict,
        SloVerdict::Pass | SloVerdict::Comfortable | SloVerdict::Near
    );
    (passing && 1.0 + m > 0.0).then(|| m.abs() / (1.0 + m))
}

/// A verdict and the margin it was judged by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    pub verdict: SloVerdict,
    /// `estimate / limit - 1` ([`margin`]).
    pub margin: Option<f64>,
}

/// Judges an estimate `point` with interval `[low, high]` against `op limit`:
/// breach when the point violates the limit, uncertain when the point holds but the interval
/// reaches past the limit, then near / comfortable / pass by the margin.
pub fn judge(op: Op, point: f64, low: f64, high: f64, limit: f64, cut: Cutoffs) -> Judgement {
    let m = margin(point, limit);
    let judged = |verdict| Judgement { verdict, margin: m };
    if !op.holds(point, limit) {
        return judged(SloVerdict::Breach);
    }
    let far_end = if op.is_upper_bound() { high } else { low };
    if !op.holds(far_end, limit) {
        return judged(SloVerdict::Uncertain);
    }
    let Some(m) = m else {
        return judged(SloVerdict::Pass);
    };
    // Headroom: how far the estimate sits on the good side of the limit, as a fraction of it,
    // nudged so that exactly 10% under (90 against 100, -0.09999999999999998 in floating point)
    // counts as 10%.
    let headroom = if op.is_upper_bound() { -m } else { m } + ROUNDING;
    let v = if headroom < cut.near {
        SloVerdict::Near
    } else if headroom >= cut.comfortable {
        SloVerdict::Comfortable
    } else {
        SloVerdict::Pass
    };
    judged(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{format_pct, split_quantity};

    const CUT: Cutoffs = Cutoffs {
        near: 0.02,
        comfortable: 0.10,
    };

    fn mark(v: SloVerdict) -> &'static str {
        match v {
            SloVerdict::Near => "🟡",
            SloVerdict::Comfortable => "📉",
            _ => "",
        }
    }

    /// Every `value (SLO: <limit [mark] pct)` of the seed comment: the percent and the mark come out
    /// exactly. The comment shows estimates rounded to three decimals, so the estimate may be any
    /// value that rounds to the one shown; the mark must match at the shown value itself.
    #[test]
    fn reproduces_every_mark_of_the_seed_comment() {
        let text = include_str!("../../tests/compare_fixtures/seed_slo_marks.txt");
        let re = regex::Regex::new(r"^(\S+) \(SLO: <(\S+) (?:(🟡|📉) )?([+-][0-9.]+%)\)$").unwrap();
        let mut checked = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let c = re
                .captures(line)
                .unwrap_or_else(|| panic!("fixture line `{line}`"));
            let (v, scale) = split_quantity(&c[1]).unwrap();
            let (l, lscale) = split_quantity(&c[2]).unwrap();
            let (shown, limit) = (v * scale.factor, l * lscale.factor);
            let want_mark = c.get(3).map_or("", |m| m.as_str());
            let at = |e: f64| judge(Op::Lt, e, e, e, limit, CUT);
            let verdict = at(shown).verdict;
            assert_eq!(mark(verdict), want_mark, "mark of `{line}`");
            let half = 0.0005 * scale.factor;
            let found = (0..=200).any(|i| {
                let e = shown - half + half * i as f64 / 100.0;
                let Judgement { verdict, margin: m } = at(e);
                scale.format(e) == scale.format(shown)
                    && format_pct(m.unwrap()) == c[4]
                    && mark(verdict) == want_mark
            });
            assert!(
                found,
                "no estimate rounding to the shown value reproduces `{line}`"
            );
            checked += 1;
        }
        assert_eq!(checked, 172);
    }

    #[test]
    fn slack_is_how_far_the_limit_sits_from_the_estimate() {
        // 1 ms against `< 1.9 ms`: the limit is 90% above the estimate.
        let j = judge(Op::Lt, 1.0, 0.99, 1.01, 1.9, CUT);
        let s = slack(j.verdict, j.margin).unwrap();
        assert!((s - 0.9).abs() < 1e-12, "{s}");
        // 100 ops/s against `> 10`: the limit is 90% below the estimate.
        let j = judge(Op::Gt, 100.0, 99.0, 101.0, 10.0, CUT);
        assert!((slack(j.verdict, j.margin).unwrap() - 0.9).abs() < 1e-12);
        // A breach or an uncertain check has no slack.
        let j = judge(Op::Lt, 2.0, 1.9, 2.1, 1.9, CUT);
        assert_eq!(slack(j.verdict, j.margin), None);
        assert_eq!(slack(SloVerdict::Pass, None), None);
    }

    #[test]
    fn near_uses_the_unrounded_margin() {
        let j = |e: f64, l: f64| judge(Op::Lt, e, e, e, l, CUT).verdict;
        assert_eq!(j(42.644, 43.5), SloVerdict::Near);
        assert_eq!(j(42.625, 43.5), SloVerdict::Pass);
        assert_eq!(j(623.162, 700.0), SloVerdict::Comfortable);
        assert_eq!(j(198.895, 220.0), SloVerdict::Pass);
        assert_eq!(j(90.0, 100.0), SloVerdict::Comfortable);
        assert_eq!(j(98.0, 100.0), SloVerdict::Pass);
        assert_eq!(j(98.01, 100.0), SloVerdict::Near);
    }

    #[test]
    fn breach_uncertain_and_mirrored_bounds() {
        let Judgement {
            verdict: v,
            margin: m,
        } = judge(Op::Lt, 105.0, 100.0, 110.0, 100.0, CUT);
        assert_eq!(
            (v, format_pct(m.unwrap())),
            (SloVerdict::Breach, "+5.0%".to_string())
        );
        assert_eq!(
            judge(Op::Lt, 99.0, 97.0, 101.0, 100.0, CUT).verdict,
            SloVerdict::Uncertain
        );
        assert_eq!(
            judge(Op::Le, 99.0, 97.0, 100.0, 100.0, CUT).verdict,
            SloVerdict::Near
        );
        assert_eq!(
            judge(Op::Lt, 99.0, 97.0, 100.0, 100.0, CUT).verdict,
            SloVerdict::Uncertain
        );
        // Throughput > 30 op/s.
        assert_eq!(
            judge(Op::Gt, 29.0, 28.0, 30.0, 30.0, CUT).verdict,
            SloVerdict::Breach
        );
        assert_eq!(
            judge(Op::Gt, 31.0, 29.5, 32.0, 30.0, CUT).verdict,
            SloVerdict::Uncertain
        );
        assert_eq!(
            judge(Op::Gt, 30.5, 30.2, 31.0, 30.0, CUT).verdict,
            SloVerdict::Near
        );
        assert_eq!(
            judge(Op::Gt, 40.0, 39.0, 41.0, 30.0, CUT).verdict,
            SloVerdict::Comfortable
        );
        assert_eq!(
            judge(Op::Gt, 32.0, 31.0, 33.0, 30.0, CUT).verdict,
            SloVerdict::Pass
        );
        assert_eq!(
            judge(Op::Le, 0.0, 0.0, 0.0, 0.0, CUT),
            Judgement {
                verdict: SloVerdict::Pass,
                margin: None
            }
        );
    }
}
