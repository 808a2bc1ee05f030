//! Server functions: the UI's calls into the service layer.
//!
//! Each one is a thin adapter: find the services and the logged-in user in the
//! request context, call `crate::services`, return its result. They are served
//! under `/rpc/...`; the JSON API for scripts is a separate set of routes in the
//! server crate that calls the same services.

pub mod auth;
pub mod boards;
pub mod chat;
pub mod comments;
pub mod live;

#[cfg(feature = "ssr")]
pub use ctx::Stopping;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    //! Request context for server functions (provided by the server crate).
    use crate::error::{AppError, AppResult};
    use crate::model::User;
    use crate::services::{auth, Services};
    use leptos::prelude::use_context;

    pub fn services() -> AppResult<Services> {
        use_context::<Services>()
            .ok_or_else(|| AppError::Internal("services missing from context".into()))
    }

    pub fn headers() -> http::HeaderMap {
        use_context::<http::request::Parts>()
            .map(|p| p.headers)
            .unwrap_or_default()
    }

    /// The client's address (put in the request by the server), for the
    /// login throttle.
    pub fn client() -> Option<crate::services::login_throttle::ClientAddr> {
        use_context::<http::request::Parts>().and_then(|p| {
            p.extensions
                .get::<crate::services::login_throttle::ClientAddr>()
                .copied()
        })
    }

    /// The services and the logged-in user, or 401.
    pub async fn user() -> AppResult<(Services, User)> {
        let svc = services()?;
        let user = auth::require_user(&svc, &headers()).await?;
        Ok((svc, user))
    }

    /// The services and the request's session, or 401 (long polls end with it).
    pub async fn session() -> AppResult<(Services, auth::Session)> {
        let svc = services()?;
        let session = auth::require_session(&svc, &headers()).await?;
        Ok((svc, session))
    }

    /// Turns `true` when the server shuts down (long polls answer at once).
    #[derive(Clone)]
    pub struct Stopping(pub tokio::sync::watch::Receiver<bool>);

    pub fn stopping() -> tokio::sync::watch::Receiver<bool> {
        use_context::<Stopping>()
            .map(|s| s.0)
            .unwrap_or_else(|| tokio::sync::watch::channel(false).1)
    }

    /// Sets a response header (cookies) on the server function's response.
    pub fn set_header(name: http::HeaderName, value: &str) {
        if let (Some(res), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(value),
        ) {
            res.append_header(name, value);
        }
    }
}
