//! Cross-site request forgery protection for every state-changing request
//! (server functions, the JSON API, plain form posts).
//!
//! A POST/PUT/PATCH/DELETE must say where it comes from: its `Origin` header
//! (or, if a browser left that out, its `Referer`) must be the configured
//! public URL's origin, or the request's own `Host` (already checked against
//! the allowed hosts, see `hosts`) with the public URL's scheme — with an
//! https public URL, an `http://` origin is refused. A page on another site
//! cannot forge either, so its requests are refused with 403 and change
//! nothing. Scripts calling the API send `Origin: <public URL>`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::HttpError;
use crate::AppState;

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if !safe {
        let host = crate::hosts::request_host(&request);
        if let Err(reason) = check(request.headers(), host.as_deref(), &state.public_origin) {
            return HttpError::CrossSite(reason).into_response();
        }
    }
    next.run(request).await
}

/// Is this request same-origin? `host` is the host it names; `Err` says why not.
pub fn check(headers: &HeaderMap, host: Option<&str>, public_origin: &str) -> Result<(), String> {
    let claimed = match headers.get(header::ORIGIN) {
        Some(origin) => origin.to_str().unwrap_or("").to_string(),
        None => match headers.get(header::REFERER).and_then(|r| r.to_str().ok()) {
            Some(referer) => origin_of(referer).unwrap_or_default(),
            None => {
                return Err(
                    "cross-site request refused: the request has no Origin header (send `Origin: <public URL>`)".into(),
                )
            }
        },
    };
    let scheme = public_origin.split_once("://").map_or("http", |(s, _)| s);
    let same_host = host.is_some_and(|h| {
        claimed.split_once("://").is_some_and(|(s, authority)| {
            s.eq_ignore_ascii_case(scheme) && authority.eq_ignore_ascii_case(h)
        })
    });
    if claimed.eq_ignore_ascii_case(public_origin) || same_host {
        Ok(())
    } else {
        Err(format!(
            "cross-site request refused: origin {claimed:?} is not this site ({public_origin})"
        ))
    }
}

/// `https://example.com:8443/path` → `https://example.com:8443`.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn same_origin_passes() {
        let o = "http://127.0.0.1:3000";
        assert!(check(&headers(&[("origin", o)]), None, o).is_ok());
        assert!(check(
            &headers(&[("referer", "http://127.0.0.1:3000/boards/1")]),
            None,
            o
        )
        .is_ok());
        // Reached by another allowed name (localhost): same host as the request.
        assert!(check(
            &headers(&[("origin", "http://localhost:3000")]),
            Some("localhost:3000"),
            o
        )
        .is_ok());
    }

    #[test]
    fn cross_site_and_anonymous_requests_fail() {
        let o = "http://127.0.0.1:3000";
        assert!(check(&headers(&[("origin", "https://evil.example")]), None, o).is_err());
        assert!(check(&headers(&[("origin", "null")]), None, o).is_err());
        assert!(check(
            &headers(&[("origin", "https://evil.example")]),
            Some("127.0.0.1:3000"),
            o
        )
        .is_err());
        assert!(check(&headers(&[("referer", "https://evil.example/x")]), None, o).is_err());
        assert!(check(&HeaderMap::new(), None, o).is_err());
    }

    #[test]
    fn the_scheme_must_match_the_public_url() {
        let o = "https://tasks.example.com";
        assert!(check(&headers(&[("origin", o)]), Some("tasks.example.com"), o).is_ok());
        assert!(check(
            &headers(&[("origin", "http://tasks.example.com")]),
            Some("tasks.example.com"),
            o
        )
        .is_err());
    }

    #[test]
    fn origin_of_urls() {
        assert_eq!(
            origin_of("https://a.b:1/x?y").as_deref(),
            Some("https://a.b:1")
        );
        assert_eq!(origin_of("nonsense"), None);
    }
}
