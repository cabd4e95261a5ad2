//! When to stop adding rounds under a time budget, without claiming more confidence than the
//! data give.
//!
//! The rule: the paired ratio of a benchmark is looked at after a planned schedule of round
//! counts, `8 · 2^k` (8, 16, 32, 64, ...) up to the largest number of rounds allowed, and once
//! more where its rounds end (its budget spent, the cap reached, the run's pool spent), whichever
//! comes first. Each look computes the interval of the paired ratio (Hodges-Lehmann estimate of
//! per-round log ratios of process locations, as compare does) at that look's confidence, and the
//! benchmark stops as soon as that interval is decisive: it lies inside `1 ± threshold` (the two
//! sides are the same within the noise threshold), or it clears the threshold and the Wilcoxon
//! signed-rank test of the same pairs (the test compare applies) is significant at the look's
//! level (a change beyond it that compare can flag).
//!
//! The looks' confidences come from error spending ([`crate::stats::spending`]): the nominal
//! `alpha` is spent as `alpha · t^2`, `t` the look's pairs over the pairs planned, and the last
//! look spends whatever is left. The pairs planned are the rounds the benchmark's budget buys at
//! the pace of its rounds up to the first look, with a quarter to spare (the cap without a
//! per-benchmark budget). The intervals of all the looks then hold the true ratio at once with
//! probability `1 - alpha` (repeated confidence intervals), whichever look stops the benchmark;
//! each look's fraction depends on how long rounds took, which under an A/A comparison says
//! nothing about which side is faster. Spending keeps little for early looks, where a change
//! large enough to stop there needs little, and most for the end, where a budget-bound
//! comparison decides: the last look of a 30 s budget is near z = 2.1, where Bonferroni over the
//! six looks of the default cap needed 2.64 at every look (99.17%). A look whose exact signed-rank
//! test could not reach its level (`n` pairs all one way give at best `2/2^n`) is skipped and its
//! share carried to the next one, so 8 pairs decide only when the budget plans few rounds; with a
//! long plan the first look that can decide is at 16.
//!
//! The comparison that follows judges each benchmark at the confidence of its last look (recorded
//! per benchmark in the results files, for `compare`), so the report never states a narrower
//! interval than the stopping rule used. The simulation in the tests measures the resulting
//! false-alarm rate (README, "Sequential stopping").
//!
//! One-sided (`--one-sided`, `stats::sides`): the design spends `2 alpha` two-sided, so each
//! look's interval ends are one-sided bounds whose total error on each side is `alpha`, and the
//! signed-rank p-value is halved. "Beyond the threshold" is then a one-sided test in its
//! direction, and "inside `1 ± threshold`" the two one-sided tests of equivalence at the same
//! level.

use crate::stats::sides::Sides;
use crate::stats::{hodges_lehmann, location, spending, wilcoxon};

/// The earliest look.
pub const FIRST_LOOK: u32 = 8;
/// Largest number of rounds under a budget when `--processes` does not set one.
pub const DEFAULT_MAX_ROUNDS: u32 = 256;
/// Largest number of rounds the cap grows to when rounds are cheap ([`cap_for_cheap_rounds`]).
pub const CHEAP_MAX_ROUNDS: u32 = 4096;

/// The cap on rounds for a run whose slowest benchmark took `slowest_round` for its first round,
/// under a per-benchmark `budget`: [`DEFAULT_MAX_ROUNDS`], or, when that many rounds would use
/// less than the budget, the largest power of two of rounds that fits in it, up to
/// [`CHEAP_MAX_ROUNDS`]. A 2 ms process would otherwise stop at 256 rounds after half a second of a
/// minute's budget, undecided at a resolution its budget could have bought. The cap is chosen
/// before any look from how long a round took, which under an A/A comparison says nothing about
/// which side is faster, so the looks planned from it keep their error bound.
pub fn cap_for_cheap_rounds(
    slowest_round: std::time::Duration,
    budget: std::time::Duration,
) -> u32 {
    let per_round = slowest_round.as_secs_f64().max(1e-6);
    let fits = budget.as_secs_f64() / per_round;
    let mut cap = DEFAULT_MAX_ROUNDS;
    while cap < CHEAP_MAX_ROUNDS && f64::from(cap) * 2.0 <= fits {
        cap *= 2;
    }
    cap
}

