//! One metric of one benchmark: the estimate of each side and the change between them.

use super::model::{Change, ChangeVerdict, Estimate};
use crate::results::MetricSamples;
use crate::stats::bootstrap::{self, Scratch};
use crate::stats::dispersion::{self, MAX_CI_WIDTH_IN_THRESHOLDS, MAX_CV};
use crate::stats::sides::Sides;
use crate::stats::summary::{self, Summary};
use crate::stats::{hodges_lehmann, location, mannwhitney, wilcoxon};

/// Which side a bootstrap stream belongs to, mixed into its seed.
#[derive(Debug, Clone, Copy)]
pub enum Side {
    Baseline = 1,
    Candidate = 2,
}

/// The seed of one bootstrap stream: the report's seed, the benchmark, the metric and the side.
/// FNV-1a then a SplitMix64 finaliser: stable across platforms and releases.
pub fn stream_seed(seed: u64, key: &str, metric: &str, side: Side) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key
        .bytes()
        .chain([0])
        .chain(metric.bytes())
        .chain([0, side as u8])
    {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Settings the per-metric statistics need.
#[derive(Debug, Clone, Copy)]
pub struct StatOptions {
    pub resamples: usize,
    pub confidence: f64,
    pub seed: u64,
    /// Whether a change is tested two-sided or one-sided (`stats::sides`).
    pub sides: Sides,
}

/// One side of one metric, reduced to what the statistics need.
pub struct SideStats {
    pub estimate: Estimate,
    /// Per-process means (empty for summary-only data).
    pub means: Vec<f64>,
    /// Bootstrap replicates of the estimate, in draw order (empty for summary-only data).
    pub replicates: Vec<f64>,
}

impl SideStats {
    /// The side as summary statistics: n processes (values when there is a single process).
    pub fn summary(&self, samples: &MetricSamples) -> Summary {
        if let Some(s) = samples.summary.filter(|_| self.replicates.is_empty()) {
            return Summary {
                n: s.n as f64,
                mean: s.mean,
                sd: s.stddev,
            };
        }
        if self.means.len() >= 2 {
            Summary {
                n: self.means.len() as f64,
                mean: self.estimate.point,
                sd: dispersion::std_dev(&self.means),
            }
        } else {
            let values: Vec<f64> = samples.values().collect();
            Summary {
                n: values.len() as f64,
                mean: self.estimate.point,
                sd: dispersion::std_dev(&values),
            }
        }
    }

    pub fn too_few(&self) -> bool {
        dispersion::too_few(self.estimate.processes, self.estimate.values)
    }
}

/// The estimate of one side: the mean of all values, with a hierarchical-bootstrap percentile
/// interval. The mean (not the median of process means) because the seed report's numbers are
/// means and an SLO on memory or time budgets a total. Summary-only data get a t interval.
/// `None` when the side has no data.
pub fn side_stats(
    samples: &MetricSamples,
    opts: StatOptions,
    stream: u64,
    scratch: &mut Scratch,
    buf: &mut Vec<f64>,
) -> Option<SideStats> {
    let values = samples.value_count();
    if values > 0 {
        let means = dispersion::process_means(&samples.processes);
        let point = samples.values().sum::<f64>() / values as f64;
        let mut replicates = Vec::with_capacity(opts.resamples);
        bootstrap::hierarchical_means(
            &samples.processes,
            opts.resamples,
            stream,
            scratch,
            &mut replicates,
        );
        buf.clear();
        buf.extend_from_slice(&replicates);
        let (low, high) = bootstrap::percentile_interval(buf, opts.confidence);
        let cv = if means.len() >= 2 {
            dispersion::cv(&means)
        } else {
            dispersion::cv(&samples.values().collect::<Vec<_>>())
        };
        return Some(SideStats {
            estimate: Estimate {
                point,
                low: low.min(point),
                high: high.max(point),
                processes: means.len(),
                values,
                cv,
                summary_only: false,
            },
            means,
            replicates,
        });
    }
    let s = samples.summary?;
    let sum = Summary {
        n: s.n as f64,
        mean: s.mean,
        sd: s.stddev,
    };
    let (low, high) = summary::t_interval(sum, opts.confidence).unwrap_or((s.mean, s.mean));
    Some(SideStats {
        estimate: Estimate {
            point: s.mean,
            low,
            high,
            processes: s.n as usize,
            values: s.n as usize,
            cv: if s.mean > 0.0 { s.stddev / s.mean } else { 0.0 },
            summary_only: true,
        },
        means: Vec::new(),
        replicates: Vec::new(),
    })
}

/// An estimate of a change with its interval at one confidence and its two-sided test.
struct Interval {
    ratio: f64,
    low: f64,
    high: f64,
    /// Two-sided p-value.
    p: f64,
    /// Whether the test's statistic points to a larger candidate.
    up: bool,
    /// The paired interval could not reach the confidence (too few pairs).
    uncovered: bool,
}

/// A change before false-discovery control: the verdict waits for the q-value.
pub struct PendingChange {
    pub change: Change,
    /// Too few samples on a side: no verdict whatever the numbers.
    pub too_few: bool,
    /// Interval too wide, or process means too dispersed, to call it the same.
    pub noisy: bool,
}

/// Candidate versus baseline of one metric. Paired (Hodges-Lehmann estimate of the per-pair log
/// ratios of process locations, `stats::location`, with its signed-rank interval, Wilcoxon signed-rank test; see
/// `stats::hodges_lehmann` for why) when `paired` and both sides have the same
/// number of processes; otherwise unpaired (ratio of independent bootstrap replicates, Mann-Whitney
/// on process means). Summary-only data use a t interval on the log ratio and Welch's test.
/// `None` when the baseline estimate is zero (no ratio).
///
/// `counted`: the values are a simulator's counts (`crate::results::metric::is_simulated`), whose
/// noise has no busy-neighbour tail. With too few processes for the rank tests to reach the
/// confidence (fewer than 6 pairs at 95%, fewer than 5 processes a side unpaired) they get Student's
/// t (paired on the log ratios, or Welch's): its interval is as wide as the measured spread, so 3
/// processes a side decide a count that agrees to the last digits and leave a spread one unstable.
#[allow(clippy::too_many_arguments)]
pub fn change(
    base: &SideStats,
    base_samples: &MetricSamples,
    cand: &SideStats,
    cand_samples: &MetricSamples,
    paired: bool,
    threshold: f64,
    opts: StatOptions,
    counted: bool,
    buf: &mut Vec<f64>,
) -> Option<PendingChange> {
    if base.estimate.point <= 0.0 {
        return None;
    }
    let raw = !base.replicates.is_empty() && !cand.replicates.is_empty();
    // The interval whose ends are the test's bounds: narrower when each side is tested one-sided.
    let confidence = opts.sides.interval_confidence(opts.confidence);
    // A pair is one observation: each process contributes its location (interquartile mean), so
    // values within a process sharpen it without one slow value moving it.
    let (base_at, cand_at) = if paired && raw {
        (
            location::process_locations(&base_samples.processes),
            location::process_locations(&cand_samples.processes),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let pairs_ok = paired
        && raw
        && base_at.len() == cand_at.len()
        && base_at.len() >= 2
        && base_at.iter().chain(&cand_at).all(|m| *m > 0.0);
    // The spread that can forbid a verdict: of the pair ratios when paired (drift shared by a
    // pair cancels in its ratio, so noisy sides can still give a clear change), else of each
    // side's process means. Paired, it is the robust spread of the log ratios: the rank interval
    // shrugs off a few pairs that met a busy neighbour (a 2 ms process a thousand times, one pair
    // at 0.16), and so does this guard, where the coefficient of variation would pass the whole
    // comparison as undecided for their sake.
    let logs: Vec<f64> = if pairs_ok {
        cand_at
            .iter()
            .zip(&base_at)
            .map(|(c, b)| (c / b).ln())
            .collect()
    } else {
        Vec::new()
    };
    let spread = if pairs_ok {
        dispersion::robust_sd(&logs)
    } else {
        base.estimate.cv.max(cand.estimate.cv)
    };
    let welch = |confidence: f64| {
        let (ratio, low, high, p) = summary::log_ratio_interval(
            cand.summary(cand_samples),
            base.summary(base_samples),
            confidence,
        )
        .unwrap_or((
            cand.estimate.point / base.estimate.point,
            0.0,
            f64::MAX,
            1.0,
        ));
        Interval {
            ratio,
            low,
            high,
            p,
            up: ratio > 1.0,
            uncovered: false,
        }
    };
    // The estimate, its interval at `confidence`, and the two-sided test.
    let mut interval = |confidence: f64| -> Option<Interval> {
        if pairs_ok {
            let shift = hodges_lehmann::paired_shift(&logs, confidence)?;
            Some(
                match summary::paired_t(&logs, confidence).filter(|_| counted && !shift.covered) {
                    Some((estimate, low, high, p)) => Interval {
                        ratio: estimate.exp(),
                        low: low.exp(),
                        high: high.exp(),
                        p,
                        up: estimate > 0.0,
                        uncovered: false,
                    },
                    None => {
                        let test = wilcoxon::signed_rank(&logs);
                        Interval {
                            ratio: shift.estimate.exp(),
                            low: shift.low.exp(),
                            high: shift.high.exp(),
                            p: test.p_value,
                            up: test.up,
                            uncovered: !shift.covered,
                        }
                    }
                },
            )
        } else if raw
            && counted
            && base.means.len().min(cand.means.len()) < mannwhitney::MIN_PROCESSES
        {
            Some(welch(confidence))
        } else if raw {
            buf.clear();
            buf.extend(
                cand.replicates
                    .iter()
                    .zip(&base.replicates)
                    .filter(|(_, b)| **b > 0.0)
                    .map(|(c, b)| c / b),
            );
            let ratio = cand.estimate.point / base.estimate.point;
            let (lo, hi) = bootstrap::percentile_interval(buf, confidence);
            let test = if base.means.len().min(cand.means.len()) >= mannwhitney::MIN_PROCESSES {
                mannwhitney::mann_whitney_u(&cand.means, &base.means)
            } else {
                let b: Vec<f64> = base_samples.values().collect();
                let c: Vec<f64> = cand_samples.values().collect();
                mannwhitney::mann_whitney_u(&c, &b)
            };
            Some(Interval {
                ratio,
                low: lo.min(ratio),
                high: hi.max(ratio),
                p: test.p_value,
                // The rank test on process means may point against the bootstrapped estimate.
                up: test.first_larger,
                uncovered: false,
            })
        } else {
            Some(welch(confidence))
        }
    };
    let Interval {
        ratio,
        low,
        high,
        p,
        up,
        uncovered,
    } = interval(confidence)?;
    let p = opts.sides.p_value(p, up, ratio > 1.0);
    // "Too noisy" judges the interval at the nominal confidence: a one-sided test narrows the
    // interval it flags with, not the spread that forbids calling a change the same.
    let nominal = if opts.sides.is_two_sided() {
        None
    } else {
        interval(opts.confidence)
    };
    let (width, uncovered) = nominal.map_or(((high - low) / ratio, uncovered), |n| {
        ((n.high - n.low) / n.ratio, n.uncovered)
    });
    let too_few = base.too_few() || cand.too_few();
    let noisy = uncovered || width > MAX_CI_WIDTH_IN_THRESHOLDS * threshold || spread > MAX_CV;
    Some(PendingChange {
        change: Change {
            ratio,
            ratio_low: low,
            ratio_high: high,
            p_value: p,
            q_value: 1.0,
            threshold,
            verdict: ChangeVerdict::Same,
        },
        too_few,
        noisy,
    })
}

/// The verdict once the q-value is known: a flag needs the whole interval beyond the threshold in
/// one direction and q <= fdr; otherwise unstable when the data cannot tell (too few values, too
/// much spread, or an estimate itself beyond the threshold: "same" for a likely +8% would hide what
/// a rerun would probably confirm), else same.
pub fn verdict(p: &PendingChange, higher_is_better: bool, fdr: f64) -> ChangeVerdict {
    let c = &p.change;
    if p.too_few {
        return ChangeVerdict::Unstable;
    }
    let up = c.ratio_low > 1.0 + c.threshold;
    let down = c.ratio_high < 1.0 - c.threshold;
    if (up || down) && c.q_value <= fdr {
        return if up != higher_is_better {
            ChangeVerdict::Regression
        } else {
            ChangeVerdict::Improvement
        };
    }
    let estimate_beyond = c.ratio > 1.0 + c.threshold || c.ratio < 1.0 - c.threshold;
    if p.noisy || estimate_beyond {
        ChangeVerdict::Unstable
    } else {
        ChangeVerdict::Same
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Unit;

    fn samples(processes: Vec<Vec<f64>>) -> MetricSamples {
        let mut m = MetricSamples::new(Unit::Nanoseconds);
        m.processes = processes;
        m
    }

    const OPTS: StatOptions = StatOptions {
        resamples: 2000,
        confidence: 0.95,
        seed: 1,
        sides: Sides::TwoSided,
    };

    fn stats(m: &MetricSamples, stream: u64) -> SideStats {
        side_stats(m, OPTS, stream, &mut Scratch::default(), &mut vec![]).unwrap()
    }

    #[test]
    fn estimate_is_the_mean_with_an_interval_around_it() {
        let m = samples(
            (0..20)
                .map(|i| vec![100.0 + i as f64, 101.0 + i as f64, 99.0 + i as f64])
                .collect(),
        );
        let s = stats(&m, 5);
        assert!((s.estimate.point - 109.5).abs() < 1e-9);
        assert!(s.estimate.low < 109.5 && s.estimate.high > 109.5);
        // sd of 100..119 is 5.92; se of the mean ~1.32; 95% half width ~2.6.
        let half = (s.estimate.high - s.estimate.low) / 2.0;
        assert!(half > 2.0 && half < 3.2, "{half}");
        assert_eq!((s.estimate.processes, s.estimate.values), (20, 60));
    }

    #[test]
    fn seeds_differ_by_stream() {
        let a = stream_seed(1, "s/a", "execution_time", Side::Baseline);
        assert_ne!(a, stream_seed(1, "s/a", "execution_time", Side::Candidate));
        assert_ne!(a, stream_seed(2, "s/a", "execution_time", Side::Baseline));
        assert_ne!(a, stream_seed(1, "s/ab", "execution_time", Side::Baseline));
        assert_eq!(a, stream_seed(1, "s/a", "execution_time", Side::Baseline));
    }

    #[test]
    fn paired_change_uses_pair_ratios() {
        // Drift shared by each pair cancels out: every pair is exactly +10%.
        let base: Vec<Vec<f64>> = (0..10)
            .map(|i| vec![100.0 * (1.0 + 0.05 * i as f64)])
            .collect();
        let cand: Vec<Vec<f64>> = base.iter().map(|p| vec![p[0] * 1.1]).collect();
        let (bm, cm) = (samples(base), samples(cand));
        let (b, c) = (stats(&bm, 1), stats(&cm, 2));
        let mut buf = vec![];
        let p = change(&b, &bm, &c, &cm, true, 0.05, OPTS, false, &mut buf).unwrap();
        assert!((p.change.ratio - 1.1).abs() < 1e-9);
        assert!(
            (p.change.ratio_low - 1.1).abs() < 1e-9 && (p.change.ratio_high - 1.1).abs() < 1e-9
        );
        assert!(p.change.p_value < 0.01, "{}", p.change.p_value);
        // Unpaired, the drift makes the same data inconclusive.
        let u = change(&b, &bm, &c, &cm, false, 0.05, OPTS, false, &mut buf).unwrap();
        assert!(u.change.ratio_low < 1.05 && u.change.ratio_high > 1.15);
    }

    #[test]
    fn paired_noise_is_the_spread_of_the_pair_ratios() {
        // Each side's process means vary by ±60% (cv far above MAX_CV), but every pair moves
        // together: paired, the change is clear; unpaired, the same data are unstable.
        let drift = [0.4, 1.6, 0.5, 1.5, 0.6, 1.4, 0.45, 1.55, 0.55, 1.45];
        let base: Vec<Vec<f64>> = drift.iter().map(|d| vec![100.0 * d]).collect();
        let cand: Vec<Vec<f64>> = base
            .iter()
            .enumerate()
            .map(|(i, p)| vec![p[0] * (1.10 + 0.002 * i as f64)])
            .collect();
        let (bm, cm) = (samples(base), samples(cand));
        let (b, c) = (stats(&bm, 1), stats(&cm, 2));
        assert!(b.estimate.cv > MAX_CV && c.estimate.cv > MAX_CV);
        let mut buf = vec![];
        let mut paired = change(&b, &bm, &c, &cm, true, 0.05, OPTS, false, &mut buf).unwrap();
        assert!(!paired.noisy);
        paired.change.q_value = paired.change.p_value;
        assert_eq!(verdict(&paired, false, 0.05), ChangeVerdict::Regression);
        let unpaired = change(&b, &bm, &c, &cm, false, 0.05, OPTS, false, &mut buf).unwrap();
        assert!(unpaired.noisy);
    }

    #[test]
    fn a_few_wild_pairs_among_many_leave_a_paired_comparison_decided() {
        // 400 pairs within ±2% of each other, 6 of them met a busy neighbour (x5 or x0.2): the
        // ratios' coefficient of variation is far above MAX_CV, their robust spread is not.
        let base: Vec<Vec<f64>> = (0..400)
            .map(|i| vec![1e6 * (1.0 + 0.001 * (i % 7) as f64)])
            .collect();
        let cand: Vec<Vec<f64>> = base
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let wild = match i % 67 {
                    0 => 5.0,
                    33 => 0.2,
                    _ => 1.0,
                };
                vec![p[0] * (1.0 + 0.004 * ((i % 11) as f64 - 5.0) / 5.0) * wild]
            })
            .collect();
        let ratios: Vec<f64> = cand.iter().zip(&base).map(|(c, b)| c[0] / b[0]).collect();
        assert!(dispersion::cv(&ratios) > MAX_CV);
        let (bm, cm) = (samples(base), samples(cand));
        let (b, c) = (stats(&bm, 1), stats(&cm, 2));
        let mut buf = vec![];
        let mut paired = change(&b, &bm, &c, &cm, true, 0.01, OPTS, false, &mut buf).unwrap();
        assert!(!paired.noisy, "{:?}", paired.change);
        paired.change.q_value = paired.change.p_value;
        assert_eq!(verdict(&paired, false, 0.05), ChangeVerdict::Same);
    }

    #[test]
    fn three_processes_decide_a_count_that_agrees_not_one_that_spreads() {
        // A simulator's counts: +0.3% in every process, to the last digits.
        let base: Vec<Vec<f64>> = (0..3).map(|i| vec![2.4e8 + i as f64]).collect();
        let cand: Vec<Vec<f64>> = base.iter().map(|p| vec![(p[0] * 1.003).round()]).collect();
        let (bm, cm) = (samples(base), samples(cand));
        let (b, c) = (stats(&bm, 1), stats(&cm, 2));
        let mut buf = vec![];
        for paired in [true, false] {
            let mut counted =
                change(&b, &bm, &c, &cm, paired, 0.001, OPTS, true, &mut buf).unwrap();
            counted.change.q_value = counted.change.p_value;
            assert!(counted.change.p_value < 1e-6, "{}", counted.change.p_value);
            assert_eq!(verdict(&counted, false, 0.05), ChangeVerdict::Regression);
            // Not counts: the rank tests cannot reach 95% with 3 processes.
            let mut timed = change(&b, &bm, &c, &cm, paired, 0.001, OPTS, false, &mut buf).unwrap();
            timed.change.q_value = timed.change.p_value;
            assert_eq!(verdict(&timed, false, 0.05), ChangeVerdict::Unstable);
        }
        // Counts that spread (a time-driven thread): the t interval is wide, no verdict.
        let base = samples(vec![vec![100.0], vec![160.0], vec![90.0]]);
        let cand = samples(vec![vec![150.0], vec![95.0], vec![120.0]]);
        let (b, c) = (stats(&base, 1), stats(&cand, 2));
        let mut spread = change(&b, &base, &c, &cand, true, 0.001, OPTS, true, &mut buf).unwrap();
        spread.change.q_value = spread.change.p_value;
        assert_eq!(verdict(&spread, false, 0.05), ChangeVerdict::Unstable);
    }

    #[test]
    fn one_sided_narrows_the_interval_and_flags_what_two_sided_cannot_confirm() {
        // Pairs around +8.5% with a spread that puts the two-sided 95% lower bound (+5.9%) under
        // a 6.2% threshold and the one-sided one (the two-sided 90% interval's, +6.4%) above it.
        let base: Vec<Vec<f64>> = (0..12).map(|_| vec![100.0]).collect();
        let steps = [
            1.02, 1.16, 1.05, 1.12, 1.07, 1.10, 1.08, 1.11, 1.06, 1.13, 1.09, 1.04,
        ];
        let cand: Vec<Vec<f64>> = steps.iter().map(|r| vec![100.0 * r]).collect();
        let (bm, cm) = (samples(base), samples(cand));
        let (b, c) = (stats(&bm, 1), stats(&cm, 2));
        let mut buf = vec![];
        let mut two = change(&b, &bm, &c, &cm, true, 0.062, OPTS, false, &mut buf).unwrap();
        let one_opts = StatOptions {
            sides: Sides::OneSided,
            ..OPTS
        };
        let mut one = change(&b, &bm, &c, &cm, true, 0.062, one_opts, false, &mut buf).unwrap();
        assert_eq!(one.change.ratio, two.change.ratio);
        assert_eq!(one.change.p_value, two.change.p_value / 2.0);
        assert!(one.change.ratio_low > two.change.ratio_low);
        assert!(one.change.ratio_high < two.change.ratio_high);
        two.change.q_value = two.change.p_value;
        one.change.q_value = one.change.p_value;
        assert!(
            two.change.ratio_low < 1.062 && one.change.ratio_low > 1.062,
            "two-sided {:?}, one-sided {:?}",
            two.change,
            one.change
        );
        assert_eq!(verdict(&two, false, 0.05), ChangeVerdict::Unstable);
        assert_eq!(verdict(&one, false, 0.05), ChangeVerdict::Regression);
        // An improvement is decided by the same interval, from its upper end.
        assert_eq!(verdict(&one, true, 0.05), ChangeVerdict::Improvement);
    }

    /// The "too noisy" test reads the interval at the nominal confidence: at a threshold whose
    /// width limit lies between the one-sided (90%) and the two-sided (95%) interval widths, both
    /// tests call the data noisy, so `--one-sided` never turns unstable into same.
    #[test]
    fn one_sided_is_as_noisy_as_two_sided_on_the_same_data() {
        let base: Vec<Vec<f64>> = (0..12).map(|_| vec![100.0]).collect();
        let steps = [
            0.92, 1.09, 0.97, 1.05, 0.99, 1.03, 1.01, 1.06, 0.95, 1.02, 1.00, 0.98,
        ];
        let cand: Vec<Vec<f64>> = steps.iter().map(|r| vec![100.0 * r]).collect();
        let (bm, cm) = (samples(base), samples(cand));
        let (b, c) = (stats(&bm, 1), stats(&cm, 2));
        let mut buf = vec![];
        let one_opts = StatOptions {
            sides: Sides::OneSided,
            ..OPTS
        };
        let width = |c: &Change| (c.ratio_high - c.ratio_low) / c.ratio;
        let wide = change(&b, &bm, &c, &cm, true, 1.0, OPTS, false, &mut buf).unwrap();
        let narrow = change(&b, &bm, &c, &cm, true, 1.0, one_opts, false, &mut buf).unwrap();
        let (w95, w90) = (width(&wide.change), width(&narrow.change));
        assert!(w90 < w95, "{w90} {w95}");
        let threshold = (w90 + w95) / 2.0 / MAX_CI_WIDTH_IN_THRESHOLDS;
        let two = change(&b, &bm, &c, &cm, true, threshold, OPTS, false, &mut buf).unwrap();
        let one = change(&b, &bm, &c, &cm, true, threshold, one_opts, false, &mut buf).unwrap();
        assert!(
            two.noisy && one.noisy,
            "two-sided {}, one-sided {}",
            two.noisy,
            one.noisy
        );
        assert!((one.change.ratio - 1.0).abs() < threshold);
        assert_eq!(verdict(&one, false, 0.05), ChangeVerdict::Unstable);
    }

    #[test]
    fn verdict_needs_the_whole_interval_and_q() {
        let mk = |lo: f64, hi: f64, q: f64| PendingChange {
            change: Change {
                ratio: (lo + hi) / 2.0,
                ratio_low: lo,
                ratio_high: hi,
                p_value: q,
                q_value: q,
                threshold: 0.05,
                verdict: ChangeVerdict::Same,
            },
            too_few: false,
            noisy: false,
        };
        use ChangeVerdict::*;
        // (interval, q, higher is better, verdict)
        let cases = [
            ((1.06, 1.1), 0.01, false, Regression),
            ((1.06, 1.1), 0.01, true, Improvement),
            // The interval reaches under the threshold but its middle (the estimate) lies beyond
            // it: the data lean towards a change they cannot confirm.
            ((1.04, 1.1), 0.01, false, Unstable),
            ((1.06, 1.1), 0.2, false, Unstable),
            ((1.01, 1.07), 0.01, false, Same),
            ((0.93, 1.02), 0.3, false, Same),
            ((0.8, 0.9), 0.01, false, Improvement),
        ];
        for ((lo, hi), q, higher_is_better, want) in cases {
            assert_eq!(
                verdict(&mk(lo, hi, q), higher_is_better, 0.05),
                want,
                "[{lo}, {hi}] q {q}"
            );
        }
        let mut few = mk(1.06, 1.1, 0.01);
        few.too_few = true;
        assert_eq!(verdict(&few, false, 0.05), ChangeVerdict::Unstable);
        let mut noisy = mk(0.9, 1.12, 0.5);
        noisy.noisy = true;
        assert_eq!(verdict(&noisy, false, 0.05), ChangeVerdict::Unstable);
    }
}
