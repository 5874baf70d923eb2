//! `chat-bench search`: one user who is in every seeded room asks `GET /chat/search` (JSON)
//! many times, one request at a time, with a mix of common and rare, English and Korean
//! queries (`corpus::QueryKind`), and prints p50/p95/p99 of each kind and of all.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use chat_shared::api::{RoomList, SearchResults};
use hdrhistogram::Histogram;
use reqwest::header::{ACCEPT, COOKIE};
use reqwest::StatusCode;
use url::Url;

use super::seed::ROOM_PREFIX;
use crate::corpus::{QueryKind, Rng};
use crate::users::{Users, UsersOptions};

#[derive(Debug, Clone, clap::Args)]
pub struct SearchArgs {
    /// The running server's base URL.
    #[arg(long, env = "CHAT_BENCH_SERVER")]
    pub server: Url,
    /// Queries in all (spread evenly over the kinds).
    #[arg(long, default_value_t = 2100)]
    pub queries: usize,
    /// Queries first asked and not counted (warms the caches as a running server's are).
    #[arg(long, default_value_t = 100)]
    pub warmup: usize,
    /// Results per query (the page size; the server's default is 20).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Tells apart databases behind the same URL in the session cache.
    #[arg(long, default_value = "")]
    pub users_tag: String,
    /// Seed of the query generator.
    #[arg(long, default_value_t = 99)]
    pub seed: u64,
}

struct Client {
    http: reqwest::Client,
    base: Url,
    users: Users,
}

impl Client {
    /// GET `path` as JSON with user 0's session, signing in again once if it was refused.
    async fn get(&mut self, path: &str) -> anyhow::Result<reqwest::Response> {
        for attempt in 0..2 {
            let response = self
                .http
                .get(self.base.join(path)?)
                .header(ACCEPT, "application/json")
                .header(COOKIE, self.users.cookie(0))
                .send()
                .await
                .with_context(|| format!("GET {path}"))?;
            if response.status() == StatusCode::UNAUTHORIZED && attempt == 0 {
                self.users.refresh(&[0]).await?;
                continue;
            }
            return Ok(response);
        }
        unreachable!("the loop returns on its second attempt")
    }

    /// The seeded rooms, entered (which makes the user a participant).
    async fn enter_seeded_rooms(&mut self) -> anyhow::Result<Vec<i64>> {
        let mut rooms = Vec::new();
        let mut before: Option<i64> = None;
        loop {
            let path = match before {
                Some(b) => format!("/chat/list/?limit=100&before={b}"),
                None => "/chat/list/?limit=100".to_owned(),
            };
            let list: RoomList = self.get(&path).await?.json().await?;
            rooms.extend(
                list.rooms
                    .iter()
                    .filter(|r| r.title.starts_with(ROOM_PREFIX))
                    .map(|r| r.id),
            );
            match list.next_before {
                Some(b) => before = Some(b),
                None => break,
            }
        }
        anyhow::ensure!(
            !rooms.is_empty(),
            "no rooms titled \"{ROOM_PREFIX} …\": run `chat-bench seed-messages` first"
        );
        for room in &rooms {
            let status = self.get(&format!("/chat/{room}/")).await?.status();
            anyhow::ensure!(status.is_success(), "entering room {room}: {status}");
        }
        Ok(rooms)
    }
}

/// Milliseconds, with microsecond precision.
fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn line(name: &str, h: &Histogram<u64>, hits: u64) -> String {
    format!(
        "{name:<24} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9.1}",
        h.len(),
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.95)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max()),
        hits as f64 / h.len().max(1) as f64
    )
}

pub async fn run(args: &SearchArgs) -> anyhow::Result<()> {
    let mut users = Users::open(
        args.server.clone(),
        &UsersOptions {
            cache: None,
            tag: args.users_tag.clone(),
            concurrency: 1,
        },
    )?;
    users.ensure(1).await?;
    let mut client = Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
        base: args.server.clone(),
        users,
    };
    let rooms = client.enter_seeded_rooms().await?;
    eprintln!("  searching {} rooms", rooms.len());

    let mut rng = Rng::new(args.seed);
    let new_histogram = || Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
    let mut all = new_histogram();
    let mut by_kind: BTreeMap<QueryKind, (Histogram<u64>, u64)> = BTreeMap::new();
    for i in 0..args.warmup + args.queries {
        let kind = QueryKind::ALL[i % QueryKind::ALL.len()];
        let (q, one_room) = kind.query(&mut rng);
        let mut path = url::form_urlencoded::Serializer::new(String::new());
        path.append_pair("q", &q)
            .append_pair("limit", &args.limit.to_string());
        if one_room {
            path.append_pair("room", &rooms[rng.below(rooms.len())].to_string());
        }
        let path = format!("/chat/search/?{}", path.finish());
        let started = Instant::now();
        let response = client.get(&path).await?;
        let status = response.status();
        let body = response.bytes().await?;
        let micros = started.elapsed().as_micros() as u64;
        anyhow::ensure!(
            status == StatusCode::OK,
            "{path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        let found: SearchResults = serde_json::from_slice(&body)?;
        if i < args.warmup {
            continue;
        }
        all.record(micros.max(1))?;
        let entry = by_kind.entry(kind).or_insert_with(|| (new_histogram(), 0));
        entry.0.record(micros.max(1))?;
        entry.1 += found.results.len() as u64;
    }
    println!(
        "{:<24} {:>6} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "query", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "results"
    );
    let mut hits = 0;
    for (kind, (h, found)) in &by_kind {
        println!("{}", line(kind.name(), h, *found));
        hits += found;
    }
    println!("{}", line("all", &all, hits));
    Ok(())
}
