//! The loop-back transport for a single instance: what is published is delivered at once, and
//! nobody is online anywhere else.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;

use super::{Fanout, Sink};
use crate::event::Event;

pub struct LocalFanout {
    sink: Arc<dyn Sink>,
}

impl LocalFanout {
    pub fn new(sink: Arc<dyn Sink>) -> Self {
        Self { sink }
    }
}

#[async_trait]
impl Fanout for LocalFanout {
    async fn publish(&self, events: Vec<Event>) {
        self.sink.deliver(events);
    }

    async fn arrived(&self, _room_id: i64, _nickname: &str) -> bool {
        true
    }

    async fn departed(&self, _room_id: i64, _nickname: &str) -> bool {
        true
    }

    async fn online_elsewhere(&self, _room_id: i64) -> HashSet<String> {
        HashSet::new()
    }
}
