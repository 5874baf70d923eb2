//! `/search` end to end, without a terminal: the client's state machine and runtime against
//! the real server. The results are paged on (the server's `next_before` asked for when the
//! selection reaches the last one), and a session that expired meanwhile lands on the login
//! screen.

mod support;

use anyhow::Context;
use chat_shared::session::SESSION_COOKIE;
use chat_test_support::{spawn_app_on, PASSWORD};
use chat_tui::action::Effect;
use chat_tui::app::Screen;
use crossterm::event::KeyCode;
use support::Client;

/// Bob, logged in through the client's own code.
async fn bob(base: &str) -> anyhow::Result<Client> {
    let mut bob = Client::new(base)?;
    bob.runtime.run(Effect::Login {
        email: "bob@example.com".into(),
        password: PASSWORD.into(),
    });
    bob.until("login", |app| app.screen == Screen::Main).await?;
    Ok(bob)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_page_on_to_the_end_and_an_ended_session_goes_to_login() -> anyhow::Result<()> {
    // 25 matching lines: a first page of 20 (the server's default) and a second of 5.
    let mut server = spawn_app_on(|c| c.messages_per_second = 1000).await;
    let alice = server.logged_in("alice").await;
    server.registered("bob").await;
    let room = alice.create_room("paged search").await.id;
    let mut bob = bob(&server.url).await?;
    bob.type_line(&format!("/join {room}"));
    bob.until("the room's welcome", |app| {
        app.room(room).is_some_and(|r| r.state.is_online())
    })
    .await?;
    let (mut socket, _) = alice.join(room).await;
    for n in 1..=25 {
        socket.say(&format!("needle {n}")).await;
    }
    socket.say("hay").await;

    bob.type_line("/search needle");
    bob.until("the first page", |app| {
        app.search.as_ref().is_some_and(|s| !s.loading)
    })
    .await?;
    let search = bob.app.search.as_ref().context("results shown")?;
    assert_eq!(search.results.len(), 20, "{:?}", search.error);
    assert!(search.next_before.is_some());
    for _ in 0..19 {
        bob.press(KeyCode::Down);
    }
    bob.until("the second page", |app| {
        app.search
            .as_ref()
            .is_some_and(|s| !s.loading_more && s.results.len() > 20)
    })
    .await?;
    let search = bob.app.search.as_ref().context("results shown")?;
    let bodies: Vec<&str> = search
        .results
        .iter()
        .map(|h| h.message.body.as_str())
        .collect();
    let expected: Vec<String> = (1..=25).rev().map(|n| format!("needle {n}")).collect();
    assert_eq!(bodies, expected, "newest first, each once, no gap");
    assert_eq!(search.next_before, None, "the end of the results");

    // The session the client holds is no longer one the server knows (as after it expired;
    // a logout would also close the sockets, which report it their own way): the next search
    // is answered 401 and the client goes back to login.
    bob.http.set_cookie(SESSION_COOKIE, "expired-session");
    bob.press(KeyCode::Esc);
    bob.type_line("/search needle");
    bob.until("the login screen", |app| {
        matches!(app.screen, Screen::Login(_))
    })
    .await?;
    let Screen::Login(form) = &bob.app.screen else {
        unreachable!("waited for it");
    };
    assert!(
        form.error.as_deref().is_some_and(|e| e.contains("expired")),
        "{form:?}"
    );
    assert!(bob.app.search.is_none());

    server.stop().await;
    Ok(())
}
