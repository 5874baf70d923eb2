//! Slash commands typed in the input line (`/join 3`, `/create Title`, ...), parsed into a
//! [`Command`] so `update` never looks at raw text twice.

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
    Logout,
    /// Open the Nth link on the screen (from 1, top to bottom).
    Open(usize),
    Help,
    Quit,
    /// Something starting with `/` we could not use; the text says what to do instead.
    Invalid(String),
}

/// The list shown by `/help` and on the help screen: (usage, meaning).
pub const COMMANDS: &[(&str, &str)] = &[
    ("/join ID", "open room ID (it becomes one of your tabs)"),
    ("/create TITLE", "create a room and open it"),
    ("/rename TITLE", "rename this room (its creator only)"),
    (
        "/leave, /part",
        "stop being a participant and close the tab",
    ),
    ("/close", "close the tab, stay a participant"),
    ("/open N", "open the Nth link on the screen (from the top)"),
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
        "rename" | "title" if !arg.is_empty() => Command::Rename(arg.to_owned()),
        "rename" | "title" => Command::Invalid("usage: /rename TITLE".into()),
        "leave" | "part" => Command::Leave,
        "close" => Command::Close,
        "logout" => Command::Logout,
        "open" | "o" => match arg.parse::<usize>() {
            Ok(n) if n > 0 => Command::Open(n),
            _ => Command::Invalid(
                "usage: /open N (1 is the first link on the screen, from the top)".into(),
            ),
        },
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
        assert_eq!(parse("/QUIT"), Command::Quit);
        assert_eq!(parse("/leave"), Command::Leave);
        assert_eq!(parse("/open 2"), Command::Open(2));
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
    }
}
