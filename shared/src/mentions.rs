//! Mentions: `@nickname` of a room's participant, found by the server when it stores a line,
//! so clients never have to guess (`Message::mentions`).

/// The nicknames among `participants` that `body` mentions, each once, in the order of their
/// first mention. A mention is `@` then the nickname, compared case-insensitively, at the
/// start of the body or after a character that is not a letter or digit (so `ana@example.com`
/// mentions no one), and not followed by a letter, digit or `_` (so `@anastasia` is not `@ana`).
/// When two nicknames match at one `@` (`ana` and `ana lee`), the longer one wins.
pub fn find<'a>(body: &str, participants: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    if !body.contains('@') {
        return Vec::new();
    }
    let mut candidates: Vec<(&str, String)> = participants
        .into_iter()
        .map(|n| (n, n.to_lowercase()))
        .filter(|(_, lower)| !lower.is_empty())
        .collect();
    // Longest first, so the first match at an `@` is the longest.
    candidates.sort_by_key(|(_, lower)| std::cmp::Reverse(lower.chars().count()));
    let lower_body = body.to_lowercase();
    let mut found: Vec<String> = Vec::new();
    let mut previous: Option<char> = None;
    for (at, c) in lower_body.char_indices() {
        let starts_word = previous.is_none_or(|p| !p.is_alphanumeric());
        previous = Some(c);
        if c != '@' || !starts_word {
            continue;
        }
        let rest = &lower_body[at + 1..];
        let hit = candidates.iter().find(|(_, lower)| {
            rest.starts_with(lower.as_str())
                && rest[lower.len()..]
                    .chars()
                    .next()
                    .is_none_or(|next| !next.is_alphanumeric() && next != '_')
        });
        if let Some((nickname, _)) = hit {
            if !found.iter().any(|f| f == nickname) {
                found.push((*nickname).to_owned());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::find;

    const ROOM: [&str; 4] = ["ana", "Bo", "ana lee", "민수"];

    #[test]
    fn a_mention_is_at_and_a_participant_in_any_case() {
        assert_eq!(find("hi @Ana and @bo!", ROOM), ["ana", "Bo"]);
        assert_eq!(find("@민수 안녕", ROOM), ["민수"]);
        assert_eq!(find("@ana, @ANA, @ana.", ROOM), ["ana"]);
    }

    #[test]
    fn the_longest_nickname_at_an_at_wins() {
        assert_eq!(find("@ana lee look", ROOM), ["ana lee"]);
        assert_eq!(find("@ana leeward", ROOM), ["ana"]);
    }

    #[test]
    fn addresses_longer_names_and_strangers_are_not_mentions() {
        assert!(find("mail ana@bo.com", ROOM).is_empty());
        assert!(find("@anastasia @bob_ @zed", ROOM).is_empty());
        assert!(find("no at sign", ROOM).is_empty());
    }
}
