//! Login throttling. Guessing is counted per account *and* client address, and per address
//! across accounts, so one attacker gets far with neither one account nor many. What is kept
//! per account alone has a far higher threshold: ten wrong passwords from one address, then
//! one every few seconds, used to keep the owner out from every other address too; now the
//! owner, from an address of their own, is not slowed by someone else's guessing unless that
//! someone guesses from many addresses at once. A refused attempt is told how long to wait
//! (429 with `Retry-After`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The account-wide allowance, as a multiple of the per-(account, address) one.
const ACCOUNT_WIDE_FACTOR: u32 = 10;

pub struct LoginThrottle {
    per_account_address: DefaultKeyedRateLimiter<(String, IpAddr)>,
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

/// `n` attempts a minute, all of which may come at once.
fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n.max(1)).expect("max(1) is non-zero");
    Quota::per_minute(n).allow_burst(n)
}

impl LoginThrottle {
    /// `per_account` attempts a minute for one account from one address (and ten times that
    /// for the account from everywhere); `per_address` from one address over all accounts.
    pub fn new(per_account: u32, per_address: u32) -> Self {
        Self {
            per_account_address: RateLimiter::keyed(per_minute(per_account)),
            per_account: RateLimiter::keyed(per_minute(
                per_account.saturating_mul(ACCOUNT_WIDE_FACTOR),
            )),
            per_address: RateLimiter::keyed(per_minute(per_address)),
        }
    }

    /// Counts an attempt; `Err(wait)` when the address, the account from this address, or the
    /// account as a whole has used its share.
    pub fn attempt(&self, account: Option<&str>, address: IpAddr) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        let wait = |not_until: governor::NotUntil<_>| not_until.wait_time_from(now);
        self.per_address.check_key(&address).map_err(wait)?;
        if let Some(account) = account.filter(|a| !a.is_empty()) {
            let account = account.to_lowercase();
            self.per_account_address
                .check_key(&(account.clone(), address))
                .map_err(wait)?;
            self.per_account.check_key(&account).map_err(wait)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_its_burst_from_one_address() {
        let throttle = LoginThrottle::new(3, 100);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(throttle.attempt(Some("kim@example.com"), a).is_ok());
        assert!(throttle.attempt(Some("KIM@example.com"), a).is_ok());
        assert!(throttle.attempt(Some("kim@example.com"), a).is_ok());
        let wait = throttle.attempt(Some("kim@example.com"), a).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(
            throttle.attempt(Some("lee@example.com"), a).is_ok(),
            "other accounts are not affected"
        );
    }

    /// Issue 18: someone guessing from one address no longer locks the owner out of their
    /// account from another; guessing from many addresses still meets the account-wide limit.
    #[test]
    fn guessing_from_one_address_does_not_lock_out_the_owner_elsewhere() {
        let throttle = LoginThrottle::new(3, 100);
        let attacker: IpAddr = "10.0.0.1".parse().unwrap();
        let owner: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..10 {
            let _ = throttle.attempt(Some("kim@example.com"), attacker);
        }
        assert!(throttle.attempt(Some("kim@example.com"), attacker).is_err());
        assert!(throttle.attempt(Some("kim@example.com"), owner).is_ok());

        let many = LoginThrottle::new(3, 100);
        let refused = (0..40u8)
            .filter(|i| {
                many.attempt(Some("lee@example.com"), IpAddr::from([10, 1, 0, *i]))
                    .is_err()
            })
            .count();
        assert_eq!(
            refused, 10,
            "30 a minute account-wide, from any number of addresses"
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
