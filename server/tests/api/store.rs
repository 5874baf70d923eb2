//! Grouped writes straight against the store (the real database the suite runs on): every
//! batch size, including those that fill only part of a SQLite statement's rows, stores each
//! message once, numbered without gaps.

use std::collections::HashMap;

use chat_server::store::{
    Joins, NewEntry, NewMessage, NewUser, RoomForUser, SearchRequest, SqlStore, Store, StoreError,
    StoredMessage, User, MAX_BATCH,
};
use chat_shared::search::parse_query;
use chat_shared::MessageKind;

use chat_test_support::fresh_database_url;

/// A store on a fresh database of the suite's backend, and the directory to keep while it is
/// used (a SQLite file lives in it).
async fn fresh_store() -> (tempfile::TempDir, SqlStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database_url(dir.path()).await;
    let store = SqlStore::connect(&url, 4).await.expect("store");
    (dir, store)
}

async fn user(store: &SqlStore, name: &str) -> User {
    store
        .create_user(NewUser {
            email: format!("{name}@example.com"),
            nickname: name.to_owned(),
            password_hash: "not a real hash".to_owned(),
        })
        .await
        .expect("user created")
}

fn message(room_id: i64, sender: &User, n: usize) -> NewMessage {
    NewMessage {
        sent_at: 1_795_590_773_000 + n as i64,
        ..NewMessage::text(
            room_id,
            sender.clone(),
            format!("line {n} from {}", sender.nickname),
            Some(format!("{}-{n}", sender.nickname)),
        )
    }
}

#[tokio::test]
async fn batches_of_every_size_store_each_message_once_numbered_without_gaps() {
    let (_dir, store) = fresh_store().await;
    let ann = user(&store, "ann").await;
    let bo = user(&store, "bo").await;
    let mut rooms = Vec::new();
    for title in ["one", "two", "three"] {
        rooms.push(store.create_room(title, ann.id).await.expect("room").id);
    }

    // Sizes at, below and above the statement sizes (powers of two, at least 8), up to the
    // largest batch the writer makes.
    let mut sent = 0usize;
    let mut expected: HashMap<i64, Vec<String>> = HashMap::new();
    for size in [1, 7, 8, 9, 100, 1000, MAX_BATCH] {
        let batch: Vec<NewMessage> = (0..size)
            .map(|i| {
                let n = sent + i;
                let sender = if n.is_multiple_of(3) { &bo } else { &ann };
                message(rooms[n % rooms.len()], sender, n)
            })
            .collect();
        sent += size;
        let last_before: HashMap<i64, i64> = {
            let mut last = HashMap::new();
            for room in &rooms {
                last.insert(*room, store.last_seq(*room).await.expect("last seq"));
            }
            last
        };

        let results = store.insert_messages(&batch).await.expect("batch stored");

        assert_eq!(results.len(), size, "one result per message");
        let mut next_seq = last_before;
        let mut last_id: HashMap<i64, i64> = HashMap::new();
        for (new, inserted) in batch.iter().zip(&results) {
            assert!(!inserted.duplicate, "nothing repeats in batch of {size}");
            let stored = &inserted.stored;
            assert_eq!(
                stored.message.body, new.body,
                "results follow the batch's order"
            );
            assert_eq!(stored.message.room_id, new.room_id);
            let seq = next_seq.get_mut(&new.room_id).expect("a known room");
            *seq += 1;
            assert_eq!(
                stored.seq, *seq,
                "seqs follow on without gaps (batch of {size})"
            );
            let id = last_id.entry(new.room_id).or_insert(0);
            assert!(stored.message.id > *id, "ids grow with seqs within a room");
            *id = stored.message.id;
            expected
                .entry(new.room_id)
                .or_default()
                .push(new.body.clone());
        }
    }

    // Exactly what was sent is stored: no row from a statement's unused rows, nothing twice.
    for room in &rooms {
        let stored = store
            .messages_by_seq(*room, 0, i64::MAX)
            .await
            .expect("room's messages");
        let bodies: Vec<String> = stored.into_iter().map(|s| s.message.body).collect();
        assert_eq!(
            &bodies, &expected[room],
            "room {room} holds its messages in order"
        );
        assert_eq!(
            store.last_seq(*room).await.expect("last seq"),
            expected[room].len() as i64
        );
    }

    // A repeat inside a partly filled statement comes back as the original and is not stored.
    let again = message(rooms[0], &bo, 0);
    let fresh = message(rooms[0], &bo, sent + 1);
    let results = store
        .insert_messages(&[fresh.clone(), again])
        .await
        .expect("batch with a repeat");
    assert!(!results[0].duplicate);
    assert_eq!(results[0].stored.message.body, fresh.body);
    assert!(results[1].duplicate, "the repeated nonce is recognised");
    assert_eq!(results[1].stored.message.body, "line 0 from bo");
    assert_eq!(
        store.last_seq(rooms[0]).await.expect("last seq"),
        expected[&rooms[0]].len() as i64 + 1,
        "only the fresh message was added"
    );
}

