//! `sweep`: for one layout, raises the offered load step by step (×factor) on the same
//! connections until a step fails — p99 over the limit, or anything lost, refused or dropped —
//! then tries a few loads between the last that held and the first that failed. A failed step
//! is measured again before it counts (`--confirm`). The headline is the highest deliveries/s
//! that held.

use std::fmt;
use std::time::Duration;

use super::{compare, connect_lanes, pause_between_runs, publish, report, Lane};
use crate::report::{load_table, step_line, RunReport, StepReport};
use crate::SweepArgs;

/// Failed steps measured while the machine was busy that are measured again, at most.
const MAX_NOISY_RETRIES: usize = 4;

/// Whether a step held.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Held,
    Failed(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Held => f.write_str("held"),
            Verdict::Failed(why) => write!(f, "FAILED: {why}"),
        }
    }
}

/// The stop rule: a step holds when everything owed arrived, nothing was refused or dropped,
/// and p99 stayed at or under the limit.
pub fn verdict(step: &StepReport, p99_limit_ms: f64) -> Verdict {
    if step.sent == 0 {
        return Verdict::Failed("nothing was sent".into());
    }
    if step.lost > 0 {
        return Verdict::Failed(format!(
            "{} of {} deliveries lost",
            step.lost, step.expected
        ));
    }
    if step.dropped_connections > 0 {
        return Verdict::Failed(format!("{} connections dropped", step.dropped_connections));
    }
    if step.errors > 0 {
        return Verdict::Failed(format!("{} error frames", step.errors));
    }
    match step.p99_ms() {
        Some(p99) if p99 > p99_limit_ms => {
            Verdict::Failed(format!("p99 {p99:.1} ms > {p99_limit_ms} ms"))
        }
        Some(_) => Verdict::Held,
        None => Verdict::Failed("nothing was delivered".into()),
    }
}

/// Which offered load to try next, from what held and what failed so far.
#[derive(Debug, Clone)]
pub struct Search {
    start: f64,
    factor: f64,
    refine_left: usize,
    steps_left: usize,
    held: Option<f64>,
    failed: Option<f64>,
}

impl Search {
    pub fn new(start: f64, factor: f64, refine: usize, max_steps: usize) -> Self {
        Self {
            start,
            factor: factor.max(1.01),
            refine_left: refine,
            steps_left: max_steps,
            held: None,
            failed: None,
        }
    }

    /// The next load, or `None` when the sweep is done.
    pub fn next(&self) -> Option<f64> {
        match (self.held, self.failed) {
            (None, None) => (self.steps_left > 0).then_some(self.start),
            (Some(held), None) => (self.steps_left > 0).then_some(held * self.factor),
            // Even the first load failed: go down until something holds.
            (None, Some(failed)) => (self.steps_left > 0).then(|| failed / self.factor.powi(2)),
            // Between the best that held and the lowest that failed (geometric middle), while
            // the gap is worth measuring.
            (Some(held), Some(failed)) => {
                (self.refine_left > 0 && failed / held > 1.03).then(|| (held * failed).sqrt())
            }
        }
    }

    pub fn record(&mut self, offered: f64, held: bool) {
        if self.held.is_some() && self.failed.is_some() {
            self.refine_left = self.refine_left.saturating_sub(1);
        } else {
            self.steps_left = self.steps_left.saturating_sub(1);
        }
        if held {
            self.held = Some(self.held.map_or(offered, |h| h.max(offered)));
        } else {
            self.failed = Some(self.failed.map_or(offered, |f| f.min(offered)));
        }
    }
}

/// One target's sweep in progress.
struct Progress {
    search: Search,
    steps: Vec<StepReport>,
    first_failure: Option<String>,
    stop_reason: Option<String>,
    done: bool,
}

pub async fn run(args: &SweepArgs) -> anyhow::Result<()> {
    let layout = args.layout.layout(1000, 1)?;
    let mut lanes = connect_lanes(&args.target, &layout).await?;
    let mut progress: Vec<Progress> = lanes
        .iter()
        .map(|_| Progress {
            search: Search::new(args.start, args.factor, args.refine, args.max_steps),
            steps: Vec::new(),
            first_failure: None,
            stop_reason: None,
            done: false,
        })
        .collect();
    // Targets take turns at each load until each one's search is over.
    while progress.iter().any(|p| !p.done) {
        for (lane, progress) in lanes.iter_mut().zip(progress.iter_mut()) {
            if progress.done {
                continue;
            }
            let Some(offered) = progress.search.next() else {
                progress.done = true;
                continue;
            };
            let (step, verdict) = measure(lane, offered, args).await;
            progress.search.record(offered, verdict == Verdict::Held);
            if let Verdict::Failed(why) = &verdict {
                progress.first_failure.get_or_insert_with(|| {
                    format!("at {}/s: {why}", crate::report::count(offered))
                });
            }
            if step.dropped_connections > 0 {
                progress.stop_reason =
                    Some("connections were dropped; later steps would be wrong".into());
                progress.done = true;
            }
            progress.steps.push(step);
        }
    }
    let mut runs: Vec<RunReport> = Vec::new();
    for (lane, progress) in lanes.iter().zip(progress) {
        let mut run = report(
            "sweep",
            &lane.target,
            &layout,
            &lane.swarm,
            lane.memory_before,
        );
        run.best = progress
            .steps
            .iter()
            .filter(|s| verdict(s, args.p99_limit_ms) == Verdict::Held)
            .max_by(|a, b| a.offered_per_s.total_cmp(&b.offered_per_s))
            .cloned();
        run.stop_reason = progress
            .first_failure
            .or(progress.stop_reason)
            .or_else(|| Some("--max-steps reached before any failure".into()));
        run.steps = progress.steps;
        if run.best.is_none() {
            run.notes.push("no step held".into());
        }
        eprintln!(
            "{}: best held {} deliveries/s; stopped {}",
            run.label,
            run.best
                .as_ref()
                .map_or("nothing".into(), |s| crate::report::count(
                    s.deliveries_per_s
                )),
            run.stop_reason.as_deref().unwrap_or("")
        );
        runs.push(run);
    }
    for lane in lanes {
        lane.close().await;
    }
    pause_between_runs().await;
    compare(&mut runs);
    publish(&runs, load_table(&runs), &args.target)
}

