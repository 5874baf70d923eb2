//! Who is connected to a room on this instance: a count of open sockets per nickname, kept
//! with the room's sockets. The fan-out only records which instances have a user (scale-out);
//! this is the one count.

use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Headcount {
    sockets: HashMap<String, usize>,
}

impl Headcount {
    /// Counts a socket; true if it is the nickname's first here.
    pub fn arrive(&mut self, nickname: &str) -> bool {
        let count = self.sockets.entry(nickname.to_owned()).or_default();
        *count += 1;
        *count == 1
    }

    /// Uncounts one; true if it was the nickname's last here.
    pub fn depart(&mut self, nickname: &str) -> bool {
        match self.sockets.get_mut(nickname) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                self.sockets.remove(nickname);
                true
            }
            None => false,
        }
    }

    pub fn nicknames(&self) -> impl Iterator<Item = &String> {
        self.sockets.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_socket_arrives_and_the_last_departs() {
        let mut count = Headcount::default();
        assert!(count.arrive("ana"));
        assert!(!count.arrive("ana"));
        assert!(!count.depart("ana"));
        assert!(count.nicknames().any(|n| n == "ana"));
        assert!(count.depart("ana"));
        assert_eq!(count.nicknames().count(), 0);
        assert!(!count.depart("ana"), "not here");
    }
}