/// The SQLite writer numbers messages from what it stored last. Another writer on the same
/// file (a second server started by mistake, a script) makes those numbers stale: the next
/// batch must still store every message, numbered after the other writer's, and batches after
/// it must go on from there.
#[tokio::test]
async fn a_batch_after_another_writer_on_the_same_database_is_numbered_after_its_messages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database_url(dir.path()).await;
    let first = SqlStore::connect(&url, 4).await.expect("first store");
    let second = SqlStore::connect(&url, 4).await.expect("second store");
    let ann = user(&first, "ann").await;
    let room = first.create_room("shared", ann.id).await.expect("room").id;

    let batch = |from: usize, n: usize| -> Vec<NewMessage> {
        (from..from + n).map(|i| message(room, &ann, i)).collect()
    };
    let mut all = Vec::new();
    for (store, messages) in [
        (&first, batch(0, 5)),
        (&second, batch(5, 3)),
        // Stale numbers here: ids and seqs 6..=9 are taken.
        (&first, batch(8, 4)),
        (&first, batch(12, 2)),
    ] {
        let results = store.insert_messages(&messages).await.expect("stored");
        assert_eq!(results.len(), messages.len());
        for (new, inserted) in messages.iter().zip(results) {
            assert!(!inserted.duplicate, "{} is new", new.body);
            assert_eq!(inserted.stored.message.body, new.body);
            all.push(inserted.stored);
        }
    }

    let seqs: Vec<i64> = all.iter().map(|s| s.seq).collect();
    assert_eq!(
        seqs,
        (1..=14).collect::<Vec<i64>>(),
        "numbered without gaps"
    );
    assert!(
        all.windows(2).all(|w| w[0].message.id < w[1].message.id),
        "ids grow with seqs"
    );
    let stored = first
        .messages_by_seq(room, 0, i64::MAX)
        .await
        .expect("room's messages");
    assert_eq!(
        stored
            .iter()
            .map(|s| (s.seq, s.message.id, s.message.body.clone()))
            .collect::<Vec<_>>(),
        all.iter()
            .map(|s| (s.seq, s.message.id, s.message.body.clone()))
            .collect::<Vec<_>>(),
        "the database holds exactly what each store reported"
    );
}