/// The planned looks of a run's benchmarks.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    looks: Vec<u32>,
    /// The error the design spends, two-sided: `1 - nominal`, doubled for one-sided tests (each
    /// side then gets `1 - nominal`).
    alpha: f64,
    sides: Sides,
}

impl Schedule {
    /// Looks at `FIRST_LOOK · 2^k` below `max_rounds`, and at `max_rounds`, for a nominal
    /// confidence `1 - alpha`.
    pub fn new(max_rounds: u32, nominal: f64, sides: Sides) -> Schedule {
        let max = max_rounds.max(1);
        let mut looks = Vec::new();
        let mut n = FIRST_LOOK;
        while n < max {
            looks.push(n);
            n = n.saturating_mul(2);
        }
        looks.push(max);
        let alpha = (1.0 - nominal) * if sides.is_two_sided() { 1.0 } else { 2.0 };
        Schedule {
            looks,
            alpha,
            sides,
        }
    }

    /// Whether the rule looks after `rounds` rounds.
    pub fn is_look(&self, rounds: u32) -> bool {
        self.looks.contains(&rounds)
    }

    /// The first look: no benchmark stops for time before it.
    pub fn first(&self) -> u32 {
        self.looks[0]
    }

    /// The next look after `rounds` rounds, if any.
    pub fn next_look(&self, rounds: u32) -> Option<u32> {
        self.looks.iter().copied().find(|&n| n > rounds)
    }

    /// The confidence the design spends, `1 - alpha` in the convention of its sides.
    pub fn nominal(&self) -> f64 {
        if self.sides.is_two_sided() {
            1.0 - self.alpha
        } else {
            1.0 - self.alpha / 2.0
        }
    }

    /// The most rounds.
    pub fn max(&self) -> u32 {
        *self.looks.last().expect("a schedule has a look")
    }
}

/// The looks one benchmark took: the information fraction of each (its pairs over the pairs
/// planned) and the error spent by then.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spending {
    /// The pairs the benchmark is planned to reach (the information at fraction 1): the rounds
    /// its budget buys at the pace of its first look, or the schedule's cap.
    plan: Option<u32>,
    fractions: Vec<f64>,
    cumulative: Vec<f64>,
}

impl Spending {
    /// Sets the pairs planned, once, from how long the first rounds took (which under an A/A
    /// comparison says nothing about which side is faster).
    pub fn plan(&mut self, pairs: u32) {
        self.plan.get_or_insert(pairs.max(1));
    }

    /// Sets the pairs planned anew, when what a round costs changed for a reason that says
    /// nothing about which side is faster (`ab` chose another number of values a process): the
    /// looks taken keep the fractions they were taken at, and later looks are fractions of the
    /// new plan (the flexibility error spending allows, as long as the plan never follows the
    /// estimate). No effect before the first plan.
    pub fn replan(&mut self, pairs: u32) {
        if self.plan.is_some() {
            self.plan = Some(pairs.max(1));
        }
    }

    /// The confidence (nominal, in the convention of `schedule`'s sides) a look after `pairs`
    /// pairs may use, recording the look; `last` when no look follows it (it spends what is
    /// left). None when the look could not decide at its level (the exact signed-rank test of
    /// that many pairs cannot reach it): it is skipped, and its error carries to the next.
    pub fn look(&mut self, schedule: &Schedule, pairs: u32, last: bool) -> Option<f64> {
        let (fractions, spent, confidence) = self.boundary(schedule, pairs, last)?;
        if schedule.sides.p_value(smallest_p(pairs), true, true) > 1.0 - confidence {
            return None;
        }
        self.fractions = fractions;
        self.cumulative = spent;
        Some(confidence)
    }

    /// The confidence a last look after `pairs` pairs would use, recording nothing: where an
    /// undecided benchmark stands. The nominal confidence once nothing is left to spend.
    pub fn peek(&self, schedule: &Schedule, pairs: u32) -> f64 {
        self.boundary(schedule, pairs, true)
            .map_or(schedule.nominal(), |(_, _, c)| c)
    }

