//! A crowd of virtual users against one target: connect them all (a bounded number of
//! handshakes at a time, each socket read from the moment it opens), wait for the join storm
//! to settle, run steps of load, and close them.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use hdrhistogram::Histogram;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::client::{self, ConnectError, Plan, Role};
use crate::cpu::CpuProbe;
use crate::layout::Layout;
use crate::recorder::Recorder;
use crate::report::{Percentiles, StepReport};
use crate::target::Target;

/// Joins are timed in microseconds up to 10 minutes (the connect timeout is one).
const JOIN_MICROS_MAX: u64 = 600_000_000;

/// How the crowd connects and how long it waits for quiet.
#[derive(Debug, Clone, Copy)]
pub struct ConnectOptions {
    /// Handshakes in flight at once.
    pub concurrency: usize,
    /// The longest wait for the join storm (presence, participant and room frames) to end.
    pub settle_max: Duration,
    /// Loopback source addresses to spread the sockets over (127.0.0.1 up to 127.0.0.N); 1
    /// lets the kernel choose, which caps one run at ~28,000 sockets (one address's ports).
    pub source_addresses: u8,
    /// The target's room index of the layout's room 0: 0, but for a second crowd on the same
    /// target in rooms added after the first crowd's (`idle --big-room`).
    pub first_room: usize,
}

impl ConnectOptions {
    /// Member `member`'s source address, when spreading over several.
    pub fn source_of(&self, member: usize) -> Option<IpAddr> {
        (self.source_addresses > 1).then(|| {
            let last = 1 + member % usize::from(self.source_addresses);
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, last as u8))
        })
    }
}

pub struct Swarm {
    layout: Layout,
    recorder: Arc<Recorder>,
    plans: watch::Sender<Plan>,
    tasks: JoinSet<()>,
    /// Connected members per room.
    room_sizes: Arc<Vec<u64>>,
    /// The senders that connected.
    senders: Vec<Role>,
    pub connected: usize,
    pub connect_time: Duration,
    /// Each member's join, from its handshake's start to its welcome, in microseconds.
    pub join_micros: Histogram<u64>,
    /// From the last welcome until no frame had arrived for half a second (the storm of
    /// presence and participant frames that the joins set off), that half second included.
    pub settle_time: Duration,
    /// The first few reasons connections failed.
    pub failures: Vec<String>,
    pub failed: usize,
    next_step: u32,
}

impl Swarm {
    /// Connects every member of the layout. Members whose session the server refuses (401)
    /// are signed in again once and retried.
    pub async fn connect(
        target: &mut Target,
        layout: &Layout,
        options: ConnectOptions,
    ) -> anyhow::Result<Self> {
        let recorder = Arc::new(Recorder::default());
        let (plans, _) = watch::channel(Plan::idle(layout.body_bytes));
        let mut swarm = Self {
            layout: *layout,
            recorder,
            plans,
            tasks: JoinSet::new(),
            room_sizes: Arc::default(),
            senders: Vec::new(),
            connected: 0,
            connect_time: Duration::ZERO,
            join_micros: Histogram::new_with_bounds(1, JOIN_MICROS_MAX, 3)
                .expect("constant histogram bounds are valid"),
            settle_time: Duration::ZERO,
            failures: Vec::new(),
            failed: 0,
            next_step: 1,
        };
        let mut room_sizes = vec![0u64; layout.rooms];
        let started = Instant::now();
        let mut pending: Vec<usize> = (0..layout.members).collect();
        for attempt in 0..2 {
            let unauthorized = swarm
                .connect_members(target, &pending, options, &mut room_sizes)
                .await;
            if unauthorized.is_empty() {
                break;
            }
            if attempt == 0 {
                let mut users: Vec<usize> =
                    unauthorized.iter().map(|&m| layout.user_of(m)).collect();
                users.sort_unstable();
                users.dedup();
                eprintln!("  {} sessions expired; signing in again", users.len());
                target.refresh(&users).await?;
            } else {
                swarm.failed += unauthorized.len();
                swarm.note_failure("401 even after signing in again".into());
            }
            pending = unauthorized;
        }
        swarm.room_sizes = Arc::new(room_sizes);
        swarm.connect_time = started.elapsed();
        eprintln!(
            "  {} connected in {:.1} s{}",
            swarm.connected,
            swarm.connect_time.as_secs_f64(),
            if swarm.failed > 0 {
                format!(", {} failed: {:?}", swarm.failed, swarm.failures)
            } else {
                String::new()
            }
        );
        let settling = Instant::now();
        swarm.settle(options.settle_max).await;
        swarm.settle_time = settling.elapsed();
        Ok(swarm)
    }

