//! A live room's participant list in memory: who is a participant, in the order they joined,
//! and who of them is online (a socket to the room on any instance). The database stays the
//! record; a room fills its roster from it when it gets its first socket here (and again after
//! a Redis gap), and the fan-out's events keep it current, so a join storm reads the list once,
//! not once per join (`docs/protocol.md` "Big rooms").
//!
//! Filling races with events: an event that arrives while the database is read may or may not
//! be in what it returns. So events that arrive during a fill are kept and applied again on
//! top of it; each says what is now true of one nickname, so applying one twice is harmless.

use std::collections::{BTreeMap, HashMap, HashSet};

use chat_shared::Participant;

/// What an event says about one nickname.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Joined(String),
    Left(String),
    Online(String, bool),
}

#[derive(Debug, Default)]
enum Fill {
    /// Never filled, or emptied by a gap: events are not applied (a fill will read them).
    #[default]
    Empty,
    /// A fill is reading the database: events are applied and kept for its end.
    Filling(Vec<Change>),
    Filled,
}

#[derive(Debug, Default)]
pub struct Roster {
    fill: Fill,
    /// Each participant's place in join order.
    place: HashMap<String, u64>,
    next_place: u64,
    online_list: BTreeMap<u64, String>,
    offline_list: BTreeMap<u64, String>,
    /// Nicknames online, participants or not yet (events from two instances may cross).
    online: HashSet<String>,
}

/// A slice of the list, and the counts it was cut from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub participants: Vec<Participant>,
    pub total: u32,
    pub online: u32,
    /// Participants after this slice exist.
    pub more: bool,
}

impl Roster {
    pub fn is_filled(&self) -> bool {
        matches!(self.fill, Fill::Filled)
    }

    /// A fill starts: events from now on are kept for [`Roster::filled`]. False if one is
    /// already running.
    pub fn start_fill(&mut self) -> bool {
        if matches!(self.fill, Fill::Filling(_)) {
            return false;
        }
        self.fill = Fill::Filling(Vec::new());
        true
    }

    /// A fill could not read the database: the next one tries again.
    pub fn fill_failed(&mut self) {
        if matches!(self.fill, Fill::Filling(_)) {
            self.fill = Fill::Empty;
        }
    }

    /// Forgets that the roster is current (a Redis gap: events may have been lost); what it
    /// holds still answers until the next fill.
    pub fn outdated(&mut self) {
        if matches!(self.fill, Fill::Filled) {
            self.fill = Fill::Empty;
        }
    }

    /// Ends a fill: the participants in join order and who is online, as read, then the
    /// events that arrived meanwhile.
    pub fn filled(&mut self, participants: Vec<String>, online: HashSet<String>) {
        let kept = match std::mem::replace(&mut self.fill, Fill::Filled) {
            Fill::Filling(kept) => kept,
            _ => Vec::new(),
        };
        self.place.clear();
        self.online_list.clear();
        self.offline_list.clear();
        self.next_place = 0;
        self.online = online;
        for nickname in participants {
            self.add(nickname);
        }
        for change in kept {
            self.apply_now(change);
        }
    }

    /// Takes an event's change; true if the roster is filled and the change moved a count.
    pub fn apply(&mut self, change: Change) -> bool {
        match &mut self.fill {
            Fill::Empty => false,
            Fill::Filling(kept) => {
                kept.push(change.clone());
                self.apply_now(change);
                false
            }
            Fill::Filled => self.apply_now(change),
        }
    }

    fn apply_now(&mut self, change: Change) -> bool {
        match change {
            Change::Joined(nickname) => self.add(nickname),
            Change::Left(nickname) => match self.place.remove(&nickname) {
                Some(place) => {
                    self.online_list.remove(&place);
                    self.offline_list.remove(&place);
                    true
                }
                None => false,
            },
            Change::Online(nickname, online) => {
                let changed = if online {
                    self.online.insert(nickname.clone())
                } else {
                    self.online.remove(&nickname)
                };
                if let (true, Some(&place)) = (changed, self.place.get(&nickname)) {
                    let (from, to) = if online {
                        (&mut self.offline_list, &mut self.online_list)
                    } else {
                        (&mut self.online_list, &mut self.offline_list)
                    };
                    if let Some(name) = from.remove(&place) {
                        to.insert(place, name);
                    }
                    return true;
                }
                false
            }
        }
    }

    fn add(&mut self, nickname: String) -> bool {
        if self.place.contains_key(&nickname) {
            return false;
        }
        let place = self.next_place;
        self.next_place += 1;
        self.place.insert(nickname.clone(), place);
        if self.online.contains(&nickname) {
            self.online_list.insert(place, nickname);
        } else {
            self.offline_list.insert(place, nickname);
        }
        true
    }

