//! Full-text search and opening a line in its room (issue 17): `GET /chat/search`, the
//! `history` frame's `around`/`after`, and `GET /chat/{id}/messages`.

use chat_shared::api::{MessagePage, SearchResults};
use chat_shared::{ErrorCode, ServerFrame};
use reqwest::StatusCode;
use serde_json::{json, Value};

use chat_test_support::{spawn_app, spawn_app_with, Visitor};

/// The JSON results of a search that must succeed.
async fn found(user: &Visitor, params: &[(&str, &str)]) -> SearchResults {
    let response = user.search(params).await;
    assert_eq!(response.status(), StatusCode::OK, "{params:?}");
    response.json().await.expect("search results JSON")
}

/// The bodies of what a search found, newest first.
async fn bodies(user: &Visitor, q: &str) -> Vec<String> {
    found(user, &[("q", q)])
        .await
        .results
        .into_iter()
        .map(|hit| hit.message.body)
        .collect()
}

/// A refused search: its status and the error it gives.
async fn refused(user: &Visitor, params: &[(&str, &str)]) -> (StatusCode, String) {
    let response = user.search(params).await;
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON error");
    let error = body["error"].as_str().unwrap_or_else(|| panic!("{body}"));
    (status, error.to_owned())
}

#[tokio::test]
async fn korean_finds_words_inside_words_and_english_matches_by_prefix() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Search").await;
    let (mut a, _) = alice.join(room.id).await;
    a.say("우리 섞인대화방에서 만나요").await;
    a.say("Deployment finished on Friday").await;
    a.say("대 화 따로 쓴 줄").await;

    assert_eq!(bodies(&alice, "대화").await, ["우리 섞인대화방에서 만나요"]);
    assert_eq!(
        bodies(&alice, "대화방").await,
        ["우리 섞인대화방에서 만나요"]
    );
    assert_eq!(
        bodies(&alice, "deploy").await,
        ["Deployment finished on Friday"]
    );
    assert_eq!(
        bodies(&alice, "DEPLOY fri").await,
        ["Deployment finished on Friday"]
    );
    assert!(
        bodies(&alice, "deploy 대화").await.is_empty(),
        "every term must match"
    );
    assert!(
        bodies(&alice, "ployment").await.is_empty(),
        "Latin words match by prefix only"
    );
    // Beginnings of every length up to a whole word: on Postgres the short ones are lexemes
    // of their own, the longer ones prefix queries; the answers must not differ.
    for typed in ["d", "de", "dep", "depl", "deplo", "deployment", "f fin"] {
        assert_eq!(
            bodies(&alice, typed).await,
            ["Deployment finished on Friday"],
            "{typed:?}"
        );
    }
    assert!(bodies(&alice, "deployments").await.is_empty());
    assert!(bodies(&alice, "depx").await.is_empty());

    let hit = &found(&alice, &[("q", "friday")]).await.results[0];
    assert_eq!(hit.room.id, room.id);
    assert_eq!(hit.room.title, "Search");
}

#[tokio::test]
async fn results_are_newest_first_and_page_with_before() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Pages").await;
    let (mut a, _) = alice.join(room.id).await;
    for n in 1..=5 {
        a.say(&format!("release note {n}")).await;
        a.say("unrelated chatter").await;
    }

    let first = found(&alice, &[("q", "release"), ("limit", "2")]).await;
    let page: Vec<_> = first
        .results
        .iter()
        .map(|h| h.message.body.as_str())
        .collect();
    assert_eq!(page, ["release note 5", "release note 4"]);
    let before = first.next_before.expect("older results exist");
    assert_eq!(before, first.results[1].message.id);

    let before = before.to_string();
    let second = found(
        &alice,
        &[("q", "release"), ("limit", "2"), ("before", &before)],
    )
    .await;
    let page: Vec<_> = second
        .results
        .iter()
        .map(|h| h.message.body.as_str())
        .collect();
    assert_eq!(page, ["release note 3", "release note 2"]);

    let before = second.next_before.expect("one more").to_string();
    let last = found(
        &alice,
        &[("q", "release"), ("limit", "2"), ("before", &before)],
    )
    .await;
    assert_eq!(last.results.len(), 1);
    assert_eq!(last.next_before, None, "the last page says so");
}

