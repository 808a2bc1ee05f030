//! The edge of the server, as an attacker or a careless self-hoster meets it:
//! host checks, security headers, compression, request ids, honest errors,
//! login throttling, bounded hashing, timeouts and per-user limits.

mod common;

use std::time::{Duration, Instant};

use common::{assert_error, Client, TestServer};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The error body without its request id (which differs per request).
fn without_request_id(mut body: Value) -> Value {
    if let Some(e) = body.get_mut("error").and_then(Value::as_object_mut) {
        e.remove("request_id");
    }
    body
}

/// Asserts a server function's error: its status, and the error object
/// itself as the body (`{code, message, request_id}`, what the web UI decodes).
fn assert_rpc_error(got: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "unexpected answer: {}", got.1);
    assert_eq!(got.1["code"], code, "unexpected answer: {}", got.1);
    assert!(got.1["request_id"].is_string(), "no request id: {}", got.1);
}

/// `host:port` of a test server.
fn authority(srv: &TestServer) -> String {
    srv.base.trim_start_matches("http://").to_string()
}

async fn login(c: &Client, username: &str, password: &str) -> (StatusCode, Value) {
    c.post(
        "/api/auth/login",
        json!({"username": username, "password": password}),
    )
    .await
}

#[tokio::test]
async fn only_the_servers_own_host_names_are_answered() {
    let srv = TestServer::start().await;
    let port = srv.base.rsplit(':').next().unwrap().to_string();
    let http = reqwest::Client::new();
    // A DNS-rebinding page: its own name, pointed at 127.0.0.1, same-origin.
    let rebound = http
        .post(format!("{}/api/auth/signup", srv.base))
        .header("host", format!("evil.example:{port}"))
        .header("origin", format!("http://evil.example:{port}"))
        .json(&json!({"username": "mallory", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST);
    let body: Value = rebound.json().await.unwrap();
    assert_eq!(body["error"]["code"], "misdirected_request", "{body}");
    // Nothing was created.
    let (status, _) = login(&srv.client(), "mallory", "correct horse battery").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Pages too.
    let page = http
        .get(format!("{}/", srv.base))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::MISDIRECTED_REQUEST);
    // The loopback address and localhost are this server's names.
    for host in [authority(&srv), format!("localhost:{port}")] {
        let res = http
            .get(format!("{}/login", srv.base))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{host}");
    }
    // Load balancers probe by address: /healthz answers any host.
    let health = http
        .get(format!("{}/healthz", srv.base))
        .header("host", "10.1.2.3")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn with_a_public_url_only_its_host_and_scheme_are_accepted() {
    let srv = TestServer::start_configured(|a| {
        a.public_url = Some("https://tasks.example".parse().unwrap());
        a.allowed_hosts = vec!["alias.example".into()];
    })
    .await;
    let http = reqwest::Client::new();
    let signup = |host: &'static str, origin: &'static str, name: &'static str| {
        http.post(format!("{}/api/auth/signup", srv.base))
            .header("host", host)
            .header("origin", origin)
            .json(&json!({"username": name, "password": "correct horse battery"}))
            .send()
    };
    // An http:// page cannot act for an https:// deployment.
    let res = signup("tasks.example", "http://tasks.example", "ada")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "cross_site_request", "{body}");
    let res = signup("tasks.example", "https://tasks.example", "ada")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    // The allow-list adds names; the bare address is not one of them.
    let res = signup("alias.example", "https://alias.example", "bob")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = http
        .get(format!("{}/login", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST);
    // With https, browsers are told to stay on https.
    let res = http
        .get(format!("{}/login", srv.base))
        .header("host", "tasks.example")
        .send()
        .await
        .unwrap();
    assert!(res
        .headers()
        .get("strict-transport-security")
        .is_some_and(|v| v.to_str().unwrap().contains("max-age=")));
}

#[tokio::test]
async fn every_response_has_security_headers_and_pages_a_fresh_nonce() {
    let srv = TestServer::start().await;
    let http = reqwest::Client::new();
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let res = http
            .get(format!("{}/login", srv.base))
            .send()
            .await
            .unwrap();
        let headers = res.headers().clone();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        let csp = headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("object-src 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("no nonce in {csp}"))
            .to_string();
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "the page's scripts carry the header's nonce"
        );
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a new nonce for every page");
    // JSON answers, errors and assets are locked down too.
    for path in ["/api/me", "/api/nope", "/healthz"] {
        let res = http
            .get(format!("{}{path}", srv.base))
            .send()
            .await
            .unwrap();
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no https here"
        );
    }
}

