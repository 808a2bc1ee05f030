//! Test harness: a real TaskFlow server in-process on a random port, with a
//! fresh database, and an HTTP client that keeps cookies like a browser.
//!
//! The database is a fresh SQLite file, or — when `TASKFLOW_TEST_DATABASE` is a
//! `postgres://` URL (a database to connect to, e.g. `…/postgres`) — a fresh
//! PostgreSQL database created for each server and dropped afterwards. Without
//! a reachable PostgreSQL those runs fail with a message saying so.
#![allow(dead_code)]

pub mod ws;

use std::net::SocketAddr;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use app::services::Services;
use server::config::ServeArgs;

pub struct TestServer {
    pub base: String,
    pub services: Services,
    pub db_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
    /// A PostgreSQL database this server owns (dropped with it).
    pg_database: Option<PgDatabase>,
}

/// Which database engine the tests run on.
pub fn on_postgres() -> bool {
    admin_url().is_some()
}

fn admin_url() -> Option<String> {
    std::env::var("TASKFLOW_TEST_DATABASE")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// A fresh database URL: a SQLite file in `dir`, or a new PostgreSQL database.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    let Some(admin) = admin_url() else {
        return format!("sqlite://{}/taskflow.db", dir.display());
    };
    new_postgres_database(&admin).await
}

/// A fresh database (as [`fresh_database`]) with only the migrations before
/// `version` run (asserting there are `expected` of them): an upgrade test
/// fills it with what came before, closes the pool and starts a server on
/// it, which runs the rest. Also says whether it is PostgreSQL.
pub async fn database_before(
    dir: &std::path::Path,
    version: i64,
    expected: usize,
) -> (String, sqlx::AnyPool, bool) {
    use app::services::storage::{connect, dialect, Dialect};
    let db_url = fresh_database(dir).await;
    let pool = connect(&db_url, 2).await.unwrap();
    let postgres = dialect(&pool).await.unwrap() == Dialect::Postgres;
    let folder = if postgres { "postgres" } else { "sqlite" };
    let path = format!("{}/../migrations/{folder}", env!("CARGO_MANIFEST_DIR"));
    let mut before = sqlx::migrate::Migrator::new(std::path::Path::new(&path))
        .await
        .unwrap();
    before.migrations = std::borrow::Cow::Owned(
        before
            .migrations
            .iter()
            .filter(|m| m.version < version)
            .cloned()
            .collect(),
    );
    assert_eq!(
        before.migrations.len(),
        expected,
        "migrations before {version}"
    );
    before.run(&pool).await.unwrap();
    (db_url, pool, postgres)
}

/// After rows were inserted with explicit ids into a database made by
/// [`database_before`]: on PostgreSQL the identities stay behind, so catch
/// them up to each table's largest id (SQLite needs nothing).
pub async fn catch_up_ids(pool: &sqlx::AnyPool, postgres: bool, tables: &[&str]) {
    if !postgres {
        return;
    }
    for table in tables {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        ))
        .execute(pool)
        .await
        .unwrap();
    }
}

/// A fresh PostgreSQL database for tests that always need PostgreSQL (the
/// scale-out tests): through `TASKFLOW_TEST_DATABASE`, or the local server.
/// Dropped with the returned guard.
pub async fn postgres_database() -> (String, PgDatabase) {
    let admin =
        admin_url().unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let url = new_postgres_database(&admin).await;
    let name = url
        .split('?')
        .next()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let guard = PgDatabase {
        admin,
        name: name.to_string(),
    };
    (url, guard)
}

async fn new_postgres_database(admin: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = format!(
        "taskflow_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    admin_query(admin, &format!("CREATE DATABASE {name}")).await;
    database_url(admin, &name)
}

/// `admin` with its database replaced by `name`.
fn database_url(admin: &str, name: &str) -> String {
    let (base, query) = admin
        .split_once('?')
        .map_or((admin, None), |(b, q)| (b, Some(q)));
    let prefix = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => &base[..slash],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

async fn admin_query(admin: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "TASKFLOW_TEST_DATABASE={admin}: cannot reach PostgreSQL ({e}). \
             Start it (scripts/services.sh) or unset the variable to test on SQLite."
            )
        });
    sqlx::query(sql)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

