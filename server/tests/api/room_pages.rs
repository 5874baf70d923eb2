//! The room list in pages: the HTML list, `GET /chat/list` as JSON and the lobby's first frame
//! carry one page each, however many rooms exist, and following the cursor visits every room
//! once, newest first.

use chat_shared::api::RoomList;
use chat_shared::limits::ROOM_PAGE;
use chat_shared::{LobbyFrame, Room};
use chat_test_support::{spawn_app_with, TestApp, Visitor};
use reqwest::StatusCode;
use serde_json::Value;

const ROOMS: usize = 120;
const PAGE: usize = ROOM_PAGE as usize;

/// A server whose one user has made `count` rooms; the rooms come back newest first.
async fn app_with_rooms(count: usize) -> (TestApp, Visitor, Vec<Room>) {
    let app = spawn_app_with(|c| c.rooms_per_hour = 1000).await;
    let owner = app.user("owner").await;
    let mut rooms = owner.create_rooms("Room", count).await;
    rooms.reverse();
    (app, owner, rooms)
}

fn ids(rooms: &[Room]) -> Vec<i64> {
    rooms.iter().map(|r| r.id).collect()
}

async fn json_page(visitor: &Visitor, path: &str) -> RoomList {
    let response = visitor.get_json(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("a RoomList")
}

/// The room ids of an HTML list page, in the order shown.
fn shown_ids(html: &str) -> Vec<i64> {
    html.split("data-room-id=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The `href` of the link with this id, unescaped.
fn link(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let tag = &html[at..at + html[at..].find('>').unwrap()];
    let href = tag.split("href=\"").nth(1)?;
    Some(
        href[..href.find('"').unwrap()]
            .replace("&#38;", "&")
            .replace("&amp;", "&")
            .replace("&#x2f;", "/")
            .replace("&#47;", "/"),
    )
}

async fn html_page(visitor: &Visitor, path: &str) -> String {
    let response = visitor.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_json_list_pages_through_every_room_once_newest_first() {
    let (app, _, rooms) = app_with_rooms(ROOMS).await;
    let visitor = app.visitor();

    let first = json_page(&visitor, "/chat/list").await;
    assert_eq!(first.rooms.len(), PAGE);
    assert_eq!(ids(&first.rooms), ids(&rooms[..PAGE]));
    assert_eq!(first.rooms[0], rooms[0], "whole Room objects, as the base");

    let mut seen = ids(&first.rooms);
    let mut next = first.next_before;
    let mut pages = 1;
    while let Some(before) = next {
        let page = json_page(&visitor, &format!("/chat/list?before={before}")).await;
        assert!(page.rooms.len() <= PAGE);
        seen.extend(ids(&page.rooms));
        next = page.next_before;
        pages += 1;
    }
    assert_eq!(pages, ROOMS.div_ceil(PAGE));
    assert_eq!(seen, ids(&rooms), "every room once, newest first");

    // A chosen limit, up to 100.
    let big = json_page(&visitor, "/chat/list?limit=100").await;
    assert_eq!(ids(&big.rooms), ids(&rooms[..100]));
    let rest = json_page(
        &visitor,
        &format!("/chat/list?before={}&limit=100", big.next_before.unwrap()),
    )
    .await;
    assert_eq!(ids(&rest.rooms), ids(&rooms[100..]));
    assert_eq!(rest.next_before, None);
}

#[tokio::test]
async fn the_json_list_keeps_the_base_shape_and_says_when_it_ends() {
    let (app, _, rooms) = app_with_rooms(3).await;
    let body: Value = app
        .visitor()
        .get_json("/chat/list")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["rooms"].as_array().unwrap().len(), 3);
    assert_eq!(body["rooms"][0]["id"], rooms[0].id);
    assert!(body["next_before"].is_null(), "{body}");
}

#[tokio::test]
async fn a_removed_room_leaves_no_hole_in_the_pages() {
    let (app, owner, rooms) = app_with_rooms(PAGE + 5).await;
    // The last room of page one goes between reading page one and page two.
    let first = json_page(&app.visitor(), "/chat/list").await;
    let gone = rooms[PAGE - 1].id;
    let response = owner.post_json(&format!("/chat/{gone}/remove/"), &[]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let before = first.next_before.unwrap();
    let second = json_page(&app.visitor(), &format!("/chat/list?before={before}")).await;
    assert_eq!(ids(&second.rooms), ids(&rooms[PAGE..]));
}

#[tokio::test]
async fn the_html_list_pages_by_older_and_newer_links() {
    let (app, _, rooms) = app_with_rooms(ROOMS).await;
    let visitor = app.visitor();

    let mut path = "/chat/list/".to_owned();
    let mut pages = Vec::new();
    loop {
        let html = html_page(&visitor, &path).await;
        let shown = shown_ids(&html);
        assert!(
            !shown.is_empty() && shown.len() <= PAGE,
            "{path}: {shown:?}"
        );
        assert_eq!(
            link(&html, "newer-rooms").is_some(),
            !pages.is_empty(),
            "only page one has no Newer link"
        );
        pages.push(shown);
        match link(&html, "older-rooms") {
            Some(older) => path = older,
            None => break,
        }
    }
    assert_eq!(pages[0].len(), PAGE);
    assert_eq!(pages.concat(), ids(&rooms), "every room once, newest first");

    // Back up through the Newer links: the same pages, ending on page one.
    let last = pages.len() - 1;
    let mut html = html_page(&visitor, &path).await;
    for expected in pages[..last].iter().rev() {
        path = link(&html, "newer-rooms").expect("a Newer link");
        html = html_page(&visitor, &path).await;
        assert_eq!(&shown_ids(&html), expected, "{path}");
    }
    assert_eq!(path, "/chat/list/");
}

#[tokio::test]
async fn the_lobby_sends_one_page_then_says_more_exist() {
    let (app, owner, rooms) = app_with_rooms(ROOMS).await;
    let (mut lobby, first, has_more) = app.visitor().lobby_page().await;
    assert_eq!(ids(&first), ids(&rooms[..PAGE]));
    assert!(has_more);

    let fresh = owner.create_room("Fresh").await;
    let frame: LobbyFrame = serde_json::from_str(&lobby.next_text().await).unwrap();
    assert_eq!(frame, LobbyFrame::Room { room: fresh });
}

#[tokio::test]
async fn a_short_lobby_list_says_nothing_more() {
    let (app, _, rooms) = app_with_rooms(2).await;
    let mut socket = app
        .visitor()
        .open_ws("/ws/lobby", Default::default())
        .await
        .unwrap();
    let first: Value = serde_json::from_str(&socket.next_text().await).unwrap();
    assert_eq!(first["rooms"].as_array().unwrap().len(), rooms.len());
    // An old client's frame, exactly: no `has_more` when there is nothing more.
    assert!(first.get("has_more").is_none(), "{first}");
}

#[tokio::test]
async fn bad_cursors_and_limits_get_a_clear_400() {
    let (app, _, _) = app_with_rooms(2).await;
    let visitor = app.visitor();
    let cases = [
        ("before=abc", "before must be a room number"),
        ("before=0", "before must be a room number"),
        ("before=-4", "before must be a room number"),
        ("before=", "before must be a room number"),
        ("before=1&before=2", "before must be a room number"),
        ("limit=0", "limit must be a whole number from 1 to 100"),
        ("limit=101", "limit must be a whole number from 1 to 100"),
        ("limit=ten", "limit must be a whole number from 1 to 100"),
    ];
    for (query, message) in cases {
        let response = visitor.get_json(&format!("/chat/list?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().starts_with(message),
            "{query}: {body}"
        );

        let response = visitor.get(&format!("/chat/list/?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{query}: {html}");
        assert!(shown_ids(&html).is_empty(), "no rooms on the error page");
    }
}
