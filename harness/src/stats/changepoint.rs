//! Change points in a series of per-run estimates: E-divisive means with a permutation test.
//!
//! The method of Matteson and James (2014) as used for nightly performance data by MongoDB
//! (Daly et al., ICPE 2020) and Hunter / Apache Otava: in a segment, take the split that maximises
//! the energy-distance statistic between the two sides; call it significant when fewer than `alpha`
//! of the permutations of the segment reach a statistic as large; then look inside both sides again.
//! It assumes no distribution and no number of change points, which suits benchmark series whose
//! noise is rarely normal.
//!
//! For one-dimensional data every split's statistic comes from two running sums of pairwise
//! distances kept in Fenwick trees over the values' ranks, so a whole scan costs O(n log n) and a
//! permutation only shuffles (value, rank) pairs. The permutation loop stops as soon as the p-value
//! can no longer fall under `alpha`, which makes pure noise (the common case) cheap.

use super::dispersion::mean;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// How the search is run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Significance level of each permutation test.
    pub alpha: f64,
    /// Permutations per test; the smallest p-value reachable is `1 / (permutations + 1)`.
    pub permutations: usize,
    /// Fewest points on either side of a change point.
    pub min_size: usize,
    /// Seed of the permutations, so a trend report is reproducible.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            alpha: 0.01,
            permutations: 199,
            min_size: 3,
            seed: 0x0510_9a7e,
        }
    }
}

/// One detected change: the series changes level between `index - 1` and `index`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePoint {
    /// First index of the new level.
    pub index: usize,
    /// Mean of the segment before (from the previous change point).
    pub mean_before: f64,
    /// Mean of the segment after (up to the next change point).
    pub mean_after: f64,
    /// `mean_after / mean_before - 1` (0 when `mean_before` is 0).
    pub relative: f64,
    /// Permutation p-value of the split when it was found.
    pub p_value: f64,
}

impl ChangePoint {
    /// `1 - p_value`, as shown in reports.
    pub fn confidence(&self) -> f64 {
        1.0 - self.p_value
    }
}

/// Finds the change points of `series`, in index order.
pub fn detect(series: &[f64], cfg: &Config) -> Vec<ChangePoint> {
    let min = cfg.min_size.max(2);
    let mut found: Vec<(usize, f64)> = Vec::new();
    let mut scratch = Scratch::default();
    let mut stack = vec![(0usize, series.len())];
    while let Some((start, end)) = stack.pop() {
        let seg = &series[start..end];
        let Some((split, p)) = test_segment(seg, min, cfg, start, &mut scratch) else {
            continue;
        };
        found.push((start + split, p));
        stack.push((start, start + split));
        stack.push((start + split, end));
    }
    found.sort_by_key(|&(i, _)| i);
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(found.iter().map(|&(i, _)| i))
        .chain(std::iter::once(series.len()))
        .collect();
    found
        .iter()
        .enumerate()
        .map(|(k, &(index, p_value))| {
            let mean_before = mean(&series[bounds[k]..index]);
            let mean_after = mean(&series[index..bounds[k + 2]]);
            ChangePoint {
                index,
                mean_before,
                mean_after,
                relative: if mean_before != 0.0 {
                    mean_after / mean_before - 1.0
                } else {
                    0.0
                },
                p_value,
            }
        })
        .collect()
}