    /// Every participant's nickname, in no particular order.
    pub fn nicknames(&self) -> Vec<String> {
        self.place.keys().cloned().collect()
    }

    pub fn total(&self) -> u32 {
        self.place.len() as u32
    }

    pub fn online_count(&self) -> u32 {
        self.online_list.len() as u32
    }

    /// Up to `limit` participants from `offset`: the online ones first, then the others, each
    /// in join order.
    pub fn page(&self, offset: u32, limit: u32) -> Page {
        let online = self
            .online_list
            .values()
            .map(|n| (n, true))
            .chain(self.offline_list.values().map(|n| (n, false)));
        let participants: Vec<Participant> = online
            .skip(offset as usize)
            .take(limit as usize)
            .map(|(nickname, online)| Participant {
                nickname: nickname.clone(),
                online,
            })
            .collect();
        let total = self.total();
        Page {
            more: (offset as usize).saturating_add(participants.len()) < total as usize,
            participants,
            total,
            online: self.online_count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(page: &Page) -> Vec<(&str, bool)> {
        page.participants
            .iter()
            .map(|p| (p.nickname.as_str(), p.online))
            .collect()
    }

    fn filled(participants: &[&str], online: &[&str]) -> Roster {
        let mut roster = Roster::default();
        assert!(roster.start_fill());
        roster.filled(
            participants.iter().map(|s| s.to_string()).collect(),
            online.iter().map(|s| s.to_string()).collect(),
        );
        roster
    }

    #[test]
    fn pages_list_the_online_first_each_group_in_join_order() {
        let mut roster = filled(&["ana", "bo", "cy", "di"], &["cy", "ana"]);
        let all = roster.page(0, 10);
        assert_eq!(
            names(&all),
            [("ana", true), ("cy", true), ("bo", false), ("di", false)]
        );
        assert_eq!((all.total, all.online, all.more), (4, 2, false));

        let first = roster.page(0, 3);
        assert!(first.more);
        assert_eq!(names(&roster.page(3, 3)), [("di", false)]);
        assert!(roster.page(9, 3).participants.is_empty());

        assert!(roster.apply(Change::Online("di".into(), true)));
        assert!(roster.apply(Change::Online("ana".into(), false)));
        assert!(
            !roster.apply(Change::Online("ana".into(), false)),
            "no change"
        );
        assert_eq!(
            names(&roster.page(0, 10)),
            [("cy", true), ("di", true), ("ana", false), ("bo", false)]
        );
    }

    #[test]
    fn joins_and_leaves_move_the_counts() {
        let mut roster = filled(&["ana"], &[]);
        assert!(
            !roster.apply(Change::Online("eve".into(), true)),
            "online, not yet a participant: no count moved"
        );
        assert_eq!(roster.online_count(), 0);
        assert!(roster.apply(Change::Joined("eve".into())));
        assert!(!roster.apply(Change::Joined("eve".into())), "already one");
        assert_eq!(names(&roster.page(0, 10)), [("eve", true), ("ana", false)]);
        assert!(roster.apply(Change::Left("eve".into())));
        assert!(!roster.apply(Change::Left("eve".into())));
        assert_eq!((roster.total(), roster.online_count()), (1, 0));
    }

    #[test]
    fn events_during_a_fill_are_applied_on_top_of_what_it_read() {
        let mut roster = Roster::default();
        assert!(!roster.apply(Change::Joined("early".into())), "not filled");
        assert!(roster.start_fill());
        assert!(!roster.start_fill(), "one fill at a time");
        // The read may or may not see these; either way they hold afterwards.
        roster.apply(Change::Joined("new".into()));
        roster.apply(Change::Left("gone".into()));
        roster.apply(Change::Online("ana".into(), true));
        roster.filled(vec!["ana".into(), "gone".into()], HashSet::new());
        assert!(roster.is_filled());
        assert_eq!(names(&roster.page(0, 10)), [("ana", true), ("new", false)]);
    }

    #[test]
    fn an_outdated_roster_still_answers_until_filled_again() {
        let mut roster = filled(&["ana", "bo"], &["bo"]);
        roster.outdated();
        assert!(!roster.is_filled());
        assert!(!roster.apply(Change::Left("ana".into())), "not applied");
        assert_eq!(roster.total(), 2);
        assert!(roster.start_fill());
        roster.filled(vec!["bo".into()], HashSet::new());
        assert_eq!(names(&roster.page(0, 10)), [("bo", false)]);
    }
}