/// A batch bigger than one SQLite statement is stored whole or not at all. When its last
/// message is refused (a room that does not exist), nothing of the statements before it may
/// stay: the send queue then stores the batch again one message at a time, and anything kept
/// from the first try would be stored twice (these messages have no nonce to catch a repeat).
#[tokio::test]
async fn a_batch_refused_in_a_later_statement_stores_nothing() {
    let (_dir, store) = fresh_store().await;
    let ann = user(&store, "ann").await;
    let room = store.create_room("whole", ann.id).await.expect("room").id;
    let without_nonce = |room_id: i64, n: usize| NewMessage {
        nonce: None,
        ..message(room_id, &ann, n)
    };

    let mut batch: Vec<NewMessage> = (0..MAX_BATCH).map(|n| without_nonce(room, n)).collect();
    batch.push(without_nonce(room + 1_000, MAX_BATCH));
    let error = store
        .insert_messages(&batch)
        .await
        .expect_err("a message to a room that does not exist is refused");
    assert!(matches!(error, StoreError::Refused(_)), "{error:?}");
    assert_eq!(
        store.last_seq(room).await.expect("last seq"),
        0,
        "nothing of the batch was kept"
    );

    // What the send queue does next: the good messages one at a time, each stored once.
    for new in &batch[..3] {
        store
            .insert_messages(std::slice::from_ref(new))
            .await
            .expect("stored alone");
    }
    let stored = store
        .messages_by_seq(room, 0, i64::MAX)
        .await
        .expect("room's messages");
    assert_eq!(
        stored.iter().map(|s| s.seq).collect::<Vec<_>>(),
        [1, 2, 3],
        "each message once, numbered from 1"
    );
}

/// Accounts made before nickname skeletons were stored get theirs when the server starts;
/// two older accounts that look alike both keep their names (the second without a skeleton),
/// and a new look-alike of either is refused.
#[tokio::test]
async fn older_accounts_get_their_nickname_skeletons_at_start() {
    use sqlx::Executor;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database_url(dir.path()).await;
    {
        let store = SqlStore::connect(&url, 2).await.expect("store");
        user(&store, "alice").await;
        user(&store, "bob").await;
    }
    // As they were before the migration: no skeletons, and "bob" renamed to a look-alike of
    // "alice" (Cyrillic а), which only a database without skeletons could hold.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.expect("raw connection");
    pool.execute("UPDATE users SET nickname_skeleton = NULL")
        .await
        .unwrap();
    pool.execute("UPDATE users SET nickname = '\u{0430}lice', nickname_lower = '\u{0430}lice' WHERE nickname = 'bob'")
        .await
        .unwrap();
    pool.close().await;

    let store = SqlStore::connect(&url, 2)
        .await
        .expect("starts despite the look-alikes");

    let (_, taken) = store.taken("new@example.com", "ALICE").await.unwrap();
    assert!(taken, "alice has her skeleton again");
    let created = store
        .create_user(NewUser {
            email: "carol@example.com".into(),
            nickname: "al\u{0456}ce".into(),
            password_hash: "not a real hash".into(),
        })
        .await;
    assert!(
        matches!(
            created,
            Err(chat_server::store::CreateUserError::NicknameTaken)
        ),
        "a new look-alike (Cyrillic і) is refused by the unique skeleton: {created:?}"
    );
}