/// The best split of `seg` and its p-value, when significant.
fn test_segment(
    seg: &[f64],
    min: usize,
    cfg: &Config,
    offset: usize,
    scratch: &mut Scratch,
) -> Option<(usize, f64)> {
    if seg.len() < 2 * min {
        return None;
    }
    // Ranks break ties by position; tied values are at distance zero either way.
    let mut order: Vec<usize> = (0..seg.len()).collect();
    order.sort_by(|&a, &b| seg[a].total_cmp(&seg[b]));
    let mut pairs = vec![(0.0, 0usize); seg.len()];
    for (rank, &i) in order.iter().enumerate() {
        pairs[i] = (seg[i], rank);
    }
    let (split, observed) = scratch.best_split(&pairs, min)?;
    if observed <= 0.0 {
        return None;
    }
    let seed = cfg.seed ^ ((offset as u64) << 32) ^ seg.len() as u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // p = (1 + #{permuted >= observed}) / (permutations + 1); stop once it cannot reach alpha.
    let limit = (cfg.alpha * (cfg.permutations + 1) as f64).floor() as usize;
    let mut at_least = 0usize;
    for _ in 0..cfg.permutations {
        pairs.shuffle(&mut rng);
        let (_, q) = scratch.best_split(&pairs, min)?;
        if q >= observed {
            at_least += 1;
            if at_least + 1 > limit {
                return None;
            }
        }
    }
    let p = (at_least + 1) as f64 / (cfg.permutations + 1) as f64;
    (p <= cfg.alpha).then_some((split, p))
}

/// Buffers reused across scans.
#[derive(Default)]
struct Scratch {
    count: Vec<f64>,
    sum: Vec<f64>,
    within_left: Vec<f64>,
    within_right: Vec<f64>,
}

impl Scratch {
    /// The split `t` (left = `..t`) maximising the scaled energy statistic, and its value.
    fn best_split(&mut self, pairs: &[(f64, usize)], min: usize) -> Option<(usize, f64)> {
        let n = pairs.len();
        self.within_left.clear();
        self.within_left.resize(n + 1, 0.0);
        self.within_right.clear();
        self.within_right.resize(n + 1, 0.0);
        self.fenwick_reset(n);
        for (t, &pair) in pairs.iter().enumerate() {
            let d = self.distance_to_seen(pair);
            self.within_left[t + 1] = self.within_left[t] + d;
        }
        self.fenwick_reset(n);
        for t in (0..n).rev() {
            let d = self.distance_to_seen(pairs[t]);
            self.within_right[t] = self.within_right[t + 1] + d;
        }
        let total = self.within_left[n];
        let nf = n as f64;
        let mut best: Option<(usize, f64)> = None;
        for t in min..=n - min {
            let (m, k) = (t as f64, nf - t as f64);
            let (wl, wr) = (self.within_left[t], self.within_right[t]);
            let between = total - wl - wr;
            let energy =
                2.0 * between / (m * k) - wl / (m * (m - 1.0) / 2.0) - wr / (k * (k - 1.0) / 2.0);
            let q = m * k / nf * energy;
            if best.is_none_or(|(_, b)| q > b) {
                best = Some((t, q));
            }
        }
        best
    }

    fn fenwick_reset(&mut self, n: usize) {
        self.count.clear();
        self.count.resize(n + 1, 0.0);
        self.sum.clear();
        self.sum.resize(n + 1, 0.0);
    }

    /// Sum of |x - y| over the values added so far, then adds `x`.
    fn distance_to_seen(&mut self, (x, rank): (f64, usize)) -> f64 {
        let (mut c_le, mut s_le) = (0.0, 0.0);
        let mut i = rank + 1;
        while i > 0 {
            c_le += self.count[i];
            s_le += self.sum[i];
            i &= i - 1;
        }
        let (mut c_all, mut s_all) = (0.0, 0.0);
        let mut i = self.count.len() - 1;
        while i > 0 {
            c_all += self.count[i];
            s_all += self.sum[i];
            i &= i - 1;
        }
        let d = (x * c_le - s_le) + ((s_all - s_le) - x * (c_all - c_le));
        let mut i = rank + 1;
        while i < self.count.len() {
            self.count[i] += 1.0;
            self.sum[i] += x;
            i += i & i.wrapping_neg();
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Standard normal draws (Box-Muller), seeded.
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let (u, v): (f64, f64) = (rng.gen_range(f64::EPSILON..1.0), rng.gen());
                (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
            })
            .collect()
    }

