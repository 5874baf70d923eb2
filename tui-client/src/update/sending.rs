//! The way of a chat line to the server. Typed lines wait in their room's queue
//! (`RoomView::pending`) and go out one at a time, each with its nonce, the next one only when
//! the server has answered the one before: its own `message` back, or an `error` naming its
//! nonce.
//!
//! One at a time is what keeps the order. A line refused for its rate is sent again, same
//! nonce, after the wait the server names, and the lines typed after it wait behind it: had
//! they been in flight already, the server's rate limiter would let the first of them through
//! as soon as the wait was over, ahead of the refused line. A line refused for what it is (too
//! long, invalid) is marked failed, and the queue goes on without it. After a reconnect the
//! queue starts again at the first line not acknowledged; the server stores each nonce once.

use std::time::{Duration, Instant};

use chat_shared::limits::{self, BODY_MAX_CHARS};
use chat_shared::{ClientFrame, ErrorCode};

use crate::action::Effect;
use crate::app::{LineState, PendingLine, RoomView};

/// The pause before sending again a line the server could not store.
pub const STORE_RETRY: Duration = Duration::from_secs(1);
/// The wait after a rate refusal that does not say how long (a server older than nonces on
/// errors).
pub const RATE_RETRY: Duration = Duration::from_secs(1);

/// What an `error` frame meant for the room's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// It was not about one of our lines.
    None,
    /// The line goes again by itself after this wait.
    Retrying(Duration),
    /// The line was refused for good and is marked failed.
    Failed,
}

/// Puts a line at the end of the room's queue and sends it if nothing is ahead of it.
pub fn queue(room: &mut RoomView, line: PendingLine, now: Instant) -> Vec<Effect> {
    room.pending.push(line);
    flush(room, now)
}

/// Sends the first waiting line if the room can take one: online, no wait pending, no line
/// in flight.
pub fn flush(room: &mut RoomView, now: Instant) -> Vec<Effect> {
    if !room.state.is_online() || room.hold_until.is_some_and(|until| until > now) {
        return Vec::new();
    }
    room.hold_until = None;
    if room.pending.iter().any(|p| p.state == LineState::Sent) {
        return Vec::new();
    }
    let Some(line) = room
        .pending
        .iter_mut()
        .find(|p| p.state == LineState::Waiting)
    else {
        return Vec::new();
    };
    line.state = LineState::Sent;
    vec![Effect::Send {
        room_id: room.id,
        frame: ClientFrame::Send {
            body: line.body.clone(),
            nonce: Some(line.nonce.clone()),
            action: line.action,
        },
    }]
}

/// The connection went away or came back: a line in flight may never have arrived, so it
/// waits to go again (same nonce) when the room is online.
pub fn rewind(room: &mut RoomView) {
    for line in &mut room.pending {
        if line.state == LineState::Sent {
            line.state = LineState::Waiting;
        }
    }
}

/// An `error` frame: finds the line it refuses (by nonce) and either queues it again after
/// the wait or marks it failed; then the queue goes on.
pub fn on_refused(
    room: &mut RoomView,
    code: ErrorCode,
    message: &str,
    nonce: Option<&str>,
    retry_after_ms: Option<u64>,
    now: Instant,
) -> (Refusal, Vec<Effect>) {
    let line = match nonce {
        Some(nonce) => room.pending.iter_mut().find(|p| p.nonce == nonce),
        // A server older than nonces on errors answers frames in order: the refusal of a
        // send is about the line in flight. Only codes that no other frame gets count.
        None if matches!(
            code,
            ErrorCode::RateLimited | ErrorCode::TooLong | ErrorCode::Empty | ErrorCode::StoreFailed
        ) =>
        {
            room.pending.iter_mut().find(|p| p.state == LineState::Sent)
        }
        None => None,
    };
    let Some(line) = line else {
        return (Refusal::None, Vec::new());
    };
    let refusal = if code.is_retryable() {
        line.state = LineState::Waiting;
        let wait = match (code, retry_after_ms) {
            (ErrorCode::RateLimited, Some(ms)) => Duration::from_millis(ms),
            (ErrorCode::RateLimited, None) => RATE_RETRY,
            _ => STORE_RETRY,
        };
        let until = now + wait;
        room.hold_until = Some(room.hold_until.map_or(until, |held| held.max(until)));
        Refusal::Retrying(wait)
    } else {
        line.state = LineState::Failed(message.to_owned());
        Refusal::Failed
    };
    (refusal, flush(room, now))
}

/// Takes the newest failed line out of the queue, for the user to edit (or drop); an action
/// comes back as the `/me` command that sends it again as one.
pub fn take_failed(room: &mut RoomView) -> Option<String> {
    let index = room.pending.iter().rposition(|p| p.failed().is_some())?;
    let line = room.pending.remove(index);
    Some(if line.action {
        format!("/me {}", line.body)
    } else {
        line.body
    })
}

/// A body checked as the server will check it (`chat_shared::limits`): `Ok(None)` when there
/// is nothing to send, an error that says what to change when it cannot be sent as it is.
pub(crate) fn check_body(text: &str) -> Result<Option<String>, String> {
    let prepared = limits::prepare_body(text);
    let body = prepared.trim();
    if body.is_empty() {
        return Ok(None);
    }
    if let Some(c) = body.chars().find(|&c| limits::is_refused_in_body(c)) {
        return Err(format!(
            "The message contains the control character U+{:04X}, which cannot be sent; \
             remove it and press Enter again.",
            c as u32
        ));
    }
    let chars = limits::body_chars(body);
    if chars > BODY_MAX_CHARS {
        return Err(format!(
            "This message has {chars} characters; the limit is {BODY_MAX_CHARS}. Shorten it \
             or split it, then press Enter again."
        ));
    }
    Ok(Some(body.to_owned()))
}
