//! The `taskflow` server: wires the service layer (in the `app` crate) to
//! HTTP — the Leptos pages and server functions, the JSON API, the embedded
//! browser bundle — and runs it.
//!
//! - [`config`]: the command line / environment; [`serve`]: the server loop
//!   (connection time limits).
//! - [`api`], [`messaging`], [`comments`], [`ws`]: the routes; [`extract`]:
//!   their extractors; [`error`]: HTTP errors (request ids, no internals).
//! - The edge, outermost first: request ids and tracing, compression,
//!   [`security`] headers, [`hosts`] (allowed host names), [`client_addr`]
//!   (who is asking, for login throttling), body limits, [`csrf`].
//! - [`assets`]: the embedded bundle.

pub mod api;
pub mod assets;
pub mod client_addr;
pub mod comments;
pub mod config;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod hosts;
pub mod kanban;
pub mod messaging;
pub mod params;
pub mod security;
pub mod serve;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};

use app::services::redis_link::RedisLink;
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
    /// The host names requests may name.
    pub hosts: hosts::HostPolicy,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
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
    let started = std::time::Instant::now();
    let rendered = app::services::posts::backfill_html(&pool).await?
        + app::services::task_rows::backfill_description_html(&pool).await?;
    if rendered > 0 {
        tracing::info!(
            rendered,
            ms = started.elapsed().as_millis() as u64,
            "rendered the Markdown of earlier messages, comments and task descriptions"
        );
    }
    app::services::auth::warn_reserved_usernames(&pool).await?;
    Ok(pool)
}

/// Builds the whole application router.
pub fn router(
    services: Services,
    args: &ServeArgs,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let public_url = args.public_url();
    // Pages load the bundle under its content-hashed name (see build.rs),
    // except in development, from a folder.
    let embedded = args.site_dir.is_none() && assets::has_bundle();
    let output_name = if embedded {
        assets::bundle_name()
    } else {
        "taskflow"
    };
    // The embedded bundle's split manifest names its hashed chunks; Leptos
    // would otherwise read the unhashed one from `site_root` on disk when
    // there is one (a checkout's target/site), so it gets a folder that is
    // not there.
    let split_manifest = if embedded {
        assets::split_manifest()
    } else {
        None
    };
    let leptos_options = LeptosOptions::builder()
        .output_name(output_name)
        .site_pkg_dir("pkg")
        .site_root(match &args.site_dir {
            Some(dir) => dir.display().to_string(),
            None if embedded => "(embedded)".into(),
            None => "target/site".into(),
        })
        .site_addr(args.bind)
        .build();
    let state = AppState {
        leptos_options: leptos_options.clone(),
        services: services.clone(),
        public_origin: csrf::origin_of(&public_url).unwrap_or(public_url.clone()),
        hosts: hosts::HostPolicy::new(args),
        trusted_proxies: Arc::new(args.trusted_proxies.clone()),
        max_body_bytes: args.max_body_bytes,
        site_dir: args.site_dir.clone(),
        stopping,
    };
    let routes = route_list();
    let leptos_context = {
        let services = services.clone();
        let stopping = app::api::Stopping(state.stopping.clone());
        move || {
            provide_context(services.clone());
            provide_context(stopping.clone());
            if let Some(manifest) = split_manifest.clone() {
                provide_context(manifest);
            }
        }
    };
    let app = Router::new()
        .route("/healthz", get(healthz))
        .merge(api::routes())
        .merge(kanban::routes())
        .merge(messaging::routes())
        .merge(comments::routes())
        .merge(ws::routes())
        .leptos_routes_with_context(&state, routes, leptos_context, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(fallback)
        // From here outwards: the edge, innermost first.
        .layer(middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(middleware::from_fn_with_state(state.clone(), limit_body))
        .layer(DefaultBodyLimit::max(args.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_addr::tag,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), hosts::guard))
        .layer(middleware::from_fn(error::finish));
    let app = security::headers(app, public_url.starts_with("https://"));
    app.layer(compression())
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(request_span)
                // Failed requests are logged once, by `error` (with their
                // code and request id), not a second time here.
                .on_failure(
                    tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
                ),
        )
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
        .layer(middleware::from_fn(drop_odd_request_ids))
        .with_state(state)
}

