//! Slash commands typed in the input line (`/join 3`, `/create Title`, ...), parsed into a
//! [`Command`] so `update` never looks at raw text twice.

use chat_shared::NotifyLevel;

/// A line typed into the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Plain text for the current room (`//text` sends a line starting with `/`).
    Say(String),
    Join(i64),
    Create(String),
    Leave,
    Rename(String),
    /// Close the tab without leaving the room.
    Close,
    /// `/me waves`: an action line.
    Me(String),
    /// Start editing our last line (as Up in an empty input does).
    Edit,
    /// Delete a line, after a y/n question.
    Delete(DeleteTarget),
    Ban(String),
    Unban(String),
    /// List the room's participants.
    Names,
    /// `/notify LEVEL` keeps which lines ring the bell; `/notify` alone shows it.
    Notify(Option<NotifyLevel>),
    Logout,
    /// Open the Nth link on the screen (from 1, top to bottom).
    Open(usize),
    /// `/search WORDS`: in a room, that room's lines; in the lobby, every room's we are in.
    Search(String),
    Help,
    Quit,
    /// Something starting with `/` we could not use; the text says what to do instead.
    Invalid(String),
}

/// Which line `/delete` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteTarget {
    /// `/delete`: our own newest line.
    MyLast,
    /// `/delete N`: the Nth line from the bottom of the room, anyone's (1 = the newest);
    /// deleted lines and notices are not counted.
    FromBottom(usize),
}

/// The list shown by `/help` and on the help screen: (usage, meaning).
pub const COMMANDS: &[(&str, &str)] = &[
    ("/join ID", "open room ID (it becomes one of your tabs)"),
    ("/create TITLE", "create a room and open it"),
    (
        "/rename TITLE, /topic",
        "rename this room (its creator only)",
    ),
    (
        "/leave, /part",
        "stop being a participant and close the tab",
    ),
    ("/close", "close the tab, stay a participant"),
    ("/open N", "open the Nth link on the screen (from the top)"),
    (
        "/search WORDS",
        "find lines (this room, or all your rooms from the lobby)",
    ),
    ("/me TEXT", "an action line: * you TEXT"),
    ("/edit", "edit your last line (Up in an empty input too)"),
    (
        "/delete [N]",
        "delete your last line, or the Nth line from the bottom (y/n first)",
    ),
    (
        "/ban NICK, /unban NICK",
        "ban or let back someone (room creator only)",
    ),
    ("/names", "list who is in the room"),
    (
        "/notify all|mentions|none",
        "which lines here ring the bell (alone: show it)",
    ),
    ("/logout", "log out and forget the saved session"),
    ("/help", "show keys and commands"),
    ("/quit", "quit (Ctrl+C does too)"),
];

