//! Connections that send nothing, or trickle (issue 18): the real binary with a soft and
//! hard open-file limit of 256, 300 such connections from one address and then from many,
//! and a normal client on another address that must keep getting answers (within a second on a quiet machine; the test allows five).
//! Before the fix the server ran out of open files, stopped accepting and every normal
//! request timed out; the silent connections stayed open for minutes.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use chat_test_support::ServerProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio::task::JoinHandle;

const FLOOD: usize = 300;
/// The deadlines the server is started with, short to keep the test short.
const HEADER_READ_SECONDS: u64 = 2;
const IDLE_SECONDS: u64 = 2;
/// A normal request must be answered within this, however many connections are held. The
/// issue's target is a second, and that is what the probes take on a quiet machine (each
/// probe's time is printed); the test allows more so that a busy CI machine does not fail
/// it. Before the fix the probes were not answered at all.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// How an attacking connection behaves.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Connects and sends nothing.
    Silent,
    /// Sends a request's headers a byte at a time, never finishing them.
    Trickling,
    /// Sends a whole request's headers announcing a body, then nothing.
    BodyNeverSent,
}

/// What happened to one attacking connection.
#[derive(Debug)]
struct Fate {
    kind: Kind,
    /// When the server closed it, from the flood's start; None if it was still open at the end.
    closed_after: Option<Duration>,
    /// The server's answer, if it wrote one (a 503 when over a cap).
    answer: String,
}

/// Starts `chat-server` under `prlimit --nofile=256:256`, so raising the soft limit to the
/// hard one gains nothing and the connection caps must fit in 256 files.
async fn server_with_256_files(dir: &Path) -> ServerProcess {
    let script = dir.join("chat-server-256");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec prlimit --nofile=256:256 {} \"$@\"\n",
            env!("CARGO_BIN_EXE_chat-server")
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let database = format!("sqlite://{}", dir.join("chat.db").display());
    let header = HEADER_READ_SECONDS.to_string();
    let idle = IDLE_SECONDS.to_string();
    ServerProcess::start(
        &script,
        &[
            ("DATABASE_URL", database.as_str()),
            ("HEADER_READ_TIMEOUT_SECONDS", header.as_str()),
            ("IDLE_TIMEOUT_SECONDS", idle.as_str()),
        ],
    )
    .await
}

fn server_addr(server: &ServerProcess) -> SocketAddr {
    server
        .url()
        .trim_start_matches("http://")
        .parse()
        .expect("the server's address")
}

/// Opens one attacking connection from `from` and watches it until the server closes it or
/// `give_up` passes.
fn attack(from: Ipv4Addr, to: SocketAddr, kind: Kind, give_up: Instant) -> JoinHandle<Fate> {
    tokio::spawn(async move {
        let started = Instant::now();
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(IpAddr::V4(from), 0)).unwrap();
        let mut stream = socket.connect(to).await.expect("the server accepts");
        let mut answer = Vec::new();
        let head: &[u8] = match kind {
            Kind::Silent => b"",
            Kind::Trickling => b"GET /chat/list/ HTTP/1.1\r\nhost: x\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            Kind::BodyNeverSent => b"POST /login/ HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 1000\r\n\r\n",
        };
        if let Kind::BodyNeverSent = kind {
            let _ = stream.write_all(head).await;
        }
        let mut trickled = 0;
        let mut tick = tokio::time::interval(Duration::from_millis(300));
        let mut buf = [0u8; 512];
        let closed = loop {
            tokio::select! {
                read = stream.read(&mut buf) => match read {
                    Ok(0) | Err(_) => break true,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                },
                _ = tick.tick() => {
                    if let Kind::Trickling = kind {
                        if trickled < head.len() {
                            if stream.write_all(&head[trickled..=trickled]).await.is_err() {
                                break true;
                            }
                            trickled += 1;
                        }
                    }
                }
                _ = tokio::time::sleep_until(give_up.into()) => break false,
            }
        };
        Fate {
            kind,
            closed_after: closed.then(|| started.elapsed()),
            answer: String::from_utf8_lossy(&answer).into_owned(),
        }
    })
}

