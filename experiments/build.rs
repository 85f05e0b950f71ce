//! Embeds the git commit, whether the compiled sources differ from it, and the rustc version into
//! the binary, for the metadata of every run.
//!
//! What makes cargo rerun this script (and so rebuild the binary) is chosen so that plain git
//! commands do not: `git status`, `git diff` and `git add` touch `.git/index`, which is NOT
//! watched. Watched are the files that move when the commit changes (`HEAD`, the branch's ref
//! file, `packed-refs`) and the sources compiled into the binary (every workspace crate, the
//! workspace manifest and lock file, and `assets/`), whose edits rebuild the binary anyway. The
//! dirty flag is computed over those same sources only, so it says exactly whether the binary was
//! built from sources that differ from the recorded commit (an edit elsewhere, in a README, does
//! not count); it is never stale for them, because an edit to any of them reruns this script.

use std::path::{Path, PathBuf};
use std::process::Command;

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    // No optional locks: `git status` must not refresh the index (it is not watched, but other
    // tools may be, and a read-only query should not write).
    let out = Command::new(cmd)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The sources compiled into the binary, relative to the workspace root: every top-level folder
/// with a `Cargo.toml` (the workspace's crates, including ones added later), `assets/`, and the
/// workspace's manifest and lock file.
fn sources(root: &Path) -> Vec<String> {
    let mut out = vec!["Cargo.toml".to_string(), "Cargo.lock".to_string()];
    let mut dirs: Vec<String> = std::fs::read_dir(root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("Cargo.toml").is_file() || p.ends_with("assets"))
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    out.extend(dirs);
    out
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.parent().unwrap_or(&manifest).to_path_buf();
    let sources = sources(&root);
    let commit = output("git", &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let mut status: Vec<String> = vec![
        "-C".into(),
        root.display().to_string(),
        "status".into(),
        "--porcelain".into(),
        "--untracked-files=no".into(),
        "--".into(),
    ];
    status.extend(sources.iter().cloned());
    let status: Vec<&str> = status.iter().map(String::as_str).collect();
    let dirty = output("git", &status)
        .map(|s| if s.is_empty() { "false" } else { "true" })
        .unwrap_or("unknown");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = output(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=TMLAB_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=TMLAB_GIT_DIRTY={dirty}");
    println!("cargo:rustc-env=TMLAB_RUSTC_VERSION={rustc_version}");
    println!(
        "cargo:rustc-env=TMLAB_PROFILE={}",
        std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into())
    );
    // The commit: HEAD (checkouts), the branch's ref (commits), packed-refs (gc, fetch). In a
    // worktree the branch refs live in the common git dir.
    if let Some(git_dir) = output("git", &["rev-parse", "--absolute-git-dir"]) {
        let common = output(
            "git",
            &["rev-parse", "--path-format=absolute", "--git-common-dir"],
        )
        .unwrap_or_else(|| git_dir.clone());
        // Only existing paths: cargo treats a missing one as always changed.
        let watch = |p: &Path| {
            if p.exists() {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        };
        watch(&Path::new(&git_dir).join("HEAD"));
        watch(&Path::new(&common).join("packed-refs"));
        if let Some(head_ref) = output("git", &["symbolic-ref", "-q", "HEAD"]) {
            let loose = Path::new(&common).join(&head_ref);
            if loose.exists() {
                watch(&loose);
            } else if let Some(parent) = loose.parent() {
                // The ref is packed; a commit writes it loose again, into this folder.
                watch(parent);
            }
        }
    }
    // The sources (cargo scans folders recursively): their edits change the dirty flag.
    for s in &sources {
        println!("cargo:rerun-if-changed={}", root.join(s).display());
    }
    println!("cargo:rerun-if-changed=build.rs");
}
