//! Limits on the routes anyone can call: how often one client address may ask, and a
//! lockout of what is being guessed (one ticket's check code, one address's admin codes)
//! after repeated wrong answers. In memory: a restart forgets them, which costs a guesser
//! nothing they could not get by waiting, and keeps the database out of every wrong guess.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Public status lookups per client address: a minute's worth, and a burst. A phone's
/// status page asks every 15 s, and a waiting room on one Wi-Fi shares one address.
pub const LOOKUPS_PER_MINUTE: u32 = 30;
/// Lookups one address may make at once before the per-minute pace applies.
pub const LOOKUP_BURST: u32 = 10;
/// Wrong check codes for one ticket before its lookup is locked for [`LOCKOUT`].
pub const WRONG_CODES: u32 = 5;
/// Enrolment attempts per client address per minute (a tablet enrols once).
pub const ENROLMENTS_PER_MINUTE: u32 = 5;
/// Enrolment attempts per office per minute, from all addresses together (a new office
/// enrols its handful of tablets at once; guesses spread over many addresses are paced).
pub const ENROLMENTS_PER_OFFICE_PER_MINUTE: u32 = 20;
/// Sync round trips one device may make per minute: far above what a tablet needs (a
/// sync after each step, a poll, pages of a first pull), far below what a stolen token
/// could use to wear the server down.
pub const SYNCS_PER_DEVICE_PER_MINUTE: u32 = 600;
/// Wrong admin codes from one address before it is locked out for [`LOCKOUT`].
pub const WRONG_ADMIN_CODES: u32 = 10;
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Keys remembered before old ones are forgotten (bounds memory under a flood).
const MAX_KEYS: usize = 100_000;

/// Every limit the public routes share. Cheap to clone.
#[derive(Clone)]
pub struct Throttles {
    /// Status lookups per client address.
    pub lookup: Arc<Rate>,
    /// Wrong check codes per ticket (office, day, number).
    pub wrong_code: Arc<Lockout<String>>,
    /// Enrolment attempts per client address.
    pub enrol: Arc<Rate>,
    /// Enrolment attempts per office (a wrong code counts against the server's own office).
    pub enrol_office: Arc<Rate<loket_core::OfficeCode>>,
    /// Wrong admin codes per client address.
    pub wrong_admin_code: Arc<Lockout<IpAddr>>,
    /// Sync round trips per device.
    pub sync: Arc<Rate<loket_core::DeviceId>>,
}

impl Default for Throttles {
    fn default() -> Self {
        Self::new(
            LOOKUPS_PER_MINUTE,
            ENROLMENTS_PER_MINUTE,
            SYNCS_PER_DEVICE_PER_MINUTE,
        )
    }
}

impl Throttles {
    /// The default lockouts, with `lookups` public lookups per client address a minute (a
    /// burst of a third of them, at least [`LOOKUP_BURST`]), `enrolments` enrolment
    /// attempts (all at once if need be) and `syncs` round trips per device (a fifth of
    /// them at once).
    pub fn new(lookups: u32, enrolments: u32, syncs: u32) -> Self {
        Self {
            lookup: Arc::new(Rate::per_minute(
                lookups,
                LOOKUP_BURST.max(lookups / 3).min(lookups),
            )),
            wrong_code: Arc::new(Lockout::new(WRONG_CODES, LOCKOUT)),
            enrol: Arc::new(Rate::per_minute(enrolments, enrolments)),
            enrol_office: Arc::new(Rate::per_minute(
                ENROLMENTS_PER_OFFICE_PER_MINUTE.max(enrolments),
                ENROLMENTS_PER_OFFICE_PER_MINUTE.max(enrolments),
            )),
            wrong_admin_code: Arc::new(Lockout::new(WRONG_ADMIN_CODES, LOCKOUT)),
            sync: Arc::new(Rate::per_minute(syncs, (syncs / 5).max(1))),
        }
    }
}

/// A request rate per key: a client address unless said otherwise.
pub struct Rate<K: Eq + Hash + Clone = IpAddr> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Eq + Hash + Clone> Rate<K> {
    /// `per_minute` requests a minute, `burst` of them at once.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
        }
    }

    /// Takes one request of `client`'s allowance, or says how long to wait.
    pub fn check(&self, client: K) -> Result<(), Duration> {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Wrong answers counted per key; after `limit` of them within the lockout's span, the key
/// is locked until the span since the first of them has passed.
pub struct Lockout<K> {
    limit: u32,
    span: Duration,
    strikes: Mutex<HashMap<K, (u32, Instant)>>,
}

impl<K: Eq + Hash + Clone> Lockout<K> {
    /// Locks a key after `limit` wrong answers within `span`.
    pub fn new(limit: u32, span: Duration) -> Self {
        Self {
            limit: limit.max(1),
            span,
            strikes: Mutex::new(HashMap::new()),
        }
    }

    /// How long `key` stays locked, if it is.
    pub fn locked(&self, key: &K) -> Option<Duration> {
        let now = Instant::now();
        let strikes = self.strikes.lock().unwrap_or_else(|e| e.into_inner());
        let (count, since) = strikes.get(key)?;
        let left = self.span.checked_sub(now.duration_since(*since))?;
        (*count >= self.limit && !left.is_zero()).then_some(left)
    }

    /// Counts a wrong answer for `key`.
    pub fn strike(&self, key: &K) {
        let now = Instant::now();
        let mut strikes = self.strikes.lock().unwrap_or_else(|e| e.into_inner());
        if strikes.len() > MAX_KEYS {
            strikes.retain(|_, (_, since)| now.duration_since(*since) < self.span);
        }
        let entry = strikes.entry(key.clone()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.span {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }
}

/// The client's address: the connection's peer, or, when that peer is one of the
/// configured trusted proxies, the last address its `X-Forwarded-For` names (the one the
/// proxy itself saw). A request with no connection (a test calling the router) is
/// `0.0.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Arc<[IpAddr]>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let trusted = parts
            .extensions
            .get::<TrustedProxies>()
            .is_some_and(|t| t.0.contains(&peer));
        if !trusted {
            return Ok(Self(peer));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back();
        Ok(Self(forwarded.unwrap_or(peer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_allows_its_burst_then_says_how_long_to_wait() {
        let rate = Rate::per_minute(10, 3);
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        for _ in 0..3 {
            assert_eq!(rate.check(a), Ok(()));
        }
        let wait = rate.check(a).expect_err("the fourth at once is refused");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(6),
            "{wait:?}"
        );
        assert_eq!(
            rate.check(b),
            Ok(()),
            "another address has its own allowance"
        );
    }

    #[test]
    fn a_lockout_locks_after_the_limit_and_only_that_key() {
        let lockout = Lockout::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            lockout.strike(&"A-001");
        }
        assert_eq!(lockout.locked(&"A-001"), None);
        lockout.strike(&"A-001");
        let left = lockout.locked(&"A-001").expect("locked after 3");
        assert!(left <= Duration::from_secs(60));
        assert_eq!(lockout.locked(&"A-002"), None);
    }

    #[test]
    fn a_lockout_ends_when_its_span_has_passed() {
        let lockout = Lockout::new(1, Duration::from_millis(20));
        lockout.strike(&1);
        assert!(lockout.locked(&1).is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(lockout.locked(&1), None);
        lockout.strike(&1);
        assert!(lockout.locked(&1).is_some(), "a new span starts");
    }
}
