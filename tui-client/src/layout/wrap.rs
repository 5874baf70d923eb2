//! Word wrapping by display width (unicode-width), so lines of Korean or other wide text
//! never run past the pane. Message bodies are sanitized here, after the split at `\n`, and
//! their web links (`chat_shared::links`, found in the body as sent, so a link with a control
//! character in it is no link) are carried to the lines they land on.

use std::ops::Range;

use chat_shared::links;

use crate::input::char_width;
use crate::sanitize::sanitize_char;

/// One wrapped line and the links on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedLine {
    pub text: String,
    pub links: Vec<LinkRun>,
}

/// The part of a link that lies on one line (a long link wraps over several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRun {
    /// Which characters of the line it covers.
    pub chars: Range<usize>,
    pub url: String,
    /// It started on an earlier line.
    pub continued: bool,
}

/// Splits `text` into lines of at most `width` cells, breaking at spaces where it can and
/// inside a word only when one word is wider than the line. Newlines start new lines; every
/// other character is drawn as [`sanitize_char`] shows it.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_with_links(text, width)
        .into_iter()
        .map(|line| line.text)
        .collect()
}

/// [`wrap`], with where each line's links are.
pub fn wrap_with_links(text: &str, width: usize) -> Vec<WrappedLine> {
    let found = links::find(text);
    let link_at = |at: usize| found.iter().position(|r| r.contains(&at));
    let mut started = vec![false; found.len()];
    let mut out = Vec::new();
    let mut at = 0;
    for paragraph in text.split('\n') {
        let marked: Vec<(char, Option<usize>)> = paragraph
            .char_indices()
            .map(|(i, c)| (c, link_at(at + i)))
            .collect();
        at += paragraph.len() + 1;
        for line in wrap_marked(&marked, width.max(1)) {
            out.push(finish(&line, &found, text, &mut started));
        }
    }
    out
}

/// Wraps one paragraph of characters, each with the link it belongs to.
fn wrap_marked(
    paragraph: &[(char, Option<usize>)],
    width: usize,
) -> Vec<Vec<(char, Option<usize>)>> {
    let mut out = Vec::new();
    let mut line: Vec<(char, Option<usize>)> = Vec::new();
    let mut line_width = 0;
    for &(c, link) in paragraph {
        // Escape sequences and bidi controls must not reach the terminal as they are.
        let c = sanitize_char(c);
        let w = char_width(c);
        if line_width + w > width && !line.is_empty() {
            if c == ' ' {
                out.push(std::mem::take(&mut line));
                line_width = 0;
                continue;
            }
            match line.iter().rposition(|&(ch, _)| ch == ' ') {
                Some(space) => {
                    let rest: Vec<_> = line.drain(space + 1..).collect();
                    line.pop();
                    out.push(std::mem::take(&mut line));
                    line_width = rest.iter().map(|&(ch, _)| char_width(ch)).sum();
                    line = rest;
                }
                None => {
                    out.push(std::mem::take(&mut line));
                    line_width = 0;
                }
            }
        }
        line.push((c, link));
        line_width += w;
    }
    out.push(line);
    out
}

/// A wrapped line's text and its link runs.
fn finish(
    line: &[(char, Option<usize>)],
    found: &[Range<usize>],
    text: &str,
    started: &mut [bool],
) -> WrappedLine {
    let mut runs: Vec<LinkRun> = Vec::new();
    let mut current: Option<usize> = None;
    for (i, &(_, link)) in line.iter().enumerate() {
        match link {
            Some(n) if current == Some(n) => {
                if let Some(run) = runs.last_mut() {
                    run.chars.end = i + 1;
                }
            }
            Some(n) => {
                runs.push(LinkRun {
                    chars: i..i + 1,
                    url: text[found[n].clone()].to_owned(),
                    continued: started[n],
                });
                started[n] = true;
            }
            None => {}
        }
        current = link;
    }
    WrappedLine {
        text: line.iter().map(|&(c, _)| c).collect(),
        links: runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::str_width;

    #[test]
    fn wraps_at_spaces_within_the_width() {
        assert_eq!(wrap("the quick brown fox", 10), ["the quick", "brown fox"]);
    }

    #[test]
    fn wide_characters_count_two_cells() {
        let lines = wrap("안녕하세요 반갑습니다 여러분", 12);
        assert_eq!(lines, ["안녕하세요", "반갑습니다", "여러분"]);
        for line in wrap("가나다라마바사아자차카타파하", 7) {
            assert!(str_width(&line) <= 7, "{line}");
        }
    }

    #[test]
    fn long_words_break_and_newlines_are_kept() {
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn control_characters_are_shown_as_placeholders_and_count_one_cell() {
        assert_eq!(wrap("a\x1b[2J\u{202E}b\tc", 20), ["a␛[2J�b c"]);
        assert_eq!(wrap("\x07\x07\x07\x07", 2), ["␇␇", "␇␇"]);
        assert_eq!(wrap("x\r\ny", 10), ["x␍", "y"]);
    }

    #[test]
    fn links_are_carried_to_the_lines_they_land_on() {
        let lines = wrap_with_links("see https://example.com/abcdef.\nhttps://b.ex", 16);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            ["see", "https://example.", "com/abcdef.", "https://b.ex"]
        );
        let run = |chars: Range<usize>, url: &str, continued| LinkRun {
            chars,
            url: url.to_owned(),
            continued,
        };
        let a = "https://example.com/abcdef";
        assert_eq!(lines[0].links, []);
        assert_eq!(lines[1].links, [run(0..16, a, false)]);
        assert_eq!(
            lines[2].links,
            [run(0..10, a, true)],
            "the final . is no part of it"
        );
        assert_eq!(lines[3].links, [run(0..12, "https://b.ex", false)]);
    }

    #[test]
    fn a_url_with_an_escape_in_it_is_no_link() {
        let lines = wrap_with_links("https://example.com/\x1b]0;x\x07 ok", 80);
        assert_eq!(lines[0].text, "https://example.com/␛]0;x␇ ok");
        assert_eq!(lines[0].links, []);
    }
}
