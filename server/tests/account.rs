//! My account: the name others see, and a new password (the current one
//! required; the account's other sessions end, their sockets close).

mod common;

use common::ws::{connect, next};
use common::{assert_error, TestServer};
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn the_display_name_is_changed_and_checked() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, _) = ada.board("Team").await;
    ada.add_to_board(board, &["bob"]).await;
    let (status, me) = ada
        .patch("/api/me", json!({"display_name": "  Ada Lovelace "}))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["display_name"], "Ada Lovelace");
    assert_eq!(me["username"], "ada");
    assert_eq!(ada.get("/api/me").await.1["display_name"], "Ada Lovelace");
    // Others see it.
    let (_, detail) = bob.get(&format!("/api/boards/{board}")).await;
    let names: Vec<&str> = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"]["display_name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Ada Lovelace"), "{names:?}");
    for bad in [
        json!({"display_name": "x".repeat(200)}),
        json!({"display_name": "a\u{0007}b"}),
        json!({"display_name": "Ada", "username": "root"}),
        json!({}),
    ] {
        assert_error(
            &ada.patch("/api/me", bad).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        );
    }
    assert_eq!(ada.get("/api/me").await.1["display_name"], "Ada Lovelace");
    assert_error(
        &srv.client()
            .patch("/api/me", json!({"display_name": "X"}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
}

#[tokio::test]
async fn a_new_password_needs_the_current_one_and_ends_the_other_sessions() {
    let srv = TestServer::start().await;
    let (ada, ada_id) = srv.user("ada").await;
    // A second device.
    let other = srv.client();
    let (status, _) = other
        .post(
            "/api/auth/login",
            json!({"username": "ada", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut other_socket = connect(&other, "/ws").await;
    assert_eq!(next(&mut other_socket).await["type"], "hello");

    // A wrong current password: 400, nothing changes.
    assert_error(
        &ada.post(
            "/api/me/password",
            json!({"current_password": "not it at all", "new_password": "a brand new secret"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_eq!(other.get("/api/me").await.0, StatusCode::OK);
    // Too short a new one: 400.
    assert_error(
        &ada.post(
            "/api/me/password",
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );

    let (status, body) = ada
        .post(
            "/api/me/password",
            json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // This session goes on; the other one ended, and its socket closed.
    assert_eq!(ada.get("/api/me").await.1["id"], ada_id);
    assert_error(
        &other.get("/api/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    let closed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        use futures_util::StreamExt;
        loop {
            match other_socket.next().await {
                None | Some(Err(_)) => return true,
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .unwrap_or(false);
    assert!(closed, "the other session's socket closes");
    // The old password no longer logs in; the new one does.
    let fresh = srv.client();
    assert_eq!(
        fresh
            .post(
                "/api/auth/login",
                json!({"username": "ada", "password": PASSWORD})
            )
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh
            .post(
                "/api/auth/login",
                json!({"username": "ada", "password": "a brand new secret"})
            )
            .await
            .0,
        StatusCode::OK
    );
}
