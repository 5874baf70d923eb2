//! A room's presence and participant frames, grouped: a lone one goes out at once; those that
//! follow within [`NOTICE_INTERVAL`] are held and go out together at its end, as one queue item
//! per socket. Sent one by one, a join storm (every member reconnecting after a restart) would
//! wake and flush every member's socket once per join (BENCHMARKS.md); a presence shown a fifth
//! of a second late goes unnoticed.
//!
//! A big room holds no such frames, only a mark that its counts moved: one `headcount` frame,
//! with the counts as they are when the group goes, ends the group, at most once per
//! [`HEADCOUNT_INTERVAL`]: in a storm, each of thousands of sockets is written once a second,
//! not five times.

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use tokio::time::{Duration, Instant};

/// The shortest time between two sends of a room's presence and participant frames.
pub const NOTICE_INTERVAL: Duration = Duration::from_millis(200);

/// The shortest time between two `headcount` frames of a big room.
pub const HEADCOUNT_INTERVAL: Duration = Duration::from_secs(1);

/// The frames held back, and when the last group went out.
#[derive(Debug, Default)]
pub struct Notices {
    held: Vec<Utf8Bytes>,
    /// A `headcount` frame is due with the next group.
    headcount: bool,
    last_sent: Option<Instant>,
    /// When the held group is to go. A group can also go early (with a message, which must
    /// not overtake it), and the task that was to send it then wakes for nothing: it sends
    /// only if its time is still this one.
    scheduled: Option<Instant>,
}

/// What to do with a notice just taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Hold {
    /// Send [`Notices::take`] now.
    SendNow,
    /// Held: schedule a send of [`Notices::take`] at this instant (the first one held).
    SendAt(Instant),
    /// Held with others; a send is already scheduled.
    Scheduled,
}

impl Notices {
    /// Takes a frame for everyone in the room.
    pub fn hold(&mut self, text: Utf8Bytes) -> Hold {
        let first_held = self.is_empty();
        self.held.push(text);
        self.when(first_held, NOTICE_INTERVAL)
    }

    /// Marks the room's counts as moved: the next group ends with a `headcount` frame.
    pub fn hold_headcount(&mut self) -> Hold {
        let first_held = self.is_empty();
        self.headcount = true;
        self.when(first_held, HEADCOUNT_INTERVAL)
    }

    fn is_empty(&self) -> bool {
        self.held.is_empty() && !self.headcount
    }

    fn when(&mut self, first_held: bool, interval: Duration) -> Hold {
        match self.last_sent.map(|sent| sent + interval) {
            Some(due) if due > Instant::now() && first_held => {
                self.scheduled = Some(due);
                Hold::SendAt(due)
            }
            Some(due) if due > Instant::now() => Hold::Scheduled,
            _ => Hold::SendNow,
        }
    }

    /// The held frames, if any, to send now (which starts a new interval), ended by the
    /// `headcount` frame `headcount` makes if one is due.
    pub fn take(&mut self, headcount: impl FnOnce() -> Utf8Bytes) -> Option<Arc<[Utf8Bytes]>> {
        if self.is_empty() {
            return None;
        }
        self.last_sent = Some(Instant::now());
        self.scheduled = None;
        let mut frames = std::mem::take(&mut self.held);
        if std::mem::take(&mut self.headcount) {
            frames.push(headcount());
        }
        Some(frames.into())
    }

    /// Whether the held group is still to go at `due` (not sent early, not rescheduled).
    pub fn is_due_at(&self, due: Instant) -> bool {
        self.scheduled == Some(due)
    }

    #[cfg(test)]
    pub fn last_sent(&self) -> Option<Instant> {
        self.last_sent
    }
}
