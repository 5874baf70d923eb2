//! Who may open one more connection: at most `max` at once in all, and at most `per_address`
//! from one client address, so that neither running out of open files nor one address can
//! shut everyone else out (issue 18: 300 silent connections made every request time out).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Descriptors kept back from connections for the database pool, Redis, the metrics
/// listener, log files and the accept that answers 503.
const RESERVED_FILES: u64 = 64;

/// The caps in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub max: usize,
    pub per_address: usize,
}

impl Caps {
    /// The configured caps, lowered to fit `open_files` (the soft limit): connections stay
    /// [`RESERVED_FILES`] below it, and one address gets at most a quarter of them.
    /// `per_address` 0 turns the per-address cap off (behind a proxy, every connection comes
    /// from the proxy's address).
    pub fn fitting(max: usize, per_address: usize, open_files: u64) -> Self {
        let room_for = if open_files > 2 * RESERVED_FILES {
            open_files - RESERVED_FILES
        } else {
            open_files / 2
        };
        let max = max
            .min(usize::try_from(room_for).unwrap_or(usize::MAX))
            .max(1);
        let per_address = match per_address {
            0 => max,
            n => n.min((max / 4).max(1)),
        };
        Self { max, per_address }
    }
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Counts open connections; a [`Pass`] is one of them, given back when dropped.
#[derive(Debug, Clone)]
pub struct Gate {
    caps: Caps,
    counts: Arc<Mutex<Counts>>,
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    Server,
    Address,
}

impl Gate {
    pub fn new(caps: Caps) -> Self {
        Self {
            caps,
            counts: Arc::default(),
        }
    }

    pub fn caps(&self) -> Caps {
        self.caps
    }

    /// Lets one more connection from `address` in, unless a cap is reached.
    pub fn admit(&self, address: IpAddr) -> Result<Pass, Full> {
        let mut counts = self
            .counts
            .lock()
            .expect("the gate's lock is never poisoned");
        if counts.total >= self.caps.max {
            return Err(Full::Server);
        }
        let from = counts.by_address.entry(address).or_insert(0);
        if *from >= self.caps.per_address {
            return Err(Full::Address);
        }
        *from += 1;
        counts.total += 1;
        Ok(Pass {
            address,
            counts: self.counts.clone(),
        })
    }
}

/// One admitted connection.
#[derive(Debug)]
pub struct Pass {
    address: IpAddr,
    counts: Arc<Mutex<Counts>>,
}

impl Drop for Pass {
    fn drop(&mut self) {
        let mut counts = self
            .counts
            .lock()
            .expect("the gate's lock is never poisoned");
        counts.total -= 1;
        if let Some(from) = counts.by_address.get_mut(&self.address) {
            *from -= 1;
            if *from == 0 {
                counts.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_stay_below_the_open_file_limit_and_share_it_between_addresses() {
        assert_eq!(
            Caps::fitting(10_000, 256, 256),
            Caps {
                max: 192,
                per_address: 48
            }
        );
        assert_eq!(
            Caps::fitting(100, 50, 1 << 20),
            Caps {
                max: 100,
                per_address: 25
            }
        );
        assert_eq!(Caps::fitting(100, 0, 1 << 20).per_address, 100);
    }

    #[test]
    fn a_pass_given_back_makes_room_again() {
        let gate = Gate::new(Caps {
            max: 3,
            per_address: 2,
        });
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.3".parse().unwrap();
        let first = gate.admit(a).unwrap();
        let _second = gate.admit(a).unwrap();
        assert_eq!(gate.admit(a).unwrap_err(), Full::Address);
        let _third = gate.admit(b).unwrap();
        assert_eq!(gate.admit(b).unwrap_err(), Full::Server);
        drop(first);
        assert!(gate.admit(b).is_ok());
    }
}
