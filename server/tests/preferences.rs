//! Notification preferences (issue 27 §4) and muting a person, against a
//! real server on SQLite and PostgreSQL: all / mentions only / nothing per
//! board, room and task with the most specific winning, a muted room (no
//! badge, group calls only when asked for), a muted person, and the
//! refusals.

mod common;

use std::time::Duration;

use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn read_all(c: &Client) {
    let (status, _) = c
        .post("/messaging/notifications/read-all/", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn set(c: &Client, body: Value) -> (StatusCode, Value) {
    c.send(reqwest::Method::PUT, "/messaging/preferences/", Some(body))
        .await
}

async fn said(c: &Client, room: i64, text: &str) {
    let (status, body) = c
        .post(
            &format!("/messaging/room/{room}/send/"),
            json!({ "content": text }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn the_most_specific_setting_decides_what_reaches_the_bell() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, cols) = ada.board("Team").await;
    ada.add_to_board(board, &["bob"]).await;
    let loud = ada.room(board, "loud", &["bob"]).await;
    let quiet = ada.room(board, "quiet", &["bob"]).await;
    let task = ada.task(board, cols[0], "Ship it").await;
    read_all(&bob).await;

    // The board: mentions only. A comment on a card bob watches does not
    // reach him; a mention does.
    let (status, pref) = set(
        &bob,
        json!({"scope": "board", "id": board, "level": "mentions"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{pref}");
    assert_eq!(
        pref,
        json!({"scope": "board", "id": board, "level": "mentions", "muted": false, "group_calls": false})
    );
    let (status, _) = bob
        .send(
            reqwest::Method::PUT,
            &format!("/api/tasks/{task}/watch"),
            None,
        )
        .await;
    assert!(status.is_success(), "{status}");
    ada.comment(task, "progress report").await;
    assert!(
        bob.unread_kinds().await.is_empty(),
        "{:?}",
        bob.unread_kinds().await
    );
    ada.comment(task, "@bob please review").await;
    assert_eq!(bob.unread_kinds().await, ["comment_mention"]);
    read_all(&bob).await;

    // A room set to nothing: not even a mention. Another room set to all
    // overrides the board's mentions-only (a reply there reaches him).
    set(
        &bob,
        json!({"scope": "room", "id": quiet, "level": "nothing"}),
    )
    .await;
    said(&ada, quiet, "@bob are you there?").await;
    assert!(bob.unread_kinds().await.is_empty());
    set(&bob, json!({"scope": "room", "id": loud, "level": "all"})).await;
    let (_, root) = bob
        .post(
            &format!("/messaging/room/{loud}/send/"),
            json!({"content": "my question"}),
        )
        .await;
    let (status, _) = ada
        .post(
            &format!("/messaging/room/{loud}/send/"),
            json!({"content": "an answer", "thread_root_id": root["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(bob.unread_kinds().await, ["reply"]);
    read_all(&bob).await;
    // Back to what the board says (null): the board's mentions-only holds.
    let (_, pref) = set(&bob, json!({"scope": "room", "id": loud, "level": null})).await;
    assert_eq!(pref["level"], Value::Null);
    ada.post(
        &format!("/messaging/room/{loud}/send/"),
        json!({"content": "another answer", "thread_root_id": root["id"]}),
    )
    .await;
    assert!(bob.unread_kinds().await.is_empty());

    // Everything he set, listed.
    let (status, all) = bob.get("/messaging/preferences/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["preferences"].as_array().unwrap().len(), 3, "{all}");
    assert_eq!(all["muted_people"], json!([]));
    srv.stop().await;
}

#[tokio::test]
async fn a_muted_room_has_no_badge_and_hears_group_calls_only_when_asked() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, _) = ada.board("Team").await;
    ada.add_to_board(board, &["bob"]).await;
    let room = ada.room(board, "chatter", &["bob"]).await;
    read_all(&bob).await;
    let (status, pref) = set(&bob, json!({"scope": "room", "id": room, "muted": true})).await;
    assert_eq!(status, StatusCode::OK, "{pref}");
    assert_eq!(pref["muted"], true);
    let (_, rooms) = bob.get(&format!("/messaging/board/{board}/rooms/")).await;
    let listed = rooms
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room)
        .unwrap()
        .clone();
    assert_eq!(listed["muted"], true);
    // @room is ignored; a personal mention still reaches him.
    said(&ada, room, "@room lunch?").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(bob.unread_kinds().await.is_empty());
    said(&ada, room, "@bob you too").await;
    assert_eq!(bob.unread_kinds().await, ["chat_mention"]);
    read_all(&bob).await;
    // He asks for group calls while muted: the next one reaches him.
    set(
        &bob,
        json!({"scope": "room", "id": room, "group_calls": true}),
    )
    .await;
    let (carol, _) = srv.user("carol").await;
    ada.add_to_board(board, &["carol"]).await;
    let (status, _) = ada
        .post(
            &format!("/messaging/room/{room}/members/"),
            json!({"username": "carol"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    read_all(&bob).await;
    said(&carol, room, "@room standup").await;
    let mut got = Vec::new();
    for _ in 0..100 {
        got = bob.unread_kinds().await;
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(got, ["group_mention"]);
    srv.stop().await;
}

#[tokio::test]
async fn a_muted_person_reaches_nobody_who_muted_them() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (carol, carol_id) = srv.user("carol").await;
    let (eve, eve_id) = srv.user("eve").await;
    let (board, _) = ada.board("Team").await;
    ada.add_to_board(board, &["bob", "carol"]).await;
    let room = ada.room(board, "talk", &["bob", "carol"]).await;
    read_all(&bob).await;
    let (status, body) = bob
        .put(&format!("/messaging/people/{carol_id}/mute/"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["muted"], true);
    assert_eq!(body["user"]["username"], "carol");
    said(&carol, room, "@bob look at this").await;
    assert!(bob.unread_kinds().await.is_empty());
    said(&ada, room, "@bob and this").await;
    assert_eq!(bob.unread_kinds().await, ["chat_mention"]);
    let (_, all) = bob.get("/messaging/preferences/").await;
    assert_eq!(all["muted_people"][0]["username"], "carol");
    // Unmuted: she reaches him again.
    let (status, body) = bob
        .delete(&format!("/messaging/people/{carol_id}/mute/"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["muted"], false);
    read_all(&bob).await;
    said(&carol, room, "@bob now?").await;
    assert_eq!(bob.unread_kinds().await, ["chat_mention"]);
    // Not oneself; not a stranger (eve shares no board with bob).
    assert_error(
        &bob.put(&format!("/messaging/people/{bob_id}/mute/")).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_error(
        &bob.put(&format!("/messaging/people/{eve_id}/mute/")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let _ = eve;
    srv.stop().await;
}

#[tokio::test]
async fn bad_settings_are_refused_and_change_nothing() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, cols) = ada.board("Team").await;
    let room = ada.room(board, "mine", &[]).await;
    let task = ada.task(board, cols[0], "Secret").await;
    for body in [
        json!({"scope": "planet", "id": board, "level": "all"}),
        json!({"scope": "board", "id": board, "level": "loud"}),
        json!({"scope": "board", "id": board, "muted": true}),
        json!({"scope": "task", "id": task, "group_calls": true}),
        json!({"scope": "room", "id": room, "level": "all", "extra": 1}),
        json!({"scope": "room", "level": "all"}),
    ] {
        let got = set(&ada, body.clone()).await;
        assert_eq!(got.0, StatusCode::BAD_REQUEST, "{body}: {}", got.1);
    }
    // Places bob cannot see: 404.
    for body in [
        json!({"scope": "board", "id": board, "level": "nothing"}),
        json!({"scope": "room", "id": room, "muted": true}),
        json!({"scope": "task", "id": task, "level": "nothing"}),
    ] {
        assert_error(&set(&bob, body).await, StatusCode::NOT_FOUND, "not_found");
    }
    let (_, all) = ada.get("/messaging/preferences/").await;
    assert_eq!(all["preferences"], json!([]));
    let (_, all) = bob.get("/messaging/preferences/").await;
    assert_eq!(all["preferences"], json!([]));
    srv.stop().await;
}
