//! A/A calibration: interleaved rounds of the same code on both sides (`ab`'s machinery), which
//! measure what the noise of this machine and budget looks like for each benchmark and metric:
//! the spread and tail of the paired ratios, the smallest change a comparison resolves, and which
//! benchmarks are flaky (rounds where the same code would have been flagged, or pairs far outside
//! the benchmark's own spread).

use crate::ab::{run_ab, AbError, AbOptions, Side};
use crate::compare::noise::{BenchmarkNoise, Calibration, NoiseFile};
use crate::compare::{compare, ChangeVerdict, CompareOptions};
use crate::results::{ResultsFile, Status};
use crate::stats::dispersion::{process_means, robust_sd};
use crate::units::format_pct;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A pair is an outlier when its ratio is at least this far (15%) from the median pair...
const OUTLIER_FLOOR: f64 = 0.15;
/// ...and this many spreads of the pairs within that floor (the bulk, which stalls cannot
/// inflate), so that an evenly noisy benchmark's wide pairs are not outliers.
const OUTLIER_SPREADS: f64 = 3.0;
/// A benchmark is flaky when at least this many A/A rounds show evidence: one stray round is the
/// machine's, not the benchmark's.
const FLAKY_ROUNDS: usize = 2;
/// The smallest threshold a calibration sets: a metric that never moved (a constant peak memory)
/// would otherwise flag every byte.
const MIN_RESOLVABLE: f64 = 0.01;

/// What one metric of one benchmark showed across the rounds.
#[derive(Default)]
struct Tally {
    /// (round, pair, candidate / baseline of the pair's process means)
    pairs: Vec<(u32, usize, f64)>,
    /// The largest change an A/A round estimated.
    resolvable: f64,
    /// Rounds whose A/A comparison flagged a change, with its text.
    flagged: Vec<(u32, String)>,
}

/// Runs `rounds` A/A rounds of `sides` (the same checkout prepared twice) and measures the noise
/// of `metrics` (every metric when empty).
pub fn calibrate(
    sides: &[Side; 2],
    metrics: &[String],
    rounds: u32,
    processes: u32,
    seed: u64,
    interrupt: &AtomicUsize,
) -> Result<NoiseFile, AbError> {
    let defaults = CompareOptions::default();
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut machine = String::new();
    for round in 1..=rounds {
        let opts = AbOptions {
            seed: seed.wrapping_add(u64::from(round)),
            noise_threshold: defaults.noise_threshold,
            confidence: defaults.confidence,
            ..AbOptions::default()
        };
        let outcome = run_ab(sides, &opts, interrupt)?;
        if interrupt.load(Ordering::SeqCst) != 0 {
            break;
        }
        machine = outcome.candidate.meta.machine.fingerprint.clone();
        pair_ratios(&outcome.baseline, &outcome.candidate, round, &mut tallies);
        tallies.retain(|(_, metric), _| metrics.is_empty() || metrics.contains(metric));
        let cmp = compare(
            &outcome.baseline,
            &outcome.candidate,
            &CompareOptions {
                seed: opts.seed,
                ..CompareOptions::default()
            },
        );
        for b in &cmp.benchmarks {
            for m in &b.metrics {
                let Some(ch) = m.change else { continue };
                let Some(t) = tallies.get_mut(&(b.key.clone(), m.metric.clone())) else {
                    continue;
                };
                t.resolvable = t.resolvable.max((ch.ratio - 1.0).abs());
                if matches!(
                    ch.verdict,
                    ChangeVerdict::Regression | ChangeVerdict::Improvement
                ) {
                    t.flagged.push((
                        round,
                        format!(
                            "round {round}: the same code was flagged {} ({} … {}) at the {} threshold",
                            format_pct(ch.ratio - 1.0),
                            format_pct(ch.ratio_low - 1.0),
                            format_pct(ch.ratio_high - 1.0),
                            format_pct(ch.threshold).trim_start_matches('+'),
                        ),
                    ));
                }
            }
        }
    }
    Ok(NoiseFile {
        calibration: Calibration {
            rounds,
            processes,
            machine,
        },
        benchmarks: tallies
            .into_iter()
            .map(|((key, metric), t)| noise_of(key, metric, t))
            .collect(),
    })
}

