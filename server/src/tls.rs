//! HTTPS and WSS without a proxy (`--tls-cert`, `--tls-key`): rustls through axum-server.
//! Requests that came over TLS are marked as such for the code that decides on `Secure`
//! cookies, and answers carry HSTS.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A year: browsers then refuse plain HTTP to this host for that long.
const HSTS: &str = "max-age=31536000";
/// How long open connections get to finish once shutdown starts (sockets close themselves
/// with 1012 at once).
const DRAIN: Duration = Duration::from_secs(5);

/// Reads the certificate chain and key, with errors that name the file at fault.
pub async fn load(cert: &Path, key: &Path) -> anyhow::Result<RustlsConfig> {
    for (what, path) in [("certificate", cert), ("key", key)] {
        std::fs::metadata(path)
            .with_context(|| format!("cannot read the TLS {what} at {}", path.display()))?;
    }
    RustlsConfig::from_pem_file(cert, key).await.with_context(|| {
        format!(
            "the TLS certificate {} and key {} do not make a usable pair (PEM, key matching the certificate)",
            cert.display(),
            key.display()
        )
    })
}

/// Serves `router` over TLS on `listener` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    config: RustlsConfig,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.cancelled().await;
        stopper.graceful_shutdown(Some(DRAIN));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, config)?
        .handle(handle)
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await
}

/// The request came over our TLS: say so in `x-forwarded-proto`, which decides `Secure` on
/// cookies (behind a proxy, the proxy sets it), whatever a client put there; and turn on HSTS.
pub async fn mark_https(mut request: Request, next: Next) -> Response {
    request
        .headers_mut()
        .insert("x-forwarded-proto", HeaderValue::from_static("https"));
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    );
    response
}
