//! `join`: the join storm. N members open their room sockets as fast as the clients allow
//! (`--connect-concurrency` handshakes in flight) and each waits for its welcome; reported are
//! the time until all were welcomed, each join's time (p50/p99), how long the frames the joins
//! set off (participant and presence frames to everyone already in) took to stop, and the
//! server's memory per connection once they had: (RSS after − RSS before) / N.
//!
//! Each run creates new rooms, so the first storm is of first entries (each stores a join line
//! and tells the room of a new participant); `--rejoin` then closes every socket and measures a
//! second storm of the same members, participants already: what a server restart with a busy
//! room connected sets off (issue 19), reported as scenario `rejoin`. Its memory figure counts
//! only what the first storm's sockets left unreturned. As in `idle`,
//! the ceiling runs in a child process so its memory is its own; run the server freshly
//! started, since memory a process has taken is rarely given back between runs.

use std::time::Duration;

use super::idle::kib_per;
use super::{compare, pause_between_runs, prepare_apart, publish, report, targets, wait_for_quiet};
use crate::layout::Layout;
use crate::report::{join_table, JoinFigures, Percentiles, RunReport};
use crate::swarm::Swarm;
use crate::target::Target;
use crate::JoinArgs;

pub async fn run(args: &JoinArgs) -> anyhow::Result<()> {
    let mut layout = args.layout.layout(5000, 1)?;
    layout.senders = 0;
    let mut runs: Vec<RunReport> = Vec::new();
    for which in targets(&args.target)? {
        let mut target = prepare_apart(which, &args.target, &layout).await?;
        let rounds: &[&str] = if args.rejoin {
            &["join", "rejoin"]
        } else {
            &["join"]
        };
        for &round in rounds {
            if round == "rejoin" {
                eprintln!("  again, as participants already (a restart's storm)");
            }
            runs.push(storm(args, &mut target, &layout, round).await?);
            pause_between_runs().await;
        }
        drop(target);
    }
    compare(&mut runs);
    publish(&runs, join_table(&runs), &args.target)
}

/// One storm: everyone joins, the frames it sets off settle, memory is read, all leave.
async fn storm(
    args: &JoinArgs,
    target: &mut Target,
    layout: &Layout,
    round: &str,
) -> anyhow::Result<RunReport> {
    wait_for_quiet(&args.target).await;
    let before = target.memory();
    let swarm = Swarm::connect(target, layout, args.target.connect_options()).await?;
    let storm_frames = swarm.frames();
    tokio::time::sleep(Duration::from_secs_f64(args.hold)).await;
    let mut run = report(round, target, layout, &swarm, before);
    run.server_kib_per_connection = kib_per(before, run.server_memory_after, swarm.connected);
    run.join = Some(JoinFigures {
        per_join: Percentiles::of(&swarm.join_micros),
        settle_seconds: swarm.settle_time.as_secs_f64(),
        storm_frames,
        connect_concurrency: args.target.connect_concurrency,
    });
    eprintln!(
        "  {} welcomed in {:.2} s (p99 join {} ms), settled {:.1} s later; server {} KiB each",
        swarm.connected,
        swarm.connect_time.as_secs_f64(),
        run.join
            .as_ref()
            .and_then(|j| j.per_join)
            .map_or("-".into(), |p| format!("{:.1}", p.p99_ms)),
        swarm.settle_time.as_secs_f64(),
        run.server_kib_per_connection
            .map_or("-".into(), |k| format!("{k:.1}")),
    );
    swarm.close().await;
    Ok(run)
}
