//! `/search` results and the line a result opens, as drawn.

use chat_shared::api::{SearchHit, SearchResults};
use chat_shared::ServerFrame;
use ratatui::style::Modifier;

use super::{draw, screen_text};
use crate::action::NetEvent;
use crate::app::SearchView;
use crate::update::tests::{app, frame, msg, net, open, room};

#[test]
fn results_list_room_sender_and_line_with_the_selection_marked() {
    let mut app = app();
    app.search = Some(SearchView {
        query: "대화".into(),
        loading: true,
        ..SearchView::default()
    });
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("Searching…"), "{text}");

    net(
        &mut app,
        NetEvent::SearchResults {
            before: None,
            results: SearchResults {
                results: vec![
                    SearchHit {
                        room: room(2, "잡담"),
                        message: msg(31, 2, "민지", "우리 섞인대화방에서 만나요", None),
                    },
                    SearchHit {
                        room: room(1, "general"),
                        message: msg(12, 1, "alice", "대화 끝", None),
                    },
                ],
                next_before: None,
            },
        },
    );
    let text = screen_text(&draw(&app, 100, 30));
    insta::assert_snapshot!("search_results_100x30", text);
    assert!(text.contains("› 잡담"), "{text}");
}

#[test]
fn the_line_a_result_opened_is_marked() {
    let mut app = app();
    open(&mut app, 1, Vec::new());
    app.room_mut(1).unwrap().found = Some(5);
    app.room_mut(1).unwrap().has_newer = true;
    frame(
        &mut app,
        1,
        ServerFrame::History {
            messages: (1..=9)
                .map(|id| msg(id, 1, "bob", &format!("line {id}"), None))
                .collect(),
            has_more: false,
            has_newer: Some(true),
        },
    );
    let buffer = draw(&app, 100, 30);
    let text = screen_text(&buffer);
    assert!(text.contains("PageDown for newer messages"), "{text}");
    let row = text
        .lines()
        .position(|l| l.contains("line 5"))
        .expect("the line is on screen") as u16;
    let reversed = (0..100).any(|x| {
        buffer[(x, row)].modifier.contains(Modifier::REVERSED) && buffer[(x, row)].symbol() == "l"
    });
    assert!(reversed, "the found line is drawn reversed");
    let other = text.lines().position(|l| l.contains("line 4")).unwrap() as u16;
    assert!((0..100).all(|x| !buffer[(x, other)].modifier.contains(Modifier::REVERSED)));
}

#[test]
fn below_the_results_it_says_whether_more_are_to_come() {
    let mut app = app();
    app.search = Some(SearchView {
        query: "needle".into(),
        results: vec![SearchHit {
            room: room(1, "general"),
            message: msg(12, 1, "alice", "a needle", None),
        }],
        next_before: Some(12),
        ..SearchView::default()
    });
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("1 found · more…"), "{text}");

    app.search.as_mut().unwrap().loading_more = true;
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("Loading more…"), "{text}");
    assert!(
        text.contains("a needle"),
        "the results stay while the next page comes"
    );

    let search = app.search.as_mut().unwrap();
    search.loading_more = false;
    search.error = Some("Cannot reach the server".into());
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("Cannot reach the server"), "{text}");
    assert!(text.contains("a needle"), "{text}");

    let search = app.search.as_mut().unwrap();
    search.error = None;
    search.next_before = None;
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("1 found · end of results"), "{text}");
    assert!(!text.contains("more…"), "{text}");
}
