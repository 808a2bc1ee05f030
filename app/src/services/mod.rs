//! The service layer: every rule of TaskFlow lives here, once.
//!
//! Server functions (the UI) and the JSON API (scripts, tests, the HTTP
//! fallback) are thin adapters over these functions. Each operation takes the
//! acting user and checks membership itself, so no entry point can forget it.

pub mod auth;
pub mod boards;
pub mod chat;
pub mod columns;
pub mod positions;
pub mod storage;
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            allow_signup: true,
        }
    }
}

/// Handle to everything the services need; cheap to clone, shared by all requests.
#[derive(Clone)]
pub struct Services {
    pub pool: AnyPool,
    pub settings: Arc<Settings>,
}

impl Services {
    pub fn new(pool: AnyPool, settings: Settings) -> Self {
        Self {
            pool,
            settings: Arc::new(settings),
        }
    }
}
