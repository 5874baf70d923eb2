//! The room list and room actions, in HTML and JSON.

use chat_shared::{Room, ServerFrame};
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::Value;

use chat_test_support::{spawn_app, welcome_parts};

async fn list_json(visitor: &chat_test_support::Visitor) -> Vec<Room> {
    let body: Value = visitor.get_json("/chat/list").await.json().await.unwrap();
    serde_json::from_value(body["rooms"].clone()).unwrap()
}

#[tokio::test]
async fn root_redirects_to_the_list_and_paths_work_with_and_without_slash() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let root = visitor.get("/").await;
    assert_eq!(root.status(), StatusCode::FOUND);
    assert_eq!(root.headers()[LOCATION], "/chat/list/");
    for path in [
        "/chat/list",
        "/chat/list/",
        "/accounts/login",
        "/accounts/login/",
        "/accounts/register",
    ] {
        assert_eq!(visitor.get(path).await.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn anonymous_users_are_sent_to_login_or_get_401() {
    let app = spawn_app().await;
    let owner = app.user("o").await;
    let room = owner.create_room("Hello world").await;
    let visitor = app.visitor();
    for path in ["/chat/create/".to_owned(), format!("/chat/{}/", room.id)] {
        let page = visitor.get(&path).await;
        assert_eq!(page.status(), StatusCode::FOUND, "{path}");
        let next = url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>();
        assert_eq!(
            page.headers()[LOCATION],
            format!("/accounts/login/?next={next}")
        );
        assert_eq!(
            visitor.get_json(&path).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let post = visitor.post_json("/chat/create/", &[("title", "x")]).await;
    assert_eq!(post.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        list_json(&visitor).await.len(),
        1,
        "the list is public and nothing was added"
    );
}

#[tokio::test]
async fn creating_a_room_opens_it_and_lists_it_newest_first() {
    let app = spawn_app().await;
    let owner = app.user("brothersoo").await;
    let form = owner.get("/chat/create/").await;
    assert_eq!(form.status(), StatusCode::OK);
    let response = owner
        .post_form("/chat/create/", &[("title", "  Hello world  ")])
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/chat/") && location.ends_with('/'),
        "{location}"
    );
    let second = owner.create_room("Second").await;

    let rooms = list_json(&app.visitor()).await;
    assert_eq!(rooms.len(), 2);
    assert_eq!(rooms[0].id, second.id, "newest first");
    assert_eq!(rooms[1].title, "Hello world", "trimmed");
    assert_eq!(rooms[1].creator, second.creator);
    assert_eq!(rooms[1].participant_count, 1, "the creator is in it");
    assert!(chrono::DateTime::parse_from_rfc3339(&rooms[1].created_at).is_ok());
    assert!(rooms[1].created_at.ends_with('Z'));

    let html = app.visitor().get("/chat/list/").await.text().await.unwrap();
    assert!(html.contains("Hello world") && html.contains("Second"));
    assert!(html.find("Second").unwrap() < html.find("Hello world").unwrap());
}

#[tokio::test]
async fn room_titles_are_validated_and_nothing_is_stored_on_error() {
    let app = spawn_app().await;
    let owner = app.user("t").await;
    for (title, message) in [
        ("   ", "Enter a title."),
        (&*"가".repeat(51), "A title has at most 50 characters."),
        (
            "\u{1b}[2Jwiped",
            "A title cannot contain control, text-direction or invisible characters.",
        ),
        // Issue 18: a title of only U+200B was accepted.
        (
            "\u{200B}",
            "A title cannot contain control, text-direction or invisible characters.",
        ),
        (
            "\u{0301}\u{0301}",
            "A title must show at least one letter, digit or symbol.",
        ),
    ] {
        let json = owner.post_json("/chat/create/", &[("title", title)]).await;
        assert_eq!(json.status(), StatusCode::BAD_REQUEST);
        let body: Value = json.json().await.unwrap();
        assert_eq!(body["errors"]["title"][0], message);
        let html = owner.post_form("/chat/create/", &[("title", title)]).await;
        assert_eq!(html.status(), StatusCode::BAD_REQUEST);
        assert!(html
            .text()
            .await
            .unwrap()
            .contains(&format!(r#"id="error-title">{message}<"#)));
    }
    assert!(
        owner
            .create_room(&"가".repeat(50))
            .await
            .title
            .chars()
            .count()
            == 50
    );
    assert_eq!(list_json(&owner).await.len(), 1);
}

#[tokio::test]
async fn unknown_and_removed_rooms_are_404() {
    let app = spawn_app().await;
    let user = app.user("u").await;
    for path in ["/chat/999/", "/chat/abc/", "/chat/99999999999999999999/"] {
        let page = user.get(path).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(page.text().await.unwrap().contains("There is no such room"));
        let json = user.get_json(path).await;
        assert_eq!(json.status(), StatusCode::NOT_FOUND);
        let body: Value = json.json().await.unwrap();
        assert!(body["error"].is_string());
    }
    assert_eq!(
        user.get("/no/such/page").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Issue 18: `+5` and `05` reached room 5. A room has one address; other spellings are 404,
/// for pages, JSON, actions and sockets alike, and change nothing.
#[tokio::test]
async fn only_the_canonical_room_id_is_an_address() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let room = owner.create_room("One address").await;
    let id = room.id;
    assert_eq!(
        owner.get(&format!("/chat/{id}/")).await.status(),
        StatusCode::OK
    );
    for spelling in [
        format!("0{id}"),
        format!("+{id}"),
        format!("{id}.0"),
        format!(" {id}"),
    ] {
        let path = format!("/chat/{}/", spelling.replace(' ', "%20"));
        assert_eq!(
            owner.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
        let removed = owner.post_json(&format!("{path}remove"), &[]).await;
        assert_eq!(removed.status(), StatusCode::NOT_FOUND, "{path}remove");
        assert_eq!(
            owner
                .open_ws(
                    &format!("/ws/chat/{}/", spelling.replace(' ', "%20")),
                    Default::default()
                )
                .await
                .err(),
            Some(404),
            "{spelling}"
        );
    }
    assert_eq!(list_json(&owner).await.len(), 1, "nothing was removed");
}

#[tokio::test]
async fn entering_a_room_makes_you_a_participant() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let guest = app.user("guest").await;
    let room = owner.create_room("Hello").await;
    let response = guest.get_json(&format!("/chat/{}", room.id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["room"]["participant_count"], 2);
    let names: Vec<&str> = body["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["nickname"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names[1].starts_with("guest"));
    assert_eq!(body["participants"][0]["online"], false);

    let html = guest
        .get(&format!("/chat/{}/", room.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"id="chat-message-input""#) && html.contains(r#"id="chat-message-submit""#)
    );
    assert!(html.contains(r#"id="participants""#));
    assert!(
        !html.contains(r#"id="remove-room""#),
        "only the creator sees remove"
    );
}

#[tokio::test]
async fn only_the_creator_renames_and_everyone_in_the_room_sees_it() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let guest = app.user("guest").await;
    let room = owner.create_room("Old").await;
    let (mut socket, _) = guest.join(room.id).await;

    let refused = guest
        .post_json(&format!("/chat/{}/edit/", room.id), &[("title", "Mine")])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let invalid = owner
        .post_json(&format!("/chat/{}/edit/", room.id), &[("title", "")])
        .await;
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);

    let ok = owner
        .post_json(&format!("/chat/{}/edit/", room.id), &[("title", "New")])
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["room"]["title"], "New");
    let renamed = socket
        .next_matching(|f| match f {
            ServerFrame::Room { room } if room.title == "New" => Some(room),
            _ => None,
        })
        .await;
    assert_eq!(renamed.id, room.id);
    let html = owner
        .post_form(&format!("/chat/{}/edit/", room.id), &[("title", "Newer")])
        .await;
    assert_eq!(html.status(), StatusCode::FOUND);
    assert_eq!(html.headers()[LOCATION], format!("/chat/{}/", room.id));
    assert_eq!(list_json(&owner).await[0].title, "Newer");
}

#[tokio::test]
async fn leaving_a_room_drops_you_from_its_participants() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let guest = app.user("guest").await;
    let room = owner.create_room("Room").await;
    guest.get(&format!("/chat/{}/", room.id)).await;
    assert_eq!(list_json(&owner).await[0].participant_count, 2);

    let left = guest
        .post_json(&format!("/chat/{}/leave", room.id), &[])
        .await;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    assert_eq!(list_json(&owner).await[0].participant_count, 1);
    let html = owner
        .post_form(&format!("/chat/{}/leave/", room.id), &[])
        .await;
    assert_eq!(html.status(), StatusCode::FOUND);
    assert_eq!(html.headers()[LOCATION], "/chat/list/");
    assert_eq!(list_json(&owner).await[0].participant_count, 0);
}

#[tokio::test]
async fn the_creator_removes_a_room_and_its_sockets_close() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let guest = app.user("guest").await;
    let room = owner.create_room("Doomed").await;
    let (mut socket, welcome) = guest.join(room.id).await;
    assert_eq!(welcome_parts(welcome).0.id, room.id);

    let refused = guest
        .post_json(&format!("/chat/{}/remove/", room.id), &[])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let html = guest
        .post_form(&format!("/chat/{}/remove/", room.id), &[])
        .await;
    assert_eq!(html.status(), StatusCode::FORBIDDEN);
    assert!(html.text().await.unwrap().contains("Only the room"));

    let removed = owner
        .post_json(&format!("/chat/{}/remove/", room.id), &[])
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    socket
        .next_matching(|f| matches!(f, ServerFrame::RoomRemoved).then_some(()))
        .await;
    assert_eq!(socket.closed().await, Some(1000));
    assert!(list_json(&owner).await.is_empty());
    assert_eq!(
        owner.get(&format!("/chat/{}/", room.id)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        guest
            .open_ws(&format!("/ws/chat/{}/", room.id), Default::default())
            .await
            .err(),
        Some(404)
    );
}

#[tokio::test]
async fn a_wrong_method_gets_405_in_our_error_shape() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let response = visitor
        .client
        .put(visitor.url("/chat/list/"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("does not take"));
}

/// Issue 15: a leave from one device closed the user's sockets with the same code as a removed
/// room, clients reconnected, and the upgrade made them a participant again. Now the room
/// hears `participant_left`, the leaver's sockets close with `LEFT`, and nothing re-enters them.
#[tokio::test]
async fn leaving_from_another_device_tells_the_room_and_closes_with_left() {
    let app = spawn_app().await;
    let owner = app.logged_in("owner").await;
    let phone = app.logged_in("guest").await;
    let mut laptop = app.visitor();
    laptop.api_login("guest@example.com").await;
    laptop.nickname = "guest".into();
    let room = owner.create_room("Room").await;
    let (mut watching, _) = owner.join(room.id).await;
    let (mut on_laptop, _) = laptop.join(room.id).await;
    assert_eq!(list_json(&owner).await[0].participant_count, 2);

    let left = phone
        .post_json(&format!("/chat/{}/leave", room.id), &[])
        .await;

    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    let nickname = watching
        .next_matching(|f| match f {
            ServerFrame::ParticipantLeft { nickname } => Some(nickname),
            _ => None,
        })
        .await;
    assert_eq!(nickname, "guest");
    assert_eq!(on_laptop.closed().await, Some(chat_shared::close::LEFT));
    assert_eq!(list_json(&owner).await[0].participant_count, 1);
    let participants: Value = owner
        .get_json(&format!("/chat/{}", room.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        participants["participants"],
        serde_json::json!([{"nickname": "owner", "online": true}]),
        "the leaver is gone from the list, not listed offline"
    );
}

/// A second leave, by someone no longer a participant, tells the room nothing.
#[tokio::test]
async fn leaving_twice_sends_one_participant_left() {
    let app = spawn_app().await;
    let owner = app.logged_in("owner").await;
    let guest = app.logged_in("guest").await;
    let room = owner.create_room("Room").await;
    let (mut watching, _) = owner.join(room.id).await;
    guest.get(&format!("/chat/{}/", room.id)).await;
    for _ in 0..2 {
        let left = guest
            .post_json(&format!("/chat/{}/leave", room.id), &[])
            .await;
        assert_eq!(left.status(), StatusCode::NO_CONTENT);
    }
    let mut said_left = 0;
    while let Ok(frame) =
        tokio::time::timeout(std::time::Duration::from_millis(500), watching.next_frame()).await
    {
        said_left += usize::from(matches!(frame, ServerFrame::ParticipantLeft { .. }));
    }
    assert_eq!(said_left, 1, "the second leave changed nothing");
}

/// One account made 18,000 rooms in 17 s (issue 18): past `--rooms-per-hour` the form says
/// how long to wait (HTML and JSON, 429 with `Retry-After`), nothing is made, and other
/// users still create rooms.
#[tokio::test]
async fn room_creation_is_limited_per_user() {
    let app = chat_test_support::spawn_app_with(|c| c.rooms_per_hour = 3).await;
    let maker = app.user("maker").await;
    for i in 0..3 {
        maker.create_room(&format!("Room {i}")).await;
    }
    let json = maker
        .post_json("/chat/create/", &[("title", "One more")])
        .await;
    assert_eq!(json.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = json.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // One room a 20 minutes comes back.
    assert!((1..=1200).contains(&wait), "{wait}");
    let body: Value = json.json().await.unwrap();
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("Wait 20 minutes"), "{error}");

    let html = maker
        .post_form("/chat/create/", &[("title", "Typed title")])
        .await;
    assert_eq!(html.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(html.headers().contains_key("retry-after"));
    let page = html.text().await.unwrap();
    assert!(page.contains("Wait 20 minutes"), "{page}");
    assert!(page.contains("Typed title"), "what was typed stays");

    let titles: Vec<String> = list_json(&maker)
        .await
        .into_iter()
        .map(|r| r.title)
        .collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    app.user("other").await.create_room("Another's").await;
}