/// Runs one load on one target; a failure is measured again (`--confirm` times) before it
/// counts, since a shared machine's hiccup can fail a step that holds; with `--wait-quiet`, a
/// failure while the rest of the machine was busy is measured again without counting as a
/// try. Returns the step whose verdict counts.
async fn measure(lane: &mut Lane, offered: f64, args: &SweepArgs) -> (StepReport, Verdict) {
    let mut attempt = 0;
    let mut noisy_retries = 0;
    loop {
        let rate = offered / lane.swarm.offered(1.0).max(1.0);
        let step = lane
            .run_step(&args.target, rate, args.step_seconds, args.drain)
            .await;
        let verdict = verdict(&step, args.p99_limit_ms);
        eprintln!("  {:<9} {}  {verdict}", lane.label(), step_line(&step));
        // Let any backlog drain before the next load.
        lane.swarm.settle(Duration::from_secs(30)).await;
        if verdict == Verdict::Held || step.dropped_connections > 0 {
            return (step, verdict);
        }
        // A failure while the rest of the machine was busy says little about the target:
        // measure again (a few times at most) without counting it as a confirmation.
        let noisy = args.target.wait_quiet > 0.0
            && step
                .other_cores
                .is_some_and(|c| c > args.target.quiet_below);
        if noisy && noisy_retries < MAX_NOISY_RETRIES {
            noisy_retries += 1;
            eprintln!("  (the machine was busy during that step; measuring it again)");
            continue;
        }
        if attempt >= args.confirm {
            return (step, verdict);
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Percentiles;

    fn step(lost: u64, errors: u64, dropped: u64, p99_ms: Option<f64>) -> StepReport {
        StepReport {
            offered_per_s: 10_000.0,
            rate_per_sender: 1.0,
            seconds: 5.0,
            sent: 50,
            expected: 50_000,
            received: 50_000 - lost,
            lost,
            errors,
            dropped_connections: dropped,
            deliveries_per_s: 10_000.0,
            latency: p99_ms.map(|p| Percentiles {
                p50_ms: p / 3.0,
                p90_ms: p / 2.0,
                p99_ms: p,
                max_ms: p * 2.0,
            }),
            server_cores: None,
            bench_cores: 0.3,
            other_cores: None,
        }
    }

    #[test]
    fn a_step_holds_only_with_no_loss_and_p99_within_the_limit() {
        assert_eq!(verdict(&step(0, 0, 0, Some(99.9)), 100.0), Verdict::Held);
        assert_eq!(verdict(&step(0, 0, 0, Some(100.0)), 100.0), Verdict::Held);
        assert!(
            matches!(verdict(&step(0, 0, 0, Some(100.1)), 100.0), Verdict::Failed(w) if w.contains("p99"))
        );
        assert!(
            matches!(verdict(&step(1, 0, 0, Some(5.0)), 100.0), Verdict::Failed(w) if w.contains("lost"))
        );
        assert!(
            matches!(verdict(&step(0, 3, 0, Some(5.0)), 100.0), Verdict::Failed(w) if w.contains("error"))
        );
        assert!(
            matches!(verdict(&step(0, 0, 2, Some(5.0)), 100.0), Verdict::Failed(w) if w.contains("dropped"))
        );
        assert!(matches!(
            verdict(&step(0, 0, 0, None), 100.0),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn the_search_grows_by_the_factor_until_a_failure_then_refines_between() {
        let mut search = Search::new(1000.0, 2.0, 2, 10);
        assert_eq!(search.next(), Some(1000.0));
        search.record(1000.0, true);
        assert_eq!(search.next(), Some(2000.0));
        search.record(2000.0, true);
        assert_eq!(search.next(), Some(4000.0));
        search.record(4000.0, false);
        // Geometric middle of 2000 and 4000.
        let middle = search.next().unwrap();
        assert!((middle - 2828.4).abs() < 1.0, "{middle}");
        search.record(middle, true);
        let next = search.next().unwrap();
        assert!(next > middle && next < 4000.0);
        search.record(next, false);
        assert_eq!(search.next(), None, "refinement is bounded");
    }

    #[test]
    fn the_search_stops_at_max_steps_and_goes_down_when_the_first_step_fails() {
        let mut search = Search::new(1000.0, 2.0, 0, 2);
        search.record(1000.0, true);
        search.record(2000.0, true);
        assert_eq!(search.next(), None);

        let mut low = Search::new(1000.0, 2.0, 0, 5);
        low.record(1000.0, false);
        assert_eq!(low.next(), Some(250.0));
    }
}
