//! Who is in a room (`docs/protocol.md` "Big rooms"): the welcome's first page and counts,
//! paging in more from the participant pane, `participant_page` answers kept one entry per
//! nickname, `headcount` moving only the counts, and `/names` saying how many are missing.

use chat_shared::limits::PARTICIPANT_PAGE;

use super::*;

fn names(app: &App, room_id: i64) -> Vec<String> {
    app.room(room_id)
        .map(|r| r.participants.iter().map(|p| p.nickname.clone()).collect())
        .unwrap_or_default()
}

fn counts(app: &App, room_id: i64) -> (usize, usize, usize) {
    app.room(room_id)
        .map(|r| {
            (
                r.participant_total(),
                r.participants_online(),
                r.participants_more(),
            )
        })
        .unwrap_or_default()
}

fn asked_for(effects: &[Effect]) -> Vec<(u32, u32)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                frame: ClientFrame::Participants { offset, limit },
                ..
            } => Some((*offset, *limit)),
            _ => None,
        })
        .collect()
}

fn alt(app: &mut App, code: KeyCode) -> Vec<Effect> {
    press_with(app, code, KeyModifiers::ALT)
}

fn page(offset: u32, people: Vec<Participant>, total: u32, has_more: bool) -> ServerFrame {
    ServerFrame::ParticipantPage {
        offset,
        participants: people,
        total,
        online: 2,
        has_more,
    }
}

fn first_three() -> Vec<Participant> {
    vec![person("ana", true), person("bo", true), person("cy", false)]
}

#[test]
fn a_big_rooms_welcome_keeps_its_first_page_and_the_counts_of_everyone() {
    let mut app = app();
    open_big(&mut app, 1, first_three(), 5, 2);
    assert_eq!(names(&app, 1), ["ana", "bo", "cy"]);
    assert_eq!(counts(&app, 1), (5, 2, 2), "total, online, not loaded");
}

#[test]
fn scrolling_the_pane_to_its_end_asks_for_the_next_page_once_and_merges_it_without_repeats() {
    let mut app = app();
    open_big(&mut app, 1, first_three(), 5, 2);

    let effects = alt(&mut app, KeyCode::Down);
    assert_eq!(asked_for(&effects), [(3, PARTICIPANT_PAGE)]);
    assert!(
        asked_for(&alt(&mut app, KeyCode::Down)).is_empty(),
        "one request at a time"
    );

    // The list moved meanwhile: the page repeats "cy", now online.
    let effects = frame(
        &mut app,
        1,
        page(
            3,
            vec![person("cy", true), person("di", false), person("ed", false)],
            5,
            false,
        ),
    );
    assert!(asked_for(&effects).is_empty(), "the server has no more");
    assert_eq!(names(&app, 1), ["ana", "bo", "cy", "di", "ed"]);
    assert!(app.room(1).is_some_and(|r| r.participants[2].online));
    assert_eq!(counts(&app, 1), (5, 2, 0));
    assert!(asked_for(&alt(&mut app, KeyCode::Down)).is_empty());
}

#[test]
fn a_page_that_leaves_the_end_in_view_asks_for_the_next_one_and_a_full_pane_waits() {
    let mut app = app();
    open_big(&mut app, 1, first_three(), 20, 2);
    assert_eq!(
        asked_for(&alt(&mut app, KeyCode::Down)),
        [(3, PARTICIPANT_PAGE)]
    );
    let effects = frame(
        &mut app,
        1,
        page(3, vec![person("di", false), person("ed", false)], 20, true),
    );
    assert_eq!(
        asked_for(&effects),
        [(5, PARTICIPANT_PAGE)],
        "room to show more"
    );

    // A pane of 5 rows is full with 7 names: the next page waits for the user to scroll.
    app.size = (100, 8);
    let effects = frame(
        &mut app,
        1,
        page(5, vec![person("fa", false), person("gu", false)], 20, true),
    );
    assert!(asked_for(&effects).is_empty());
    assert!(
        asked_for(&alt(&mut app, KeyCode::Down)).is_empty(),
        "end not yet in view"
    );
    let effects = alt(&mut app, KeyCode::PageDown);
    assert_eq!(asked_for(&effects), [(7, PARTICIPANT_PAGE)]);
    assert_eq!(
        app.room(1).map(|r| r.people.scroll),
        Some(3),
        "8 rows in a 5-row pane"
    );
    alt(&mut app, KeyCode::Up);
    assert_eq!(app.room(1).map(|r| r.people.scroll), Some(2));
}

