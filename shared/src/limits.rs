//! Lengths and bounds from CONTRACT.md, in one place so that validation on the server and
//! checks in clients agree.

/// A room title is 1..=50 characters after trimming.
pub const TITLE_MAX_CHARS: usize = 50;
/// A nickname is 1..=50 characters after trimming.
pub const NICKNAME_MAX_CHARS: usize = 50;
/// An email address may be at most this long (RFC 5321's path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// A password has at least this many characters.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Passwords longer than this are refused so hashing cannot be used to burn CPU.
pub const PASSWORD_MAX_CHARS: usize = 1024;
/// A message body is 1..=4000 characters after trimming.
pub const BODY_MAX_CHARS: usize = 4000;
/// A `send` nonce is at most 64 characters.
pub const NONCE_MAX_CHARS: usize = 64;
/// A `history` request asks for 1..=100 messages.
pub const HISTORY_LIMIT_MAX: u32 = 100;
/// How many messages the welcome frame carries when no `after` is given.
pub const WELCOME_HISTORY: u32 = 50;
/// Rooms in one page of the room list: the HTML page, the lobby's first frame, and the JSON
/// list when no `limit` is given. The list must never grow with the number of rooms.
pub const ROOM_PAGE: u32 = 50;
/// The largest `limit` `GET /chat/list` accepts.
pub const ROOM_PAGE_MAX: u32 = 100;
/// Unread counts stop here: a room with more shows this number, and clients write it as
/// "999+" (`docs/protocol.md` "Read markers"), so counting never reads a whole room.
pub const UNREAD_CAP: u32 = 1000;
/// The shortest interval between two `read` frames of one socket that the server stores;
/// one sooner is refused with `rate_limited`. Clients report at most every 500 ms.
pub const READ_INTERVAL_MS: u64 = 100;

/// An unread count as clients show it: the number, or "999+" at [`UNREAD_CAP`].
pub fn unread_label(count: u32) -> String {
    if count >= UNREAD_CAP {
        format!("{}+", UNREAD_CAP - 1)
    } else {
        count.to_string()
    }
}
/// Participants in the welcome frame and in a `participant_page` when no `limit` is given. A
/// room with more participants than this is a big room: its welcome lists the first page only,
/// and its sockets get `headcount` frames instead of one frame per join, leave and presence
/// (`docs/protocol.md` "Big rooms").
pub const PARTICIPANT_PAGE: u32 = 100;
/// The largest `limit` a `participants` request may ask for.
pub const PARTICIPANT_PAGE_MAX: u32 = 200;
/// A search query is at most this many characters (issue 17).
pub const SEARCH_QUERY_MAX_CHARS: usize = 200;
/// Search results in one page when no `limit` is given.
pub const SEARCH_PAGE: u32 = 20;
/// The largest `limit` `GET /chat/search` accepts.
pub const SEARCH_PAGE_MAX: u32 = 100;
/// The largest WebSocket frame a client may send (a 4000-character body of 4-byte characters,
/// JSON-escaped, fits with room to spare).
pub const MAX_CLIENT_FRAME_BYTES: usize = 64 * 1024;

/// Characters a nickname or room title may not contain; see [`crate::names::is_forbidden`].
pub fn is_forbidden_in_names(c: char) -> bool {
    crate::names::is_forbidden(c)
}

/// Characters a message body may not contain: every control character but the line feed
/// (multi-line messages) and the carriage return (which the server drops, so CRLF pastes
/// arrive as LF). A tab is refused too: clients turn it into spaces ([`prepare_body`]).
pub fn is_refused_in_body(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\r'
}

/// What a client should send for what the user typed or pasted: carriage returns dropped and
/// tabs as four spaces, so the server takes it as it stands and the length the client counts
/// is the length the server counts.
pub fn prepare_body(typed: &str) -> String {
    typed.replace('\r', "").replace('\t', "    ")
}

/// The length the server checks against [`BODY_MAX_CHARS`]: characters after trimming.
pub fn body_chars(prepared: &str) -> usize {
    prepared.trim().chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_controls_and_direction_overrides() {
        for c in [
            '\u{1b}', '\u{7}', '\n', '\u{9b}', '\u{202E}', '\u{2066}', '\u{200F}',
        ] {
            assert!(is_forbidden_in_names(c), "{:?}", c);
        }
        for c in ['a', '가', '🙂', ' ', '-', 'ß'] {
            assert!(!is_forbidden_in_names(c), "{:?}", c);
        }
    }

    #[test]
    fn bodies_keep_line_feeds_and_refuse_other_controls() {
        assert!(!is_refused_in_body('\n'));
        assert!(!is_refused_in_body('\r'));
        for c in ['\0', '\t', '\u{1b}', '\u{7}', '\u{9b}', '\u{7f}'] {
            assert!(is_refused_in_body(c), "{:?}", c);
        }
        let prepared = prepare_body("a\r\n\tb");
        assert_eq!(prepared, "a\n    b");
        assert!(!prepared.chars().any(is_refused_in_body));
        assert_eq!(body_chars("  a\nb  "), 3);
    }
}
