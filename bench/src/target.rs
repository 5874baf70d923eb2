//! What a run measures: the real server (accounts signed in over HTTP, rooms created through
//! the API) or the in-process ceiling (no accounts; a cookie that only names the sender).
//! Either way the clients see a WebSocket URL per room and a cookie per user.

use chat_shared::session::SESSION_COOKIE;
use url::Url;

use crate::ceiling::{Ceiling, CeilingProcess};
use crate::cpu::CpuProbe;
use crate::layout::Layout;
use crate::sys::{self, Memory};
use crate::users::{Users, UsersOptions};

pub enum Access {
    /// The ceiling: anyone may connect; the cookie carries the nickname. Held to keep it
    /// running: dropping it stops the ceiling.
    Open { _ceiling: Ceiling },
    /// The ceiling in a child process, so its memory is its own (for `idle`).
    OpenProcess { _ceiling: CeilingProcess },
    /// The real server: each user's session.
    Accounts(Box<Users>),
}

pub struct Target {
    /// `ceiling`, or the label given for the server (`embedded`, `redis`, …).
    pub label: String,
    /// `ws://host:port`, one per instance: a scale-out server given twice (`--second-server`)
    /// has two, and members alternate between them.
    ws_bases: Vec<String>,
    /// The room ids of this run, by room index.
    room_ids: Vec<i64>,
    access: Access,
    /// The server's process, for its memory and CPU; `None` for the in-process ceiling.
    pub pid: Option<u32>,
    /// The second instance's process (`--second-server-pid`), whose memory counts too.
    second_pid: Option<u32>,
}

/// A second instance of the same server (same database and Redis), for scale-out runs.
pub struct SecondInstance<'a> {
    pub url: &'a Url,
    pub pid: Option<u32>,
}

fn ws_base(url: &Url) -> anyhow::Result<String> {
    let mut ws = url.clone();
    ws.set_scheme(if url.scheme() == "https" { "wss" } else { "ws" })
        .map_err(|()| anyhow::anyhow!("{url} is not an http(s) URL"))?;
    Ok(ws.as_str().trim_end_matches('/').to_owned())
}

impl Target {
    /// Starts the ceiling server in this process.
    pub fn ceiling(
        layout: &Layout,
        threads: usize,
        queue: usize,
        nodelay: bool,
    ) -> anyhow::Result<Self> {
        let ceiling = Ceiling::start(threads, queue, nodelay)?;
        Ok(Self {
            label: "ceiling".into(),
            ws_bases: vec![format!("ws://{}", ceiling.addr())],
            room_ids: (1..=layout.rooms as i64).collect(),
            access: Access::Open { _ceiling: ceiling },
            pid: None,
            second_pid: None,
        })
    }

    /// Starts the ceiling in a child process of this binary, so that its memory can be read
    /// apart from the clients'.
    pub fn ceiling_process(
        layout: &Layout,
        threads: usize,
        queue: usize,
        nodelay: bool,
    ) -> anyhow::Result<Self> {
        let ceiling = CeilingProcess::spawn(threads, queue, nodelay)?;
        Ok(Self {
            label: "ceiling".into(),
            ws_bases: vec![format!("ws://{}", ceiling.addr())],
            room_ids: (1..=layout.rooms as i64).collect(),
            pid: Some(ceiling.pid()),
            second_pid: None,
            access: Access::OpenProcess { _ceiling: ceiling },
        })
    }

    /// Signs in the layout's users (from the cache when possible) and creates its rooms, all
    /// through the first instance: a second one shares its database, so the sessions and rooms
    /// are valid on both.
    pub async fn server(
        url: &Url,
        label: &str,
        pid: Option<u32>,
        second: Option<SecondInstance<'_>>,
        layout: &Layout,
        options: &UsersOptions,
    ) -> anyhow::Result<Self> {
        let mut users = Users::open(url.clone(), options)?;
        users.ensure(layout.users).await?;
        let run = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut room_ids = Vec::with_capacity(layout.rooms);
        for room in 0..layout.rooms {
            room_ids.push(
                users
                    .create_room(&format!("bench {} {run} #{room}", layout.name()))
                    .await?,
            );
        }
        let mut ws_bases = vec![ws_base(url)?];
        if let Some(second) = &second {
            ws_bases.push(ws_base(second.url)?);
        }
        Ok(Self {
            label: label.to_owned(),
            ws_bases,
            room_ids,
            access: Access::Accounts(Box::new(users)),
            pid,
            second_pid: second.and_then(|s| s.pid),
        })
    }

    /// Adds a room after the layout's, for a second crowd on this target (`idle --big-room`),
    /// and returns its index: created through the API on the server, the next id on the
    /// ceiling (whose rooms exist once someone opens them).
    pub async fn add_room(&mut self, title: &str) -> anyhow::Result<usize> {
        let id = match &mut self.access {
            Access::Accounts(users) => users.create_room(title).await?,
            Access::Open { .. } | Access::OpenProcess { .. } => {
                self.room_ids.last().map_or(1, |id| id + 1)
            }
        };
        self.room_ids.push(id);
        Ok(self.room_ids.len() - 1)
    }

    /// Where `member` opens its socket to room `room`: members alternate between instances.
    pub fn ws_url(&self, room: usize, member: usize) -> String {
        let base = &self.ws_bases[member % self.ws_bases.len()];
        format!("{base}/ws/chat/{}/", self.room_ids[room])
    }

    pub fn cookie(&self, user: usize) -> String {
        match &self.access {
            Access::Open { .. } | Access::OpenProcess { .. } => {
                format!("{SESSION_COOKIE}={}", crate::users::nickname(user))
            }
            Access::Accounts(users) => users.cookie(user),
        }
    }

    /// Signs these users in again (their sessions were refused).
    pub async fn refresh(&mut self, users: &[usize]) -> anyhow::Result<()> {
        match &mut self.access {
            Access::Accounts(accounts) => accounts.refresh(users).await,
            Access::Open { .. } | Access::OpenProcess { .. } => Ok(()),
        }
    }

    /// The server's memory now, when it has a process of its own (the server given with
    /// `--server-pid`, or the ceiling in a child process). The in-process ceiling shares this
    /// process with the clients, so it has no figure of its own.
    /// With a second instance, both processes' memory summed.
    pub fn memory(&self) -> Option<Memory> {
        let first = self.pid.and_then(sys::memory)?;
        Some(match self.second_pid.and_then(sys::memory) {
            Some(second) => Memory {
                rss_kib: first.rss_kib + second.rss_kib,
                peak_kib: first.peak_kib + second.peak_kib,
            },
            None => first,
        })
    }

    pub fn cpu_probe(&self) -> CpuProbe {
        match self.access {
            Access::Open { .. } => CpuProbe::CeilingThreads,
            _ => CpuProbe::Process(self.pid),
        }
    }
}
