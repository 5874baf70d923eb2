//! One virtual user's socket, the same code against the real server and the ceiling: connect
//! with the session cookie and wait for the welcome, then read every frame (recording the
//! latency of ours) and, for senders, send `send` frames on schedule.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chat_shared::ClientFrame;
use futures_util::{SinkExt, StreamExt};
use std::net::{IpAddr, SocketAddr};

use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::header::COOKIE;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::recorder::Recorder;
use crate::stamp;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a handshake plus welcome may take before the connection counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Small buffers: thousands of clients share the machine with the server, and a frame is a
/// few hundred bytes.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(1024 * 1024)
}

#[derive(Debug)]
pub enum ConnectError {
    /// 401 before the upgrade: the session cookie is no longer valid.
    Unauthorized,
    Other(String),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Unauthorized => f.write_str("401: the session is not valid"),
            ConnectError::Other(message) => f.write_str(message),
        }
    }
}

/// Opens a TCP connection to the request's host from `source` (port chosen by the kernel).
/// One source address has ~28,000 ephemeral ports towards one server address; loopback
/// answers from all of 127.0.0.0/8, so many sockets spread over 127.0.0.x.
async fn tcp_from(source: IpAddr, request: &Request) -> Result<TcpStream, String> {
    let uri = request.uri();
    let host = uri.host().ok_or("the URL has no host")?;
    let port = uri.port_u16().unwrap_or(80);
    let server = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| format!("resolving {host}: {e}"))?
        .find(|a| a.is_ipv4() == source.is_ipv4())
        .ok_or_else(|| format!("{host} has no address of the family of {source}"))?;
    let socket = if source.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| e.to_string())?;
    socket
        .bind(SocketAddr::new(source, 0))
        .map_err(|e| format!("binding {source}: {e}"))?;
    let stream = socket.connect(server).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    Ok(stream)
}

/// Opens `/ws/chat/{id}/` with the session cookie (from `source`, when given) and reads the
/// welcome frame.
pub async fn connect(url: &str, cookie: &str, source: Option<IpAddr>) -> Result<Ws, ConnectError> {
    let other = |e: &dyn std::fmt::Display| ConnectError::Other(e.to_string());
    let mut request = url.into_client_request().map_err(|e| other(&e))?;
    request.headers_mut().insert(
        COOKIE,
        HeaderValue::from_str(cookie).map_err(|e| other(&e))?,
    );
    let handshake = async {
        let opened = match source {
            None => {
                tokio_tungstenite::connect_async_with_config(request, Some(ws_config()), true).await
            }
            Some(source) => {
                let stream = tcp_from(source, &request)
                    .await
                    .map_err(ConnectError::Other)?;
                tokio_tungstenite::client_async_with_config(
                    request,
                    MaybeTlsStream::Plain(stream),
                    Some(ws_config()),
                )
                .await
            }
        };
        let (mut ws, _) = opened.map_err(|e| match e {
            WsError::Http(response) if response.status() == StatusCode::UNAUTHORIZED => {
                ConnectError::Unauthorized
            }
            e => other(&e),
        })?;
        match ws.next().await {
            Some(Ok(Message::Text(text))) if text.starts_with("{\"type\":\"welcome\"") => Ok(ws),
            Some(Ok(message)) => Err(ConnectError::Other(format!(
                "expected a welcome frame first, got {:.80}",
                message.to_string()
            ))),
            Some(Err(e)) => Err(other(&e)),
            None => Err(ConnectError::Other("closed before the welcome".into())),
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, handshake)
        .await
        .unwrap_or_else(|_| Err(ConnectError::Other("timed out".into())))
}

/// What every connection is asked to do now, published to all of them at once.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Tags the messages sent under this plan, so each delivery is counted in its step.
    pub step: u32,
    /// Messages per second for each sender; 0 while nobody sends.
    pub rate: f64,
    pub start: Instant,
    /// No message is scheduled at or after this.
    pub end: Instant,
    /// Connected members per room: what each message sent to that room owes.
    pub room_sizes: Arc<Vec<u64>>,
    /// How many senders share the schedule, to spread their sends over one period.
    pub senders: usize,
    pub body_bytes: usize,
}

impl Plan {
    /// Nobody sends.
    pub fn idle(body_bytes: usize) -> Self {
        let now = Instant::now();
        Self {
            step: 0,
            rate: 0.0,
            start: now,
            end: now,
            room_sizes: Arc::default(),
            senders: 1,
            body_bytes,
        }
    }