/// Drops its PostgreSQL database when the test is over.
pub struct PgDatabase {
    admin: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let admin = self.admin.clone();
        // Drop runs inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(admin_query(&admin, &sql));
            }
        })
        .join();
    }
}

fn owned_database(db_url: &str) -> Option<PgDatabase> {
    let admin = admin_url()?;
    let name = db_url.split('?').next()?.rsplit('/').next()?.to_string();
    name.starts_with("taskflow_test_")
        .then_some(PgDatabase { admin, name })
}

impl TestServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = fresh_database(dir.path()).await;
        Self::start_on(dir, db_url).await
    }

    pub async fn start_on(dir: tempfile::TempDir, db_url: String) -> Self {
        Self::start_with(dir, db_url, |_| {}).await
    }

    /// A server with a fresh database and some settings changed.
    pub async fn start_configured(configure: impl FnOnce(&mut ServeArgs)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = fresh_database(dir.path()).await;
        Self::start_with(dir, db_url, configure).await
    }

    pub async fn start_with(
        dir: tempfile::TempDir,
        db_url: String,
        configure: impl FnOnce(&mut ServeArgs),
    ) -> Self {
        let pool = server::open_database(&db_url, 8)
            .await
            .expect("open database");
        let mut args = ServeArgs::for_address("127.0.0.1:0".parse::<SocketAddr>().unwrap());
        configure(&mut args);
        let services = server::services(pool, &args).await.expect("services");
        let (tx, rx) = oneshot::channel::<()>();
        let running = server::start(services.clone(), &args, async {
            let _ = rx.await;
        })
        .await
        .expect("start server");
        TestServer {
            base: format!("http://{}", running.addr),
            services,
            pg_database: owned_database(&db_url),
            db_url,
            shutdown: Some(tx),
            task: Some(running.task),
            _dir: dir,
        }
    }

    /// A new browser-like client (own cookie jar, same-origin `Origin` header).
    pub fn client(&self) -> Client {
        Client::new(&self.base, Some(&self.base))
    }

    /// A client whose requests claim to come from another site.
    pub fn cross_site_client(&self) -> Client {
        Client::new(&self.base, Some("https://evil.example"))
    }

    /// A client that sends no `Origin` at all.
    pub fn anonymous_origin_client(&self) -> Client {
        Client::new(&self.base, None)
    }

    /// Signs up a user and returns their logged-in client and id.
    pub async fn user(&self, username: &str) -> (Client, i64) {
        let c = self.client();
        let (status, body) = c
            .send(
                Method::POST,
                "/api/auth/signup",
                Some(json!({"username": username, "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "signup {username}: {body}");
        let id = body["id"].as_i64().expect("user id");
        (c, id)
    }

    /// A user's id, by username (from the database).
    pub async fn user_id_of(&self, username: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&self.services.pool)
            .await
            .expect("user exists")
    }

    pub async fn stop(mut self) {
        self.shutdown_now().await;
    }

    /// Stops the server but keeps its database, to start again on it.
    pub async fn stop_keeping_data(mut self) -> (tempfile::TempDir, String) {
        self.shutdown_now().await;
        // The next server on this database owns it now.
        if let Some(db) = self.pg_database.take() {
            std::mem::forget(db);
        }
        let db_url = self.db_url.clone();
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().unwrap());
        (dir, db_url)
    }

    async fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            // Open WebSockets keep a graceful shutdown waiting; do not hang on them.
            let abort = task.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        self.services.pool.close().await;
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    origin: Option<String>,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Client {
    pub fn new(base: &str, origin: Option<&str>) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Client {
            http: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                // A hung request fails the test instead of hanging the run.
                .timeout(std::time::Duration::from_secs(60))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_string(),
            origin: origin.map(str::to_string),
            jar,
        }
    }

    /// Another handle on the same session (for a request run on another task).
    pub fn clone_session(&self) -> Client {
        Client {
            http: self.http.clone(),
            base: self.base.clone(),
            origin: self.origin.clone(),
            jar: self.jar.clone(),
        }
    }

    /// The `Cookie` header this client would send (its session).
    pub fn cookie_header(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        self.jar
            .cookies(&self.base.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_string())
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(o) = &self.origin {
            rb = rb.header("origin", o);
        }
        rb
    }

    /// Sends JSON (or nothing) and returns the status and the JSON answer (`null` if none).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self.request(method, path);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let res = rb.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::DELETE, path, None).await
    }
    /// A `PUT` with no body (adding a reaction).
    pub async fn put(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::PUT, path, None).await
    }

    /// Sends a raw body with a given content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let mut rb = self.request(method, path).body(body);
        if let Some(ct) = content_type {
            rb = rb.header("content-type", ct);
        }
        let res = rb.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Creates a board and returns (board id, column ids).
    pub async fn board(&self, name: &str) -> (i64, Vec<i64>) {
        let (status, body) = self.post("/api/boards", json!({"name": name})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().unwrap();
        let (_, detail) = self.get(&format!("/api/boards/{id}")).await;
        let columns = detail["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        (id, columns)
    }

    /// Adds existing users to a board this client owns (asserting `201`).
    pub async fn add_to_board(&self, board: i64, usernames: &[&str]) {
        for u in usernames {
            let (status, body) = self
                .post(
                    &format!("/api/boards/{board}/members"),
                    json!({"username": u}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "add {u}: {body}");
        }
    }

    /// Creates a private room on a board with these board members in it;
    /// returns its id. (Private: what the tests written before public rooms
    /// check — who may read and receive what — holds as it did.)
    pub async fn room(&self, board: i64, name: &str, members: &[&str]) -> i64 {
        let (status, room) = self
            .post(
                &format!("/messaging/board/{board}/rooms/create/"),
                json!({"name": name, "is_private": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{room}");
        let room = room["id"].as_i64().unwrap();
        for u in members {
            let (status, body) = self
                .post(
                    &format!("/messaging/room/{room}/members/"),
                    json!({"username": u}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "add {u} to the room: {body}");
        }
        room
    }

    /// The kinds of this user's unread notifications, newest first.
    pub async fn unread_kinds(&self) -> Vec<String> {
        let (_, page) = self.get("/messaging/notifications/?unread=true").await;
        page["notifications"]
            .as_array()
            .expect("a notification page")
            .iter()
            .map(|n| n["kind"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Posts a chat message over HTTP and returns it (asserting `201`).
    pub async fn send_chat(&self, room: i64, content: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/messaging/room/{room}/send/"),
                json!({"content": content}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// Posts a task comment over HTTP and returns it (asserting `201`).
    pub async fn comment(&self, task: i64, content: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/messaging/task/{task}/comments/"),
                json!({ "content": content }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    pub async fn task(&self, board: i64, column: i64, title: &str) -> i64 {
        let (status, body) = self
            .post(
                &format!("/api/boards/{board}/tasks"),
                json!({"column_id": column, "title": title}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }
}

/// Asserts an error answer: status and `error.code`.
pub fn assert_error(got: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "unexpected answer: {}", got.1);
    assert_eq!(got.1["error"]["code"], code, "unexpected answer: {}", got.1);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "no message: {}",
        got.1
    );
}

/// Task ids per column, in position order, with positions checked to be 0..n.
pub fn layout(board: &Value) -> Vec<(i64, Vec<i64>)> {
    board["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let cid = c["id"].as_i64().unwrap();
            let mut tasks: Vec<(i64, i64)> = board["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["column_id"] == cid)
                .map(|t| (t["position"].as_i64().unwrap(), t["id"].as_i64().unwrap()))
                .collect();
            tasks.sort();
            for (i, (pos, id)) in tasks.iter().enumerate() {
                assert_eq!(
                    *pos, i as i64,
                    "task {id} in column {cid} has position {pos}, expected {i}"
                );
            }
            (cid, tasks.into_iter().map(|(_, id)| id).collect())
        })
        .collect()
}
