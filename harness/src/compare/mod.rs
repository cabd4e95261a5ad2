//! Comparing a candidate with a baseline: estimates, changes, SLO verdicts, sections, and the gate.
//!
//! Two passes. The first, per benchmark and in parallel, computes every estimate, change and SLO
//! check (each bootstrap stream seeded from the report's seed, the benchmark key, the metric and
//! the side, so results do not depend on the thread or order). The second applies
//! Benjamini-Hochberg across every change in the report, then decides verdicts, sections,
//! systematic shifts, warnings and counts.

pub mod accept;
mod gate;
pub mod input_error;
mod metric;
pub mod model;
pub mod noise;
mod slos;

pub use gate::{reasons as gate_reasons, FailOn, UnknownCondition};
pub use model::*;

use crate::results::{BenchmarkResult, BenchmarkRounds, MetricSamples, Noise, ResultsFile, Status};
use crate::slo::verdict::Cutoffs;
use crate::stats::bootstrap::Scratch;
use crate::stats::fdr::{benjamini_hochberg, one_sided_q_values};
use crate::stats::sides::Sides;
use metric::{PendingChange, Side, StatOptions};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The knobs of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    /// Smallest relative change worth a flag (0.05); a benchmark's `noise_threshold` overrides it.
    pub noise_threshold: f64,
    pub confidence: f64,
    /// Two-sided ("different?") or one-sided ("worse?") tests of changes (`stats::sides`).
    pub sides: Sides,
    pub fdr: f64,
    pub near: f64,
    pub comfortable: f64,
    pub resamples: u32,
    pub seed: u64,
    /// What fails the gate; an uncertain SLO that fails goes to the breach section.
    pub fail_on: FailOn,
    /// The files the two sides were read from, for the report.
    pub baseline_file: Option<String>,
    pub candidate_file: Option<String>,
    /// Extra SLO lines (thresholds, or overhead lines with selectors) per benchmark key, from a
    /// standalone SLO file.
    pub extra_slos: BTreeMap<String, Vec<String>>,
    /// Benchmarks the candidate run left out on purpose (`--filter`, `--changed-since`,
    /// `--shard`): absent from the candidate, they are not compared, rather than missing.
    pub not_run: BTreeSet<String>,
    /// Acknowledged regressions, from an accept file.
    pub accept: Vec<accept::AcceptEntry>,
    /// Calibrated noise: per-benchmark thresholds, and flaky benchmarks kept out of the gate.
    pub noise: Option<noise::NoiseFile>,
    /// Passing limits further than this from their estimate are listed as loose (0: none).
    pub loose_limit: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            noise_threshold: 0.05,
            confidence: 0.95,
            sides: Sides::TwoSided,
            fdr: 0.05,
            near: 0.02,
            comfortable: 0.10,
            resamples: 2000,
            seed: 20_261_124,
            fail_on: FailOn::default(),
            baseline_file: None,
            candidate_file: None,
            extra_slos: BTreeMap::new(),
            not_run: BTreeSet::new(),
            accept: Vec::new(),
            noise: None,
            loose_limit: crate::slo::verdict::DEFAULT_LOOSE,
        }
    }
}

/// A systematic shift needs at least this many benchmarks moving the same way...
const SHIFT_MIN_MOVED: usize = 5;
/// ...and at least this share of the benchmarks with the metric on both sides.
const SHIFT_MIN_SHARE: f64 = 2.0 / 3.0;
/// How many keys a warning lists before it says "and N more".
const WARNING_LIST: usize = 10;

/// One benchmark after the first pass: changes wait for their q-values.
struct Pending {
    bench: BenchmarkComparison,
    changes: Vec<Option<PendingChange>>,
    warnings: Vec<String>,
}

