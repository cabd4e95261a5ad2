//! Hierarchical bootstrap: resample processes with replacement, then values within each resampled
//! process, and take the mean of the resampled values. Seeded (ChaCha8), so a report is
//! reproducible; every (benchmark, metric, side) gets its own stream, so the order in which they
//! are computed (or the thread they run on) changes nothing.
//!
//! Speed: a report of 10,000 benchmarks resamples 20 processes x 3 values 2,000 times for each of
//! 40,000 (benchmark, metric, side) triples. Two things make that cheap without changing the
//! distribution:
//! - a process of n values has only n^n equally likely within-process resamples, so when n is small
//!   their sums are tabulated once, and one draw picks a process and its resample together
//!   (for 20 x 3: one draw from 540 sums instead of four draws and three additions);
//! - indices come from 16 random bits each (four per 64-bit word of a xoshiro256++ stream seeded
//!   by ChaCha8), made exactly uniform by Lemire's multiply-and-reject.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Largest table of within-process resample sums for one process (n^n entries).
const MAX_PROCESS_TABLE: usize = 4096;
/// Largest joint (process, resample) table drawn from with 16-bit indices.
const MAX_JOINT_TABLE: usize = 1 << 16;
/// The most entries of a table of pair sums: 32 KiB, a core's first-level cache.
const MAX_PAIR_TABLE: usize = 4096;

/// Exactly uniform random indices, 16 bits at a time when the range allows.
///
/// The stream is xoshiro256++ whose state ChaCha8 derives from the seed: ChaCha8 alone produced
/// the 3.2 GB of random bits a 10,000-benchmark report needs at about 1 ns per word, and was most
/// of its time; xoshiro256++ is several times faster and amply random for resampling indices.
pub struct IndexDraws {
    s: [u64; 4],
    word: u64,
    left: u32,
}

impl IndexDraws {
    pub fn new(seed: u64) -> Self {
        let mut chacha = ChaCha8Rng::seed_from_u64(seed);
        let mut s = [0u64; 4];
        while s == [0; 4] {
            s = std::array::from_fn(|_| chacha.next_u64());
        }
        IndexDraws {
            s,
            word: 0,
            left: 0,
        }
    }

    /// xoshiro256++ (Blackman and Vigna).
    #[inline]
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    #[inline]
    fn bits16(&mut self) -> u32 {
        if self.left == 0 {
            self.word = self.next_u64();
            self.left = 4;
        }
        let v = (self.word & 0xffff) as u32;
        self.word >>= 16;
        self.left -= 1;
        v
    }

    /// The sum of `k` entries of `table` drawn uniformly with replacement (`table.len()` <= 2^16):
    /// the hot loop of the bootstrap, four 16-bit draws per word, rejected chunks simply skipped.
    #[inline]
    pub fn sum_of_draws(&mut self, table: &[f64], k: usize) -> f64 {
        let range = table.len() as u32;
        debug_assert!((1..=1 << 16).contains(&range));
        let reject = (1u32 << 16) % range;
        let (mut even, mut odd) = (0.0, 0.0);
        let mut need = k;
        while need > 0 {
            let mut w = self.next_u64();
            // Fast path, the same draws in the same order: a word whose four chunks are all
            // accepted (rejection is rare: under 0.5% a chunk for tables under 2^16 / 3) adds all
            // four without a branch per chunk.
            if need >= 4 {
                let m = [0, 16, 32, 48].map(|shift| ((w >> shift) & 0xffff) as u32 * range);
                if m.iter().all(|m| (m & 0xffff) >= reject) {
                    let [a, b, c, d] = m.map(|m| table[(m >> 16) as usize]);
                    if need.is_multiple_of(2) {
                        even += a;
                        odd += b;
                        even += c;
                        odd += d;
                    } else {
                        odd += a;
                        even += b;
                        odd += c;
                        even += d;
                    }
                    need -= 4;
                    continue;
                }
            }
            for _ in 0..need.min(4) {
                let m = (w & 0xffff) as u32 * range;
                w >>= 16;
                if (m & 0xffff) >= reject {
                    // Two accumulators halve the chain of dependent additions.
                    if need.is_multiple_of(2) {
                        even += table[(m >> 16) as usize];
                    } else {
                        odd += table[(m >> 16) as usize];
                    }
                    need -= 1;
                }
            }
        }
        even + odd
    }

