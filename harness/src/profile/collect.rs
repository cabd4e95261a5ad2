//! Profiling runs: for each chosen benchmark, extra processes of both sides with the profiler on
//! (alternating sides, so drift spreads evenly), read, compared and drawn. Nothing here is
//! measured: the results files are already written.

use super::{
    differential, source, source_for, BenchmarkProfile, Chosen, Folded, ProfileSource,
    ProfileSummary,
};
use crate::run::{file_name_of_key, is_part_of, Step, Stepper};
use crate::suite::BenchmarkSpec;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;

const SIDES: [&str; 2] = ["baseline", "candidate"];

/// What to profile, and where the flame graphs go.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Each side's benchmarks.
    pub specs: [&'a [BenchmarkSpec]; 2],
    pub chosen: Vec<Chosen>,
    /// Where each benchmark's differential flame graph is written.
    pub dir: PathBuf,
}

/// One entry per key: its differential, or the one-line reason it has none.
pub fn profile_benchmarks(req: &Request, interrupt: &AtomicUsize) -> Vec<BenchmarkProfile> {
    // A process that measures several chosen benchmarks is profiled once for them all.
    let mut processes = HashMap::new();
    req.chosen
        .iter()
        .map(|c| BenchmarkProfile {
            key: c.key.clone(),
            outcome: profile_one(req, c, &mut processes, interrupt),
        })
        .collect()
}

/// Each side's spec that runs `chosen`: its own, else the scenario whose process measures it
/// among others.
fn side_specs<'a>(req: &Request<'a>, chosen: &Chosen) -> Result<[&'a BenchmarkSpec; 2], String> {
    let find = |specs: &'a [BenchmarkSpec]| {
        specs.iter().find(|b| b.key == chosen.key).or_else(|| {
            specs
                .iter()
                .find(|b| is_part_of(b, &chosen.suite, &chosen.scenario, &chosen.variant))
        })
    };
    match req.specs.map(find) {
        [Some(baseline), Some(candidate)] => Ok([baseline, candidate]),
        [None, None] => Err("no scenario of either side's suite runs this benchmark".to_string()),
        _ => Err("only one side's suite runs this benchmark".to_string()),
    }
}

fn profile_one(
    req: &Request,
    chosen: &Chosen,
    processes: &mut HashMap<String, Result<[Vec<Folded>; 2], String>>,
    interrupt: &AtomicUsize,
) -> Result<ProfileSummary, String> {
    let key = chosen.key.as_str();
    let specs = side_specs(req, chosen)?;
    let profiler = source_for(specs[1]).or_else(|| source_for(specs[0])).ok_or(
        "no profile source: set `profile = \"py-spy\"`, `\"callgrind\"` or `\"pprof\"` in its suite",
    )?;
    let src = source(profiler);
    // One of several benchmarks of a process: only the whole process can be profiled.
    let process = (specs[1].key != key).then(|| specs[1].key.clone());
    let mut sides = match &process {
        Some(scenario) => processes
            .entry(scenario.clone())
            .or_insert_with(|| profiled_sides(src, specs, interrupt))
            .clone()?,
        None => profiled_sides(src, specs, interrupt)?,
    };
    if sides.iter().any(|s| s.iter().all(|p| p.total() <= 0.0)) {
        return Err(format!("{} recorded nothing on one side", src.name()));
    }
    // Samples of time: a busy machine stretches one side's profiling runs more than the other's,
    // which would show as a change in every function. The measured rounds, paired and many,
    // say how the sides' totals compare; the profiles only say where the time went. Their ratio
    // is the best estimate of the totals' even when the rounds could not decide on it
    // (undecided under load): taking the totals as equal then would move every unchanged
    // function against the changed one (-3% each beside its +6% for one of three functions
    // made 30% slower), and one of them headed the table as often as not. Only without a
    // measured ratio are the totals taken as equal. A whole process's totals are left as
    // sampled: no measured ratio covers the process, whose other benchmarks may not have
    // changed.
    let scaled_to = (!src.exact() && process.is_none()).then(|| chosen.time_ratio.unwrap_or(1.0));
    if let Some(ratio) = scaled_to {
        let per_run = |side: &[Folded]| {
            let runs: u32 = side.iter().map(|p| p.runs).sum();
            side.iter().map(Folded::total).sum::<f64>() / f64::from(runs.max(1))
        };
        let factor = per_run(&sides[0]) * ratio / per_run(&sides[1]);
        for p in &mut sides[1] {
            p.scale(factor);
        }
    }
    let sides = [sides[0].as_slice(), sides[1].as_slice()];
    let d = differential(sides, src.exact());
    let unit = sides[1].first().map(|p| p.unit.clone()).unwrap_or_default();
    let runs = sides[1].iter().map(|p| p.runs).sum();
    let svg = super::flamegraph::differential_svg(&d, runs, key, &unit)
        .map_err(|e| format!("drawing the flame graph: {e}"))?;
    let path = req.dir.join(format!("{}.svg", file_name_of_key(key)));
    crate::fsutil::write_atomic(&path, &svg)
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    // Which way the functions that moved count first: only a flagged change says (a ratio
    // from a few undecided pairs put start-up's noise first).
    let slower = chosen
        .time_ratio
        .filter(|_| chosen.time_flagged)
        .map(|r| r >= 1.0);
    let mut summary = ProfileSummary::new(profiler, unit, sides, d, slower);
    summary.flame_graph = Some(path.display().to_string());
    summary.scaled_to = scaled_to;
    summary.process = process;
    Ok(summary)
}