    /// The looks so far and this one, and this one's confidence; None when nothing is left.
    fn boundary(
        &self,
        schedule: &Schedule,
        pairs: u32,
        last: bool,
    ) -> Option<(Vec<f64>, Vec<f64>, f64)> {
        let plan = f64::from(self.plan.unwrap_or(schedule.max()));
        let previous = self.fractions.last().copied().unwrap_or(0.0);
        let t = (f64::from(pairs) / plan).min(1.0);
        if t <= previous {
            // Past the plan already: nothing left to spend.
            return None;
        }
        let cumulative = if last || t >= 1.0 {
            schedule.alpha
        } else {
            spending::spent(schedule.alpha, t)
        };
        let mut fractions = self.fractions.clone();
        let mut spent = self.cumulative.clone();
        fractions.push(t);
        spent.push(cumulative);
        let z = *spending::boundaries(&fractions, &spent)
            .last()
            .expect("one boundary a look");
        let level = spending::level(z);
        if level <= 0.0 {
            return None;
        }
        let confidence = if schedule.sides.is_two_sided() {
            1.0 - level
        } else {
            1.0 - level / 2.0
        };
        Some((fractions, spent, confidence))
    }
}

/// The smallest two-sided p-value of the exact signed-rank test of `n` pairs: `2/2^n`.
fn smallest_p(n: u32) -> f64 {
    2f64.powi(1 - n.min(1000) as i32)
}

/// What a look found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
    /// p-value of the signed-rank test of the log ratios (one-sided, in the direction of the
    /// estimate, when the look tests one side).
    pub p_value: f64,
    /// Pairs it saw.
    pub pairs: u32,
}

impl Look {
    /// Decisive at `confidence`: inside `1 ± threshold`, or wholly beyond it on one side with
    /// the signed-rank test significant at `1 - confidence`.
    pub fn decisive(&self, threshold: f64, confidence: f64) -> bool {
        let same = self.low >= 1.0 - threshold && self.high <= 1.0 + threshold;
        let beyond = self.low > 1.0 + threshold || self.high < 1.0 - threshold;
        same || (beyond && self.p_value <= 1.0 - confidence)
    }

    /// The smallest noise threshold at which this look is decisive as "same": the data rule out
    /// every change larger than this (relative, 0.02 = 2%).
    pub fn resolvable_change(&self) -> f64 {
        (self.high - 1.0).max(1.0 - self.low).max(0.0)
    }

    /// Rounds this benchmark needs, at the pair spread seen so far, for an interval decisive about
    /// `threshold`: the interval's half-width (in logs) shrinks as `1/sqrt(pairs)`, and must come
    /// under the distance between the estimate and the threshold. None when the estimate sits on
    /// the threshold (no number of rounds is predicted to tell).
    pub fn predicted_rounds(&self, threshold: f64) -> Option<u32> {
        let half = (self.high.ln() - self.low.ln()) / 2.0;
        let room = (self.ratio.ln().abs() - (1.0 + threshold).ln()).abs();
        if half <= 0.0 {
            return Some(self.pairs);
        }
        if room < 1e-6 {
            return None;
        }
        let n = f64::from(self.pairs) * (half / room).powi(2);
        (n < 1e6).then(|| (n.ceil() as u32).max(self.pairs))
    }
}

