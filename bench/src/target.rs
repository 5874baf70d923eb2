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
    /// `ws://host:port`.
    ws_base: String,
    /// The room ids of this run, by room index.
    room_ids: Vec<i64>,
    access: Access,
    /// The server's process, for its memory and CPU; `None` for the in-process ceiling.
    pub pid: Option<u32>,
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
            ws_base: format!("ws://{}", ceiling.addr()),
            room_ids: (1..=layout.rooms as i64).collect(),
            access: Access::Open { _ceiling: ceiling },
            pid: None,
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
            ws_base: format!("ws://{}", ceiling.addr()),
            room_ids: (1..=layout.rooms as i64).collect(),
            pid: Some(ceiling.pid()),
            access: Access::OpenProcess { _ceiling: ceiling },
        })
    }

    /// Signs in the layout's users (from the cache when possible) and creates its rooms.
    pub async fn server(
        url: &Url,
        label: &str,
        pid: Option<u32>,
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
        let mut ws = url.clone();
        ws.set_scheme(if url.scheme() == "https" { "wss" } else { "ws" })
            .map_err(|()| anyhow::anyhow!("{url} is not an http(s) URL"))?;
        Ok(Self {
            label: label.to_owned(),
            ws_base: ws.as_str().trim_end_matches('/').to_owned(),
            room_ids,
            access: Access::Accounts(Box::new(users)),
            pid,
        })
    }

    pub fn ws_url(&self, room: usize) -> String {
        format!("{}/ws/chat/{}/", self.ws_base, self.room_ids[room])
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
    pub fn memory(&self) -> Option<Memory> {
        self.pid.and_then(sys::memory)
    }

    pub fn cpu_probe(&self) -> CpuProbe {
        match self.access {
            Access::Open { .. } => CpuProbe::CeilingThreads,
            _ => CpuProbe::Process(self.pid),
        }
    }
}