#[tokio::test]
async fn pages_and_json_are_compressed_but_websocket_upgrades_are_not() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    for i in 0..12 {
        ada.board(&format!("Board number {i}")).await;
    }
    for (accept, expected) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("gzip;q=0, br", Some("br")),
        ("identity", None),
    ] {
        for path in ["/login", "/api/boards"] {
            let res = ada
                .request(Method::GET, path)
                .header("accept-encoding", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(
                res.headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().unwrap()),
                expected,
                "{path} with Accept-Encoding: {accept}"
            );
            let body = res.bytes().await.unwrap();
            match expected {
                Some("gzip") => assert_eq!(&body[..2], &[0x1f, 0x8b], "a gzip stream"),
                None => {
                    let text = String::from_utf8(body.to_vec()).unwrap();
                    assert!(text.contains("Board number") || text.contains("<!DOCTYPE"));
                }
                _ => assert!(!body.starts_with(b"[{"), "brotli, not plain JSON"),
            }
        }
    }
    let url = format!("{}/ws", srv.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    let h = request.headers_mut();
    h.insert("cookie", ada.cookie_header().unwrap().parse().unwrap());
    h.insert("origin", srv.base.parse().unwrap());
    h.insert("accept-encoding", "gzip, br".parse().unwrap());
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert!(response.headers().get("content-encoding").is_none());
    assert_eq!(common::ws::next(&mut socket).await["type"], "hello");
}

#[tokio::test]
async fn every_request_has_an_id_in_its_headers_and_error_body() {
    let srv = TestServer::start().await;
    let c = srv.client();
    let res = c.request(Method::GET, "/api/me").send().await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(id.len() >= 16, "{id}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], id.as_str());
    // A proxy's id is kept; a strange one is replaced.
    let res = c
        .request(Method::GET, "/api/me")
        .header("x-request-id", "edge-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "edge-7f3a");
    let odd = "x".repeat(300);
    let res = c
        .request(Method::GET, "/api/me")
        .header("x-request-id", &odd)
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], odd.as_str());
    // Successful answers and pages carry one as well.
    let res = c.request(Method::GET, "/login").send().await.unwrap();
    assert!(res.headers().contains_key("x-request-id"));
    // Server functions' errors too.
    let res = c
        .request(Method::POST, "/rpc/boards/get")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("board_id=1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated", "{body}");
    assert_eq!(body["request_id"], id.as_str(), "{body}");
}

#[tokio::test]
async fn internal_errors_tell_clients_nothing_but_a_request_id() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    // The database goes away under the server.
    srv.services.pool.close().await;
    for path in ["/api/boards", "/messaging/notifications/count/"] {
        let res = ada.request(Method::GET, path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "internal", "{body}");
        assert_eq!(body["error"]["request_id"], id.as_str());
        let message = body["error"]["message"].as_str().unwrap().to_lowercase();
        for leak in ["pool", "sqlx", "database", "closed", "sqlite", "postgres"] {
            assert!(!message.contains(leak), "{path} leaks {leak:?}: {message}");
        }
    }
    let res = ada
        .request(Method::POST, "/rpc/boards/list")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = res.text().await.unwrap().to_lowercase();
    assert!(!text.contains("pool") && !text.contains("closed"), "{text}");
}

