//! A cap on one user's open room sockets on this instance (`--sockets-per-user`): one account
//! opening thousands would hold that many tasks, queues and buffers. A slot is taken before
//! the upgrade, so a burst of upgrades cannot all pass a check made before any of them
//! counted, and given back when its socket ends (or its upgrade never happens).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct SocketSlots {
    cap: usize,
    open: Mutex<HashMap<i64, usize>>,
}

/// One open (or opening) socket of a user; its drop frees the slot.
pub struct Slot {
    slots: Arc<SocketSlots>,
    user_id: i64,
}

impl SocketSlots {
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            cap,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for the user, or `None` at the cap.
    pub fn take(self: &Arc<Self>, user_id: i64) -> Option<Slot> {
        let mut open = self
            .open
            .lock()
            .expect("slot counts are never left half-updated");
        let count = open.entry(user_id).or_default();
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            user_id,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .expect("slot counts are never left half-updated");
        if let Some(count) = open.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_stop_at_the_cap_and_come_back_when_dropped() {
        let slots = SocketSlots::new(2);
        let a = slots.take(1).unwrap();
        let _b = slots.take(1).unwrap();
        assert!(slots.take(1).is_none());
        assert!(slots.take(2).is_some(), "per user");
        drop(a);
        assert!(slots.take(1).is_some());
    }
}
