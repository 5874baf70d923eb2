//! The shape of a load: how many members, in how many rooms, which of them send, and how big a
//! message is. Member `i` sits in room `i % rooms` as user `i % users`; members `0..senders`
//! send, so senders spread over the rooms round-robin.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Connections in total (one WebSocket each).
    pub members: usize,
    pub rooms: usize,
    /// Members that send messages.
    pub senders: usize,
    /// Distinct accounts the members log in as (`members` unless capped).
    pub users: usize,
    /// Characters in every message body.
    pub body_bytes: usize,
}

impl Layout {
    /// Checks the numbers fit together, and fills in defaults: one user per member, and
    /// `senders` of `None` meaning one per room but at least `min(10, members)`.
    pub fn new(
        members: usize,
        rooms: usize,
        senders: Option<usize>,
        users: Option<usize>,
        body_bytes: usize,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(members >= 1, "--members must be at least 1");
        anyhow::ensure!(
            (1..=members).contains(&rooms),
            "--rooms must be between 1 and --members ({members})"
        );
        let senders = senders.unwrap_or_else(|| rooms.max(members.min(10)));
        anyhow::ensure!(
            senders <= members,
            "--senders ({senders}) cannot exceed --members ({members})"
        );
        let users = users.unwrap_or(members).clamp(1, members);
        anyhow::ensure!(
            body_bytes >= 40,
            "--body-bytes must be at least 40: the body carries the send time"
        );
        Ok(Self {
            members,
            rooms,
            senders,
            users,
            body_bytes,
        })
    }

    pub fn room_of(&self, member: usize) -> usize {
        member % self.rooms
    }

    pub fn user_of(&self, member: usize) -> usize {
        member % self.users
    }

    pub fn is_sender(&self, member: usize) -> bool {
        member < self.senders
    }

    /// Members of room `room` when everyone is connected.
    pub fn room_size(&self, room: usize) -> usize {
        self.members / self.rooms + usize::from(room < self.members % self.rooms)
    }

    /// Deliveries per second when every sender sends `rate` messages a second: each message
    /// goes to every member of its room, the sender's own connection included.
    pub fn offered_deliveries(&self, rate: f64) -> f64 {
        rate * self.deliveries_per_round() as f64
    }

    /// The per-sender rate that offers `deliveries` deliveries a second.
    pub fn rate_for(&self, deliveries: f64) -> f64 {
        deliveries / self.deliveries_per_round().max(1) as f64
    }

    /// Deliveries when every sender sends one message.
    fn deliveries_per_round(&self) -> usize {
        (0..self.senders)
            .map(|s| self.room_size(self.room_of(s)))
            .sum()
    }

    /// `1000x1`: members by rooms, as tables and plots name a layout.
    pub fn name(&self) -> String {
        format!("{}x{}", self.members, self.rooms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_spread_evenly_over_rooms() {
        let layout = Layout::new(10, 3, Some(3), None, 100).unwrap();
        let sizes: Vec<usize> = (0..3).map(|r| layout.room_size(r)).collect();
        assert_eq!(sizes, vec![4, 3, 3]);
        assert_eq!(sizes.iter().sum::<usize>(), 10);
        assert_eq!(layout.room_of(4), 1);
    }

    #[test]
    fn offered_deliveries_count_every_member_of_the_senders_room() {
        let one_room = Layout::new(1000, 1, Some(10), None, 100).unwrap();
        assert_eq!(one_room.offered_deliveries(2.0), 20_000.0);
        assert_eq!(one_room.rate_for(20_000.0), 2.0);
        let many_rooms = Layout::new(1000, 100, None, None, 100).unwrap();
        assert_eq!(many_rooms.senders, 100);
        assert_eq!(many_rooms.offered_deliveries(1.0), 1000.0);
    }

    #[test]
    fn impossible_layouts_are_refused() {
        assert!(Layout::new(10, 11, None, None, 100).is_err());
        assert!(Layout::new(10, 1, Some(11), None, 100).is_err());
        assert!(Layout::new(10, 1, None, None, 10).is_err());
    }
}
