//! Local baselines: named results files kept in a directory (`baselines/` by default), so that
//! `run --save-baseline main` today and `run --baseline main` tomorrow compare like with like without
//! anyone keeping track of file paths.
//!
//! A baseline is stored as `<dir>/<name>.json`, written atomically: a save killed half-way leaves the
//! previous baseline intact (and at worst a stray `.<name>.json.*.tmp`, which [`BaselineStore::list`]
//! ignores and a later save of the same name removes once it is stale).

use crate::results::{ResultsError, ResultsFile};
use chrono::{DateTime, Utc};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Environment variable naming the baseline directory when `--dir` is not given.
pub const DIR_ENV: &str = "SLOGATE_BASELINES";
/// The baseline directory when neither `--dir` nor [`DIR_ENV`] is given, relative to the current
/// directory.
pub const DEFAULT_DIR: &str = "baselines";
/// Longest accepted baseline name.
pub const MAX_NAME_LEN: usize = 100;

/// Temp files of an interrupted save older than this are removed by the next save of that name; a
/// younger one may belong to a save still running in another process.
const STALE_TMP_AGE: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("invalid baseline name `{name}`: {reason} (use letters, digits, `.`, `_` and `-`, at most {MAX_NAME_LEN} characters, not starting with `.`)")]
    InvalidName { name: String, reason: &'static str },
    #[error("no baseline named `{name}` in {}: {}", dir.display(), available_names(available))]
    NotFound {
        name: String,
        dir: PathBuf,
        available: Vec<String>,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("baseline `{name}`: {source}")]
    Results { name: String, source: ResultsError },
}

fn available_names(names: &[String]) -> String {
    if names.is_empty() {
        "there are no baselines yet (save one with `slogate baseline save NAME results.json`)"
            .into()
    } else {
        format!("the baselines are {}", names.join(", "))
    }
}

/// A directory of named baselines.
#[derive(Debug, Clone)]
pub struct BaselineStore {
    dir: PathBuf,
}

/// One baseline as `list` shows it.
#[derive(Debug, Clone)]
pub struct BaselineEntry {
    pub name: String,
    pub path: PathBuf,
    /// What the file holds, or why it could not be read: a damaged baseline is listed, not hidden.
    pub summary: Result<BaselineSummary, String>,
}

/// The metadata of a baseline worth showing in a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineSummary {
    pub started_at: DateTime<Utc>,
    pub commit: Option<String>,
    pub dirty: bool,
    pub hostname: String,
    pub fingerprint: String,
    pub benchmarks: usize,
}

impl BaselineSummary {
    pub fn of(results: &ResultsFile) -> Self {
        let meta = &results.meta;
        BaselineSummary {
            started_at: meta.started_at,
            commit: meta.git.as_ref().map(|g| g.commit.clone()),
            dirty: meta.git.as_ref().is_some_and(|g| g.dirty),
            hostname: meta.machine.hostname.clone(),
            fingerprint: meta.machine.fingerprint.clone(),
            benchmarks: results.benchmarks.len(),
        }
    }
}

