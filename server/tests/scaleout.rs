//! Several instances on one Postgres and one Redis (issue: scale-out). These tests need the
//! real services: `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`) and
//! `TEST_REDIS_URL` (default `redis://127.0.0.1:6379`); the Redis fault test starts its own
//! `redis-server` on a spare port. Outside CI they skip with a reason when a service is
//! missing; with `CI=true` they fail instead.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chat_server::Config;
use chat_shared::{LobbyFrame, ServerFrame};
use chat_test_support::env::{
    scaleout_postgres_url, scaleout_redis_url, scaleout_services_available,
};
use chat_test_support::{headcounts, uuid_like, welcome_parts, ServerProcess, TestApp};

/// A fresh Postgres database shared by the instances of one test.
async fn fresh_postgres() -> String {
    chat_test_support::fresh_postgres_database(&scaleout_postgres_url()).await
}

async fn instance(database_url: &str, redis_url: &str, prefix: &str) -> TestApp {
    instance_with(database_url, redis_url, prefix, |_| {}).await
}

async fn instance_with(
    database_url: &str,
    redis_url: &str,
    prefix: &str,
    adjust: impl FnOnce(&mut Config) + Send + 'static,
) -> TestApp {
    let url = database_url.to_owned();
    let redis = redis_url.to_owned();
    let prefix = prefix.to_owned();
    chat_test_support::spawn_app_on(move |c: &mut Config| {
        c.database_url = url;
        c.redis_url = Some(redis);
        c.redis_prefix = prefix;
        c.presence_ttl_seconds = 2;
        c.messages_per_second = 10_000;
        c.metrics_bind = Some("127.0.0.1:0".into());
        adjust(c);
    })
    .await
}

/// Two instances on one fresh Postgres database and one Redis key prefix.
async fn two_instances(redis_url: &str) -> (TestApp, TestApp) {
    two_instances_with(redis_url, |_| {}).await
}

