//! Start-up configuration: flags and environment variables, with defaults that need no setup
//! (a SQLite file next to the binary's working directory, in-process fan-out).

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "chat-server",
    version,
    about = "A small self-hosted live chat server"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,

    /// `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://chat.db")]
    pub database_url: String,

    /// `redis://HOST:PORT` to share rooms between several instances; unset for one instance.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key and channel, so several deployments can share one Redis.
    #[arg(long, env = "REDIS_PREFIX", default_value = "chat")]
    pub redis_prefix: String,

    /// Database connections in the pool.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 8)]
    pub database_max_connections: u32,

    /// How long a login lasts, in seconds (two weeks by default, as Django's).
    #[arg(long, env = "SESSION_SECONDS", default_value_t = 14 * 24 * 3600)]
    pub session_seconds: i64,

    /// Login attempts allowed per account per minute from one client address (bursts of that
    /// many); the account over all addresses gets ten times that.
    #[arg(long, env = "LOGIN_PER_MINUTE_PER_ACCOUNT", default_value_t = 10)]
    pub login_per_minute_per_account: u32,

    /// Login and registration attempts allowed per client address per minute.
    #[arg(long, env = "LOGIN_PER_MINUTE_PER_ADDRESS", default_value_t = 60)]
    pub login_per_minute_per_address: u32,

    /// Frames queued for one connection before it counts as too slow and is dropped. One write
    /// is queued whole while fewer wait, so a client that stopped reading holds at most this
    /// many plus two writes (`WRITE_BATCH`) before it is dropped.
    #[arg(long, env = "CONNECTION_QUEUE", default_value_t = 1024)]
    pub connection_queue: usize,

    /// Participants a welcome lists; a room with more is a big room (`docs/protocol.md` "Big
    /// rooms"). Lower only to try big rooms out with few users: clients page 100 at a time.
    #[arg(long, env = "PARTICIPANT_PAGE", default_value_t = chat_shared::limits::PARTICIPANT_PAGE,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(chat_shared::limits::PARTICIPANT_PAGE_MAX)))]
    pub participant_page: u32,

    /// Messages a user may send per second, on average (bursts of 4× are allowed).
    #[arg(long, env = "MESSAGES_PER_SECOND", default_value_t = 20)]
    pub messages_per_second: u32,

    /// For this many minutes after registering, an account may send a quarter of
    /// `MESSAGES_PER_SECOND` (at least one a second) without the 4× burst: a crowd of fresh
    /// accounts no longer multiplies the per-user rate. 0 turns it off.
    #[arg(long, env = "NEW_ACCOUNT_MINUTES", default_value_t = 10)]
    pub new_account_minutes: u32,

    /// How long after sending a message its sender may still edit it, in minutes; 0 means
    /// always.
    #[arg(long, env = "EDIT_WINDOW_MINUTES", default_value_t = 0)]
    pub edit_window_minutes: u32,

    /// Whether messages may be deleted (by their sender, the room's creator or a server
    /// admin). `false` keeps every message as it was last edited.
    #[arg(long, env = "ALLOW_DELETE", default_value_t = true, action = clap::ArgAction::Set)]
    pub allow_delete: bool,

    /// `history` requests (pages of older messages) a user may make per second, on average
    /// (bursts of 4× are allowed).
    #[arg(long, env = "HISTORY_PER_SECOND", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub history_per_second: u32,

    /// Under load, the shortest time in milliseconds between the starts of two message writes.
    /// Longer shares each commit, and each socket's flush, among more messages, at the cost
    /// of up to that much latency; 0 writes as soon as the previous write is done. A message
    /// after a quiet spell is always written at once.
    #[arg(long, env = "WRITE_INTERVAL_MS", default_value_t = 20)]
    pub write_interval_ms: u64,

    /// On SQLite, how often in milliseconds new lines are indexed for search, behind the
    /// writes that store them. A search always waits until every line stored before it is
    /// indexed, so this is how much indexing is grouped, not how stale a search can be.
    #[arg(long, env = "SEARCH_INDEX_INTERVAL_MS", default_value_t = 250,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub search_index_interval_ms: u64,

    /// The most messages stored, and then delivered, in one write (1 to 4096). Under load a
    /// full batch is written without waiting out the interval, so this caps the messages a
    /// second the server can store; smaller bounds what a stalled client holds (see
    /// `CONNECTION_QUEUE`).
    #[arg(long, env = "WRITE_BATCH", default_value_t = 4096,
          value_parser = clap::value_parser!(u16).range(1..=crate::store::MAX_BATCH as i64))]
    pub write_batch: u16,

    /// Seconds a user stays online through an instance that stopped answering (scale-out).
    #[arg(long, env = "PRESENCE_TTL_SECONDS", default_value_t = 30)]
    pub presence_ttl_seconds: u64,

    /// Serve `/ws/echo`, a WebSocket echo with the chat sockets' settings, for protocol
    /// conformance runs (Autobahn|Testsuite). Never enable it in production.
    #[arg(long, env = "ENABLE_ECHO_ROUTE", default_value_t = false, hide = true)]
    pub enable_echo_route: bool,

    /// A PEM certificate chain: with `--tls-key`, serve HTTPS and WSS directly (cookies then
    /// `Secure`, and HSTS on). Without both, plain HTTP (behind a proxy that terminates TLS).
    #[arg(long, env = "TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// The PEM private key of `--tls-cert`.
    #[arg(long, env = "TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,

    /// Rooms one user may create per hour (all of them at once if they like; then one more
    /// every 60/N minutes).
    #[arg(long, env = "ROOMS_PER_HOUR", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rooms_per_hour: u32,

    /// Room sockets one user may have open at once on this instance (every tab, device and
    /// room counts); past it, a new one is refused with 429.
    #[arg(long, env = "SOCKETS_PER_USER", default_value_t = 64,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub sockets_per_user: u16,

    /// Address for Prometheus metrics (`GET /metrics`), e.g. `127.0.0.1:9100`; unset for none.
    /// Keep it off the public address: it is meant for the monitoring network only.
    #[arg(long, env = "METRICS_BIND")]
    pub metrics_bind: Option<String>,

    /// Seconds a client gets to send a request's headers (from connecting, or from the end
    /// of its previous request), and to finish the TLS handshake.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECONDS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_seconds: u64,

    /// Seconds an HTTP connection may stay open with nothing read or written (a trickled
    /// body, an answer not read); WebSockets have their own pings instead.
    #[arg(long, env = "IDLE_TIMEOUT_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_seconds: u64,

    /// Connections (WebSockets included) open at once; past it, new ones get 503. Lowered at
    /// start to stay 64 below the open-file limit.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Connections one client address may have open at once (at most a quarter of
    /// `MAX_CONNECTIONS`); past it, 503. 0 turns it off: do so behind a proxy, where every
    /// connection comes from the proxy.
    #[arg(long, env = "CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub connections_per_address: u32,

    /// Seconds between pings on idle sockets; a socket silent for three times this is closed.
    #[arg(long, env = "PING_SECONDS", default_value_t = 20)]
    pub ping_seconds: u64,
}

impl Config {
    /// A configuration for tests: an ephemeral port on loopback and the given database.
    pub fn for_tests(database_url: &str) -> Self {
        let mut config = Config::parse_from(["chat-server"]);
        config.bind = "127.0.0.1:0".into();
        config.database_url = database_url.into();
        config.redis_url = None;
        // Every test account is minutes old; the tests of the new-account rate turn it on.
        config.new_account_minutes = 0;
        config
    }
}

#[cfg(test)]
mod tests {
    use super::Config;
    use clap::Parser;

    #[test]
    fn a_write_batch_outside_1_to_4096_is_refused_with_the_range() {
        for bad in ["0", "4097", "lots"] {
            let error = Config::try_parse_from(["chat-server", "--write-batch", bad])
                .expect_err("out of range")
                .to_string();
            assert!(error.contains("--write-batch"), "{error}");
            assert!(error.contains(bad), "{error}");
        }
        let config = Config::try_parse_from(["chat-server", "--write-batch", "512"]).unwrap();
        assert_eq!(config.write_batch, 512);
        assert_eq!(Config::parse_from(["chat-server"]).write_batch, 4096);
    }
}
