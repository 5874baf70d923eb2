//! Scale-out fan-out over Redis.
//!
//! Events: every instance publishes each event to one pub/sub channel (`{prefix}:events`)
//! after delivering it to its own connections, and delivers what the others publish. Pub/sub
//! rather than streams because delivery is already made exact by the database: messages carry
//! a gap-free per-room `seq`, a hub that sees a gap reads the missing range from the database
//! (`hub.rs`), and after every reconnect to Redis each hub re-reads everything after the last
//! seq it delivered. So what pub/sub drops while a subscriber is away is filled in, and Redis
//! never has to keep a log.
//!
//! Presence: a sorted set per room (`{prefix}:presence:{room}`) whose members are
//! `nickname \0 instance` scored by an expiry time. Each instance counts its own connections,
//! refreshes its members' expiry on a heartbeat and, on the same beat, removes members whose
//! time ran out (an instance that died): whoever removes the last member of a nickname
//! announces that user offline. So nobody stays online forever when an instance dies.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use futures_util::StreamExt;
use rand::Rng;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Event, Fanout};
use crate::hub::Hubs;
use crate::store::now_ms;

/// The longest a Redis call may hold up the caller while Redis is unreachable.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
/// Events waiting to be published. Past this (Redis away for long) new ones are dropped:
/// messages are recovered from the database after the outage, the rest are momentary.
const OUTBOX: usize = 65_536;
/// Events published in one pipeline.
const PUBLISH_BATCH: usize = 512;
/// Most events taken off the subscription at once, when that many have already arrived.
const RECEIVE_BATCH: usize = 512;

/// What goes over the channel: the event and which instance published it.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: String,
    event: Event,
}

pub struct RedisFanout {
    hubs: Arc<Hubs>,
    conn: ConnectionManager,
    channel: String,
    prefix: String,
    /// This instance's id: it skips its own envelopes, which it already delivered.
    instance: String,
    /// This instance's open connections per (room, nickname).
    local: Mutex<HashMap<(i64, String), usize>>,
    /// How long a presence entry lives without a heartbeat; refreshed every third of it.
    presence_ttl_ms: i64,
    /// Serialized envelopes for the publisher task, so a slow or absent Redis never holds up
    /// the message writer or a socket.
    outbox: mpsc::Sender<String>,
}