/// Join and leave lines share a batch with messages (the send queue groups a join storm's
/// lines as it groups messages): each keeps its kind and its place, and only the messages
/// are found by their words.
#[tokio::test]
async fn a_batch_mixing_messages_and_join_lines_keeps_each_kind_in_order() {
    let (_dir, store) = fresh_store().await;
    let ann = user(&store, "ann").await;
    let bo = user(&store, "bo").await;
    let room = store.create_room("mixed", ann.id).await.expect("room").id;
    assert!(store.add_participant(room, ann.id).await.expect("joined"));
    let line = |who: &User, kind: MessageKind, verb: &str| NewMessage {
        entry: NewEntry::Line(kind),
        ..NewMessage::text(
            room,
            who.clone(),
            format!("{} {verb} the room", who.nickname),
            None,
        )
    };
    let batch = vec![
        message(room, &ann, 1),
        line(&bo, MessageKind::Join, "joined"),
        message(room, &bo, 2),
        line(&bo, MessageKind::Leave, "left"),
        line(&ann, MessageKind::Join, "joined"),
    ];

    let results = store.insert_messages(&batch).await.expect("batch stored");

    let kinds = |lines: &[StoredMessage]| -> Vec<(i64, MessageKind, String)> {
        lines
            .iter()
            .map(|s| (s.seq, s.message.kind, s.message.sender.clone()))
            .collect()
    };
    let expected = vec![
        (1, MessageKind::Text, "ann".to_owned()),
        (2, MessageKind::Join, "bo".to_owned()),
        (3, MessageKind::Text, "bo".to_owned()),
        (4, MessageKind::Leave, "bo".to_owned()),
        (5, MessageKind::Join, "ann".to_owned()),
    ];
    let reported: Vec<StoredMessage> = results.into_iter().map(|i| i.stored).collect();
    assert_eq!(kinds(&reported), expected, "as the store reported them");
    let read = store
        .latest_messages(room, 50, Joins::Included)
        .await
        .expect("log");
    assert_eq!(kinds(&read), expected, "as the database holds them");
    let base = store
        .latest_messages(room, 50, Joins::Excluded)
        .await
        .expect("log");
    assert_eq!(base.len(), 2, "a base reader gets the messages only");

    let search = |words: &str| SearchRequest {
        user_id: ann.id,
        room: Some(room),
        query: parse_query(words).expect("a query"),
        before: None,
        limit: 10,
    };
    assert_eq!(
        store.search(&search("line")).await.expect("search").len(),
        2
    );
    assert!(store
        .search(&search("joined"))
        .await
        .expect("search")
        .is_empty());
}

/// What entering and welcoming read in one query: the room, the user's ban and participation,
/// and their read marker, each as it changes.
#[tokio::test]
async fn a_room_for_a_user_tells_their_ban_participation_and_read_marker() {
    let (_dir, store) = fresh_store().await;
    let ann = user(&store, "ann").await;
    let bo = user(&store, "bo").await;
    let room = store
        .create_room("standing", ann.id)
        .await
        .expect("room")
        .id;
    let said = store
        .insert_messages(&[message(room, &ann, 1)])
        .await
        .expect("stored")[0]
        .stored
        .message
        .id;
    let standing = |found: Option<RoomForUser>| {
        let found = found.expect("the room");
        assert_eq!(found.record.room.id, room);
        (found.banned, found.participant, found.read_up_to)
    };

    let found = store.room_for_user(room, bo.id).await.expect("read");
    assert_eq!(standing(found), (false, false, None), "a stranger");
    assert!(store.add_participant(room, bo.id).await.expect("joined"));
    let found = store.room_for_user(room, bo.id).await.expect("read");
    assert_eq!(
        standing(found.clone()),
        (false, true, Some(said)),
        "a participant, read up to what was said before they came"
    );
    assert_eq!(
        found.expect("room").record.room.participant_count,
        1,
        "counted (the store's room has no creator participant)"
    );
    assert!(store.ban(room, bo.id, ann.id).await.expect("banned"));
    let found = store.room_for_user(room, bo.id).await.expect("read");
    assert_eq!(
        standing(found),
        (true, false, Some(said)),
        "banned, no longer a participant (the marker stays)"
    );
    assert!(store
        .room_for_user(room + 1000, bo.id)
        .await
        .expect("read")
        .is_none());
}

