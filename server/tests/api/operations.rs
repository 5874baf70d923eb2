//! What the people running the server rely on: health and readiness probes, and the
//! operator's commands (`chat-server admin`, `chat-server backup`) run as the real binary
//! against the running server's database.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::header::SET_COOKIE;
use reqwest::StatusCode;

use chat_test_support::{spawn_app, spawn_app_with, welcome_parts, TestApp, PASSWORD};

/// Both probes answer without a session, set no cookie and say nothing but up or down.
#[tokio::test]
async fn health_and_readiness_answer_anyone_with_nothing_but_the_state() {
    let app = spawn_app().await;
    for (path, body) in [("/healthz", "ok\n"), ("/readyz", "ready\n")] {
        let response = app.visitor().get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.headers().get(SET_COOKIE).is_none(), "{path}");
        assert_eq!(response.text().await.unwrap(), body);
    }
    let posted = app.visitor().post_form("/readyz", &[]).await;
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// Runs `chat-server` with `args` against the app's database, `stdin` piped in; whether it
/// succeeded, and what it printed on stdout and stderr.
fn operate(database_url: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("REDIS_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the chat-server binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn admin(app: &TestApp, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut all = vec!["admin"];
    all.extend_from_slice(args);
    operate(&app.database_url, &all, stdin)
}

/// Logs in through the JSON API; the status.
async fn login_status(app: &TestApp, email: &str, password: &str) -> StatusCode {
    app.visitor()
        .post_json(
            "/accounts/login",
            &[("username", email), ("password", password)],
        )
        .await
        .status()
}

#[tokio::test]
async fn admin_creates_lists_and_sets_passwords_with_registrations_rules() {
    let app = spawn_app().await;

    let (ok, out, err) = admin(
        &app,
        &[
            "create-user",
            "--email",
            "ops@example.com",
            "--nickname",
            "ops",
        ],
        "Tr0ub4dor&3x\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("created ops"), "{out}");
    assert_eq!(
        login_status(&app, "ops@example.com", "Tr0ub4dor&3x").await,
        StatusCode::OK
    );

    for (email, nickname, password, expected) in [
        ("ops@example.com", "other", "Tr0ub4dor&3x", "email: "),
        ("new@example.com", "OPS", "Tr0ub4dor&3x", "nickname: "),
        ("weak@example.com", "weak", "password", "password2: "),
        ("not-an-email", "bad", "Tr0ub4dor&3x", "email: "),
    ] {
        let (ok, _, err) = admin(
            &app,
            &["create-user", "--email", email, "--nickname", nickname],
            &format!("{password}\n"),
        );
        assert!(!ok, "{email} {nickname}");
        assert!(err.contains(expected), "{err}");
        assert!(err.contains("Nothing was created"), "{err}");
    }
    let (ok, out, _) = admin(&app, &["users"], "");
    assert!(ok);
    assert!(
        out.contains("ops@example.com") && out.contains("1 accounts"),
        "{out}"
    );

    // A new password ends the sessions that knew the old one.
    let alice = app.logged_in("alice").await;
    let (ok, _, err) = admin(&app, &["set-password", "ALICE"], "short\n");
    assert!(!ok && err.contains("Nothing was changed"), "{err}");
    let (ok, out, err) = admin(
        &app,
        &["set-password", "alice@example.com"],
        "n3w-Secret-pass\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("alice"), "{out}");
    assert_eq!(
        alice.get_json("/chat/create").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, "alice@example.com", "n3w-Secret-pass").await,
        StatusCode::OK
    );

    let (ok, _, err) = admin(&app, &["disable", "nobody"], "");
    assert!(!ok);
    assert!(
        err.contains("no account has the email or nickname \"nobody\""),
        "{err}"
    );
}

#[tokio::test]
async fn a_disabled_account_is_shut_out_at_once_and_can_come_back() {
    let app = spawn_app().await;
    let owner = app.logged_in("owner").await;
    let mallory = app.logged_in("mallory").await;
    let room = owner.create_room("Room").await;
    let (mut socket, _) = mallory.join(room.id).await;

    let (ok, out, err) = admin(&app, &["disable", "mallory"], "");

    assert!(ok, "{err}");
    assert!(out.contains("disabled mallory"), "{out}");
    assert_eq!(socket.closed().await, Some(chat_shared::close::LOGGED_OUT));
    assert_eq!(
        mallory.get_json("/chat/create").await.status(),
        StatusCode::UNAUTHORIZED,
        "the session ended"
    );
    assert_eq!(
        login_status(&app, "mallory@example.com", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    let (_, out, _) = admin(&app, &["users"], "");
    assert!(
        out.lines()
            .any(|l| l.contains("mallory") && l.contains("disabled")),
        "{out}"
    );

    let (ok, _, err) = admin(&app, &["enable", "mallory@example.com"], "");
    assert!(ok, "{err}");
    assert_eq!(
        login_status(&app, "mallory@example.com", PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_server_admin_removes_any_room() {
    let app = spawn_app().await;
    let owner = app.logged_in("owner").await;
    let moderator = app.logged_in("moderator").await;
    let room = owner.create_room("Spam").await;
    let remove = format!("/chat/{}/remove", room.id);
    assert_eq!(
        moderator.post_json(&remove, &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    let page = moderator.get(&format!("/chat/{}/", room.id)).await;
    assert!(!page.text().await.unwrap().contains("id=\"remove-room\""));

    let (ok, _, err) = admin(&app, &["grant-admin", "moderator"], "");
    assert!(ok, "{err}");
    let page = moderator
        .get(&format!("/chat/{}/", room.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"remove-room\""),
        "the page offers Remove"
    );
    assert!(
        !page.contains("id=\"rename-form\""),
        "but not Rename: that stays the creator's"
    );
    assert_eq!(
        moderator.post_json(&remove, &[]).await.status(),
        StatusCode::NO_CONTENT
    );

    let other = owner.create_room("Fine").await;
    let (ok, _, _) = admin(&app, &["revoke-admin", "moderator"], "");
    assert!(ok);
    assert_eq!(
        moderator
            .post_json(&format!("/chat/{}/remove", other.id), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn admin_says_what_is_wrong_with_a_database_it_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let url = format!("sqlite://{}", missing.display());
    let (ok, _, err) = operate(&url, &["admin", "users"], "");
    assert!(!ok);
    assert!(err.contains("could not open the database"), "{err}");
    assert!(!missing.exists(), "a mistyped path makes no new database");
    let (ok, _, err) = operate("mysql://x", &["admin", "users"], "");
    assert!(!ok);
    assert!(err.contains("unsupported DATABASE_URL"), "{err}");
}

/// A backup taken mid-conversation holds every message acknowledged before it; a second
/// server started on the copy serves them. On Postgres the command points to pg_dump.
#[tokio::test]
async fn a_backup_during_a_conversation_restores_by_starting_on_it() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Kept").await;
    let (mut socket, _) = alice.join(room.id).await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    let copy_arg = copy.to_str().unwrap();

    if !app.database_url.starts_with("sqlite:") {
        let (ok, _, err) = operate(&app.database_url, &["backup", copy_arg], "");
        assert!(!ok && err.contains("pg_dump"), "{err}");
        return;
    }
    let mut acknowledged = Vec::new();
    for i in 0..50 {
        socket.send_message(&format!("before {i}"), None).await;
        acknowledged.push(socket.next_message().await.body);
    }
    // Messages keep flowing while the backup runs.
    let writer = tokio::spawn(async move {
        for i in 0..50 {
            socket.send_message(&format!("during {i}"), None).await;
            socket.next_message().await;
        }
    });
    let database_url = app.database_url.clone();
    let copy_arg_owned = copy_arg.to_owned();
    let (ok, out, err) = tokio::task::spawn_blocking(move || {
        operate(&database_url, &["backup", &copy_arg_owned], "")
    })
    .await
    .unwrap();
    writer.await.unwrap();
    assert!(ok, "{err}");
    assert!(out.contains("backed up"), "{out}");
    let (ok, _, err) = operate(&app.database_url, &["backup", copy_arg], "");
    assert!(!ok && err.contains("already exists"), "{err}");

    let restored = spawn_app_with({
        let url = format!("sqlite://{}", copy.display());
        move |c| c.database_url = url
    })
    .await;
    let mut again = restored.visitor();
    again
        .api_login(&format!("{}@example.com", alice.nickname))
        .await;
    again.nickname = alice.nickname.clone();
    // `?after=0`: every stored message (at most 100, so all in the welcome), not only the
    // latest page, which the messages written during the backup may fill.
    let (_, welcome) = again
        .join_path(&format!("/ws/chat/{}/?after=0", room.id))
        .await;
    let (_, _, _, history, _) = welcome_parts(welcome);
    let bodies: Vec<String> = history.into_iter().map(|m| m.body).collect();
    for body in &acknowledged {
        assert!(bodies.contains(body), "{body} is in the backup");
    }
}

/// The value of the first sample of `name` whose labels include every pair of `labels`, or
/// 0 when there is none (Prometheus leaves a series out until it has a value).
fn sample(scrape: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .find(|line| {
            labels
                .iter()
                .all(|(k, v)| line.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|line| line.rsplit(' ').next())
        .map_or(0.0, |v| v.parse().expect("a number"))
}

/// After some traffic of every kind, each metric moved by what that traffic should add, and
/// `/metrics` is only on its own address.
#[tokio::test]
async fn metrics_count_what_happened_on_their_own_address_only() {
    let app = spawn_app_with(|c| {
        c.metrics_bind = Some("127.0.0.1:0".into());
        c.messages_per_second = 1;
    })
    .await;
    let metrics_url = format!(
        "http://{}/metrics",
        app.server.as_ref().unwrap().metrics_addr().expect("bound")
    );
    let scrape = || async {
        reqwest::get(&metrics_url)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert_eq!(
        app.visitor().get("/metrics").await.status(),
        StatusCode::NOT_FOUND,
        "not on the public address"
    );

    let alice = app.user("alice").await; // one login through the form
    let bob = app.user("bob").await;
    let room = alice.create_room("Counted").await;
    assert_eq!(
        login_status(&app, "nobody@example.com", "wrong password").await,
        StatusCode::UNAUTHORIZED
    );
    let no_csrf = reqwest::Client::new()
        .post(app.at("/accounts/login/"))
        .form(&[("username", "x"), ("password", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    let path = format!("/ws/chat/{}/", room.id);
    assert!(alice
        .open_ws(&path, chat_test_support::foreign_origin())
        .await
        .is_err());
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, _) = bob.join(room.id).await;
    let (_lobby, _) = bob.lobby().await;
    for i in 0..4 {
        a.send_message(&format!("m{i}"), None).await;
        b.next_message().await;
    }
    a.send_message("over the rate", None).await;
    a.next_error().await;
    a.send_message(&"x".repeat(4001), None).await;
    a.next_error().await;

    let text = scrape().await;
    assert_eq!(sample(&text, "chat_messages_stored_total", &[]), 4.0);
    assert!(
        sample(&text, "chat_deliveries_total", &[]) >= 8.0,
        "4 messages to 2 sockets"
    );
    assert_eq!(sample(&text, "chat_sockets_open", &[("kind", "room")]), 2.0);
    assert_eq!(
        sample(&text, "chat_sockets_open", &[("kind", "lobby")]),
        1.0
    );
    assert_eq!(sample(&text, "chat_rooms_live", &[]), 1.0);
    // Bob's join line is one of the send queue's writes too, then one per message.
    assert_eq!(sample(&text, "chat_write_batch_messages_count", &[]), 5.0);
    assert_eq!(
        sample(&text, "chat_write_batch_duration_seconds_count", &[]),
        5.0
    );
    for kind in ["rate", "size", "csrf", "origin"] {
        assert_eq!(
            sample(&text, "chat_refusals_total", &[("kind", kind)]),
            1.0,
            "{kind}"
        );
    }
    assert_eq!(
        sample(&text, "chat_logins_total", &[("result", "success")]),
        2.0
    );
    assert_eq!(
        sample(&text, "chat_logins_total", &[("result", "failure")]),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            "chat_http_requests_total",
            &[
                ("route", "/chat/create"),
                ("method", "POST"),
                ("status", "201")
            ]
        ),
        1.0,
        "{text}"
    );
    assert!(
        sample(
            &text,
            "chat_http_request_duration_seconds_count",
            &[("route", "/accounts/login"), ("method", "POST")]
        ) >= 2.0,
        "routes are patterns, not paths"
    );
    assert!(text.contains("# TYPE chat_http_request_duration_seconds histogram"));

    drop(a);
    drop(b);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while sample(&scrape().await, "chat_sockets_open", &[("kind", "room")]) != 0.0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "closed sockets are uncounted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sample(&scrape().await, "chat_rooms_live", &[]), 0.0);
}

/// `LOG_FORMAT=json`: every line is one JSON object; request lines carry the request's id
/// (the one the response names in `x-request-id`), socket lines the request they began as;
/// and no password, session cookie or CSRF token is written, even at debug level.
#[tokio::test]
async fn json_logs_carry_request_ids_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let database = format!("sqlite://{}", dir.path().join("chat.db").display());
    let server = chat_test_support::ServerProcess::start_logged(
        env!("CARGO_BIN_EXE_chat-server"),
        &[
            ("DATABASE_URL", &database),
            ("LOG_FORMAT", "json"),
            ("RUST_LOG", "debug"),
        ],
        &log,
    )
    .await;
    let app = server.app();
    let password = "Quartz-Walnut-Harbor-91";
    let wrong = "Quartz-Walnut-Harbor-92";
    let visitor = app.visitor();
    let registered = visitor
        .register("logs@example.com", "logger", password, password)
        .await;
    assert_eq!(registered.status(), StatusCode::FOUND);
    let logged_in = visitor.login("logs@example.com", password).await;
    assert_eq!(logged_in.status(), StatusCode::FOUND);
    let request_id = logged_in.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.visitor()
            .login("logs@example.com", wrong)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let mut visitor = visitor;
    visitor.nickname = "logger".into();
    let room = visitor.create_room("Logged").await;
    let (mut socket, _) = visitor.join(room.id).await;
    socket.send_message("hello log", Some("log-1")).await;
    socket.next_message().await;
    let secrets = [
        password.to_owned(),
        wrong.to_owned(),
        visitor.cookie("sessionid").expect("a session"),
        visitor.cookie("csrftoken").expect("a CSRF cookie"),
        visitor.csrf().await,
    ];
    drop(socket);
    let logout = visitor.post_form("/accounts/logout", &[]).await;
    assert_eq!(logout.status(), StatusCode::FOUND);
    drop(server);

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not JSON: {l}")))
        .collect();
    assert!(lines.len() > 10, "{text}");
    let logged_in_line = lines
        .iter()
        .find(|l| l["fields"]["message"] == "logged in")
        .expect("the login is logged");
    assert!(
        logged_in_line["spans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|span| span["name"] == "request" && span["id"] == request_id.as_str()),
        "{logged_in_line}"
    );
    assert!(
        lines.iter().any(|l| {
            l["spans"].as_array().is_some_and(|spans| {
                spans.iter().any(|s| s["name"] == "socket")
                    && spans
                        .iter()
                        .any(|s| s["name"] == "request" && s["id"].is_string())
            })
        }),
        "some socket line carries its request's id"
    );
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "{secret} is in the log");
    }
}

/// `--tls-cert`/`--tls-key` with a certificate made now: pages over HTTPS with HSTS and
/// `Secure` cookies, a login, and a WSS socket, all trusting only that certificate.
#[tokio::test]
async fn tls_serves_https_and_wss_with_secure_cookies() {
    use std::sync::Arc;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};

    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let app = spawn_app_with({
        let (cert, key) = (cert.clone(), key.clone());
        move |c| {
            c.tls_cert = Some(cert);
            c.tls_key = Some(key);
        }
    })
    .await;
    assert!(app.url.starts_with("https://127.0.0.1:"), "{}", app.url);
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap(),
        )
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let page = client.get(app.at("/accounts/login/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let csrf_cookie = page.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(csrf_cookie.contains("; Secure"), "{csrf_cookie}");
    let token = csrf_cookie
        .strip_prefix("csrftoken=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();
    let json_post = |path: &str, form: Vec<(&'static str, &'static str)>| {
        client
            .post(app.at(path))
            .header("accept", "application/json")
            .header("x-csrftoken", &token)
            .form(&form)
            .send()
    };
    let registered = json_post(
        "/accounts/register",
        vec![
            ("email", "tls@example.com"),
            ("nickname", "tls"),
            ("password1", PASSWORD),
            ("password2", PASSWORD),
        ],
    )
    .await
    .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let login = json_post(
        "/accounts/login",
        vec![("username", "tls@example.com"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let session = login
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sessionid="))
        .expect("a session cookie");
    assert!(
        session.contains("; Secure") && session.contains("; HttpOnly"),
        "{session}"
    );

    // WSS: the lobby's first frame, over a TLS connection that trusts only our certificate.
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(certified.cert.der().to_vec()))
        .unwrap();
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let addr = app.url.strip_prefix("https://").unwrap().to_owned();
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .expect("the TLS handshake succeeds");
    let (mut lobby, _) = tokio_tungstenite::client_async(format!("wss://{addr}/ws/lobby"), tls)
        .await
        .expect("the WSS upgrade succeeds");
    use futures_util::StreamExt;
    let first = lobby.next().await.unwrap().unwrap();
    assert!(
        first.to_text().unwrap().contains("\"type\":\"rooms\""),
        "{first:?}"
    );

    let plain = reqwest::get(format!("http://{addr}/chat/list/")).await;
    assert!(
        plain.map_or(true, |r| !r.status().is_success()),
        "no plain HTTP on the TLS port"
    );
}

/// A certificate that cannot be read, or a key that is not one, stops the start with the
/// file named; half of the pair is refused by the flags themselves.
#[tokio::test]
async fn tls_files_that_do_not_work_are_named() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("chat.db").display());
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&key, "not a key").unwrap();

    let mut config = chat_server::Config::for_tests(&database);
    config.tls_cert = Some(cert.clone());
    config.tls_key = Some(key.clone());
    let missing = chat_server::start(config.clone()).await.err().unwrap();
    assert!(
        format!("{missing:#}").contains(&format!(
            "cannot read the TLS certificate at {}",
            cert.display()
        )),
        "{missing:#}"
    );
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    let unusable = chat_server::start(config).await.err().unwrap();
    assert!(
        format!("{unusable:#}").contains("do not make a usable pair"),
        "{unusable:#}"
    );

    let half = chat_server::Config::try_parse_from(["chat-server", "--tls-cert", "c.pem"])
        .unwrap_err()
        .to_string();
    assert!(half.contains("--tls-key"), "{half}");
}

/// Issue 18, over TLS: a connection that never finishes the handshake, or finishes it and
/// never sends a request, is closed after `--header-read-timeout-seconds`, as on plain HTTP.
#[tokio::test]
async fn tls_connections_that_send_nothing_are_closed_at_the_header_deadline() {
    use std::sync::Arc;
    use tokio::io::AsyncReadExt;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};

    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let app = spawn_app_with(move |c| {
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
        c.header_read_timeout_seconds = 1;
    })
    .await;
    let addr = app.url.trim_start_matches("https://").to_owned();

    let started = std::time::Instant::now();
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(certified.cert.der().to_vec()))
        .unwrap();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(
        ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ));
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut handshaken = connector
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .expect("the handshake itself works");

    let within = std::time::Duration::from_secs(4);
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(within, silent.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "a connection with no handshake was still open after {:?}",
        started.elapsed()
    );
    let read = tokio::time::timeout(within, handshaken.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "a TLS connection with no request was still open after {:?}",
        started.elapsed()
    );
}
