//! Per-user message rate limit: a token bucket (steady rate plus a burst).
//! Shared by every connection and request of a user, so opening more tabs
//! does not raise it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `rate` messages per second on average, bursts of up to `burst`.
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

pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::default(),
        }
    }

    /// Takes one token for `user_id`, or says how long until one is free.
    pub fn check(&self, user_id: i64) -> Result<(), Duration> {
        self.check_at(user_id, Instant::now())
    }

    fn check_at(&self, user_id: i64, now: Instant) -> Result<(), Duration> {
        let RateLimit { rate, burst } = self.limit;
        if rate <= 0.0 {
            return Ok(());
        }
        let burst = burst.max(1.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Forget buckets that have refilled completely (bounded memory).
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(user_id).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_steady_rate() {
        let limiter = RateLimiter::new(RateLimit {
            rate: 10.0,
            burst: 20.0,
        });
        let t0 = Instant::now();
        for _ in 0..20 {
            assert!(limiter.check_at(1, t0).is_ok());
        }
        let wait = limiter.check_at(1, t0).unwrap_err();
        assert!(
            wait > Duration::from_millis(90) && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        assert!(
            limiter.check_at(2, t0).is_ok(),
            "other users have their own bucket"
        );
        assert!(
            limiter.check_at(1, t0 + Duration::from_millis(100)).is_ok(),
            "refills at 10/s"
        );
        assert!(limiter
            .check_at(1, t0 + Duration::from_millis(100))
            .is_err());
    }

    #[test]
    fn zero_rate_is_off() {
        let limiter = RateLimiter::new(RateLimit {
            rate: 0.0,
            burst: 0.0,
        });
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert!(limiter.check_at(1, t0).is_ok());
        }
    }
}
