//! Several owners per board: an owner makes a member an owner (or back),
//! live for everyone on the board; a board always keeps one owner. And
//! the people an owner may add, suggested by name.

mod common;

use common::ws::{next_skipping, open_subscribed};
use common::{assert_error, TestServer};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_owner_makes_a_member_an_owner_and_the_board_keeps_one() {
    let srv = TestServer::start().await;
    let (ada, ada_id) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (cyd, cyd_id) = srv.user("cyd").await;
    let (board, _) = ada.board("Team").await;
    ada.add_to_board(board, &["bob", "cyd"]).await;
    let (mut watcher, _, _) = open_subscribed(&cyd, &format!("board:{board}"), None).await;

    // A member cannot.
    assert_error(
        &bob.patch(
            &format!("/api/boards/{board}/members/{cyd_id}"),
            json!({"role": "owner"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (status, member) = ada
        .patch(
            &format!("/api/boards/{board}/members/{bob_id}"),
            json!({"role": "owner"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(member["role"], "owner");
    assert_eq!(member["user"]["username"], "bob");
    // Everyone on the board sees it live.
    let event = next_skipping(&mut watcher, "board_event", &[]).await;
    assert_eq!(event["change"]["kind"], "member_role_changed", "{event}");
    assert_eq!(event["change"]["member"]["user"]["id"], bob_id);
    assert_eq!(event["change"]["member"]["role"], "owner");
    // Bob now does what owners do.
    let (status, body) = bob
        .patch(&format!("/api/boards/{board}"), json!({"name": "Team A"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, summary) = bob.get("/api/boards").await;
    assert_eq!(summary[0]["role"], "owner");
    // Owners are not removed, and the last one is not demoted: demote first.
    assert_error(
        &bob.delete(&format!("/api/boards/{board}/members/{ada_id}"))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    let (status, _) = bob
        .patch(
            &format!("/api/boards/{board}/members/{ada_id}"),
            json!({"role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_error(
        &bob.patch(
            &format!("/api/boards/{board}/members/{bob_id}"),
            json!({"role": "member"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    // Ada, a member now, may leave.
    let (status, _) = ada
        .delete(&format!("/api/boards/{board}/members/{ada_id}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Bad input changes nothing.
    for bad in [
        json!({"role": "admin"}),
        json!({}),
        json!({"role": "owner", "x": 1}),
    ] {
        assert_error(
            &bob.patch(&format!("/api/boards/{board}/members/{cyd_id}"), bad)
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        );
    }
    assert_error(
        &bob.patch(
            &format!("/api/boards/{board}/members/999999"),
            json!({"role": "owner"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn owners_are_offered_people_they_share_a_board_with() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bobby.tables").await;
    srv.user("bobcat").await;
    srv.user("carol").await;
    let (other, _) = ada.board("Other").await;
    ada.add_to_board(other, &["bobby.tables", "carol"]).await;
    let (board, _) = ada.board("New").await;
    // People from her other boards, by name; not strangers, not those on
    // this board already, not herself.
    let (status, found) = ada
        .get(&format!("/api/boards/{board}/member-suggestions?q=bo"))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bobby.tables"]);
    // A username typed in full finds anyone (adding by exact name works today).
    let (_, found) = ada
        .get(&format!("/api/boards/{board}/member-suggestions?q=bobcat"))
        .await;
    assert_eq!(found[0]["username"], "bobcat");
    ada.add_to_board(board, &["carol"]).await;
    let (_, found) = ada
        .get(&format!("/api/boards/{board}/member-suggestions?q=car"))
        .await;
    assert_eq!(found.as_array().unwrap().len(), 0, "carol is on it already");
    // Only owners ask.
    assert_error(
        &bob.get(&format!("/api/boards/{other}/member-suggestions?q=a"))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
}
