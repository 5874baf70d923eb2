//! In-process fan-out for a single instance: events go straight to this instance's hubs and
//! presence is a count of open connections.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{Event, Fanout};
use crate::hub::Hubs;

pub struct LocalFanout {
    hubs: Arc<Hubs>,
    /// Open connections per (room, nickname).
    presence: Mutex<HashMap<(i64, String), usize>>,
}

impl LocalFanout {
    pub fn new(hubs: Arc<Hubs>) -> Self {
        Self {
            hubs,
            presence: Mutex::default(),
        }
    }
}

#[async_trait]
impl Fanout for LocalFanout {
    async fn publish(&self, events: Vec<Event>) {
        self.hubs.dispatch_all(events);
    }

    async fn connected(&self, room_id: i64, nickname: &str) -> bool {
        let mut presence = self.presence.lock().expect("presence lock");
        let count = presence.entry((room_id, nickname.to_owned())).or_default();
        *count += 1;
        *count == 1
    }

    async fn disconnected(&self, room_id: i64, nickname: &str) -> bool {
        let mut presence = self.presence.lock().expect("presence lock");
        let key = (room_id, nickname.to_owned());
        match presence.get_mut(&key) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                presence.remove(&key);
                true
            }
            None => false,
        }
    }

    async fn online(&self, room_id: i64) -> HashSet<String> {
        self.presence
            .lock()
            .expect("presence lock")
            .keys()
            .filter(|(room, _)| *room == room_id)
            .map(|(_, nick)| nick.clone())
            .collect()
    }
}
