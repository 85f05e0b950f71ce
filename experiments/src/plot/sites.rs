//! The `sites` chart of a workload run made with `--attribute`, drawn from `sites.csv` alone:
//! the time lost in aborted attempts, by site and cause, as stacked bars.
//!
//! One group of bars per point (backend, thread count and, for `txsize`, size), one bar per site
//! within it, each bar stacked by abort cause, in the colours of the `aborts` chart. A bar is the
//! mean over the point's repetitions. Where the run counted cycles (`--cycles`) the bars stack the
//! TSC cycles lost; otherwise they stack abort counts, and the axis label says so. Explicit aborts
//! (the workload's own cancellations, such as an overdrawn transfer) are left out, as in the
//! abort rate. The caption is that of the other workload charts (so model runs say "modelled").

use super::compare::{
    CAUSE_COLOURS, Caption, GRID, LEGEND_W, WIDTH, cause_swatches, draw_head, font, grey,
};
use super::font::FAMILY;
use super::wrap::wrap_in;
use crate::results::{Meta, SiteRow};
use crate::stats::si;
use crate::sweep::scaling::ScalingSpec;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use tm::AbortCause;

/// The chart's file stem.
pub const STEM: &str = "sites";

/// Height of the row of group names under the bars: three lines of wrapped text.
const X_LABELS_H: u32 = 72;

/// The bars of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// `tl2, 2 threads` (and `, size N`).
    pub label: String,
    /// Each site and its per-cause means, by [`AbortCause::index`].
    pub bars: Vec<(String, [f64; AbortCause::COUNT])>,
}

/// What the bars stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// TSC cycles lost in aborted attempts.
    Cycles,
    /// Aborts (cycles were not counted).
    Aborts,
}

/// Whether a cause is drawn (cancellations are not).
fn shown(c: AbortCause) -> bool {
    c != AbortCause::Explicit
}

/// The groups of `rows` (points in order of first appearance, sites likewise) and their unit.
pub fn groups(rows: &[SiteRow]) -> (Vec<Group>, Unit) {
    let unit = if rows.iter().any(|r| r.cycles.is_some()) {
        Unit::Cycles
    } else {
        Unit::Aborts
    };
    type Key<'r> = (&'r str, u32, Option<u64>);
    let mut points: Vec<(Key<'_>, Vec<u32>, Group)> = Vec::new();
    for r in rows {
        let key = (r.backend.as_str(), r.threads, r.size);
        let i = match points.iter().position(|(k, _, _)| *k == key) {
            Some(i) => i,
            None => {
                let label = format!(
                    "{}, {} thread{}{}",
                    r.backend,
                    r.threads,
                    if r.threads == 1 { "" } else { "s" },
                    r.size.map_or(String::new(), |s| format!(", size {s}"))
                );
                points.push((
                    key,
                    Vec::new(),
                    Group {
                        label,
                        bars: Vec::new(),
                    },
                ));
                points.len() - 1
            }
        };
        let (_, reps, g) = &mut points[i];
        if !reps.contains(&r.rep) {
            reps.push(r.rep);
        }
        let j = match g.bars.iter().position(|(s, _)| *s == r.site) {
            Some(j) => j,
            None => {
                g.bars.push((r.site.clone(), [0.0; AbortCause::COUNT]));
                g.bars.len() - 1
            }
        };
        if let Some(c) = r.cause().filter(|&c| shown(c)) {
            g.bars[j].1[c.index()] += match unit {
                Unit::Cycles => r.cycles.unwrap_or(0) as f64,
                Unit::Aborts => r.count as f64,
            };
        }
    }
    // Sites in the same order in every group: their order of first appearance in the file.
    let mut order: Vec<&str> = Vec::new();
    for r in rows {
        if !order.contains(&r.site.as_str()) {
            order.push(&r.site);
        }
    }
    let rank = |s: &str| order.iter().position(|o| *o == s).unwrap_or(usize::MAX);
    let groups = points
        .into_iter()
        .map(|(_, reps, mut g)| {
            g.bars.sort_by_key(|(s, _)| rank(s));
            let n = reps.len().max(1) as f64;
            for (_, v) in &mut g.bars {
                v.iter_mut().for_each(|x| *x /= n);
            }
            g
        })
        .collect();
    (groups, unit)
}

/// The chart's size in pixels.
pub fn size() -> (u32, u32) {
    (WIDTH, 1000)
}

/// The caption: the workload charts' own, with what the bars are.
pub(super) fn caption(meta: &Meta, spec: &ScalingSpec, unit: Unit) -> Caption {
    let mut c = super::compare::caption(meta, spec, STEM);
    if unit == Unit::Aborts {
        c.title = c
            .title
            .replace("time lost in aborts", "aborts (cycles not counted)");
    }
    c.lines.push(match unit {
        Unit::Cycles => "bars: TSC cycles lost in aborted attempts, mean per repetition, stacked \
                         by cause; cancellations (explicit aborts) excluded"
            .to_string(),
        Unit::Aborts => "cycles not counted (run with --cycles): bars stack abort counts, mean \
                         per repetition; cancellations (explicit aborts) excluded"
            .to_string(),
    });
    c
}

/// Draws the chart of `rows` on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    meta: &Meta,
    spec: &ScalingSpec,
    rows: &[SiteRow],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (groups, unit) = groups(rows);
    let body = draw_head(root, &caption(meta, spec, unit))?;
    let (w, _) = body.dim_in_pixel();
    let (plot, legend) = body.split_horizontally(w - LEGEND_W);
    let present = bars(&plot, &groups, unit)?;
    cause_swatches(&legend, &present)?;
    root.present()
}

