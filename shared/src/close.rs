//! WebSocket close codes the server sends, defined once so the server, `chat-tui`, the bench
//! and `static/room.js` (as named constants) agree on them.

/// The room was removed (after a `room_removed` frame): do not reconnect.
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
/// The user left the room (from this device or another): do not reconnect, as that would
/// make them a participant again; say so.
pub const LEFT: u16 = 4000;
/// The room's creator banned the user from the room: do not reconnect (the server refuses
/// until the ban is lifted); say so.
pub const BANNED: u16 = 4001;

/// Every code above with its name, for checking the copies outside Rust (`static/room.js`,
/// `docs/protocol.md`) against this file.
pub const NAMED: [(&str, u16); 11] = [
    ("DONE", DONE),
    ("NO_PONG", NO_PONG),
    ("PROTOCOL_ERROR", PROTOCOL_ERROR),
    ("NOT_UTF8", NOT_UTF8),
    ("LOGGED_OUT", LOGGED_OUT),
    ("TOO_BIG", TOO_BIG),
    ("SERVER_ERROR", SERVER_ERROR),
    ("RESTARTING", RESTARTING),
    ("TOO_SLOW", TOO_SLOW),
    ("LEFT", LEFT),
    ("BANNED", BANNED),
];

#[cfg(test)]
mod tests {
    /// `docs/protocol.md` is the reference for clients: every code here has its row there.
    #[test]
    fn every_close_code_is_documented_in_the_protocol() {
        let doc = include_str!("../../docs/protocol.md");
        for (name, code) in super::NAMED {
            assert!(
                doc.contains(&format!("| {code} | `{name}` |")),
                "docs/protocol.md has no row for {name} ({code})"
            );
        }
    }
}
