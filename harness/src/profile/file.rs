//! The profiles of an `ab --profile` run as a plain JSON file beside its results
//! (`RESULTS_DIR/profiles.json`), so that `compare --profiles` can show them again where only the
//! files travel (a CI job that renders the pull-request comment from an artifact). The file is
//! read as untrusted: a flame graph's path in it is kept as a name under `profiles/`, never
//! followed, and no more rows are kept than the report shows.

use super::{BenchmarkProfile, TOP_FUNCTIONS, TOP_STACKS};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where `ab` writes the flame graphs, relative to the results directory.
pub const FLAME_GRAPH_DIR: &str = "profiles";

#[derive(Debug, thiserror::Error)]
pub enum ProfilesFileError {
    #[error("{path}: cannot read the profiles file: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a profiles file (a list of `ab --profile` profiles): {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Writes `profiles` to `path` atomically.
pub fn write(path: &Path, profiles: &[BenchmarkProfile]) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(profiles).expect("profiles serialise");
    crate::fsutil::write_atomic(path, &json)
}

/// The profiles in `path`, checked: one per benchmark, with a name, and costs that are numbers of
/// zero or more.
pub fn read(path: &Path) -> Result<Vec<BenchmarkProfile>, ProfilesFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ProfilesFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut profiles: Vec<BenchmarkProfile> =
        serde_json::from_str(&text).map_err(|e| ProfilesFileError::Parse {
            path: path.to_path_buf(),
            line: e.line(),
            // Without serde's own " at line L column C": the location leads.
            message: e
                .to_string()
                .trim_end_matches(&format!(" at line {} column {}", e.line(), e.column()))
                .to_string(),
        })?;
    let invalid = |message: String| ProfilesFileError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let mut seen = HashSet::new();
    for p in &mut profiles {
        if p.key.trim().is_empty() {
            return Err(invalid("a profile has an empty `key`".into()));
        }
        if !seen.insert(p.key.clone()) {
            return Err(invalid(format!("`{}` is profiled twice", p.key)));
        }
        let Ok(s) = &mut p.outcome else { continue };
        let costs = s
            .total
            .iter()
            .chain(
                s.functions
                    .iter()
                    .flat_map(|f| f.self_cost.iter().chain(&f.inclusive).chain(&f.self_margin)),
            )
            .chain(s.stacks.iter().flat_map(|st| &st.cost));
        if costs.into_iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(invalid(format!(
                "`{}`: costs must be numbers of zero or more",
                p.key
            )));
        }
        s.functions.truncate(TOP_FUNCTIONS);
        s.stacks.truncate(TOP_STACKS);
        s.flame_graph = s.flame_graph.as_deref().and_then(flame_graph_name);
    }
    Ok(profiles)
}

/// `profiles/<name>.svg` for a flame graph written anywhere: its file name only, and only an SVG's.
fn flame_graph_name(path: &str) -> Option<String> {
    let name = Path::new(path).file_name()?.to_str()?;
    name.ends_with(".svg")
        .then(|| format!("{FLAME_GRAPH_DIR}/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{FunctionDelta, ProfileSummary};

    #[test]
    fn round_trips_and_names_flame_graphs_under_profiles() {
        let summary = ProfileSummary {
            source: "callgrind".into(),
            unit: "instructions".into(),
            runs: [1, 1],
            total: [10.0, 13.0],
            functions: vec![
                FunctionDelta {
                    name: "render".into(),
                    self_cost: [1.0, 4.0],
                    inclusive: [1.0, 4.0],
                    self_margin: Some(0.5),
                };
                TOP_FUNCTIONS + 5
            ],
            stacks: Vec::new(),
            flame_graph: Some("/tmp/run/out/profiles/s_render.svg".into()),
            note: None,
            scaled_to: None,
            process: None,
        };
        let profiles = vec![
            BenchmarkProfile {
                key: "s/render".into(),
                outcome: Ok(summary),
            },
            BenchmarkProfile {
                key: "s/other".into(),
                outcome: Err("no profile source".into()),
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.json");
        write(&path, &profiles).unwrap();
        let read = read(&path).unwrap();
        let Ok(s) = &read[0].outcome else {
            panic!("{read:?}")
        };
        assert_eq!(s.flame_graph.as_deref(), Some("profiles/s_render.svg"));
        assert_eq!(s.functions.len(), TOP_FUNCTIONS);
        assert_eq!(s.functions[0].self_margin, Some(0.5));
        assert_eq!(read[1], profiles[1]);
    }
}