impl RedisFanout {
    /// Connects, subscribes, and starts the heartbeat. Fails if Redis is unreachable at start.
    pub async fn start(
        url: &str,
        prefix: &str,
        presence_ttl: Duration,
        hubs: Arc<Hubs>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Arc<dyn Fanout>> {
        let client = redis::Client::open(url).context("invalid REDIS_URL")?;
        let conn = tokio::time::timeout(
            Duration::from_secs(5),
            ConnectionManager::new(client.clone()),
        )
        .await
        .context("timed out connecting to Redis")?
        .context("could not connect to Redis")?;
        let instance = format!("{:016x}", rand::thread_rng().gen::<u64>());
        let (outbox, outbox_rx) = mpsc::channel(OUTBOX);
        let channel = format!("{prefix}:events");
        tokio::spawn(publish_forever(conn.clone(), channel.clone(), outbox_rx));
        let fanout = Arc::new(Self {
            hubs,
            conn,
            channel,
            prefix: prefix.to_owned(),
            instance,
            local: Mutex::default(),
            presence_ttl_ms: presence_ttl.as_millis().max(300) as i64,
            outbox,
        });
        let (subscribed_tx, subscribed_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(
            fanout
                .clone()
                .subscribe_forever(client, shutdown.clone(), subscribed_tx),
        );
        tokio::time::timeout(Duration::from_secs(5), subscribed_rx)
            .await
            .context("timed out subscribing to Redis")?
            .context("the Redis subscriber stopped")?;
        tokio::spawn(fanout.clone().heartbeat(shutdown));
        tracing::info!(instance = %fanout.instance, "Redis fan-out ready");
        Ok(fanout)
    }

    fn presence_key(&self, room_id: i64) -> String {
        format!("{}:presence:{room_id}", self.prefix)
    }

    fn member(&self, nickname: &str) -> String {
        format!("{nickname}\0{}", self.instance)
    }

    /// Receives the other instances' events until shutdown, reconnecting with backoff; after
    /// each reconnect the hubs re-read what they may have missed.
    async fn subscribe_forever(
        self: Arc<Self>,
        client: redis::Client,
        shutdown: CancellationToken,
        subscribed: tokio::sync::oneshot::Sender<()>,
    ) {
        let mut subscribed = Some(subscribed);
        let mut attempt: u32 = 0;
        loop {
            let result = async {
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.subscribe(&self.channel).await?;
                Ok::<_, redis::RedisError>(pubsub)
            }
            .await;
            match result {
                Ok(mut pubsub) => {
                    if let Some(tx) = subscribed.take() {
                        let _ = tx.send(());
                    } else {
                        tracing::info!("reconnected to Redis; filling what was missed");
                        self.hubs.fill_all_gaps().await;
                    }
                    attempt = 0;
                    // What arrived together (another instance's batch, published in one
                    // pipeline) is delivered together: one queue item per room and socket.
                    let mut stream = pubsub.on_message().ready_chunks(RECEIVE_BATCH);
                    loop {
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            next = stream.next() => match next {
                                Some(messages) => self.receive(&messages),
                                None => break,
                            },
                        }
                    }
                    tracing::warn!("lost the Redis subscription; reconnecting");
                }
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "could not subscribe to Redis; retrying")
                }
            }
            let backoff = Duration::from_millis((100u64 << attempt.min(6)).min(5_000));
            attempt += 1;
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
        }
    }

    fn receive(&self, messages: &[redis::Msg]) {
        let events = messages.iter().filter_map(|msg| {
            let payload: Vec<u8> = match msg.get_payload() {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "unreadable Redis message");
                    return None;
                }
            };
            match serde_json::from_slice::<Envelope>(&payload) {
                Ok(envelope) if envelope.origin != self.instance => Some(envelope.event),
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "malformed event on the Redis channel");
                    None
                }
            }
        });
        self.hubs.dispatch_all(events);
    }

    /// Refreshes this instance's presence entries and reaps expired ones.
    async fn heartbeat(self: Arc<Self>, shutdown: CancellationToken) {
        let mut tick =
            tokio::time::interval(Duration::from_millis(self.presence_ttl_ms as u64 / 3));
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => {
                    self.clear_own_presence().await;
                    return;
                }
                _ = tick.tick() => {}
            }
            let entries = self.own_presence();
            let expiry = now_ms() + self.presence_ttl_ms;
            let mut pipe = redis::pipe();
            for (room_id, nickname) in &entries {
                pipe.zadd(self.presence_key(*room_id), self.member(nickname), expiry)
                    .ignore();
            }
            if !entries.is_empty() {
                self.run(pipe).await;
            }
            for room_id in self.hubs.room_ids() {
                self.reap(room_id).await;
            }
        }
    }

    /// Removes expired members of a room and announces users with no member left as offline.
    async fn reap(&self, room_id: i64) {
        let key = self.presence_key(room_id);
        let mut conn = self.conn.clone();
        let expired: Vec<String> = match timed(
            redis::cmd("ZRANGEBYSCORE")
                .arg(&key)
                .arg("-inf")
                .arg(now_ms())
                .query_async(&mut conn),
        )
        .await
        {
            Some(v) => v,
            None => return,
        };
        for member in expired {
            let removed: i64 = timed(
                redis::cmd("ZREM")
                    .arg(&key)
                    .arg(&member)
                    .query_async(&mut conn),
            )
            .await
            .unwrap_or(0);
            let nickname = member.split('\0').next().unwrap_or_default().to_owned();
            if removed == 1 && !self.online(room_id).await.contains(&nickname) {
                self.publish(vec![Event::Presence {
                    room_id,
                    nickname,
                    online: false,
                }])
                .await;
            }
        }
    }

    /// The (room, nickname) pairs this instance has connections for.
    fn own_presence(&self) -> Vec<(i64, String)> {
        self.local
            .lock()
            .expect("presence lock")
            .keys()
            .cloned()
            .collect()
    }

    /// At shutdown: this instance's users are no longer online through it.
    async fn clear_own_presence(&self) {
        let entries = self.own_presence();
        let mut pipe = redis::pipe();
        for (room_id, nickname) in &entries {
            pipe.zrem(self.presence_key(*room_id), self.member(nickname))
                .ignore();
        }
        if !entries.is_empty() {
            self.run(pipe).await;
        }
    }

    /// Users with a live presence entry from another instance.
    async fn online_elsewhere(&self, room_id: i64) -> HashSet<String> {
        let mut conn = self.conn.clone();
        let members: Option<Vec<String>> = timed(
            redis::cmd("ZRANGEBYSCORE")
                .arg(self.presence_key(room_id))
                .arg(now_ms())
                .arg("+inf")
                .query_async(&mut conn),
        )
        .await;
        members
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.split_once('\0'))
            .filter(|(_, instance)| *instance != self.instance)
            .map(|(nickname, _)| nickname.to_owned())
            .collect()
    }

    async fn run(&self, pipe: redis::Pipeline) {
        let mut conn = self.conn.clone();
        if timed(pipe.query_async::<()>(&mut conn)).await.is_none() {
            tracing::warn!("a Redis call failed; carrying on without it");
        }
    }
}

