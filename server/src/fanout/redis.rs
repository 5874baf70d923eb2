//! Scale-out fan-out over Redis.
//!
//! Events: every instance publishes each event to one pub/sub channel (`{prefix}:events`)
//! after handing it to its own sink, and hands its sink what the others publish. Pub/sub
//! rather than streams because delivery is already made exact by the database: messages carry
//! a gap-free per-room `seq`, a room that sees a gap reads the missing range from the database
//! (`rooms/room.rs`), and after every reconnect to Redis the sink re-reads everything after
//! the last seq it delivered. So what pub/sub drops while a subscriber is away is filled in,
//! and Redis never has to keep a log.
//!
//! Presence: a sorted set per room (`{prefix}:presence:{room}`) whose members are
//! `nickname \0 instance` scored by an expiry time, and a sorted set of live instances
//! (`{prefix}:instances`). The rooms count their own connections; this records which
//! instances have a user, refreshes the expiry on a heartbeat and, on the same beat, removes
//! members whose time ran out (an instance that died): whoever removes the last member of a
//! nickname announces that user offline. Each change and the check of the other instances that
//! goes with it is one Lua script, so it is atomic.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use futures_util::StreamExt;
use rand::Rng;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Fanout, Sink};
use crate::event::Event;
use crate::store::now_ms;

/// The longest a Redis call may hold up the caller while Redis is unreachable.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
/// Events waiting to be published. Past this (Redis away for long) new ones are dropped:
/// messages are recovered from the database after the outage, the rest are momentary.
const UNPUBLISHED_LIMIT: usize = 65_536;
/// Events published in one pipeline.
const PUBLISH_BATCH: usize = 512;
/// Most events taken off the subscription at once, when that many have already arrived.
const RECEIVE_BATCH: usize = 512;

/// Lua: sets `elsewhere` to 1 if `nickname` (ARGV[1]) has a live member in the room's set
/// (KEYS[1]) from a live instance (KEYS[2]) other than `instance` (ARGV[2]), at `now` (ARGV[3]).
const ONLINE_ELSEWHERE_LUA: &str = r#"
local elsewhere = 0
for _, other in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[3], '+inf')) do
  if other ~= ARGV[2] then
    local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1] .. '\0' .. other)
    if expiry and tonumber(expiry) > tonumber(ARGV[3]) then elsewhere = 1 end
  end
end
"#;

/// Adds this instance's member (expiring at ARGV[4]); 1 if the user was online nowhere else.
fn arrive_script() -> redis::Script {
    redis::Script::new(&format!(
        "{ONLINE_ELSEWHERE_LUA}\nredis.call('ZADD', KEYS[1], ARGV[4], ARGV[1] .. '\\0' .. ARGV[2])\nreturn 1 - elsewhere"
    ))
}

/// Removes this instance's member (ARGV[2] is the instance whose member goes); 1 if it was
/// there and the user is now online nowhere.
fn depart_script() -> redis::Script {
    redis::Script::new(&format!(
        "local removed = redis.call('ZREM', KEYS[1], ARGV[1] .. '\\0' .. ARGV[2])\n{ONLINE_ELSEWHERE_LUA}\nif removed == 0 then return 0 end\nreturn 1 - elsewhere"
    ))
}

/// What goes over the channel: the event and which instance published it.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: String,
    event: Event,
}

pub struct RedisFanout {
    sink: Arc<dyn Sink>,
    conn: ConnectionManager,
    channel: String,
    prefix: String,
    /// This instance's id: it skips its own envelopes, which its sink already has.
    instance: String,
    /// How long a presence entry lives without a heartbeat; refreshed every third of it.
    presence_ttl_ms: i64,
    arrive: redis::Script,
    depart: redis::Script,
    /// Serialized envelopes for the publisher task, so a slow or absent Redis never holds up
    /// the send queue or a socket.
    unpublished: mpsc::Sender<String>,
    /// True while the subscription is up: other instances' events reach this one.
    subscribed: AtomicBool,
}