    /// Connects `members`, starting each one's task as soon as its welcome arrives; returns
    /// the members refused with 401.
    async fn connect_members(
        &mut self,
        target: &Target,
        members: &[usize],
        options: ConnectOptions,
        room_sizes: &mut [u64],
    ) -> Vec<usize> {
        let layout = self.layout;
        let mut handshakes = futures_util::stream::iter(members.iter().map(|&member| {
            let url = target.ws_url(options.first_room + layout.room_of(member), member);
            let cookie = target.cookie(layout.user_of(member));
            let source = options.source_of(member);
            async move {
                // Started when `buffer_unordered` first polls it: a join's time is its own,
                // not its wait for a handshake slot.
                let began = Instant::now();
                let result = client::connect(&url, &cookie, source).await;
                (member, result, began.elapsed())
            }
        }))
        .buffer_unordered(options.concurrency.max(1));
        let mut unauthorized = Vec::new();
        let progress_every = (members.len() / 10).max(500);
        while let Some((member, result, took)) = handshakes.next().await {
            match result {
                Ok(ws) => {
                    let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
                    self.join_micros
                        .saturating_record(micros.clamp(1, JOIN_MICROS_MAX));
                    let room = layout.room_of(member);
                    let role = Role {
                        member,
                        room,
                        sender_slot: layout.is_sender(member).then_some(member),
                    };
                    room_sizes[room] += 1;
                    if role.sender_slot.is_some() {
                        self.senders.push(role);
                    }
                    self.tasks.spawn(client::run(
                        ws,
                        role,
                        self.recorder.clone(),
                        self.plans.subscribe(),
                    ));
                    self.connected += 1;
                    if self.connected % progress_every == 0 {
                        eprintln!("  {} connected", self.connected);
                    }
                }
                Err(ConnectError::Unauthorized) => unauthorized.push(member),
                Err(ConnectError::Other(reason)) => {
                    self.failed += 1;
                    self.note_failure(reason);
                }
            }
        }
        unauthorized
    }

    fn note_failure(&mut self, reason: String) {
        if self.failures.len() < 3 && !self.failures.contains(&reason) {
            self.failures.push(reason);
        }
    }

    /// Waits until no frame has arrived for half a second (the join storm is over), at most
    /// `max`.
    pub async fn settle(&self, max: Duration) {
        let quiet = Duration::from_millis(500);
        let deadline = Instant::now() + max;
        let mut last = self.recorder.frames();
        loop {
            tokio::time::sleep(quiet).await;
            let now = self.recorder.frames();
            if now == last || Instant::now() >= deadline {
                break;
            }
            last = now;
        }
    }

    /// Text frames received so far by every connection after its welcome.
    pub fn frames(&self) -> u64 {
        self.recorder.frames()
    }

    /// Sockets that closed since connecting.
    pub fn closed(&self) -> u64 {
        self.recorder.closed_count()
    }

    pub fn close_reasons(&self) -> Vec<(String, u64)> {
        self.recorder.close_reasons()
    }

    /// Deliveries per second offered when each connected sender sends `rate` a second.
    pub fn offered(&self, rate: f64) -> f64 {
        rate * self
            .senders
            .iter()
            .map(|sender| self.room_sizes[sender.room])
            .sum::<u64>() as f64
    }

