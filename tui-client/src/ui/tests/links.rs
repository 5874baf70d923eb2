//! Links in messages: underlined where they are, OSC 8 hyperlinks only from `draw`, never
//! when the URL holds a control character, and numbered for `/open N` as the screen shows them.

use chat_shared::MessageKind;
use ratatui::style::Color;

use super::*;
use crate::ui::messages::numbered;

/// The room with these bodies from alice, drawn 80x24 by `ui::draw` (hyperlinks on).
fn drawn_with(bodies: &[&str]) -> (App, Buffer) {
    let history = bodies
        .iter()
        .zip(1..)
        .map(|(body, id)| msg(id, 1, "alice", body, None))
        .collect();
    drawn_messages(history)
}

/// The room with these messages, drawn 80x24 by `ui::draw` (hyperlinks on).
fn drawn_messages(history: Vec<Message>) -> (App, Buffer) {
    let mut app = app();
    open(&mut app, 1, history);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
    crate::ui::draw(&mut terminal, &app, false, true).expect("draw");
    (app, terminal.backend().buffer().clone())
}

/// The row showing `text`, and the column where it starts.
fn find(buffer: &Buffer, text: &str) -> (u16, u16) {
    let rendered = render_only(buffer);
    for (y, line) in rendered.lines().enumerate() {
        if let Some(at) = line.find(text) {
            let x = str_width(&line[..at]);
            return (x as u16, y as u16);
        }
    }
    panic!("{text:?} is not on the screen:\n{rendered}");
}

/// The screen's text with the hyperlink escapes taken out of the cells (a linked cell holds
/// two cells' text, as a wide character would, so `screen_text` skips the next one).
fn render_only(buffer: &Buffer) -> String {
    let mut plain = buffer.clone();
    for cell in &mut plain.content {
        let symbol = cell.symbol().to_owned();
        if let Some(rest) = symbol.strip_prefix("\x1b]8;;") {
            let text = rest
                .split_once("\x1b\\")
                .and_then(|(_, t)| t.strip_suffix("\x1b]8;;\x1b\\"))
                .expect("a whole OSC 8 link");
            cell.set_symbol(text);
        }
    }
    screen_text(&plain)
}

#[test]
fn links_are_underlined_and_the_full_stop_after_them_is_not() {
    let mut app = app();
    open(
        &mut app,
        1,
        vec![msg(
            1,
            1,
            "alice",
            "read https://example.com/a_(b). now",
            None,
        )],
    );
    let buffer = draw(&app, 80, 24);
    let (x, y) = find(&buffer, "https://example.com/a_(b)");
    let underlined = |x: u16| buffer[(x, y)].modifier.contains(Modifier::UNDERLINED);
    let url_len = "https://example.com/a_(b)".len() as u16;
    assert!((x..x + url_len).all(underlined), "every cell of the link");
    assert!(!underlined(x + url_len), "the . after it");
    assert!(!underlined(x - 2), "the text before it");
    assert!(
        buffer.content.iter().all(|c| !c.symbol().contains('\x1b')),
        "render alone puts no escape in any cell"
    );
}

#[test]
fn draw_makes_links_osc_8_hyperlinks_to_exactly_the_url() {
    let (_, buffer) = drawn_with(&["read https://example.com/a_(b). now"]);
    let (x, y) = find(&buffer, "https://example.com/a_(b)");
    assert_eq!(
        buffer[(x, y)].symbol(),
        "\x1b]8;;https://example.com/a_(b)\x1b\\ht\x1b]8;;\x1b\\"
    );
    let linked = buffer
        .content
        .iter()
        .filter(|c| c.symbol().starts_with("\x1b]8;;"))
        .count();
    // 25 cells: 12 pairs, the lone last ")" stays a plain underlined cell.
    assert_eq!(linked, 12);
}

#[test]
fn a_url_with_an_escape_in_it_is_no_link_and_no_escape_reaches_the_screen() {
    let body = "see https://example.com/\x1b]8;;https://evil.example\x1b\\x and \x1b[2J";
    let (app, buffer) = drawn_with(&[body]);
    let symbols: String = buffer.content.iter().map(|c| c.symbol()).collect();
    assert!(!symbols.contains('\x1b'), "no raw ESC in any cell");
    assert!(
        !buffer
            .content
            .iter()
            .any(|c| c.symbol().chars().any(is_dangerous)),
        "nothing dangerous in any cell"
    );
    let (x, y) = find(&buffer, "https://example.com/␛]8;;https://evil.exa");
    assert!(
        !buffer[(x, y)].modifier.contains(Modifier::UNDERLINED),
        "not drawn as a link"
    );
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    assert_eq!(crate::ui::links_on_screen(&app, area), []);
}

