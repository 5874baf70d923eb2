//! `chat-bench`: drives the chat server over its public contract (accounts over HTTP with CSRF,
//! room sockets with session cookies, `send` frames with nonces) and measures end-to-end
//! delivery; `--ceiling` measures a minimal broadcast server in the same run for comparison.
//! See BENCHMARKS.md for how to run it and what it found.

mod ceiling;
mod client;
mod corpus;
mod cpu;
mod join_plot;
mod layout;
mod plot;
mod recorder;
mod report;
mod scenarios;
mod search;
mod stamp;
mod swarm;
mod sys;
mod target;
mod users;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use url::Url;

use crate::layout::Layout;
use crate::swarm::ConnectOptions;
use crate::users::UsersOptions;

#[derive(Debug, Parser)]
#[command(
    name = "chat-bench",
    version,
    about = "Load benchmark for the chat server, with an in-process broadcast ceiling to compare against"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Members in rooms, senders at a fixed rate for a while: deliveries, loss, latency.
    Fanout(FanoutArgs),
    /// Raises the offered load step by step until p99 passes the limit or anything is lost;
    /// reports the highest deliveries/s that held.
    Sweep(SweepArgs),
    /// Opens connections that send nothing and reports the server's memory per connection.
    Idle(IdleArgs),
    /// Opens every connection at once (a join storm) and reports the time until all are
    /// welcomed, each join's p50/p99, and the server's memory per connection after.
    Join(JoinArgs),
    /// Draws p99 latency against offered deliveries/s from saved `sweep` JSON lines (SVG).
    Plot(PlotArgs),
    /// Fills a database with rooms and messages for `search` (stop the server first on SQLite).
    SeedMessages(search::seed::SeedArgs),
    /// Asks a running server many searches over HTTP and prints p50/p95/p99 (issue 17).
    Search(search::queries::SearchArgs),
    /// Serves the ceiling alone until standard input closes (used by `idle --ceiling`).
    #[command(hide = true)]
    CeilingServer(CeilingServerArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CeilingServerArgs {
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    #[arg(long, default_value_t = 4096)]
    pub queue: usize,
    #[arg(long)]
    pub nagle: bool,
}

/// What to measure and how to reach it; shared by every load scenario.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The chat server's base URL. Without it, only the ceiling is measured.
    #[arg(long, env = "CHAT_BENCH_SERVER")]
    pub server: Option<Url>,
    /// The server's process id, to report its memory (RSS) and CPU.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// A second instance of the same server (scale-out mode: the same database and Redis).
    /// Members alternate between the two; memory is both processes' together (CPU figures
    /// are the first's only).
    #[arg(long, requires = "server")]
    pub second_server: Option<Url>,
    /// The second instance's process id, to count its memory.
    #[arg(long, requires = "second_server")]
    pub second_server_pid: Option<u32>,
    /// What to call the server's results (e.g. `embedded` or `redis`).
    #[arg(long, default_value = "server")]
    pub label: String,
    /// Also measure the in-process ceiling server (first), and print ratios to it.
    #[arg(long)]
    pub ceiling: bool,
    /// Worker threads of the ceiling's runtime (default: one per core, as the server's tokio).
    #[arg(long)]
    pub ceiling_threads: Option<usize>,
    /// Frames a ceiling room buffers per receiver before dropping it (like CONNECTION_QUEUE).
    #[arg(long, default_value_t = 4096)]
    pub ceiling_queue: usize,
    /// Leave Nagle's algorithm on in the ceiling (no TCP_NODELAY), to see what it costs.
    #[arg(long)]
    pub ceiling_nagle: bool,
    /// The session cache file (default: target/bench-users-<hash of URL and tag>.json).
    #[arg(long)]
    pub users_cache: Option<PathBuf>,
    /// Tells apart databases behind the same URL in the session cache (e.g. DATABASE_URL).
    #[arg(long, default_value = "")]
    pub users_tag: String,
    /// Registrations/logins in flight at once (argon2 is CPU-bound: about the core count).
    #[arg(long, default_value_t = 3)]
    pub login_concurrency: usize,
    /// WebSocket handshakes in flight at once.
    #[arg(long, default_value_t = 32)]
    pub connect_concurrency: usize,
    /// Spread the sockets over the loopback source addresses 127.0.0.1 to 127.0.0.N (a server
    /// on loopback only): one address has ~28,000 ports, so 50,000 sockets want 2 or more.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=254))]
    pub source_addresses: u8,
    /// Longest wait, in seconds, for the join storm (presence frames) to go quiet.
    #[arg(long, default_value_t = 180.0)]
    pub settle_max: f64,
    /// Threads for the clients (1: a current-thread runtime, the least overhead).
    #[arg(long, default_value_t = 1)]
    pub client_threads: usize,
    /// Before each run and step, wait up to this many seconds for the rest of the machine to
    /// go quiet (see --quiet-below); 0 does not wait. For shared machines.
    #[arg(long, default_value_t = 0.0)]
    pub wait_quiet: f64,
    /// "Quiet" means everything but the bench and the server uses fewer cores than this. In
    /// scale-out mode Postgres and Redis count as "everything else": raise it (e.g. 1.0).
    #[arg(long, default_value_t = 0.3)]
    pub quiet_below: f64,
    /// Also append the JSON lines to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
}