/// Makes the database look as one from before the search index did (or as after a migration
/// that rebuilt the index empty): no line indexed, every line left for the start-up backfill.
async fn forget_the_search_index(database_url: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await.unwrap();
    let empty = if database_url.starts_with("sqlite") {
        // FTS5's command to empty a contentless table.
        "INSERT INTO message_search (message_search) VALUES ('delete-all')"
    } else {
        "DELETE FROM message_search"
    };
    let mut tx = pool.begin().await.unwrap();
    if database_url.starts_with("sqlite") {
        // And nothing left for the indexer that follows the inserter (0013); written first,
        // so its next chunk waits for this transaction and then finds nothing to do.
        sqlx::query("UPDATE search_indexed SET upto = (SELECT MAX(id) FROM messages)")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query(empty).execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE search_backfill SET upto = (SELECT MAX(id) FROM messages)")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn lines_stored_before_the_index_are_indexed_once_the_server_has_started() {
    let mut app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Older").await;
    let (mut a, _) = alice.join(room.id).await;
    a.say("an older 대화방 line").await;
    let deleted = a.say("an older line taken back").await;
    a.say("the newest older line").await;
    a.send_delete(deleted.id).await;
    a.next_change().await;
    drop(a);

    forget_the_search_index(&app.database_url).await;
    assert!(
        bodies(&alice, "older").await.is_empty(),
        "the index is empty now"
    );

    app.stop().await;
    app.restart().await;
    // The backfill runs beside the server, which serves from the start.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while bodies(&alice, "older").await.len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        bodies(&alice, "older").await,
        ["the newest older line", "an older 대화방 line"],
        "indexed again, newest first; the deleted line never"
    );
    assert_eq!(bodies(&alice, "대화").await, ["an older 대화방 line"]);
}

#[tokio::test]
async fn edited_lines_are_found_by_their_new_words_and_deleted_lines_never() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Changes").await;
    let (mut a, _) = alice.join(room.id).await;
    let edited = a.say("the old wording 옛날말").await;
    let deleted = a.say("secret plans 비밀계획").await;

    a.send_edit(edited.id, "the new phrasing 새말투").await;
    a.next_change().await;
    a.send_delete(deleted.id).await;
    a.next_change().await;

    assert!(bodies(&alice, "wording").await.is_empty());
    assert!(bodies(&alice, "옛날").await.is_empty());
    assert_eq!(
        bodies(&alice, "phrasing").await,
        ["the new phrasing 새말투"]
    );
    assert_eq!(bodies(&alice, "말투").await, ["the new phrasing 새말투"]);
    assert!(bodies(&alice, "secret").await.is_empty());
    assert!(bodies(&alice, "비밀").await.is_empty());
}

/// On SQLite, lines are indexed behind the writes that store them (migration 0013). With the
/// indexer's own rounds an hour apart, only a search sets it going: what a search finds must
/// not depend on whether the indexer has come by yet, for new, edited and deleted lines, and
/// across a restart. (On Postgres, where lines are indexed as they are stored, the same holds.)
#[tokio::test]
async fn a_search_finds_every_line_stored_before_it_though_the_index_runs_behind() {
    let mut app = spawn_app_with(|c| c.search_index_interval_ms = 3_600_000).await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Behind").await;
    let (mut a, _) = alice.join(room.id).await;

    a.say("fresh kiwi 새참").await;
    assert_eq!(bodies(&alice, "kiwi").await, ["fresh kiwi 새참"]);
    assert_eq!(bodies(&alice, "새참").await, ["fresh kiwi 새참"]);

    // Changed before the indexer reached them.
    let early_edit = a.say("early mango draft").await;
    let early_delete = a.say("early papaya slip").await;
    a.send_edit(early_edit.id, "early guava final").await;
    a.next_change().await;
    a.send_delete(early_delete.id).await;
    a.next_change().await;
    // Changed after it did (the search above and these make it index them first).
    let late_edit = a.say("late lychee draft").await;
    let late_delete = a.say("late durian slip").await;
    assert_eq!(bodies(&alice, "lychee").await, ["late lychee draft"]);
    assert_eq!(bodies(&alice, "durian").await, ["late durian slip"]);
    a.send_edit(late_edit.id, "late quince final").await;
    a.next_change().await;
    a.send_delete(late_delete.id).await;
    a.next_change().await;

    for gone in ["mango", "papaya", "lychee", "durian"] {
        assert!(bodies(&alice, gone).await.is_empty(), "{gone}");
    }
    assert_eq!(bodies(&alice, "guava").await, ["early guava final"]);
    assert_eq!(bodies(&alice, "quince").await, ["late quince final"]);
    assert_eq!(
        found(&alice, &[("q", "final")]).await.results.len(),
        2,
        "each edited line once"
    );

    // Stored, then the server stops before indexing them: the next start picks them up.
    a.say("stopped plum one").await;
    a.say("stopped plum two").await;
    drop(a);
    app.stop().await;
    app.restart().await;
    assert_eq!(
        bodies(&alice, "plum").await,
        ["stopped plum two", "stopped plum one"]
    );
}