#[test]
fn links_are_numbered_top_to_bottom_once_each() {
    let long = format!("https://example.com/{}", "x".repeat(90));
    let (app, _) = drawn_with(&[
        "one https://a.example/1 two https://b.example/2",
        &long,
        "javascript:alert(1) data:text/html,x",
        "last http://c.example/3",
    ]);
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let links = crate::ui::links_on_screen(&app, area);
    assert!(links.len() > 4, "the long link wraps: {links:?}");
    assert_eq!(
        numbered(&links),
        [
            "https://a.example/1",
            "https://b.example/2",
            long.as_str(),
            "http://c.example/3"
        ]
    );
}

/// One link in each look a line can have: edited, action, notice (drawn across the nickname
/// column), and a line that mentions us.
fn links_in_every_look() -> Vec<Message> {
    vec![
        Message {
            edited_at: Some("2026-11-24T09:05:00Z".into()),
            ..msg(1, 1, "alice", "see https://a.example/1", None)
        },
        Message {
            kind: MessageKind::Action,
            ..msg(2, 1, "bob", "shares https://b.example/2", None)
        },
        Message {
            kind: MessageKind::Notice,
            ..msg(3, 1, "alice", "pinned https://c.example/3 for all", None)
        },
        Message {
            mentions: vec!["me".into()],
            ..msg(4, 1, "alice", "@me look https://d.example/4", None)
        },
    ]
}

#[test]
fn links_stay_underlined_in_edited_action_notice_and_mention_lines() {
    let mut app = app();
    open(&mut app, 1, links_in_every_look());
    let buffer = draw(&app, 80, 24);
    let text = screen_text(&buffer);
    assert!(
        text.contains("│ see https://a.example/1 (edited)"),
        "{text}"
    );
    assert!(
        text.contains("│ * bob shares https://b.example/2"),
        "{text}"
    );

    for url in [
        "https://a.example/1",
        "https://b.example/2",
        "https://c.example/3",
        "https://d.example/4",
    ] {
        let (x, y) = find(&buffer, url);
        let cells = x..x + url.len() as u16;
        assert!(
            cells
                .clone()
                .all(|x| buffer[(x, y)].modifier.contains(Modifier::UNDERLINED)),
            "{url} underlined"
        );
        assert!(
            !buffer[(cells.end, y)]
                .modifier
                .contains(Modifier::UNDERLINED),
            "only {url}"
        );
    }
    // Each link also keeps its line's look.
    let at = |url: &str| {
        let (x, y) = find(&buffer, url);
        buffer[(x, y)].clone()
    };
    let (edited_x, edited_y) = find(&buffer, "(edited)");
    let edited = &buffer[(edited_x, edited_y)];
    assert_eq!(edited.fg, Color::DarkGray, "(edited) dimmed");
    assert!(!edited.modifier.contains(Modifier::UNDERLINED));
    assert!(at("https://b.example/2")
        .modifier
        .contains(Modifier::ITALIC));
    assert_eq!(
        at("https://c.example/3").fg,
        Color::DarkGray,
        "a notice dimmed"
    );
    let mention = at("https://d.example/4");
    assert_eq!(mention.fg, Color::LightYellow);
    assert!(mention.modifier.contains(Modifier::BOLD));
}

#[test]
fn links_in_every_look_are_hyperlinks_numbered_where_they_are_drawn() {
    let (app, buffer) = drawn_messages(links_in_every_look());
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let links = crate::ui::links_on_screen(&app, area);
    assert_eq!(
        numbered(&links),
        [
            "https://a.example/1",
            "https://b.example/2",
            "https://c.example/3",
            "https://d.example/4"
        ]
    );
    for link in &links {
        assert_eq!(
            (link.x, link.y),
            find(&buffer, &link.url),
            "{} reported where it is drawn",
            link.url
        );
        assert!(
            buffer[(link.x, link.y)]
                .symbol()
                .starts_with(&format!("\x1b]8;;{}\x1b\\", link.url)),
            "{} is an OSC 8 hyperlink",
            link.url
        );
    }
}
