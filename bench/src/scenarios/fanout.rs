//! `fanout`: C members in R rooms, S senders at a fixed rate for D seconds. Reports sent,
//! expected and received deliveries, loss, deliveries/s, latency, connect time and memory.

use super::{compare, connect_lanes, pause_between_runs, publish, report};
use crate::report::{load_table, step_line, RunReport};
use crate::FanoutArgs;

pub async fn run(args: &FanoutArgs) -> anyhow::Result<()> {
    let mut runs: Vec<RunReport> = Vec::new();
    for layout in args.layouts()? {
        let mut lanes = connect_lanes(&args.target, &layout).await?;
        for lane in &mut lanes {
            let rate = args
                .rate
                .unwrap_or_else(|| layout.rate_for(args.deliveries));
            let step = lane
                .run_step(&args.target, rate, args.duration, args.drain)
                .await;
            eprintln!("  {:<9} {}", lane.label(), step_line(&step));
            let mut run = report(
                "fanout",
                &lane.target,
                &layout,
                &lane.swarm,
                lane.memory_before,
            );
            run.steps.push(step.clone());
            run.best = Some(step);
            runs.push(run);
        }
        for lane in lanes {
            lane.close().await;
        }
        pause_between_runs().await;
    }
    compare(&mut runs);
    publish(&runs, load_table(&runs), &args.target)
}