/// Publishes queued envelopes in pipelines until the fan-out is dropped. A batch that fails
/// is dropped (see [`OUTBOX`]); the subscribers' gap filling recovers its messages.
async fn publish_forever(
    mut conn: ConnectionManager,
    channel: String,
    mut outbox: mpsc::Receiver<String>,
) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while outbox.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for payload in batch.drain(..) {
            pipe.publish(&channel, payload).ignore();
        }
        if timed(pipe.query_async::<()>(&mut conn)).await.is_none() {
            tracing::warn!(
                "could not publish to Redis; other instances will fill the gap from the database"
            );
        }
    }
}

/// A Redis call with a deadline; `None` (logged by the caller) when it failed or took too long.
async fn timed<T>(call: impl std::future::Future<Output = redis::RedisResult<T>>) -> Option<T> {
    match tokio::time::timeout(REDIS_TIMEOUT, call).await {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "Redis call failed");
            None
        }
        Err(_) => None,
    }
}

#[async_trait]
impl Fanout for RedisFanout {
    async fn publish(&self, events: Vec<Event>) {
        let mut local = Vec::with_capacity(events.len());
        let mut payloads = Vec::with_capacity(events.len());
        for event in events {
            let envelope = Envelope {
                origin: self.instance.clone(),
                event,
            };
            payloads.push(serde_json::to_string(&envelope).expect("events serialize"));
            local.push(envelope.event);
        }
        // Our own connections first: they are served even while Redis is away.
        self.hubs.dispatch_all(local);
        for payload in payloads {
            if self.outbox.try_send(payload).is_err() {
                tracing::warn!(
                    "the Redis outbox is full; an event for other instances was dropped"
                );
            }
        }
    }

    async fn connected(&self, room_id: i64, nickname: &str) -> bool {
        let first_here = {
            let mut local = self.local.lock().expect("presence lock");
            let count = local.entry((room_id, nickname.to_owned())).or_default();
            *count += 1;
            *count == 1
        };
        if !first_here {
            return false;
        }
        let elsewhere = self.online_elsewhere(room_id).await.contains(nickname);
        let mut conn = self.conn.clone();
        let expiry = now_ms() + self.presence_ttl_ms;
        timed(
            redis::cmd("ZADD")
                .arg(self.presence_key(room_id))
                .arg(expiry)
                .arg(self.member(nickname))
                .query_async::<()>(&mut conn),
        )
        .await;
        !elsewhere
    }

    async fn disconnected(&self, room_id: i64, nickname: &str) -> bool {
        let last_here = {
            let mut local = self.local.lock().expect("presence lock");
            let key = (room_id, nickname.to_owned());
            match local.get_mut(&key) {
                Some(count) if *count > 1 => {
                    *count -= 1;
                    false
                }
                Some(_) => {
                    local.remove(&key);
                    true
                }
                None => false,
            }
        };
        if !last_here {
            return false;
        }
        let mut conn = self.conn.clone();
        timed(
            redis::cmd("ZREM")
                .arg(self.presence_key(room_id))
                .arg(self.member(nickname))
                .query_async::<()>(&mut conn),
        )
        .await;
        !self.online_elsewhere(room_id).await.contains(nickname)
    }

    async fn online(&self, room_id: i64) -> HashSet<String> {
        let mut online = self.online_elsewhere(room_id).await;
        // Whatever Redis says, our own connections are online.
        online.extend(
            self.local
                .lock()
                .expect("presence lock")
                .keys()
                .filter(|(room, _)| *room == room_id)
                .map(|(_, nick)| nick.clone()),
        );
        online
    }
}