async fn two_instances_with(
    redis_url: &str,
    adjust: impl Fn(&mut Config) + Send + Sync + Copy + 'static,
) -> (TestApp, TestApp) {
    let database_url = fresh_postgres().await;
    let prefix = format!("scaleout-{}", uuid_like());
    // Started at the same moment: both apply migrations to the empty database at once.
    tokio::join!(
        instance_with(&database_url, redis_url, &prefix, adjust),
        instance_with(&database_url, redis_url, &prefix, adjust)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_two_instances_chat_see_presence_lobby_and_resume() {
    if !scaleout_services_available().await {
        return;
    }
    let (one, two) = two_instances(&scaleout_redis_url()).await;
    let alice = one.user("alice").await;
    let bob = two.user("bob").await;

    let (mut lobby_two, _) = bob.lobby().await;
    let room = alice.create_room("Across").await;
    match serde_json::from_str::<LobbyFrame>(&lobby_two.next_text().await).unwrap() {
        LobbyFrame::Room { room: seen } => assert_eq!(seen.id, room.id),
        other => panic!("{other:?}"),
    }

    let (mut a, welcome) = alice.join(room.id).await;
    let alice_nick = welcome_parts(welcome).1;
    let (mut b, welcome) = bob.join(room.id).await;
    let (_, bob_nick, participants, _, _) = welcome_parts(welcome);
    assert!(
        participants
            .iter()
            .any(|p| p.nickname == alice_nick && p.online),
        "alice (instance 1) is online for bob (instance 2): {participants:?}"
    );
    let bob_online = a
        .next_matching(|f| match f {
            ServerFrame::Presence { nickname, online } if nickname == bob_nick => Some(online),
            _ => None,
        })
        .await;
    assert!(bob_online);

    a.send_message("hello from one", Some("a1")).await;
    assert_eq!(b.next_message().await.body, "hello from one");
    b.send_message("hello from two", None).await;
    let reply = a.next_message().await;
    let reply = if reply.body == "hello from one" {
        a.next_message().await
    } else {
        reply
    };
    assert_eq!(
        (reply.body.as_str(), reply.sender.as_str()),
        ("hello from two", bob_nick.as_str())
    );

    // Resume on the other instance.
    let last = b.next_message().await;
    drop(b);
    a.send_message("while bob was away", None).await;
    assert_eq!(a.next_message().await.body, "while bob was away");
    let (_, welcome) = bob
        .join_path(&format!("/ws/chat/{}/?after={}", room.id, last.id))
        .await;
    let history = welcome_parts(welcome).3;
    assert_eq!(
        history.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["while bob was away"]
    );

    // Bob's only socket closed: instance 1 hears he went offline.
    a.next_matching(|f| match f {
        ServerFrame::Presence {
            nickname,
            online: false,
        } if nickname == bob_nick => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_writing_to_one_room_deliver_every_message_once_in_id_order() {
    if !scaleout_services_available().await {
        return;
    }
    let (one, two) = two_instances(&scaleout_redis_url()).await;
    let alice = one.user("alice").await;
    let bob = two.user("bob").await;
    let room = alice.create_room("Race").await;
    let (mut reader_one, _) = alice.join(room.id).await;
    let (mut reader_two, _) = bob.join(room.id).await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, _) = bob.join(room.id).await;

    const EACH: usize = 200;
    let send_a = async {
        for i in 0..EACH {
            a.send_message(&format!("a{i}"), Some(&format!("a{i}")))
                .await;
        }
        a
    };
    let send_b = async {
        for i in 0..EACH {
            b.send_message(&format!("b{i}"), Some(&format!("b{i}")))
                .await;
        }
        b
    };
    let (_a, _b) = tokio::join!(send_a, send_b);

    let mut seen = Vec::new();
    for reader in [&mut reader_one, &mut reader_two] {
        let mut ids = Vec::new();
        let mut bodies = HashSet::new();
        while ids.len() < 2 * EACH {
            let m = reader.next_message().await;
            assert!(bodies.insert(m.body.clone()), "{} delivered twice", m.body);
            ids.push(m.id);
        }
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids arrive in increasing order"
        );
        seen.push(ids);
    }
    assert_eq!(seen[0], seen[1], "both instances deliver the same sequence");
    println!(
        "two writers: {} messages each, every reader saw {} in id order",
        EACH,
        seen[0].len()
    );
}

/// Edits and deletes from both instances, interleaved with messages, reach readers on both in
/// one order, and a resume on either instance replays them in that order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletes_from_two_instances_arrive_in_one_order_everywhere() {
    if !scaleout_services_available().await {
        return;
    }
    let (one, two) = two_instances(&scaleout_redis_url()).await;
    let alice = one.user("alice").await;
    let bob = two.user("bob").await;
    let room = alice.create_room("Changes").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, _) = bob.join(room.id).await;
    a.send_message("from one", Some("one")).await;
    let from_one = a.next_message().await;
    b.send_message("from two", Some("two")).await;
    let from_two = b
        .next_matching(|f| match f {
            ServerFrame::Message(m) if m.nonce.as_deref() == Some("two") => Some(m),
            _ => None,
        })
        .await;
    let (mut reader_one, _) = alice.join(room.id).await;
    let (mut reader_two, _) = bob.join(room.id).await;

    // Each side edits and deletes its own line while the other keeps talking.
    let side_a = async {
        for i in 0..20 {
            a.send_edit(from_one.id, &format!("one, edit {i}")).await;
            a.send_message(&format!("a{i}"), None).await;
        }
        a.send_delete(from_one.id).await;
    };
    let side_b = async {
        for i in 0..20 {
            b.send_edit(from_two.id, &format!("two, edit {i}")).await;
            b.send_message(&format!("b{i}"), None).await;
        }
        b.send_delete(from_two.id).await;
    };
    tokio::join!(side_a, side_b);

    /// Stream ids and what each entry said, as a reader sees them.
    async fn stream(reader: &mut chat_test_support::Socket, entries: usize) -> Vec<(i64, String)> {
        let mut seen = Vec::new();
        while seen.len() < entries {
            match reader.next_frame().await {
                ServerFrame::Message(m) => seen.push((m.id, m.body)),
                // A change shows its line as it is when delivered: live from one instance, or
                // read back by the other's gap fill (by then perhaps edited again). So only
                // which line it changed is compared.
                ServerFrame::MessageEdited { id, message } => {
                    seen.push((id, format!("edited {}", message.id)))
                }
                ServerFrame::MessageDeleted { id, message } => {
                    seen.push((id, format!("deleted {}", message.id)))
                }
                _ => {}
            }
        }
        seen
    }
    let entries = 2 * (20 + 20 + 1);
    let on_one = stream(&mut reader_one, entries).await;
    let on_two = stream(&mut reader_two, entries).await;
    assert_eq!(on_one, on_two, "both instances deliver one order");
    assert!(
        on_one.windows(2).all(|w| w[0].0 < w[1].0),
        "in stream id order"
    );

    // A resume from before all of it, on the other instance, replays the same order.
    let (mut resumed, welcome) = alice
        .join_path(&format!("/ws/chat/{}/?after={}", room.id, from_two.id))
        .await;
    let (_, _, _, lines, _) = welcome_parts(welcome);
    assert_eq!(lines.len(), 40, "the forty messages sent meanwhile");
    let changes: Vec<_> = on_one
        .iter()
        .filter(|(id, _)| !lines.iter().any(|l| l.id == *id))
        .cloned()
        .collect();
    assert_eq!(stream(&mut resumed, changes.len()).await, changes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_expires_when_an_instance_dies() {
    if !scaleout_services_available().await {
        return;
    }
    let database_url = fresh_postgres().await;
    let prefix = format!("scaleout-{}", uuid_like());
    let redis_url = scaleout_redis_url();
    let watcher_app = instance(&database_url, &redis_url, &prefix).await;
    // The instance that dies is a real process, killed with SIGKILL.
    let mut doomed = ServerProcess::start(
        env!("CARGO_BIN_EXE_chat-server"),
        &[
            ("DATABASE_URL", &database_url),
            ("REDIS_URL", &redis_url),
            ("REDIS_PREFIX", &prefix),
            ("PRESENCE_TTL_SECONDS", "2"),
        ],
    )
    .await;
    let alice = doomed.app().user("alice").await;
    let bob = watcher_app.user("bob").await;
    let room = alice.create_room("Mortal").await;
    let (_a, welcome) = alice.join(room.id).await;
    let alice_nick = welcome_parts(welcome).1;
    let (mut b, welcome) = bob.join(room.id).await;
    assert!(welcome_parts(welcome)
        .2
        .iter()
        .any(|p| p.nickname == alice_nick && p.online));

    doomed.kill();
    let offline = tokio::time::timeout(Duration::from_secs(10), async {
        b.next_matching(|f| match f {
            ServerFrame::Presence {
                nickname,
                online: false,
            } if nickname == alice_nick => Some(()),
            _ => None,
        })
        .await
    })
    .await;
    assert!(
        offline.is_ok(),
        "alice goes offline once her instance's presence expires"
    );
}

/// Users whose first sockets open on two instances at the same moment are each announced
/// online once, and offline once when both close: each instance records its socket and checks
/// the other instances in one atomic step (a check, then a separate add, let both instances
/// see "nobody else" and both announce).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_arriving_on_two_instances_at_once_is_announced_once() {
    if !scaleout_services_available().await {
        return;
    }
    let (one, two) = two_instances(&scaleout_redis_url()).await;
    let watcher = one.user("watcher").await;
    let room = watcher.create_room("Arrivals").await;
    let (mut watch, _) = watcher.join(room.id).await;

    const TWINS: usize = 12;
    let mut twins = Vec::new();
    for i in 0..TWINS {
        let nickname = format!("twin{i}");
        let on_one = one.logged_in(&nickname).await;
        let mut on_two = two.visitor();
        on_two.api_login(&format!("{nickname}@example.com")).await;
        on_two.nickname = nickname;
        twins.push((on_one, on_two));
    }
    let sockets = futures_util::future::join_all(
        twins
            .iter()
            .map(|(a, b)| async { tokio::join!(a.join(room.id), b.join(room.id)) }),
    )
    .await;

    let announced = |online: bool, frames: &[ServerFrame]| {
        let mut count = std::collections::HashMap::<String, usize>::new();
        for frame in frames {
            if let ServerFrame::Presence {
                nickname,
                online: o,
            } = frame
            {
                if *o == online {
                    *count.entry(nickname.clone()).or_default() += 1;
                }
            }
        }
        count
    };
    let arrived = frames_until_quiet(&mut watch).await;
    let online = announced(true, &arrived);
    for (twin, _) in &twins {
        assert_eq!(
            online.get(&twin.nickname),
            Some(&1),
            "{} online once: {online:?}",
            twin.nickname
        );
    }

    drop(sockets);
    let left = frames_until_quiet(&mut watch).await;
    let offline = announced(false, &left);
    for (twin, _) in &twins {
        assert_eq!(
            offline.get(&twin.nickname),
            Some(&1),
            "{} offline once: {offline:?}",
            twin.nickname
        );
    }
}

/// Every frame that arrives until none has for a second and a half (presence frames are
/// grouped per 200 ms).
async fn frames_until_quiet(socket: &mut chat_test_support::Socket) -> Vec<ServerFrame> {
    use futures_util::StreamExt;
    let mut frames = Vec::new();
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(Duration::from_millis(1500), socket.stream.next()).await
    {
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            if let Ok(frame) = serde_json::from_str(&text) {
                frames.push(frame);
            }
        }
    }
    frames
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_loses_no_acknowledged_message() {
    if !scaleout_services_available().await {
        return;
    }
    let mut redis = RedisProcess::start();
    let (one, two) = two_instances(&redis.url()).await;
    let alice = one.user("alice").await;
    let bob = two.user("bob").await;
    let room = alice.create_room("Outage").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, _) = bob.join(room.id).await;
    a.send_message("before", None).await;
    assert_eq!(b.next_message().await.body, "before");
    assert_eq!(a.next_message().await.body, "before");

    assert_eq!(readiness(&one).await, (200, "ready\n".into()));
    redis.stop();
    assert_eq!(
        readiness_becomes(&one, 503).await,
        "redis unavailable\n",
        "/readyz names the part that is down"
    );
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        a.send_message(&format!("during {i}"), Some(&format!("d{i}")))
            .await;
        acknowledged.push(a.next_message().await);
    }
    redis.restart();
    assert_eq!(readiness_becomes(&one, 200).await, "ready\n");
    a.send_message("after", None).await;
    acknowledged.push(a.next_message().await);

    let mut received = Vec::new();
    while received.len() < acknowledged.len() {
        received.push(b.next_message().await);
    }
    let missing = acknowledged
        .iter()
        .filter(|m| !received.contains(m))
        .count();
    println!(
        "redis outage: {} acknowledged, {} received by the other instance, {missing} missing",
        acknowledged.len(),
        received.len()
    );
    assert_eq!(missing, 0);
    assert_eq!(received, acknowledged, "in order, once each");
    // Both instances run in this process and share one metrics recorder.
    let scrape = reqwest::get(format!(
        "http://{}/metrics",
        two.server.as_ref().unwrap().metrics_addr().unwrap()
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    for counter in ["chat_redis_reconnects_total", "chat_gap_fills_total"] {
        let value: f64 = scrape
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{counter} ")))
            .unwrap_or_else(|| panic!("{counter} in {scrape}"))
            .parse()
            .unwrap();
        assert!(value >= 1.0, "{counter} = {value}");
    }
}

/// `chat-server admin disable` writes only the database; each instance notices and closes
/// the account's sockets, so a user connected to both is shut out of both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_an_account_closes_its_sockets_on_every_instance() {
    if !scaleout_services_available().await {
        return;
    }
    let (one, two) = two_instances(&scaleout_redis_url()).await;
    let owner = one.user("owner").await;
    let room = owner.create_room("Everywhere").await;
    let mallory = one.logged_in("mallory").await;
    let mut elsewhere = two.visitor();
    elsewhere.api_login("mallory@example.com").await;
    elsewhere.nickname = "mallory".into();
    let (mut on_one, _) = mallory.join(room.id).await;
    let (mut on_two, _) = elsewhere.join(room.id).await;

    let disabled = Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .args(["admin", "disable", "mallory"])
        .env("DATABASE_URL", &one.database_url)
        .output()
        .unwrap();

    assert!(
        disabled.status.success(),
        "{}",
        String::from_utf8_lossy(&disabled.stderr)
    );
    let logged_out = Some(chat_shared::close::LOGGED_OUT);
    assert_eq!(on_one.closed().await, logged_out);
    assert_eq!(on_two.closed().await, logged_out);
}

/// `/readyz`'s status and body.
async fn readiness(app: &TestApp) -> (u16, String) {
    let response = app.visitor().get("/readyz").await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Polls `/readyz` until it answers `status` (Redis's loss is seen when its socket notices);
/// the body it then gave.
async fn readiness_becomes(app: &TestApp, status: u16) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (got, body) = readiness(app).await;
        if got == status {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/readyz still answers {got} {body:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A `redis-server` of the test's own, on a spare port.
struct RedisProcess {
    port: u16,
    child: Option<Child>,
}

impl RedisProcess {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut this = Self { port, child: None };
        this.restart();
        this
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let child =
            Command::new(std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into()))
                .args([
                    "--port",
                    &self.port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server is installed (the Redis fault test starts its own)");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_postgres_gives_clean_errors_and_service_comes_back() {
    if !scaleout_services_available().await {
        return;
    }
    use sqlx::Executor;
    let database_url = fresh_postgres().await;
    let name = url::Url::parse(&database_url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    let app = instance(
        &database_url,
        &scaleout_redis_url(),
        &format!("pgdown-{}", uuid_like()),
    )
    .await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Outage").await;
    let (mut socket, _) = alice.join(room.id).await;

    // Cut the database off: refuse new connections and end the open ones.
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&scaleout_postgres_url())
        .await
        .unwrap();
    admin
        .execute(format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS false"#).as_str())
        .await
        .unwrap();
    admin
        .execute(
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            )
            .as_str(),
        )
        .await
        .unwrap();

    assert_eq!(
        readiness(&app).await,
        (503, "database unavailable\n".into())
    );
    assert_eq!(
        app.visitor().get("/healthz").await.status(),
        reqwest::StatusCode::OK,
        "the process itself is alive"
    );
    let listed = alice.get_json("/chat/list/").await;
    assert_eq!(listed.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    let body: serde_json::Value = listed.json().await.unwrap();
    assert_eq!(
        body["error"],
        "Something went wrong on the server. Try again in a moment."
    );
    let page = alice.get("/chat/list/").await;
    assert_eq!(page.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    assert!(page.text().await.unwrap().contains("Try again in a moment"));
    socket
        .send_message("while the database is away", Some("pg-1"))
        .await;
    let (code, message) = socket.next_error().await;
    assert_eq!(code, chat_shared::ErrorCode::StoreFailed);
    assert!(message.contains("send it again"), "{message}");

    // Back: the same socket and the same pages work, and the resent line is stored once.
    admin
        .execute(format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS true"#).as_str())
        .await
        .unwrap();
    assert_eq!(
        alice.get_json("/chat/list/").await.status(),
        reqwest::StatusCode::OK
    );
    assert_eq!(readiness(&app).await, (200, "ready\n".into()));
    socket
        .send_message("while the database is away", Some("pg-1"))
        .await;
    let stored = socket.next_message().await;
    assert_eq!(stored.nonce.as_deref(), Some("pg-1"));
}

/// Issue 17: a user's read on one instance clears the unread count their lobby socket on the
/// other instance shows, within a second, and their room socket there learns the marker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_on_one_instance_clears_the_count_on_the_other() {
    if !scaleout_services_available().await {
        return;
    }
    let (one, two) = two_instances(&scaleout_redis_url()).await;
    let alice = one.user("alice").await;
    let room = alice.create_room("Unread across").await;
    let reader = one.logged_in("reader").await;
    let mut reader_two = two.visitor();
    reader_two.api_login("reader@example.com").await;
    reader_two.nickname = "reader".into();

    let (mut on_one, _) = reader.join(room.id).await;
    let (mut on_two, _) = reader_two.join(room.id).await;
    let (mut lobby_two, _) = reader_two.lobby().await;
    let (mut a, _) = alice.join(room.id).await;
    a.send_message("@reader across", None).await;
    let line = a.next_message().await;
    // Written on instance one, counted for the lobby on instance two.
    assert_eq!(lobby_two.next_unread(room.id).await, (1, true));

    on_one
        .next_matching(|f| matches!(f, ServerFrame::Message(m) if m.id == line.id).then_some(()))
        .await;
    let started = std::time::Instant::now();
    on_one.send_read(line.id).await;
    assert_eq!(lobby_two.next_unread(room.id).await, (0, false));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "cleared on the other instance within a second: {:?}",
        started.elapsed()
    );
    let told = on_two
        .next_matching(|f| match f {
            ServerFrame::Read { up_to } => Some(up_to),
            _ => None,
        })
        .await;
    assert_eq!(told, line.id);
}

/// Issue 19: each instance keeps a big room's participants in memory; a join and a departure
/// on one instance move the counts and the list on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_rooms_counts_and_list_follow_joins_on_the_other_instance() {
    if !scaleout_services_available().await {
        return;
    }
    let (one, two) = two_instances_with(&scaleout_redis_url(), |c| c.participant_page = 3).await;
    let alice = one.user("alice").await;
    let room = alice.create_room("Big across").await;
    for name in ["bo", "cy"] {
        let visitor = one.user(name).await;
        let entered = visitor.get_json(&format!("/chat/{}/", room.id)).await;
        assert_eq!(entered.status(), reqwest::StatusCode::OK);
    }
    let (mut on_one, _) = alice.join(room.id).await;
    frames_until_quiet(&mut on_one).await;

    let di = two.user("di").await;
    let (di_socket, _) = di.join(room.id).await;
    let frames = frames_until_quiet(&mut on_one).await;
    let counts = headcounts(&frames);
    assert_eq!(counts.last(), Some(&(4, 2)), "{frames:?}");

    on_one
        .send_json(serde_json::json!({"type": "participants", "offset": 0, "limit": 2}))
        .await;
    let online: Vec<String> = on_one
        .next_matching(|f| match f {
            ServerFrame::ParticipantPage { participants, .. } => Some(participants),
            _ => None,
        })
        .await
        .into_iter()
        .filter(|p| p.online)
        .map(|p| p.nickname)
        .collect();
    assert_eq!(online.len(), 2, "{online:?}");
    assert!(
        online.contains(&di.nickname),
        "online on the other instance: {online:?}"
    );

    drop(di_socket);
    let frames = frames_until_quiet(&mut on_one).await;
    assert!(headcounts(&frames).contains(&(4, 1)), "{frames:?}");
}

/// Issue 19: many joins to one room at once, on both instances, and then leaves on the other
/// instance, are each counted once: Postgres keeps the count in parts, added to by whichever
/// connection wrote the participant (migrations/postgres/0011), and every instance reads their
/// sum.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_and_leaves_at_once_on_two_instances_are_each_counted() {
    if !scaleout_services_available().await {
        return;
    }
    let (one, two) = two_instances(&scaleout_redis_url()).await;
    let owner = one.user("owner").await;
    let room = owner.create_room("Counted").await;
    let mut guests = Vec::new();
    for i in 0..12 {
        let app = if i % 2 == 0 { &one } else { &two };
        guests.push(app.user("guest").await);
    }

    let entering: Vec<_> = guests
        .into_iter()
        .map(|guest| {
            tokio::spawn(async move {
                let entered = guest.get_json(&format!("/chat/{}/", room.id)).await;
                (guest, entered.status())
            })
        })
        .collect();
    let mut guests = Vec::new();
    for task in entering {
        let (guest, status) = task.await.expect("entering");
        assert_eq!(status, reqwest::StatusCode::OK, "{} enters", guest.nickname);
        guests.push(guest);
    }
    assert_eq!(owner.listed_room(room.id).await.participant_count, 13);
    assert_eq!(guests[1].listed_room(room.id).await.participant_count, 13);

    // Each of the first six leaves through the instance they did not enter on.
    let leaving: Vec<_> = guests
        .iter()
        .take(6)
        .enumerate()
        .map(|(i, guest)| {
            let other = if i % 2 == 0 { &two } else { &one };
            let (visitor, email) = (other.visitor(), format!("{}@example.com", guest.nickname));
            tokio::spawn(async move {
                visitor.api_login(&email).await;
                let left = visitor
                    .post_json(&format!("/chat/{}/leave", room.id), &[])
                    .await;
                left.status()
            })
        })
        .collect();
    for task in leaving {
        assert_eq!(
            task.await.expect("leaving"),
            reqwest::StatusCode::NO_CONTENT
        );
    }
    assert_eq!(owner.listed_room(room.id).await.participant_count, 7);
    assert_eq!(guests[7].listed_room(room.id).await.participant_count, 7);
    let detail = guests[6].room_detail(room.id).await;
    assert_eq!(
        (detail.room.participant_count, detail.participants.len()),
        (7, 7),
        "{:?}",
        detail.participants
    );
}