pub fn compare(
    baseline: &ResultsFile,
    candidate: &ResultsFile,
    opts: &CompareOptions,
) -> Comparison {
    let paired =
        matches!((&baseline.meta.pairing, &candidate.meta.pairing), (Some(a), Some(b)) if a == b);
    let base: HashMap<&str, &BenchmarkResult> = baseline
        .benchmarks
        .iter()
        .map(|b| (b.key.as_str(), b))
        .collect();
    let cand: HashMap<&str, &BenchmarkResult> = candidate
        .benchmarks
        .iter()
        .map(|b| (b.key.as_str(), b))
        .collect();
    let left_out = base
        .keys()
        .filter(|k| !cand.contains_key(*k) && opts.not_run.contains(**k))
        .count();
    let keys: Vec<&str> = base
        .keys()
        .chain(cand.keys())
        .copied()
        .filter(|k| cand.contains_key(k) || !opts.not_run.contains(*k))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // A sequential `ab` judges each benchmark at the confidence of its last look.
    let confidences: HashMap<&str, f64> = if paired {
        rounds_recorded(candidate, baseline)
            .into_iter()
            .filter_map(|(k, r)| Some((k, r.confidence?)))
            .collect()
    } else {
        HashMap::new()
    };
    let ctx = Context {
        opts,
        paired,
        cand: &cand,
        confidences,
        stat: StatOptions {
            resamples: opts.resamples.max(1) as usize,
            confidence: opts.confidence,
            seed: opts.seed,
            sides: opts.sides,
        },
        cut: Cutoffs {
            near: opts.near,
            comfortable: opts.comfortable,
        },
    };
    let mut pending = in_parallel(&keys, |key, scratch| {
        ctx.benchmark(key, base.get(key).copied(), cand.get(key).copied(), scratch)
    });

    // False-discovery control across every change of the report; one-sided, regressions and
    // improvements are two families (`stats::fdr::one_sided_q_values`).
    let (p, towards_regression): (Vec<f64>, Vec<bool>) = pending
        .iter()
        .flat_map(|b| {
            b.bench
                .metrics
                .iter()
                .zip(&b.changes)
                .filter_map(|(m, c)| c.as_ref().map(|c| (m, c)))
        })
        .map(|(m, c)| {
            (
                c.change.p_value,
                (c.change.ratio > 1.0) != m.higher_is_better,
            )
        })
        .unzip();
    let mut q = if opts.sides.is_two_sided() {
        benjamini_hochberg(&p)
    } else {
        one_sided_q_values(&p, &towards_regression)
    }
    .into_iter();
    let mut warnings = side_warnings(baseline, candidate, opts);
    let mut benchmarks = Vec::with_capacity(pending.len());
    for b in &mut pending {
        for (m, pc) in b.bench.metrics.iter_mut().zip(&mut b.changes) {
            if let Some(pc) = pc {
                pc.change.q_value = q.next().expect("one q per p");
                pc.change.verdict = metric::verdict(pc, m.higher_is_better, opts.fdr);
                m.change = Some(pc.change);
            }
        }
        warnings.append(&mut b.warnings);
    }
    let recorded = rounds_recorded(candidate, baseline);
    for b in pending {
        let mut bench = b.bench;
        bench.resolution = recorded.get(bench.key.as_str()).map(|r| Resolution {
            rounds: r.rounds,
            resolvable_change: r.resolvable_change,
            predicted_rounds: r.predicted_rounds,
            stopped: r.stopped.clone(),
            confidence: r.confidence.filter(|_| paired),
        });
        gate::decide(&mut bench, &opts.fail_on, &opts.accept);
        benchmarks.push(bench);
    }
    warnings.extend(data_warnings(&benchmarks));
    warnings.extend(accept_warnings(&benchmarks, &opts.accept));
    if left_out > 0 {
        warnings.push(format!(
            "{left_out} benchmark(s) of the baseline were left out of this run (--filter, \
             --changed-since or --shard) and are not compared"
        ));
    }
    let unmatched_slos = opts
        .extra_slos
        .iter()
        .filter(|(k, _)| !base.contains_key(k.as_str()) && !cand.contains_key(k.as_str()))
        .flat_map(|(k, lines)| lines.iter().map(move |l| format!("{k}: {l}")))
        .collect();
    Comparison {
        schema: COMPARISON_SCHEMA.to_string(),
        baseline: side_info(baseline, candidate, "baseline", &opts.baseline_file),
        candidate: side_info(candidate, baseline, "candidate", &opts.candidate_file),
        settings: Settings {
            noise_threshold: opts.noise_threshold,
            confidence: opts.confidence,
            sides: opts.sides,
            fdr: opts.fdr,
            near: opts.near,
            comfortable: opts.comfortable,
            bootstrap_resamples: opts.resamples,
            seed: opts.seed,
            paired,
            uncertain_fails: opts.fail_on.uncertain,
            loose_limit: opts.loose_limit,
        },
        warnings,
        shifts: shifts(&benchmarks),
        unmatched_slos,
        loose_slos: loose_slos(&benchmarks, opts.loose_limit),
        summary: summarise(&benchmarks),
        gate: gate::verdict(&benchmarks, &opts.fail_on),
        benchmarks,
    }
}

