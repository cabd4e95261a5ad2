//! Profiling runs: for each chosen benchmark, extra processes of both sides with the profiler on
//! (alternating sides, so drift spreads evenly), read, compared and drawn. Nothing here is
//! measured: the results files are already written.

use super::{differential, source, source_for, BenchmarkProfile, Folded, ProfileSummary};
use crate::run::{file_name_of_key, Step, Stepper};
use crate::suite::BenchmarkSpec;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;

const SIDES: [&str; 2] = ["baseline", "candidate"];

/// What to profile, and where the flame graphs go.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Each side's benchmarks.
    pub specs: [&'a [BenchmarkSpec]; 2],
    pub keys: Vec<String>,
    /// Where each benchmark's differential flame graph is written.
    pub dir: PathBuf,
}

/// One entry per key: its differential, or the one-line reason it has none.
pub fn profile_benchmarks(req: &Request, interrupt: &AtomicUsize) -> Vec<BenchmarkProfile> {
    req.keys
        .iter()
        .map(|key| BenchmarkProfile {
            key: key.clone(),
            outcome: profile_one(req, key, interrupt),
        })
        .collect()
}

fn profile_one(req: &Request, key: &str, interrupt: &AtomicUsize) -> Result<ProfileSummary, String> {
    let specs = req.specs.map(|s| s.iter().find(|b| b.key == key));
    let [Some(baseline), Some(candidate)] = specs else {
        return Err("only one side has this benchmark".to_string());
    };
    let profiler = source_for(candidate).or_else(|| source_for(baseline)).ok_or(
        "no profile source: set `profile = \"py-spy\"`, `\"callgrind\"` or `\"pprof\"` in its suite",
    )?;
    let src = source(profiler);
    let work = tempfile::Builder::new()
        .prefix("slogate-profile-")
        .tempdir()
        .map_err(|e| format!("cannot make a directory for profiling runs: {e}"))?;
    let mut sides = [Folded::default(), Folded::default()];
    for run in 0..src.runs().max(1) {
        let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let spec = profiled([baseline, candidate][i], src.wrap(&[baseline, candidate][i].command), src.slowdown());
            let keep = work.path().join(format!("{}-{run}", SIDES[i]));
            let mut stepper = Stepper::new(&spec, Some(&keep)).map_err(|e| e.to_string())?;
            match stepper.step(interrupt) {
                Step::Measured => {}
                Step::Interrupted => return Err("interrupted".to_string()),
                Step::Stopped => {
                    let r = stepper.result();
                    let reason = r.reason.clone().unwrap_or_default();
                    let output = format!("{reason}\n{}", r.stderr_tail.as_deref().unwrap_or(""));
                    let why = src
                        .explain(&output)
                        .unwrap_or_else(|| reason.lines().next().unwrap_or("failed").to_string());
                    return Err(format!("the {} profiling run failed: {why}", SIDES[i]));
                }
            }
            let tmp = keep.join(file_name_of_key(key));
            sides[i].merge(src.read(&tmp).map_err(|e| e.to_string())?);
        }
    }
    if sides.iter().any(|s| s.total() <= 0.0) {
        return Err(format!("{} recorded nothing on one side", src.name()));
    }
    let d = differential(&sides[0], &sides[1]);
    let unit = sides[1].unit.clone();
    let svg = super::flamegraph::differential_svg(&d, sides[1].runs, key, &unit)
        .map_err(|e| format!("drawing the flame graph: {e}"))?;
    let path = req.dir.join(format!("{}.svg", file_name_of_key(key)));
    crate::fsutil::write_atomic(&path, &svg)
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    let mut summary = ProfileSummary::new(profiler, unit, [&sides[0], &sides[1]], d);
    summary.flame_graph = Some(path.display().to_string());
    Ok(summary)
}

/// One profiled process of `spec` running `argv`: no warmups, no memory cap (a profiler's memory
/// is not the workload's), a timeout as much longer as the profiler is slower.
fn profiled(spec: &BenchmarkSpec, argv: Vec<String>, slowdown: u32) -> BenchmarkSpec {
    BenchmarkSpec {
        command: argv,
        processes: 1,
        warmups: 0,
        timeout: spec.timeout * slowdown.max(1),
        memory_limit: None,
        ..spec.clone()
    }
}