impl TargetArgs {
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            concurrency: self.connect_concurrency,
            settle_max: Duration::from_secs_f64(self.settle_max),
            source_addresses: self.source_addresses,
            first_room: 0,
        }
    }

    pub fn users_options(&self) -> UsersOptions {
        UsersOptions {
            cache: self.users_cache.clone(),
            tag: self.users_tag.clone(),
            concurrency: self.login_concurrency,
        }
    }

    pub fn ceiling_threads(&self) -> usize {
        self.ceiling_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
    }
}

/// Who is where; defaults depend on the scenario.
#[derive(Debug, Clone, Args)]
pub struct LayoutArgs {
    /// Connections (virtual members) in total.
    #[arg(long)]
    pub members: Option<usize>,
    /// Rooms the members are spread over.
    #[arg(long)]
    pub rooms: Option<usize>,
    /// Members that send (default: one per room, at least 10).
    #[arg(long)]
    pub senders: Option<usize>,
    /// Distinct accounts (default: one per member); members beyond it share accounts.
    #[arg(long)]
    pub users: Option<usize>,
    /// Characters in each message body.
    #[arg(long, default_value_t = 100)]
    pub body_bytes: usize,
}

impl LayoutArgs {
    fn layout(&self, members: usize, rooms: usize) -> anyhow::Result<Layout> {
        Layout::new(
            self.members.unwrap_or(members),
            self.rooms.unwrap_or(rooms),
            self.senders,
            self.users,
            self.body_bytes,
        )
    }
}

#[derive(Debug, Clone, Args)]
pub struct FanoutArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub layout: LayoutArgs,
    /// Several layouts in one run, as MEMBERSxROOMS (e.g. `100x1,1000x1,5000x1`), each at the
    /// same offered load.
    #[arg(long, value_delimiter = ',')]
    pub layouts: Vec<String>,
    /// Messages per second from each sender (overrides --deliveries).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Offered deliveries per second in total, split evenly over the senders.
    #[arg(long, default_value_t = 50_000.0)]
    pub deliveries: f64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Seconds to wait after sending for what is still owed.
    #[arg(long, default_value_t = 5.0)]
    pub drain: f64,
}

impl FanoutArgs {
    pub fn layouts(&self) -> anyhow::Result<Vec<Layout>> {
        if self.layouts.is_empty() {
            return Ok(vec![self.layout.layout(1000, 1)?]);
        }
        self.layouts
            .iter()
            .map(|spec| {
                let (members, rooms) = spec
                    .split_once('x')
                    .and_then(|(m, r)| Some((m.trim().parse().ok()?, r.trim().parse().ok()?)))
                    .ok_or_else(|| {
                        anyhow::anyhow!("--layouts wants MEMBERSxROOMS, not {spec:?}")
                    })?;
                Layout::new(
                    members,
                    rooms,
                    self.layout.senders,
                    self.layout.users,
                    self.layout.body_bytes,
                )
            })
            .collect()
    }
}