/// The stacked bars; returns the causes drawn, for the legend.
fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    groups: &[Group],
    unit: Unit,
) -> Result<Vec<AbortCause>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut present: Vec<AbortCause> = Vec::new();
    let mut ymax = 0.0f64;
    for g in groups {
        for (_, v) in &g.bars {
            ymax = ymax.max(v.iter().sum());
            for c in AbortCause::ALL.into_iter().filter(|&c| shown(c)) {
                if v[c.index()] > 0.0 && !present.contains(&c) {
                    present.push(c);
                }
            }
        }
    }
    present.sort_by_key(|c| c.index());
    // Site labels stand upright above their bars (many narrow bars leave no room across), so
    // the value axis reaches above the tallest bar by the longest label's length.
    let label_style = (FAMILY, 14)
        .into_font()
        .transform(FontTransform::Rotate270)
        .color(&BLACK);
    let longest = groups
        .iter()
        .flat_map(|g| &g.bars)
        .map(|(site, _)| {
            area.estimate_text_size(site, &(FAMILY, 14).into())
                .map_or(0, |(w, _)| w)
        })
        .max()
        .unwrap_or(0);
    // Pixels of the value axis: the area less the margins, the caption and the label rows.
    let axis_px = f64::from(
        area.dim_in_pixel()
            .1
            .saturating_sub(2 * 18 + 40 + X_LABELS_H),
    )
    .max(1.0);
    let above = ((f64::from(longest) + 16.0) / axis_px).min(0.6);
    let top = if ymax > 0.0 {
        ymax * 1.05 / (1.0 - above)
    } else {
        1.0
    };
    let n = groups.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .margin(18)
        .caption(
            "one group per point, one bar per site (labelled above it)",
            font(17),
        )
        .x_label_area_size(X_LABELS_H)
        .y_label_area_size(100)
        .build_cartesian_2d(0f64..n as f64, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        // The groups' names are drawn below, wrapped to their width.
        .x_label_formatter(&|_| String::new())
        .y_desc(match unit {
            Unit::Cycles => "TSC cycles lost in aborts (per repetition)",
            Unit::Aborts => "aborts per repetition (cycles not counted)",
        })
        .y_label_formatter(&|v| si(*v))
        .axis_desc_style(font(17))
        .label_style(font(16))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()?;
    for (gi, g) in groups.iter().enumerate() {
        let slot = 0.8 / g.bars.len().max(1) as f64;
        for (i, (site, v)) in g.bars.iter().enumerate() {
            let x0 = gi as f64 + 0.1 + i as f64 * slot;
            let x1 = x0 + slot * 0.75;
            let mut below = 0.0;
            for c in &present {
                let h = v[c.index()];
                if h > 0.0 {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x0, below), (x1, below + h)],
                        CAUSE_COLOURS[c.index()].filled(),
                    )))?;
                    below += h;
                }
            }
            chart.draw_series(std::iter::once(Text::new(
                site.clone(),
                ((x0 + x1) / 2.0, below + top * 0.01),
                label_style.pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
        }
    }
    // Each group's name centred under it, on as many lines as its width needs.
    let base = area.get_base_pixel();
    let group_px = (chart.backend_coord(&(1.0, 0.0)).0 - chart.backend_coord(&(0.0, 0.0)).0)
        .unsigned_abs()
        .saturating_sub(8);
    for (gi, g) in groups.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(gi as f64 + 0.5, 0.0));
        for (i, line) in wrap_in(area, &g.label, &font(16), group_px)
            .into_iter()
            .enumerate()
        {
            area.draw(&Text::new(
                line,
                (x - base.0, y - base.1 + 10 + 20 * i as i32),
                font(16).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
    }
    if present.is_empty() {
        chart.draw_series(std::iter::once(Text::new(
            "no aborts other than cancellations".to_string(),
            (0.1, top * 0.5),
            grey(18),
        )))?;
    }
    Ok(present)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(backend: &str, site: &str, rep: u32, outcome: &str, n: u64, c: Option<u64>) -> SiteRow {
        SiteRow {
            workload: "bank".into(),
            backend: backend.into(),
            size: None,
            threads: 2,
            rep,
            seed: 1,
            site: site.into(),
            outcome: outcome.into(),
            count: n,
            cycles: c,
        }
    }

    #[test]
    fn bars_are_per_point_and_site_mean_over_reps_without_cancellations() {
        let rows = [
            row("tl2", "bank::transfer", 0, "commit", 100, Some(1000)),
            row("tl2", "bank::transfer", 0, "locked_at_read", 4, Some(40)),
            row("tl2", "bank::transfer", 1, "locked_at_read", 6, Some(80)),
            row("tl2", "bank::transfer", 1, "explicit", 50, Some(500)),
            row("tl2", "bank::audit", 0, "read_validation", 2, Some(300)),
            row("lsa", "bank::transfer", 0, "locked_at_commit", 1, Some(10)),
        ];
        let (g, unit) = groups(&rows);
        assert_eq!(unit, Unit::Cycles);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].label, "tl2, 2 threads");
        let transfer = &g[0].bars[0];
        assert_eq!(transfer.0, "bank::transfer");
        assert_eq!(transfer.1[AbortCause::LockedAtRead.index()], 60.0);
        assert_eq!(transfer.1[AbortCause::Explicit.index()], 0.0);
        assert_eq!(g[0].bars[1].1[AbortCause::ReadValidation.index()], 150.0);
        // Without cycles, counts.
        let counts: Vec<SiteRow> = rows
            .iter()
            .cloned()
            .map(|mut r| {
                r.cycles = None;
                r
            })
            .collect();
        let (g, unit) = groups(&counts);
        assert_eq!(unit, Unit::Aborts);
        assert_eq!(g[0].bars[0].1[AbortCause::LockedAtRead.index()], 5.0);
    }
}
