//! Results: what one step and one run measured, their ratios to the ceiling, the table printed
//! for people and the JSON line written for scripts (and read back by `plot`).

use std::fmt::Write as _;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::layout::Layout;
use crate::sys::{Machine, Memory};

/// End-to-end latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Percentiles {
    /// From a histogram of microseconds; `None` when nothing was recorded.
    pub fn of(micros: &Histogram<u64>) -> Option<Self> {
        if micros.is_empty() {
            return None;
        }
        let ms = |q: f64| micros.value_at_quantile(q) as f64 / 1000.0;
        Some(Self {
            p50_ms: ms(0.50),
            p90_ms: ms(0.90),
            p99_ms: ms(0.99),
            max_ms: micros.max() as f64 / 1000.0,
        })
    }
}

/// One period of steady load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// Deliveries per second asked for: messages per second times members of their rooms.
    pub offered_per_s: f64,
    /// Messages per second from each sender.
    pub rate_per_sender: f64,
    /// How long the senders sent.
    pub seconds: f64,
    pub sent: u64,
    pub expected: u64,
    pub received: u64,
    /// Owed deliveries that had not arrived when the drain time ran out.
    pub lost: u64,
    /// `error` frames received.
    pub errors: u64,
    /// Sockets closed during the step (the server drops readers that fall too far behind).
    pub dropped_connections: u64,
    /// Deliveries received per second, from the first send to the last arrival.
    pub deliveries_per_s: f64,
    pub latency: Option<Percentiles>,
    /// CPU cores the server used (the ceiling's threads, or the server's process).
    pub server_cores: Option<f64>,
    /// CPU cores the bench's clients used.
    pub bench_cores: f64,
    /// CPU cores everything else on the machine used meanwhile (other builds on a shared
    /// machine): a step measured while this was high is noisy.
    #[serde(default)]
    pub other_cores: Option<f64>,
}

impl StepReport {
    pub fn p99_ms(&self) -> Option<f64> {
        self.latency.map(|l| l.p99_ms)
    }
}

/// Our figures divided by the ceiling's, from the same invocation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ratios {
    /// Deliveries per second (for `sweep`: of the best step that held). Higher is better.
    pub deliveries_per_s: Option<f64>,
    /// p99 latency. Lower is better.
    pub p99: Option<f64>,
    /// Server memory per idle connection. Lower is better.
    pub kib_per_connection: Option<f64>,
    /// Time until every member was welcomed. Lower is better.
    #[serde(default)]
    pub connect_seconds: Option<f64>,
}

/// `join`: how the storm of joins went, beyond the time until all were in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinFigures {
    /// Each join, from its handshake's start to its welcome.
    pub per_join: Option<Percentiles>,
    /// From the last welcome until the frames the joins set off stopped (0.5 s of quiet,
    /// included).
    pub settle_seconds: f64,
    /// Frames the clients received after their welcomes, from the first join until the storm
    /// settled (participant and presence frames: the ceiling sends none).
    pub storm_frames: u64,
    /// Handshakes the clients kept in flight at once.
    pub connect_concurrency: usize,
}

/// One scenario against one target: a JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// `fanout`, `sweep` or `idle`.
    pub scenario: String,
    /// `ceiling`, or the label given for the server (`embedded`, `redis`, …).
    pub label: String,
    pub layout: Layout,
    pub connected: usize,
    pub failed: usize,
    pub connect_seconds: f64,
    pub server_memory_before: Option<Memory>,
    pub server_memory_after: Option<Memory>,
    /// `idle`: (server RSS after − before) / connections.
    pub server_kib_per_connection: Option<f64>,
    /// `idle`: the bench process's own RSS growth per connection (its clients).
    pub bench_kib_per_connection: Option<f64>,
    /// `join`: per-join times and the storm after them.
    #[serde(default)]
    pub join: Option<JoinFigures>,
    pub steps: Vec<StepReport>,
    /// `fanout`: its one step; `sweep`: the highest step that held.
    pub best: Option<StepReport>,
    /// `sweep`: why it stopped.
    pub stop_reason: Option<String>,
    pub ratio_to_ceiling: Option<Ratios>,
    /// Why sockets were closed by the server, with counts.
    pub closes: Vec<(String, u64)>,
    /// Anything a reader of the numbers should know (how a figure was derived, failures).
    pub notes: Vec<String>,
    pub machine: Machine,
    pub unix_time: u64,
}

