//! The send time carried inside every message body, and the fast path that finds it again in a
//! `message` frame without parsing the JSON.
//!
//! A body reads `~STEP~MICROS~SENDER~SEQ~xxxx…`: the step of the run it belongs to, the
//! time it was *scheduled* to be sent in microseconds on this process's clock (so a sender
//! that falls behind shows up as latency instead of hiding it: no coordinated omission), who
//! sent it and its number, padded to the body size. Senders and receivers live in the same
//! process, so one monotonic clock serves both ends.

use std::sync::OnceLock;
use std::time::Instant;

/// What a bench body starts with, right after the opening quote of `"body":"`.
const BODY_KEY: &str = "\"body\":\"~";

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Microseconds since the bench's clock started.
pub fn micros(at: Instant) -> u64 {
    at.saturating_duration_since(epoch()).as_micros() as u64
}

/// Microseconds since the bench's clock started, now.
pub fn now_micros() -> u64 {
    micros(Instant::now())
}

/// Starts the clock; call once early so the first stamps are not all zero.
pub fn start_clock() {
    epoch();
}

/// A body of exactly `size` bytes carrying the stamp.
pub fn body(step: u32, scheduled_micros: u64, sender: usize, seq: u64, size: usize) -> String {
    let mut body = format!("~{step}~{scheduled_micros}~{sender}~{seq}~");
    if body.len() < size {
        body.extend(std::iter::repeat_n('x', size - body.len()));
    }
    body
}

/// The step and scheduled send time from a `message` frame's text, if it is one of ours.
/// Anything else (welcome, presence, error, a message from someone else) gives `None`.
pub fn parse(frame: &str) -> Option<(u32, u64)> {
    if !frame.starts_with("{\"type\":\"message\"") {
        return None;
    }
    let at = frame.find(BODY_KEY)? + BODY_KEY.len();
    let mut parts = frame[at..].splitn(3, '~');
    let step = parts.next()?.parse().ok()?;
    let micros = parts.next()?.parse().ok()?;
    Some((step, micros))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_shared::{Message, ServerFrame};

    fn message_frame(body: String) -> String {
        serde_json::to_string(&ServerFrame::Message(Message::plain(
            42,
            7,
            "bench3",
            body,
            "2026-11-24T21:46:22.123Z",
            Some("1-3-9".into()),
        )))
        .unwrap()
    }

    #[test]
    fn a_stamped_body_has_the_asked_size_and_reads_back_from_the_frame() {
        let body = body(3, 123_456_789, 12, 9, 100);
        assert_eq!(body.len(), 100);
        assert_eq!(parse(&message_frame(body)), Some((3, 123_456_789)));
    }

    #[test]
    fn frames_that_are_not_our_messages_are_skipped() {
        assert_eq!(parse(&message_frame("hello there".into())), None);
        assert_eq!(
            parse(r#"{"type":"presence","nickname":"a","online":true}"#),
            None
        );
        assert_eq!(parse(r#"{"type":"message","body":"~x~1~"}"#), None);
    }
}