    #[test]
    fn split_statistic_matches_the_definition() {
        let xs = [1.0, 3.0, 2.0, 7.0, 8.0, 6.5];
        let brute = |t: usize| {
            let (l, r) = xs.split_at(t);
            let pair_mean = |a: &[f64], b: &[f64]| {
                let mut s = 0.0;
                for x in a {
                    for y in b {
                        s += (x - y).abs();
                    }
                }
                s / (a.len() * b.len()) as f64
            };
            let within = |a: &[f64]| {
                let mut s = 0.0;
                for i in 0..a.len() {
                    for j in i + 1..a.len() {
                        s += (a[i] - a[j]).abs();
                    }
                }
                s / (a.len() * (a.len() - 1) / 2) as f64
            };
            let (m, k) = (l.len() as f64, r.len() as f64);
            m * k / (m + k) * (2.0 * pair_mean(l, r) - within(l) - within(r))
        };
        let mut order: Vec<usize> = (0..xs.len()).collect();
        order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
        let mut pairs = vec![(0.0, 0); xs.len()];
        for (rank, &i) in order.iter().enumerate() {
            pairs[i] = (xs[i], rank);
        }
        let (t, q) = Scratch::default().best_split(&pairs, 2).unwrap();
        assert_eq!(t, 3);
        assert!((q - brute(3)).abs() < 1e-9, "{q} vs {}", brute(3));
        assert!((2..=4).all(|s| brute(s) <= q + 1e-12));
    }

    #[test]
    fn finds_a_three_sigma_step_near_its_place() {
        let cfg = Config::default();
        let mut hits = 0;
        for seed in 0..100u64 {
            let n = if seed % 2 == 0 { 60 } else { 100 };
            let at = n / 2 + (seed as usize % 7) * 2 - 6;
            let mut xs = noise(n, seed);
            xs[at..].iter_mut().for_each(|x| *x += 3.0);
            let cps = detect(&xs, &Config { seed, ..cfg });
            if cps.iter().any(|c| c.index.abs_diff(at) <= 1) {
                hits += 1;
            }
        }
        assert!(hits >= 95, "found {hits}/100 steps");
    }

    #[test]
    fn pure_noise_rarely_gives_a_change_point() {
        let cfg = Config::default();
        let false_alarms = (0..100u64)
            .filter(|&seed| !detect(&noise(200, 1000 + seed), &Config { seed, ..cfg }).is_empty())
            .count();
        assert!(
            false_alarms <= 5,
            "{false_alarms}/100 noise series had a change point"
        );
    }

    #[test]
    fn reports_size_and_confidence_and_is_reproducible() {
        let mut xs: Vec<f64> = noise(60, 7).iter().map(|e| 100.0 + e).collect();
        xs[35..].iter_mut().for_each(|x| *x *= 1.08);
        let cps = detect(&xs, &Config::default());
        assert_eq!(cps.len(), 1, "{cps:?}");
        let c = cps[0];
        assert!(c.index.abs_diff(35) <= 1);
        assert!((c.relative - 0.08).abs() < 0.01, "{}", c.relative);
        assert!(c.confidence() >= 0.99);
        assert_eq!(detect(&xs, &Config::default()), cps);
        // Too short to test: nothing.
        assert!(detect(&xs[..5], &Config::default()).is_empty());
    }

    #[test]
    fn finds_two_steps() {
        let mut xs = noise(120, 3);
        xs[40..].iter_mut().for_each(|x| *x += 4.0);
        xs[80..].iter_mut().for_each(|x| *x -= 8.0);
        let idx: Vec<usize> = detect(&xs, &Config::default())
            .iter()
            .map(|c| c.index)
            .collect();
        assert!(idx.iter().any(|&i| i.abs_diff(40) <= 1), "{idx:?}");
        assert!(idx.iter().any(|&i| i.abs_diff(80) <= 1), "{idx:?}");
    }
}
