//! Builds the application (storage, rooms with their fan-out and send queue, router) and runs
//! it until told to stop.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use governor::{Quota, RateLimiter};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::csrf_key::CsrfKey;
use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::rooms::Rooms;
use crate::state::AppState;
use crate::store::{SqlStore, Store};

/// A hint shown for a few seconds: once a second per user, however many sockets they hold.
const TYPING_PER_SECOND: NonZeroU32 = NonZeroU32::new(1).expect("non-zero");

/// The state and the send queue's task (to wait for at shutdown).
async fn build(
    config: Config,
    shutdown: CancellationToken,
) -> anyhow::Result<(AppState, JoinHandle<()>)> {
    let sql = SqlStore::connect(&config.database_url, config.database_max_connections).await?;
    sql.start_upkeep(
        shutdown.clone(),
        Duration::from_millis(config.search_index_interval_ms),
    );
    let store: Arc<dyn Store> = Arc::new(sql);
    let (rooms, send_task) = Rooms::start(&config, store.clone(), shutdown.clone()).await?;
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
    let new_rate =
        NonZeroU32::new((config.messages_per_second / 4).max(1)).expect("max(1) is non-zero");
    let new_account_limiter = Arc::new(RateLimiter::keyed(Quota::per_second(new_rate)));
    let socket_slots = crate::socket::slots::SocketSlots::new(usize::from(config.sockets_per_user));
    // Scrolling back asks for a page at a time: a few a second is faster than anyone reads,
    // and 295,000 queued in ten seconds kept the server busy for 80 (issue 18).
    let history = NonZeroU32::new(config.history_per_second.max(1)).expect("max(1) is non-zero");
    let history_limiter = Arc::new(RateLimiter::keyed(
        Quota::per_second(history)
            .allow_burst(history.saturating_mul(NonZeroU32::new(4).expect("non-zero"))),
    ));
    let typing_limiter = Arc::new(RateLimiter::keyed(Quota::per_second(TYPING_PER_SECOND)));
    // One account made 18,000 rooms in 17 s, and every visitor's list then carried them all
    // (issue 18): the whole hour's allowance may be used at once, then it refills.
    let rooms_per_hour = NonZeroU32::new(config.rooms_per_hour.max(1)).expect("max(1) is non-zero");
    let room_limiter = Arc::new(RateLimiter::keyed(
        Quota::per_hour(rooms_per_hour).allow_burst(rooms_per_hour),
    ));
    let state = AppState {
        login_throttle,
        socket_slots,
        history_limiter,
        typing_limiter,
        room_limiter,
        config: Arc::new(config),
        store,
        rooms,
        csrf,
        send_limiter,
        new_account_limiter,
        shutdown,
    };
    Ok((state, send_task))
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

/// The connection settings, with the caps lowered to fit this process's open-file limit.
fn connection_limits(config: &Config) -> crate::serve::Limits {
    let open_files = match rlimit::getrlimit(rlimit::Resource::NOFILE) {
        Ok((soft, _hard)) => soft,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the open-file limit; assuming 1024");
            1024
        }
    };
    let caps = crate::serve::gate::Caps::fitting(
        config.max_connections as usize,
        config.connections_per_address as usize,
        open_files,
    );
    if caps.max < config.max_connections as usize {
        tracing::warn!(
            open_files,
            connections = caps.max,
            "the open-file limit allows fewer connections than MAX_CONNECTIONS; raise it (ulimit -n, LimitNOFILE=)"
        );
    }
    crate::serve::Limits {
        caps,
        header_read: std::time::Duration::from_secs(config.header_read_timeout_seconds),
        idle: std::time::Duration::from_secs(config.idle_timeout_seconds),
    }
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    tls: bool,
    metrics_addr: Option<SocketAddr>,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where `/metrics` is served, with `--metrics-bind`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// `http://ADDR` (`https://` with TLS), for clients.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
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
    let listener = crate::serve::listen(&config.bind).await.with_context(|| {
        format!(
            "could not listen on {} (is another server using that port? set --bind or BIND)",
            config.bind
        )
    })?;
    let addr = listener.local_addr()?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::acceptor(&crate::tls::load(cert, key).await?)),
        (None, None) => None,
        _ => anyhow::bail!("--tls-cert and --tls-key go together: give both, or neither"),
    };
    let shutdown = CancellationToken::new();
    let metrics_addr = match &config.metrics_bind {
        Some(bind) => Some(crate::metrics::serve(bind, shutdown.clone()).await?),
        None => None,
    };
    let limits = connection_limits(&config);
    let (state, send_task) = build(config, shutdown.clone()).await?;
    tokio::spawn(sweep_sessions(state.store.clone(), shutdown.clone()));
    let tls_on = tls.is_some();
    let mut router = crate::http::router(state.clone());
    if tls_on {
        router = router.layer(axum::middleware::from_fn(crate::tls::mark_https));
    }
    let stop = shutdown.clone();
    let task = tokio::spawn(async move {
        let what = if tls.is_some() { "HTTPS" } else { "HTTP" };
        crate::serve::serve(listener, router, tls, limits, stop)
            .await
            .with_context(|| format!("the {what} server failed"))?;
        // Sockets were told to close with 1012 when the token was cancelled. Once their tasks
        // have let go of the state, the send queue has stored everything queued and stops.
        drop(state);
        if tokio::time::timeout(std::time::Duration::from_secs(5), send_task)
            .await
            .is_err()
        {
            tracing::warn!("the send queue did not finish within 5 s");
        }
        Ok(())
    });
    tracing::info!(%addr, "chat server listening");
    Ok(Server {
        addr,
        tls: tls_on,
        metrics_addr,
        shutdown,
        task,
    })
}