/// Asks for the room list from 127.0.0.1 on a new connection every 200 ms until `until`;
/// returns each answer's status and how long it took. A request not answered within
/// [`ANSWER_WITHIN`] fails the test at once.
async fn probe_until(server: &ServerProcess, until: Instant) -> Vec<(u16, Duration)> {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .pool_max_idle_per_host(0)
        .timeout(ANSWER_WITHIN)
        .build()
        .unwrap();
    let url = format!("{}/chat/list/", server.url());
    let mut answers = Vec::new();
    while Instant::now() < until {
        let asked = Instant::now();
        let response = client.get(&url).send().await.unwrap_or_else(|e| {
            panic!(
                "a normal request was not answered within {ANSWER_WITHIN:?} (after {:?}): {e}",
                asked.elapsed()
            )
        });
        answers.push((response.status().as_u16(), asked.elapsed()));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    answers
}

/// Floods from `addresses` in turn, probes throughout, and checks that every attacking
/// connection was closed within the deadlines; returns the probes' statuses.
async fn flood(server: &ServerProcess, addresses: &[Ipv4Addr]) -> Vec<u16> {
    let to = server_addr(server);
    let started = Instant::now();
    // Header deadline, plus the time to open them all and a margin for a loaded machine.
    let closed_by = Duration::from_secs(HEADER_READ_SECONDS.max(IDLE_SECONDS) + 3);
    let give_up = started + closed_by + Duration::from_secs(2);
    let kinds = [Kind::Silent, Kind::Trickling, Kind::BodyNeverSent];
    let attackers: Vec<_> = (0..FLOOD)
        .map(|i| {
            attack(
                addresses[i % addresses.len()],
                to,
                kinds[i % kinds.len()],
                give_up,
            )
        })
        .collect();
    let answers = probe_until(server, started + closed_by).await;
    let mut fates = Vec::new();
    for attacker in attackers {
        fates.push(attacker.await.unwrap());
    }
    let refused = fates
        .iter()
        .filter(|f| f.answer.starts_with("HTTP/1.1 503"))
        .count();
    let still_open: Vec<_> = fates
        .iter()
        .filter(|f| f.closed_after.is_none_or(|after| after > closed_by))
        .collect();
    println!(
        "{} address(es): {refused} of {FLOOD} refused with 503 at once; probes {:?}",
        addresses.len(),
        answers
    );
    assert!(
        still_open.is_empty(),
        "{} of {FLOOD} connections were still open after {closed_by:?} ({:?}), e.g. {:?}",
        still_open.len(),
        still_open.iter().map(|f| f.kind).collect::<Vec<_>>(),
        still_open.first()
    );
    // Once the silent ones are gone, normal requests are served again.
    let after = probe_until(server, Instant::now() + Duration::from_millis(300)).await;
    assert!(after.iter().all(|(status, _)| *status == 200), "{after:?}");
    answers.into_iter().map(|(status, _)| status).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_trickling_connections_cannot_starve_normal_requests() {
    // The test itself holds 300 sockets and more.
    let _ = rlimit::increase_nofile_limit(4096);
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_256_files(dir.path()).await;

    // From one address: its cap (a quarter of the connections) leaves room for everyone
    // else, so normal requests are served throughout.
    let one = flood(&server, &[Ipv4Addr::new(127, 0, 0, 2)]).await;
    assert!(one.iter().all(|s| *s == 200), "{one:?}");

    // From 60 addresses: the server may be full for a moment, and then says so at once with
    // 503 rather than leaving the request hanging; it is never out of open files.
    let many: Vec<_> = (10..70).map(|i| Ipv4Addr::new(127, 0, 0, i)).collect();
    let statuses = flood(&server, &many).await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
}
