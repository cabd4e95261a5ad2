//! How many values a process should measure, when each process pays a fixed start-up cost.
//!
//! A pyperf process starts an interpreter, imports the code under test and warms up before its
//! first value: `s` seconds, then `t` seconds a value. In a paired comparison a round is one
//! process a side, and the log ratio of a round's two process locations varies as
//! `2(σp² + σv²/k)` with `k` values a process, where `σp²` is the variance of a process's location
//! between processes (the part pairing leaves: a neighbour for a whole process, a different memory
//! layout) and `σv²` the variance of one value within its process; the round costs `2(s + k·t)`.
//! The interval's width at a fixed budget goes as the square root of the variance times the cost,
//! `f(k) = (σp² + σv²/k)(s + k·t)`, smallest at `k* = sqrt(σv²·s / (σp²·t))`: many values when
//! values scatter within a process and the start-up is dear, one when values agree (more values
//! cannot narrow what comes from whole processes) or when the start-up is nearly free (more
//! processes average both kinds of noise for the price of their values).
//!
//! A fixed rule ("start-up at most a fifth of a process") looks at `s` and `t` alone and would
//! give a process many values that agree with each other, spending the budget on what pairing
//! cannot use.
//!
//! Both spreads are plain variances, so that `Var(pair) = 2σp² + σv²(1/k_b + 1/k_c)` holds as an
//! identity of expectations and the subtraction that gives `σp²` is unbiased: a robust spread of
//! the values alone (their MAD) would leave out the values that met a busy neighbour, which a
//! process's location of 1-3 values averages in, and so would understate `σv` and choose too few
//! values (with it, one pair of A/A runs of asyncio-profiler got one value a process for most
//! benchmarks, and intervals wider than three values gave).

use super::dispersion::std_dev;
use super::location::trimmed_mean;
use super::median;

/// Fewest pairs the spreads are estimated from.
pub const MIN_PAIRS: usize = 4;

/// One measured process: its values (positive, in any unit) and, when known, the seconds the
/// whole process took (None for one that also did other work, such as pyperf's calibration).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Process<'a> {
    pub values: &'a [f64],
    pub seconds: Option<f64>,
}

/// What the rounds so far say about a benchmark's processes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessNoise {
    /// `s`: seconds a process costs besides its measured values (start-up, imports, warm-ups).
    pub startup: f64,
    /// `t`: seconds one measured value costs.
    pub value: f64,
    /// `σp`: spread of a process's location (natural log) between processes, after pairing.
    pub between: f64,
    /// `σv`: spread of one value (natural log) within its process.
    pub within: f64,
}

impl ProcessNoise {
    /// The spreads and costs of `pairs` (baseline, candidate process of each round, each process's
    /// location its interquartile mean as the paired estimator takes it), a value's unit being
    /// `seconds_per_unit` seconds of the process's time (for pyperf, its loops per value times
    /// 1e-9 for values in ns). None with fewer than [`MIN_PAIRS`] pairs, a process without values
    /// or with a non-positive value, no process of more than one value (no spread within), or
    /// no process whose time is known.
    pub fn estimate(pairs: &[(Process, Process)], seconds_per_unit: f64) -> Option<ProcessNoise> {
        if pairs.len() < MIN_PAIRS || !seconds_per_unit.is_finite() || seconds_per_unit <= 0.0 {
            return None;
        }
        let processes = || pairs.iter().flat_map(|(b, c)| [b, c]);
        if processes()
            .any(|p| p.values.is_empty() || p.values.iter().any(|v| !v.is_finite() || *v <= 0.0))
        {
            return None;
        }
        // The pooled variance of log values about their process's mean: (k - 1) degrees of
        // freedom a process.
        let (mut squares, mut freedom) = (0.0, 0.0);
        for p in processes().filter(|p| p.values.len() > 1) {
            let logs: Vec<f64> = p.values.iter().map(|v| v.ln()).collect();
            let k = logs.len() as f64;
            let mean = logs.iter().sum::<f64>() / k;
            squares += logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>();
            freedom += k - 1.0;
        }
        if freedom == 0.0 {
            return None;
        }
        let within = (squares / freedom).sqrt();
        let location = |p: &Process| trimmed_mean(p.values).expect("values checked non-empty");
        let logs: Vec<f64> = pairs
            .iter()
            .map(|(b, c)| (location(c) / location(b)).ln())
            .collect();
        // Each pair's log ratio has variance 2σp² + σv²(1/k_b + 1/k_c): what is left of its spread
        // after the values' share is the processes'.
        let inverse_k = pairs
            .iter()
            .map(|(b, c)| (1.0 / b.values.len() as f64 + 1.0 / c.values.len() as f64) / 2.0)
            .sum::<f64>()
            / pairs.len() as f64;
        let between_var = (std_dev(&logs).powi(2) / 2.0 - within * within * inverse_k).max(0.0);
        let mut value: Vec<f64> = processes()
            .map(|p| p.values.iter().sum::<f64>() / p.values.len() as f64 * seconds_per_unit)
            .collect();
        let value = median(&mut value)?;
        let mut startup: Vec<f64> = processes()
            .filter_map(|p| Some(p.seconds? - p.values.len() as f64 * value))
            .collect();
        let startup = median(&mut startup)?.max(0.0);
        Some(ProcessNoise {
            startup,
            value,
            between: between_var.sqrt(),
            within,
        })
    }

