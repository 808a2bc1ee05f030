//! Getting colleagues in: board invite links (made, listed, revoked by
//! owners; accepted by people logged in, or used to sign up even when open
//! sign-up is off), and the expired, revoked and used-up answers.

mod common;

use common::{assert_error, Client, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn invite(c: &Client, board: i64, body: Value) -> Value {
    let (status, made) = c.post(&format!("/api/boards/{board}/invites"), body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made
}

/// A server with open sign-up off (as on a real server).
async fn closed_server() -> TestServer {
    TestServer::start_configured(|args| args.allow_signup = Some(false)).await
}

/// An account made by an administrator (`taskflow create-user`), logged in.
async fn account(srv: &TestServer, name: &str) -> Client {
    app::services::auth::create_user(&srv.services, name, "correct horse battery", None, false)
        .await
        .unwrap();
    let c = srv.client();
    let (status, body) = c
        .post(
            "/api/auth/login",
            json!({"username": name, "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    c
}

async fn signup(srv: &TestServer, body: Value) -> (Client, StatusCode, Value) {
    let c = srv.client();
    let (status, answer) = c.send(Method::POST, "/api/auth/signup", Some(body)).await;
    (c, status, answer)
}

#[tokio::test]
async fn an_invite_link_lets_a_new_person_sign_up_and_land_on_the_board() {
    let srv = closed_server().await;
    let ada = account(&srv, "ada").await;
    let (board, _) = ada.board("Launch").await;
    let made = invite(&ada, board, json!({})).await;
    let token = made["token"].as_str().unwrap().to_string();
    assert_eq!(made["max_uses"], 10);
    assert_eq!(made["uses"], 0);
    assert_eq!(made["revoked"], false);
    let week = 7 * 24 * 3600 * 1000;
    let span = made["expires_at"].as_i64().unwrap() - made["created_at"].as_i64().unwrap();
    assert_eq!(span, week);
    assert!(made["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/invite/{token}")));

    // Without a link, sign-up is closed; with a wrong one, nothing is made.
    let (_, status, body) = signup(
        &srv,
        json!({"username": "bea", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, status, body) = signup(
        &srv,
        json!({"username": "bea", "password": "correct horse battery", "invite": "nope"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "not_found");

    // The link's page: whose board, who invites — nothing else.
    let anon = srv.client();
    let (status, preview) = anon.get(&format!("/api/invites/{token}")).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["board_name"], "Launch");
    assert_eq!(preview["invited_by"], "ada");
    assert_eq!(preview["signup_open"], false);

    // Signing up through it: an account, logged in, a member of the board,
    // in its #general.
    let (bea, status, body) = signup(
        &srv,
        json!({"username": "bea", "password": "correct horse battery", "invite": token}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["username"], "bea");
    assert_eq!(body["board"]["id"], board);
    assert_eq!(body["board"]["role"], "member");
    let (status, detail) = bea.get(&format!("/api/boards/{board}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let (_, rooms) = bea.get(&format!("/messaging/board/{board}/rooms/")).await;
    assert_eq!(rooms[0]["name"], "general");
    assert_eq!(rooms[0]["member"], true);
    // One use counted.
    let (_, list) = ada.get(&format!("/api/boards/{board}/invites")).await;
    assert_eq!(list[0]["uses"], 1);
    assert!(list[0].get("token").is_none(), "the token is shown once");
}

#[tokio::test]
async fn someone_logged_in_accepts_once_and_used_up_expired_or_revoked_links_say_so() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (cy, _) = srv.user("cyd").await;
    let (dee, _) = srv.user("dee").await;
    let (board, _) = ada.board("Launch").await;
    let one = invite(&ada, board, json!({"max_uses": 1, "expires_in_days": 1})).await;
    let token = one["token"].as_str().unwrap();
    let (status, summary) = bob
        .post(&format!("/api/invites/{token}/accept"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["id"], board);
    assert_eq!(summary["role"], "member");
    // Accepting again (already a member, the link used up meanwhile): the
    // board, as before.
    let (status, again) = bob
        .post(&format!("/api/invites/{token}/accept"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], board);
    // Used up: 410 with the error shape, for a new person too.
    assert_error(
        &cy.post(&format!("/api/invites/{token}/accept"), json!({}))
            .await,
        StatusCode::GONE,
        "gone",
    );
    assert_error(
        &srv.client().get(&format!("/api/invites/{token}")).await,
        StatusCode::GONE,
        "gone",
    );

    // Revoked: the same.
    let open = invite(&ada, board, json!({})).await;
    let open_token = open["token"].as_str().unwrap();
    let (status, _) = bob
        .post(&format!("/api/invites/{open_token}/accept"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "a member accepting changes nothing");
    let (_, list) = ada.get(&format!("/api/boards/{board}/invites")).await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == open["id"])
        .unwrap();
    assert_eq!(listed["uses"], 0, "no use counted for someone already in");
    let (status, _) = ada
        .delete(&format!("/api/boards/{board}/invites/{}", open["id"]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_error(
        &cy.post(&format!("/api/invites/{open_token}/accept"), json!({}))
            .await,
        StatusCode::GONE,
        "gone",
    );

    // Expired: made, then its time moved into the past.
    let old = invite(&ada, board, json!({})).await;
    sqlx::query("UPDATE board_invites SET expires_at = 1 WHERE id = $1")
        .bind(old["id"].as_i64().unwrap())
        .execute(&srv.services.pool)
        .await
        .unwrap();
    let old_token = old["token"].as_str().unwrap();
    assert_error(
        &dee.post(&format!("/api/invites/{old_token}/accept"), json!({}))
            .await,
        StatusCode::GONE,
        "gone",
    );
    let (_, detail) = ada.get(&format!("/api/boards/{board}")).await;
    let names: Vec<&str> = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "only bob got in: {names:?}");

    // An unknown token: 404.
    assert_error(
        &cy.post("/api/invites/not-a-token/accept", json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn only_owners_make_list_and_revoke_links_within_limits() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (eve, _) = srv.user("eve").await;
    let (board, _) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob"]).await;
    let path = format!("/api/boards/{board}/invites");
    assert_error(
        &bob.post(&path, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(&bob.get(&path).await, StatusCode::FORBIDDEN, "forbidden");
    assert_error(
        &eve.post(&path, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    for bad in [
        json!({"max_uses": 0}),
        json!({"max_uses": 1001}),
        json!({"expires_in_days": 0}),
        json!({"expires_in_days": 91}),
        json!({"uses": 3}),
    ] {
        assert_error(
            &ada.post(&path, bad).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        );
    }
    let made = invite(&ada, board, json!({"max_uses": 3, "expires_in_days": 30})).await;
    assert_error(
        &bob.delete(&format!("{path}/{}", made["id"])).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &ada.delete(&format!("{path}/999999")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let (_, list) = ada.get(&path).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["max_uses"], 3);
    // Logged out: a preview is fine, accepting needs a login.
    let anon = srv.client();
    let token = made["token"].as_str().unwrap();
    assert_error(
        &anon
            .post(&format!("/api/invites/{token}/accept"), json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
}

#[tokio::test]
async fn the_last_use_of_a_link_goes_to_exactly_one_of_two_people_at_once() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (board, _) = ada.board("Launch").await;
    let mut people = Vec::new();
    for name in ["pat1", "pat2", "pat3", "pat4", "pat5", "pat6"] {
        people.push(srv.user(name).await.0);
    }
    let made = invite(&ada, board, json!({"max_uses": 2})).await;
    let token = made["token"].as_str().unwrap().to_string();
    let answers = futures_util::future::join_all(people.iter().map(|c| {
        let path = format!("/api/invites/{token}/accept");
        async move { c.post(&path, json!({})).await.0 }
    }))
    .await;
    let ok = answers.iter().filter(|s| **s == StatusCode::OK).count();
    let gone = answers.iter().filter(|s| **s == StatusCode::GONE).count();
    assert_eq!((ok, gone), (2, 4), "{answers:?}");
    let (_, detail) = ada.get(&format!("/api/boards/{board}")).await;
    assert_eq!(detail["members"].as_array().unwrap().len(), 3);
}