    /// A uniform index in `0..range` (`range` >= 1).
    #[inline]
    pub fn below(&mut self, range: usize) -> usize {
        if range > 1 << 16 {
            // 64-bit multiply-shift: bias at most range / 2^64, far below any resampling effect.
            return ((u128::from(self.next_u64()) * range as u128) >> 64) as usize;
        }
        let range = range as u32;
        // Lemire: x * range / 2^16 is uniform once the low half is rejected below 2^16 mod range.
        let mut m = self.bits16() * range;
        if (m & 0xffff) < range {
            let reject = (1u32 << 16) % range;
            while (m & 0xffff) < reject {
                m = self.bits16() * range;
            }
        }
        (m >> 16) as usize
    }
}

/// Sums of every within-process resample (n^n tuples of indices) of `values`, appended to `out`.
fn push_resample_sums(values: &[f64], out: &mut Vec<f64>) {
    let n = values.len();
    let start = out.len();
    out.push(0.0);
    // Tuples grow one position at a time: every existing partial sum gets each value added.
    for _ in 0..n {
        let len = out.len() - start;
        for _ in 1..n {
            out.extend_from_within(start..start + len);
        }
        for (i, s) in out[start..].iter_mut().enumerate() {
            *s += values[i / len];
        }
    }
}

/// Reusable buffers, so that thousands of bootstraps allocate once.
#[derive(Default)]
pub struct Scratch {
    table: Vec<f64>,
    offsets: Vec<(usize, usize)>,
}

/// `resamples` hierarchical bootstrap replicates of the mean of values, written to `out`.
/// Empty processes are ignored; with no values at all `out` is left empty.
pub fn hierarchical_means(
    processes: &[Vec<f64>],
    resamples: usize,
    seed: u64,
    scratch: &mut Scratch,
    out: &mut Vec<f64>,
) {
    out.clear();
    let procs: Vec<&[f64]> = processes
        .iter()
        .filter(|p| !p.is_empty())
        .map(Vec::as_slice)
        .collect();
    let k = procs.len();
    if k == 0 {
        return;
    }
    let mut draws = IndexDraws::new(seed);
    let n = procs[0].len();
    let tuples = n.checked_pow(n as u32).unwrap_or(usize::MAX);
    let uniform = procs.iter().all(|p| p.len() == n);
    scratch.table.clear();
    if uniform && tuples <= MAX_PROCESS_TABLE && tuples.saturating_mul(k) <= MAX_JOINT_TABLE {
        // One draw picks a process and one of its resamples, each equally likely.
        for p in &procs {
            push_resample_sums(p, &mut scratch.table);
        }
        let per_replicate = (k * n) as f64;
        let single = scratch.table.len();
        if k >= 2 && single * single <= MAX_PAIR_TABLE {
            // A table small enough to square (one value per process, as a memory peak is): one
            // draw from the table of every pair's sum is two independent draws from the table, in
            // half the draws.
            for a in 0..single {
                for b in 0..single {
                    let sum = scratch.table[a] + scratch.table[b];
                    scratch.table.push(sum);
                }
            }
            let (table, pairs) = scratch.table.split_at(single);
            out.extend((0..resamples).map(|_| {
                let odd = if k % 2 == 1 {
                    draws.sum_of_draws(table, 1)
                } else {
                    0.0
                };
                (draws.sum_of_draws(pairs, k / 2) + odd) / per_replicate
            }));
            return;
        }
        let table = &scratch.table[..];
        out.extend((0..resamples).map(|_| draws.sum_of_draws(table, k) / per_replicate));
        return;
    }
    // General case: per process, a table of its resample sums when small, direct draws otherwise.
    scratch.offsets.clear();
    for p in &procs {
        let start = scratch.table.len();
        let t = p.len().checked_pow(p.len() as u32).unwrap_or(usize::MAX);
        if t <= MAX_PROCESS_TABLE {
            push_resample_sums(p, &mut scratch.table);
        }
        scratch.offsets.push((start, scratch.table.len() - start));
    }
    out.extend((0..resamples).map(|_| {
        let (mut sum, mut count) = (0.0, 0usize);
        for _ in 0..k {
            let j = draws.below(k);
            let p = procs[j];
            let (start, len) = scratch.offsets[j];
            if len > 0 {
                sum += scratch.table[start + draws.below(len)];
            } else {
                for _ in 0..p.len() {
                    sum += p[draws.below(p.len())];
                }
            }
            count += p.len();
        }
        sum / count as f64
    }));
}

