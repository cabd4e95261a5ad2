//! The git state of the directory a run starts from, for `meta.git`.

use crate::results::GitInfo;
use std::path::Path;
use std::process::Command;

/// Commit, branch, dirtiness and subject of the repository holding `dir`; None outside a
/// repository or without git.
pub fn info(dir: &Path) -> Option<GitInfo> {
    let commit = git(dir, &["rev-parse", "HEAD"])?;
    let branch = git(dir, &["rev-parse", "--abbrev-ref", "HEAD"]).filter(|b| b != "HEAD");
    let dirty =
        git(dir, &["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let subject = git(dir, &["log", "-1", "--format=%s"]);
    Some(GitInfo {
        commit,
        branch,
        dirty,
        subject,
    })
}

/// Files (relative to the repository's top) that differ between `since` and the working tree of
/// the repository holding `dir`, committed or not.
pub fn changed_files(dir: &Path, since: &str) -> Result<Vec<String>, GitError> {
    let top = git(dir, &["rev-parse", "--show-toplevel"]).ok_or_else(|| GitError::NotARepo {
        dir: dir.to_path_buf(),
    })?;
    git(
        Path::new(&top),
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{since}^{{commit}}"),
        ],
    )
    .ok_or_else(|| GitError::UnknownRef {
        reference: since.to_string(),
    })?;
    let out = git(Path::new(&top), &["diff", "--name-only", since, "--"]).unwrap_or_default();
    Ok(out.lines().map(str::to_string).collect())
}

/// The top directory of the repository holding `dir`; None outside one.
pub fn toplevel(dir: &Path) -> Option<std::path::PathBuf> {
    git(dir, &["rev-parse", "--show-toplevel"]).map(std::path::PathBuf::from)
}

/// How many commits `until` has that `since` has not (`git rev-list --count since..until`), in
/// the repository holding `dir`.
pub fn commits_between(dir: &Path, since: &str, until: &str) -> Result<u64, GitError> {
    for reference in [since, until] {
        git(
            dir,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{reference}^{{commit}}"),
            ],
        )
        .ok_or_else(|| GitError::UnknownRef {
            reference: reference.to_string(),
        })?;
    }
    git(dir, &["rev-list", "--count", &format!("{since}..{until}")])
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| GitError::NotARepo {
            dir: dir.to_path_buf(),
        })
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{dir}: not inside a git repository")]
    NotARepo { dir: std::path::PathBuf },
    #[error("`{reference}` is not a commit of this repository")]
    UnknownRef { reference: String },
}

/// Output of a git command, trimmed; None when it fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_repository_and_nothing_outside() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(info(dir.path()), None);
        let sh = |cmd: &str| {
            let ok = Command::new("sh")
                .args(["-c", cmd])
                .current_dir(dir.path())
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "{cmd}");
        };
        sh("git init -q -b feature && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m 'first subject'");
        let g = info(dir.path()).unwrap();
        assert_eq!(g.commit.len(), 40);
        assert_eq!(g.branch.as_deref(), Some("feature"));
        assert_eq!(g.subject.as_deref(), Some("first subject"));
        assert!(!g.dirty);
        sh("echo x > f && git add f");
        assert!(info(dir.path()).unwrap().dirty);
    }
}
