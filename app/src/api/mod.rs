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

pub use codec::FormOrJson;

mod codec {
    //! How server functions take their arguments.
    //!
    //! The browser sends JSON: its serializer is in the bundle anyway (for
    //! the live connection), while form encoding would add serde_qs to the
    //! bundle for nothing. The server reads JSON, and form data too (a
    //! `<form method="post">` submitted before the page has hydrated or
    //! without script, and scripts that call `/rpc` with form fields).
    //! Arguments are always an object, so a JSON body starts with `{`; a
    //! form body never does (a browser writes `{` in a field name as `%7B`).
    use leptos::server_fn::codec::Post;
    use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    /// Arguments as JSON from the UI; JSON or form data accepted (POST).
    pub type FormOrJson = Post<FormOrJsonEncoding>;

    /// See [`FormOrJson`].
    pub struct FormOrJsonEncoding;

    impl ContentType for FormOrJsonEncoding {
        const CONTENT_TYPE: &'static str = "application/json";
    }

    impl FormatType for FormOrJsonEncoding {
        const FORMAT_TYPE: Format = Format::Text;
    }

    impl<T: Serialize> Encodes<T> for FormOrJsonEncoding {
        type Error = serde_json::Error;

        fn encode(args: &T) -> Result<Bytes, serde_json::Error> {
            serde_json::to_vec(args).map(Bytes::from)
        }
    }

    impl<T: DeserializeOwned> Decodes<T> for FormOrJsonEncoding {
        type Error = String;

        fn decode(body: Bytes) -> Result<T, String> {
            let text = std::str::from_utf8(&body).map_err(|e| format!("not UTF-8: {e}"))?;
            if text.trim_start().starts_with('{') {
                serde_json::from_str(text).map_err(|e| e.to_string())
            } else {
                decode_form(text)
            }
        }
    }

    /// Form fields, read as server_fn's own form encoding reads them.
    #[cfg(feature = "ssr")]
    fn decode_form<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        serde_qs::Config::new(5, false)
            .deserialize_str(text)
            .map_err(|e| e.to_string())
    }

    /// The browser never reads arguments; server_fn's client still asks for
    /// the `Decodes` bound.
    #[cfg(not(feature = "ssr"))]
    fn decode_form<T: DeserializeOwned>(_: &str) -> Result<T, String> {
        Err("form data is read on the server".into())
    }
}

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
