//! Finds the web links in a message body, for the clients to draw as links. Only `http://` and
//! `https://` URLs count; `javascript:`, `data:` and every other scheme stay text. A link runs
//! to the next white space, `<`, `>` or `"`; punctuation that usually ends a sentence (`.`,
//! `,`, `:`, `;`, `!`, `?`, `'`) and a `)`, `]` or `}` without its opening partner are left
//! out of it, so `(see https://example.com/a_(b)).` links `https://example.com/a_(b)`.
//! A run with a control character in it (ESC, BEL, …) or a bidi control is not a link at
//! all: a terminal must never be handed one inside a hyperlink.
//!
//! `static/links.js` is the browser's copy of these rules; `links_cases.json` is the table of
//! cases both are tested against (here and in the server's browser tests).

use std::ops::Range;

/// A piece of a body: text as it is, or a link (its text is its target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// The byte ranges of `text` that are links, in order.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = next_scheme(text, from) {
        let end = text[start..]
            .char_indices()
            .find(|&(_, c)| ends_link(c))
            .map_or(text.len(), |(i, _)| start + i);
        let candidate = &text[start..end];
        from = end.max(start + 1);
        if candidate.chars().any(is_unsafe) {
            continue;
        }
        let link = trim_end(candidate);
        if has_host(link) {
            found.push(start..start + link.len());
        }
    }
    found
}

/// `text` cut into text and links, in order; empty text between two links is left out.
pub fn parts(text: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut at = 0;
    for range in find(text) {
        if range.start > at {
            parts.push(Part::Text(&text[at..range.start]));
        }
        parts.push(Part::Link(&text[range.clone()]));
        at = range.end;
    }
    if at < text.len() {
        parts.push(Part::Text(&text[at..]));
    }
    parts
}

/// Where the next `http://` or `https://` (any case) starts, not glued to a word before it.
fn next_scheme(text: &str, from: usize) -> Option<usize> {
    let mut previous = text[..from].chars().next_back();
    for (i, c) in text[from..].char_indices() {
        let at = from + i;
        let glued = previous.is_some_and(char::is_alphanumeric);
        if !glued
            && (starts_with_ignore_case(&text[at..], "http://")
                || starts_with_ignore_case(&text[at..], "https://"))
        {
            return Some(at);
        }
        previous = Some(c);
    }
    None
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn ends_link(c: char) -> bool {
    c.is_whitespace() || matches!(c, '<' | '>' | '"')
}

/// Control characters and the characters that reorder a line.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `link` without the punctuation that belongs to the sentence around it.
fn trim_end(mut link: &str) -> &str {
    loop {
        let Some(last) = link.chars().next_back() else {
            return link;
        };
        let unbalanced = |open: char| link.matches(open).count() < link.matches(last).count();
        let drop = match last {
            '.' | ',' | ':' | ';' | '!' | '?' | '\'' => true,
            ')' => unbalanced('('),
            ']' => unbalanced('['),
            '}' => unbalanced('{'),
            _ => false,
        };
        if !drop {
            return link;
        }
        link = &link[..link.len() - last.len_utf8()];
    }
}

/// Something after `://` that can start a host name (or an IPv6 address).
fn has_host(link: &str) -> bool {
    link.split_once("://")
        .and_then(|(_, rest)| rest.chars().next())
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '[')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared table: each body and the parts it is cut into, as `["text"|"link", s]`.
    #[derive(serde::Deserialize)]
    struct Case {
        body: String,
        parts: Vec<(String, String)>,
    }

    fn as_pairs(text: &str) -> Vec<(String, String)> {
        parts(text)
            .into_iter()
            .map(|part| match part {
                Part::Text(t) => ("text".to_owned(), t.to_owned()),
                Part::Link(l) => ("link".to_owned(), l.to_owned()),
            })
            .collect()
    }

    #[test]
    fn every_case_of_the_shared_table_is_cut_as_written() {
        let cases: Vec<Case> =
            serde_json::from_str(include_str!("links_cases.json")).expect("the table is JSON");
        assert!(cases.len() > 20, "the table has its cases");
        for case in cases {
            assert_eq!(as_pairs(&case.body), case.parts, "body {:?}", case.body);
        }
    }

    #[test]
    fn the_parts_put_back_together_are_the_body() {
        for body in [
            "",
            "x",
            "https://a.b",
            "a https://a.b. b https://c.d/(e)) f",
            "ｈttps://x",
        ] {
            let joined: String = parts(body)
                .iter()
                .map(|p| match p {
                    Part::Text(t) | Part::Link(t) => *t,
                })
                .collect();
            assert_eq!(joined, body);
        }
    }

    #[test]
    fn no_link_holds_a_control_character() {
        for c in (0..0x3000)
            .filter_map(char::from_u32)
            .filter(|&c| is_unsafe(c))
        {
            let body = format!("https://example.com/a{c}b");
            let links = find(&body);
            assert!(
                links.iter().all(|r| !body[r.clone()].contains(c)),
                "U+{:04X} inside {links:?}",
                c as u32
            );
            if !c.is_whitespace() {
                assert!(links.is_empty(), "U+{:04X}: not a link at all", c as u32);
            }
        }
    }
}
