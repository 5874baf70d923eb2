//! Login throttling: attempts are counted per account (the email) and per client address, so
//! neither guessing one account's password nor spraying many accounts from one address gets
//! far. A refused attempt is told how long to wait (429 with `Retry-After`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

/// `n` attempts a minute, all of which may come at once.
fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n.max(1)).expect("max(1) is non-zero");
    Quota::per_minute(n).allow_burst(n)
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32) -> Self {
        Self {
            per_account: RateLimiter::keyed(per_minute(per_account)),
            per_address: RateLimiter::keyed(per_minute(per_address)),
        }
    }

    /// Counts an attempt; `Err(wait)` when the account or the address has used its share.
    pub fn attempt(&self, account: Option<&str>, address: IpAddr) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        self.per_address
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(now))?;
        if let Some(account) = account.filter(|a| !a.is_empty()) {
            self.per_account
                .check_key(&account.to_lowercase())
                .map_err(|not_until| not_until.wait_time_from(now))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_its_burst_from_any_address() {
        let throttle = LoginThrottle::new(3, 100);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(throttle.attempt(Some("kim@example.com"), a).is_ok());
        assert!(throttle.attempt(Some("KIM@example.com"), b).is_ok());
        assert!(throttle.attempt(Some("kim@example.com"), a).is_ok());
        let wait = throttle.attempt(Some("kim@example.com"), b).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(
            throttle.attempt(Some("lee@example.com"), a).is_ok(),
            "other accounts are not affected"
        );
    }

    #[test]
    fn an_address_is_throttled_across_accounts() {
        let throttle = LoginThrottle::new(100, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(throttle.attempt(Some("a@x.com"), a).is_ok());
        assert!(throttle.attempt(Some("b@x.com"), a).is_ok());
        assert!(throttle.attempt(Some("c@x.com"), a).is_err());
        assert!(throttle
            .attempt(Some("c@x.com"), "10.0.0.9".parse().unwrap())
            .is_ok());
    }
}
