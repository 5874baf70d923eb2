//! Accounts the operator disabled (`chat-server admin disable`) lose their sockets at once, on
//! every instance. The admin command only writes the database (it reaches no running
//! instance), and its transaction already ended the account's sessions; each instance polls
//! for the accounts disabled lately and closes what they still have open.

use std::sync::Arc;
use std::time::Duration;

use chat_shared::close::LOGGED_OUT;
use tokio_util::sync::CancellationToken;

use super::registry::Registry;
use crate::store::{now_ms, Store};

const POLL: Duration = Duration::from_secs(1);
/// How far back each poll looks: several polls, so a slow poll, or an admin host whose clock
/// runs a little behind, misses nothing. Closing the same sockets twice is harmless.
const LOOK_BACK: Duration = Duration::from_secs(10);

pub fn spawn(store: Arc<dyn Store>, registry: Arc<Registry>, shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = poll.tick() => {}
            }
            let since = now_ms() - LOOK_BACK.as_millis() as i64;
            match store.disabled_since(since).await {
                Ok(accounts) => {
                    for user_id in accounts {
                        registry.close_user(user_id, LOGGED_OUT, "your account was disabled");
                    }
                }
                Err(e) => tracing::debug!(error = %e, "could not poll for disabled accounts"),
            }
        }
    });
}
