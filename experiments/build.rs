//! Embeds the git commit and the rustc version into the binary, for the metadata of every run.

use std::process::Command;

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    // No optional locks: `git status` must not refresh the index, whose change would make cargo
    // rerun this script (and rebuild the binary) on every invocation.
    let out = Command::new(cmd)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = output("git", &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = output("git", &["status", "--porcelain", "--untracked-files=no"])
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
    // Rebuild the metadata when HEAD moves or the index changes (commits, checkouts, adds).
    if let Some(git_dir) = output("git", &["rev-parse", "--absolute-git-dir"]) {
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
        println!("cargo:rerun-if-changed={git_dir}/index");
        if let Some(head_ref) = output("git", &["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={git_dir}/{head_ref}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
