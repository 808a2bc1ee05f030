//! Serving the browser bundle from inside the binary (see build.rs).
//!
//! Every file has a strong ETag (revalidation answers 304) and, when it is
//! worth compressing, brotli and gzip copies made at build time, chosen by the
//! request's `Accept-Encoding`. The bundle's own files (`/pkg/taskflow.*`) are
//! also served under content-hashed names (`/pkg/taskflow-<hash>.wasm`, the
//! names the pages use), which may be cached for a year: a new build has new
//! names.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file.
pub struct Asset {
    /// URL path, e.g. `/pkg/taskflow.wasm`.
    pub path: &'static str,
    /// The content-hashed URL path of a bundle file, e.g. `/pkg/taskflow-0a1b2c3d4e5f.wasm`.
    pub hashed_path: Option<&'static str>,
    pub body: &'static [u8],
    /// A gzip copy, for clients that accept it.
    pub gzip: Option<&'static [u8]>,
    /// A brotli copy (smaller still), for clients that accept it.
    pub brotli: Option<&'static [u8]>,
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// How long a content-hashed file may be cached (a year, never revalidated).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files under fixed names: cache, but ask each time (a cheap 304).
const REVALIDATE: &str = "no-cache";

/// The embedded file at this URL path, and whether the path was its hashed one.
pub fn find(path: &str) -> Option<(&'static Asset, bool)> {
    ASSETS.iter().find_map(|a| {
        if a.hashed_path == Some(path) {
            Some((a, true))
        } else if a.path == path {
            Some((a, false))
        } else {
            None
        }
    })
}

/// Whether the browser bundle was embedded (it is not in a plain `cargo build`).
pub fn has_bundle() -> bool {
    find("/pkg/taskflow.wasm").is_some()
}

/// The file name (without extension) pages load the bundle under:
/// `taskflow-<hash>` when the bundle is embedded.
pub fn bundle_name() -> &'static str {
    BUNDLE_NAME
}

/// In a split build (`cargo leptos build --split`), which WASM chunks each lazy
/// page needs, for the preload links of the pages that show it: wasm-split's
/// manifest (`pkg/__wasm_split_manifest.json`, chunk names already hashed by
/// build.rs), read once. Provided to the app as its context; `None` when the
/// bundle was not split.
pub fn split_manifest() -> Option<leptos::WasmSplitManifest> {
    static MANIFEST: std::sync::OnceLock<Option<leptos::WasmSplitManifest>> =
        std::sync::OnceLock::new();
    MANIFEST
        .get_or_init(|| {
            let (asset, _) = find("/pkg/__wasm_split_manifest.json")?;
            let preloads = serde_json::from_slice(asset.body).ok()?;
            Some(leptos::WasmSplitManifest(
                leptos::prelude::ArcStoredValue::new((
                    "/pkg".to_string(),
                    preloads,
                    SPLIT_LOADER_NAME.to_string(),
                )),
            ))
        })
        .clone()
}

/// Content codings a client accepts, from its `Accept-Encoding` (`q=0` refuses).
fn accepts(request_headers: &HeaderMap, coding: &str) -> bool {
    request_headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

/// Answers a GET for an embedded file: content type, caching, ETag
/// revalidation, and the smallest encoding the client accepts.
pub fn respond(asset: &'static Asset, hashed: bool, request_headers: &HeaderMap) -> Response {
    let mime = mime_guess::from_path(asset.path).first_or_octet_stream();
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == asset.etag || t.trim() == "*")
        });
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if hashed { IMMUTABLE } else { REVALIDATE }),
    );
    if asset.gzip.is_some() || asset.brotli.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if not_modified {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let (body, coding) = match (asset.brotli, asset.gzip) {
        (Some(br), _) if accepts(request_headers, "br") => (br, Some("br")),
        (_, Some(gz)) if accepts(request_headers, "gzip") => (gz, Some("gzip")),
        _ => (asset.body, None),
    };
    if let Some(coding) = coding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    (StatusCode::OK, headers, Body::from(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_encoding(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, value.parse().unwrap());
        h
    }

    #[test]
    fn reads_accept_encoding() {
        assert!(accepts(&with_encoding("gzip, deflate, br"), "br"));
        assert!(accepts(&with_encoding("gzip, deflate, br"), "gzip"));
        assert!(!accepts(&with_encoding("gzip, br;q=0"), "br"));
        assert!(accepts(&with_encoding("GZIP;q=0.5"), "gzip"));
        assert!(!accepts(&with_encoding("identity"), "gzip"));
        assert!(!accepts(&HeaderMap::new(), "br"));
    }

    static SAMPLE: Asset = Asset {
        path: "/pkg/taskflow.js",
        hashed_path: Some("/pkg/taskflow-0123456789ab.js"),
        body: b"plain",
        gzip: Some(b"gz"),
        brotli: Some(b"br"),
        etag: "\"e1\"",
    };

    #[test]
    fn picks_the_smallest_accepted_encoding_and_caches_by_name() {
        let r = respond(&SAMPLE, true, &with_encoding("gzip, br"));
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(r.headers()[header::CACHE_CONTROL], IMMUTABLE);
        let r = respond(&SAMPLE, false, &with_encoding("gzip"));
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(r.headers()[header::CACHE_CONTROL], REVALIDATE);
        let r = respond(&SAMPLE, false, &HeaderMap::new());
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        let mut h = with_encoding("br");
        h.insert(header::IF_NONE_MATCH, "\"e1\"".parse().unwrap());
        assert_eq!(
            respond(&SAMPLE, true, &h).status(),
            StatusCode::NOT_MODIFIED
        );
    }
}
