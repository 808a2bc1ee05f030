//! Throttling of password guessing, on every path that checks or sets a
//! password (login and sign-up, from the JSON API and the server functions).
//!
//! Two rules, both over the last [`WINDOW`] (15 minutes) of failures:
//!
//! - **Per username:** after [`FREE_FAILURES`] (5) failures, each further
//!   attempt must wait a delay that doubles with every failure, from 1 s up
//!   to [`MAX_DELAY`] (30 s). Never a hard lock: whoever knows the password
//!   gets in after at most that wait, however many guesses others made.
//! - **Per client address:** after [`ADDRESS_FAILURES`] (20) failures, the
//!   address is refused until its oldest failure leaves the window.
//!
//! A refused attempt answers 429 `rate_limited` with the wait (and checks no
//! password, so it costs no hashing). Unknown usernames are throttled exactly
//! like existing ones, so the answers never tell which names exist. With
//! Redis the failures are counted there, for every instance; when Redis does
//! not answer, each instance counts its own.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::redis_link::RedisLink;
use super::storage::now_ms;
use crate::error::AppError;

/// How long a failure counts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures of one username before attempts are spaced out.
pub const FREE_FAILURES: usize = 5;
/// The longest wait between attempts at one username.
pub const MAX_DELAY: Duration = Duration::from_secs(30);
/// Failures from one client address before it is refused.
pub const ADDRESS_FAILURES: usize = 20;
/// Failures remembered per key (enough for both rules).
const KEPT: usize = 32;

/// The address a request came from: the peer, or — behind a configured
/// trusted proxy — the client the proxy names. Put into each request by the
/// server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

/// What is known about the recent failures of one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Failures {
    count: usize,
    oldest_ms: i64,
    newest_ms: i64,
}

/// The wait before one more attempt, if any, from the two rules.
fn wait_ms(user: Failures, address: Failures, now: i64) -> Option<i64> {
    let window = WINDOW.as_millis() as i64;
    let mut wait = 0;
    if address.count >= ADDRESS_FAILURES {
        wait = wait.max(address.oldest_ms + window - now);
    }
    if user.count >= FREE_FAILURES {
        let doublings = (user.count - FREE_FAILURES).min(16) as u32;
        let delay = (1000i64 << doublings).min(MAX_DELAY.as_millis() as i64);
        wait = wait.max(user.newest_ms + delay - now);
    }
    (wait > 0).then_some(wait)
}

/// Counts failures for [`WINDOW`], in process or in Redis.
#[derive(Default)]
pub struct LoginThrottle {
    local: Mutex<HashMap<String, VecDeque<i64>>>,
    shared: Option<(RedisLink, Arc<redis::Script>)>,
}

/// Trims KEYS[1] (a sorted set of failure times, Redis clock) to the window
/// and, with ARGV[2] = "1", records a failure (member ARGV[3]). Returns
/// {count, oldest, newest, now} in milliseconds.
const FAILURES_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -33)
  redis.call('PEXPIRE', KEYS[1], window)
end
local n = redis.call('ZCARD', KEYS[1])
if n == 0 then return {0, now, now, now} end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
return {n, tonumber(oldest[2]), tonumber(newest[2]), now}
";

fn user_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

fn address_key(addr: ClientAddr) -> String {
    format!("addr:{}", addr.0)
}

impl LoginThrottle {
    /// Failures counted in Redis, for every instance on it.
    pub fn shared(redis: RedisLink) -> Self {
        Self {
            local: Mutex::default(),
            shared: Some((redis, Arc::new(redis::Script::new(FAILURES_SCRIPT)))),
        }
    }

