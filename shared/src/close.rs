//! WebSocket close codes the server sends, defined once so the server, `chat-tui`, the bench
//! and `static/room.js` (as named constants) agree on them.

/// The user left the room, or the room was removed: do not reconnect.
pub const DONE: u16 = 1000;
/// The socket stopped answering pings.
pub const NO_PONG: u16 = 1001;
/// The client broke the WebSocket protocol.
pub const PROTOCOL_ERROR: u16 = 1002;
/// A text frame that is not valid UTF-8.
pub const NOT_UTF8: u16 = 1007;
/// The session was logged out: log in again before reconnecting.
pub const LOGGED_OUT: u16 = 1008;
/// A frame over `limits::MAX_CLIENT_FRAME_BYTES`.
pub const TOO_BIG: u16 = 1009;
/// The server failed (its database, usually): reconnect after a pause.
pub const SERVER_ERROR: u16 = 1011;
/// The server is restarting: reconnect at once, with `?after=`.
pub const RESTARTING: u16 = 1012;
/// The client read too slowly and fell behind: reconnect with `?after=`.
pub const TOO_SLOW: u16 = 1013;

#[cfg(test)]
mod tests {
    /// `docs/protocol.md` is the reference for clients: every code here has its row there.
    #[test]
    fn every_close_code_is_documented_in_the_protocol() {
        let doc = include_str!("../../docs/protocol.md");
        for (name, code) in [
            ("DONE", super::DONE),
            ("NO_PONG", super::NO_PONG),
            ("PROTOCOL_ERROR", super::PROTOCOL_ERROR),
            ("NOT_UTF8", super::NOT_UTF8),
            ("LOGGED_OUT", super::LOGGED_OUT),
            ("TOO_BIG", super::TOO_BIG),
            ("SERVER_ERROR", super::SERVER_ERROR),
            ("RESTARTING", super::RESTARTING),
            ("TOO_SLOW", super::TOO_SLOW),
        ] {
            assert!(
                doc.contains(&format!("| {code} | `{name}` |")),
                "docs/protocol.md has no row for {name} ({code})"
            );
        }
    }
}