    /// Every sender sends `rate` messages a second for `duration`; then waits up to `drain`
    /// for what is still owed. `probe` measures CPU over the step.
    pub async fn run_step(
        &mut self,
        rate: f64,
        duration: Duration,
        drain: Duration,
        probe: &CpuProbe,
    ) -> StepReport {
        let step = self.next_step;
        self.next_step += 1;
        let closed_before = self.closed();
        let cpu_before = probe.sample();
        let start = Instant::now() + Duration::from_millis(20);
        let end = start + duration;
        let plan = Plan {
            step,
            rate,
            start,
            end,
            room_sizes: self.room_sizes.clone(),
            senders: self.layout.senders,
            body_bytes: self.layout.body_bytes,
        };
        let planned: u64 = self
            .senders
            .iter()
            .filter_map(|sender| sender.sender_slot)
            .map(|slot| plan.sends_of(slot))
            .sum();
        self.plans.send_replace(plan);
        tokio::time::sleep_until(end).await;
        let deadline = end + drain;
        // Senders that fell behind (a busy machine) still owe sends at `end`; what they have
        // not recorded yet is owed too, or the step would end without it.
        while (self.recorder.sent_count(step) < planned || self.recorder.outstanding(step) > 0)
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let elapsed = start.elapsed().as_secs_f64();
        let cpu = probe.sample().since(&cpu_before, elapsed);
        let counts = self.recorder.snapshot(step);
        StepReport {
            offered_per_s: self.offered(rate),
            rate_per_sender: rate,
            seconds: duration.as_secs_f64(),
            sent: counts.sent,
            expected: counts.expected,
            received: counts.received,
            lost: counts.expected.saturating_sub(counts.received),
            errors: counts.errors,
            dropped_connections: self.closed() - closed_before,
            deliveries_per_s: counts.received as f64 / elapsed,
            latency: Percentiles::of(&counts.latency),
            server_cores: cpu.server,
            bench_cores: cpu.bench,
            other_cores: cpu.others,
        }
    }

    /// Closes every socket and waits (briefly) for the tasks to end.
    pub async fn close(self) {
        let Self {
            plans, mut tasks, ..
        } = self;
        drop(plans);
        let all_done = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(15), all_done)
            .await
            .is_err()
        {
            tasks.abort_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_crowd_on_the_ceiling_gets_every_message_it_sent() {
        crate::stamp::start_clock();
        let layout = Layout::new(12, 3, Some(3), None, 64).unwrap();
        let mut target = Target::ceiling(&layout, 1, 1024, true).unwrap();
        let options = ConnectOptions {
            concurrency: 4,
            settle_max: Duration::from_secs(2),
            source_addresses: 3,
            first_room: 0,
        };
        let mut swarm = Swarm::connect(&mut target, &layout, options).await.unwrap();
        assert_eq!(swarm.connected, 12);
        assert_eq!(swarm.join_micros.len(), 12, "every join is timed");
        assert_eq!(
            options.source_of(4),
            Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))),
            "members spread over 127.0.0.1-3"
        );
        assert_eq!(
            swarm.frames(),
            0,
            "the ceiling tells nobody of joins, and welcomes are read by connect()"
        );
        assert_eq!(swarm.offered(10.0), 120.0, "3 senders, rooms of 4");

        let step = swarm
            .run_step(
                20.0,
                Duration::from_millis(500),
                Duration::from_secs(5),
                &target.cpu_probe(),
            )
            .await;

        assert_eq!(step.sent, 30, "3 senders x 20/s x 0.5 s");
        assert_eq!(step.expected, 120);
        assert_eq!((step.received, step.lost, step.errors), (120, 0, 0));
        assert!(step.latency.is_some_and(|l| l.max_ms < 5_000.0));
        swarm.close().await;
    }
}