/// Ratios of paired process means (process i of the candidate with process i of the baseline).
fn pair_ratios(
    base: &ResultsFile,
    cand: &ResultsFile,
    round: u32,
    tallies: &mut BTreeMap<(String, String), Tally>,
) {
    for b in base.benchmarks.iter().filter(|b| b.status == Status::Ok) {
        let Some(c) = cand
            .benchmarks
            .iter()
            .find(|c| c.key == b.key && c.status == Status::Ok)
        else {
            continue;
        };
        for (metric, bm) in &b.metrics {
            let Some(cm) = c.metrics.get(metric) else {
                continue;
            };
            let t = tallies.entry((b.key.clone(), metric.clone())).or_default();
            let pairs = process_means(&bm.processes)
                .into_iter()
                .zip(process_means(&cm.processes))
                .enumerate()
                .filter(|(_, (x, y))| *x > 0.0 && *y > 0.0)
                .map(|(i, (x, y))| (round, i + 1, y / x));
            t.pairs.extend(pairs);
        }
    }
}

/// Spread, tail, resolvable change and flakiness of one metric, from its tally.
fn noise_of(key: String, metric: String, t: Tally) -> BenchmarkNoise {
    let logs: Vec<f64> = t.pairs.iter().map(|p| p.2.ln()).collect();
    let center = crate::stats::median(&mut logs.clone()).unwrap_or(0.0);
    let floor = OUTLIER_FLOOR.ln_1p();
    let bulk: Vec<f64> = logs
        .iter()
        .copied()
        .filter(|l| (l - center).abs() <= floor)
        .collect();
    let spread = robust_sd(if bulk.len() >= 3 { &bulk } else { &logs });
    let bound = (OUTLIER_SPREADS * spread).max(floor);
    let tail = t
        .pairs
        .iter()
        .map(|p| (p.2 - 1.0).abs())
        .fold(0.0, f64::max);
    let mut evidence: Vec<(u32, String)> = t.flagged;
    for &(round, pair, ratio) in &t.pairs {
        if (ratio.ln() - center).abs() > bound {
            evidence.push((
                round,
                format!(
                    "round {round}: pair {pair} ratio {ratio:.3}, beyond the ±{} this benchmark's \
                     pairs otherwise keep to",
                    format_pct(bound.exp_m1()).trim_start_matches('+')
                ),
            ));
        }
    }
    evidence.sort_by_key(|e| e.0);
    let mut rounds: Vec<u32> = evidence.iter().map(|e| e.0).collect();
    rounds.dedup();
    let flaky = rounds.len() >= FLAKY_ROUNDS;
    BenchmarkNoise {
        key,
        metric,
        spread,
        tail,
        resolvable: t.resolvable.max(MIN_RESOLVABLE),
        flaky,
        evidence: if flaky {
            evidence.into_iter().map(|e| e.1).collect()
        } else {
            Vec::new()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(ratios: &[(u32, f64)]) -> Tally {
        Tally {
            pairs: ratios
                .iter()
                .enumerate()
                .map(|(i, &(r, x))| (r, i + 1, x))
                .collect(),
            resolvable: 0.004,
            flagged: Vec::new(),
        }
    }

    #[test]
    fn stalls_in_two_rounds_make_a_benchmark_flaky_and_one_does_not() {
        let steady = [1.01, 0.99, 1.0, 1.02, 0.98, 1.0];
        let mut pairs: Vec<(u32, f64)> = (1..=3)
            .flat_map(|r| steady.iter().map(move |&x| (r, x)))
            .collect();
        let quiet = noise_of("s/a".into(), "t".into(), tally(&pairs));
        assert!(!quiet.flaky && quiet.evidence.is_empty());
        assert_eq!(quiet.resolvable, MIN_RESOLVABLE);
        assert!(
            quiet.spread > 0.005 && quiet.spread < 0.03,
            "{}",
            quiet.spread
        );

        pairs.push((2, 1.3));
        let once = noise_of("s/b".into(), "t".into(), tally(&pairs));
        assert!(!once.flaky, "one stray round is the machine's");
        assert!((once.tail - 0.3).abs() < 1e-9);

        pairs.push((3, 1.0 / 1.3));
        let flaky = noise_of("s/c".into(), "t".into(), tally(&pairs));
        assert!(flaky.flaky);
        assert_eq!(flaky.evidence.len(), 2);
        assert!(
            flaky.evidence[0].starts_with("round 2: pair 19 ratio 1.300"),
            "{:?}",
            flaky.evidence
        );
        assert!(flaky.evidence[1].starts_with("round 3: pair 20 ratio 0.769"));
    }
}
