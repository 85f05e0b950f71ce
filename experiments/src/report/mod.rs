//! `tmlab report DIR`: the viability report of a `tmlab run` folder, rebuilt from its files
//! alone (as `tmlab plot` rebuilds a sweep's charts).
//!
//! The pipeline: [`study`] reads `run.json` and every stage's data files, checked by the readers
//! `tmlab plot` and `--resume` use; [`facts`] computes every figure from the rows; [`doc`] turns
//! them into the document (verdict, sections, machine, commands); the charts are drawn by
//! [`crate::plot::draw()`] into `DIR/charts/`; [`markdown`] and [`html`] write `DIR/report.md`
//! and the self-contained `DIR/report.html`.

pub mod doc;
pub mod facts;
pub mod html;
pub mod markdown;
pub mod study;
#[cfg(test)]
mod tests;

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use study::Study;

/// Options of `tmlab report`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct ReportArgs {
    /// The run folder (`results/<time>-run-<host>`, made by `tmlab run`, or a
    /// `results/<time>-compare-model-<host>` folder, made by `tmlab compare-model`).
    pub dir: PathBuf,
}

const EXAMPLES: &str = "\
Examples:
  tmlab report results/20261204T170000Z-run-myhost
  xdg-open results/20261204T170000Z-run-myhost/report.html

Writes DIR/report.md, DIR/report.html and the charts in DIR/charts/, from DIR's files alone;
prints the HTML report's path last. A partial run's report says which stages are missing.";

/// The files a report was written to.
#[derive(Clone, Debug)]
pub struct Written {
    /// `DIR/report.md`.
    pub markdown: PathBuf,
    /// `DIR/report.html`.
    pub html: PathBuf,
}

/// Runs `tmlab report`.
pub fn run(args: ReportArgs) -> Result<()> {
    let w = write(&args.dir).context("cannot write the report")?;
    println!("report: {}", w.markdown.display());
    println!("{}", w.html.display());
    Ok(())
}

/// Reads the run folder `dir`, draws its charts and writes both reports (for a `tmlab
/// compare-model` folder, its comparison: [`crate::compare_model::write`]).
pub fn write(dir: &Path) -> Result<Written> {
    let study = Study::load(dir)?;
    if study.manifest.kind == crate::run::manifest::RunKind::CompareModel {
        return crate::compare_model::write(dir);
    }
    let mut doc = doc::build(&study);
    let charts_root = dir.join("charts");
    for (section, stage) in doc.sections.iter_mut().zip(&study.stages) {
        let Some(loaded) = stage.sweep() else {
            continue;
        };
        if loaded.is_empty() {
            continue;
        }
        let files = crate::plot::draw(loaded, &charts_root.join(&stage.stage.name))
            .with_context(|| format!("cannot draw the charts of stage {}", stage.stage.name))?;
        for svg in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        {
            let png = svg.with_extension("png");
            section.charts.push(doc::Chart {
                svg: PathBuf::from(facts::rel(&study, svg)),
                png: PathBuf::from(facts::rel(&study, &png)),
            });
        }
    }
    render(dir, &doc, "report")
}

/// Writes `doc` (its charts drawn) as `DIR/<stem>.md` and the self-contained `DIR/<stem>.html`.
pub fn render(dir: &Path, doc: &doc::Doc, stem: &str) -> Result<Written> {
    let markdown = dir.join(format!("{stem}.md"));
    std::fs::write(&markdown, markdown::render(doc))
        .with_context(|| format!("cannot write {}", markdown.display()))?;
    let html_path = dir.join(format!("{stem}.html"));
    let read = |rel: &Path| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    std::fs::write(&html_path, html::render(doc, &read))
        .with_context(|| format!("cannot write {}", html_path.display()))?;
    Ok(Written {
        markdown,
        html: html_path,
    })
}
