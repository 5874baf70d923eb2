//! The oracle: what the contract says the server answers to each frame the generator makes,
//! decided by the shared crate's own parser and validators.

use chat_shared::{ClientFrame, ErrorCode};

use crate::generator::Outgoing;

/// What the sending connection must get back for one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly one `error` frame with this code.
    Error(ErrorCode),
    /// Its own `message` frame.
    Ack,
    /// One `history` frame.
    History,
    /// One `participant_page` frame.
    Participants,
    /// Nothing on this connection (`typing` goes to the others; pings are answered by the
    /// protocol layer).
    Nothing,
}

/// The replies on the connection that are answered in order (errors and history pages); acks
/// come through the message writer and may interleave, so they are only counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InOrder {
    Error(ErrorCode),
    History,
    Participants,
}

/// What the contract says the server answers, decided by the shared crate's parser and
/// validators (the same code the server runs, so this checks the server's plumbing: one
/// answer per frame, nothing lost, nothing crashed).
pub fn expect(frame: &Outgoing) -> Expect {
    let text = match frame {
        Outgoing::Binary(_) => return Expect::Error(ErrorCode::InvalidFrame),
        Outgoing::Ping(_) => return Expect::Nothing,
        Outgoing::Text(text) => text,
    };
    match ClientFrame::parse(text) {
        Err(e) => Expect::Error(e.code),
        Ok(ClientFrame::Send { body, nonce, .. }) => {
            match ClientFrame::validate_send(&body, nonce.as_deref()) {
                Ok(_) => Expect::Ack,
                Err(e) => Expect::Error(e.code),
            }
        }
        Ok(ClientFrame::History { limit, .. }) => {
            match ClientFrame::validate_history_limit(limit) {
                Ok(_) => Expect::History,
                Err(e) => Expect::Error(e.code),
            }
        }
        Ok(ClientFrame::Typing) => Expect::Nothing,
        // The generator names only ids no message has.
        Ok(ClientFrame::Edit { body, .. }) => match ClientFrame::validate_send(&body, None) {
            Ok(_) => Expect::Error(ErrorCode::NotFound),
            Err(e) => Expect::Error(e.code),
        },
        Ok(ClientFrame::Delete { .. }) => Expect::Error(ErrorCode::NotFound),
        // The generator names only ids no message has (and makes no `read` frames today).
        Ok(ClientFrame::Read { .. }) => Expect::Error(ErrorCode::NotFound),
        // The parser checked the limit.
        Ok(ClientFrame::Participants { .. }) => Expect::Participants,
    }
}