/// Passing SLO lines (thresholds and overhead) whose limit sits at least `loose` from the
/// estimate, in benchmark order.
fn loose_slos(benchmarks: &[BenchmarkComparison], loose: f64) -> Vec<LooseSlo> {
    if loose <= 0.0 {
        return Vec::new();
    }
    benchmarks
        .iter()
        .flat_map(|b| b.slos.iter().chain(&b.overhead).map(move |s| (b, s)))
        .filter_map(|(b, s)| {
            let slack = crate::slo::verdict::slack(s.verdict, s.margin)?;
            (slack >= loose).then(|| LooseSlo {
                key: b.key.clone(),
                line: s.line.clone(),
                slack,
            })
        })
        .collect()
}

/// The rounds a sequential `ab` recorded, by benchmark key: the candidate's record, else the
/// baseline's (`ab` writes the same record in both files).
fn rounds_recorded<'a>(
    candidate: &'a ResultsFile,
    baseline: &'a ResultsFile,
) -> HashMap<&'a str, &'a BenchmarkRounds> {
    [baseline, candidate]
        .into_iter()
        .filter_map(|f| f.meta.analysis.as_ref())
        .flat_map(|a| &a.rounds)
        .map(|r| (r.key.as_str(), r))
        .collect()
}

/// Runs `f` over `keys` on every available core, results in the order of `keys`. Each thread owns
/// its scratch buffers; std's scoped threads suffice (no work stealing needed for equal-sized work).
fn in_parallel<T: Send>(keys: &[&str], f: impl Fn(&str, &mut Scratch) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(keys.len().div_ceil(64))
        .max(1);
    let chunk = keys.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = keys
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                s.spawn(move || {
                    let mut scratch = Scratch::default();
                    part.iter().map(|k| f(k, &mut scratch)).collect::<Vec<T>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("comparison worker panicked"))
            .collect()
    })
}

struct Context<'a> {
    opts: &'a CompareOptions,
    paired: bool,
    cand: &'a HashMap<&'a str, &'a BenchmarkResult>,
    /// Confidence by benchmark, where a sequential run recorded one.
    confidences: HashMap<&'a str, f64>,
    stat: StatOptions,
    cut: Cutoffs,
}

