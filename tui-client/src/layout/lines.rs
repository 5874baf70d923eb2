//! How a stored message reads in the pane, by what it is (`Message::kind`, `edited_at`,
//! `deleted`, `mentions`): the text that is wrapped, and the marks `ui::messages` styles by.
//! A plain line is its body, "(edited)" after it once changed; an action reads
//! "* nick waves"; a notice, a join and a leave ("ana joined") go without the nickname column;
//! a deleted line says so.

use chat_shared::{Message, MessageKind};

use super::wrap::{wrap_with_links, WrappedLine};
use crate::update::mentions_me;

/// What a deleted line shows instead of its (removed) text.
pub const DELETED: &str = "message deleted";
/// Put after the body of a line that was edited.
pub const EDITED: &str = "(edited)";

/// What kind of line a stored message is, for styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Text,
    /// `* nick waves`, in italics.
    Action,
    /// A quiet line from the server, dimmed, across the nickname column.
    Notice,
    /// Dimmed "message deleted".
    Deleted,
}

/// A stored message's look: its kind, whether it mentions us and was edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub kind: LineKind,
    pub mention: bool,
    pub edited: bool,
    /// The line a search result opened the room at.
    pub found: bool,
}

impl Look {
    pub const PLAIN: Look = Look {
        kind: LineKind::Text,
        mention: false,
        edited: false,
        found: false,
    };

    pub fn of(message: &Message, me: Option<&str>) -> Self {
        let kind = if message.deleted {
            LineKind::Deleted
        } else {
            match message.kind {
                MessageKind::Action => LineKind::Action,
                MessageKind::Notice | MessageKind::Join | MessageKind::Leave => LineKind::Notice,
                MessageKind::Text | MessageKind::Unknown => LineKind::Text,
            }
        };
        Look {
            kind,
            mention: mentions_me(me, message),
            edited: message.edited_at.is_some() && !message.deleted,
            found: false,
        }
    }

    /// Does the line leave the nickname column out (its text starts right after the time)?
    pub fn wide(self) -> bool {
        self.kind == LineKind::Notice
    }
}

/// A quiet line's text: a notice's body as the server wrote it; joins and leaves in our words
/// (their body is the server's English, which a client may word as it likes).
fn quiet_text(message: &Message) -> String {
    match message.kind {
        MessageKind::Join => format!("{} joined", message.sender),
        MessageKind::Leave => format!("{} left", message.sender),
        _ => message.body.clone(),
    }
}

/// The message's text as shown, wrapped to `text_width` (or `wide_width` for lines without
/// the nickname column), with its links.
pub fn stored_lines(
    message: &Message,
    look: Look,
    text_width: usize,
    wide_width: usize,
) -> Vec<WrappedLine> {
    let mut text = match look.kind {
        LineKind::Deleted => DELETED.to_owned(),
        LineKind::Action => format!("* {} {}", message.sender, message.body),
        LineKind::Notice => quiet_text(message),
        LineKind::Text => message.body.clone(),
    };
    if look.edited {
        text.push(' ');
        text.push_str(EDITED);
    }
    let width = if look.wide() { wide_width } else { text_width };
    wrap_with_links(&text, width)
}
