//! Splitting a run across machines (`run --shard i/n`) and joining the shards' results files again
//! (`slogate merge`).
//!
//! Every shard computes the same partition on its own, from the same benchmark list (and the same
//! previous results file, if any), so no coordination is needed between CI jobs.

use crate::results::{GitInfo, Noise, ResultsFile};
use crate::suite::spec::BenchmarkSpec;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid shard `{spec}`: {reason} (expected I/N with 1 <= I <= N, e.g. `2/3`)")]
pub struct ShardError {
    pub spec: String,
    pub reason: &'static str,
}

/// Parses `2/3` into `(2, 3)`; the index is 1-based.
pub fn parse_shard(spec: &str) -> Result<(usize, usize), ShardError> {
    let err = |reason| ShardError {
        spec: spec.to_string(),
        reason,
    };
    let (i, n) = spec.split_once('/').ok_or_else(|| err("no `/`"))?;
    let i: usize = i
        .trim()
        .parse()
        .map_err(|_| err("the index is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| err("the count is not a number"))?;
    if n == 0 {
        return Err(err("the count must be at least 1"));
    }
    if i == 0 || i > n {
        return Err(err("the index is out of range"));
    }
    Ok((i, n))
}

/// The benchmarks of shard `index` of `count` (1-based), balanced by the guess
/// processes x (values + warmups). See [`select_shard_with_history`].
pub fn select_shard(specs: &[BenchmarkSpec], index: usize, count: usize) -> Vec<BenchmarkSpec> {
    select_shard_with_history(specs, index, count, None)
}

/// The benchmarks of shard `index` of `count` (1-based), in the order given.
///
/// Each benchmark's expected time is processes x (values + warmups) x the mean execution time of a
/// value in `previous` (benchmarks `previous` lacks get the median of those it has; with no history
/// every value counts as 1). Benchmarks are dealt longest first, ties by key, each onto the lightest
/// shard (ties: the lowest index): the shards' expected times then differ by at most the longest
/// benchmark's.
///
/// # Panics
/// When `index` is not in `1..=count`: [`parse_shard`] guarantees it for user input.
pub fn select_shard_with_history(
    specs: &[BenchmarkSpec],
    index: usize,
    count: usize,
    previous: Option<&ResultsFile>,
) -> Vec<BenchmarkSpec> {
    assert!(
        (1..=count).contains(&index),
        "shard index {index} is not in 1..={count}"
    );
    let assignment = partition(specs, count, previous);
    specs
        .iter()
        .zip(assignment)
        .filter(|(_, shard)| *shard == index - 1)
        .map(|(s, _)| s.clone())
        .collect()
}

/// The 0-based shard of each spec, in the order of `specs`.
fn partition(specs: &[BenchmarkSpec], count: usize, previous: Option<&ResultsFile>) -> Vec<usize> {
    let costs = expected_costs(specs, previous);
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by(|&a, &b| {
        costs[b]
            .total_cmp(&costs[a])
            .then_with(|| specs[a].key.cmp(&specs[b].key))
    });
    let mut load = vec![0.0f64; count];
    let mut assignment = vec![0; specs.len()];
    for i in order {
        let lightest = (0..count)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .expect("count >= 1");
        load[lightest] += costs[i];
        assignment[i] = lightest;
    }
    assignment
}

/// Expected time of each spec, in the unit of the history's values (or in values, without one).
fn expected_costs(specs: &[BenchmarkSpec], previous: Option<&ResultsFile>) -> Vec<f64> {
    let per_value: Vec<Option<f64>> = specs
        .iter()
        .map(|s| previous.and_then(|p| mean_execution_time(p, &s.key)))
        .collect();
    let mut known: Vec<f64> = per_value.iter().flatten().copied().collect();
    let fallback = crate::stats::median(&mut known).unwrap_or(1.0);
    specs
        .iter()
        .zip(per_value)
        .map(|(s, v)| {
            f64::from(s.processes) * f64::from(s.values + s.warmups) * v.unwrap_or(fallback)
        })
        .collect()
}

fn mean_execution_time(results: &ResultsFile, key: &str) -> Option<f64> {
    let m = results
        .benchmark(key)?
        .metrics
        .get(crate::results::metric::EXECUTION_TIME)?;
    if m.value_count() > 0 {
        Some(crate::stats::dispersion::mean(
            &m.values().collect::<Vec<f64>>(),
        ))
    } else {
        m.summary.map(|s| s.mean)
    }
}

/// Why shards' results files cannot be joined.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: give at least one results file")]
    Empty,
    #[error("{} and {} differ in `{field}` ({left} vs {right}): they are not shards of one run", a.display(), b.display())]
    Mismatch {
        a: PathBuf,
        b: PathBuf,
        field: String,
        left: String,
        right: String,
    },
    #[error("{} and {} both contain benchmark `{key}`: shards must not overlap", a.display(), b.display())]
    Overlap { a: PathBuf, b: PathBuf, key: String },
}

/// A merged results file and what the user should know about it.
#[derive(Debug)]
pub struct Merged {
    pub results: ResultsFile,
    pub warnings: Vec<String>,
}

/// Joins the results files of the shards of one run: same commit, same suite hashes, same vars,
/// disjoint benchmarks. The result spans the earliest start to the latest end, carries the machine
/// of the first file and no shard label, and lists the benchmarks sorted by key.
pub fn merge(files: Vec<(PathBuf, ResultsFile)>) -> Result<Merged, MergeError> {
    let Some((first_path, first)) = files.first() else {
        return Err(MergeError::Empty);
    };
    let mut warnings = Vec::new();
    let mismatch = |b: &PathBuf, field: &str, left: String, right: String| MergeError::Mismatch {
        a: first_path.clone(),
        b: b.clone(),
        field: field.to_string(),
        left,
        right,
    };
    let commit = |r: &ResultsFile| {
        r.meta
            .git
            .as_ref()
            .map_or_else(|| "none".to_string(), |g| g.commit.clone())
    };
    // Suite name -> (hash, the file that first named it).
    let mut suites: BTreeMap<String, (String, PathBuf)> = BTreeMap::new();
    let mut suite_infos = Vec::new();
    // Benchmark key -> the file it came from.
    let mut owners: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut benchmarks = Vec::new();
    for (path, r) in &files {
        if commit(r) != commit(first) {
            return Err(mismatch(path, "git.commit", commit(first), commit(r)));
        }
        if r.meta.vars != first.meta.vars {
            return Err(mismatch(
                path,
                "vars",
                format!("{:?}", first.meta.vars),
                format!("{:?}", r.meta.vars),
            ));
        }
        for s in &r.meta.suites {
            match suites.get(&s.name) {
                Some((hash, owner)) if *hash != s.hash => {
                    return Err(MergeError::Mismatch {
                        a: owner.clone(),
                        b: path.clone(),
                        field: format!("suites[{}].hash", s.name),
                        left: hash.clone(),
                        right: s.hash.clone(),
                    })
                }
                Some(_) => {}
                None => {
                    suites.insert(s.name.clone(), (s.hash.clone(), path.clone()));
                    suite_infos.push(s.clone());
                }
            }
        }
        for b in &r.benchmarks {
            if let Some(owner) = owners.insert(b.key.clone(), path.clone()) {
                return Err(MergeError::Overlap {
                    a: owner,
                    b: path.clone(),
                    key: b.key.clone(),
                });
            }
            benchmarks.push(b.clone());
        }
        if r.meta.machine.fingerprint != first.meta.machine.fingerprint {
            warnings.push(format!(
                "{} ran on another machine ({} {}) than {} ({} {}): timings across shards are not comparable with each other; the merged file names the first machine",
                path.display(),
                r.meta.machine.hostname,
                r.meta.machine.fingerprint,
                first_path.display(),
                first.meta.machine.hostname,
                first.meta.machine.fingerprint
            ));
        }
    }
    warnings.extend(missing_shards(&files));
    benchmarks.sort_by(|a, b| a.key.cmp(&b.key));

    let mut meta = first.meta.clone();
    meta.started_at = files
        .iter()
        .map(|(_, r)| r.meta.started_at)
        .min()
        .expect("non-empty");
    meta.ended_at = files.iter().filter_map(|(_, r)| r.meta.ended_at).max();
    meta.interrupted = files.iter().any(|(_, r)| r.meta.interrupted);
    meta.shard = None;
    meta.suites = suite_infos;
    meta.git = first.meta.git.as_ref().map(|g| GitInfo {
        dirty: files
            .iter()
            .any(|(_, r)| r.meta.git.as_ref().is_some_and(|g| g.dirty)),
        ..g.clone()
    });
    meta.run_id = merged_run_id(&files);
    let mut results = ResultsFile {
        schema: first.schema.clone(),
        meta,
        benchmarks,
    };
    results.meta.noise = merged_noise(&files, &results);
    Ok(Merged { results, warnings })
}

/// The merged run's noise, when any shard measured it: the spread measured again over every
/// shard's benchmarks (the way each shard measured its own), the highest load average, and every
/// shard's findings once each.
fn merged_noise(files: &[(PathBuf, ResultsFile)], merged: &ResultsFile) -> Option<Noise> {
    let noises: Vec<&Noise> = files
        .iter()
        .filter_map(|(_, r)| r.meta.noise.as_ref())
        .collect();
    if noises.is_empty() {
        return None;
    }
    let measured = crate::system::run_noise(merged);
    let mut findings: Vec<String> = Vec::new();
    for f in noises.iter().flat_map(|n| &n.findings) {
        if !findings.contains(f) {
            findings.push(f.clone());
        }
    }
    Some(Noise {
        probe_cv: measured.map(|m| m.cv),
        supported_threshold: measured.map(|m| m.supported_threshold),
        load_average: noises
            .iter()
            .filter_map(|n| n.load_average)
            .max_by(f64::total_cmp),
        findings,
    })
}

/// A run id derived from the shards' ids, so merging the same shards twice gives the same id (and
/// `history add` stays idempotent).
fn merged_run_id(files: &[(PathBuf, ResultsFile)]) -> String {
    let ids: BTreeSet<&str> = files.iter().map(|(_, r)| r.meta.run_id.as_str()).collect();
    let mut h = Sha256::new();
    for id in ids {
        h.update(id.as_bytes());
        h.update([0]);
    }
    let digest: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("merged-{digest}")
}

/// Warns when the files carry shard labels that do not add up to one whole run.
fn missing_shards(files: &[(PathBuf, ResultsFile)]) -> Option<String> {
    let labels: Vec<(usize, usize)> = files
        .iter()
        .filter_map(|(_, r)| r.meta.shard.as_deref().and_then(|s| parse_shard(s).ok()))
        .collect();
    let &(_, n) = labels.first()?;
    if labels.iter().any(|&(_, m)| m != n) {
        return Some(
            "the files are shards of different splits (their `shard` counts differ)".into(),
        );
    }
    let have: BTreeSet<usize> = labels.iter().map(|&(i, _)| i).collect();
    let missing: Vec<String> = (1..=n)
        .filter(|i| !have.contains(i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "shards {} are missing: the merged file is partial",
            missing.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tests::sample;
    use crate::results::SuiteInfo;
    use proptest::prelude::*;
    use std::time::Duration;

    fn spec(key: &str, processes: u32, values: u32) -> BenchmarkSpec {
        BenchmarkSpec {
            processes,
            values,
            timeout: Duration::from_secs(1),
            ..BenchmarkSpec::of(key, &["true"])
        }
    }

    #[test]
    fn parses_shard_specs() {
        assert_eq!(parse_shard("2/3"), Ok((2, 3)));
        assert_eq!(parse_shard("1/1"), Ok((1, 1)));
        for bad in ["0/3", "4/3", "1/0", "2", "a/3", "2/b", ""] {
            let e = parse_shard(bad).unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn history_moves_a_slow_benchmark_onto_its_own_shard() {
        // Equal plans: without history, 4 benchmarks split 2 + 2.
        let specs: Vec<_> = ["a", "b", "c", "d"].iter().map(|k| spec(k, 2, 2)).collect();
        assert_eq!(select_shard(&specs, 1, 2).len(), 2);
        // History says `a` takes as long as the other three together.
        let mut prev = sample();
        prev.benchmarks.clear();
        for (k, ns) in [("a", 300.0), ("b", 100.0), ("c", 100.0), ("d", 100.0)] {
            let mut b = sample().benchmarks.remove(0);
            b.key = k.into();
            b.metrics.get_mut("execution_time").unwrap().processes = vec![vec![ns; 3]];
            prev.benchmarks.push(b);
        }
        let one = select_shard_with_history(&specs, 1, 2, Some(&prev));
        let two = select_shard_with_history(&specs, 2, 2, Some(&prev));
        let keys = |v: &[BenchmarkSpec]| v.iter().map(|s| s.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&one), ["a"]);
        assert_eq!(keys(&two), ["b", "c", "d"]);
    }

    proptest! {
        #[test]
        fn shards_partition_the_set_and_balance_within_the_largest_item(
            plans in proptest::collection::vec((1u32..20, 1u32..10), 0..40),
            count in 1usize..6,
        ) {
            let specs: Vec<_> = plans
                .iter()
                .enumerate()
                .map(|(i, &(p, v))| spec(&format!("b{i:02}"), p, v))
                .collect();
            let cost = |s: &BenchmarkSpec| f64::from(s.processes * (s.values + s.warmups));
            let mut seen = BTreeSet::new();
            let mut loads = Vec::new();
            for i in 1..=count {
                let shard = select_shard(&specs, i, count);
                // Deterministic: computing it again gives the same shard.
                prop_assert_eq!(&shard, &select_shard(&specs, i, count));
                for s in &shard {
                    prop_assert!(seen.insert(s.key.clone()), "{} in two shards", s.key);
                }
                loads.push(shard.iter().map(cost).sum::<f64>());
            }
            prop_assert_eq!(seen.len(), specs.len());
            let largest = specs.iter().map(cost).fold(0.0, f64::max);
            let max = loads.iter().copied().fold(f64::MIN, f64::max);
            let min = loads.iter().copied().fold(f64::MAX, f64::min);
            prop_assert!(max - min <= largest, "loads {:?}, largest item {}", loads, largest);
        }
    }

    fn shard_file(keys: &[&str], label: &str) -> (PathBuf, ResultsFile) {
        let mut r = sample();
        let template = r.benchmarks.remove(0);
        for k in keys {
            let mut b = template.clone();
            b.key = (*k).into();
            r.benchmarks.push(b);
        }
        r.meta.shard = Some(label.into());
        r.meta.run_id = format!("run-{label}");
        r.meta.git = Some(GitInfo {
            commit: "c0ffee".into(),
            branch: Some("main".into()),
            dirty: false,
            subject: None,
        });
        r.meta.suites = vec![SuiteInfo {
            name: "s".into(),
            path: "suites/s/suite.toml".into(),
            hash: "h1".into(),
            noise: None,
        }];
        (PathBuf::from(format!("shard-{}.json", &label[..1])), r)
    }

    #[test]
    fn merges_disjoint_shards_into_the_sorted_union() {
        let (pa, mut a) = shard_file(&["s/c", "s/a"], "1/2");
        let (pb, mut b) = shard_file(&["s/b"], "2/2");
        a.meta.started_at = "2026-11-24T08:10:00Z".parse().unwrap();
        a.meta.ended_at = Some("2026-11-24T08:20:00Z".parse().unwrap());
        b.meta.started_at = "2026-11-24T08:05:00Z".parse().unwrap();
        b.meta.ended_at = Some("2026-11-24T08:30:00Z".parse().unwrap());
        let m = merge(vec![(pa, a), (pb, b)]).unwrap();
        let keys: Vec<_> = m
            .results
            .benchmarks
            .iter()
            .map(|b| b.key.as_str())
            .collect();
        assert_eq!(keys, ["s/a", "s/b", "s/c"]);
        assert_eq!(
            m.results.meta.started_at.to_rfc3339(),
            "2026-11-24T08:05:00+00:00"
        );
        assert_eq!(
            m.results.meta.ended_at.unwrap().to_rfc3339(),
            "2026-11-24T08:30:00+00:00"
        );
        assert_eq!(m.results.meta.shard, None);
        assert_eq!(m.results.meta.suites.len(), 1);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        m.results.validate(std::path::Path::new("merged")).unwrap();
    }

    #[test]
    fn refuses_other_commit_suite_hash_vars_and_overlap() {
        let check = |edit: &dyn Fn(&mut ResultsFile), field: &str| {
            let a = shard_file(&["s/a"], "1/2");
            let mut b = shard_file(&["s/b"], "2/2");
            edit(&mut b.1);
            let e = merge(vec![a, b]).unwrap_err().to_string();
            assert!(
                e.contains("shard-1.json") && e.contains("shard-2.json") && e.contains(field),
                "{e}"
            );
        };
        check(
            &|r| r.meta.git.as_mut().unwrap().commit = "beef".into(),
            "git.commit",
        );
        check(&|r| r.meta.suites[0].hash = "h2".into(), "suites[s].hash");
        check(
            &|r| {
                r.meta.vars.insert("ddtrace".into(), "4.16.0".into());
            },
            "vars",
        );
        check(&|r| r.benchmarks[0].key = "s/a".into(), "s/a");
    }

    #[test]
    fn noise_of_every_shard_is_combined() {
        let (pa, mut a) = shard_file(&["s/a"], "1/2");
        let (pb, mut b) = shard_file(&["s/b"], "2/2");
        let noise = |load: f64, finding: &str| Noise {
            probe_cv: None,
            supported_threshold: None,
            load_average: Some(load),
            findings: vec!["governor: performance".into(), finding.into()],
        };
        a.meta.noise = Some(noise(0.5, "quiet"));
        b.meta.noise = Some(noise(3.0, "2 other busy processes"));
        // Shard b's processes spread far more than shard a's.
        let spread = |r: &mut ResultsFile, means: [f64; 4]| {
            let m = r.benchmarks[0].metrics.get_mut("execution_time").unwrap();
            m.processes = means.iter().map(|&v| vec![v, v]).collect();
        };
        spread(&mut a, [100.0, 101.0, 99.0, 100.0]);
        spread(&mut b, [100.0, 140.0, 70.0, 120.0]);
        let alone = |r: &ResultsFile| crate::system::run_noise(r).unwrap().cv;
        let (cv_a, cv_b) = (alone(&a), alone(&b));
        let m = merge(vec![(pa, a), (pb, b)]).unwrap();
        let n = m.results.meta.noise.unwrap();
        assert_eq!(n.load_average, Some(3.0));
        assert_eq!(
            n.findings,
            ["governor: performance", "quiet", "2 other busy processes"]
        );
        let cv = n.probe_cv.unwrap();
        assert!(cv > cv_a && cv < cv_b, "{cv_a} < {cv} < {cv_b}");
        assert!(n.supported_threshold.unwrap() > 0.0);
    }

    #[test]
    fn warns_on_other_machine_and_missing_shards() {
        let a = shard_file(&["s/a"], "1/3");
        let mut b = shard_file(&["s/b"], "2/3");
        b.1.meta.machine.fingerprint = "other".into();
        let m = merge(vec![a, b]).unwrap();
        assert_eq!(m.warnings.len(), 2, "{:?}", m.warnings);
        assert!(m.warnings[0].contains("another machine"));
        assert!(m.warnings[1].contains("3/3"));
        assert_eq!(m.results.meta.machine.fingerprint, "abc");
    }
}