/// The profiles of `src.runs()` processes of each side of `specs`, one per process, alternating
/// sides.
fn profiled_sides(
    src: &dyn ProfileSource,
    specs: [&BenchmarkSpec; 2],
    interrupt: &AtomicUsize,
) -> Result<[Vec<Folded>; 2], String> {
    let work = tempfile::Builder::new()
        .prefix("slogate-profile-")
        .tempdir()
        .map_err(|e| format!("cannot make a directory for profiling runs: {e}"))?;
    let mut sides = [Vec::new(), Vec::new()];
    for run in 0..src.runs().max(1) {
        let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let spec = profiled(specs[i], src.wrap(&specs[i].command), src.slowdown());
            let keep = work.path().join(format!("{}-{run}", SIDES[i]));
            let mut stepper = Stepper::new(&spec, Some(&keep)).map_err(|e| e.to_string())?;
            match stepper.step(interrupt) {
                Step::Measured => {}
                Step::Interrupted => return Err("interrupted".to_string()),
                Step::Stopped => {
                    let r = stepper.result();
                    let reason = r.reason.clone().unwrap_or_default();
                    let output = format!("{reason}\n{}", r.stderr_tail.as_deref().unwrap_or(""));
                    // The profiler's own error line (else its last line) says more than the
                    // exit status; a backtrace may follow the error.
                    let tail = r.stderr_tail.as_deref().unwrap_or_default();
                    let last = tail
                        .lines()
                        .find(|l| l.to_ascii_lowercase().contains("error"))
                        .or_else(|| tail.lines().rev().find(|l| !l.trim().is_empty()));
                    let first = reason.lines().next().unwrap_or("failed");
                    let why = src.explain(&output).unwrap_or_else(|| match last {
                        Some(last) => format!("{first}: {}", last.trim()),
                        None => first.to_string(),
                    });
                    return Err(format!("the {} profiling run failed: {why}", SIDES[i]));
                }
            }
            // The process's `{tmp}` is named after its spec: the scenario, for a process that
            // measures several benchmarks.
            let tmp = keep.join(file_name_of_key(&spec.key));
            sides[i].push(src.read(&tmp).map_err(|e| e.to_string())?);
        }
    }
    Ok(sides)
}

/// One profiled process of `spec` running `argv`: no warmups, no memory cap (a profiler's memory
/// is not the workload's), a timeout as much longer as the profiler is slower.
fn profiled(spec: &BenchmarkSpec, argv: Vec<String>, slowdown: u32) -> BenchmarkSpec {
    BenchmarkSpec {
        command: argv,
        processes: 1,
        warmups: 0,
        timeout: spec.timeout * slowdown.max(1),
        memory_limit: crate::suite::MemoryLimit::Unlimited,
        ..spec.clone()
    }
}
