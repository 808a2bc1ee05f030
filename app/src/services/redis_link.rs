//! An instance's one link to Redis (`--redis-url`), shared by everything
//! that keeps state there: the event relay, presence, rate limits and login
//! throttling. One multiplexed connection that reconnects by itself; the
//! event subscription needs its own (a subscribed connection can do nothing
//! else), made from the same client.

use std::time::Duration;

/// A Redis client and the instance's shared connection to it.
#[derive(Clone)]
pub struct RedisLink {
    pub client: redis::Client,
    pub conn: redis::aio::ConnectionManager,
}

impl RedisLink {
    /// Connects (Redis must answer now; later outages are retried).
    pub async fn connect(url: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let conn = redis::aio::ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(Self { client, conn })
    }
}
