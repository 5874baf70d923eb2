//! `plot --joins`: the time until every member of one room was welcomed, against the room's
//! size, one line per label and storm (`join`: first entries, `rejoin`), from `join` runs'
//! JSON lines, as an SVG on log–log axes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::ensure;

use crate::plot::{draw_log_log, read_runs, Axes, Series};

/// (members, seconds until all were in) of every one-room `join`/`rejoin` run in `files`, by
/// series name (`embedded`, `embedded, rejoin`, …); the last run of a size counts.
pub fn read_joins(files: &[PathBuf]) -> anyhow::Result<BTreeMap<String, Vec<(f64, f64)>>> {
    let mut by_series: BTreeMap<String, BTreeMap<usize, f64>> = BTreeMap::new();
    for run in read_runs(files)? {
        let rejoin = match run.scenario.as_str() {
            "join" => false,
            "rejoin" => true,
            _ => continue,
        };
        if run.layout.rooms != 1 || run.failed > 0 || run.connected == 0 {
            continue;
        }
        let series = if rejoin {
            format!("{}, rejoin", run.label)
        } else {
            run.label.clone()
        };
        by_series
            .entry(series)
            .or_default()
            .insert(run.layout.members, run.connect_seconds);
    }
    Ok(by_series
        .into_iter()
        .map(|(series, sizes)| {
            let points = sizes
                .into_iter()
                .map(|(members, seconds)| (members as f64, seconds.max(0.001)))
                .collect();
            (series, points)
        })
        .collect())
}

pub fn draw(files: &[PathBuf], out: &Path) -> anyhow::Result<()> {
    let series: Vec<Series> = read_joins(files)?
        .into_iter()
        .map(|(label, points)| Series {
            faint: label.ends_with("rejoin"),
            label,
            points,
        })
        .collect();
    ensure!(
        !series.is_empty(),
        "no one-room join results in those files (run `chat-bench join --rooms 1`)"
    );
    let axes = Axes {
        caption: "time until every member of one room is welcomed".to_owned(),
        x_desc: "members in the room",
        y_desc: "seconds until all are in",
        y_label: &|v| format!("{v:.2}"),
        limit: None,
    };
    draw_log_log(out, &axes, &series)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `join` line as the bench writes it (the ceiling's 5000 × 1 run of issue 19).
    const LINE: &str = r#"{"scenario":"join","label":"ceiling","layout":{"members":5000,"rooms":1,"senders":0,"users":5000,"body_bytes":100},"connected":5000,"failed":0,"connect_seconds":0.476910968,"server_memory_before":{"rss_kib":5968,"peak_kib":5968},"server_memory_after":{"rss_kib":33912,"peak_kib":33912},"server_kib_per_connection":5.5888,"bench_kib_per_connection":null,"join":{"per_join":{"p50_ms":1.93,"p90_ms":2.839,"p99_ms":16.847,"max_ms":32.479},"settle_seconds":0.500904508,"storm_frames":0,"connect_concurrency":32},"steps":[],"best":null,"stop_reason":null,"ratio_to_ceiling":null,"closes":[],"notes":[],"machine":{"nproc":2,"cpu_model":"Intel(R) Xeon(R) Processor","memory_mib":24105},"unix_time":1795949075}"#;

    fn run(scenario: &str, label: &str, members: usize, rooms: usize, seconds: f64) -> String {
        let mut v: serde_json::Value = serde_json::from_str(LINE).unwrap();
        v["scenario"] = scenario.into();
        v["label"] = label.into();
        v["layout"]["members"] = members.into();
        v["layout"]["rooms"] = rooms.into();
        v["connect_seconds"] = seconds.into();
        v.to_string()
    }

    #[test]
    fn one_room_storms_become_a_series_per_label_and_storm_by_size() {
        let dir = std::env::temp_dir().join(format!("join-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("joins.jsonl");
        let lines = [
            run("join", "embedded", 5000, 1, 2.7),
            run("rejoin", "embedded", 5000, 1, 1.7),
            run("join", "embedded", 1000, 1, 0.9),
            run("join", "embedded", 5000, 100, 7.4),
            run("sweep", "embedded", 1000, 1, 0.1),
            "open-file limit: 20000".to_owned(),
            run("join", "embedded", 5000, 1, 2.5),
        ];
        std::fs::write(&file, lines.join("\n")).unwrap();
        let series = read_joins(&[file]).unwrap();
        assert_eq!(
            series.keys().collect::<Vec<_>>(),
            ["embedded", "embedded, rejoin"]
        );
        // Sorted by size; spread rooms and sweeps are not storms into one room; the later
        // 5000-member run replaces the earlier.
        assert_eq!(series["embedded"], [(1000.0, 0.9), (5000.0, 2.5)]);
        assert_eq!(series["embedded, rejoin"], [(5000.0, 1.7)]);

        let svg = dir.join("joins.svg");
        draw(&[dir.join("joins.jsonl")], &svg).unwrap();
        assert!(std::fs::read_to_string(&svg)
            .unwrap()
            .contains("embedded, rejoin"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
