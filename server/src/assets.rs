//! Serving the browser bundle from inside the binary (see build.rs).

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file.
pub struct Asset {
    /// URL path, e.g. `/pkg/taskflow.wasm`.
    pub path: &'static str,
    pub body: &'static [u8],
    /// A gzip copy, for clients that accept it.
    pub gzip: Option<&'static [u8]>,
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The embedded file at this URL path, if any.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// Whether the browser bundle was embedded (it is not in a plain `cargo build`).
pub fn has_bundle() -> bool {
    find("/pkg/taskflow.wasm").is_some()
}

/// Answers a GET for an embedded file: content type, ETag revalidation, gzip.
pub fn respond(asset: &'static Asset, request_headers: &HeaderMap) -> Response {
    let mime = mime_guess::from_path(asset.path).first_or_octet_stream();
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == asset.etag));
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    // File names are not content-hashed, so browsers revalidate (cheap 304s).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let accepts_gzip = request_headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let body = match asset.gzip {
        Some(gz) if accepts_gzip => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            gz
        }
        _ => asset.body,
    };
    (StatusCode::OK, headers, Body::from(body)).into_response()
}
