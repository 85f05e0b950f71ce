//! Helpers shared by the CLI tests (each test file includes this module with `mod common;`).

use std::collections::HashMap;
use std::path::Path;

/// A CSV file as rows of named fields (no field of tmlab's files holds a comma).
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
