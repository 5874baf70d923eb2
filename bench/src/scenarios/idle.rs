//! `idle`: opens C connections that send nothing and reports the server's memory per
//! connection, (RSS after − RSS before) / C. With `--big-room N`, N more members then join one
//! room of their own among the idle sockets and messages sent there are timed as in `fanout`
//! (issue 19: does a big room still deliver fast with 50,000 sockets open?).
//!
//! Memory is a whole process's, so here the ceiling runs in a child process of this binary
//! (`ceiling-server`, the same code) instead of in this one next to the clients.

use std::time::Duration;

use super::{compare, pause_between_runs, prepare_apart, publish, report, targets, wait_for_quiet};
use crate::layout::Layout;
use crate::report::{idle_table, step_line, RunReport, StepReport};
use crate::swarm::{ConnectOptions, Swarm};
use crate::sys::{self, Memory};
use crate::target::Target;
use crate::IdleArgs;

pub(super) fn kib_per(
    before: Option<Memory>,
    after: Option<Memory>,
    connections: usize,
) -> Option<f64> {
    let (before, after) = (before?, after?);
    (connections > 0).then(|| (after.rss_kib as f64 - before.rss_kib as f64) / connections as f64)
}

pub async fn run(args: &IdleArgs) -> anyhow::Result<()> {
    let mut layout = args.layout.layout(5000, 100)?;
    layout.senders = 0;
    let mut runs: Vec<RunReport> = Vec::new();
    for which in targets(&args.target)? {
        let mut target = prepare_apart(which, &args.target, &layout).await?;
        let me = std::process::id();
        wait_for_quiet(&args.target).await;
        let before = target.memory();
        let bench_before = sys::memory(me);
        let swarm = Swarm::connect(&mut target, &layout, args.target.connect_options()).await?;
        tokio::time::sleep(Duration::from_secs_f64(args.hold)).await;
        let mut run = report("idle", &target, &layout, &swarm, before);
        run.server_kib_per_connection = kib_per(before, run.server_memory_after, swarm.connected);
        run.bench_kib_per_connection = kib_per(bench_before, sys::memory(me), swarm.connected);
        eprintln!(
            "  {} connections: server {} KiB each, clients {} KiB each",
            swarm.connected,
            run.server_kib_per_connection
                .map_or("-".into(), |k| format!("{k:.1}")),
            run.bench_kib_per_connection
                .map_or("-".into(), |k| format!("{k:.1}")),
        );
        if args.big_room > 0 {
            let (step, failed) = time_big_room(args, &mut target, &layout).await?;
            eprintln!("  big room of {}: {}", args.big_room, step_line(&step));
            if failed > 0 {
                run.notes
                    .push(format!("{failed} big-room connections failed"));
            }
            run.steps.push(step.clone());
            run.best = Some(step);
        }
        runs.push(run);
        swarm.close().await;
        drop(target);
        pause_between_runs().await;
    }
    compare(&mut runs);
    publish(&runs, idle_table(&runs), &args.target)
}

/// Connects `--big-room` members into a room added after the idle layout's (users shared with
/// the idle members, who are signed in already), sends there for `--big-room-seconds` as a
/// `fanout` step does, and closes them. Returns the step and the connections that failed.
async fn time_big_room(
    args: &IdleArgs,
    target: &mut Target,
    idle: &Layout,
) -> anyhow::Result<(StepReport, usize)> {
    let layout = Layout::new(
        args.big_room,
        1,
        Some(args.big_room_senders),
        Some(args.big_room.min(idle.users)),
        idle.body_bytes,
    )?;
    let first_room = target
        .add_room(&format!("bench big room {}", args.big_room))
        .await?;
    let options = ConnectOptions {
        first_room,
        ..args.target.connect_options()
    };
    eprintln!("  a room of {} among them", args.big_room);
    let mut swarm = Swarm::connect(target, &layout, options).await?;
    wait_for_quiet(&args.target).await;
    let step = swarm
        .run_step(
            args.big_room_rate,
            Duration::from_secs_f64(args.big_room_seconds),
            BIG_ROOM_DRAIN,
            &target.cpu_probe(),
        )
        .await;
    let failed = swarm.failed;
    swarm.close().await;
    Ok((step, failed))
}

/// How long the big room's step waits for deliveries still owed after its last send.
const BIG_ROOM_DRAIN: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_per_connection_is_the_rss_growth_divided() {
        let before = Some(Memory {
            rss_kib: 10_000,
            peak_kib: 10_000,
        });
        let after = Some(Memory {
            rss_kib: 60_000,
            peak_kib: 70_000,
        });
        assert_eq!(kib_per(before, after, 5000), Some(10.0));
        assert_eq!(kib_per(before, after, 0), None);
        assert_eq!(kib_per(None, after, 10), None);
    }
}