/// `resamples` bootstrap replicates of the mean of `xs` (pairs resampled as units), into `out`.
pub fn means(xs: &[f64], resamples: usize, seed: u64, out: &mut Vec<f64>) {
    out.clear();
    if xs.is_empty() {
        return;
    }
    let mut draws = IndexDraws::new(seed);
    let n = xs.len() as f64;
    out.extend((0..resamples).map(|_| {
        let mut sum = 0.0;
        for _ in 0..xs.len() {
            sum += xs[draws.below(xs.len())];
        }
        sum / n
    }));
}

/// The percentile interval at `confidence` (0.95 → 2.5th and 97.5th percentiles, linear
/// interpolation between order statistics). Reorders `samples`; NaN-free input expected.
pub fn percentile_interval(samples: &mut [f64], confidence: f64) -> (f64, f64) {
    let alpha = ((1.0 - confidence) / 2.0).clamp(0.0, 0.5);
    let n = samples.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let h_low = (n - 1) as f64 * alpha;
    let h_high = (n - 1) as f64 * (1.0 - alpha);
    let i_low = h_low.floor() as usize;
    let i_high = h_high.floor() as usize;
    let at = |(a, b): (f64, f64), i: usize, h: f64| a + (h - i as f64) * (b - a);
    if let (Some(low), Some(high)) = (order_pair(samples, i_low), order_pair(samples, i_high)) {
        return (at(low, i_low, h_low), at(high, i_high, h_high));
    }
    let low = interpolated(samples, i_low, h_low);
    // The high order statistic lies above the low one: select only in what is left above it.
    let high = if i_high > i_low {
        let h = h_high - (i_low + 1) as f64;
        interpolated(&mut samples[i_low + 1..], i_high - i_low - 1, h)
    } else {
        interpolated(samples, i_high, h_high)
    };
    (low, high)
}

/// The order statistic `i` of `samples` interpolated towards the next one by the fraction of `h`
/// (O(n): a report takes thousands of them).
fn interpolated(samples: &mut [f64], i: usize, h: f64) -> f64 {
    let (_, &mut a, rest) = samples.select_nth_unstable_by(i, f64::total_cmp);
    let frac = h - i as f64;
    if frac <= 0.0 || rest.is_empty() {
        return a;
    }
    let b = rest.iter().copied().fold(f64::INFINITY, f64::min);
    a + frac * (b - a)
}

/// Order statistics `i` and `i + 1` of `samples` (`i`'s twice when `i` is the last), in one pass
/// when `i` lies near either end: the tails of a bootstrap interval (index 8 and 1,991 of 2,000 at
/// 99.17%) then cost about one comparison a value instead of a quickselect's partitions. None when
/// `i` is too far from both ends for that to pay.
fn order_pair(samples: &[f64], i: usize) -> Option<(f64, f64)> {
    let n = samples.len();
    if i >= n {
        return None;
    }
    let next = (i + 1).min(n - 1);
    if let Some(kept) = extreme(samples, next + 1, |a, b| a.total_cmp(b)) {
        return Some((kept[i], kept[next]));
    }
    // From the top: order statistic `k` is the (n - 1 - k)-th largest.
    let kept = extreme(samples, n - i, |a, b| b.total_cmp(a))?;
    Some((kept[n - 1 - i], kept[n - 1 - next]))
}

