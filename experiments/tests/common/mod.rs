//! Helpers shared by the CLI tests (each test file includes this module with `mod common;`;
//! each uses some of them, hence the `allow(dead_code)`s).

use std::collections::HashMap;
use std::path::Path;

/// A CSV file as rows of named fields (no field of tmlab's files holds a comma).
#[allow(dead_code)]
pub fn table(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

/// A field of `row` as a number.
#[allow(dead_code)] // not every test file reads numbers
pub fn n(row: &HashMap<String, String>, column: &str) -> u64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

/// A fresh, empty temporary folder `tmlab-<name>-<pid>`.
#[allow(dead_code)]
pub fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The built `tmlab` with `args`, no stdin, and RTM forced off (`TMLAB_NO_RTM=1`) or left as
/// this machine has it.
#[allow(dead_code)]
pub fn tmlab(no_rtm: bool, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tmlab"));
    c.args(args).stdin(std::process::Stdio::null());
    if no_rtm {
        c.env("TMLAB_NO_RTM", "1");
    } else {
        c.env_remove("TMLAB_NO_RTM");
    }
    c
}

/// Process output as text.
#[allow(dead_code)]
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
