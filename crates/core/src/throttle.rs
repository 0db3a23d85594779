//! The sign-in throttle: how long a subject (an account, a client address) must wait after
//! failed sign-ins before its next attempt is checked. Pure arithmetic, no I/O: the store
//! applies it while it reserves an attempt (`Store::reserve_login_attempt`), so parallel
//! attempts cannot all slip past it, and the newsroom's sign-in (`dateline_newsroom::sign_in`)
//! states the rule for people.
//!
//! The rule: with `n` failures of a subject in the last [`WINDOW`], the first `free` attempts
//! wait for nothing; from then on the next attempt must come at least
//! `first_delay × 2^(n − free)`, capped at `max_delay`, after the subject's latest failure.
//! An attempt is reserved as a failure before its password is checked and released when the
//! password is right, so an attempt in flight counts.
//!
//! An account's cap ([`ACCOUNT`]) is short, so a stranger guessing at someone's account can
//! make its owner wait at most a minute after the stranger's last guess, never lock them
//! out; an address's cap ([`ADDRESS`]) is longer, so the stranger's own address slows down
//! far more than the account does.

use jiff::{SignedDuration, Timestamp};

/// How far back failures are counted; older ones are pruned.
pub const WINDOW: SignedDuration = SignedDuration::from_hours(1);

/// Delays for one kind of subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures in [`WINDOW`] that cost no wait.
    pub free: u32,
    /// The wait after failure number `free`; each further failure doubles it.
    pub first_delay: SignedDuration,
    /// The longest wait.
    pub max_delay: SignedDuration,
}

/// Per account (the e-mail address typed, whether or not an account has it).
pub const ACCOUNT: Throttle =
    Throttle { free: 5, first_delay: SignedDuration::from_secs(1), max_delay: SignedDuration::from_secs(60) };

/// Per client address (behind trusted proxies, the forwarded one).
pub const ADDRESS: Throttle = Throttle {
    free: 10,
    first_delay: SignedDuration::from_secs(1),
    max_delay: SignedDuration::from_secs(15 * 60),
};

impl Throttle {
    /// The wait after `failures` failures in the window.
    pub fn delay(&self, failures: u32) -> SignedDuration {
        let Some(over) = failures.checked_sub(self.free) else { return SignedDuration::ZERO };
        // 2^20 seconds is far past any cap; stop doubling there.
        let factor = 1_i32 << over.min(20);
        self.first_delay.checked_mul(factor).map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// How much longer a subject with `failures` failures, the latest at `last`, must wait
    /// at `now`; `None` when it may try now.
    pub fn wait(&self, failures: u32, last: Option<Timestamp>, now: Timestamp) -> Option<SignedDuration> {
        let last = last?;
        let until = last.checked_add(self.delay(failures)).ok()?;
        let left = until.duration_since(now);
        left.is_positive().then_some(left)
    }
}

/// What reserving a sign-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt is counted as a failure against every subject until it is released.
    Reserved,
    /// A subject must wait this much longer; nothing was recorded.
    Wait(SignedDuration),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_free_allowance_up_to_the_cap() {
        let delays: Vec<i64> = (0..14).map(|n| ACCOUNT.delay(n).as_secs()).collect();
        assert_eq!(delays, [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(ADDRESS.delay(9), SignedDuration::ZERO);
        assert_eq!(ADDRESS.delay(10).as_secs(), 1);
        assert_eq!(ADDRESS.delay(20).as_secs(), 900);
        assert_eq!(ADDRESS.delay(u32::MAX).as_secs(), 900);
    }

    #[test]
    fn the_wait_runs_from_the_latest_failure() {
        let last: Timestamp = "2025-02-27T10:00:00Z".parse().unwrap();
        assert_eq!(ACCOUNT.wait(4, Some(last), last), None, "still free");
        assert_eq!(ACCOUNT.wait(7, None, last), None, "no failure recorded");
        let now = last + SignedDuration::from_secs(1);
        assert_eq!(ACCOUNT.wait(7, Some(last), now), Some(SignedDuration::from_secs(3)));
        assert_eq!(ACCOUNT.wait(7, Some(last), last + SignedDuration::from_secs(4)), None);
    }
}