/// The first `keep` values of `samples` in the order `cmp`, kept sorted in one pass; None when
/// `keep` is too many to keep that way.
fn extreme(
    samples: &[f64],
    keep: usize,
    cmp: impl Fn(&f64, &f64) -> std::cmp::Ordering,
) -> Option<Vec<f64>> {
    const MAX_KEPT: usize = 32;
    if keep == 0 || keep > MAX_KEPT {
        return None;
    }
    let mut kept: Vec<f64> = Vec::with_capacity(keep + 1);
    for &x in samples {
        if kept.len() == keep && cmp(&x, &kept[keep - 1]).is_ge() {
            continue;
        }
        // Insertion among the sorted few: rare once they are the most extreme so far.
        let at = kept.partition_point(|k| cmp(k, &x).is_le());
        kept.insert(at, x);
        kept.truncate(keep);
    }
    Some(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn draws_are_uniform_and_reproducible() {
        let mut d = IndexDraws::new(7);
        let mut counts = [0usize; 540];
        for _ in 0..540_000 {
            counts[d.below(540)] += 1;
        }
        // Each cell expects 1000 (sd ~31.6).
        assert!(
            counts.iter().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
        let a: Vec<usize> = (0..10).map(|_| IndexDraws::new(3).below(1000)).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut d = IndexDraws::new(1);
        assert!((0..1000).all(|_| d.below(1) == 0));
        assert!((0..1000).all(|_| d.below(100_000) < 100_000));
    }

    #[test]
    fn sums_of_draws_are_uniform() {
        let mut d = IndexDraws::new(5);
        let table: Vec<f64> = (0..540).map(|i| if i == 7 { 1.0 } else { 0.0 }).collect();
        // 540,000 draws: entry 7 expects 1000 hits (sd ~31.6).
        let hits: f64 = (0..27_000).map(|_| d.sum_of_draws(&table, 20)).sum();
        assert!((850.0..1150.0).contains(&hits), "{hits}");
        assert_eq!(IndexDraws::new(5).sum_of_draws(&[2.5], 3), 7.5);
    }

    #[test]
    fn resample_sums_enumerate_every_tuple() {
        let mut t = vec![];
        push_resample_sums(&[1.0, 10.0], &mut t);
        t.sort_by(f64::total_cmp);
        assert_eq!(t, vec![2.0, 11.0, 11.0, 20.0]);
        let mut t = vec![5.0];
        push_resample_sums(&[1.0, 2.0, 4.0], &mut t);
        assert_eq!(t.len(), 28);
        assert_eq!(t[1..].iter().sum::<f64>(), 27.0 * 3.0 * 7.0 / 3.0);
    }

    #[test]
    fn quantiles_interpolate() {
        let mut xs: Vec<f64> = (0..=100).rev().map(f64::from).collect();
        let (lo, hi) = percentile_interval(&mut xs, 0.95);
        assert!(
            (lo - 2.5).abs() < 1e-9 && (hi - 97.5).abs() < 1e-9,
            "{lo} {hi}"
        );
        let mut xs = vec![2.0, 1.0];
        assert_eq!(percentile_interval(&mut xs, 0.0), (1.5, 1.5));
        let mut xs = vec![3.0, 1.0, 2.0];
        assert_eq!(percentile_interval(&mut xs, 1.0), (1.0, 3.0));
    }

    /// The one-pass tails give the same interval as sorting, ties and all, near both ends and at
    /// every confidence a report uses.
    #[test]
    fn tails_in_one_pass_match_the_sorted_order_statistics() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for n in [1usize, 2, 3, 17, 200, 2000] {
            let xs: Vec<f64> = (0..n).map(|_| f64::from(rng.gen_range(0..50u32))).collect();
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            for confidence in [0.0, 0.5, 0.9, 0.95, 0.99, 0.991_666, 0.999, 1.0] {
                let alpha = (1.0 - confidence) / 2.0;
                let at = |h: f64| {
                    let i = h.floor() as usize;
                    let b = sorted[(i + 1).min(n - 1)];
                    sorted[i] + (h - i as f64) * (b - sorted[i])
                };
                let expected = (
                    at((n - 1) as f64 * alpha),
                    at((n - 1) as f64 * (1.0 - alpha)),
                );
                let mut ys = xs.clone();
                assert_eq!(
                    percentile_interval(&mut ys, confidence),
                    expected,
                    "{n} {confidence}"
                );
            }
        }
    }

    /// Both paths (joint table, per-process draws) agree with the textbook hierarchical bootstrap
    /// on the spread of the replicates.
    #[test]
    fn hierarchical_spread_matches_theory() {
        // Process means 10, 20, 30, ... 100; within-process spread tiny: the replicate sd is close
        // to sd(process means) * sqrt((k-1)/k) / sqrt(k).
        let procs: Vec<Vec<f64>> = (1..=10)
            .map(|i| {
                vec![
                    10.0 * i as f64 - 0.1,
                    10.0 * i as f64,
                    10.0 * i as f64 + 0.1,
                ]
            })
            .collect();
        let mut s = Scratch::default();
        let mut out = vec![];
        hierarchical_means(&procs, 20_000, 1, &mut s, &mut out);
        let (m, sd) = mean_sd(&out);
        let pop_sd = (825.0f64).sqrt(); // sd of 10..100 step 10 with denominator k
        assert!((m - 55.0).abs() < 0.2, "{m}");
        assert!((sd / (pop_sd / 10f64.sqrt()) - 1.0).abs() < 0.03, "{sd}");
        // Unequal sizes take the general path; the mean of values weights by size.
        let procs = vec![vec![1.0; 7], vec![3.0; 1]];
        hierarchical_means(&procs, 20_000, 2, &mut s, &mut out);
        let (m, _) = mean_sd(&out);
        // E[sum]/E[count] is not E[ratio]; the replicate mean sits between 1.25 and 2.
        assert!(m > 1.2 && m < 2.0, "{m}");
        hierarchical_means(&procs, 5, 2, &mut s, &mut out);
        let again = out.clone();
        hierarchical_means(&procs, 5, 2, &mut s, &mut out);
        assert_eq!(out, again, "seeded");
        hierarchical_means(&[vec![]], 5, 2, &mut s, &mut out);
        assert!(out.is_empty());
    }

    /// One value per process takes the table of pair sums: its replicates have the spread of
    /// drawing every process on its own (sd(values) / sqrt(k), the population sd), for an even and
    /// an odd number of processes, and stay seeded.
    #[test]
    fn pairs_of_single_values_spread_like_single_draws() {
        for k in [2usize, 7, 20, 63] {
            let procs: Vec<Vec<f64>> = (0..k).map(|i| vec![(i * i % 17) as f64]).collect();
            let values: Vec<f64> = procs.iter().map(|p| p[0]).collect();
            let (mean, sd) = mean_sd(&values);
            let pop_sd = sd * ((k - 1) as f64 / k as f64).sqrt();
            let mut s = Scratch::default();
            let mut out = vec![];
            hierarchical_means(&procs, 40_000, 3, &mut s, &mut out);
            assert!(s.table.len() > k, "{k} processes take the pair table");
            let (m, rsd) = mean_sd(&out);
            assert!((m - mean).abs() < 0.02 * sd, "{k}: {m} vs {mean}");
            let expected = pop_sd / (k as f64).sqrt();
            assert!(
                (rsd / expected - 1.0).abs() < 0.03,
                "{k}: {rsd} vs {expected}"
            );
            let again = out.clone();
            hierarchical_means(&procs, 40_000, 3, &mut s, &mut out);
            assert_eq!(out, again, "seeded");
        }
    }

    fn mean_sd(xs: &[f64]) -> (f64, f64) {
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64;
        (m, v.sqrt())
    }
}
