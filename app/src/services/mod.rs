//! The service layer: every rule of TaskFlow lives here, once.
//!
//! Server functions (the UI) and the JSON API (scripts, tests, the HTTP
//! fallback) are thin adapters over these functions. Each operation takes the
//! acting user and checks membership itself, so no entry point can forget it.

pub mod activity;
pub mod archive;
pub mod auth;
pub mod board_events;
pub mod boards;
pub mod chat;
pub mod chat_edits;
pub mod checklists;
pub mod columns;
pub mod comments;
pub mod connection_caps;
pub mod direct_messages;
pub mod due_reminders;
pub mod following;
pub mod general_room;
pub mod group_mentions;
pub mod hub;
pub mod hub_redis;
pub mod invites;
pub mod labels;
pub mod login_throttle;
pub mod markdown;
pub mod mentions;
pub mod message_rows;
pub mod notification_settings;
pub mod notifications;
pub mod numbered;
pub mod paging;
pub mod passwords;
pub mod positions;
pub mod posts;
pub mod preferences;
pub mod presence;
pub mod ratelimit;
pub mod reactions;
pub mod redis_link;
pub mod replies;
pub mod room_rows;
pub mod storage;
pub mod stored;
pub mod stream;
pub mod task_rows;
pub mod tasks;
pub mod tokens;
pub mod watching;

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
    /// Whether anyone may create an account (otherwise only through an
    /// invite link, or `taskflow create-user`).
    pub allow_signup: bool,
    /// Where users reach this server (`http://host:port`, no trailing
    /// slash): invite links point there.
    pub public_url: String,
    /// Per-user budget of chat messages and comment posts, edits and
    /// deletions (rate 0 = off).
    pub message_rate: ratelimit::RateLimit,
    /// Per-user budget of emoji reactions added or removed (rate 0 = off):
    /// its own, so reacting never eats into what a user may write.
    pub reaction_rate: ratelimit::RateLimit,
    /// Per-user budget of real-time client frames, on this instance (rate 0 = off).
    pub frame_rate: ratelimit::RateLimit,
    /// Outgoing queue of each real-time connection, in events.
    pub connection_queue: usize,
    /// Open WebSockets per user, on this instance.
    pub max_user_sockets: usize,
    /// Open long polls per user, on this instance.
    pub max_user_polls: usize,
    /// Most people one group mention (@room, @board, @here) reaches.
    pub group_mention_max: usize,
}

/// Default budget of reactions per user: 10 per second, bursts of 30.
pub const REACTION_RATE: ratelimit::RateLimit = ratelimit::RateLimit {
    rate: 10.0,
    burst: 30.0,
};

/// Default budget of client frames per user: 30 per second, bursts of 120
/// (a page opening subscribes to a handful of topics; ten tabs reconnecting
/// at once stay within it).
pub const FRAME_RATE: ratelimit::RateLimit = ratelimit::RateLimit {
    rate: 30.0,
    burst: 120.0,
};

impl Default for Settings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            allow_signup: true,
            public_url: "http://127.0.0.1:3000".into(),
            message_rate: ratelimit::RateLimit::default(),
            reaction_rate: REACTION_RATE,
            frame_rate: FRAME_RATE,
            connection_queue: hub::DEFAULT_QUEUE_CAPACITY,
            max_user_sockets: 32,
            max_user_polls: 16,
            group_mention_max: crate::validate::GROUP_MENTION_MAX,
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
    /// Chat messages and comment changes per user and second (shared
    /// through Redis by every instance when there is one).
    pub message_limiter: Arc<ratelimit::RateLimiter>,
    /// Reactions per user and second (shared like the message budget).
    pub reaction_limiter: Arc<ratelimit::RateLimiter>,
    /// Real-time client frames per user and second, on this instance.
    pub frame_limiter: Arc<ratelimit::RateLimiter>,
    /// Bounded Argon2 hashing.
    pub passwords: Arc<passwords::Passwords>,
    /// Failed logins per username and client address.
    pub login_throttle: Arc<login_throttle::LoginThrottle>,
    /// Open sockets and long polls per user.
    pub connection_caps: Arc<connection_caps::ConnectionCaps>,
    /// Commits chat messages in batches, then publishes them in order.
    pub message_writer: chat::MessageWriter,
}

impl Services {
    /// Wires the services with the in-process hub. Must run inside a Tokio
    /// runtime (it starts the message writer task).
    pub fn new(pool: AnyPool, settings: Settings) -> Self {
        Self::with_hub(pool, settings, hub::Hub::default(), Arc::default(), None)
    }

    /// Like [`new`](Self::new), with a given hub and presence, and the
    /// instance's Redis link for the state every instance shares (rate
    /// budgets, login throttling) when there is one.
    pub fn with_hub(
        pool: AnyPool,
        settings: Settings,
        hub: hub::Hub,
        presence: Arc<presence::Presence>,
        redis: Option<redis_link::RedisLink>,
    ) -> Self {
        let message_writer = chat::MessageWriter::start(pool.clone(), hub.clone());
        let (message_limiter, reaction_limiter, login_throttle) = match redis {
            Some(link) => (
                ratelimit::RateLimiter::shared(settings.message_rate, "messages", link.clone()),
                ratelimit::RateLimiter::shared(settings.reaction_rate, "reactions", link.clone()),
                login_throttle::LoginThrottle::shared(link),
            ),
            None => (
                ratelimit::RateLimiter::new(settings.message_rate),
                ratelimit::RateLimiter::new(settings.reaction_rate),
                login_throttle::LoginThrottle::default(),
            ),
        };
        Self {
            message_limiter: Arc::new(message_limiter),
            reaction_limiter: Arc::new(reaction_limiter),
            frame_limiter: Arc::new(ratelimit::RateLimiter::new(settings.frame_rate)),
            passwords: Arc::default(),
            login_throttle: Arc::new(login_throttle),
            connection_caps: Arc::new(connection_caps::ConnectionCaps::new(
                settings.max_user_sockets,
                settings.max_user_polls,
            )),
            pool,
            settings: Arc::new(settings),
            hub,
            presence,
            message_writer,
        }
    }

    /// Takes one unit of `user`'s message budget (a chat message, or a
    /// comment posted, edited or deleted): 429 with the wait when it is spent.
    pub async fn charge(&self, user: &crate::model::User) -> crate::error::AppResult<()> {
        self.message_limiter
            .check(user.id)
            .await
            .map_err(|wait| crate::error::AppError::RateLimited(wait.as_millis().max(1) as u64))
    }

    /// Takes one unit of `user`'s reaction budget: 429 with the wait when spent.
    pub async fn charge_reaction(&self, user: &crate::model::User) -> crate::error::AppResult<()> {
        self.reaction_limiter
            .check(user.id)
            .await
            .map_err(|wait| crate::error::AppError::RateLimited(wait.as_millis().max(1) as u64))
    }
}
