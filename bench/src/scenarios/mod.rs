//! The scenarios (`fanout`, `sweep`, `idle`, `join`) and what they share: which targets an
//! invocation measures, preparing each one, the skeleton of a report, and printing results.
//!
//! Load scenarios connect every target first and then take turns, the ceiling's step and then
//! the server's at the same load, so both see the same moment of a shared, noisy machine.

pub mod fanout;
pub mod idle;
pub mod join;
pub mod sweep;

use std::io::Write as _;
use std::time::Duration;

use crate::layout::Layout;
use crate::report::{RunReport, StepReport};
use crate::swarm::Swarm;
use crate::sys::{Machine, Memory};
use crate::target::{SecondInstance, Target};
use crate::TargetArgs;

/// One thing to measure in this invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Ceiling,
    Server,
}

/// The ceiling first (when asked for), then the server (when given).
pub fn targets(args: &TargetArgs) -> anyhow::Result<Vec<Which>> {
    let mut which = Vec::new();
    if args.ceiling {
        which.push(Which::Ceiling);
    }
    if args.server.is_some() {
        which.push(Which::Server);
    }
    anyhow::ensure!(
        !which.is_empty(),
        "nothing to measure: give --server URL, --ceiling, or both"
    );
    Ok(which)
}

/// As [`prepare`], but the ceiling runs in a child process, so that the memory it reports is
/// its own (`idle`, `join`).
pub async fn prepare_apart(
    which: Which,
    args: &TargetArgs,
    layout: &Layout,
) -> anyhow::Result<Target> {
    match which {
        Which::Ceiling => {
            eprintln!(
                "ceiling: child process ({} members in {} rooms)",
                layout.members, layout.rooms
            );
            Target::ceiling_process(
                layout,
                args.ceiling_threads(),
                args.ceiling_queue,
                !args.ceiling_nagle,
            )
        }
        Which::Server => prepare(which, args, layout).await,
    }
}

/// Starts the ceiling, or signs in the server's users and creates the layout's rooms.
pub async fn prepare(which: Which, args: &TargetArgs, layout: &Layout) -> anyhow::Result<Target> {
    match which {
        Which::Ceiling => {
            eprintln!(
                "ceiling: in-process ({} members in {} rooms)",
                layout.members, layout.rooms
            );
            Target::ceiling(
                layout,
                args.ceiling_threads(),
                args.ceiling_queue,
                !args.ceiling_nagle,
            )
        }
        Which::Server => {
            let url = args
                .server
                .as_ref()
                .expect("targets() only lists a server when given");
            eprintln!(
                "{}: {url} ({} members in {} rooms)",
                args.label, layout.members, layout.rooms
            );
            if let Some(second) = &args.second_server {
                eprintln!("  and {second}: members alternate between the two instances");
            }
            let second = args.second_server.as_ref().map(|url| SecondInstance {
                url,
                pid: args.second_server_pid,
            });
            Target::server(
                url,
                &args.label,
                args.server_pid,
                second,
                layout,
                &args.users_options(),
            )
            .await
        }
    }
}

/// One target with its crowd connected.
pub struct Lane {
    pub target: Target,
    pub swarm: Swarm,
    /// The server's memory before the crowd connected.
    pub memory_before: Option<Memory>,
}

impl Lane {
    pub fn label(&self) -> &str {
        &self.target.label
    }

    pub async fn close(self) {
        self.swarm.close().await;
        drop(self.target);
    }

    /// Waits for the machine to go quiet (`--wait-quiet`), then sends at `rate` per sender for
    /// `seconds` and waits `drain` seconds for what is still owed.
    pub async fn run_step(
        &mut self,
        args: &TargetArgs,
        rate: f64,
        seconds: f64,
        drain: f64,
    ) -> StepReport {
        wait_for_quiet(args).await;
        self.swarm
            .run_step(
                rate,
                Duration::from_secs_f64(seconds),
                Duration::from_secs_f64(drain),
                &self.target.cpu_probe(),
            )
            .await
    }
}

/// Prepares and connects every target of this invocation, in order.
pub async fn connect_lanes(args: &TargetArgs, layout: &Layout) -> anyhow::Result<Vec<Lane>> {
    let mut lanes = Vec::new();
    for which in targets(args)? {
        let mut target = prepare(which, args, layout).await?;
        let memory_before = target.memory();
        let swarm = Swarm::connect(&mut target, layout, args.connect_options()).await?;
        lanes.push(Lane {
            target,
            swarm,
            memory_before,
        });
    }
    Ok(lanes)
}

/// Waits for the rest of the machine to go quiet, if asked to (`--wait-quiet`).
pub async fn wait_for_quiet(args: &TargetArgs) {
    if args.wait_quiet <= 0.0 {
        return;
    }
    let max = Duration::from_secs_f64(args.wait_quiet);
    if let Some(others) = crate::sys::wait_for_quiet(args.quiet_below, max).await {
        if others >= args.quiet_below {
            eprintln!("  the machine is still busy ({others:.2} other cores); measuring anyway");
        }
    }
}

/// Lets the server finish with the last run's sockets before the next run starts.
pub async fn pause_between_runs() {
    tokio::time::sleep(Duration::from_secs(2)).await;
}

/// A report with what every scenario fills the same way.
pub fn report(
    scenario: &str,
    target: &Target,
    layout: &Layout,
    swarm: &Swarm,
    memory_before: Option<Memory>,
) -> RunReport {
    let mut notes = Vec::new();
    if swarm.failed > 0 {
        notes.push(format!(
            "{} connections failed: {:?}",
            swarm.failed, swarm.failures
        ));
    }
    RunReport {
        scenario: scenario.to_owned(),
        label: target.label.clone(),
        layout: *layout,
        connected: swarm.connected,
        failed: swarm.failed,
        connect_seconds: swarm.connect_time.as_secs_f64(),
        server_memory_before: memory_before,
        server_memory_after: target.memory(),
        server_kib_per_connection: None,
        bench_kib_per_connection: None,
        join: None,
        steps: Vec::new(),
        best: None,
        stop_reason: None,
        ratio_to_ceiling: None,
        closes: swarm.close_reasons(),
        notes,
        machine: Machine::detect(),
        unix_time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}

/// Fills each server run's ratios from the ceiling run of the same scenario and layout.
pub fn compare(runs: &mut [RunReport]) {
    let ceilings: Vec<RunReport> = runs.iter().filter(|r| r.is_ceiling()).cloned().collect();
    for run in runs.iter_mut().filter(|r| !r.is_ceiling()) {
        if let Some(ceiling) = ceilings
            .iter()
            .find(|c| c.layout == run.layout && c.scenario == run.scenario)
        {
            run.compare_with(ceiling);
        }
    }
}

/// Prints the table and the JSON lines, and appends the lines to `--json-out`.
pub fn publish(runs: &[RunReport], table: String, args: &TargetArgs) -> anyhow::Result<()> {
    let machine = Machine::detect();
    println!(
        "\nmachine: {} cores, {}, {} MiB\n",
        machine.nproc, machine.cpu_model, machine.memory_mib
    );
    println!("{table}");
    for run in runs {
        for note in &run.notes {
            println!("note ({}): {note}", run.label);
        }
    }
    let mut file = match &args.json_out {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?,
        ),
        None => None,
    };
    for run in runs {
        let line = run.json_line();
        println!("{line}");
        if let Some(file) = file.as_mut() {
            writeln!(file, "{line}")?;
        }
    }
    Ok(())
}
