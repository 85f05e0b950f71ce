//! The comparison's charts: for capacity and for duration, the hardware's curves and the model's
//! in one figure (the model's drawn in other colours, every label saying which is which); for
//! the counter, the thread sweep's own charts, which already hold both backends.
//!
//! Each overlay is built from the two sweeps' own figures ([`crate::plot::capacity_figure`],
//! [`crate::plot::duration_figure`]), so each curve, its whiskers, its 50 % note and its abort
//! causes are exactly what `tmlab plot` draws for that sweep alone.

use super::{doc, names};
use crate::plot::figure::Figure;
use crate::plot::style::PALETTE;
use crate::report::doc::{Chart, Doc};
use crate::report::facts::rel;
use crate::report::study::{StageData, Study};
use crate::results::{Loaded, Rows};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The palette offset of the model's curves: colours the hardware's curves do not use (the
/// capacity chart colours ops 0-2; durations use colour 0).
const MODEL_COLOUR_OFFSET: usize = 3;

/// The figure of a capacity or duration sweep (`None` for other rows).
fn figure(l: &Loaded) -> Option<Figure> {
    crate::plot::figure_of(l).map(|(_, f)| f)
}

/// `hw` and `model` in one figure: every series labelled with its side (`RTM`, `model`), the
/// model's recoloured; `model_name` names the model in the title and the banner.
pub fn overlay(hw: Figure, model: Figure, hw_label: &str, model_name: &str, what: &str) -> Figure {
    let mut out = hw;
    let hw_partial = out.partial.take();
    for s in &mut out.series {
        s.label = format!("{hw_label}: {}", s.label);
    }
    for mut s in model.series {
        s.label = format!("model: {}", s.label);
        let i = PALETTE
            .iter()
            .position(|&c| c == s.style.colour)
            .unwrap_or(0);
        s.style.colour = PALETTE[(i + MODEL_COLOUR_OFFSET) % PALETTE.len()];
        out.series.push(s);
    }
    out.title = format!("{hw_label} and its model ({model_name}): {what}");
    out.warning = Some(match out.warning.take() {
        Some(w) => format!("{w}; \"model\" curves are MODELLED ({model_name})"),
        None => format!(
            "\"model\" curves are MODELLED ({model_name}): a prediction; {hw_label} curves are \
             measured on this machine"
        ),
    });
    let partial: Vec<String> = [hw_partial, model.partial].into_iter().flatten().collect();
    out.partial = (!partial.is_empty()).then(|| partial.join("; "));
    out
}

/// Draws the overlay of stages `hw` and `model` into `dir` as `stem`; when only one of them has
/// data, that one's own chart.
fn pair(study: &Study, hw: &str, model: &str, what: &str, dir: &Path) -> Result<Vec<PathBuf>> {
    let get = |name: &str| {
        study
            .stage(name)
            .and_then(StageData::sweep)
            .filter(|l| !l.is_empty() && !matches!(l.rows, Rows::Workload(_)))
    };
    let stem = hw;
    let hw_label = if doc::is_mock(study) { "MOCK" } else { "RTM" };
    match (get(hw).and_then(figure), get(model).and_then(figure)) {
        (Some(h), Some(m)) => {
            let fig = overlay(h, m, hw_label, &doc::short_model_name(study), what);
            crate::plot::write_figure(&fig, dir, stem)
        }
        (Some(f), None) | (None, Some(f)) => crate::plot::write_figure(&f, dir, stem),
        (None, None) => Ok(Vec::new()),
    }
}

/// Draws every chart into `DIR/charts/` and adds them to their sections of `doc`.
pub fn draw_all(study: &Study, doc: &mut Doc) -> Result<()> {
    let root = study.dir.join("charts");
    let mut drawn: Vec<(String, Vec<PathBuf>)> = vec![
        (
            names::CAPACITY.into(),
            pair(
                study,
                names::CAPACITY,
                names::CAPACITY_MODEL,
                "commit probability against transaction footprint",
                &root,
            )?,
        ),
        (
            names::DURATION.into(),
            pair(
                study,
                names::DURATION,
                names::DURATION_MODEL,
                "commit probability against transaction length",
                &root,
            )?,
        ),
    ];
    if let Some(l) = study
        .stage(names::COUNTER)
        .and_then(StageData::sweep)
        .filter(|l| !l.is_empty())
    {
        let files = crate::plot::draw(l, &root.join(names::COUNTER))
            .context("cannot draw the counter's charts")?;
        drawn.push((names::COUNTER.into(), files));
    }
    for (id, files) in drawn {
        let Some(section) = doc.sections.iter_mut().find(|s| s.id == id) else {
            continue;
        };
        for svg in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        {
            section.charts.push(Chart {
                svg: PathBuf::from(rel(study, svg)),
                png: PathBuf::from(rel(study, &svg.with_extension("png"))),
            });
        }
    }
    Ok(())
}
