//! Accepting and serving connections, HTTP/1.1 (and WebSockets upgraded from it), plain or
//! over TLS, with what `axum::serve` lacks against clients that open connections and then
//! send nothing (issue 18): a deadline for a request's headers (and the TLS handshake), an
//! idle timeout, a cap on connections in all and per client address (past it, 503 at once
//! rather than failing to accept), a listen queue deep enough for a burst, and a graceful
//! stop.

pub mod gate;
pub mod idle;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use gate::{Caps, Full, Gate, Pass};
use idle::{Activity, Watched};

/// How long open connections get to finish once shutdown starts (sockets close themselves
/// with 1012 at once).
const DRAIN: Duration = Duration::from_secs(5);
/// After a failed accept (out of open files, say), wait this long before the next, rather
/// than spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);
/// How long a turned-away client gets to take its 503.
const REFUSAL_WRITE: Duration = Duration::from_secs(1);

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 5\r\n\
content-type: text/plain; charset=utf-8\r\ncontent-length: 55\r\n\r\n\
The server is too busy right now. Try again in a moment.";
const BUSY_ADDRESS: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 5\r\n\
content-type: text/plain; charset=utf-8\r\ncontent-length: 65\r\n\r\n\
Too many connections from your address. Close some and try again.";

/// Connections the kernel may hold completed for us before we accept them (it caps this at
/// `net.core.somaxconn`). The standard library's 128 is less than a restart's reconnect storm
/// or a flood brings at once: past it the kernel drops the handshake's last packet, and a
/// client that then sends nothing is accepted only after a retransmission, seconds later.
const LISTEN_BACKLOG: u32 = 4096;

/// Listens on `bind` (an address, or a name and port) with [`LISTEN_BACKLOG`]: the first of
/// its addresses that can be bound.
pub async fn listen(bind: &str) -> io::Result<TcpListener> {
    let mut last_error = None;
    for addr in tokio::net::lookup_host(bind).await? {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        // As the standard library's listeners do: a restart may bind while the last run's
        // connections are still closing.
        socket.set_reuseaddr(true)?;
        match socket
            .bind(addr)
            .and_then(|()| socket.listen(LISTEN_BACKLOG))
        {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{bind} names no address"),
        )
    }))
}

/// What a connection may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub caps: Caps,
    /// From the connection's start (or the end of the previous request) to the end of a
    /// request's headers; also the TLS handshake's deadline.
    pub header_read: Duration,
    /// Nothing read or written for this long, before a WebSocket takes the connection over
    /// (the socket then has its own pings and write deadline): closed.
    pub idle: Duration,
}

/// Serves `router` on `listener` until `shutdown`, then lets connections finish for a while.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let gate = Gate::new(limits.caps);
    // Every connection's task holds a sender: when all are gone, all connections are.
    let (open, mut all_closed) = mpsc::channel::<()>(1);
    loop {
        let (tcp, remote) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
        };
        // Chat frames are small and latency matters: no Nagle delay on our writes.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let held = open.clone();
        match gate.admit(remote.ip()) {
            Ok(pass) => {
                let (router, tls, shutdown) = (router.clone(), tls.clone(), shutdown.clone());
                tokio::spawn(async move {
                    connection(tcp, remote, pass, tls, router, limits, shutdown).await;
                    drop(held);
                });
            }
            Err(full) => {
                tracing::debug!(%remote, ?full, "connection refused: too many open");
                let plain = tls.is_none();
                tokio::spawn(async move {
                    refuse(tcp, full, plain).await;
                    drop(held);
                });
            }
        }
    }
    drop(listener);
    drop(open);
    if tokio::time::timeout(DRAIN, all_closed.recv())
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open {} s after shutdown",
            DRAIN.as_secs()
        );
    }
    Ok(())
}

/// Answers 503 and closes. Over TLS, closing is all we can do before a handshake that
/// would itself cost what the cap protects.
async fn refuse(mut tcp: TcpStream, full: Full, plain: bool) {
    if plain {
        let answer = match full {
            Full::Server => BUSY,
            Full::Address => BUSY_ADDRESS,
        };
        let _ = tokio::time::timeout(REFUSAL_WRITE, tcp.write_all(answer)).await;
    }
}

async fn connection(
    tcp: TcpStream,
    remote: SocketAddr,
    pass: Pass,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let activity = Activity::default();
    let io = Watched::new(tcp, activity.clone(), pass);
    match tls {
        None => http(io, remote, router, limits, activity, shutdown).await,
        Some(acceptor) => match tokio::time::timeout(limits.header_read, acceptor.accept(io)).await
        {
            Ok(Ok(stream)) => http(stream, remote, router, limits, activity, shutdown).await,
            Ok(Err(e)) => tracing::debug!(%remote, error = %e, "TLS handshake failed"),
            Err(_) => tracing::debug!(%remote, "TLS handshake too slow"),
        },
    }
}

async fn http<I>(
    io: I,
    remote: SocketAddr,
    router: Router,
    limits: Limits,
    activity: Activity,
    shutdown: CancellationToken,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // What `into_make_service_with_connect_info` gives handlers (the login throttle's key).
    let service =
        TowerToHyperService::new(router.map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            request
        }));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    let connection = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            done = connection.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(%remote, error = %e, "connection ended with an error");
                }
                return;
            }
            _ = shutdown.cancelled(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = activity.idle_for(limits.idle) => {
                tracing::debug!(%remote, "idle connection closed");
                return;
            }
        }
    }
}
