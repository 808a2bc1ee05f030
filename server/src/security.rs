//! Security headers on every response.
//!
//! - `X-Content-Type-Options: nosniff`: files are only what their type says.
//! - `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no framing
//!   (clickjacking).
//! - A Content-Security-Policy: pages set their own, with the nonce of their
//!   hydration script (`app::ui::content_security_policy`); every other
//!   response gets `default-src 'none'`, so a JSON or file response opened as
//!   a document can run nothing.
//! - `Referrer-Policy: same-origin`; with an https public URL also
//!   `Strict-Transport-Security`.

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of every response that is not a page.
pub const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Adds the headers to every route of `router`.
pub fn headers<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let hsts = https.then(|| HeaderValue::from_static("max-age=31536000"));
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            hsts,
        ))
}