pub fn parse(line: &str) -> Command {
    let Some(rest) = line.strip_prefix('/') else {
        return Command::Say(line.to_owned());
    };
    if rest.starts_with('/') {
        return Command::Say(rest.to_owned());
    }
    let (name, arg) = match rest.split_once(char::is_whitespace) {
        Some((name, arg)) => (name, arg.trim()),
        None => (rest.trim(), ""),
    };
    match name.to_lowercase().as_str() {
        "join" | "j" => match arg.trim_start_matches('#').parse::<i64>() {
            Ok(id) if id > 0 => Command::Join(id),
            _ => Command::Invalid("usage: /join ID (a room number from the list)".into()),
        },
        "create" | "new" if !arg.is_empty() => Command::Create(arg.to_owned()),
        "create" | "new" => Command::Invalid("usage: /create TITLE".into()),
        "rename" | "title" | "topic" if !arg.is_empty() => Command::Rename(arg.to_owned()),
        "rename" | "title" | "topic" => {
            Command::Invalid("usage: /rename TITLE (or /topic TITLE)".into())
        }
        "leave" | "part" => Command::Leave,
        "close" => Command::Close,
        "me" if !arg.is_empty() => Command::Me(arg.to_owned()),
        "me" => Command::Invalid("usage: /me TEXT (e.g. /me waves)".into()),
        "edit" => Command::Edit,
        "delete" | "del" if arg.is_empty() => Command::Delete(DeleteTarget::MyLast),
        "delete" | "del" => match arg.parse::<usize>() {
            Ok(n) if n > 0 => Command::Delete(DeleteTarget::FromBottom(n)),
            _ => Command::Invalid(
                "usage: /delete (your last line) or /delete N (the Nth line from the bottom)"
                    .into(),
            ),
        },
        "ban" | "unban" => {
            let nick = arg.trim_start_matches('@');
            if nick.is_empty() || nick.contains(char::is_whitespace) {
                Command::Invalid(format!("usage: /{name} NICKNAME"))
            } else if name.eq_ignore_ascii_case("ban") {
                Command::Ban(nick.to_owned())
            } else {
                Command::Unban(nick.to_owned())
            }
        }
        "names" | "who" => Command::Names,
        "notify" if arg.is_empty() => Command::Notify(None),
        "notify" => match NotifyLevel::parse(&arg.to_lowercase()) {
            Some(level) => Command::Notify(Some(level)),
            None => Command::Invalid(
                "usage: /notify all, /notify mentions or /notify none (alone: show it)".into(),
            ),
        },
        "logout" => Command::Logout,
        "open" | "o" => match arg.parse::<usize>() {
            Ok(n) if n > 0 => Command::Open(n),
            _ => Command::Invalid(
                "usage: /open N (1 is the first link on the screen, from the top)".into(),
            ),
        },
        "search" | "s" | "find" if !arg.is_empty() => Command::Search(arg.to_owned()),
        "search" | "s" | "find" => Command::Invalid("usage: /search WORDS".into()),
        "help" | "h" | "?" => Command::Help,
        "quit" | "q" | "exit" => Command::Quit,
        _ => Command::Invalid(format!(
            "Unknown command /{name}: /help lists them; // starts a line with /"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_their_arguments() {
        assert_eq!(parse("/join 12"), Command::Join(12));
        assert_eq!(parse("/join #3"), Command::Join(3));
        assert_eq!(parse("/create  새 방 "), Command::Create("새 방".into()));
        assert_eq!(parse("/rename Better"), Command::Rename("Better".into()));
        assert_eq!(
            parse("/topic Lunch plans"),
            Command::Rename("Lunch plans".into())
        );
        assert_eq!(parse("/QUIT"), Command::Quit);
        assert_eq!(parse("/leave"), Command::Leave);
        assert_eq!(parse("/open 2"), Command::Open(2));
        assert_eq!(
            parse("/search 대화 deploy"),
            Command::Search("대화 deploy".into())
        );
        assert!(matches!(parse("/search"), Command::Invalid(m) if m.contains("WORDS")));
        assert_eq!(
            parse("/part"),
            Command::Leave,
            "/help lists /part with /leave"
        );
        assert_eq!(parse("hello /join"), Command::Say("hello /join".into()));
        assert_eq!(parse("//shrug"), Command::Say("/shrug".into()));
    }

    #[test]
    fn bad_commands_say_what_to_type() {
        assert!(matches!(parse("/join x"), Command::Invalid(m) if m.contains("/join ID")));
        assert!(matches!(parse("/create"), Command::Invalid(m) if m.contains("TITLE")));
        assert!(matches!(parse("/dance"), Command::Invalid(m) if m.contains("/help")));
        for bad in ["/open", "/open 0", "/open x", "/open -1"] {
            assert!(
                matches!(parse(bad), Command::Invalid(m) if m.contains("/open N")),
                "{bad}"
            );
        }
        assert!(COMMANDS.iter().any(|(usage, _)| usage.contains("/part")));
        assert!(matches!(parse("/me"), Command::Invalid(m) if m.contains("/me TEXT")));
        assert!(matches!(parse("/delete x"), Command::Invalid(m) if m.contains("/delete N")));
        assert!(matches!(parse("/delete 0"), Command::Invalid(_)));
        assert!(matches!(parse("/ban"), Command::Invalid(m) if m.contains("NICKNAME")));
        assert!(matches!(parse("/unban a b"), Command::Invalid(_)));
        for bad in ["/notify loud", "/notify all mentions", "/notify 1"] {
            assert!(
                matches!(parse(bad), Command::Invalid(m) if m.contains("/notify all, /notify mentions or /notify none")),
                "{bad}"
            );
        }
    }

    #[test]
    fn notify_parses_a_level_or_nothing() {
        assert_eq!(
            parse("/notify all"),
            Command::Notify(Some(NotifyLevel::All))
        );
        assert_eq!(
            parse("/notify  MENTIONS "),
            Command::Notify(Some(NotifyLevel::Mentions))
        );
        assert_eq!(
            parse("/notify none"),
            Command::Notify(Some(NotifyLevel::None))
        );
        assert_eq!(parse("/notify"), Command::Notify(None));
        assert!(COMMANDS
            .iter()
            .any(|(usage, _)| usage.starts_with("/notify")));
    }

    #[test]
    fn room_event_commands_parse() {
        assert_eq!(parse("/me waves  "), Command::Me("waves".into()));
        assert_eq!(parse("/edit"), Command::Edit);
        assert_eq!(parse("/delete"), Command::Delete(DeleteTarget::MyLast));
        assert_eq!(
            parse("/delete 3"),
            Command::Delete(DeleteTarget::FromBottom(3))
        );
        assert_eq!(parse("/ban @bo"), Command::Ban("bo".into()));
        assert_eq!(parse("/unban bo"), Command::Unban("bo".into()));
        assert_eq!(parse("/names"), Command::Names);
    }
}
