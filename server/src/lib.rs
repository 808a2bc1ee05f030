//! The `taskflow` server: wires the service layer (in the `app` crate) to
//! HTTP — the Leptos pages and server functions, the JSON API, the embedded
//! browser bundle — and runs it.
//!
//! - [`config`]: the command line / environment.
//! - [`api`]: JSON API routes; [`extract`]: their extractors; [`error`]: HTTP errors.
//! - [`csrf`]: cross-site request protection; [`assets`]: the embedded bundle.

pub mod api;
pub mod assets;
pub mod comments;
pub mod config;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod messaging;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

use app::services::{storage, Services, Settings};
use app::{shell, App};

use crate::config::ServeArgs;
use crate::error::HttpError;

/// Shared state of every request.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    /// Origin of the public URL, for the cross-site check.
    pub public_origin: String,
    pub max_body_bytes: usize,
    /// Serve the bundle from this folder instead of the embedded copy.
    pub site_dir: Option<PathBuf>,
    /// Turns `true` when the server is shutting down (live connections close).
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// Opens the database (creating it and applying migrations).
pub async fn open_database(
    url: &str,
    max_connections: u32,
) -> Result<sqlx::AnyPool, app::error::AppError> {
    let pool = storage::connect(url, max_connections).await?;
    storage::migrate(&pool).await?;
    Ok(pool)
}

/// Builds the whole application router.
pub fn router(
    services: Services,
    args: &ServeArgs,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let public_url = args.public_url();
    let leptos_options = LeptosOptions::builder()
        .output_name("taskflow")
        .site_pkg_dir("pkg")
        .site_root(
            args.site_dir
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "target/site".into()),
        )
        .site_addr(args.bind)
        .build();
    let state = AppState {
        leptos_options: leptos_options.clone(),
        services: services.clone(),
        public_origin: csrf::origin_of(&public_url).unwrap_or(public_url),
        max_body_bytes: args.max_body_bytes,
        site_dir: args.site_dir.clone(),
        stopping,
    };
    let routes = generate_route_list(App);
    let leptos_context = {
        let services = services.clone();
        let stopping = app::api::Stopping(state.stopping.clone());
        move || {
            provide_context(services.clone());
            provide_context(stopping.clone());
        }
    };
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api::routes())
        .merge(messaging::routes())
        .merge(comments::routes())
        .merge(ws::routes())
        .leptos_routes_with_context(&state, routes, leptos_context, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(fallback)
        .layer(middleware::from_fn(server_fn_status))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(middleware::from_fn_with_state(state.clone(), limit_body))
        .layer(DefaultBodyLimit::max(args.max_body_bytes))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// A running server (used by `main` and by the integration tests).
pub struct Running {
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds and serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn start(
    services: Services,
    args: &ServeArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    let addr = listener.local_addr()?;
    let mut args = args.clone();
    args.bind = addr;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let app = router(services, &args, stop_rx);
    // Tell live connections first (WebSockets close with "service restart"
    // and clients resume elsewhere), then let axum finish in-flight requests.
    let shutdown = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    if !assets::has_bundle() && args.site_dir.is_none() {
        tracing::warn!(
            "this binary has no browser bundle embedded: pages render but do not hydrate \
             (build with scripts/build.sh)"
        );
    }
    // Real-time frames are small: send each at once instead of letting Nagle's
    // algorithm hold it for the previous segment's (delayed) ACK, which cost
    // up to ~40 ms per frame (browsers disable Nagle on their side too).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
    });
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    });
    Ok(Running { addr, task })
}

/// The service layer for this configuration: with `--redis-url`, a hub whose
/// events reach every instance on that Redis and presence shared through it
/// (Redis must answer at start); otherwise both in process. Must run inside a
/// Tokio runtime.
pub async fn services(pool: sqlx::AnyPool, args: &ServeArgs) -> Result<Services, String> {
    use app::services::{hub::Hub, hub_redis, presence::Presence};
    let (hub, presence) = match &args.redis_url {
        Some(url) => {
            let at = storage::redact(url);
            let hub = hub_redis::hub(url).map_err(|e| format!("Redis at {at}: {e}"))?;
            let presence = Presence::with_redis(url)
                .await
                .map_err(|e| format!("Redis at {at}: {e}"))?;
            (hub, presence)
        }
        None => (Hub::default(), std::sync::Arc::default()),
    };
    Ok(Services::with_hub(pool, settings(args), hub, presence))
}

/// Service-layer settings from the command line.
pub fn settings(args: &ServeArgs) -> Settings {
    Settings {
        secure_cookies: args.public_url().starts_with("https://"),
        session_ttl: Duration::from_secs(args.session_days * 24 * 3600),
        allow_signup: args.allow_signup,
        message_rate: app::services::ratelimit::RateLimit {
            rate: args.message_rate.max(0.0),
            burst: args.message_burst.max(1.0),
        },
        connection_queue: args.ws_queue as usize,
    }
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    match storage::ping(&state.services.pool).await {
        Ok(()) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(_) => HttpError::Unavailable.into_response(),
    }
}

/// Server functions answer every error with 500; give failed ones the status
/// their [`AppError`](app::error::AppError) stands for (401, 403, 404, ...), so
/// the UI and the JSON API agree on what each failure means.
async fn server_fn_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    // (A plain-HTML form post that failed is a redirect back to the form: keep it.)
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1024 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Refuses bodies whose declared length is over the limit before reading them.
async fn limit_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > state.max_body_bytes) {
        return HttpError::PayloadTooLarge(state.max_body_bytes).into_response();
    }
    next.run(request).await
}

/// Everything no route matched: a bundle file, a JSON 404 under `/api`, or
/// the app's own "not found" page.
async fn fallback(State(state): State<AppState>, request: Request<Body>) -> Response {
    let path = request.uri().path().to_string();
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        if let Some(dir) = &state.site_dir {
            if let Some(response) = serve_from_disk(dir, &path).await {
                return response;
            }
        } else if let Some(asset) = assets::find(&path) {
            return assets::respond(asset, request.headers());
        }
    }
    if path.starts_with("/api/") || path.starts_with("/rpc/") || path.starts_with("/messaging/") {
        return HttpError::App(app::error::AppError::NotFound("no such route".into()))
            .into_response();
    }
    let options = state.leptos_options.clone();
    let services = state.services.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || provide_context(services.clone()),
        move || shell(options.clone()),
    );
    let mut response = render(request).await.into_response();
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

/// Development mode (`--site-dir`): files straight from a folder.
async fn serve_from_disk(dir: &std::path::Path, path: &str) -> Option<Response> {
    let relative = path.trim_start_matches('/');
    if relative.is_empty()
        || relative
            .split('/')
            .any(|part| part == ".." || part.is_empty())
    {
        return None;
    }
    let bytes = tokio::fs::read(dir.join(relative)).await.ok()?;
    let mime = mime_guess::from_path(relative).first_or_octet_stream();
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, mime.as_ref().parse().ok()?);
    headers.insert(header::CACHE_CONTROL, "no-cache".parse().ok()?);
    Some((headers, bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_public_url_makes_cookies_secure() {
        let mut args = ServeArgs::for_address("127.0.0.1:3000".parse().unwrap());
        assert!(!settings(&args).secure_cookies);
        assert_eq!(args.public_url(), "http://127.0.0.1:3000");
        args.public_url = Some("https://tasks.example.com/".into());
        assert!(settings(&args).secure_cookies);
        assert_eq!(args.public_url(), "https://tasks.example.com");
        assert_eq!(
            settings(&args).session_ttl,
            Duration::from_secs(30 * 24 * 3600)
        );
    }
}
