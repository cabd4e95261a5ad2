//! Names the commit the binary was built from, for `slogate --version`: `git` asked about the
//! checkout the crate sits in. Outside a git checkout of slogate (an sdist, a vendored copy) or
//! without `git` the version says "unknown commit" rather than failing the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // The checkout must be slogate's own: an sdist unpacked inside another repository is not.
    let tracked = git(&dir, &["ls-files", "--error-unmatch", "build.rs"]).is_some();
    let commit = tracked
        .then(|| git(&dir, &["rev-parse", "--short=12", "HEAD"]))
        .flatten()
        .map(
            |hash| match git(&dir, &["log", "-1", "--format=%cs", "HEAD"]) {
                Some(date) => format!("{hash} {date}"),
                None => hash,
            },
        )
        .unwrap_or_else(|| "unknown commit".to_string());
    println!("cargo:rustc-env=SLOGATE_COMMIT={commit}");
    if !tracked {
        return;
    }
    // Rebuild when HEAD moves: HEAD itself (a checkout) and the branch it points to (a commit).
    if let Some(p) = git(&dir, &["rev-parse", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={}", dir.join(p).display());
    }
    if let Some(r) = git(&dir, &["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = git(&dir, &["rev-parse", "--git-path", &r]) {
            println!("cargo:rerun-if-changed={}", dir.join(p).display());
        }
    }
}
