//! `plot`: reads the JSON lines of several `sweep` runs and draws p99 latency against offered
//! deliveries per second, one line per label (ceiling, embedded, redis, …), as an SVG.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context};
use plotters::prelude::*;

use crate::report::{self, RunReport};

/// The latency limit a sweep step must stay under, drawn as a dashed-looking red line.
const LIMIT_MS: f64 = 100.0;

/// The sweeps in `files` (JSON lines; other lines are skipped), of one layout if given. When a
/// label was swept more than once, the last run counts.
pub fn read_sweeps(
    files: &[PathBuf],
    layout: Option<&str>,
) -> anyhow::Result<BTreeMap<String, RunReport>> {
    let mut runs = BTreeMap::new();
    for file in files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        for line in text.lines().filter(|l| l.starts_with('{')) {
            let Ok(run) = serde_json::from_str::<RunReport>(line) else {
                continue;
            };
            if run.scenario == "sweep" && layout.is_none_or(|name| run.layout.name() == name) {
                runs.insert(run.label.clone(), run);
            }
        }
    }
    Ok(runs)
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
fn color(label: &str, index: usize) -> RGBAColor {
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
    let series: Vec<(String, Vec<(f64, f64)>)> = runs
        .iter()
        .map(|(label, run)| (format!("{label} ({})", run.layout.name()), points(run)))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    ensure!(
        !series.is_empty(),
        "no sweep results in those files{}",
        layout.map_or(String::new(), |l| format!(" for layout {l}"))
    );
    let all = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, 0f64, f64::MAX, LIMIT_MS);
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
    let title = match layout {
        Some(l) => format!("p99 latency vs offered load, {l} (members x rooms)"),
        None => "p99 latency vs offered load".to_owned(),
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d((x_min..x_max).log_scale(), (y_min..y_max).log_scale())?;
    chart
        .configure_mesh()
        .light_line_style(BLACK.mix(0.04))
        .x_labels(12)
        .y_labels(12)
        .x_desc("offered deliveries per second")
        .y_desc("p99 end-to-end latency (ms)")
        .x_label_formatter(&|v| report::count(*v))
        .y_label_formatter(&|v| report::ms(*v))
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            [(x_min, LIMIT_MS), (x_max, LIMIT_MS)],
            RED.mix(0.5).stroke_width(1),
        ))?
        .label("100 ms limit")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.mix(0.5)));
    for (i, (label, points)) in series.iter().enumerate() {
        let color = color(label, i);
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
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
