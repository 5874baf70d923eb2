//! `plot`: reads the JSON lines of several `sweep` runs and draws p99 latency against offered
//! deliveries per second, one line per label (ceiling, embedded, redis, …), as an SVG; with
//! `--joins`, the `join` runs' connect time against room size (`join_plot`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context};
use plotters::prelude::*;

use crate::report::{self, RunReport};

/// The latency limit a sweep step must stay under, drawn as a dashed-looking red line.
const LIMIT_MS: f64 = 100.0;

/// Every run in `files` (JSON lines as the bench writes them; other lines are skipped), in
/// the order written.
pub fn read_runs(files: &[PathBuf]) -> anyhow::Result<Vec<RunReport>> {
    let mut runs = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        runs.extend(
            text.lines()
                .filter(|l| l.starts_with('{'))
                .filter_map(|line| serde_json::from_str::<RunReport>(line).ok()),
        );
    }
    Ok(runs)
}

/// The sweeps in `files`, of one layout if given. When a label was swept more than once, the
/// last run counts.
pub fn read_sweeps(
    files: &[PathBuf],
    layout: Option<&str>,
) -> anyhow::Result<BTreeMap<String, RunReport>> {
    Ok(read_runs(files)?
        .into_iter()
        .filter(|run| {
            run.scenario == "sweep" && layout.is_none_or(|name| run.layout.name() == name)
        })
        .map(|run| (run.label.clone(), run))
        .collect())
}

/// (offered deliveries/s, p99 ms) for every step that delivered something, by load (a
/// sweep's refinement steps come after the loads around them).
fn points(run: &RunReport) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = run
        .steps
        .iter()
        .filter_map(|s| Some((s.offered_per_s, s.p99_ms()?.max(0.01))))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

/// The ceiling in black, the others in distinct colours.
fn color_of(label: &str, index: usize) -> RGBAColor {
    const COLORS: [RGBColor; 4] = [
        RGBColor(0x1f, 0x77, 0xb4),
        RGBColor(0xd6, 0x27, 0x28),
        RGBColor(0x2c, 0xa0, 0x2c),
        RGBColor(0x94, 0x67, 0xbd),
    ];
    if label.starts_with("ceiling") {
        BLACK.to_rgba()
    } else {
        COLORS[index % COLORS.len()].to_rgba()
    }
}

pub fn draw(files: &[PathBuf], out: &Path, layout: Option<&str>) -> anyhow::Result<()> {
    let runs = read_sweeps(files, layout)?;
    let series: Vec<Series> = runs
        .iter()
        .map(|(label, run)| Series {
            label: format!("{label} ({})", run.layout.name()),
            points: points(run),
            faint: false,
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    ensure!(
        !series.is_empty(),
        "no sweep results in those files{}",
        layout.map_or(String::new(), |l| format!(" for layout {l}"))
    );
    let caption = match layout {
        Some(l) => format!("p99 latency vs offered load, {l} (members x rooms)"),
        None => "p99 latency vs offered load".to_owned(),
    };
    let axes = Axes {
        caption,
        x_desc: "offered deliveries per second",
        y_desc: "p99 end-to-end latency (ms)",
        y_label: &|v| report::ms(*v),
        limit: Some((LIMIT_MS, "100 ms limit")),
    };
    draw_log_log(out, &axes, &series)
}

/// One line of a plot.
pub struct Series {
    pub label: String,
    /// (x, y), in x order.
    pub points: Vec<(f64, f64)>,
    /// Drawn thin and pale in the colour of the line before it, of which it is a variant (a
    /// rejoin beside a first join).
    pub faint: bool,
}

/// What a plot's axes say.
pub struct Axes<'a> {
    pub caption: String,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub y_label: &'a dyn Fn(&f64) -> String,
    /// A horizontal line at this y, with its legend (a target the lines must stay under).
    pub limit: Option<(f64, &'a str)>,
}

/// Draws `series` on log–log axes into the SVG `out`, the ceiling in black.
pub fn draw_log_log(out: &Path, axes: &Axes<'_>, series: &[Series]) -> anyhow::Result<()> {
    let all = series.iter().flat_map(|s| s.points.iter());
    let y_floor = axes.limit.map_or(0.0, |(y, _)| y);
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, 0f64, f64::MAX, y_floor);
    for &(x, y) in all {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    let (x_min, x_max) = (x_min / 1.2, x_max * 1.2);
    let (y_min, y_max) = (y_min / 1.5, y_max * 1.5);

    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let root = SVGBackend::new(out, (960, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(&axes.caption, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d((x_min..x_max).log_scale(), (y_min..y_max).log_scale())?;
    chart
        .configure_mesh()
        .light_line_style(BLACK.mix(0.04))
        .x_labels(12)
        .y_labels(12)
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .x_label_formatter(&|v| report::count(*v))
        .y_label_formatter(axes.y_label)
        .draw()?;
    if let Some((y, legend)) = axes.limit {
        chart
            .draw_series(LineSeries::new(
                [(x_min, y), (x_max, y)],
                RED.mix(0.5).stroke_width(1),
            ))?
            .label(legend)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.mix(0.5)));
    }
    let mut distinct = 0;
    let mut color = BLACK.to_rgba();
    for line in series {
        // A faint line is the one before it in another storm: it keeps that line's colour.
        if !line.faint {
            color = color_of(&line.label, distinct);
            distinct += 1;
        }
        let style = if line.faint {
            color.mix(0.5).stroke_width(1)
        } else {
            color.stroke_width(2)
        };
        chart
            .draw_series(LineSeries::new(line.points.iter().copied(), style))?
            .label(line.label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        chart.draw_series(
            line.points
                .iter()
                .map(|&p| Circle::new(p, 3, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    eprintln!("wrote {}", out.display());
    Ok(())
}