#[tokio::test]
async fn server_functions_answer_bad_bodies_with_400_and_413() {
    let srv = TestServer::start_configured(|a| a.max_body_bytes = 4096).await;
    let (ada, _) = srv.user("ada").await;
    let form = Some("application/x-www-form-urlencoded");
    let cases: Vec<(&str, Option<&str>, Vec<u8>)> = vec![
        ("invalid UTF-8", form, b"name=\xff\xfe".to_vec()),
        ("missing field", form, b"nom=Ok".to_vec()),
        (
            "malformed JSON",
            Some("application/json"),
            b"{\"name\":".to_vec(),
        ),
    ];
    for (what, ct, body) in cases {
        let got = ada.raw(Method::POST, "/rpc/boards/create", ct, body).await;
        assert_rpc_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
        assert!(
            got.1["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: {}",
            got.1
        );
    }
    let big = format!("name={}", "a".repeat(10_000));
    let got = ada.raw(Method::POST, "/rpc/boards/create", form, big).await;
    assert_eq!(got.0, StatusCode::PAYLOAD_TOO_LARGE, "{}", got.1);
    let got = ada
        .raw(
            Method::POST,
            "/api/boards",
            Some("application/json"),
            format!("{{\"name\":\"{}\"}}", "a".repeat(10_000)),
        )
        .await;
    assert_error(&got, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(ada.get("/api/boards").await.1, json!([]), "nothing created");
}

#[tokio::test]
async fn server_functions_refuse_fields_they_do_not_take() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let form = Some("application/x-www-form-urlencoded");
    let json_ct = Some("application/json");
    // A stray field, a misspelt one, one on a function that takes none: 400,
    // and nothing done.
    for (path, ct, body) in [
        ("/rpc/boards/create", form, "name=Ok&owner_id=7".to_string()),
        ("/rpc/boards/create", form, "name=Ok&nmae=Ok".to_string()),
        (
            "/rpc/boards/create",
            json_ct,
            r#"{"name":"Ok","extra":true}"#.to_string(),
        ),
        ("/rpc/logout", form, "everywhere=true".to_string()),
    ] {
        let got = ada.raw(Method::POST, path, ct, body.clone()).await;
        assert_rpc_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
        let message = got.1["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("unknown field `"),
            "{path} {body}: {}",
            got.1
        );
    }
    assert_eq!(ada.get("/api/boards").await.1, json!([]), "nothing created");
    assert_eq!(
        ada.get("/api/me").await.0,
        StatusCode::OK,
        "still logged in"
    );
    // The same calls without the stray fields work, nested form keys too.
    let got = ada
        .raw(Method::POST, "/rpc/boards/create", form, "name=Ok")
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    let board = got.1["id"].as_i64().unwrap();
    // The web UI sends the same arguments as JSON (api::FormOrJson).
    let got = ada
        .raw(
            Method::POST,
            "/rpc/boards/create",
            json_ct,
            r#"{"name":"Also"}"#,
        )
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    assert_eq!(got.1["name"], "Also", "{}", got.1);
    let detail = ada.get(&format!("/api/boards/{board}")).await.1;
    let column = detail["columns"][0]["id"].as_i64().unwrap();
    let task = ada
        .send(
            Method::POST,
            &format!("/api/boards/{board}/tasks"),
            Some(json!({"column_id": column, "title": "T"})),
        )
        .await
        .1;
    let body = json!({"task_id": task["id"], "patch": {"title": "Renamed"}}).to_string();
    let got = ada
        .raw(Method::POST, "/rpc/tasks/update", json_ct, body)
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    let body =
        json!({"task_id": task["id"], "patch": {"title": "X"}, "assignee_id": null}).to_string();
    let got = ada
        .raw(Method::POST, "/rpc/tasks/update", json_ct, body)
        .await;
    assert_rpc_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    let stored = ada.get(&format!("/api/tasks/{}", task["id"])).await.1;
    assert_eq!(
        stored["title"], "Renamed",
        "the refused call changed nothing"
    );
    let got = ada
        .raw(
            Method::POST,
            "/rpc/rooms/create",
            form,
            format!("board_id={board}&name=lobby&description="),
        )
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
}

#[tokio::test]
async fn wrong_methods_and_undecodable_paths_get_the_json_error_shape() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let got = ada.send(Method::PUT, "/api/boards", Some(json!({}))).await;
    assert_error(&got, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let got = ada.send(Method::PUT, "/messaging/mentions/", None).await;
    assert_error(&got, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    for path in ["/api/boards/%FF", "/messaging/room/%C3%28/"] {
        let got = ada.get(path).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
        assert!(got.1["error"]["request_id"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn a_rate_limited_answer_says_when_to_retry() {
    let srv = TestServer::start_configured(|a| {
        a.message_rate = 0.5;
        a.message_burst = 1.0;
    })
    .await;
    let (ada, _) = srv.user("ada").await;
    let (board, _) = ada.board("B").await;
    let room = ada.room(board, "Lobby", &[]).await;
    ada.send_chat(room, "first").await;
    let res = ada
        .request(Method::POST, &format!("/messaging/room/{room}/send/"))
        .json(&json!({"content": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    let ms = body["error"]["retry_after_ms"].as_u64().unwrap();
    assert!(ms > 0 && ms <= 2000, "{ms}");
    assert_eq!(
        retry_after,
        ms.div_ceil(1000),
        "Retry-After is whole seconds"
    );
}

#[tokio::test]
async fn failed_logins_slow_a_username_down_without_locking_it() {
    let srv = TestServer::start().await;
    srv.user("ada").await;
    let mut first = Vec::new();
    for name in ["ada", "nobody"] {
        for i in 0..5 {
            let got = login(&srv.client(), name, "wrong password").await;
            assert_error(&got, StatusCode::UNAUTHORIZED, "unauthenticated");
            if i == 0 {
                first.push(without_request_id(got.1));
            }
        }
        // The sixth must wait, for a real user and an unknown name alike.
        let got = login(&srv.client(), name, "wrong password").await;
        assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        let ms = got.1["error"]["retry_after_ms"].as_u64().unwrap();
        assert!(ms > 0 && ms <= 1000, "{name}: {ms}");
    }
    assert_eq!(
        first[0], first[1],
        "a wrong password and an unknown name look alike"
    );
    // Even the right password waits: the delay is on the name...
    let got = login(&srv.client(), "ada", "correct horse battery").await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // ...but only a delay: once it is over, the owner gets in.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = login(&srv.client(), "ada", "correct horse battery").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The delay doubles with each further failure (a refused attempt is
    // not one: it checked no password).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let got = login(&srv.client(), "nobody", "wrong").await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "unauthenticated");
    let got = login(&srv.client(), "nobody", "wrong").await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let ms = got.1["error"]["retry_after_ms"].as_u64().unwrap();
    assert!(ms > 1000 && ms <= 2000, "the second delay is 2 s: {ms}");
}

#[tokio::test]
async fn one_address_is_refused_after_twenty_failures_on_every_path() {
    let srv = TestServer::start().await;
    srv.user("ada").await;
    // Sign-ups with a taken name probe which names exist: they count.
    for _ in 0..10 {
        let got = srv
            .client()
            .post(
                "/api/auth/signup",
                json!({"username": "ada", "password": "correct horse battery"}),
            )
            .await;
        assert_error(&got, StatusCode::CONFLICT, "conflict");
    }
    for i in 0..10 {
        let got = login(&srv.client(), &format!("guess{i}"), "wrong password").await;
        assert_error(&got, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let check = |got: &(StatusCode, Value), what: &str| {
        assert_error(got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        let ms = got.1["error"]["retry_after_ms"].as_u64().unwrap();
        assert!(
            ms > 60_000,
            "{what}: the address waits for its window: {ms}"
        );
    };
    let got = login(&srv.client(), "someone-else", "any").await;
    check(&got, "login");
    let got = login(&srv.client(), "ada", "correct horse battery").await;
    check(&got, "the right password from this address");
    let got = srv
        .client()
        .post(
            "/api/auth/signup",
            json!({"username": "fresh", "password": "correct horse battery"}),
        )
        .await;
    check(&got, "signup");
    let form = Some("application/x-www-form-urlencoded");
    let got = srv
        .client()
        .raw(
            Method::POST,
            "/rpc/login",
            form,
            "username=ada&password=correct+horse+battery",
        )
        .await;
    assert_rpc_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(
        got.1["retry_after_ms"].as_u64().unwrap() > 60_000,
        "{}",
        got.1
    );
    // A forwarded-for header from an untrusted peer changes nothing.
    let res = srv
        .client()
        .request(Method::POST, "/api/auth/login")
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "ada", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_throttled() {
    let srv = TestServer::start_configured(|a| {
        a.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let attempt = |from: &'static str, name: String| {
        srv.client()
            .request(Method::POST, "/api/auth/login")
            .header("x-forwarded-for", format!("198.51.100.1, {from}"))
            .json(&json!({"username": name, "password": "wrong"}))
            .send()
    };
    for i in 0..20 {
        let res = attempt("203.0.113.9", format!("g{i}")).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = attempt("203.0.113.9", "g99".into()).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // The proxy's other clients are not punished for one of them.
    let res = attempt("203.0.113.10", "g99".into()).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// Reads from a raw connection until the server closes it; how long that took.
async fn time_until_closed(stream: &mut tokio::net::TcpStream) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf)).await {
            Err(_) => panic!("the server held the connection for 30 s"),
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn connections_that_never_finish_their_headers_are_closed() {
    let srv = TestServer::start().await;
    let addr = authority(&srv);
    // Slowloris: headers started, never finished.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
        .await
        .unwrap();
    // An idle keep-alive connection after one request.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let (a, b) = tokio::join!(time_until_closed(&mut slow), time_until_closed(&mut idle));
    for (what, took) in [("unfinished headers", a), ("idle keep-alive", b)] {
        assert!(
            took >= Duration::from_secs(5) && took <= Duration::from_secs(20),
            "{what}: closed after {took:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_whose_client_stopped_reading_is_closed() {
    let srv = TestServer::start_configured(|a| {
        a.max_user_sockets = 1;
        a.message_rate = 0.0;
    })
    .await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, _) = ada.board("B").await;
    ada.add_to_board(board, &["bob"]).await;
    let room = ada.room(board, "Lobby", &["bob"]).await;
    // Bob's socket subscribes, then his client never reads again.
    let (stalled, _, _) = common::ws::open_subscribed(&bob, &format!("room:{room}"), None).await;
    let text = "x".repeat(9_000);
    for _ in 0..800 {
        ada.send_chat(room, &text).await;
    }
    // His one socket slot is free again only once the server gave up on it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match common::ws::try_connect(&bob, "/ws", Some(&srv.base)).await {
            Ok(_) => break,
            Err(status) => {
                assert_eq!(status, 429);
                assert!(
                    Instant::now() < deadline,
                    "the stalled socket was never closed"
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    drop(stalled);
}

#[tokio::test]
async fn sockets_and_long_polls_are_capped_per_user() {
    let srv = TestServer::start_configured(|a| {
        a.max_user_sockets = 2;
        a.max_user_polls = 1;
    })
    .await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let first = common::ws::connect(&ada, "/ws").await;
    let _second = common::ws::connect(&ada.clone_session(), "/ws").await;
    let res = ada
        .request(Method::GET, "/ws")
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_connections", "{body}");
    // Others are not affected; closing one frees its slot.
    let _bobs = common::ws::connect(&bob, "/ws").await;
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    while common::ws::try_connect(&ada, "/ws", Some(&srv.base))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "the closed socket's slot stays taken"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let (board, _) = ada.board("B").await;
    let room = ada.room(board, "Lobby", &[]).await;
    let events = format!("/messaging/room/{room}/events/?after=0");
    let path = format!("{events}&timeout=5");
    let waiting = ada.clone_session();
    let poll_path = path.clone();
    let poll = tokio::spawn(async move { waiting.get(&poll_path).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = ada.get(&path).await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "too_many_connections");
    let (status, _) = poll.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ada.get(&format!("{events}&timeout=1")).await;
    assert_eq!(status, StatusCode::OK, "the finished poll freed its slot");
}

#[tokio::test]
async fn client_frames_have_a_budget_and_a_flood_is_cut_off() {
    let srv = TestServer::start_configured(|a| {
        a.frame_rate = 0.1;
        a.frame_burst = 3.0;
    })
    .await;
    let (ada, _) = srv.user("ada").await;
    let (board, _) = ada.board("B").await;
    let room = ada.room(board, "Lobby", &[]).await;
    let mut s = common::ws::connect(&ada, "/ws").await;
    assert_eq!(common::ws::next(&mut s).await["type"], "hello");
    for _ in 0..3 {
        common::ws::send(&mut s, json!({"type": "ping"})).await;
        assert_eq!(common::ws::next_of(&mut s, "pong").await["type"], "pong");
    }
    common::ws::send(
        &mut s,
        json!({"type": "message", "room_id": room, "content": "hi", "client_id": "c-1"}),
    )
    .await;
    let error = common::ws::next_of(&mut s, "error").await;
    assert_eq!(error["code"], "rate_limited", "{error}");
    assert_eq!(error["client_id"], "c-1");
    assert!(error["retry_after_ms"].as_u64().unwrap() > 0);
    // The budget is the user's, over all their sockets.
    let mut other = common::ws::connect(&ada.clone_session(), "/ws").await;
    assert_eq!(common::ws::next(&mut other).await["type"], "hello");
    common::ws::send(&mut other, json!({"type": "ping"})).await;
    assert_eq!(
        common::ws::next_of(&mut other, "error").await["code"],
        "rate_limited"
    );
    // The refused message was not posted.
    let (_, page) = ada.get(&format!("/messaging/room/{room}/history/")).await;
    assert_eq!(page["messages"], json!([]));
    // A client that keeps flooding after being told is disconnected.
    use futures_util::SinkExt;
    // (One refused already; exactly enough more to cross the line, so the
    // close frame is not lost to a reset from frames sent after it.)
    for _ in 0..100 {
        if s.send(tokio_tungstenite::tungstenite::Message::text(
            r#"{"type":"ping"}"#,
        ))
        .await
        .is_err()
        {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let code = loop {
        match tokio::time::timeout_at(deadline.into(), s.next()).await {
            Err(_) => panic!("a flooding socket stays open"),
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(f))))) => {
                break u16::from(f.code)
            }
            Ok(Some(Ok(_))) => continue,
            Ok(_) => panic!("closed without a close frame"),
        }
    };
    assert_eq!(code, 1008);
}

#[tokio::test]
async fn comment_edits_and_deletions_are_charged_to_the_senders_budget() {
    let srv = TestServer::start_configured(|a| {
        a.message_rate = 0.1;
        a.message_burst = 3.0;
    })
    .await;
    let (ada, _) = srv.user("ada").await;
    let (board, cols) = ada.board("B").await;
    let task = ada.task(board, cols[0], "T").await;
    let (status, comment) = ada
        .post(
            &format!("/messaging/task/{task}/comments/"),
            json!({"content": "one"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = comment["id"].as_i64().unwrap();
    let path = format!("/messaging/comment/{id}/");
    let (status, _) = ada.patch(&path, json!({"content": "two"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ada.patch(&path, json!({"content": "three"})).await;
    assert_eq!(status, StatusCode::OK);
    let got = ada.patch(&path, json!({"content": "four"})).await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let got = ada.delete(&path).await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let (_, page) = ada.get(&format!("/messaging/task/{task}/comments/")).await;
    assert_eq!(page["comments"][0]["content"], "three", "nothing changed");
    assert!(page["comments"][0]["deleted_at"].is_null());
}

#[tokio::test]
async fn control_characters_are_refused_everywhere() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (board, cols) = ada.board("B").await;
    let task = ada.task(board, cols[0], "T").await;
    let room = ada.room(board, "Lobby", &[]).await;
    for bad in [
        "nul\u{0}byte",
        "bell\u{7}",
        "esc\u{1b}[31m",
        "del\u{7f}",
        "c1\u{85}here",
    ] {
        let posts = [
            (
                format!("/messaging/room/{room}/send/"),
                json!({"content": bad}),
            ),
            (
                format!("/messaging/task/{task}/comments/"),
                json!({"content": bad}),
            ),
            ("/api/boards".to_string(), json!({"name": bad})),
            (
                format!("/api/boards/{board}/tasks"),
                json!({"column_id": cols[0], "title": "ok", "description": bad}),
            ),
            (format!("/api/boards/{board}/columns"), json!({"name": bad})),
            (
                format!("/messaging/board/{board}/rooms/create/"),
                json!({"name": "Fine", "description": bad}),
            ),
            (
                "/api/auth/signup".to_string(),
                json!({"username": "eve", "password": format!("long enough {bad}")}),
            ),
            (
                "/api/auth/signup".to_string(),
                json!({"username": "eve", "password": "correct horse battery", "display_name": bad}),
            ),
        ];
        for (path, body) in posts {
            let c = if path.contains("signup") {
                srv.client()
            } else {
                ada.clone_session()
            };
            let got = c.post(&path, body).await;
            assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
        }
        let got = ada
            .patch(&format!("/api/tasks/{task}"), json!({"title": bad}))
            .await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
        let got = ada
            .patch(&format!("/api/tasks/{task}"), json!({"description": bad}))
            .await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    }
    // Newlines and tabs are text; CRLF is kept as a newline.
    let (status, msg) = ada
        .post(
            &format!("/messaging/room/{room}/send/"),
            json!({"content": "line one\r\n\tline two"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{msg}");
    assert_eq!(msg["content"], "line one\n\tline two");
    // Nothing else was stored.
    let (_, page) = ada.get(&format!("/messaging/room/{room}/history/")).await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
    let (_, boards) = ada.get("/api/boards").await;
    assert_eq!(boards.as_array().unwrap().len(), 1);
    let (status, _) = login(&srv.client(), "eve", "correct horse battery").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "eve was never created");
}

#[tokio::test]
async fn a_removed_members_notifications_keep_only_what_they_saw() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (board, cols) = ada.board("B").await;
    ada.add_to_board(board, &["bob"]).await;
    let task = ada.task(board, cols[0], "Launch plan").await;
    let room = ada.room(board, "Planning", &["bob"]).await;
    ada.post(
        &format!("/messaging/task/{task}/comments/"),
        json!({"content": "@bob please review"}),
    )
    .await;
    ada.send_chat(room, "@bob standup?").await;
    let contexts = |v: &Value| -> Vec<String> {
        let mut c: Vec<String> = v["notifications"]
            .as_array()
            .or(v.as_array())
            .unwrap()
            .iter()
            .map(|n| n["context"].as_str().unwrap().to_string())
            .collect();
        c.sort();
        c
    };
    // (Added to the board, added to the room, the mention there, the
    // mention on the card.)
    let (_, before) = bob.get("/messaging/notifications/").await;
    assert_eq!(
        contexts(&before),
        ["", "#Planning", "#Planning", "Launch plan"]
    );
    // Renamed while bob is a member: he sees the new names.
    ada.patch(&format!("/api/tasks/{task}"), json!({"title": "Launch v2"}))
        .await;
    ada.patch(&format!("/api/boards/{board}"), json!({"name": "B2"}))
        .await;
    let (_, renamed) = bob.get("/messaging/notifications/").await;
    assert_eq!(
        contexts(&renamed),
        ["", "#Planning", "#Planning", "Launch v2"]
    );
    assert!(renamed["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["board_name"] == "B2"));
    // Removed, then renamed again: he keeps what he saw, not the new names.
    let (status, _) = ada
        .delete(&format!("/api/boards/{board}/members/{bob_id}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    ada.patch(
        &format!("/api/tasks/{task}"),
        json!({"title": "Secret pivot"}),
    )
    .await;
    ada.patch(
        &format!("/messaging/room/{room}/"),
        json!({"name": "Layoffs"}),
    )
    .await;
    ada.patch(
        &format!("/api/boards/{board}"),
        json!({"name": "Wind-down"}),
    )
    .await;
    let (_, after) = bob.get("/messaging/notifications/").await;
    let text = after.to_string();
    assert!(
        !text.contains("Secret pivot") && !text.contains("Layoffs") && !text.contains("Wind-down"),
        "{text}"
    );
}

#[tokio::test]
async fn an_edited_comments_notification_shows_the_edited_text() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, cols) = ada.board("B").await;
    ada.add_to_board(board, &["bob"]).await;
    let task = ada.task(board, cols[0], "T").await;
    let (_, comment) = ada
        .post(
            &format!("/messaging/task/{task}/comments/"),
            json!({"content": "@bob the password is hunter2"}),
        )
        .await;
    let id = comment["id"].as_i64().unwrap();
    let (status, _) = ada
        .patch(
            &format!("/messaging/comment/{id}/"),
            json!({"content": "@bob see the vault"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = bob.get("/messaging/notifications/").await;
    let text = list.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("see the vault"), "{text}");
}

#[tokio::test]
async fn the_board_owner_manages_rooms_she_is_not_in() {
    let srv = TestServer::start().await;
    let (ada, ada_id) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (carol, _) = srv.user("carol").await;
    let (board, _) = ada.board("B").await;
    ada.add_to_board(board, &["bob", "carol"]).await;
    let room = bob.room(board, "Side talk", &["carol"]).await;
    bob.send_chat(room, "just us").await;
    // Listed to her, marked as a room she is not in.
    let (_, rooms) = ada.get(&format!("/messaging/board/{board}/rooms/")).await;
    let listed = rooms
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room)
        .expect("the owner sees every room");
    assert_eq!(listed["member"], false);
    assert_eq!(listed["unread"], 0);
    // Carol, a plain member, sees only her rooms; bob's room is hers too.
    let (_, carols) = carol.get(&format!("/messaging/board/{board}/rooms/")).await;
    assert_eq!(carols[0]["member"], true);
    // The owner renames, manages members, archives; the history stays closed.
    let (status, body) = ada
        .patch(
            &format!("/messaging/room/{room}/"),
            json!({"name": "Renamed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, detail) = ada.get(&format!("/messaging/room/{room}/")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["members"].as_array().unwrap().len(), 2);
    let got = ada.get(&format!("/messaging/room/{room}/history/")).await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    let carol_id = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["username"] == "carol")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = ada
        .delete(&format!("/messaging/room/{room}/members/{carol_id}/"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = ada
        .post(
            &format!("/messaging/room/{room}/members/"),
            json!({"username": "ada"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "she may join");
    let (status, page) = ada.get(&format!("/messaging/room/{room}/history/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["messages"][0]["content"], "just us");
    let (status, _) = ada
        .delete(&format!("/messaging/room/{room}/members/{ada_id}/"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = ada.delete(&format!("/messaging/room/{room}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // A plain member cannot do the same to a room she is not in.
    let other = bob.room(board, "Bob only", &[]).await;
    let got = carol
        .patch(
            &format!("/messaging/room/{other}/"),
            json!({"name": "Mine"}),
        )
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");
}