#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub layout: LayoutArgs,
    /// Offered deliveries per second of the first step.
    #[arg(long, default_value_t = 20_000.0)]
    pub start: f64,
    /// Each step offers this many times the last one that held.
    #[arg(long, default_value_t = 1.25)]
    pub factor: f64,
    /// Steps at most (not counting refinement).
    #[arg(long, default_value_t = 30)]
    pub max_steps: usize,
    /// After the first failure, try this many loads between the best that held and the one
    /// that failed (halving the gap each time).
    #[arg(long, default_value_t = 2)]
    pub refine: usize,
    /// Measure a failed step this many more times before it counts as failed.
    #[arg(long, default_value_t = 1)]
    pub confirm: usize,
    /// Seconds of sending per step.
    #[arg(long, default_value_t = 5.0)]
    pub step_seconds: f64,
    /// Seconds to wait after each step for what is still owed.
    #[arg(long, default_value_t = 3.0)]
    pub drain: f64,
    /// A step holds while its p99 stays at or under this.
    #[arg(long, default_value_t = 100.0)]
    pub p99_limit_ms: f64,
}

#[derive(Debug, Clone, Args)]
pub struct IdleArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub layout: LayoutArgs,
    /// Seconds to hold the connections open before reading memory.
    #[arg(long, default_value_t = 3.0)]
    pub hold: f64,
    /// Then, with the idle sockets still open, connect this many more members into one room
    /// of their own and time messages sent there as `fanout` does (0: no such room).
    #[arg(long, default_value_t = 0)]
    pub big_room: usize,
    /// Members of the big room that send.
    #[arg(long, default_value_t = 1)]
    pub big_room_senders: usize,
    /// Messages per second from each of them.
    #[arg(long, default_value_t = 5.0)]
    pub big_room_rate: f64,
    /// Seconds of sending in the big room.
    #[arg(long, default_value_t = 10.0)]
    pub big_room_seconds: f64,
}

#[derive(Debug, Clone, Args)]
pub struct JoinArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub layout: LayoutArgs,
    /// Seconds to wait after the storm settles before reading memory.
    #[arg(long, default_value_t = 2.0)]
    pub hold: f64,
    /// Then close every socket and measure a second storm of the same members, participants
    /// already (a server restart's storm), as scenario `rejoin`.
    #[arg(long)]
    pub rejoin: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PlotArgs {
    /// Files of JSON lines written by `sweep` (or `join`, with `--joins`): stdout saved, or --json-out.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The SVG to write.
    #[arg(long, default_value = "docs/bench-p99.svg")]
    pub out: PathBuf,
    /// Only this layout, as MEMBERSxROOMS (e.g. `1000x1`).
    #[arg(long)]
    pub layout: Option<String>,
    /// Draw `join` runs instead: connect time against room size, for one-room layouts.
    #[arg(long, conflicts_with = "layout")]
    pub joins: bool,
}

fn main() {
    let cli = Cli::parse();
    stamp::start_clock();
    if let Err(e) = run(cli) {
        eprintln!("chat-bench: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let threads = match &cli.command {
        Command::Fanout(a) => a.target.client_threads,
        Command::Sweep(a) => a.target.client_threads,
        Command::Idle(a) => a.target.client_threads,
        Command::SeedMessages(_) | Command::Search(_) => 1,
        Command::Join(a) => a.target.client_threads,
        Command::Plot(a) if a.joins => return join_plot::draw(&a.files, &a.out),
        Command::Plot(a) => return plot::draw(&a.files, &a.out, a.layout.as_deref()),
        Command::CeilingServer(a) => {
            return ceiling::serve_until_stdin_closes(a.threads, a.queue, !a.nagle)
        }
    };
    let limit = sys::raise_fd_limit();
    eprintln!("open-file limit: {limit}");
    let runtime = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("bench-client")
            .enable_all()
            .build()?
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Fanout(args) => scenarios::fanout::run(&args).await,
            Command::Sweep(args) => scenarios::sweep::run(&args).await,
            Command::Idle(args) => scenarios::idle::run(&args).await,
            Command::SeedMessages(args) => search::seed::run(&args).await,
            Command::Search(args) => search::queries::run(&args).await,
            Command::Join(args) => scenarios::join::run(&args).await,
            // Handled above, without this runtime.
            Command::Plot(_) | Command::CeilingServer(_) => Ok(()),
        }
    })
}