impl RunReport {
    pub fn is_ceiling(&self) -> bool {
        self.label == "ceiling"
    }

    /// Fills `ratio_to_ceiling` from the ceiling's run of the same scenario and layout.
    pub fn compare_with(&mut self, ceiling: &RunReport) {
        let div = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        };
        let best = |r: &RunReport| r.best.as_ref().map(|s| s.deliveries_per_s);
        let p99 = |r: &RunReport| r.best.as_ref().and_then(StepReport::p99_ms);
        self.ratio_to_ceiling = Some(Ratios {
            deliveries_per_s: div(best(self), best(ceiling)),
            p99: div(p99(self), p99(ceiling)),
            kib_per_connection: div(
                self.server_kib_per_connection,
                ceiling.server_kib_per_connection,
            ),
            connect_seconds: div(Some(self.connect_seconds), Some(ceiling.connect_seconds)),
        });
    }

    pub fn json_line(&self) -> String {
        serde_json::to_string(self).expect("reports serialize")
    }
}

/// `1234567` → `1.23M`, `12345` → `12.3k`, `950` → `950`.
pub fn count(value: f64) -> String {
    let (scaled, unit) = if value >= 1e6 {
        (value / 1e6, "M")
    } else if value >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    if unit.is_empty() {
        format!("{scaled:.0}")
    } else if scaled >= 100.0 {
        format!("{scaled:.0}{unit}")
    } else if scaled >= 10.0 {
        format!("{scaled:.1}{unit}")
    } else {
        format!("{scaled:.2}{unit}")
    }
}

/// Milliseconds with about three significant digits.
pub fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn opt(value: Option<f64>, f: impl Fn(f64) -> String) -> String {
    value.map_or_else(|| "-".into(), f)
}

fn ratio(value: Option<f64>) -> String {
    opt(value, |r| format!("{r:.2}x"))
}

/// One line per step, as a sweep prints them while it runs.
pub fn step_line(step: &StepReport) -> String {
    let l = step.latency;
    format!(
        "offered {:>7}/s  got {:>7}/s  sent {:>7}  lost {:>6}  errors {:>4}  dropped {:>3}  p50 {:>6}  p99 {:>6}  max {:>6} ms  server {:>4} bench {:.2} others {:>4} cores",
        count(step.offered_per_s),
        count(step.deliveries_per_s),
        step.sent,
        step.lost,
        step.errors,
        step.dropped_connections,
        opt(l.map(|l| l.p50_ms), ms),
        opt(l.map(|l| l.p99_ms), ms),
        opt(l.map(|l| l.max_ms), ms),
        opt(step.server_cores, |c| format!("{c:.2}")),
        step.bench_cores,
        opt(step.other_cores, |c| format!("{c:.2}")),
    )
}

/// The table of `fanout` or `sweep` runs: one row per run's best step.
pub fn load_table(runs: &[RunReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:>8} {:>6} {:>8} {:>9} {:>9} {:>9} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6} {:>8} {:>8} {:>8}",
        "target", "layout", "conns", "connect", "offered/s", "deliv/s", "sent", "lost",
        "p50 ms", "p90 ms", "p99 ms", "max ms", "srv cpu", "bench", "others", "srv MiB", "x d/s", "x p99"
    );
    for run in runs {
        let step = run.best.as_ref();
        let l = step.and_then(|s| s.latency);
        let ratios = run.ratio_to_ceiling;
        let _ = writeln!(
            out,
            "{:<10} {:>8} {:>6} {:>7.1}s {:>9} {:>9} {:>9} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6} {:>8} {:>8} {:>8}",
            run.label,
            run.layout.name(),
            run.connected,
            run.connect_seconds,
            opt(step.map(|s| s.offered_per_s), count),
            opt(step.map(|s| s.deliveries_per_s), count),
            opt(step.map(|s| s.sent as f64), count),
            opt(step.map(|s| s.lost as f64), |v| format!("{v:.0}")),
            opt(l.map(|l| l.p50_ms), ms),
            opt(l.map(|l| l.p90_ms), ms),
            opt(l.map(|l| l.p99_ms), ms),
            opt(l.map(|l| l.max_ms), ms),
            opt(step.and_then(|s| s.server_cores), |c| format!("{c:.2}")),
            opt(step.map(|s| s.bench_cores), |c| format!("{c:.2}")),
            opt(step.and_then(|s| s.other_cores), |c| format!("{c:.2}")),
            opt(run.server_memory_after.map(|m| m.rss_kib as f64 / 1024.0), |m| format!("{m:.0}")),
            ratio(ratios.and_then(|r| r.deliveries_per_s)),
            ratio(ratios.and_then(|r| r.p99)),
        );
    }
    out
}

