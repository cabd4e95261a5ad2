//! The noise file `slogate calibrate` writes and `compare --noise` reads: per benchmark and metric,
//! the noise measured by A/A rounds of the same code on this machine, the smallest change they let
//! a comparison resolve (used as that benchmark's threshold), and whether the benchmark is flaky,
//! with the rounds that show it.
//!
//! ```toml
//! [calibration]
//! rounds = 5
//! processes = 6
//! machine = "3f2a..."
//!
//! [[benchmark]]
//! key = "quickstart/cpu[profiler=off]"
//! metric = "execution_time"
//! spread = 0.012       # robust sd of the log pair ratios
//! tail = 0.031         # the largest |pair ratio - 1|
//! resolvable = 0.024   # the largest change an A/A round estimated
//! flaky = false
//! evidence = []
//! ```

use super::input_error::InputFileError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseFile {
    pub calibration: Calibration,
    #[serde(default, rename = "benchmark")]
    pub benchmarks: Vec<BenchmarkNoise>,
}

/// How the noise was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// A/A rounds run.
    pub rounds: u32,
    /// Processes per side in each round.
    pub processes: u32,
    /// Fingerprint of the machine that measured it.
    pub machine: String,
}

/// The noise of one metric of one benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkNoise {
    pub key: String,
    pub metric: String,
    /// Robust standard deviation of the log ratios of paired processes within 15% of their median
    /// (≈ the relative spread of the bulk, which occasional stalls do not inflate).
    pub spread: f64,
    /// The largest |pair ratio - 1| seen.
    pub tail: f64,
    /// The smallest relative change a comparison at this budget can tell from noise: the largest
    /// change an A/A round of the same code estimated (at least 1%). Used as the benchmark's
    /// noise threshold.
    pub resolvable: f64,
    pub flaky: bool,
    /// The A/A rounds that show the flakiness (flagged changes, outlying pairs).
    #[serde(default)]
    pub evidence: Vec<String>,
}

impl NoiseFile {
    pub fn load(path: &Path) -> Result<NoiseFile, InputFileError> {
        NoiseFile::parse(path, &InputFileError::read(path, "noise file")?)
    }

    /// A noise file's `text`; errors name `path` (the file, or where its content was recorded).
    pub fn parse(path: &Path, text: &str) -> Result<NoiseFile, InputFileError> {
        let at = |offset: usize, message: String| InputFileError::at(path, text, offset, message);
        let file: NoiseFile = toml::from_str(text)
            .map_err(|e| at(e.span().map_or(0, |s| s.start), e.message().into()))?;
        if let Some(b) = file.out_of_range() {
            let offset = text.find(&format!("\"{}\"", b.key)).unwrap_or(0);
            return Err(at(
                offset,
                format!(
                    "`{}` {}: spread, tail and resolvable must be fractions of zero or more",
                    b.key, b.metric
                ),
            ));
        }
        Ok(file)
    }

    fn out_of_range(&self) -> Option<&BenchmarkNoise> {
        self.benchmarks.iter().find(|b| {
            ![b.spread, b.tail, b.resolvable]
                .iter()
                .all(|v| v.is_finite() && *v >= 0.0)
        })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a noise file serialises")
    }

    /// The calibrated threshold of one metric of a benchmark.
    pub fn threshold(&self, key: &str, metric: &str) -> Option<f64> {
        self.benchmarks
            .iter()
            .find(|b| b.key == key && b.metric == metric)
            .map(|b| b.resolvable)
    }

    /// The flaky metrics of a benchmark, each with its evidence; empty when none is.
    pub fn flaky(&self, key: &str) -> BTreeMap<String, Vec<String>> {
        self.benchmarks
            .iter()
            .filter(|b| b.key == key && b.flaky)
            .map(|b| (b.metric.clone(), b.evidence.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> NoiseFile {
        NoiseFile {
            calibration: Calibration {
                rounds: 4,
                processes: 6,
                machine: "fp".into(),
            },
            benchmarks: vec![
                BenchmarkNoise {
                    key: "s/a".into(),
                    metric: "execution_time".into(),
                    spread: 0.01,
                    tail: 0.02,
                    resolvable: 0.03,
                    flaky: false,
                    evidence: vec![],
                },
                BenchmarkNoise {
                    key: "s/b".into(),
                    metric: "execution_time".into(),
                    spread: 0.05,
                    tail: 0.31,
                    resolvable: 0.2,
                    flaky: true,
                    evidence: vec!["round 2: pair 3 ratio 1.310".into()],
                },
            ],
        }
    }

    #[test]
    fn round_trips_and_answers_per_benchmark() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("noise.toml");
        std::fs::write(&path, file().to_toml()).unwrap();
        let back = NoiseFile::load(&path).unwrap();
        assert_eq!(back, file());
        assert_eq!(back.threshold("s/a", "execution_time"), Some(0.03));
        assert_eq!(back.threshold("s/a", "max_rss_usage"), None);
        assert!(back.flaky("s/a").is_empty());
        assert_eq!(
            back.flaky("s/b"),
            BTreeMap::from([(
                "execution_time".to_string(),
                vec!["round 2: pair 3 ratio 1.310".to_string()]
            )])
        );
        let text = file().to_toml().replace("tail = 0.31", "tail = -1.0");
        std::fs::write(&path, text).unwrap();
        let err = NoiseFile::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("noise.toml:") && err.contains("`s/b` execution_time"),
            "{err}"
        );
        std::fs::write(&path, "[calibration]\nrounds = \"five\"\n").unwrap();
        let err = NoiseFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("noise.toml:2"), "{err}");
    }
}