    /// What a round of processes of `k` values each tells: the inverse of the variance of its
    /// pair's log ratio (up to the factor 2 every round shares).
    fn precision(&self, k: u32) -> f64 {
        let var = self.between.powi(2) + self.within.powi(2) / f64::from(k.max(1));
        1.0 / var.max(f64::MIN_POSITIVE)
    }

    /// Seconds a round of processes of `k` values each takes, both sides.
    pub fn round_seconds(&self, k: u32) -> f64 {
        2.0 * (self.startup + f64::from(k) * self.value)
    }

    /// The number of values in `1..=most` whose rounds tell most in `seconds`: the whole rounds
    /// that fit, times what each tells. With time for many rounds that is the whole number
    /// nearest `k* = sqrt(σv²·s / (σp²·t))` of least `(σp² + σv²/k)(s + k·t)` (the narrowest
    /// interval for the time; that cost is not symmetric about `k*`, so rounding could pick the
    /// worse neighbour); with time for a few, values that would leave the last round unfinished
    /// are not bought; with less than a round left, one (the round that overruns the budget
    /// overruns it least). Ties go to fewer values, so with no noise at all a process measures
    /// one.
    pub fn best_values(&self, seconds: f64, most: u32) -> u32 {
        let told = |k: u32| (seconds / self.round_seconds(k)).floor() * self.precision(k);
        // `max_by` keeps the last of equals: from the most values down, that is the fewest.
        (1..=most.max(1))
            .rev()
            .max_by(|&a, &b| told(a).total_cmp(&told(b)))
            .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::normal_quantile;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn noise(startup: f64, value: f64, between: f64, within: f64) -> ProcessNoise {
        ProcessNoise {
            startup,
            value,
            between,
            within,
        }
    }

    /// Time for many rounds: the choice per unit of time.
    const AMPLE: f64 = 1e7;

    #[test]
    fn the_best_number_of_values_follows_both_noise_and_cost() {
        let best = |n: ProcessNoise| n.best_values(AMPLE, 20);
        // k* = sqrt(σv² s / (σp² t)) = sqrt(0.05² · 1 / (0.01² · 0.01)) = 50: at most 20.
        assert_eq!(best(noise(1.0, 0.01, 0.01, 0.05)), 20);
        // Values scatter a lot within a process: many values. k* = sqrt(16 · 0.5 / 0.1) ≈ 8.9.
        assert_eq!(best(noise(0.5, 0.1, 0.01, 0.04)), 9);
        // Values agree within a process: one value, whatever the start-up costs.
        assert_eq!(best(noise(5.0, 0.1, 0.02, 0.0)), 1);
        assert_eq!(best(noise(5.0, 0.1, 0.02, 1e-4)), 1);
        // Start-up nearly free: more processes, few values. k* = sqrt(4 · 0.001 / 0.1) = 0.2.
        assert_eq!(best(noise(0.001, 0.1, 0.01, 0.02)), 1);
        assert_eq!(best(noise(0.0, 0.1, 0.01, 0.02)), 1);
        // Nothing between processes: as many values as allowed.
        assert_eq!(best(noise(0.5, 0.1, 0.0, 0.02)), 20);
        assert_eq!(noise(0.5, 0.1, 0.0, 0.02).best_values(AMPLE, 7), 7);
        assert_eq!(best(noise(0.0, 0.0, 0.0, 0.0)), 1);
        // The whole number of least cost, not the rounded k*: s = 0.62, t = 0.1, σv = σp make
        // k* = sqrt(6.2) = 2.49, which rounds to 2, but f(3) = 4/3 · 0.92 = 1.2267 is less than
        // f(2) = 3/2 · 0.82 = 1.23.
        assert_eq!(best(noise(0.62, 0.1, 0.01, 0.01)), 3);
        assert_eq!(best(noise(0.59, 0.1, 0.01, 0.01)), 2);
    }

    #[test]
    fn whole_rounds_count_when_the_budget_is_nearly_spent() {
        // k* = 8.9 (above): 10 s buy 3 rounds of 9 values (2.8 s a round) and leave 1.6 s idle;
        // 3 rounds of 11 (3.2 s) tell most, 3 / (1 + 16/11) = 1.222, against 4 rounds of 7
        // (2.4 s) 4 / (1 + 16/7) = 1.217 and 3 of 9, 1.08 (in units of 1/σp²).
        let n = noise(0.5, 0.1, 0.01, 0.04);
        assert_eq!(n.best_values(AMPLE, 20), 9);
        assert_eq!(n.best_values(10.0, 20), 11);
        // Less than a round left at any values: one, the round that overruns the least.
        assert_eq!(n.best_values(1.0, 20), 1);
        assert_eq!(n.best_values(0.0, 20), 1);
    }

    /// Rounds of processes whose locations scatter by `between` and values by `within` (logs),
    /// `k` values of `value_ns` each, processes taking `startup` seconds besides their values.
    fn simulated(
        rounds: usize,
        k: usize,
        between: f64,
        within: f64,
        startup: f64,
        seed: u64,
    ) -> Vec<(Vec<f64>, Vec<f64>, f64, f64)> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let normal = |rng: &mut ChaCha8Rng| normal_quantile(rng.gen_range(1e-12..1.0 - 1e-12));
        let value_ns = 1e8;
        let process = |rng: &mut ChaCha8Rng| {
            let shift = between * normal(rng);
            let values: Vec<f64> = (0..k)
                .map(|_| value_ns * (shift + within * normal(rng)).exp())
                .collect();
            let seconds = startup * rng.gen_range(0.95..1.05) + values.iter().sum::<f64>() * 1e-9;
            (values, seconds)
        };
        (0..rounds)
            .map(|_| {
                let (b, sb) = process(&mut rng);
                let (c, sc) = process(&mut rng);
                (b, c, sb, sc)
            })
            .collect()
    }

