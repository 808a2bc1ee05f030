//! Per-user rate budgets (chat messages, comment posts, edits and deletions):
//! a steady rate plus a burst, as the generic cell rate algorithm (GCRA).
//!
//! Shared by every connection and request of a user, and — with Redis — by
//! every instance: N instances do not give N times the budget. Without Redis
//! the budget is kept in process by `governor`; with it, in one Redis key per
//! user, updated atomically by a small script on Redis's own clock. When Redis
//! does not answer, the instance falls back to its own budget (and logs it):
//! sending keeps working, at worst with an instance's share of the budget.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::redis_link::RedisLink;

/// `rate` actions per second on average, bursts of up to `burst`.
/// A rate of 0 turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub rate: f64,
    pub burst: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            rate: 10.0,
            burst: 20.0,
        }
    }
}

impl RateLimit {
    fn quota(&self) -> Option<Quota> {
        if self.rate <= 0.0 || !self.rate.is_finite() {
            return None;
        }
        let burst = NonZeroU32::new(self.burst.clamp(1.0, 1e6) as u32)?;
        Quota::with_period(Duration::from_secs_f64(1.0 / self.rate)).map(|q| q.allow_burst(burst))
    }
}

/// GCRA on Redis: KEYS[1] holds the theoretical arrival time (µs, Redis
/// clock); ARGV = emission interval (µs), burst tolerance (µs). Returns 0 when
/// allowed, otherwise the microseconds to wait.
const GCRA_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then return allow_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return 0
";

/// A per-user budget.
pub struct RateLimiter {
    limit: RateLimit,
    /// What this budget is for, in Redis keys and logs (`messages`).
    name: &'static str,
    local: Option<DefaultKeyedRateLimiter<i64>>,
    shared: Option<(RedisLink, Arc<redis::Script>)>,
}

impl RateLimiter {
    /// A budget kept in this process.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            name: "messages",
            local: limit.quota().map(governor::RateLimiter::keyed),
            shared: None,
        }
    }

    /// A budget shared by every instance on this Redis.
    pub fn shared(limit: RateLimit, name: &'static str, redis: RedisLink) -> Self {
        Self {
            name,
            shared: Some((redis, Arc::new(redis::Script::new(GCRA_SCRIPT)))),
            ..Self::new(limit)
        }
    }

    /// Takes one unit of `user_id`'s budget, or says how long until one is free.
    pub async fn check(&self, user_id: i64) -> Result<(), Duration> {
        let Some(local) = &self.local else {
            return Ok(()); // no limit
        };
        if let Some((redis, script)) = &self.shared {
            let interval_us = (1e6 / self.limit.rate).max(1.0);
            let tolerance_us = interval_us * (self.limit.burst.max(1.0).floor() - 1.0);
            let mut conn = redis.conn.clone();
            let answer: redis::RedisResult<i64> = script
                .key(format!("taskflow:rate:{}:{user_id}", self.name))
                .arg(interval_us as i64)
                .arg(tolerance_us as i64)
                .invoke_async(&mut conn)
                .await;
            match answer {
                Ok(0) => return Ok(()),
                Ok(wait_us) => return Err(Duration::from_micros(wait_us.max(1) as u64)),
                Err(e) => {
                    tracing::warn!(
                        "rate limit ({}): redis: {e}; using this instance's budget",
                        self.name
                    );
                }
            }
        }
        if local.len() > 100_000 {
            // Forget users whose budget is full again (bounded memory).
            local.retain_recent();
        }
        local
            .check_key(&user_id)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bursts_then_steady_rate() {
        let limiter = RateLimiter::new(RateLimit {
            rate: 10.0,
            burst: 20.0,
        });
        for _ in 0..20 {
            assert!(limiter.check(1).await.is_ok());
        }
        let wait = limiter.check(1).await.unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(wait > Duration::from_millis(50), "{wait:?}");
        assert!(
            limiter.check(2).await.is_ok(),
            "other users have their own budget"
        );
        tokio::time::sleep(Duration::from_millis(110)).await;
        assert!(limiter.check(1).await.is_ok(), "refills at 10/s");
        assert!(limiter.check(1).await.is_err());
    }

    #[tokio::test]
    async fn zero_rate_is_off() {
        let limiter = RateLimiter::new(RateLimit {
            rate: 0.0,
            burst: 0.0,
        });
        for _ in 0..1000 {
            assert!(limiter.check(1).await.is_ok());
        }
    }
}