/// The app's routes, listed once per process. Listing renders the app with
/// resource loading switched off by a process-wide flag (leptos#4773), so a
/// page that another server of this process renders at that moment would wait
/// forever. A deployment runs one server per process; the tests run many.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Brotli or gzip for pages, JSON and uncompressed files, whichever the
/// client prefers. Never for a WebSocket upgrade (101), nor for what is
/// already compressed (the bundle's precompressed copies) or tiny.
fn compression(
) -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, Predicate};
    let not_upgrade =
        |status: StatusCode, _: axum::http::Version, _: &HeaderMap, _: &axum::http::Extensions| {
            status != StatusCode::SWITCHING_PROTOCOLS
        };
    tower_http::compression::CompressionLayer::new()
        .br(true)
        .gzip(true)
        .compress_when(DefaultPredicate::new().and(not_upgrade))
}

/// One span per request, with its id (every log line of the request has it).
fn request_span(request: &Request<Body>) -> tracing::Span {
    let id = request
        .headers()
        .get(error::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
}

/// A request id a proxy sent is kept (its logs and ours then match), but only
/// if it looks like one: short, and letters, digits, `-`, `_`, `.` only.
async fn drop_odd_request_ids(mut request: Request, next: Next) -> Response {
    let odd = request.headers().get(error::REQUEST_ID).is_some_and(|v| {
        let b = v.as_bytes();
        b.is_empty()
            || b.len() > 64
            || !b
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
    });
    if odd {
        request.headers_mut().remove(error::REQUEST_ID);
    }
    next.run(request).await
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
    tokio::spawn(app::services::board_events::prune_hourly(
        services.pool.clone(),
        stop_rx.clone(),
    ));
    tokio::spawn(app::services::due_reminders::every_minute(
        services.clone(),
        stop_rx.clone(),
    ));
    let app = router(services, &args, stop_rx);
    // Tell live connections first (WebSockets close with "service restart"
    // and clients resume elsewhere), then let the open connections finish.
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
    let task = tokio::spawn(serve::run(listener, app, shutdown));
    Ok(Running { addr, task })
}

/// The service layer for this configuration: with `--redis-url`, one shared
/// Redis link for the hub (events reach every instance on that Redis),
/// presence, rate budgets and login throttling (Redis must answer at start);
/// otherwise all of it in process. Must run inside a Tokio runtime.
pub async fn services(pool: sqlx::AnyPool, args: &ServeArgs) -> Result<Services, String> {
    use app::services::{hub::Hub, hub_redis, presence::Presence};
    let (hub, presence, link) = match &args.redis_url {
        Some(url) => {
            let link = RedisLink::connect(url)
                .await
                .map_err(|e| format!("Redis at {}: {e}", storage::redact(url)))?;
            (
                hub_redis::hub(&link),
                Presence::with_redis(&link),
                Some(link),
            )
        }
        None => (Hub::default(), std::sync::Arc::default(), None),
    };
    Ok(Services::with_hub(
        pool,
        settings(args),
        hub,
        presence,
        link,
    ))
}

/// The service layer without the real-time parts, for commands that only
/// touch the database (`migrate`, `backup`, `create-user`): no Redis needed.
pub fn offline_services(pool: sqlx::AnyPool, args: &ServeArgs) -> Services {
    Services::new(pool, settings(args))
}

/// Service-layer settings from the command line.
pub fn settings(args: &ServeArgs) -> Settings {
    Settings {
        secure_cookies: args.public_url().starts_with("https://"),
        session_ttl: Duration::from_secs(args.session_days * 24 * 3600),
        allow_signup: args.signup_open(),
        public_url: args.public_url(),
        message_rate: app::services::ratelimit::RateLimit {
            rate: args.message_rate.max(0.0),
            burst: args.message_burst.max(1.0),
        },
        reaction_rate: app::services::ratelimit::RateLimit {
            rate: args.reaction_rate.max(0.0),
            burst: args.reaction_burst.max(1.0),
        },
        frame_rate: app::services::ratelimit::RateLimit {
            rate: args.frame_rate.max(0.0),
            burst: args.frame_burst.max(1.0),
        },
        connection_queue: args.ws_queue as usize,
        max_user_sockets: args.max_user_sockets as usize,
        max_user_polls: args.max_user_polls as usize,
        group_mention_max: args.group_mention_max as usize,
    }
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    match storage::ping(&state.services.pool).await {
        Ok(()) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(_) => HttpError::Unavailable.into_response(),
    }
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
        } else if let Some((asset, hashed)) = assets::find(&path) {
            return assets::respond(asset, hashed, request.headers());
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
        args.public_url = Some(url::Url::parse("https://tasks.example.com/").unwrap());
        assert!(settings(&args).secure_cookies);
        assert_eq!(args.public_url(), "https://tasks.example.com");
        assert_eq!(
            settings(&args).session_ttl,
            Duration::from_secs(30 * 24 * 3600)
        );
    }
}
