//! A side given as a git ref: a detached worktree of the current repository in a temporary
//! directory, removed (and the repository's worktree list pruned) when dropped.

use super::AbError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Worktree {
    repo: PathBuf,
    path: PathBuf,
    /// Held so the directory outlives the worktree; removed after it.
    _tmp: tempfile::TempDir,
}

impl Worktree {
    /// Checks out `git_ref` of the repository holding `repo` into a fresh temporary directory.
    pub fn add(repo: &Path, git_ref: &str, name: &str) -> Result<Worktree, AbError> {
        let commit = git(
            repo,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{git_ref}^{{commit}}"),
            ],
        )
        .map_err(|_| AbError::UnknownRef(git_ref.to_string()))?;
        let tmp = tempfile::Builder::new()
            .prefix("slogate-ab-")
            .tempdir()
            .map_err(|source| AbError::Io {
                what: "creating a temporary directory for a worktree".into(),
                source,
            })?;
        let path = tmp.path().join(name);
        let p = path.display().to_string();
        git(repo, &["worktree", "add", "--detach", &p, &commit]).map_err(|message| {
            AbError::Worktree {
                git_ref: git_ref.to_string(),
                message,
            }
        })?;
        Ok(Worktree {
            repo: repo.to_path_buf(),
            path,
            _tmp: tmp,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let p = self.path.display().to_string();
        // Best effort: a worktree left behind is pruned by the next `git worktree prune`.
        let _ = git(&self.repo, &["worktree", "remove", "--force", &p]);
        let _ = git(&self.repo, &["worktree", "prune"]);
    }
}

/// Trimmed stdout of a git command, or its stderr as the error.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}