/// The paired ratio candidate/baseline of per-process locations (Hodges-Lehmann estimate of the
/// log ratios, as compare computes it; [`location`] says which location), with its signed-rank
/// interval at `confidence` (the two-sided interval whose ends are `sides`' bounds); None with
/// fewer than two pairs, a non-positive location, or too few pairs for that interval.
pub fn paired_ratio(
    baseline: &[Vec<f64>],
    candidate: &[Vec<f64>],
    confidence: f64,
    sides: Sides,
) -> Option<Look> {
    let b = location::process_locations(baseline);
    let c = location::process_locations(candidate);
    if b.len() != c.len() || b.len() < 2 || b.iter().chain(&c).any(|m| *m <= 0.0) {
        return None;
    }
    let logs: Vec<f64> = c.iter().zip(&b).map(|(c, b)| (c / b).ln()).collect();
    let shift = hodges_lehmann::paired_shift(&logs, sides.interval_confidence(confidence))
        .filter(|s| s.covered)?;
    let test = wilcoxon::signed_rank(&logs);
    Some(Look {
        ratio: shift.estimate.exp(),
        low: shift.low.exp(),
        high: shift.high.exp(),
        p_value: sides.p_value(test.p_value, test.up, shift.estimate > 0.0),
        pairs: logs.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::normal_quantile;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn cheap_rounds_raise_the_cap_to_what_the_budget_buys() {
        let ms = std::time::Duration::from_millis;
        let minute = std::time::Duration::from_secs(60);
        // A 2 ms process (4 ms a round): 15,000 rounds fit; the cap stops at 4,096.
        assert_eq!(cap_for_cheap_rounds(ms(4), minute), CHEAP_MAX_ROUNDS);
        // 50 ms a round: 1,200 fit, the largest power of two under it is 1,024.
        assert_eq!(cap_for_cheap_rounds(ms(50), minute), 1024);
        // Rounds that fill the budget before 512 keep the default.
        assert_eq!(cap_for_cheap_rounds(ms(200), minute), DEFAULT_MAX_ROUNDS);
        assert_eq!(cap_for_cheap_rounds(ms(2000), minute), DEFAULT_MAX_ROUNDS);
    }

    #[test]
    fn schedule_doubles_and_ends_at_the_cap() {
        let s = Schedule::new(DEFAULT_MAX_ROUNDS, 0.95, Sides::TwoSided);
        assert_eq!(s.looks, vec![8, 16, 32, 64, 128, 256]);
        assert_eq!(
            Schedule::new(30, 0.95, Sides::TwoSided).looks,
            vec![8, 16, 30]
        );
        assert_eq!(Schedule::new(3, 0.95, Sides::TwoSided).looks, vec![3]);
        let s = Schedule::new(30, 0.95, Sides::TwoSided);
        assert!(s.is_look(30) && !s.is_look(25));
        assert_eq!(
            (s.first(), s.next_look(16), s.next_look(30)),
            (8, Some(30), None)
        );
    }

    /// Each look spends a share of the error by its fraction of the planned pairs, and the last
    /// spends what is left: a look early in a long plan is strict, one near its end is close to
    /// the nominal level, and one that its exact test could not let decide is skipped.
    #[test]
    fn looks_spend_the_error_by_their_fraction_of_the_plan() {
        let schedule = Schedule::new(DEFAULT_MAX_ROUNDS, 0.95, Sides::TwoSided);
        // Alone, a last look spends all: 95%.
        let mut one = Spending::default();
        one.plan(64);
        let c = one.look(&schedule, 64, true).unwrap();
        assert!((c - 0.95).abs() < 1e-6, "{c}");
        // 8 of 256 planned pairs may spend 0.05 · (1/32)^2: no 8 pairs can reach it.
        let mut long = Spending::default();
        assert_eq!(long.look(&schedule, 8, false), None);
        assert!(long.peek(&schedule, 8) > 0.94, "a last look there could");
        // The looks 8, 16, 32, 64 of 83 planned, then the last at 83: the last is at z = 2.09.
        let mut budget = Spending::default();
        budget.plan(83);
        let levels: Vec<Option<f64>> = [8, 16, 32, 64]
            .iter()
            .map(|&n| budget.look(&schedule, n, false))
            .collect();
        assert_eq!(levels[0], None, "8 pairs cannot reach 0.05 · (8/83)^2");
        assert!(levels[1..].windows(2).all(|w| w[0] > w[1]), "{levels:?}");
        let last = budget.look(&schedule, 83, true).unwrap();
        let z = crate::stats::normal_quantile(1.0 - (1.0 - last) / 2.0);
        assert!((z - 2.09).abs() < 0.03, "{last} (z = {z})");
        // After the last look nothing is left.
        assert_eq!(budget.look(&schedule, 90, true), None);
        // One-sided: a last look alone is the one-sided 95% (the two-sided 90% interval).
        let one_sided = Schedule::new(DEFAULT_MAX_ROUNDS, 0.95, Sides::OneSided);
        let c = Spending::default().look(&one_sided, 64, true).unwrap();
        assert!((c - 0.95).abs() < 1e-6, "{c}");
    }

    /// A plan made anew (cheaper rounds buy more) keeps the looks taken and spends the rest
    /// by fractions of the new plan: a look that the old plan made the whole information no
    /// longer spends everything, and the last look still spends what is left.
    #[test]
    fn a_new_plan_spreads_what_is_left_over_the_rounds_it_buys() {
        let schedule = Schedule::new(DEFAULT_MAX_ROUNDS, 0.95, Sides::TwoSided);
        let looks = |replan: Option<u32>| {
            let mut s = Spending::default();
            s.replan(1); // before the first plan: nothing.
            s.plan(40);
            let first = s.look(&schedule, 16, false);
            if let Some(p) = replan {
                s.replan(p);
            }
            let second = s.look(&schedule, 64, false);
            let last = s.look(&schedule, 100, true);
            (first, second, last)
        };
        let (_, second, last) = looks(None);
        assert!(second.is_some(), "64 of 40 planned spends all that is left");
        assert_eq!(last, None, "nothing left for the last look");
        let (first, second, last) = looks(Some(100));
        assert!(first.is_some());
        let (second, last) = (second.unwrap(), last.unwrap());
        assert!(second > last, "64 of 100 spends part: {second} {last}");
        assert!(
            last > 0.95 && last < 0.97,
            "the last spends the rest: {last}"
        );
        let mut unplanned = Spending::default();
        unplanned.replan(10);
        assert_eq!(unplanned, Spending::default());
    }

    fn look(low: f64, high: f64, p_value: f64) -> Look {
        Look {
            ratio: (low + high) / 2.0,
            low,
            high,
            p_value,
            pairs: 16,
        }
    }

    #[test]
    fn looks_decide_same_changed_or_not_yet() {
        assert!(look(0.98, 1.03, 0.5).decisive(0.05, 0.99), "within ±5%");
        assert!(look(1.06, 1.12, 0.001).decisive(0.05, 0.99), "clears +5%");
        assert!(look(0.80, 0.90, 0.001).decisive(0.05, 0.99), "clears -5%");
        assert!(
            !look(1.06, 1.12, 0.03).decisive(0.05, 0.99),
            "clears +5%, but the test cannot tell yet"
        );
        assert!(
            !look(1.02, 1.08, 0.001).decisive(0.05, 0.99),
            "straddles +5%"
        );
        assert!(!look(0.90, 1.10, 0.5).decisive(0.05, 0.99), "too wide");
    }

    #[test]
    fn an_undecided_look_predicts_its_rounds_and_names_what_it_resolves() {
        // ±4% around 1.0 after 16 pairs: ±1% needs (4/1)^2 = 16 times the pairs.
        let l = look(0.96, 1.04, 0.5);
        assert!((l.resolvable_change() - 0.04).abs() < 1e-12);
        let n = l.predicted_rounds(0.01).unwrap();
        assert!((250..=262).contains(&n), "{n}");
        // Already decisive: no more rounds than it has.
        assert_eq!(look(0.99, 1.01, 0.5).predicted_rounds(0.05), Some(16));
        // An estimate right on the threshold: no count of rounds is predicted to tell.
        assert_eq!(look(1.0, 1.1, 0.5).predicted_rounds(0.05), None);
    }

    #[test]
    fn paired_ratio_sees_a_shift_through_drift() {
        // Machine drift of ±30% between rounds, the candidate 8% to 12% slower within each round.
        let drift = [1.0, 1.3, 0.8, 1.1, 0.7, 1.25, 0.9, 1.05, 0.95, 1.2];
        let base: Vec<Vec<f64>> = drift.iter().map(|d| vec![100.0 * d, 101.0 * d]).collect();
        let cand: Vec<Vec<f64>> = (0..drift.len())
            .map(|i| {
                base[i]
                    .iter()
                    .map(|v| v * (1.08 + 0.004 * i as f64))
                    .collect()
            })
            .collect();
        let look = paired_ratio(&base, &cand, 0.99, Sides::TwoSided).unwrap();
        assert!((look.ratio - 1.1).abs() < 0.005, "{look:?}");
        assert!((look.p_value - 2.0 / 1024.0).abs() < 1e-9, "{look:?}");
        assert!(look.low > 1.05 && look.decisive(0.05, 0.99), "{look:?}");
        assert_eq!(
            paired_ratio(&base[..1], &cand[..1], 0.99, Sides::TwoSided),
            None
        );
        assert_eq!(paired_ratio(&base, &cand[..3], 0.99, Sides::TwoSided), None);
        // Eight pairs all one way decide at a look of 99%.
        let look = paired_ratio(&base[..8], &cand[..8], 0.99, Sides::TwoSided).unwrap();
        assert!(look.decisive(0.05, 0.99), "{look:?}");
        // ... but not at 99.3% (seven looks: the smallest two-sided p is 2/256).
        assert_eq!(
            paired_ratio(&base[..8], &cand[..8], 1.0 - 0.05 / 7.0, Sides::TwoSided),
            None
        );
    }

    /// A standard normal draw.
    fn normal(rng: &mut ChaCha8Rng) -> f64 {
        normal_quantile(rng.gen_range(1e-12..1.0 - 1e-12))
    }

    /// One process of an A/A comparison on a shared 2-core machine, `values` values of 0.5 s
    /// each: log-normal noise of 3% per process (the machine's state while it ran) and 2% per
    /// value, one process in ten meeting a busy neighbour throughout (+20% to +50%) and one value
    /// in seven interrupted (+40%): pair ratios with a heavy right tail, as measured here.
    fn process(rng: &mut ChaCha8Rng, values: usize, scale: f64) -> Vec<f64> {
        let mut level = (0.03 * normal(rng)).exp();
        if rng.gen::<f64>() < 0.1 {
            level *= rng.gen_range(1.2..1.5);
        }
        (0..values)
            .map(|_| {
                let hit = if rng.gen::<f64>() < 1.0 / 7.0 {
                    1.4
                } else {
                    1.0
                };
                0.5 * scale * level * hit * (0.02 * normal(rng)).exp()
            })
            .collect()
    }

    /// What one sequential A/B of `ratio` ended with: the last look (None when no interval could
    /// be formed) and whether the rule stopped it as decisive.
    fn sequential(
        rng: &mut ChaCha8Rng,
        ratio: f64,
        values: usize,
        max_rounds: u32,
        budget: Option<f64>,
        threshold: f64,
    ) -> (Option<Look>, bool) {
        let schedule = Schedule::new(max_rounds, 0.95, Sides::TwoSided);
        let mut spending = Spending::default();
        let (mut base, mut cand) = (Vec::new(), Vec::new());
        let mut spent = 0.0;
        loop {
            base.push(process(rng, values, 1.0));
            cand.push(process(rng, values, ratio));
            spent += base
                .last()
                .unwrap()
                .iter()
                .chain(cand.last().unwrap())
                .sum::<f64>();
            let n = base.len() as u32;
            // As `ab` plans: the rounds the budget buys at the first look's pace, a quarter more.
            if let (Some(b), true) = (budget, n >= schedule.first()) {
                let fits = 1.25 * b / (spent / f64::from(n));
                spending.plan(fits.clamp(f64::from(n), f64::from(max_rounds)) as u32);
            }
            let out_of_time = budget.is_some_and(|b| spent >= b) && n >= schedule.first();
            let ending = out_of_time || n >= max_rounds;
            if schedule.is_look(n) || ending {
                let level = spending.look(&schedule, n, ending);
                let look = paired_ratio(&base, &cand, level.unwrap_or(0.95), Sides::TwoSided);
                if let Some(level) = level {
                    if look.is_some_and(|l| l.decisive(threshold, level)) {
                        return (look, true);
                    }
                }
                if ending {
                    return (look, false);
                }
            }
        }
    }

    /// The false-alarm rate of the sequential rule, A/A on heavy-tailed pairs: how often some look
    /// rejects "the ratio is 1" (the rule at threshold 0, its strictest use), at caps of 8, 16
    /// and 32 rounds and under budgets of 30 s and 60 s (rounds of 1 s). Each must stay within
    /// the nominal 5%, allowing for the simulation's own error (2,000 runs: ±1% at two standard
    /// errors); so must the flags at the 1% threshold `ab` uses (an interval wholly beyond ±1%,
    /// by a separate draw of the same runs). Prints the
    /// table of the README (`cargo test -p slogate --lib false_alarm -- --nocapture`).
    #[test]
    fn false_alarm_rate_stays_within_the_nominal_level() {
        // More runs for the README's table: SLOGATE_SIM_RUNS=20000 (release build).
        let runs: usize = std::env::var("SLOGATE_SIM_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000);
        let slack = 2.0 * (0.05f64 * 0.95 / runs as f64).sqrt();
        println!("| stopping | runs | rejects ratio = 1 | flagged beyond ±1% |");
        println!("|---|---|---|---|");
        for (name, max, budget) in [
            ("cap 8 rounds", 8, None),
            ("cap 16 rounds", 16, None),
            ("cap 32 rounds", 32, None),
            ("budget 30 s", DEFAULT_MAX_ROUNDS, Some(30.0)),
            ("budget 60 s", DEFAULT_MAX_ROUNDS, Some(60.0)),
        ] {
            let mut rng = ChaCha8Rng::seed_from_u64(max as u64 + budget.unwrap_or(0.0) as u64);
            let mut rejected = 0;
            let mut flagged = 0;
            for _ in 0..runs {
                let (_, stopped) = sequential(&mut rng, 1.0, 1, max, budget, 0.0);
                rejected += usize::from(stopped);
                let (look, stopped) = sequential(&mut rng, 1.0, 1, max, budget, 0.01);
                let beyond = look.is_some_and(|l| l.low > 1.01 || l.high < 0.99);
                flagged += usize::from(stopped && beyond);
            }
            let rate = rejected as f64 / runs as f64;
            println!(
                "| {name} | {runs} | {:.2}% | {:.2}% |",
                rate * 100.0,
                flagged as f64 / runs as f64 * 100.0
            );
            assert!(rate <= 0.05 + slack, "{name}: {rejected} of {runs}");
            assert!(
                rate >= 0.005,
                "{name}: the rule never rejects: {rejected} of {runs}"
            );
            assert!(
                flagged as f64 / runs as f64 <= 0.05 + slack,
                "{name}: {flagged} flagged"
            );
        }
    }

    /// The paired interval of per-process locations against that of per-process means, on the
    /// same simulated A/A runs (16 rounds, equal machine time): where values within a process are
    /// interrupted now and then, the location narrows the interval and keeps the false-alarm
    /// rate. Prints the table of the README.
    #[test]
    fn process_locations_narrow_the_paired_interval_without_false_alarms() {
        use crate::stats::dispersion::process_means;
        let runs = 1000;
        println!("| values per process | median 95% half-width, means | locations | A/A rejections, means | locations |");
        println!("|---|---|---|---|---|");
        for values in [4, 10] {
            let mut rng = ChaCha8Rng::seed_from_u64(values as u64);
            let (mut by_mean, mut by_location) = (Vec::new(), Vec::new());
            let (mut rejected_mean, mut rejected_location) = (0, 0);
            for _ in 0..runs {
                let base: Vec<Vec<f64>> = (0..16).map(|_| process(&mut rng, values, 1.0)).collect();
                let cand: Vec<Vec<f64>> = (0..16).map(|_| process(&mut rng, values, 1.0)).collect();
                let (b, c) = (process_means(&base), process_means(&cand));
                let logs: Vec<f64> = c.iter().zip(&b).map(|(c, b)| (c / b).ln()).collect();
                let mean = hodges_lehmann::paired_shift(&logs, 0.95).unwrap();
                let location = paired_ratio(&base, &cand, 0.95, Sides::TwoSided).unwrap();
                by_mean.push((mean.high - mean.low) / 2.0);
                by_location.push((location.high.ln() - location.low.ln()) / 2.0);
                rejected_mean += usize::from(mean.low > 0.0 || mean.high < 0.0);
                rejected_location += usize::from(location.low > 1.0 || location.high < 1.0);
            }
            let median = |v: &mut Vec<f64>| crate::stats::median(v).unwrap();
            let (m, l) = (median(&mut by_mean), median(&mut by_location));
            let pct = |n: usize| n as f64 / runs as f64 * 100.0;
            println!(
                "| {values} | {:.2}% | {:.2}% | {:.1}% | {:.1}% |",
                m * 100.0,
                l * 100.0,
                pct(rejected_mean),
                pct(rejected_location)
            );
            assert!(l < 0.97 * m, "{values} values: {l} vs {m}");
            assert!(
                pct(rejected_location) <= 6.5,
                "{values} values: {rejected_location}"
            );
        }
    }
}