impl RedisFanout {
    /// Connects, subscribes, and starts the heartbeat. Fails if Redis is unreachable at start.
    pub async fn start(
        url: &str,
        prefix: &str,
        presence_ttl: Duration,
        sink: Arc<dyn Sink>,
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
        let (unpublished, unpublished_rx) = mpsc::channel(UNPUBLISHED_LIMIT);
        let channel = format!("{prefix}:events");
        tokio::spawn(publish_forever(
            conn.clone(),
            channel.clone(),
            unpublished_rx,
        ));
        let fanout = Arc::new(Self {
            sink,
            conn,
            channel,
            prefix: prefix.to_owned(),
            instance,
            presence_ttl_ms: presence_ttl.as_millis().max(300) as i64,
            arrive: arrive_script(),
            depart: depart_script(),
            unpublished,
            subscribed: AtomicBool::new(false),
        });
        fanout.register_instance().await;
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

    fn instances_key(&self) -> String {
        format!("{}:instances", self.prefix)
    }

    fn member(&self, nickname: &str) -> String {
        format!("{nickname}\0{}", self.instance)
    }

    /// Marks this instance live until the next heartbeat is overdue.
    async fn register_instance(&self) {
        let mut pipe = redis::pipe();
        pipe.zadd(
            self.instances_key(),
            &self.instance,
            now_ms() + self.presence_ttl_ms,
        )
        .ignore();
        self.run(pipe).await;
    }

    /// Receives the other instances' events until shutdown, reconnecting with backoff; after
    /// each reconnect the sink re-reads what it may have missed.
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
                    self.subscribed.store(true, Ordering::Relaxed);
                    if let Some(tx) = subscribed.take() {
                        let _ = tx.send(());
                    } else {
                        tracing::info!("reconnected to Redis; filling what was missed");
                        metrics::counter!(crate::metrics::REDIS_RECONNECTS).increment(1);
                        self.sink.resync().await;
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
                    self.subscribed.store(false, Ordering::Relaxed);
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
        let events = messages
            .iter()
            .filter_map(|msg| {
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
            })
            .collect();
        self.sink.deliver(events);
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
            let entries = self.sink.present_here();
            let expiry = now_ms() + self.presence_ttl_ms;
            let mut pipe = redis::pipe();
            pipe.zadd(self.instances_key(), &self.instance, expiry)
                .ignore();
            for (room_id, nickname) in &entries {
                pipe.zadd(self.presence_key(*room_id), self.member(nickname), expiry)
                    .ignore();
            }
            self.run(pipe).await;
            let mut rooms: Vec<i64> = entries.iter().map(|(room, _)| *room).collect();
            rooms.sort_unstable();
            rooms.dedup();
            for room_id in rooms {
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
            let Some((nickname, instance)) = member.split_once('\0') else {
                continue;
            };
            if self.leave_for(room_id, nickname, instance).await == Some(true) {
                self.publish(vec![Event::Presence {
                    room_id,
                    nickname: nickname.to_owned(),
                    online: false,
                }])
                .await;
            }
        }
    }

    /// Removes `instance`'s member for `nickname`: whether it was there and the user is now
    /// online on no instance, or `None` when Redis did not answer.
    async fn leave_for(&self, room_id: i64, nickname: &str, instance: &str) -> Option<bool> {
        let mut conn = self.conn.clone();
        let mut call = self.depart.prepare_invoke();
        call.key(self.presence_key(room_id))
            .key(self.instances_key())
            .arg(nickname)
            .arg(instance)
            .arg(now_ms());
        timed(call.invoke_async::<i64>(&mut conn))
            .await
            .map(|last| last == 1)
    }

    /// At shutdown: this instance's users are no longer online through it.
    async fn clear_own_presence(&self) {
        let entries = self.sink.present_here();
        let mut pipe = redis::pipe();
        pipe.zrem(self.instances_key(), &self.instance).ignore();
        for (room_id, nickname) in &entries {
            pipe.zrem(self.presence_key(*room_id), self.member(nickname))
                .ignore();
        }
        self.run(pipe).await;
    }

    async fn run(&self, pipe: redis::Pipeline) {
        let mut conn = self.conn.clone();
        if timed(pipe.query_async::<()>(&mut conn)).await.is_none() {
            tracing::warn!("a Redis call failed; carrying on without it");
        }
    }
}

/// Publishes queued envelopes in pipelines until the fan-out is dropped. A batch that fails
/// is dropped (see [`UNPUBLISHED_LIMIT`]); the subscribers' gap filling recovers its messages.
async fn publish_forever(
    mut conn: ConnectionManager,
    channel: String,
    mut unpublished: mpsc::Receiver<String>,
) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while unpublished.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
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
        self.sink.deliver(local);
        for payload in payloads {
            if self.unpublished.try_send(payload).is_err() {
                tracing::warn!(
                    "the Redis publish queue is full; an event for other instances was dropped"
                );
            }
        }
    }

    async fn arrived(&self, room_id: i64, nickname: &str) -> bool {
        let mut conn = self.conn.clone();
        let mut call = self.arrive.prepare_invoke();
        call.key(self.presence_key(room_id))
            .key(self.instances_key())
            .arg(nickname)
            .arg(&self.instance)
            .arg(now_ms())
            .arg(now_ms() + self.presence_ttl_ms);
        // Redis away: say online, as a user with a fresh connection is.
        timed(call.invoke_async::<i64>(&mut conn))
            .await
            .is_none_or(|first| first == 1)
    }

    async fn departed(&self, room_id: i64, nickname: &str) -> bool {
        // Redis away: say offline, as nobody can be seen elsewhere.
        self.leave_for(room_id, nickname, &self.instance)
            .await
            .unwrap_or(true)
    }

    /// Subscribed, and Redis answers a PING within the deadline (the subscription can look
    /// up for a while after Redis went away, until the socket notices).
    async fn is_connected(&self) -> bool {
        let mut conn = self.conn.clone();
        self.subscribed.load(Ordering::Relaxed)
            && timed(redis::cmd("PING").query_async::<String>(&mut conn))
                .await
                .is_some()
    }

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
}
