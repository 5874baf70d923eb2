//! `chat-bench seed-messages`: fills a database with rooms and messages for the search
//! benchmark, through the server's own store (so every line is indexed exactly as the server
//! indexes what users send), in the largest batches the store takes.

use std::time::Instant;

use anyhow::Context;
use chat_server::store::{NewMessage, NewUser, SqlStore, Store, User, MAX_BATCH};

use crate::corpus::{self, Rng};

/// The title every seeded room starts with; `chat-bench search` finds the rooms by it.
pub const ROOM_PREFIX: &str = "search-bench";

#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// The database to fill: `sqlite://FILE` (created if missing) or `postgres://…`. Stop the
    /// server first on SQLite: the store numbers messages as the file's only writer.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Messages in all.
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: usize,
    /// Rooms they are spread over (at random).
    #[arg(long, default_value_t = 100)]
    pub rooms: usize,
    /// Different senders.
    #[arg(long, default_value_t = 50)]
    pub senders: usize,
    /// Seed of the word generator: the same seed gives the same messages.
    #[arg(long, default_value_t = 17)]
    pub seed: u64,
}

/// A sender that cannot log in (its hash is no argon2 hash): only the bench writes as it.
async fn sender(store: &SqlStore, n: usize, run: u64) -> anyhow::Result<User> {
    let nickname = format!("seed{run}x{n}");
    store
        .create_user(NewUser {
            email: format!("{nickname}@seed.example"),
            nickname,
            password_hash: "!seeded".to_owned(),
        })
        .await
        .map_err(|e| anyhow::anyhow!("could not create a seed user: {e}"))
}

pub async fn run(args: &SeedArgs) -> anyhow::Result<()> {
    let store = SqlStore::connect(&args.database_url, 4)
        .await
        .context("opening the database to seed")?;
    let run = chrono::Utc::now().timestamp_millis() as u64;
    let mut senders = Vec::with_capacity(args.senders);
    for n in 0..args.senders.max(1) {
        senders.push(sender(&store, n, run).await?);
    }
    let mut rooms = Vec::with_capacity(args.rooms);
    for n in 0..args.rooms.max(1) {
        let room = store
            .create_room(&format!("{ROOM_PREFIX} {n}"), senders[0].id)
            .await?;
        rooms.push(room.id);
    }
    let mut rng = Rng::new(args.seed);
    let started = Instant::now();
    let mut stored = 0usize;
    while stored < args.messages {
        let size = MAX_BATCH.min(args.messages - stored);
        let batch: Vec<NewMessage> = (0..size)
            .map(|_| {
                let room = rooms[rng.below(rooms.len())];
                let from = senders[rng.below(senders.len())].clone();
                NewMessage::text(room, from, corpus::message(&mut rng), None)
            })
            .collect();
        store
            .insert_messages(&batch)
            .await
            .context("storing a batch of messages")?;
        stored += size;
        if stored % (MAX_BATCH * 25) < MAX_BATCH || stored == args.messages {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "  {stored} messages in {secs:.0} s ({:.0}/s)",
                stored as f64 / secs
            );
        }
    }
    println!(
        "seeded {stored} messages over {} rooms in {:.1} s",
        rooms.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
