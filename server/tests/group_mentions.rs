//! Group mentions (issue 27 §3), against a real server on SQLite and
//! PostgreSQL: whom @room, @board and @here call, one notification each
//! (a personal mention instead for those also named), the owner-only rule
//! on big boards and the owner's switch, the 5-minute interval, the cap on
//! recipients, clear refusals that store nothing, and a deletion that
//! withdraws the call.

mod common;

use std::time::Duration;

use common::ws::{connect, next};
use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn read_all(clients: &[&Client]) {
    for c in clients {
        let (status, _) = c
            .post("/messaging/notifications/read-all/", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Group notifications are written after the commit: wait for `n` of them.
async fn group_calls(c: &Client, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let (_, page) = c.get("/messaging/notifications/?unread=true").await;
        let got: Vec<Value> = page["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "group_mention")
            .cloned()
            .collect();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} group_mention notifications arrived");
}

/// Lets the notifier finish, then says nobody else got one.
async fn no_group_call(clients: &[&Client]) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    for c in clients {
        assert!(
            !c.unread_kinds()
                .await
                .contains(&"group_mention".to_string()),
            "{:?}",
            c.unread_kinds().await
        );
    }
}

async fn send(c: &Client, room: i64, content: &str) -> (StatusCode, Value) {
    c.post(
        &format!("/messaging/room/{room}/send/"),
        json!({ "content": content }),
    )
    .await
}

#[tokio::test]
async fn room_board_and_here_call_whom_they_say_once_each() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (carol, _) = srv.user("carol").await;
    let (dan, _) = srv.user("dan").await;
    let (eve, _) = srv.user("eve").await;
    let (board, _) = ada.board("Team").await;
    ada.add_to_board(board, &["bob", "carol", "dan", "eve"])
        .await;
    // A private room of ada, bob, carol and dan; eve is on the board only.
    let private = ada.room(board, "core", &["bob", "carol", "dan"]).await;
    read_all(&[&ada, &bob, &carol, &dan, &eve]).await;

    // @room: every room member but the author; carol, named too, gets her
    // mention instead.
    let (status, sent) = send(&ada, private, "@room standup, @carol first").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let note = &group_calls(&bob, 1).await[0];
    assert_eq!(note["message_id"], sent["id"]);
    assert_eq!(note["room_id"], private);
    assert_eq!(note["sender"]["username"], "ada");
    assert_eq!(
        note["link"],
        format!("/boards/{board}?room={private}&message={}", sent["id"])
    );
    group_calls(&dan, 1).await;
    assert_eq!(carol.unread_kinds().await, ["chat_mention"]);
    no_group_call(&[&ada, &eve, &carol]).await;
    read_all(&[&bob, &carol, &dan]).await;

    // @board in a private room calls its readers (not eve); in a public
    // room, every board member.
    let (status, _) = send(&bob, private, "@board heads up").await;
    assert_eq!(status, StatusCode::CREATED);
    group_calls(&ada, 1).await;
    no_group_call(&[&eve]).await;
    read_all(&[&ada, &carol, &dan]).await;
    let (_, rooms) = ada.get(&format!("/messaging/board/{board}/rooms/")).await;
    let general = rooms
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["is_default"] == true)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = send(&ada, general, "@board release at 5").await;
    assert_eq!(status, StatusCode::CREATED);
    for c in [&bob, &carol, &dan, &eve] {
        group_calls(c, 1).await;
    }
    read_all(&[&bob, &carol, &dan, &eve]).await;

    // @here: the room's members online now (bob has a tab open).
    let mut bob_tab = connect(&bob, "/ws").await;
    assert_eq!(next(&mut bob_tab).await["type"], "hello");
    let (status, _) = send(&carol, private, "@here who can review?").await;
    assert_eq!(status, StatusCode::CREATED);
    group_calls(&bob, 1).await;
    no_group_call(&[&ada, &dan]).await;

    // Deleting the message withdraws the call.
    let (_, page) = bob.get("/messaging/notifications/?unread=true").await;
    let message = page["notifications"][0]["message_id"].as_i64().unwrap();
    let (status, _) = carol
        .delete(&format!("/messaging/message/{message}/"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(bob.unread_kinds().await.is_empty());
    srv.stop().await;
}

#[tokio::test]
async fn a_group_call_waits_five_minutes_per_person_and_room() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, _) = ada.board("Team").await;
    ada.add_to_board(board, &["bob"]).await;
    let one = ada.room(board, "one", &["bob"]).await;
    let two = ada.room(board, "two", &["bob"]).await;
    let (status, _) = send(&ada, one, "@room first call").await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, before) = ada.get(&format!("/messaging/room/{one}/history/")).await;
    let again = send(&ada, one, "@room second call").await;
    assert_error(&again, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait = again.1["error"]["retry_after_ms"].as_i64().unwrap();
    assert!(wait > 290_000 && wait <= 300_000, "{wait}");
    // Nothing was stored.
    let (_, after) = ada.get(&format!("/messaging/room/{one}/history/")).await;
    assert_eq!(before["messages"], after["messages"]);
    // Another room, another person, or a message without a call: fine.
    assert_eq!(
        send(&ada, two, "@room elsewhere").await.0,
        StatusCode::CREATED
    );
    assert_eq!(send(&bob, one, "@room me too").await.0, StatusCode::CREATED);
    assert_eq!(send(&ada, one, "no call here").await.0, StatusCode::CREATED);
    srv.stop().await;
}