/// The table of `idle` runs.
pub fn idle_table(runs: &[RunReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:>6} {:>9} {:>12} {:>12} {:>13} {:>13} {:>9}",
        "target",
        "conns",
        "connect",
        "RSS before",
        "RSS after",
        "server KiB/c",
        "bench KiB/c",
        "x KiB/c"
    );
    let mib = |m: Option<Memory>| {
        opt(m.map(|m| m.rss_kib as f64 / 1024.0), |v| {
            format!("{v:.1} MiB")
        })
    };
    for run in runs {
        let _ = writeln!(
            out,
            "{:<10} {:>6} {:>8.1}s {:>12} {:>12} {:>13} {:>13} {:>9}",
            run.label,
            run.connected,
            run.connect_seconds,
            mib(run.server_memory_before),
            mib(run.server_memory_after),
            opt(run.server_kib_per_connection, |v| format!("{v:.1}")),
            opt(run.bench_kib_per_connection, |v| format!("{v:.1}")),
            ratio(run.ratio_to_ceiling.and_then(|r| r.kib_per_connection)),
        );
    }
    out
}

/// The table of `join` runs.
pub fn join_table(runs: &[RunReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:<7} {:>8} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8} {:>10} {:>10} {:>10} {:>9} {:>7} {:>7}",
        "target", "storm", "layout", "conns", "failed", "all in", "p50 ms", "p99 ms", "max ms", "settle",
        "frames", "RSS before", "RSS after", "RSS peak", "KiB/conn", "x time", "x KiB"
    );
    let mib = |kib: Option<u64>| opt(kib.map(|k| k as f64 / 1024.0), |v| format!("{v:.0} MiB"));
    for run in runs {
        let join = run.join.as_ref();
        let per_join = join.and_then(|j| j.per_join);
        let ratios = run.ratio_to_ceiling;
        let _ = writeln!(
            out,
            "{:<10} {:<7} {:>8} {:>6} {:>6} {:>7.2}s {:>8} {:>8} {:>8} {:>6.1}s {:>8} {:>10} {:>10} {:>10} {:>9} {:>7} {:>7}",
            run.label,
            run.scenario,
            run.layout.name(),
            run.connected,
            run.failed,
            run.connect_seconds,
            opt(per_join.map(|p| p.p50_ms), ms),
            opt(per_join.map(|p| p.p99_ms), ms),
            opt(per_join.map(|p| p.max_ms), ms),
            join.map_or(0.0, |j| j.settle_seconds),
            opt(join.map(|j| j.storm_frames as f64), count),
            mib(run.server_memory_before.map(|m| m.rss_kib)),
            mib(run.server_memory_after.map(|m| m.rss_kib)),
            mib(run.server_memory_after.map(|m| m.peak_kib)),
            opt(run.server_kib_per_connection, |v| format!("{v:.1}")),
            ratio(ratios.and_then(|r| r.connect_seconds)),
            ratio(ratios.and_then(|r| r.kib_per_connection)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_histogram_in_milliseconds() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap();
        for micros in 1..=1000u64 {
            h.record(micros * 100).unwrap();
        }
        let p = Percentiles::of(&h).unwrap();
        assert!((p.p50_ms - 50.0).abs() < 0.1, "{p:?}");
        assert!((p.p99_ms - 99.0).abs() < 0.1, "{p:?}");
        assert!((p.max_ms - 100.0).abs() < 0.1, "{p:?}");
        assert!(Percentiles::of(&Histogram::<u64>::new(3).unwrap()).is_none());
    }

    #[test]
    fn numbers_are_printed_short() {
        assert_eq!(count(950.0), "950");
        assert_eq!(count(12_345.0), "12.3k");
        assert_eq!(count(1_234_567.0), "1.23M");
        assert_eq!(count(250_000.0), "250k");
        assert_eq!(ms(0.4321), "0.43");
        assert_eq!(ms(12.34), "12.3");
        assert_eq!(ms(150.4), "150");
    }

    pub(crate) fn step(deliveries: f64, p99: f64) -> StepReport {
        StepReport {
            offered_per_s: deliveries,
            rate_per_sender: 1.0,
            seconds: 5.0,
            sent: 100,
            expected: 1000,
            received: 1000,
            lost: 0,
            errors: 0,
            dropped_connections: 0,
            deliveries_per_s: deliveries,
            latency: Some(Percentiles {
                p50_ms: p99 / 4.0,
                p90_ms: p99 / 2.0,
                p99_ms: p99,
                max_ms: p99 * 2.0,
            }),
            server_cores: Some(1.5),
            bench_cores: 0.5,
            other_cores: Some(0.1),
        }
    }

    fn run(label: &str, best: StepReport) -> RunReport {
        RunReport {
            scenario: "sweep".into(),
            label: label.into(),
            layout: Layout::new(1000, 1, None, None, 100).unwrap(),
            connected: 1000,
            failed: 0,
            connect_seconds: 3.2,
            server_memory_before: None,
            server_memory_after: Some(Memory {
                rss_kib: 40 * 1024,
                peak_kib: 50 * 1024,
            }),
            server_kib_per_connection: None,
            bench_kib_per_connection: None,
            join: None,
            steps: vec![best.clone()],
            best: Some(best),
            stop_reason: None,
            ratio_to_ceiling: None,
            closes: Vec::new(),
            notes: Vec::new(),
            machine: Machine {
                nproc: 2,
                cpu_model: "test".into(),
                memory_mib: 1024,
            },
            unix_time: 0,
        }
    }

    #[test]
    fn ratios_divide_ours_by_the_ceilings() {
        let ceiling = run("ceiling", step(400_000.0, 20.0));
        let mut ours = run("embedded", step(300_000.0, 40.0));
        ours.compare_with(&ceiling);
        let r = ours.ratio_to_ceiling.unwrap();
        assert_eq!(r.deliveries_per_s, Some(0.75));
        assert_eq!(r.p99, Some(2.0));
        assert_eq!(r.kib_per_connection, None);
    }

    #[test]
    fn the_table_has_a_row_per_run_with_the_ratio() {
        let ceiling = run("ceiling", step(400_000.0, 20.0));
        let mut ours = run("embedded", step(300_000.0, 40.0));
        ours.compare_with(&ceiling);
        let table = load_table(&[ceiling, ours.clone()]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("target"));
        assert!(lines[2].starts_with("embedded"), "{table}");
        assert!(
            lines[2].contains("300k") && lines[2].contains("0.75x"),
            "{table}"
        );
        let back: RunReport = serde_json::from_str(&ours.json_line()).unwrap();
        assert_eq!(back, ours);
    }

    #[test]
    fn a_join_row_shows_the_time_and_memory_ratios_to_the_ceiling() {
        let mut ceiling = run("ceiling", step(1.0, 1.0));
        ceiling.connect_seconds = 0.5;
        ceiling.server_kib_per_connection = Some(10.0);
        let mut ours = run("embedded", step(1.0, 1.0));
        ours.connect_seconds = 2.0;
        ours.server_kib_per_connection = Some(5.0);
        ours.join = Some(JoinFigures {
            per_join: ours.best.as_ref().and_then(|s| s.latency),
            settle_seconds: 1.5,
            storm_frames: 12_345,
            connect_concurrency: 32,
        });
        ours.compare_with(&ceiling);
        let r = ours.ratio_to_ceiling.unwrap();
        assert_eq!(
            (r.connect_seconds, r.kib_per_connection),
            (Some(4.0), Some(0.5))
        );
        let table = join_table(&[ceiling, ours.clone()]);
        let row = table.lines().nth(2).unwrap();
        assert!(row.starts_with("embedded"), "{table}");
        assert!(
            row.contains("2.00s") && row.contains("4.00x") && row.contains("0.50x"),
            "{table}"
        );
        assert!(row.contains("12.3k"), "{table}");
        let back: RunReport = serde_json::from_str(&ours.json_line()).unwrap();
        assert_eq!(back, ours);
    }
}