    /// May this address try a password now (for this username, if any)?
    /// `Err` is the 429 to answer.
    pub async fn check(
        &self,
        addr: Option<ClientAddr>,
        username: Option<&str>,
    ) -> Result<(), AppError> {
        let user = match username {
            Some(name) => self.failures(&user_key(name), false).await,
            None => (Failures::default(), now_ms()),
        };
        let address = match addr {
            Some(addr) => self.failures(&address_key(addr), false).await,
            None => (Failures::default(), now_ms()),
        };
        match wait_ms(user.0, address.0, user.1.max(address.1)) {
            Some(wait) => Err(AppError::RateLimited(wait.max(1) as u64)),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt (wrong password, unknown user, taken name).
    pub async fn failed(&self, addr: Option<ClientAddr>, username: Option<&str>) {
        if let Some(name) = username {
            self.failures(&user_key(name), true).await;
        }
        if let Some(addr) = addr {
            self.failures(&address_key(addr), true).await;
        }
    }

    /// A successful login clears the username's failures (not the address's).
    pub async fn succeeded(&self, username: &str) {
        let key = user_key(username);
        if let Some((redis, _)) = &self.shared {
            let mut conn = redis.conn.clone();
            let cleared: redis::RedisResult<i64> = redis::cmd("DEL")
                .arg(format!("taskflow:login:{key}"))
                .query_async(&mut conn)
                .await;
            if cleared.is_ok() {
                return;
            }
        }
        self.local
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }

    /// The failures of `key` in the window (recording one more first when
    /// `record`), and the clock they are measured on.
    async fn failures(&self, key: &str, record: bool) -> (Failures, i64) {
        if let Some((redis, script)) = &self.shared {
            let mut conn = redis.conn.clone();
            let answer: redis::RedisResult<(i64, i64, i64, i64)> = script
                .key(format!("taskflow:login:{key}"))
                .arg(WINDOW.as_millis() as i64)
                .arg(if record { "1" } else { "0" })
                .arg(format!("{}-{:x}", now_ms(), rand::random::<u64>()))
                .invoke_async(&mut conn)
                .await;
            match answer {
                Ok((count, oldest_ms, newest_ms, now)) => {
                    let failures = Failures {
                        count: count.max(0) as usize,
                        oldest_ms,
                        newest_ms,
                    };
                    return (failures, now);
                }
                Err(e) => {
                    tracing::warn!("login throttle: redis: {e}; counting on this instance");
                }
            }
        }
        let now = now_ms();
        let window = WINDOW.as_millis() as i64;
        let mut all = self.local.lock().unwrap_or_else(|e| e.into_inner());
        if all.len() > 100_000 {
            // Bounded memory under a flood of names: forget what has expired.
            all.retain(|_, times| times.back().is_some_and(|t| *t > now - window));
        }
        let times = all.entry(key.to_string()).or_default();
        while times.front().is_some_and(|t| *t <= now - window) {
            times.pop_front();
        }
        if record {
            times.push_back(now);
            if times.len() > KEPT {
                times.pop_front();
            }
        }
        let failures = Failures {
            count: times.len(),
            oldest_ms: times.front().copied().unwrap_or(now),
            newest_ms: times.back().copied().unwrap_or(now),
        };
        if times.is_empty() {
            all.remove(key);
        }
        (failures, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(count: usize, oldest_ms: i64, newest_ms: i64) -> Failures {
        Failures {
            count,
            oldest_ms,
            newest_ms,
        }
    }

    #[test]
    fn five_failures_are_free_then_the_delay_doubles_to_a_cap() {
        let none = Failures::default();
        assert_eq!(wait_ms(failures(4, 0, 1000), none, 1000), None);
        assert_eq!(wait_ms(failures(5, 0, 1000), none, 1000), Some(1000));
        assert_eq!(wait_ms(failures(6, 0, 1000), none, 1000), Some(2000));
        assert_eq!(wait_ms(failures(7, 0, 1000), none, 1500), Some(3500));
        assert_eq!(wait_ms(failures(30, 0, 1000), none, 1000), Some(30_000));
        assert_eq!(
            wait_ms(failures(30, 0, 1000), none, 31_000),
            None,
            "never a hard lock"
        );
    }

    #[test]
    fn an_address_is_refused_after_twenty_failures_until_the_oldest_expires() {
        let none = Failures::default();
        let window = WINDOW.as_millis() as i64;
        assert_eq!(wait_ms(none, failures(19, 0, 100), 100), None);
        assert_eq!(wait_ms(none, failures(20, 0, 100), 100), Some(window - 100));
        assert_eq!(wait_ms(none, failures(20, 0, 100), window), None);
    }

    #[tokio::test]
    async fn counts_failures_per_name_and_address_and_forgets_on_success() {
        let throttle = LoginThrottle::default();
        let addr = Some(ClientAddr("10.0.0.1".parse().unwrap()));
        for _ in 0..FREE_FAILURES {
            throttle.check(addr, Some("Ada")).await.unwrap();
            throttle.failed(addr, Some("Ada")).await;
        }
        let refused = throttle.check(addr, Some("ada")).await.unwrap_err();
        assert!(matches!(refused, AppError::RateLimited(ms) if ms > 900 && ms <= 1000));
        assert!(
            throttle.check(addr, Some("grace")).await.is_ok(),
            "another name from the same address is not delayed yet"
        );
        throttle.succeeded("ADA").await;
        assert!(throttle.check(addr, Some("ada")).await.is_ok());
    }
}
