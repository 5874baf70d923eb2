//! What every handler can reach: the configuration, storage, the rooms service, and the keys
//! and limits of authentication. Built by `app.rs`.

use std::sync::Arc;

use governor::DefaultKeyedRateLimiter;
use tokio_util::sync::CancellationToken;

use crate::auth::csrf_key::CsrfKey;
use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::rooms::Rooms;
use crate::socket::slots::SocketSlots;
use crate::store::Store;

/// Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub rooms: Arc<Rooms>,
    pub csrf: CsrfKey,
    /// Per-user message rate on sockets.
    pub send_limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    /// The lower rate of accounts younger than `--new-account-minutes`, on top of the above.
    pub new_account_limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    /// Login and registration attempts per account and per address.
    pub login_throttle: Arc<LoginThrottle>,
    /// Each user's open room sockets, against `--sockets-per-user`.
    pub socket_slots: Arc<SocketSlots>,
    /// `history` requests per user, across their sockets.
    pub history_limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    /// `typing` hints per user, across their sockets.
    pub typing_limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    /// Rooms each user may create, against `--rooms-per-hour`.
    pub room_limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    /// Cancelled at shutdown; socket tasks watch it to close with 1012.
    pub shutdown: CancellationToken,
}