#[test]
fn a_page_for_a_room_not_on_screen_asks_for_nothing_more() {
    let mut app = app();
    open_big(&mut app, 1, first_three(), 20, 2);
    alt(&mut app, KeyCode::Down);
    open(&mut app, 2, vec![]);
    let effects = frame(&mut app, 1, page(3, vec![person("di", false)], 20, true));
    assert!(asked_for(&effects).is_empty(), "{effects:?}");
    assert_eq!(names(&app, 1).len(), 4);
}

#[test]
fn names_missing_after_the_last_page_are_looked_for_again_from_the_first() {
    let mut app = app();
    open_big(&mut app, 1, first_three(), 5, 2);
    alt(&mut app, KeyCode::Down);
    // "di" moved ahead of the offset while we paged: the server's end comes one name short.
    frame(&mut app, 1, page(3, vec![person("ed", false)], 5, false));
    assert_eq!(counts(&app, 1).2, 1);

    let effects = alt(&mut app, KeyCode::Down);
    assert_eq!(asked_for(&effects), [(0, PARTICIPANT_PAGE)]);
    frame(
        &mut app,
        1,
        page(
            0,
            vec![person("ana", true), person("di", true), person("bo", true)],
            5,
            true,
        ),
    );
    assert_eq!(names(&app, 1), ["ana", "bo", "cy", "ed", "di"]);
    assert_eq!(counts(&app, 1).2, 0);
}

#[test]
fn a_headcount_moves_the_counts_and_keeps_the_names() {
    let mut app = app();
    open_big(&mut app, 1, first_three(), 5, 2);
    frame(
        &mut app,
        1,
        ServerFrame::Headcount {
            participants: 9,
            online: 4,
        },
    );
    assert_eq!(names(&app, 1), ["ana", "bo", "cy"]);
    assert_eq!(counts(&app, 1), (9, 4, 6));

    // Fewer than are loaded (people left): nothing is missing, nothing is asked for.
    frame(
        &mut app,
        1,
        ServerFrame::Headcount {
            participants: 2,
            online: 1,
        },
    );
    assert_eq!(names(&app, 1), ["ana", "bo", "cy"]);
    assert_eq!(counts(&app, 1), (2, 1, 0));
    assert!(asked_for(&alt(&mut app, KeyCode::Down)).is_empty());
}

#[test]
fn in_a_small_room_joins_leaves_and_presence_move_the_counts_with_the_list() {
    let mut app = app();
    super::super::open_room(&mut app, 1);
    frame(
        &mut app,
        1,
        ServerFrame::Welcome {
            room: room(1, "Small"),
            me: "me".into(),
            participants: vec![person("alice", true), person("me", false)],
            history: Vec::new(),
            has_more: false,
            read_up_to: None,
            online_count: Some(1),
            participants_more: false,
        },
    );
    assert_eq!(counts(&app, 1), (2, 1, 0));
    frame(
        &mut app,
        1,
        ServerFrame::Participant {
            nickname: "carol".into(),
        },
    );
    frame(
        &mut app,
        1,
        ServerFrame::Presence {
            nickname: "carol".into(),
            online: true,
        },
    );
    assert_eq!(counts(&app, 1), (3, 2, 0));
    frame(
        &mut app,
        1,
        ServerFrame::ParticipantLeft {
            nickname: "alice".into(),
        },
    );
    // The "offline" that may follow a leave counts nothing twice.
    frame(
        &mut app,
        1,
        ServerFrame::Presence {
            nickname: "alice".into(),
            online: false,
        },
    );
    assert_eq!(names(&app, 1), ["me", "carol"]);
    assert_eq!(counts(&app, 1), (2, 1, 0));
}

#[test]
fn a_new_welcome_starts_the_list_over_and_forgets_a_request_of_the_old_socket() {
    let mut app = app();
    open_big(&mut app, 1, first_three(), 5, 2);
    assert_eq!(asked_for(&alt(&mut app, KeyCode::Down)).len(), 1);
    net(
        &mut app,
        NetEvent::RoomState {
            room_id: 1,
            state: offline(),
        },
    );
    open_big(
        &mut app,
        1,
        vec![person("bo", true), person("ana", true)],
        6,
        2,
    );
    assert_eq!(names(&app, 1), ["bo", "ana"]);
    assert_eq!(counts(&app, 1), (6, 2, 4));
    assert_eq!(
        asked_for(&alt(&mut app, KeyCode::Down)),
        [(2, PARTICIPANT_PAGE)]
    );
}

#[test]
fn slash_names_lists_what_is_loaded_and_how_many_more() {
    let mut app = app();
    open_big(&mut app, 1, first_three(), 5, 2);
    type_text(&mut app, "/names");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(asked_for(&effects).is_empty());
    let text = app
        .room(1)
        .and_then(|r| r.local.last())
        .map(|l| l.text.clone())
        .unwrap_or_default();
    assert_eq!(text, "In “Big” (5): ana, bo, cy (away) and 2 more");
}
