//! Bans (issue 18, moderation): a room's creator keeps a user out of the room and lets them
//! back in; the room sees each as a notice line.

use chat_shared::close::BANNED;
use chat_shared::{MessageKind, ServerFrame};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;

use chat_test_support::{spawn_app, welcome_parts};

#[tokio::test]
async fn a_banned_user_is_closed_out_and_kept_out_until_the_ban_is_lifted() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Moderated").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, welcome) = bob.join(room.id).await;
    let bob_nick = welcome_parts(welcome).1;

    let response = alice
        .post_json(
            &format!("/chat/{}/ban/", room.id),
            &[("nickname", &bob_nick)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        b.closed().await,
        Some(BANNED),
        "bob's socket closes with BANNED"
    );

    let notice = a.next_message().await;
    assert_eq!(notice.kind, MessageKind::Notice);
    assert!(
        notice.body.contains(&bob_nick) && notice.body.contains("banned"),
        "{notice:?}"
    );
    let left = a
        .next_matching(|f| match f {
            ServerFrame::ParticipantLeft { nickname } => Some(nickname),
            _ => None,
        })
        .await;
    assert_eq!(left, bob_nick);

    // Kept out: the page, its JSON and the socket all refuse, saying why.
    let response = bob.get_json(&format!("/chat/{}/", room.id)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("banned"), "{body}");
    let page = bob.get(&format!("/chat/{}/", room.id)).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(page.text().await.unwrap().contains("banned from this room"));
    let refused = bob
        .open_ws(&format!("/ws/chat/{}/", room.id), HeaderMap::new())
        .await;
    assert_eq!(refused.err(), Some(403));

    let detail = alice.room_detail(room.id).await;
    assert_eq!(detail.bans, Some(vec![bob_nick.clone()]));
    assert!(detail.participants.iter().all(|p| p.nickname != bob_nick));

    let response = alice
        .post_json(
            &format!("/chat/{}/unban", room.id),
            &[("nickname", &bob_nick)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let lifted = a.next_message().await;
    assert_eq!(lifted.kind, MessageKind::Notice);
    assert!(lifted.body.contains("lifted the ban"), "{lifted:?}");
    let (_, welcome) = bob.join(room.id).await;
    let history = welcome_parts(welcome).3;
    assert_eq!(
        history
            .iter()
            .filter(|m| m.kind == MessageKind::Notice)
            .count(),
        2,
        "both notices stay in the log: {history:?}"
    );
    assert_eq!(alice.room_detail(room.id).await.bans, Some(vec![]));
}

#[tokio::test]
async fn bad_bans_get_a_clear_answer_and_change_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Rules").await;
    let (_, welcome) = alice.join(room.id).await;
    let alice_nick = welcome_parts(welcome).1;
    let (_, welcome) = bob.join(room.id).await;
    let bob_nick = welcome_parts(welcome).1;
    let ban = format!("/chat/{}/ban", room.id);
    let unban = format!("/chat/{}/unban", room.id);

    let response = bob.post_json(&ban, &[("nickname", &alice_nick)]).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "only the creator bans"
    );
    for (path, nickname, says) in [
        (&ban, "", "empty"),
        (&ban, "nobody-at-all", "no user is called \"nobody-at-all\""),
        (&ban, alice_nick.as_str(), "cannot be banned"),
        (&unban, bob_nick.as_str(), "is not banned"),
    ] {
        let response = alice.post_json(path, &[("nickname", nickname)]).await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{path} {nickname:?}"
        );
        let body: Value = response.json().await.unwrap();
        let error = body["error"].as_str().unwrap();
        assert!(error.contains(says), "{path} {nickname:?}: {error:?}");
    }
    let detail = alice.room_detail(room.id).await;
    assert_eq!(detail.bans, Some(vec![]));
    assert!(detail.participants.iter().any(|p| p.nickname == bob_nick));
    assert!(
        bob.room_detail(room.id).await.bans.is_none(),
        "only moderators see bans"
    );

    let response = alice.post_json(&ban, &[("nickname", &bob_nick)]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let again = alice
        .post_json(&ban, &[("nickname", &bob_nick.to_uppercase())])
        .await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let body: Value = again.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("already banned"),
        "{body}"
    );
}

#[tokio::test]
async fn each_participant_keeps_one_notification_level_per_room_on_the_server() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Quiet please").await;
    let path = format!("/chat/{}/notify", room.id);
    assert_eq!(
        alice.room_detail(room.id).await.notify,
        Some(chat_shared::NotifyLevel::Mentions),
        "mentions by default"
    );
    let response = alice.post_json(&path, &[("level", "none")]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        alice.room_detail(room.id).await.notify,
        Some(chat_shared::NotifyLevel::None)
    );

    for level in ["", "loud", "ALL "] {
        let response = alice.post_json(&path, &[("level", level)]).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{level:?}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]
            .as_str()
            .unwrap()
            .contains("use all, mentions or none"));
    }
    let response = bob.post_json(&path, &[("level", "all")]).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "not a participant yet"
    );
    assert_eq!(
        alice.room_detail(room.id).await.notify,
        Some(chat_shared::NotifyLevel::None),
        "refusals changed nothing"
    );
    assert_eq!(
        bob.room_detail(room.id).await.notify,
        Some(chat_shared::NotifyLevel::Mentions),
        "each user has their own"
    );
}