    fn estimate(rounds: &[(Vec<f64>, Vec<f64>, f64, f64)]) -> Option<ProcessNoise> {
        let pairs: Vec<(Process, Process)> = rounds
            .iter()
            .map(|(b, c, sb, sc)| {
                (
                    Process {
                        values: b,
                        seconds: Some(*sb),
                    },
                    Process {
                        values: c,
                        seconds: Some(*sc),
                    },
                )
            })
            .collect();
        ProcessNoise::estimate(&pairs, 1e-9)
    }

    #[test]
    fn the_estimates_recover_the_spreads_and_costs_they_were_made_with() {
        let rounds = simulated(200, 3, 0.02, 0.04, 0.8, 1);
        let n = estimate(&rounds).unwrap();
        assert!((n.startup - 0.8).abs() < 0.02, "{n:?}");
        assert!((n.value - 0.1).abs() < 0.005, "{n:?}");
        assert!((n.within - 0.04).abs() < 0.005, "{n:?}");
        assert!((n.between - 0.02).abs() < 0.006, "{n:?}");
        // From the first 8 rounds, as ab first chooses, k* = sqrt(4 · 8) = 5.7 is only
        // approximated: the spread of 8 pair ratios is itself uncertain by about half.
        let chosen: Vec<f64> = (0..200)
            .map(|seed| {
                let n = estimate(&simulated(8, 3, 0.02, 0.04, 0.8, 100 + seed)).unwrap();
                f64::from(n.best_values(AMPLE, 20))
            })
            .collect();
        let q = |p| crate::stats::dispersion::quantile(&chosen, p).unwrap();
        assert!((4.0..=8.0).contains(&q(0.5)), "median {}", q(0.5));
        assert!(q(0.25) >= 3.0 && q(0.75) <= 12.0, "{} {}", q(0.25), q(0.75));
    }

    #[test]
    fn values_that_agree_within_processes_get_one_value_and_scattered_ones_many() {
        let agree = estimate(&simulated(16, 3, 0.02, 0.0005, 0.8, 2)).unwrap();
        assert_eq!(agree.best_values(AMPLE, 20), 1, "{agree:?}");
        // k* = sqrt(0.05² · 8 / 0.002²) = 71: the most allowed, or near it, once 32 rounds
        // have told the processes' small share of the pair spread from the values' large one.
        let scatter = estimate(&simulated(32, 3, 0.002, 0.05, 0.8, 3)).unwrap();
        assert!(scatter.best_values(AMPLE, 20) >= 10, "{scatter:?}");
        let free_start = estimate(&simulated(16, 3, 0.01, 0.02, 0.0, 4)).unwrap();
        assert!(free_start.best_values(AMPLE, 20) <= 2, "{free_start:?}");
    }

    #[test]
    fn too_little_to_estimate_from() {
        let rounds = simulated(8, 3, 0.01, 0.01, 0.5, 5);
        assert!(estimate(&rounds[..MIN_PAIRS - 1]).is_none());
        assert!(estimate(&rounds[..MIN_PAIRS]).is_some());
        let one = simulated(8, 1, 0.01, 0.01, 0.5, 6);
        assert!(
            estimate(&one).is_none(),
            "one value a process: no spread within"
        );
        let no_time: Vec<(Process, Process)> = rounds
            .iter()
            .map(|(b, c, _, _)| {
                let p = |values| Process {
                    values,
                    seconds: None,
                };
                (p(b), p(c))
            })
            .collect();
        assert!(ProcessNoise::estimate(&no_time, 1e-9).is_none());
        let mut zero = rounds.clone();
        zero[0].0[0] = 0.0;
        assert!(estimate(&zero).is_none());
    }
}