    fn period(&self) -> Option<Duration> {
        (self.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / self.rate))
    }

    /// When the sender in `slot` sends first: senders are phased evenly over one period so
    /// they do not all fire on the same tick.
    pub fn first_send(&self, slot: usize) -> Option<Instant> {
        let phase = self
            .period()?
            .mul_f64(slot as f64 / self.senders.max(1) as f64);
        Some(self.start + phase).filter(|at| *at < self.end)
    }

    pub fn next_send(&self, after: Instant) -> Option<Instant> {
        Some(after + self.period()?).filter(|at| *at < self.end)
    }

    /// The `send`s the plan asks of the sender in `slot`, from its first until the end.
    pub fn sends_of(&self, slot: usize) -> u64 {
        std::iter::successors(self.first_send(slot), |at| self.next_send(*at)).count() as u64
    }
}

/// Who a connection is.
#[derive(Debug, Clone, Copy)]
pub struct Role {
    pub member: usize,
    pub room: usize,
    /// Its index among the senders, if it sends.
    pub sender_slot: Option<usize>,
}

/// Error frames printed so far: the first few are worth seeing, thousands are not.
static ERRORS_SHOWN: AtomicU64 = AtomicU64::new(0);

/// Serves one connection until it closes or the plans channel is dropped (the run is over).
pub async fn run(ws: Ws, role: Role, recorder: Arc<Recorder>, mut plans: watch::Receiver<Plan>) {
    let (mut sink, mut stream) = ws.split();
    let mut plan = plans.borrow_and_update().clone();
    let mut next = role.sender_slot.and_then(|slot| plan.first_send(slot));
    let mut seq = 0u64;
    let far = Duration::from_secs(24 * 3600);
    let reason = loop {
        let wake = next.unwrap_or_else(|| Instant::now() + far);
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => on_text(&text, &recorder, plan.step),
                Some(Ok(Message::Close(frame))) => {
                    break frame.map_or_else(|| "closed".into(), |f| format!("closed {} {}", f.code, f.reason));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => break format!("socket error: {e}"),
                None => break "connection ended".into(),
            },
            changed = plans.changed() => {
                if changed.is_err() {
                    // The run is over: leave politely, as a browser tab closing would.
                    let _ = tokio::time::timeout(Duration::from_secs(2), sink.send(Message::Close(None))).await;
                    return;
                }
                plan = plans.borrow_and_update().clone();
                next = role.sender_slot.and_then(|slot| plan.first_send(slot));
            }
            _ = tokio::time::sleep_until(wake), if next.is_some() => {
                let now = Instant::now();
                let mut sent = 0u64;
                while let Some(at) = next.filter(|at| *at <= now) {
                    let frame = ClientFrame::Send {
                        body: stamp::body(plan.step, stamp::micros(at.into_std()), role.member, seq, plan.body_bytes),
                        nonce: Some(format!("{}-{}-{seq}", plan.step, role.member)),
                        action: false,
                    };
                    let text = serde_json::to_string(&frame).expect("client frames serialize");
                    if sink.feed(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                    seq += 1;
                    sent += 1;
                    next = plan.next_send(at);
                }
                let room_size = plan.room_sizes.get(role.room).copied().unwrap_or(0);
                recorder.sent(plan.step, sent, sent * room_size);
                if let Err(e) = sink.flush().await {
                    break format!("send failed: {e}");
                }
            }
        }
    };
    recorder.closed(reason);
}

fn on_text(text: &str, recorder: &Recorder, step: u32) {
    recorder.frame();
    if let Some((step, sent_micros)) = stamp::parse(text) {
        recorder.delivery(step, stamp::now_micros().saturating_sub(sent_micros));
    } else if text.starts_with("{\"type\":\"error\"") {
        recorder.error(step);
        if ERRORS_SHOWN.fetch_add(1, Ordering::Relaxed) < 5 {
            eprintln!("  server error frame: {text:.200}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(rate: f64, senders: usize, seconds: u64) -> Plan {
        let start = Instant::now();
        Plan {
            step: 1,
            rate,
            start,
            end: start + Duration::from_secs(seconds),
            room_sizes: Arc::new(vec![10]),
            senders,
            body_bytes: 100,
        }
    }

    #[test]
    fn a_sender_sends_rate_times_duration_messages() {
        let plan = plan(10.0, 4, 2);
        let mut count = 0;
        let mut next = plan.first_send(3);
        while let Some(at) = next {
            count += 1;
            next = plan.next_send(at);
        }
        assert_eq!(count, 20);
        assert_eq!(plan.sends_of(3), 20, "what a step waits to see sent");
    }

    #[test]
    fn senders_are_phased_over_one_period_and_idle_plans_send_nothing() {
        let plan = plan(10.0, 4, 1);
        let offset = plan.first_send(2).unwrap() - plan.start;
        assert_eq!(offset, Duration::from_millis(50));
        assert_eq!(Plan::idle(100).first_send(0), None);
        assert_eq!(Plan::idle(100).sends_of(0), 0);
    }
}