impl Context<'_> {
    /// One side's statistics of one metric, from its own seeded stream.
    fn side<'b>(
        &self,
        b: Option<&'b BenchmarkResult>,
        key: &str,
        name: &str,
        s: Side,
        scratch: &mut Scratch,
        buf: &mut Vec<f64>,
    ) -> Option<(metric::SideStats, &'b MetricSamples)> {
        let m = b?.metrics.get(name)?;
        let stream = metric::stream_seed(self.opts.seed, key, name, s);
        Some((
            metric::side_stats(m, self.stat_of(key), stream, scratch, buf)?,
            m,
        ))
    }

    /// The statistics options of one benchmark: its own recorded confidence, if any.
    fn stat_of(&self, key: &str) -> StatOptions {
        match self.confidences.get(key) {
            Some(&confidence) => StatOptions {
                confidence,
                ..self.stat
            },
            None => self.stat,
        }
    }

    /// First pass over one benchmark.
    fn benchmark<'a>(
        &self,
        key: &str,
        base: Option<&'a BenchmarkResult>,
        cand: Option<&'a BenchmarkResult>,
        scratch: &mut Scratch,
    ) -> Pending {
        let any = cand.or(base).expect("key from one side");
        let presence = match (base, cand) {
            (Some(_), Some(_)) => Presence::Both,
            (None, Some(_)) => Presence::New,
            _ => Presence::Missing,
        };
        let ok = |b: Option<&'a BenchmarkResult>| b.filter(|b| b.status == Status::Ok);
        let mut reason = match (base, cand) {
            (_, None) => Some("missing from the candidate results".to_string()),
            (_, Some(c)) if c.status != Status::Ok => Some(status_reason(c)),
            (Some(b), _) if b.status != Status::Ok => {
                Some(format!("baseline {}: no comparison", status_reason(b)))
            }
            _ => None,
        };
        let threshold = cand
            .and_then(|c| c.noise_threshold)
            .or(base.and_then(|b| b.noise_threshold))
            .unwrap_or(self.opts.noise_threshold);
        let mut buf = Vec::with_capacity(self.stat.resamples);
        let names: BTreeSet<&String> = base
            .iter()
            .chain(cand.iter())
            .flat_map(|b| b.metrics.keys())
            .collect();
        let mut metrics = Vec::with_capacity(names.len());
        let mut changes = Vec::with_capacity(names.len());
        for name in names {
            let b = self.side(ok(base), key, name, Side::Baseline, scratch, &mut buf);
            let c = self.side(ok(cand), key, name, Side::Candidate, scratch, &mut buf);
            let pc = match (&b, &c) {
                (Some((bs, bm)), Some((cs, cm))) => {
                    let threshold = self
                        .opts
                        .noise
                        .as_ref()
                        .and_then(|n| n.threshold(key, name))
                        .unwrap_or(threshold);
                    let counted = crate::results::metric::is_simulated(name);
                    metric::change(
                        bs,
                        bm,
                        cs,
                        cm,
                        self.paired,
                        threshold,
                        self.stat_of(key),
                        counted,
                        &mut buf,
                    )
                }
                _ => None,
            };
            let samples = c.as_ref().or(b.as_ref()).map(|(_, m)| *m).or_else(|| {
                base.iter()
                    .chain(cand.iter())
                    .find_map(|r| r.metrics.get(name))
            });
            let samples = samples.expect("metric from one side");
            metrics.push(MetricComparison {
                metric: name.clone(),
                unit: samples.unit,
                higher_is_better: samples.higher_is_better,
                baseline: b.map(|(s, _)| s.estimate),
                candidate: c.map(|(s, _)| s.estimate),
                change: None,
            });
            changes.push(pc);
        }
        let mut warnings = Vec::new();
        let (mut slos, mut overhead) = (Vec::new(), Vec::new());
        if let Some(c) = ok(cand) {
            let estimates: HashMap<&str, _> = metrics
                .iter()
                .filter_map(|m| Some((m.metric.as_str(), (m.candidate?, m.unit))))
                .collect();
            let extra = self.opts.extra_slos.get(key).into_iter().flatten();
            let (extra_overhead, extra_thresholds): (Vec<&String>, Vec<&String>) =
                extra.partition(|l| l.contains('['));
            for line in c.thresholds.iter().chain(extra_thresholds) {
                slos.push(slos::threshold_check(
                    key,
                    line,
                    &estimates,
                    self.cut,
                    &mut warnings,
                ));
            }
            for line in c.overhead.iter().chain(extra_overhead) {
                match slos::parse_overhead_line(key, line, &mut warnings) {
                    Ok(o) if slos::applies(&o, c) => overhead.push(slos::overhead_check(
                        &o, c, self.cand, self.stat, self.cut, scratch, &mut buf,
                    )),
                    Ok(_) => {}
                    Err(check) => overhead.push(*check),
                }
            }
        }
        if reason.is_none() {
            if let Some(check) = slos
                .iter()
                .chain(&overhead)
                .find(|c| c.verdict == SloVerdict::NoData)
            {
                reason = Some(format!("no data for SLO `{}`", check.line));
            }
        }
        Pending {
            bench: BenchmarkComparison {
                key: key.to_string(),
                suite: any.suite.clone(),
                scenario: any.scenario.clone(),
                variant: any.variant.clone(),
                presence,
                baseline_status: base.map(|b| b.status),
                candidate_status: cand.map(|c| c.status),
                reason,
                metrics,
                slos,
                overhead,
                section: Section::Pass,
                unstable: false,
                findings: Vec::new(),
                accepted: Vec::new(),
                flaky: self
                    .opts
                    .noise
                    .as_ref()
                    .map_or_else(BTreeMap::new, |n| n.flaky(key)),
                resolution: None,
            },
            changes,
            warnings,
        }
    }
}

/// "failed: exit code 3" plus the out-of-memory figures and the stderr tail when known.
fn status_reason(b: &BenchmarkResult) -> String {
    let mut s = b.status.as_str().to_string();
    if let Some(r) = &b.reason {
        s.push_str(": ");
        s.push_str(r);
    }
    if let Some(o) = &b.oom {
        let cap = crate::units::format_auto(crate::units::Unit::Bytes, o.cap_bytes as f64);
        // The runner's own reason already names both figures; an imported one may not.
        if !s.contains(&cap) {
            s.push_str(&format!(
                " (peak {} over the cap of {cap})",
                crate::units::format_auto(crate::units::Unit::Bytes, o.peak_bytes as f64),
            ));
        }
    }
    if let Some(tail) = b.stderr_tail.as_deref().filter(|t| !t.trim().is_empty()) {
        s.push('\n');
        s.push_str(tail.trim_end());
    }
    s
}

