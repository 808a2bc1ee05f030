//! Cross-site request forgery protection for every state-changing request
//! (server functions, the JSON API, plain form posts).
//!
//! A POST/PUT/PATCH/DELETE must say where it comes from: its `Origin` header
//! (or, if a browser left that out, its `Referer`) must be the configured
//! public URL's origin or the request's own `Host`. A page on another site
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
        if let Err(reason) = check(request.headers(), &state.public_origin) {
            return HttpError::CrossSite(reason).into_response();
        }
    }
    next.run(request).await
}

/// Is this request same-origin? `Err` says why not.
pub fn check(headers: &HeaderMap, public_origin: &str) -> Result<(), String> {
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
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let same_host = host.is_some_and(|h| authority_of(&claimed) == Some(h));
    if claimed.eq_ignore_ascii_case(public_origin) || same_host {
        Ok(())
    } else {
        Err(format!(
            "cross-site request refused: origin {claimed:?} is not this site"
        ))
    }
}

/// `https://example.com:8443/path` → `https://example.com:8443`.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

fn authority_of(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, a)| a)
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
        assert!(check(&headers(&[("origin", o)]), o).is_ok());
        assert!(check(
            &headers(&[("referer", "http://127.0.0.1:3000/boards/1")]),
            o
        )
        .is_ok());
        // Reached by another name (localhost): same host as the request.
        assert!(check(
            &headers(&[
                ("origin", "http://localhost:3000"),
                ("host", "localhost:3000")
            ]),
            o
        )
        .is_ok());
    }

    #[test]
    fn cross_site_and_anonymous_requests_fail() {
        let o = "http://127.0.0.1:3000";
        assert!(check(&headers(&[("origin", "https://evil.example")]), o).is_err());
        assert!(check(&headers(&[("origin", "null")]), o).is_err());
        assert!(check(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            o
        )
        .is_err());
        assert!(check(&headers(&[("referer", "https://evil.example/x")]), o).is_err());
        assert!(check(&HeaderMap::new(), o).is_err());
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
