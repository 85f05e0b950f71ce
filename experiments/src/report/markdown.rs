//! `report.md`: the document as Markdown, charts linked as PNGs beside it.

use super::doc::{Doc, Table};
use std::fmt::Write;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn table(out: &mut String, t: &Table) {
    let _ = writeln!(
        out,
        "| {} |",
        t.header
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "|{}", "---|".repeat(t.header.len()));
    for r in &t.rows {
        let _ = writeln!(
            out,
            "| {} |",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    out.push('\n');
}

/// Renders `doc` as Markdown.
pub fn render(doc: &Doc) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", doc.title);
    let _ = writeln!(out, "## Verdict\n");
    for v in &doc.verdict {
        let _ = writeln!(out, "- {v}");
    }
    let _ = writeln!(out, "\n{}\n", doc.budget);
    let _ = writeln!(
        out,
        "Every number in this report is computed from the data files listed in each section \
         (`tmlab report DIR` rebuilds it from them).\n"
    );
    for s in &doc.sections {
        let _ = writeln!(out, "## {}\n", s.title);
        let _ = writeln!(out, "Stage `{}`: {}.\n", s.id, s.status);
        if !s.sentence.is_empty() {
            let _ = writeln!(out, "{}\n", s.sentence);
        }
        for c in &s.charts {
            let _ = writeln!(
                out,
                "![{}]({}) ([SVG]({}))\n",
                c.png
                    .file_stem()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
                c.png.display(),
                c.svg.display()
            );
        }
        if let Some(t) = &s.table {
            table(&mut out, t);
        }
        if !s.files.is_empty() {
            let list: Vec<String> = s.files.iter().map(|f| format!("`{f}`")).collect();
            let _ = writeln!(out, "Data: {}\n", list.join(", "));
        }
    }
    let _ = writeln!(out, "## Machine\n");
    table(
        &mut out,
        &Table {
            header: vec!["".into(), "".into()],
            rows: doc
                .machine
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone()])
                .collect(),
        },
    );
    let _ = writeln!(out, "## Commands\n");
    let _ = writeln!(
        out,
        "The run's sessions, then each stage's own command (run alone, it writes a new folder \
         in that stage's folder):\n"
    );
    let _ = writeln!(out, "```sh");
    for c in &doc.commands {
        let _ = writeln!(out, "{c}");
    }
    let _ = writeln!(out, "```\n");
    let _ = writeln!(out, "## Data files\n");
    for s in &doc.sections {
        for f in &s.files {
            let _ = writeln!(out, "- `{f}` ({})", s.id);
        }
    }
    out
}
