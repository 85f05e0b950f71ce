//! Charts, drawn only from a run folder: `tmlab plot DIR`, and the end of every sweep.
//!
//! Each run's charts go to `<plots-dir>/<run folder name>/` as `capacity.svg`/`capacity.png` or
//! `duration.svg`/`duration.png` (overwritten on every redraw: they are derived data); workload
//! runs get [`compare`]'s charts, and `sites.svg`/`sites.png` ([`sites`]) when they were made with
//! `--attribute`. Captions
//! name the CPU and the date from `meta.json`, say "MOCK DATA - not a measurement" for mock runs,
//! and mark partial runs (interrupted, killed, still running) in the title and a banner.
//!
//! What a chart shows is what was measured: a marker per measured point with a min-max error bar
//! over its repetitions (hollow when repetitions are missing), lines only between neighbours of a
//! regular grid ([`links`]), abort causes as one stacked bar per point, legends that state the
//! 50 % bracket at the resolution the sweep reached and never a 50 % point it did not reach, and
//! the L1D size (and, for same-set footprints, its associativity) as reference lines.
//!
//! Reusable pieces, one module each: [`style`] (colours, markers, dashes, legend samples),
//! [`ticks`] (log-axis ticks), [`errorbar`], [`bars`] (stacked bars at any x), [`numfmt`]
//! (thousands separators, significant digits, brackets), [`partial`] (the partial-run marks),
//! [`links`] (which points to join) and [`font`] (the shipped font, embedded in SVGs too).

pub mod bars;
pub mod compare;
pub mod draw;
pub mod errorbar;
pub mod figure;
pub mod font;
pub mod links;
pub mod numfmt;
pub mod partial;
pub mod sites;
pub mod style;
pub mod ticks;
pub mod wrap;

use crate::analysis::Curve;
use crate::dirs::PlotsDirArg;
use crate::kernels::footprint::{Op, Pattern};
use crate::results::{CapacityRow, DurationRow, Loaded, Meta, Rows, RunState};
use crate::sweep::report::{self, MOCK_BANNER};
use crate::sweep::spec::{Cycles, Sizes, SweepSpec};
use anyhow::{Context, Result, anyhow, bail};
use figure::{Figure, Pt, Reference, Series};
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use style::SeriesStyle;

/// Options of `tmlab plot`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct PlotArgs {
    /// The run folder to redraw (`results/<time>-<sweep>-<host>`).
    pub dir: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub plots: PlotsDirArg,
}