/// Without anyone searching, the indexer reaches new lines by itself within its interval.
#[tokio::test]
async fn new_lines_are_indexed_without_a_search_to_wait_for() {
    let app = spawn_app_with(|c| c.search_index_interval_ms = 50).await;
    if !app.database_url.starts_with("sqlite") {
        eprintln!("skipped: Postgres indexes lines in the transaction that stores them");
        return;
    }
    let alice = app.user("alice").await;
    let room = alice.create_room("Ticks").await;
    let (mut a, _) = alice.join(room.id).await;
    let last = a.say("one more line for the index").await;

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let upto: i64 = sqlx::query_scalar("SELECT upto FROM search_indexed")
            .fetch_one(&pool)
            .await
            .unwrap();
        if upto >= last.id {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "indexed up to {upto}, not {}",
            last.id
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let entries: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM message_search WHERE message_search MATCH 'index'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(entries, 1, "the line is in the index once");
    pool.close().await;
}

#[tokio::test]
async fn only_rooms_the_user_is_in_are_searched() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let shared = alice.create_room("Shared").await;
    let private = bob.create_room("Bob only").await;
    let (mut a, _) = alice.join(shared.id).await;
    let (mut b, _) = bob.join(shared.id).await;
    let (mut bp, _) = bob.join(private.id).await;
    a.say("launch window opens").await;
    b.next_message().await;
    bp.say("launch codes are 1234").await;

    // Alice finds what is in her room, never Bob's private one.
    assert_eq!(bodies(&alice, "launch").await, ["launch window opens"]);
    assert_eq!(
        bodies(&bob, "launch").await,
        ["launch codes are 1234", "launch window opens"]
    );
    let shared_id = shared.id.to_string();
    let one_room = found(&bob, &[("q", "launch"), ("room", &shared_id)]).await;
    assert_eq!(one_room.results.len(), 1);
    assert_eq!(one_room.results[0].room.id, shared.id);

    // Naming a room she is not in, or one that does not exist, is refused the same way.
    let private_id = private.id.to_string();
    let (status, error) = refused(&alice, &[("q", "launch"), ("room", &private_id)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        error,
        format!("you are not in room {}; open it to search it", private.id)
    );
    let (status, _) = refused(&alice, &[("q", "launch"), ("room", "999999")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // After leaving a room, its lines are no longer hers to search.
    let response = alice
        .post_json(&format!("/chat/{}/leave/", shared.id), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(bodies(&alice, "launch").await.is_empty());

    // And a removed room is searched by no one.
    let response = bob
        .post_json(&format!("/chat/{}/remove/", private.id), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(bodies(&bob, "launch").await, ["launch window opens"]);
}

#[tokio::test]
async fn bad_searches_get_a_clear_error_and_no_error_page() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Inputs").await;
    let (mut a, _) = alice.join(room.id).await;
    a.say("near the end: a \"quoted\" word and x-ray").await;

    for empty in ["", "   ", "\"", "*", "-:", "()^*\""] {
        let (status, error) = refused(&alice, &[("q", empty)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{empty:?}");
        assert_eq!(error, "search for a word: letters or digits");
    }
    let long = "a".repeat(1000);
    let (status, error) = refused(&alice, &[("q", &long)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error, "a search is at most 200 characters");
    for (param, value) in [
        ("room", "x"),
        ("before", "-1"),
        ("limit", "0"),
        ("limit", "101"),
    ] {
        let (status, error) = refused(&alice, &[("q", "word"), (param, value)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{param}={value}");
        assert!(error.contains(param), "{error}");
    }

    // FTS and SQL syntax is only text: it finds the words in it, or nothing.
    for syntax in [
        "\"quoted\"",
        "quot*",
        "NEAR(near end)",
        "-ray",
        "x:ray",
        "word OR 1=1",
        "'; DROP TABLE messages; --",
        "near AND end",
    ] {
        let response = alice.search(&[("q", syntax)]).await;
        assert_eq!(response.status(), StatusCode::OK, "{syntax:?}");
    }
    assert_eq!(bodies(&alice, "\"quoted\"").await.len(), 1);
    assert_eq!(bodies(&alice, "x:ray").await.len(), 1);
    assert!(bodies(&alice, "'; DROP TABLE messages; --")
        .await
        .is_empty());
    assert_eq!(
        bodies(&alice, "near").await.len(),
        1,
        "the table is still there"
    );

    // The page shows the same refusals next to its box, never an error page.
    let page = alice.get("/chat/search/?q=%22%2A%22").await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"search-error\""), "{html}");
    assert!(html.contains("search for a word: letters or digits"));

    // Without a session: the contract's 401.
    let response = app.visitor().search(&[("q", "word")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_results_page_links_each_line_to_its_room_at_that_line() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Links").await;
    let (mut a, _) = alice.join(room.id).await;
    let line = a.say("meet at the <b>harbour</b>").await;

    let page = alice.get("/chat/search/?q=harbour").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/chat/{}/?at={}\"", room.id, line.id)),
        "{html}"
    );
    assert!(!html.contains("<b>harbour"), "the body is escaped");
    assert!(html.contains("harbour"));
    let empty = alice.get("/chat/search/").await;
    assert_eq!(empty.status(), StatusCode::OK);
    assert!(empty.text().await.unwrap().contains("id=\"search-query\""));
}

#[tokio::test]
async fn a_line_opens_with_lines_on_both_sides_and_reads_forward_to_the_newest() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Around").await;
    let (mut a, _) = alice.join(room.id).await;
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(a.say(&format!("line {n}")).await.id);
    }
    let target = ids[10];

    a.send_json(json!({"type": "history", "around": target, "limit": 11}))
        .await;
    let (messages, has_more, has_newer) = a
        .next_matching(|f| match f {
            ServerFrame::History {
                messages,
                has_more,
                has_newer,
            } => Some((messages, has_more, has_newer)),
            _ => None,
        })
        .await;
    let got: Vec<i64> = messages.iter().map(|m| m.id).collect();
    assert_eq!(got, ids[5..16], "five older, the line, five newer");
    assert!(has_more);
    assert_eq!(has_newer, Some(true));

    a.send_json(json!({"type": "history", "after": ids[15], "limit": 100}))
        .await;
    let (messages, has_newer) = a
        .next_matching(|f| match f {
            ServerFrame::History {
                messages,
                has_newer,
                ..
            } => Some((messages, has_newer)),
            _ => None,
        })
        .await;
    assert_eq!(messages.iter().map(|m| m.id).collect::<Vec<_>>(), ids[16..]);
    assert_eq!(has_newer, Some(false), "the live edge");

    // The same over HTTP.
    let response = alice
        .get_json(&format!(
            "/chat/{}/messages?around={target}&limit=3",
            room.id
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: MessagePage = response.json().await.unwrap();
    assert_eq!(
        page.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[9..12]
    );

    // A line of another room, or none at all: not_found, saying so.
    let other = alice.create_room("Elsewhere").await;
    let (mut o, _) = alice.join(other.id).await;
    let elsewhere = o.say("somewhere else").await;
    a.send_json(json!({"type": "history", "around": elsewhere.id, "limit": 10}))
        .await;
    let (code, message) = a.next_error().await;
    assert_eq!(code, ErrorCode::NotFound);
    assert!(message.contains("not in this room"), "{message}");
    let response = alice
        .get_json(&format!(
            "/chat/{}/messages?around={}",
            room.id, elsewhere.id
        ))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Exactly one of before, after, around.
    a.send_json(json!({"type": "history", "before": target, "after": target, "limit": 10}))
        .await;
    let (code, message) = a.next_error().await;
    assert_eq!(code, ErrorCode::InvalidFrame);
    assert!(message.contains("exactly one"), "{message}");
    let response = alice
        .get_json(&format!("/chat/{}/messages?limit=3", room.id))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Someone not in the room reads nothing of it.
    let bob = app.user("bob").await;
    let response = bob
        .get_json(&format!("/chat/{}/messages?around={target}", room.id))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
