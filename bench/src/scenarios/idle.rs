//! `idle`: opens C connections that send nothing and reports the server's memory per
//! connection, (RSS after − RSS before) / C.
//!
//! Memory is a whole process's, so here the ceiling runs in a child process of this binary
//! (`ceiling-server`, the same code) instead of in this one next to the clients.

use std::time::Duration;

use super::{
    compare, pause_between_runs, prepare, publish, report, targets, wait_for_quiet, Which,
};
use crate::report::{idle_table, RunReport};
use crate::swarm::Swarm;
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
        let mut target = match which {
            Which::Ceiling => {
                eprintln!(
                    "ceiling: child process ({} members in {} rooms)",
                    layout.members, layout.rooms
                );
                Target::ceiling_process(
                    &layout,
                    args.target.ceiling_threads(),
                    args.target.ceiling_queue,
                    !args.target.ceiling_nagle,
                )?
            }
            Which::Server => prepare(which, &args.target, &layout).await?,
        };
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
        runs.push(run);
        swarm.close().await;
        drop(target);
        pause_between_runs().await;
    }
    compare(&mut runs);
    publish(&runs, idle_table(&runs), &args.target)
}

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
