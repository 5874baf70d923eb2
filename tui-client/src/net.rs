//! Network I/O, all of it in background tasks that report back as actions: HTTP calls with a
//! browser's cookies and CSRF header (`http.rs`), the saved session file (`session.rs`), the
//! lines not yet sent (`unsent.rs`), the room sockets (`ws.rs`) and the lobby socket
//! (`lobby.rs`).

pub mod http;
pub mod lobby;
pub mod open_rooms;
pub mod session;
pub mod unsent;
pub mod ws;

use std::time::Duration;

use rand::Rng;

/// The first wait after a lost connection.
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
/// The longest wait between tries.
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// Reconnect delays: 0.5 s doubling to 10 s, each with ±20 % jitter so that many clients
/// cut off by one server restart do not all come back in the same instant.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            next: BACKOFF_FIRST,
        }
    }
}

impl Backoff {
    /// A connection worked: the next loss starts from the shortest wait again.
    pub fn reset(&mut self) {
        self.next = BACKOFF_FIRST;
    }

    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (base * 2).min(BACKOFF_MAX);
        let factor = rand::thread_rng().gen_range(0.8..=1.2);
        base.mul_f64(factor).min(BACKOFF_MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_half_a_second_to_ten_with_jitter() {
        let mut backoff = Backoff::default();
        let bases = [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0];
        for base in bases {
            let delay = backoff.next_delay().as_secs_f64();
            assert!(
                delay >= base * 0.8 - 1e-9 && delay <= (base * 1.2).min(10.0) + 1e-9,
                "{delay} for {base}"
            );
        }
        backoff.reset();
        assert!(backoff.next_delay() <= Duration::from_millis(600));
    }
}