const EXAMPLES: &str = "\
Examples:
  tmlab plot results/20261122T023519Z-capacity-myhost
  tmlab plot results/20261122T023519Z-duration-myhost --plots-dir paper/figures
  for d in results/*-capacity-*; do tmlab plot \"$d\"; done

Every row is checked against the run's own parameters first: a row the run cannot have written
(a footprint or duration not in its spec, an unknown op or pattern, a repeated point) is refused,
naming the file, the line and the reason. Charts of a partial run (interrupted, killed, or still
running) say so in their title and caption.";

/// Redraws every chart of a result folder from its files alone and prints their paths.
pub fn run(args: PlotArgs) -> Result<()> {
    let loaded = Loaded::load(&args.dir).context("cannot plot")?;
    if loaded.state.is_partial() {
        eprintln!(
            "note: {}: {}; the charts show the {} rows recorded so far and say so",
            args.dir.display(),
            loaded.state.sentence(),
            loaded.len()
        );
    }
    for path in draw(&loaded, &args.plots.plots_dir)? {
        println!("{}", path.display());
    }
    Ok(())
}

/// Draws the charts of `run` under `plots_root/<run name>/`; returns the files written.
pub fn draw(run: &Loaded, plots_root: &Path) -> Result<Vec<PathBuf>> {
    if run.is_empty() {
        bail!(
            "cannot plot {}: points.csv has no rows",
            run.run.dir.display()
        );
    }
    font::register()?;
    let dir = plots_root.join(run.run.name());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let Some((stem, fig)) = figure_of(run) else {
        let (Rows::Workload(rows), Some(spec)) = (&run.rows, run.meta.spec.scaling()) else {
            unreachable!("only workload runs have no single figure");
        };
        let mut out = draw_comparison(&run.meta, spec, rows, &dir)?;
        if run.run.sites().exists() {
            out.extend(draw_sites(run, spec, &dir)?);
        }
        return Ok(out);
    };
    write_figure(&fig, &dir, stem)
}

/// Draws `fig` as `dir/<stem>.svg` (the font embedded) and `dir/<stem>.png`; returns both paths.
pub fn write_figure(fig: &Figure, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    font::register()?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    let size = fig.size();
    let mut text = String::new();
    draw::draw_figure(
        &SVGBackend::with_string(&mut text, size).into_drawing_area(),
        fig,
    )
    .map_err(|e| anyhow!("cannot draw {}: {e:?}", svg.display()))?;
    std::fs::write(&svg, font::embed_in_svg(&text))
        .with_context(|| format!("cannot write {}", svg.display()))?;
    draw::draw_figure(&BitMapBackend::new(&png, size).into_drawing_area(), fig)
        .map_err(|e| anyhow!("cannot draw {}: {e:?}", png.display()))?;
    Ok(vec![svg, png])
}

/// The chart of a capacity or duration run: its file stem and its figure (`None` for a workload
/// run, which has several charts: [`compare`]).
pub fn figure_of(run: &Loaded) -> Option<(&'static str, Figure)> {
    match &run.rows {
        Rows::Capacity(rows) => Some((
            "capacity",
            capacity_figure(&run.meta, rows, run.state, &run.run.dir),
        )),
        Rows::Duration(rows) => Some((
            "duration",
            duration_figure(&run.meta, rows, run.state, &run.run.dir),
        )),
        Rows::Workload(_) => None,
    }
}

/// Draws the charts of a workload sweep into `dir` (SVG with the font embedded, and PNG).
fn draw_comparison(
    meta: &Meta,
    spec: &crate::sweep::scaling::ScalingSpec,
    rows: &[crate::results::WorkloadRow],
    dir: &Path,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for chart in compare::charts(meta, spec, rows) {
        let svg = dir.join(format!("{}.svg", chart.stem));
        let png = dir.join(format!("{}.png", chart.stem));
        let mut text = String::new();
        compare::draw(
            &SVGBackend::with_string(&mut text, chart.size).into_drawing_area(),
            &chart,
            meta,
            spec,
            rows,
        )
        .map_err(|e| anyhow!("cannot draw {}: {e:?}", svg.display()))?;
        std::fs::write(&svg, font::embed_in_svg(&text))
            .with_context(|| format!("cannot write {}", svg.display()))?;
        compare::draw(
            &BitMapBackend::new(&png, chart.size).into_drawing_area(),
            &chart,
            meta,
            spec,
            rows,
        )
        .map_err(|e| anyhow!("cannot draw {}: {e:?}", png.display()))?;
        out.push(svg);
        out.push(png);
    }
    Ok(out)
}

/// Draws the `sites` chart of a workload run made with `--attribute` from its `sites.csv`.
fn draw_sites(
    run: &Loaded,
    spec: &crate::sweep::scaling::ScalingSpec,
    dir: &Path,
) -> Result<Vec<PathBuf>> {
    let rows = crate::results::site_row::read_sites(&run.run).context("cannot plot")?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let svg = dir.join(format!("{}.svg", sites::STEM));
    let png = dir.join(format!("{}.png", sites::STEM));
    let mut text = String::new();
    sites::draw(
        &SVGBackend::with_string(&mut text, sites::size()).into_drawing_area(),
        &run.meta,
        spec,
        &rows,
    )
    .map_err(|e| anyhow!("cannot draw {}: {e:?}", svg.display()))?;
    std::fs::write(&svg, font::embed_in_svg(&text))
        .with_context(|| format!("cannot write {}", svg.display()))?;
    sites::draw(
        &BitMapBackend::new(&png, sites::size()).into_drawing_area(),
        &run.meta,
        spec,
        &rows,
    )
    .map_err(|e| anyhow!("cannot draw {}: {e:?}", png.display()))?;
    Ok(vec![svg, png])
}

/// `Intel(R) Xeon(R) ... (microcode 0x..) - 2026-11-22 - <conditions>`.
fn subtitle(meta: &Meta, conditions: &str) -> String {
    let date = meta.started.get(..10).unwrap_or(&meta.started);
    format!("{} - {date} - {conditions}", meta.machine.cpu_label())
}

fn warning(meta: &Meta) -> Option<String> {
    meta.is_mock()
        .then(|| MOCK_BANNER.to_string())
        .or_else(|| report::model_banner(meta))
}

/// The command that finishes a partial run.
fn resume_hint(meta: &Meta, dir: &Path) -> String {
    let mock = if meta.is_mock() {
        " --mock-hardware"
    } else {
        ""
    };
    format!(
        "tmlab sweep {} --resume {}{mock}",
        meta.spec.kind(),
        dir.display()
    )
}

/// What a curve shows about its 50 % point, in words that claim no more than was measured.
/// `show` formats one x value; `bracket` formats the pair around the crossing.
fn crossing_note(
    curve: &Curve,
    partial: bool,
    show: impl Fn(u64) -> String,
    bracket: impl Fn(u64, u64) -> (String, String),
) -> String {
    let c = curve.crossing();
    match (c.last_ok, c.first_fail) {
        (Some(ok), Some(fail)) => {
            let (a, b) = bracket(ok.x, fail.x);
            format!("\u{2265} 50 % to {a}, < 50 % at {b}")
        }
        (Some(ok), None) if partial => format!(
            "\u{2265} 50 % so far (to {}); stopped before any point fell below",
            show(ok.x)
        ),
        (Some(ok), None) => format!(
            "\u{2265} 50 % at every point (to {}): no 50 % point in range",
            show(ok.x)
        ),
        (None, Some(fail)) => format!("< 50 % from the first point ({})", show(fail.x)),
        (None, None) => "not measured: the run stopped first".into(),
    }
}

/// The legend heading: how to read markers, bars and lines.
fn legend_heading(series: &[Series], reps: u32, joined: bool) -> Vec<String> {
    let mut out = vec![
        format!("markers: median of {reps} reps"),
        "bars: lowest to highest rep".to_string(),
    ];
    if series.iter().any(|s| s.points.iter().any(|p| !p.complete)) {
        out.push("hollow: fewer reps than planned".into());
    }
    out.push(if joined {
        "lines join neighbours of the grid".into()
    } else {
        "markers only: no line between".into()
    });
    if !joined {
        out.push("points (refined or irregular sizes)".into());
    }
    out
}

fn op_index(op: Op) -> usize {
    match op {
        Op::Read => 0,
        Op::Write => 1,
        Op::Mixed => 2,
    }
}

fn pattern_index(p: Pattern) -> usize {
    match p {
        Pattern::Seq => 0,
        Pattern::Random => 1,
        Pattern::SameSet => 2,
    }
}

/// The capacity chart: one curve per op x pattern (colour: op; marker and dash: pattern).
pub fn capacity_figure(meta: &Meta, rows: &[CapacityRow], state: RunState, dir: &Path) -> Figure {
    let SweepSpec::Capacity(spec) = &meta.spec else {
        unreachable!("capacity rows come from capacity runs (checked when loading)");
    };
    let partial = state.is_partial();
    let grid = match &spec.sizes {
        Sizes::List(v) if links::is_regular(v) => Some(v.as_slice()),
        _ => None,
    };
    let lines = |x: u64| format!("{} lines", numfmt::thousands(x));
    let series: Vec<Series> = spec
        .groups()
        .into_iter()
        .map(|(op, pattern)| {
            let mut curve = Curve::default();
            rows.iter()
                .filter(|r| r.op == op && r.pattern == pattern)
                .for_each(|r| curve.add(r.lines, r.rep, crate::results::rows::Tallied::tally(r)));
            let stats = curve.stats();
            let xs: Vec<u64> = stats.iter().map(|s| s.x).collect();
            Series {
                label: format!("{} {}", report::name(&op), report::name(&pattern)),
                note: Some(crossing_note(&curve, partial, lines, |a, b| {
                    (numfmt::thousands(a), lines(b))
                })),
                style: SeriesStyle::grouped(op_index(op), pattern_index(pattern)),
                points: stats
                    .iter()
                    .map(|s| Pt::from_stats(s, |x| x as f64, spec.reps))
                    .collect(),
                links: links::links(&xs, grid),
            }
        })
        .collect();
    let mut references = Vec::new();
    if let Some((lines, ways, size)) = report::l1_reference(meta) {
        references.push(Reference {
            x: lines as f64,
            label: format!("{size} = {} lines", numfmt::thousands(lines)),
        });
        if spec.patterns.contains(&Pattern::SameSet) {
            references.push(Reference {
                x: f64::from(ways),
                label: format!("L1D ways: {ways}"),
            });
        }
    }
    let planned = match &spec.sizes {
        Sizes::List(v) => Some(v.len() as u64 * spec.groups().len() as u64 * u64::from(spec.reps)),
        Sizes::Refine { .. } => None,
    };
    let note = partial::note(state, rows.len(), planned, Some(&resume_hint(meta, dir)));
    let conditions = format!(
        "{}, {} attempts \u{d7} {} reps, seed {}, 1 thread",
        report::name(&spec.warmth),
        numfmt::thousands(spec.attempts),
        spec.reps,
        spec.seed
    );
    Figure {
        title: format!(
            "{} capacity: commit probability against transaction footprint{}",
            report::htm_name(meta),
            note.as_ref().map_or("", |n| n.title_suffix.as_str())
        ),
        subtitle: subtitle(meta, &conditions),
        warning: warning(meta),
        partial: note.map(|n| n.caption),
        x_label: "footprint (64-byte cache lines, log scale)".into(),
        x_short: "footprint (lines)".into(),
        x_integers: true,
        legend_heading: legend_heading(&series, spec.reps, grid.is_some()),
        series,
        references,
    }
}

/// The duration chart: commit probability against microseconds.
pub fn duration_figure(meta: &Meta, rows: &[DurationRow], state: RunState, dir: &Path) -> Figure {
    let SweepSpec::Duration(spec) = &meta.spec else {
        unreachable!("duration rows come from duration runs (checked when loading)");
    };
    let partial = state.is_partial();
    let tsc_hz = meta.machine.tsc_hz;
    let us = move |c: u64| c as f64 / tsc_hz * 1e6;
    let candidates = spec.cycles.candidates();
    let grid = match &spec.cycles {
        Cycles::List(v) if links::is_regular(v) => Some(candidates.as_slice()),
        Cycles::List(_) => None,
        // Log-spaced by construction (rounding makes small rungs look irregular).
        Cycles::Ladder { .. } => Some(candidates.as_slice()),
    };
    let curve = report::duration_curve(rows);
    let stats = curve.stats();
    let xs: Vec<u64> = stats.iter().map(|s| s.x).collect();
    let series = vec![Series {
        label: "spin in transaction".into(),
        note: Some(crossing_note(
            &curve,
            partial,
            |c| format!("{} \u{b5}s", numfmt::sig(us(c), 3)),
            |a, b| {
                let (a, b) = numfmt::bracket(us(a), us(b));
                (a, format!("{b} \u{b5}s"))
            },
        )),
        style: SeriesStyle::nth(0),
        points: stats
            .iter()
            .map(|s| Pt::from_stats(s, us, spec.reps))
            .collect(),
        links: links::links(&xs, grid),
    }];
    let planned = match &spec.cycles {
        Cycles::List(v) => Some(v.len() as u64 * u64::from(spec.reps)),
        Cycles::Ladder { .. } => None,
    };
    let note = partial::note(state, rows.len(), planned, Some(&resume_hint(meta, dir)));
    let conditions = format!(
        "{} attempts \u{d7} {} reps, TSC {} GHz, 1 thread",
        numfmt::thousands(spec.attempts),
        spec.reps,
        numfmt::sig(tsc_hz / 1e9, 4)
    );
    Figure {
        title: format!(
            "{} duration: commit probability against transaction length{}",
            report::htm_name(meta),
            note.as_ref().map_or("", |n| n.title_suffix.as_str())
        ),
        subtitle: subtitle(meta, &conditions),
        warning: warning(meta),
        partial: note.map(|n| n.caption),
        x_label: "transaction duration (microseconds, log scale)".into(),
        x_short: "duration (\u{b5}s)".into(),
        x_integers: false,
        legend_heading: legend_heading(&series, spec.reps, grid.is_some()),
        series,
        references: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Tally;
    use crate::kernels::footprint::Warmth;
    use crate::results::{Hardware, Status, meta};
    use crate::sweep::spec::{CapacitySpec, DurationSpec};

    fn meta_for(spec: SweepSpec) -> Meta {
        Meta {
            format: meta::FORMAT,
            hardware: Hardware::Rtm,
            spec,
            machine: serde_json::from_str(meta::tests::MACHINE_JSON).unwrap(),
            pinned_core: None,
            started: "2026-11-22T00:00:00Z".into(),
            ended: None,
            status: Status::Interrupted,
            resumes: vec![],
            skipped: vec![],
            oversubscribed: false,
            models: Default::default(),
        }
    }

    fn capacity(sizes: Sizes) -> CapacitySpec {
        CapacitySpec {
            ops: vec![Op::Write, Op::Read],
            patterns: vec![Pattern::Seq],
            sizes,
            warmth: Warmth::Warm,
            attempts: 10,
            reps: 3,
            seed: 1,
            model: None,
        }
    }

    fn row(op: Op, lines: u64, rep: u32, commits: u64) -> CapacityRow {
        let t = Tally {
            attempts: 10,
            commits,
            capacity: 10 - commits,
            ..Tally::default()
        };
        CapacityRow::new(op, Pattern::Seq, lines, Warmth::Warm, rep, 1, &t)
    }

    /// Write seq at 1 and 2 lines (all reps, committing), then 4 lines with one rep: the run
    /// stopped there, before any read point.
    fn stopped_rows() -> Vec<CapacityRow> {
        let mut rows = Vec::new();
        for lines in [1, 2] {
            for rep in 0..3 {
                rows.push(row(Op::Write, lines, rep, 9));
            }
        }
        rows.push(row(Op::Write, 4, 0, 8));
        rows
    }

    #[test]
    fn a_partial_run_says_so_in_its_title_caption_and_legend() {
        let m = meta_for(SweepSpec::Capacity(capacity(Sizes::List(vec![1, 2, 4, 8]))));
        let rows = stopped_rows();
        let dir = Path::new("results/run");
        let fig = capacity_figure(&m, &rows, RunState::Interrupted, dir);
        assert!(
            fig.title.ends_with(" [PARTIAL: interrupted]"),
            "{}",
            fig.title
        );
        let caption = fig.partial.as_deref().unwrap();
        assert!(
            caption.starts_with("PARTIAL RUN (interrupted): 7 of 24 planned rows"),
            "{caption}"
        );
        assert!(
            caption.contains("tmlab sweep capacity --resume results/run"),
            "{caption}"
        );
        let write = &fig.series[0];
        let note = write.note.as_deref().unwrap();
        assert!(
            note.contains("so far") && !note.contains("every point"),
            "{note}"
        );
        assert!(!write.points[2].complete, "4 lines has 1 of 3 reps: hollow");
        assert!(fig.legend_heading.iter().any(|l| l.contains("hollow")));
        let read = &fig.series[1];
        assert!(read.points.is_empty());
        assert_eq!(
            read.note.as_deref(),
            Some("not measured: the run stopped first")
        );

        let killed = capacity_figure(&m, &rows, RunState::Killed, dir);
        assert!(killed.title.ends_with("[PARTIAL: killed]"));
        assert!(
            killed
                .partial
                .unwrap()
                .contains("killed: status running, no live owner")
        );
        let live = capacity_figure(&m, &rows, RunState::Running { pid: Some(42) }, dir);
        assert!(live.title.ends_with("[PARTIAL: still running (pid 42)]"));
        let done = capacity_figure(&m, &rows, RunState::Complete, dir);
        assert!(done.partial.is_none() && !done.title.contains("PARTIAL"));
        let note = done.series[0].note.as_deref().unwrap();
        assert!(note.contains("no 50 % point in range"), "{note}");
    }

    #[test]
    fn lines_join_grid_neighbours_only_and_refined_curves_are_markers() {
        let list = meta_for(SweepSpec::Capacity(capacity(Sizes::List(vec![1, 2, 4, 8]))));
        // 4 lines never measured: 2 and 8 must not be joined.
        let rows: Vec<CapacityRow> = [1, 2, 8]
            .iter()
            .flat_map(|&l| (0..3).map(move |rep| row(Op::Write, l, rep, 9)))
            .collect();
        let fig = capacity_figure(&list, &rows, RunState::Complete, Path::new("d"));
        assert_eq!(fig.series[0].links, [true, false]);
        let refine = meta_for(SweepSpec::Capacity(capacity(Sizes::Refine {
            max_lines: 8,
        })));
        let fig = capacity_figure(&refine, &rows, RunState::Complete, Path::new("d"));
        assert_eq!(fig.series[0].links, [false, false]);
        assert!(
            fig.legend_heading
                .iter()
                .any(|l| l.starts_with("markers only"))
        );
    }

    #[test]
    fn the_crossing_is_stated_at_the_measured_resolution() {
        let m = meta_for(SweepSpec::Capacity(capacity(Sizes::List(vec![
            1, 512, 1024,
        ]))));
        let mut rows = Vec::new();
        for (lines, commits) in [(1, 10), (512, 9), (1024, 1)] {
            for rep in 0..3 {
                rows.push(row(Op::Write, lines, rep, commits));
            }
        }
        let fig = capacity_figure(&m, &rows, RunState::Complete, Path::new("d"));
        assert_eq!(
            fig.series[0].note.as_deref(),
            Some("\u{2265} 50 % to 512, < 50 % at 1,024 lines")
        );
        // The L1D of the test machine: 32 KiB of 64-byte lines.
        assert_eq!(
            fig.references,
            [Reference {
                x: 512.0,
                label: "L1D 32 KiB = 512 lines".into()
            }]
        );
        let d = meta_for(SweepSpec::Duration(DurationSpec {
            cycles: Cycles::Ladder {
                min: 1000,
                max: 1 << 20,
                steps_per_octave: 2,
            },
            attempts: 10,
            reps: 1,
            seed: 1,
            model: None,
        }));
        let t = |commits| Tally {
            attempts: 10,
            commits,
            status0: 10 - commits,
            ..Tally::default()
        };
        let rows = vec![
            DurationRow::new(1000, 2.5e9, 0, 1, &t(9)),
            DurationRow::new(1414, 2.5e9, 0, 1, &t(2)),
        ];
        let fig = duration_figure(&d, &rows, RunState::Complete, Path::new("d"));
        // 0.4 us and 0.5656 us: two significant digits tell them apart.
        assert_eq!(
            fig.series[0].note.as_deref(),
            Some("\u{2265} 50 % to 0.4, < 50 % at 0.57 \u{b5}s")
        );
        assert_eq!(fig.series[0].links, [true], "ladder rungs are neighbours");
    }
}
