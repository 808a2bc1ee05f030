//! Every kind of bad request gets its clear error and changes nothing.

mod common;

use common::{assert_error, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Everything a request could have changed, as one comparable value.
async fn snapshot(srv: &TestServer) -> Vec<String> {
    let mut out = Vec::new();
    for (table, order) in [
        ("users", "id"),
        ("boards", "id"),
        ("board_members", "board_id, user_id"),
        ("board_columns", "id"),
        ("tasks", "id"),
    ] {
        let rows: Vec<(String,)> =
            sqlx::query_as(&format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}"))
                .fetch_all(&srv.services.pool)
                .await
                .unwrap();
        out.push(format!("{table}:{}:{order}", rows[0].0));
    }
    let boards: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, updated_at FROM boards ORDER BY id")
            .fetch_all(&srv.services.pool)
            .await
            .unwrap();
    out.extend(boards.into_iter().map(|(n, u)| format!("board {n} {u}")));
    let columns: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, name, position FROM board_columns ORDER BY id")
            .fetch_all(&srv.services.pool)
            .await
            .unwrap();
    out.extend(columns.into_iter().map(|c| format!("column {c:?}")));
    let tasks: Vec<(i64, i64, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, column_id, title, description, position, assignee_id FROM tasks ORDER BY id",
    )
    .fetch_all(&srv.services.pool)
    .await
    .unwrap();
    out.extend(tasks.into_iter().map(|t| format!("task {t:?}")));
    out
}

#[tokio::test]
async fn bad_requests_are_refused_and_change_nothing() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (board, cols) = ada.board("Mine").await;
    let (other_board, other_cols) = bob.board("Bob's").await;
    let task = ada.task(board, cols[0], "T").await;
    let other_task = bob.task(other_board, other_cols[0], "Bob's task").await;
    let before = snapshot(&srv).await;
    let b = format!("/api/boards/{board}");
    let t = format!("/api/tasks/{task}");
    let long = |n: usize| "x".repeat(n);

    let cases: Vec<(&str, (StatusCode, Value), StatusCode, &str)> = vec![
        // Empty and over-long names.
        (
            "empty board name",
            ada.post("/api/boards", json!({"name": "   "})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "long board name",
            ada.post("/api/boards", json!({"name": long(101)})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "empty rename",
            ada.patch(&b, json!({"name": ""})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "long column name",
            ada.post(&format!("{b}/columns"), json!({"name": long(61)}))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "multi-line column name",
            ada.post(&format!("{b}/columns"), json!({"name": "a\nb"}))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "empty task title",
            ada.post(
                &format!("{b}/tasks"),
                json!({"column_id": cols[0], "title": ""}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "long task title",
            ada.patch(&t, json!({"title": long(201)})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "long description",
            ada.patch(&t, json!({"description": long(10_001)})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "empty patch",
            ada.patch(&t, json!({})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "negative position",
            ada.patch(&t, json!({"position": -1})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        // Malformed JSON, wrong types, unknown fields, wrong content type.
        (
            "malformed json",
            ada.raw(
                Method::POST,
                "/api/boards",
                Some("application/json"),
                "{\"name\": ",
            )
            .await,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "wrong type",
            ada.post("/api/boards", json!({"name": 42})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "wrong id type",
            ada.patch(&t, json!({"column_id": "two"})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "missing field",
            ada.post(&format!("{b}/tasks"), json!({"title": "no column"}))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "unknown field",
            ada.patch(&t, json!({"titel": "typo"})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "not json",
            ada.raw(Method::POST, "/api/boards", Some("text/plain"), "name=x")
                .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "no content type",
            ada.raw(Method::POST, "/api/boards", None, "{\"name\":\"x\"}")
                .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "too large",
            ada.raw(
                Method::POST,
                "/api/boards",
                Some("application/json"),
                format!("{{\"name\":\"{}\"}}", long(2 * 1024 * 1024)),
            )
            .await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        // Unknown ids, and ids of another board.
        (
            "unknown board",
            ada.get("/api/boards/999999").await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "non-numeric id",
            ada.get("/api/boards/abc").await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "unknown task",
            ada.patch("/api/tasks/999999", json!({"title": "x"})).await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "unknown column",
            ada.patch("/api/columns/999999", json!({"name": "x"})).await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "column of another board (create)",
            ada.post(
                &format!("{b}/tasks"),
                json!({"column_id": other_cols[0], "title": "x"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "column of another board (move)",
            ada.patch(&t, json!({"column_id": other_cols[1]})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "assignee not a member",
            ada.patch(&t, json!({"assignee_id": bob_id})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "someone else's task",
            ada.patch(
                &format!("/api/tasks/{other_task}"),
                json!({"title": "mine now"}),
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "someone else's column",
            ada.delete(&format!("/api/columns/{}", other_cols[0])).await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "someone else's board",
            ada.delete(&format!("/api/boards/{other_board}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "unknown route",
            ada.get("/api/nothing-here").await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // No session.
        (
            "no session",
            srv.client().post("/api/boards", json!({"name": "x"})).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "no session (read)",
            srv.client().get(&b).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
    ];
    for (what, got, status, code) in &cases {
        assert_eq!(got.0, *status, "{what}: {}", got.1);
        assert_error(got, *status, code);
    }
    assert_eq!(
        snapshot(&srv).await,
        before,
        "bad requests changed the database"
    );
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (board, _) = ada.board("Mine").await;
    let before = snapshot(&srv).await;

    // Same session cookie, but the request comes from another site (or says nothing).
    let evil = srv.cross_site_client();
    let anon = srv.anonymous_origin_client();
    for c in [&evil, &anon] {
        c.http
            .post(format!("{}/api/auth/login", srv.base))
            .header("origin", srv.base.clone())
            .json(&json!({"username": "ada", "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(c.get("/api/me").await.0, StatusCode::OK, "reads are fine");
        assert_error(
            &c.post("/api/boards", json!({"name": "forged"})).await,
            StatusCode::FORBIDDEN,
            "cross_site_request",
        );
        assert_error(
            &c.delete(&format!("/api/boards/{board}")).await,
            StatusCode::FORBIDDEN,
            "cross_site_request",
        );
        // Server functions and plain form posts are covered by the same guard.
        assert_error(
            &c.raw(
                Method::POST,
                "/rpc/boards/create",
                Some("application/x-www-form-urlencoded"),
                "name=forged",
            )
            .await,
            StatusCode::FORBIDDEN,
            "cross_site_request",
        );
        assert_error(
            &c.raw(
                Method::POST,
                "/rpc/logout",
                Some("application/x-www-form-urlencoded"),
                "",
            )
            .await,
            StatusCode::FORBIDDEN,
            "cross_site_request",
        );
    }
    // A forged login must not work either (login CSRF).
    assert_error(
        &evil
            .post(
                "/api/auth/login",
                json!({"username": "ada", "password": "correct horse battery"}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "cross_site_request",
    );
    assert_eq!(snapshot(&srv).await.len(), before.len());
    let (_, boards) = ada.get("/api/boards").await;
    assert_eq!(
        boards.as_array().unwrap().len(),
        1,
        "no forged board was created"
    );
    assert_eq!(
        ada.get(&format!("/api/boards/{board}")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn server_functions_check_sessions_and_membership_too() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (eve, _) = srv.user("eve").await;
    let (board, _) = ada.board("Private").await;
    let form = Some("application/x-www-form-urlencoded");

    let (status, body) = eve
        .raw(
            Method::POST,
            "/rpc/boards/get",
            form,
            format!("board_id={board}"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = srv
        .client()
        .raw(
            Method::POST,
            "/rpc/boards/get",
            form,
            format!("board_id={board}"),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = ada
        .raw(
            Method::POST,
            "/rpc/boards/get",
            form,
            format!("board_id={board}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "Private");
    let (status, _) = eve
        .raw(
            Method::POST,
            "/rpc/boards/rename",
            form,
            format!("board_id={board}&name=Pwned"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        ada.get(&format!("/api/boards/{board}")).await.1["name"],
        "Private"
    );
}

/// A name of 100,000 characters where a username is expected: a clear
/// error in the usual shape, which does not quote it back, and nothing
/// changes. (Such answers used to come back with an empty body.)
#[tokio::test]
async fn huge_names_get_a_bounded_error_in_the_usual_shape() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (board, _) = ada.board("Team").await;
    let room = ada.room(board, "Lobby", &[]).await;
    let huge = "z".repeat(100_000);
    for path in [
        format!("/api/boards/{board}/members"),
        format!("/messaging/room/{room}/members/"),
    ] {
        let got = ada.post(&path, json!({ "username": huge })).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
        let message = got.1["error"]["message"].as_str().unwrap();
        assert!(message.len() < 400, "{path}: {} characters", message.len());
        assert!(got.1["error"]["request_id"].is_string(), "{}", got.1);
    }
    // Long, but not over the limit the check applies: the "no such user"
    // answer does not grow with what was sent either.
    let got = ada
        .post(
            &format!("/api/boards/{board}/members"),
            json!({ "username": "@nobody-by-this-name" }),
        )
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    let (_, detail) = ada.get(&format!("/api/boards/{board}")).await;
    assert_eq!(detail["members"].as_array().unwrap().len(), 1);
}
