//! Trends: per benchmark and metric, the cheap per-run estimate over the history's runs, its change
//! points, and the outputs (`plots/*.svg|png`, `index.html`, `changes.md`).

pub mod estimate;
mod page;
mod plot;

use crate::history::{History, HistoryError, RunInfo};
use crate::results::Status;
use crate::stats::changepoint::{self, ChangePoint};
use crate::units::Unit;
use estimate::Estimate;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Series shorter than this get no change-point test: too few runs to tell a step from noise.
pub const MIN_POINTS: usize = 8;

/// Everything a trend report is drawn from.
#[derive(Debug, Clone)]
pub struct Trends {
    /// Runs, oldest first.
    pub runs: Vec<RunInfo>,
    /// Sorted by suite, benchmark key, metric, machine.
    pub series: Vec<Series>,
}

impl Trends {
    /// How `s` is named beside its metric: nothing when every run came from one machine, else the
    /// machine's hostname and fingerprint.
    pub fn machine_label(&self, s: &Series) -> Option<String> {
        let first = &self.runs.first()?.machine;
        if self.runs.iter().all(|r| r.machine == *first) {
            return None;
        }
        let host = self
            .runs
            .iter()
            .find(|r| r.machine.fingerprint == s.machine)
            .map_or("", |r| r.machine.hostname.as_str());
        Some(format!("on {host} ({})", s.machine))
    }
}

/// One benchmark's metric over the runs of one machine that measured it: a change of CI hardware
/// starts a new series rather than a step in the old one.
#[derive(Debug, Clone)]
pub struct Series {
    pub key: String,
    pub suite: String,
    pub metric: String,
    /// Fingerprint of the machine every point ran on.
    pub machine: String,
    pub unit: Unit,
    pub higher_is_better: bool,
    /// Threshold lines of the newest run that measured the benchmark.
    pub thresholds: Vec<String>,
    /// The SLO limit on this metric drawn on its plot, set by whoever reads the threshold lines
    /// (trends do not parse them).
    pub limit: Option<Limit>,
    pub points: Vec<Point>,
    pub changes: Vec<Change>,
}

/// One run's estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Index into [`Trends::runs`].
    pub run: usize,
    pub estimate: Estimate,
}

/// A change point placed between two runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub point: ChangePoint,
    /// Index into [`Trends::runs`] of the last run before the change.
    pub before_run: usize,
    /// Index into [`Trends::runs`] of the first run after it.
    pub after_run: usize,
}

/// An SLO limit as a plot draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// The threshold line as written.
    pub line: String,
    /// The limit in the series' unit.
    pub value: f64,
}

impl Series {
    /// True when a rise is bad news (time, memory).
    pub fn rise_is_worse(&self) -> bool {
        !self.higher_is_better
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrendError {
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: cannot draw the plot: {message}")]
    Draw { path: PathBuf, message: String },
}

/// Reads every run and builds the per-benchmark, per-metric series (benchmarks that did not finish
/// `ok` in a run leave a gap there).
pub fn load(history: &History) -> Result<Trends, HistoryError> {
    let runs = history.runs()?;
    let position: HashMap<i64, usize> = runs.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut index: HashMap<(String, String, &str), usize> = HashMap::new();
    let mut series: Vec<Series> = Vec::new();
    history.for_each_sample(|row| {
        if row.status != Status::Ok {
            return;
        }
        let Some(e) = estimate::estimate(&row.samples) else {
            return;
        };
        let run = position[&row.run];
        let machine = runs[run].machine.fingerprint.as_str();
        let slot = *index
            .entry((row.key.to_string(), row.metric.to_string(), machine))
            .or_insert_with(|| {
                series.push(Series {
                    key: row.key.to_string(),
                    suite: row.suite.to_string(),
                    metric: row.metric.to_string(),
                    machine: machine.to_string(),
                    unit: row.samples.unit,
                    higher_is_better: row.samples.higher_is_better,
                    thresholds: Vec::new(),
                    limit: None,
                    points: Vec::new(),
                    changes: Vec::new(),
                });
                series.len() - 1
            });
        let s = &mut series[slot];
        // Rows come oldest run first, so the last thresholds seen are the newest.
        if s.thresholds.as_slice() != row.thresholds {
            s.thresholds = row.thresholds.to_vec();
        }
        s.points.push(Point { run, estimate: e });
    })?;
    series.sort_by(|a, b| {
        (&a.suite, &a.key, &a.metric, &a.machine).cmp(&(&b.suite, &b.key, &b.metric, &b.machine))
    });
    Ok(Trends { runs, series })
}

/// Finds the change points of every series (series shorter than [`MIN_POINTS`] are skipped).
pub fn analyse(trends: &mut Trends, cfg: &changepoint::Config, threads: usize) {
    parallel(&mut trends.series, threads, |s| {
        s.changes.clear();
        if s.points.len() < MIN_POINTS {
            return Ok::<(), std::convert::Infallible>(());
        }
        let means: Vec<f64> = s.points.iter().map(|p| p.estimate.mean).collect();
        s.changes = changepoint::detect(&means, cfg)
            .into_iter()
            .map(|point| Change {
                point,
                before_run: s.points[point.index - 1].run,
                after_run: s.points[point.index].run,
            })
            .collect();
        Ok(())
    })
    .unwrap_or_else(|never| match never {});
}

/// How the report is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// PNG and SVG size in pixels.
    pub size: (u32, u32),
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            size: (900, 420),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get().min(4)),
        }
    }
}

/// What `write` produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub plots: usize,
    pub changes: usize,
    pub index: PathBuf,
    pub changes_md: PathBuf,
}

/// Draws every series (SVG and PNG under `out/plots/`) and writes `index.html` and `changes.md`.
pub fn write(trends: &Trends, out: &Path, opts: &Options) -> Result<Written, TrendError> {
    plot::register_font();
    let mut jobs: Vec<(&Series, String)> = trends
        .series
        .iter()
        .map(|s| (s, plot::file_stem(s)))
        .collect();
    let runs = &trends.runs;
    parallel(&mut jobs, opts.threads, |(s, stem)| {
        plot::render(s, runs, &out.join("plots"), stem, opts.size)
    })?;
    let index = out.join("index.html");
    let changes_md = out.join("changes.md");
    let write = |path: &Path, text: String| {
        crate::fsutil::write_atomic(path, text.as_bytes()).map_err(|source| TrendError::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    write(&index, page::index_html(trends, opts.size))?;
    write(&changes_md, page::changes_md(trends))?;
    Ok(Written {
        plots: trends.series.len(),
        changes: trends.series.iter().map(|s| s.changes.len()).sum(),
        index,
        changes_md,
    })
}

/// Runs `job` on every item with up to `threads` workers taking items in turn; the first error wins.
fn parallel<T: Send, E: Send>(
    items: &mut [T],
    threads: usize,
    job: impl Fn(&mut T) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let next = AtomicUsize::new(0);
    let cells: Vec<std::sync::Mutex<&mut T>> =
        items.iter_mut().map(std::sync::Mutex::new).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(cell) = cells.get(i) else {
                        return Ok(());
                    };
                    job(&mut cell.lock().expect("each item is taken once"))?;
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("trend worker panicked"))
    })
}

/// Seven characters of the run's commit, or of its run id when it has none.
pub fn short_commit(run: &RunInfo) -> String {
    run.commit
        .as_deref()
        .unwrap_or(&run.run_id)
        .chars()
        .take(7)
        .collect()
}