/// Checks a baseline name: it becomes a file name, so nothing that could leave the directory or
/// hide the file.
pub fn validate_name(name: &str) -> Result<(), BaselineError> {
    let reason = if name.is_empty() {
        Some("the name is empty")
    } else if name.chars().count() > MAX_NAME_LEN {
        Some("the name is too long")
    } else if name.contains('/') || name.contains('\\') {
        Some("a name cannot contain a path separator")
    } else if name.contains("..") {
        Some("a name cannot contain `..`")
    } else if name.starts_with('.') {
        Some("a name cannot start with `.`")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Some("the name has a character outside [A-Za-z0-9._-]")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(BaselineError::InvalidName {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

impl BaselineStore {
    /// The store in `dir`, else in `$SLOGATE_BASELINES`, else in `./baselines`. Nothing is created
    /// until the first save.
    pub fn open(dir: Option<PathBuf>) -> Self {
        let dir = dir
            .or_else(|| {
                std::env::var_os(DIR_ENV)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
        BaselineStore { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the baseline `name` is (or would be) stored.
    pub fn path(&self, name: &str) -> Result<PathBuf, BaselineError> {
        validate_name(name)?;
        Ok(self.dir.join(format!("{name}.json")))
    }

    /// Saves `results` as the baseline `name`, replacing any previous one atomically.
    pub fn save(&self, name: &str, results: &ResultsFile) -> Result<PathBuf, BaselineError> {
        let path = self.path(name)?;
        results.write(&path).map_err(|source| BaselineError::Io {
            path: path.clone(),
            source,
        })?;
        self.remove_stale_temp_files(name);
        Ok(path)
    }

    /// Reads the baseline `name`; when there is none, the error lists the names there are.
    pub fn load(&self, name: &str) -> Result<ResultsFile, BaselineError> {
        let path = self.path(name)?;
        if !path.is_file() {
            return Err(self.not_found(name));
        }
        ResultsFile::read(&path).map_err(|source| BaselineError::Results {
            name: name.to_string(),
            source,
        })
    }

    /// The baselines in the store, sorted by name. A missing directory is an empty store.
    pub fn list(&self) -> Result<Vec<BaselineEntry>, BaselineError> {
        let mut entries: Vec<BaselineEntry> = self
            .names()?
            .into_iter()
            .map(|name| {
                let path = self.dir.join(format!("{name}.json"));
                let summary = ResultsFile::read(&path)
                    .map(|r| BaselineSummary::of(&r))
                    .map_err(|e| e.to_string());
                BaselineEntry {
                    name,
                    path,
                    summary,
                }
            })
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// Deletes the baseline `name`.
    pub fn remove(&self, name: &str) -> Result<(), BaselineError> {
        let path = self.path(name)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(self.not_found(name)),
            Err(source) => Err(BaselineError::Io { path, source }),
        }
    }

    fn not_found(&self, name: &str) -> BaselineError {
        BaselineError::NotFound {
            name: name.to_string(),
            dir: self.dir.clone(),
            available: self.names().unwrap_or_default(),
        }
    }

    /// Names of the stored baselines, sorted; temp files and anything not a valid name are skipped.
    fn names(&self) -> Result<Vec<String>, BaselineError> {
        let read = match fs::read_dir(&self.dir) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(BaselineError::Io {
                    path: self.dir.clone(),
                    source,
                })
            }
        };
        let mut names: Vec<String> = read
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| {
                let file = e.file_name().into_string().ok()?;
                let name = file.strip_suffix(".json")?;
                validate_name(name).ok()?;
                Some(name.to_string())
            })
            .collect();
        names.sort();
        Ok(names)
    }

    /// Removes `.<name>.json.*.tmp` files that a killed save left behind, once they are old enough
    /// that no running save can own them. Best effort: a failure here never fails the save.
    fn remove_stale_temp_files(&self, name: &str) {
        let prefix = format!(".{name}.json.");
        let Ok(read) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        for entry in read.filter_map(Result::ok) {
            let file = entry.file_name();
            let Some(file) = file.to_str() else { continue };
            if !(file.starts_with(&prefix) && file.ends_with(".tmp")) {
                continue;
            }
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok());
            if age.is_some_and(|a| a > STALE_TMP_AGE) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tests::sample;

    #[test]
    fn accepts_ordinary_names_and_rejects_escaping_ones() {
        for ok in [
            "main",
            "v1.2.3",
            "pr_42-base",
            "a",
            &"x".repeat(MAX_NAME_LEN),
        ] {
            validate_name(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "",
            "../x",
            "a/b",
            "a\\b",
            ".hidden",
            "a..b",
            "sp ace",
            "é",
            &"x".repeat(MAX_NAME_LEN + 1),
        ] {
            let e = validate_name(bad).unwrap_err();
            assert!(
                e.to_string().contains("invalid baseline name"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn save_load_list_remove() {
        let dir = tempfile::tempdir().unwrap();
        let store = BaselineStore::open(Some(dir.path().join("b")));
        assert!(store.list().unwrap().is_empty());
        let r = sample();
        let p = store.save("main", &r).unwrap();
        assert_eq!(p, dir.path().join("b/main.json"));
        assert_eq!(store.load("main").unwrap(), r);
        // A stray temp file of a killed save and an unrelated file are not baselines.
        fs::write(dir.path().join("b/.main.json.abc.tmp"), "{").unwrap();
        fs::write(dir.path().join("b/notes.txt"), "x").unwrap();
        let list = store.list().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].name, "main");
        assert_eq!(list[0].summary.as_ref().unwrap().benchmarks, 1);
        store.remove("main").unwrap();
        assert!(matches!(
            store.remove("main"),
            Err(BaselineError::NotFound { .. })
        ));
    }

    #[test]
    fn missing_baseline_names_the_ones_that_exist() {
        let dir = tempfile::tempdir().unwrap();
        let store = BaselineStore::open(Some(dir.path().to_path_buf()));
        store.save("main", &sample()).unwrap();
        store.save("release-1", &sample()).unwrap();
        let e = store.load("mian").unwrap_err().to_string();
        assert!(e.contains("`mian`") && e.contains("main, release-1"), "{e}");
    }

    #[test]
    fn a_damaged_baseline_is_listed_with_its_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("broken.json"), "{\"schema\":").unwrap();
        let store = BaselineStore::open(Some(dir.path().to_path_buf()));
        let list = store.list().unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].summary.as_ref().unwrap_err().contains("truncated"));
    }
}
