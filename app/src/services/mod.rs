//! The service layer: every rule of TaskFlow lives here, once.
//!
//! Server functions (the UI) and the JSON API (scripts, tests, the HTTP
//! fallback) are thin adapters over these functions. Each operation takes the
//! acting user and checks membership itself, so no entry point can forget it.

pub mod auth;
pub mod boards;
pub mod chat;
pub mod columns;
pub mod comments;
pub mod hub;
pub mod hub_redis;
pub mod mentions;
pub mod notifications;
pub mod paging;
pub mod positions;
pub mod presence;
pub mod ratelimit;
pub mod storage;
pub mod stream;
pub mod tasks;

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;

/// Settings the services need from the server configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark the session cookie `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// Whether anyone may create an account (otherwise only `taskflow create-user`).
    pub allow_signup: bool,
    /// Per-user limit on chat messages (rate 0 = off).
    pub message_rate: ratelimit::RateLimit,
    /// Outgoing queue of each real-time connection, in events.
    pub connection_queue: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            allow_signup: true,
            message_rate: ratelimit::RateLimit::default(),
            connection_queue: hub::DEFAULT_QUEUE_CAPACITY,
        }
    }
}

/// Handle to everything the services need; cheap to clone, shared by all requests.
#[derive(Clone)]
pub struct Services {
    pub pool: AnyPool,
    pub settings: Arc<Settings>,
    /// Real-time fan-out.
    pub hub: hub::Hub,
    /// Who is online.
    pub presence: Arc<presence::Presence>,
    /// Chat messages per user and second.
    pub message_limiter: Arc<ratelimit::RateLimiter>,
    /// Commits chat messages in batches, then publishes them in order.
    pub message_writer: chat::MessageWriter,
    /// Held from a comment change's commit to its publication, so comment
    /// changes are published in `seq` order (see `services::comments`).
    pub comment_order: Arc<tokio::sync::Mutex<()>>,
}

impl Services {
    /// Wires the services with the in-process hub. Must run inside a Tokio
    /// runtime (it starts the message writer task).
    pub fn new(pool: AnyPool, settings: Settings) -> Self {
        Self::with_hub(pool, settings, hub::Hub::default(), Arc::default())
    }

    /// Like [`new`](Self::new), with a given hub and presence (e.g. the
    /// Redis ones of a multi-instance setup).
    pub fn with_hub(
        pool: AnyPool,
        settings: Settings,
        hub: hub::Hub,
        presence: Arc<presence::Presence>,
    ) -> Self {
        let message_writer = chat::MessageWriter::start(pool.clone(), hub.clone());
        Self {
            message_limiter: Arc::new(ratelimit::RateLimiter::new(settings.message_rate)),
            pool,
            settings: Arc::new(settings),
            hub,
            presence,
            message_writer,
            comment_order: Arc::default(),
        }
    }
}