#[tokio::test]
async fn on_big_boards_only_owners_call_groups_unless_they_let_everyone() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, _) = ada.board("Company").await;
    let mut names = vec!["bob".to_string()];
    for i in 0..14 {
        let name = format!("member{i}");
        srv.user(&name).await;
        names.push(name);
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    ada.add_to_board(board, &refs).await;
    let room = ada.room(board, "all-hands", &["bob"]).await;
    // 16 members: still fine for everyone? No — more than 15.
    let (_, detail) = ada.get(&format!("/api/boards/{board}")).await;
    assert_eq!(detail["members"].as_array().unwrap().len(), 16);
    assert_eq!(detail["group_mentions"], "owners");
    let refused = send(&bob, room, "@room listen up").await;
    assert_error(&refused, StatusCode::FORBIDDEN, "forbidden");
    assert!(refused.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("only its owners"));
    // Only an owner changes it.
    let not_owner = bob
        .patch(
            &format!("/api/boards/{board}"),
            json!({"group_mentions": "everyone"}),
        )
        .await;
    assert_eq!(not_owner.0, StatusCode::FORBIDDEN, "{}", not_owner.1);
    let bad = ada
        .patch(
            &format!("/api/boards/{board}"),
            json!({"group_mentions": "anyone"}),
        )
        .await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST, "{}", bad.1);
    assert_eq!(
        send(&ada, room, "@room from the owner").await.0,
        StatusCode::CREATED
    );
    let (status, summary) = ada
        .patch(
            &format!("/api/boards/{board}"),
            json!({"group_mentions": "everyone"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["group_mentions"], "everyone");
    assert_eq!(
        send(&bob, room, "@room listen up").await.0,
        StatusCode::CREATED
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_call_over_the_cap_is_refused_and_stores_nothing() {
    let srv = TestServer::start_configured(|args| args.group_mention_max = 2).await;
    let (ada, _) = srv.user("ada").await;
    for name in ["bob", "carol", "dan"] {
        srv.user(name).await;
    }
    let (board, _) = ada.board("Team").await;
    ada.add_to_board(board, &["bob", "carol", "dan"]).await;
    let room = ada.room(board, "three", &["bob", "carol", "dan"]).await;
    let refused = send(&ada, room, "@room everyone").await;
    assert_error(&refused, StatusCode::BAD_REQUEST, "invalid_input");
    assert!(refused.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("3 people"));
    let (_, history) = ada.get(&format!("/messaging/room/{room}/history/")).await;
    assert_eq!(history["messages"], json!([]));
    // Naming one of them takes them out of the call: 2 is within the cap.
    assert_eq!(
        send(&ada, room, "@room everyone, @bob especially").await.0,
        StatusCode::CREATED
    );
    srv.stop().await;
}