fn side_info(
    f: &ResultsFile,
    other: &ResultsFile,
    default_label: &str,
    file: &Option<String>,
) -> SideInfo {
    SideInfo {
        label: f
            .meta
            .side
            .clone()
            .unwrap_or_else(|| default_label.to_string()),
        branch: f.meta.git.as_ref().and_then(|g| g.branch.clone()),
        commit: f.meta.git.as_ref().map(|g| g.commit.clone()),
        dirty: f.meta.git.as_ref().is_some_and(|g| g.dirty),
        run_id: f.meta.run_id.clone(),
        machine_fingerprint: f.meta.machine.fingerprint.clone(),
        file: file.clone(),
        interrupted: f.meta.interrupted,
        vars: f
            .meta
            .vars
            .iter()
            .filter(|(k, v)| other.meta.vars.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        suite_files: f
            .meta
            .suites
            .iter()
            .map(|s| (s.name.clone(), s.path.display().to_string()))
            .collect(),
    }
}

/// Warnings about the two files as wholes.
fn side_warnings(base: &ResultsFile, cand: &ResultsFile, opts: &CompareOptions) -> Vec<String> {
    let mut w = Vec::new();
    let (bm, cm) = (&base.meta.machine, &cand.meta.machine);
    if bm.fingerprint != cm.fingerprint {
        w.push(format!(
            "results come from different machines: {} ({} cores, {}) vs {} ({} cores, {}): \
             changes may reflect the machines, not the code",
            bm.cpu_model, bm.cores, bm.kernel, cm.cpu_model, cm.cores, cm.kernel
        ));
    }
    for (name, f) in [("baseline", base), ("candidate", cand)] {
        if f.meta.interrupted {
            w.push(format!(
                "the {name} run was interrupted: its results are incomplete"
            ));
        }
        if let Some(w_noise) = f
            .meta
            .noise
            .as_ref()
            .and_then(|n| noise_warning(name, n, opts))
        {
            w.push(w_noise);
        }
    }
    if opts.noise.is_none() {
        // A path an older slogate recorded for the suite's noise file is never opened.
        for suite in cand
            .meta
            .suites
            .iter()
            .filter(|s| matches!(s.noise, Some(crate::results::RecordedNoise::Path(_))))
        {
            w.push(format!(
                "suite `{}` names a noise file but its results do not record the file's content: \
                 its benchmarks are compared without calibrated noise (run again, or pass --noise)",
                suite.name
            ));
        }
    }
    w
}

/// "the noise measured during the candidate run (cv 7.9%) supports flagging changes of 12.0% or
/// more, not the 5.0% threshold in force", when the run's noise cannot support the threshold.
fn noise_warning(name: &str, noise: &Noise, opts: &CompareOptions) -> Option<String> {
    let pct = |f: f64| {
        crate::units::format_pct(f)
            .trim_start_matches('+')
            .to_string()
    };
    let supported = noise.supported_threshold?;
    (supported > opts.noise_threshold).then(|| {
        format!(
            "the noise measured during the {name} run{} supports flagging changes of {} or more, \
             not the {} threshold in force",
            noise
                .probe_cv
                .map_or(String::new(), |cv| format!(" (cv {})", pct(cv))),
            pct(supported),
            pct(opts.noise_threshold)
        )
    })
}

/// Warnings about the data: summary-only metrics, benchmarks missing from the candidate.
fn data_warnings(benchmarks: &[BenchmarkComparison]) -> Vec<String> {
    let mut w = Vec::new();
    let summary_only = benchmarks
        .iter()
        .flat_map(|b| &b.metrics)
        .filter(|m| {
            [m.baseline, m.candidate]
                .iter()
                .flatten()
                .any(|e| e.summary_only)
        })
        .count();
    if summary_only > 0 {
        w.push(format!(
            "{summary_only} metric(s) have summary statistics only (no raw values): their intervals \
             assume normal means, and they are flagged only when the interval clearly clears the threshold"
        ));
    }
    let missing: Vec<&str> = benchmarks
        .iter()
        .filter(|b| b.presence == Presence::Missing)
        .map(|b| b.key.as_str())
        .collect();
    if !missing.is_empty() {
        let shown = missing
            .iter()
            .take(WARNING_LIST)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let more = missing.len().saturating_sub(WARNING_LIST);
        w.push(format!(
            "{} benchmark(s) of the baseline are missing from the candidate: {shown}{}",
            missing.len(),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    w
}

/// Accept entries that match no metric of any compared benchmark (a typo, or a benchmark since
/// renamed), and expired ones, so that neither lingers unseen.
fn accept_warnings(
    benchmarks: &[BenchmarkComparison],
    accept: &[accept::AcceptEntry],
) -> Vec<String> {
    let mut w = Vec::new();
    for e in accept {
        let matched = benchmarks
            .iter()
            .any(|b| b.metrics.iter().any(|m| e.applies(&b.key, &m.metric)));
        if !matched {
            w.push(format!(
                "accept entry {} (`{}`, {}) matches no benchmark of this comparison",
                e.origin, e.pattern, e.metric
            ));
        }
        if let Some(why) = &e.expired {
            w.push(format!(
                "accept entry {} (`{}`, {}) {why}: renew it or remove it",
                e.origin, e.pattern, e.metric
            ));
        }
    }
    w
}

/// Movements shared by most benchmarks on one metric: at least two thirds (and at least
/// [`SHIFT_MIN_MOVED`]) of those with the metric on both sides moved the same way beyond their own
/// interval (ratio CI excludes 1), even when each stays under the noise threshold. When the metric
/// as a whole shows none, each variant value (`profiler=ddtrace`) is tried as a group of its own:
/// a profiler release that adds 1% of memory to every profiled benchmark moves only half of them.
fn shifts(benchmarks: &[BenchmarkComparison]) -> Vec<Shift> {
    // Per metric: the changes of all benchmarks (key None) and of each variant value's.
    type Variant<'a> = Option<(&'a str, &'a str)>;
    let mut groups: BTreeMap<&str, BTreeMap<Variant, Vec<Change>>> = BTreeMap::new();
    for b in benchmarks {
        for m in &b.metrics {
            let Some(c) = m.change else { continue };
            let by_variant = groups.entry(&m.metric).or_default();
            by_variant.entry(None).or_default().push(c);
            for (dim, value) in &b.variant {
                by_variant.entry(Some((dim, value))).or_default().push(c);
            }
        }
    }
    let mut out = Vec::new();
    for (metric, by_variant) in &groups {
        let all = &by_variant[&None];
        if let Some(shift) = shift_of(metric, None, all) {
            out.push(shift);
            continue;
        }
        out.extend(
            by_variant
                .iter()
                .filter(|(variant, changes)| variant.is_some() && changes.len() < all.len())
                .filter_map(|(variant, changes)| shift_of(metric, *variant, changes)),
        );
    }
    out
}

/// The shift of one group of changes, if most of them moved the same way.
fn shift_of(metric: &str, variant: Option<(&str, &str)>, changes: &[Change]) -> Option<Shift> {
    let total = changes.len();
    let up = changes.iter().filter(|c| c.ratio_low > 1.0).count();
    let down = changes.iter().filter(|c| c.ratio_high < 1.0).count();
    let moved = up.max(down);
    if moved < SHIFT_MIN_MOVED || (moved as f64) < SHIFT_MIN_SHARE * total as f64 {
        return None;
    }
    let mut rel: Vec<f64> = changes.iter().map(|c| c.ratio - 1.0).collect();
    Some(Shift {
        metric: metric.to_string(),
        variant: variant.map(|(dim, value)| format!("{dim}={value}")),
        median_change: crate::stats::median(&mut rel)?,
        moved,
        total,
    })
}

/// Counts of benchmarks: each once in its section, then those failing the gate, unstable, new.
fn summarise(benchmarks: &[BenchmarkComparison]) -> Summary {
    let mut s = Summary {
        benchmarks: benchmarks.len(),
        ..Summary::default()
    };
    for b in benchmarks {
        *match b.section {
            Section::Failed => &mut s.failed,
            Section::Breach => &mut s.breaches,
            Section::Regression => &mut s.regressions,
            Section::Near => &mut s.near,
            Section::Improvement => &mut s.improvements,
            Section::Pass => &mut s.passed,
        } += 1;
        s.failing += usize::from(b.fails_gate());
        s.unstable += usize::from(b.unstable);
        s.new += usize::from(b.presence == Presence::New);
    }
    s
}

#[cfg(test)]
mod tests;
