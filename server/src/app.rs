//! Builds the application (storage, fan-out, hubs, writer, router) and runs it until told to
//! stop.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use anyhow::Context;
use axum::serve::ListenerExt;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::csrf::CsrfKey;
use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::fanout::local::LocalFanout;
use crate::fanout::Fanout;
use crate::hub::Hubs;
use crate::store::{SqlStore, Store};
use crate::writer::MessageWriter;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub fanout: Arc<dyn Fanout>,
    pub hubs: Arc<Hubs>,
    pub writer: MessageWriter,
    pub csrf: CsrfKey,
    /// Per-user message rate on sockets.
    pub send_limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    /// Login and registration attempts per account and per address.
    pub login_throttle: Arc<LoginThrottle>,
    /// Cancelled at shutdown; socket tasks watch it to close with 1012.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// The state and the message writer's task (to wait for at shutdown).
    pub async fn build(
        config: Config,
        shutdown: CancellationToken,
    ) -> anyhow::Result<(Self, JoinHandle<()>)> {
        let sql = SqlStore::connect(&config.database_url, config.database_max_connections).await?;
        tokio::spawn(checkpoint_wal(sql.clone(), shutdown.clone()));
        let store: Arc<dyn Store> = Arc::new(sql);
        let hubs = Hubs::new(store.clone());
        let fanout: Arc<dyn Fanout> = match &config.redis_url {
            Some(url) => crate::fanout::redis::RedisFanout::start(
                url,
                &config.redis_prefix,
                std::time::Duration::from_secs(config.presence_ttl_seconds),
                hubs.clone(),
                shutdown.clone(),
            )
            .await
            .with_context(|| {
                format!(
                    "could not start Redis fan-out at {}",
                    crate::store::redacted(url)
                )
            })?,
            None => Arc::new(LocalFanout::new(hubs.clone())),
        };
        let (writer, writer_task) = MessageWriter::start(
            store.clone(),
            fanout.clone(),
            4096,
            usize::from(config.write_batch),
            std::time::Duration::from_millis(config.write_interval_ms),
        );
        let csrf = load_csrf_key(store.as_ref()).await?;
        let rate = NonZeroU32::new(config.messages_per_second.max(1)).expect("max(1) is non-zero");
        let burst = NonZeroU32::new(config.messages_per_second.max(1) * 4).expect("non-zero");
        let send_limiter = Arc::new(RateLimiter::keyed(
            Quota::per_second(rate).allow_burst(burst),
        ));
        let login_throttle = Arc::new(LoginThrottle::new(
            config.login_per_minute_per_account,
            config.login_per_minute_per_address,
        ));
        let state = Self {
            login_throttle,
            config: Arc::new(config),
            store,
            fanout,
            hubs,
            writer,
            csrf,
            send_limiter,
            shutdown,
        };
        Ok((state, writer_task))
    }
}

/// Deletes expired sessions every hour, so the table does not grow without bound.
async fn sweep_sessions(store: Arc<dyn Store>, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => match store.delete_expired_sessions(crate::store::now_ms()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(count = n, "deleted expired sessions"),
                Err(e) => tracing::warn!(error = ?e, "could not delete expired sessions"),
            },
        }
    }
}

/// SQLite: checkpoints the write-ahead log five times a second, away from the message writer
/// (see `SqlStore::checkpoint`). A no-op on Postgres.
async fn checkpoint_wal(store: SqlStore, shutdown: CancellationToken) {
    if store.backend() != crate::store::Backend::Sqlite {
        return;
    }
    let mut every = tokio::time::interval(std::time::Duration::from_millis(200));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => if let Err(e) = store.checkpoint().await {
                tracing::warn!(error = ?e, "could not checkpoint the SQLite write-ahead log");
            },
        }
    }
}

/// The CSRF signing key, made by the first instance and shared by all through the database.
async fn load_csrf_key(store: &dyn Store) -> anyhow::Result<CsrfKey> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use rand::RngCore;
    let mut fresh = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    let stored = store
        .secret("csrf_key", &STANDARD.encode(fresh))
        .await
        .context("could not load the CSRF key")?;
    let bytes = STANDARD
        .decode(stored)
        .context("the stored CSRF key is not base64")?;
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("the stored CSRF key is not 32 bytes"))?;
    Ok(CsrfKey(key))
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, for clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A token that stops the server when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops gracefully and waits until it has.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.task.await.context("the server task panicked")?
    }

    /// Waits until the server stops (after its shutdown token is cancelled).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("the server task panicked")?
    }
}

/// Binds `config.bind`, opens storage and fan-out, and serves in the background.
pub async fn start(config: Config) -> anyhow::Result<Server> {
    let listener = TcpListener::bind(&config.bind).await.with_context(|| {
        format!(
            "could not listen on {} (is another server using that port? set --bind or BIND)",
            config.bind
        )
    })?;
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let (state, writer_task) = AppState::build(config, shutdown.clone()).await?;
    tokio::spawn(sweep_sessions(state.store.clone(), shutdown.clone()));
    let router = crate::http::router(state.clone());
    let stop = shutdown.clone();
    let task = tokio::spawn(async move {
        // Chat frames are small and latency matters: no Nagle delay on our writes.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
        .context("the HTTP server failed")?;
        // Sockets were told to close with 1012 when the token was cancelled. Once their tasks
        // have let go of the state, the writer has stored everything queued and stops.
        drop(state);
        if tokio::time::timeout(std::time::Duration::from_secs(5), writer_task)
            .await
            .is_err()
        {
            tracing::warn!("the message writer did not finish within 5 s");
        }
        Ok(())
    });
    tracing::info!(%addr, "chat server listening");
    Ok(Server {
        addr,
        shutdown,
        task,
    })
}