/// A join storm's group of participants is written at once: each pair says whether it joined,
/// a pair asked for twice joins once, and each new participant's marker is at the room's latest
/// line (one marker per room, as each room has its own).
#[tokio::test]
async fn a_group_of_joins_tells_each_pair_whether_it_joined() {
    let (_dir, store) = fresh_store().await;
    let ann = user(&store, "ann").await;
    let bo = user(&store, "bo").await;
    let cy = user(&store, "cy").await;
    let quiet = store.create_room("quiet", ann.id).await.expect("room").id;
    let busy = store.create_room("busy", ann.id).await.expect("room").id;
    let said = store
        .insert_messages(&[message(busy, &ann, 1)])
        .await
        .expect("stored")[0]
        .stored
        .message
        .id;
    assert!(store.add_participant(busy, bo.id).await.expect("joined"));

    let joined = store
        .add_participants(&[(quiet, bo.id), (busy, bo.id), (busy, cy.id), (quiet, bo.id)])
        .await
        .expect("written");

    assert_eq!(joined, [true, false, true, false]);
    assert_eq!(
        store.participants(quiet).await.expect("list"),
        ["bo"],
        "once"
    );
    assert_eq!(store.participants(busy).await.expect("list"), ["bo", "cy"]);
    assert_eq!(
        store.read_marker(busy, cy.id).await.expect("marker"),
        Some(said)
    );
    assert_eq!(
        store.read_marker(quiet, bo.id).await.expect("marker"),
        Some(0)
    );
    let counted = |room| {
        let store = &store;
        async move {
            store
                .room(room)
                .await
                .expect("read")
                .expect("room")
                .room
                .participant_count
        }
    };
    assert_eq!(counted(quiet).await, 1);
    assert_eq!(counted(busy).await, 2);
    assert!(store
        .add_participants(&[])
        .await
        .expect("nothing")
        .is_empty());
}

/// Reads by position from any id take exactly the room's lines on that side of it, as a
/// filter by id would: from a line of the room, a line of another room, 0, past the newest and
/// `i64::MAX`. (On SQLite they page the room by seq, and an id that is no line of the room is
/// found by bisecting its seqs: `server/src/store/sqlite/positions.rs`.)
#[tokio::test]
async fn reads_from_any_id_take_exactly_the_rooms_lines_on_its_side() {
    let (_dir, store) = fresh_store().await;
    let ann = user(&store, "ann").await;
    let ours = store.create_room("ours", ann.id).await.expect("room").id;
    let theirs = store.create_room("theirs", ann.id).await.expect("room").id;
    // Runs of either room's lines, of uneven lengths, in batches of uneven sizes. The ids
    // the inserts gave this room's lines are what every read is checked against.
    let mut n = 0;
    let mut all = Vec::new();
    for size in [1, 5, 2, 9, 3] {
        let batch: Vec<NewMessage> = (n..n + size)
            .map(|i| {
                let room = if i % 7 < 3 { ours } else { theirs };
                message(room, &ann, i)
            })
            .collect();
        n += size;
        let stored = store.insert_messages(&batch).await.expect("stored");
        all.extend(
            stored
                .iter()
                .map(|inserted| &inserted.stored.message)
                .filter(|line| line.room_id == ours)
                .map(|line| line.id),
        );
    }
    let ids = |lines: Vec<StoredMessage>| lines.iter().map(|m| m.message.id).collect::<Vec<_>>();
    let newest = *all.last().expect("lines in the room");
    assert!(
        all.len() > 5 && all.len() < n,
        "both rooms have lines: {all:?}"
    );

    for from in (0..=newest + 2).chain([i64::MAX]) {
        let below: Vec<i64> = all.iter().copied().filter(|id| *id < from).collect();
        let above: Vec<i64> = all.iter().copied().filter(|id| *id > from).collect();
        let before = store
            .messages_before(ours, from, 3, Joins::Included)
            .await
            .expect("read");
        assert_eq!(
            ids(before),
            below[below.len().saturating_sub(3)..],
            "before {from}"
        );
        let after = store
            .lines_after(ours, from, 3, Joins::Included)
            .await
            .expect("read");
        assert_eq!(
            ids(after),
            above[..above.len().min(3)],
            "lines after {from}"
        );
        let entries = store
            .messages_after(ours, from, 1000, Joins::Included)
            .await
            .expect("read");
        assert_eq!(ids(entries), above, "entries after {from}");
    }
}
