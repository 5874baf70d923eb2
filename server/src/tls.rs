//! HTTPS and WSS without a proxy (`--tls-cert`, `--tls-key`): rustls, served by `serve`.
//! Requests that came over TLS are marked as such for the code that decides on `Secure`
//! cookies, and answers carry HSTS.

use std::path::Path;

use anyhow::Context;
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum_server::tls_rustls::RustlsConfig;

/// A year: browsers then refuse plain HTTP to this host for that long.
const HSTS: &str = "max-age=31536000";

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

/// The handshake for `serve`: ours serves HTTP/1.1 only (its header deadline has no HTTP/2
/// counterpart), so that is all the certificate's configuration offers in ALPN.
pub fn acceptor(config: &RustlsConfig) -> tokio_rustls::TlsAcceptor {
    let mut server = (*config.get_inner()).clone();
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(server))
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
