//! The live room list.

use chat_shared::LobbyFrame;

use chat_test_support::spawn_app;

async fn next_lobby(socket: &mut chat_test_support::Socket) -> LobbyFrame {
    serde_json::from_str(&socket.next_text().await).expect("a lobby frame")
}

#[tokio::test]
async fn the_lobby_lists_rooms_and_streams_changes() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let first = owner.create_room("First").await;
    let (mut lobby, rooms) = app.visitor().lobby().await;
    assert_eq!(rooms, vec![first.clone()]);

    let second = owner.create_room("Second").await;
    match next_lobby(&mut lobby).await {
        LobbyFrame::Room { room } => assert_eq!(room, second),
        other => panic!("{other:?}"),
    }

    let guest = app.user("guest").await;
    guest.get(&format!("/chat/{}/", first.id)).await;
    match next_lobby(&mut lobby).await {
        LobbyFrame::Room { room } => assert_eq!((room.id, room.participant_count), (first.id, 2)),
        other => panic!("{other:?}"),
    }

    owner
        .post_json(
            &format!("/chat/{}/edit/", first.id),
            &[("title", "Renamed")],
        )
        .await;
    match next_lobby(&mut lobby).await {
        LobbyFrame::Room { room } => assert_eq!(room.title, "Renamed"),
        other => panic!("{other:?}"),
    }

    owner
        .post_json(&format!("/chat/{}/remove/", second.id), &[])
        .await;
    assert_eq!(
        next_lobby(&mut lobby).await,
        LobbyFrame::RoomRemoved { id: second.id }
    );
}
