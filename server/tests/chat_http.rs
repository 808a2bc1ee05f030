//! Chat rooms over HTTP (`/messaging/...`): rooms, members, messages, history.

mod common;

use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn room(c: &Client, board: i64, name: &str) -> i64 {
    let (status, body) = c
        .post(
            &format!("/messaging/board/{board}/rooms/create/"),
            json!({"name": name, "description": "about it", "is_private": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

/// The names of the rooms a board lists to `c`, in order.
async fn room_names(c: &Client, board: i64) -> Vec<String> {
    let (_, list) = c.get(&format!("/messaging/board/{board}/rooms/")).await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

async fn send(c: &Client, room: i64, content: &str) -> Value {
    c.send_chat(room, content).await
}

/// A board owned by ada with bob as a member, and a user eve outside it.
async fn team(srv: &TestServer) -> (Client, Client, Client, i64, i64) {
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (eve, _) = srv.user("eve").await;
    let (board, _) = ada.board("Team").await;
    ada.post(
        &format!("/api/boards/{board}/members"),
        json!({"username": "bob"}),
    )
    .await;
    (ada, bob, eve, board, bob_id)
}

#[tokio::test]
async fn rooms_are_created_listed_and_filtered() {
    let srv = TestServer::start().await;
    let (ada, bob, eve, board, _) = team(&srv).await;
    let general = room(&ada, board, "Lobby").await;
    room(&ada, board, "Design reviews").await;
    assert_error(
        &ada.post(
            &format!("/messaging/board/{board}/rooms/create/"),
            json!({"name": "lobby"}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_error(
        &ada.post(
            &format!("/messaging/board/{board}/rooms/create/"),
            json!({"name": "  "}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_error(
        &eve.post(
            &format!("/messaging/board/{board}/rooms/create/"),
            json!({"name": "Mine"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    assert_eq!(
        room_names(&ada, board).await,
        vec!["Design reviews", "general", "Lobby"]
    );
    let (_, list) = ada
        .get(&format!("/messaging/board/{board}/rooms/?q=REV"))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, list) = ada
        .get(&format!("/messaging/board/{board}/rooms/?q=%25"))
        .await;
    assert_eq!(
        list.as_array().unwrap().len(),
        0,
        "% is a literal, not a wildcard"
    );

    // Bob is on the board but in no private room: he sees only the board's
    // #general, and cannot read the others.
    let names = room_names(&bob, board).await;
    assert_eq!(names, vec!["general"]);
    assert_error(
        &bob.get(&format!("/messaging/room/{general}/")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &bob.get(&format!("/messaging/room/{general}/history/"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &bob.post(
            &format!("/messaging/room/{general}/send/"),
            json!({"content": "hi"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn members_come_from_the_board() {
    let srv = TestServer::start().await;
    let (ada, bob, _eve, board, bob_id) = team(&srv).await;
    let general = room(&ada, board, "Lobby").await;
    let path = format!("/messaging/room/{general}/members/");
    assert_error(
        &ada.post(&path, json!({"username": "eve"})).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_error(
        &ada.post(&path, json!({"username": "nobody"})).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    let (status, added) = ada.post(&path, json!({"username": "@Bob"})).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["id"], bob_id);
    assert_error(
        &ada.post(&path, json!({"username": "bob"})).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    let (_, detail) = bob.get(&format!("/messaging/room/{general}/")).await;
    assert_eq!(detail["members"].as_array().unwrap().len(), 2);

    // Only the creator or the board owner manage the room; anyone may leave.
    assert_error(
        &bob.send(
            reqwest::Method::PATCH,
            &format!("/messaging/room/{general}/"),
            Some(json!({"name": "Bob's"})),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &bob.delete(&format!("/messaging/room/{general}/")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let ada_id = ada.get("/api/me").await.1["id"].as_i64().unwrap();
    assert_error(
        &bob.delete(&format!("{path}{ada_id}/")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_eq!(
        bob.delete(&format!("{path}{bob_id}/")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &bob.get(&format!("/messaging/room/{general}/")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Leaving the board also leaves its rooms.
    ada.post(&path, json!({"username": "bob"})).await;
    assert_eq!(
        bob.get(&format!("/messaging/room/{general}/")).await.0,
        StatusCode::OK
    );
    ada.delete(&format!("/api/boards/{board}/members/{bob_id}"))
        .await;
    assert_error(
        &bob.get(&format!("/messaging/room/{general}/")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn messages_are_validated_stored_and_paged() {
    // (250 messages in a burst: the rate limit is off here; it has its own test.)
    let srv = TestServer::start_configured(|a| a.message_rate = 0.0).await;
    let (ada, bob, _eve, board, _) = team(&srv).await;
    let general = room(&ada, board, "Lobby").await;
    ada.post(
        &format!("/messaging/room/{general}/members/"),
        json!({"username": "bob"}),
    )
    .await;

    let m = send(&ada, general, "  hello <b>team</b>\nsecond line  ").await;
    assert_eq!(
        m["content"], "hello <b>team</b>\nsecond line",
        "trimmed, stored as text"
    );
    assert_eq!(m["author"]["username"], "ada");
    assert_eq!(m["room_id"], general);
    let send_path = format!("/messaging/room/{general}/send/");
    assert_error(
        &ada.post(&send_path, json!({"content": " \n "})).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_error(
        &ada.post(&send_path, json!({"content": "x".repeat(10_001)}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_eq!(
        send(&ada, general, &"y".repeat(10_000)).await["content"]
            .as_str()
            .unwrap()
            .len(),
        10_000
    );

    for i in 0..248 {
        send(
            if i % 2 == 0 { &bob } else { &ada },
            general,
            &format!("message {i}"),
        )
        .await;
    }
    // Newest page first.
    let (_, page) = ada
        .get(&format!("/messaging/room/{general}/history/?limit=100"))
        .await;
    let ids = |p: &Value| {
        p["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let newest = ids(&page);
    assert_eq!(newest.len(), 100);
    assert!(
        newest.windows(2).all(|w| w[0] < w[1]),
        "oldest first within a page"
    );
    assert_eq!(page["has_older"], true);
    assert_eq!(page["has_newer"], false);
    assert_eq!(page["messages"][99]["content"], "message 247");

    // Walk back with `before`, then forward with `after`: every message once.
    let mut all = newest.clone();
    let mut before = newest[0];
    loop {
        let (_, page) = ada
            .get(&format!(
                "/messaging/room/{general}/history/?before={before}&limit=100"
            ))
            .await;
        let older = ids(&page);
        all.splice(0..0, older.iter().copied());
        if page["has_older"] == false {
            break;
        }
        before = older[0];
    }
    assert_eq!(all.len(), 250);
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "no gap or duplicate across pages"
    );
    let mut forward: Vec<i64> = Vec::new();
    let mut after = 0;
    loop {
        let (_, page) = ada
            .get(&format!(
                "/messaging/room/{general}/history/?after={after}&limit=100"
            ))
            .await;
        let newer = ids(&page);
        forward.extend(&newer);
        if page["has_newer"] == false {
            break;
        }
        after = *newer.last().unwrap();
    }
    assert_eq!(forward, all);

    for bad in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "before=1&after=2",
        "sort=up",
    ] {
        assert_error(
            &ada.get(&format!("/messaging/room/{general}/history/?{bad}"))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        );
    }
}

#[tokio::test]
async fn unread_counts_follow_the_read_pointer() {
    let srv = TestServer::start().await;
    let (ada, bob, _eve, board, _) = team(&srv).await;
    let general = room(&ada, board, "Lobby").await;
    send(&ada, general, "before bob joined").await;
    ada.post(
        &format!("/messaging/room/{general}/members/"),
        json!({"username": "bob"}),
    )
    .await;
    async fn unread_of(c: &Client, board: i64) -> i64 {
        let list = c.get(&format!("/messaging/board/{board}/rooms/")).await.1;
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "Lobby")
            .expect("the room is listed")["unread"]
            .as_i64()
            .unwrap()
    }
    assert_eq!(
        unread_of(&bob, board).await,
        0,
        "a new member starts with nothing unread"
    );
    let m1 = send(&ada, general, "one").await["id"].as_i64().unwrap();
    let m2 = send(&ada, general, "two").await["id"].as_i64().unwrap();
    send(&bob, general, "my own").await;
    assert_eq!(unread_of(&bob, board).await, 2, "own messages never count");
    assert_eq!(unread_of(&ada, board).await, 1);

    let read = format!("/messaging/room/{general}/read/");
    assert_eq!(
        bob.post(&read, json!({"message_id": m1})).await.1["last_read_id"],
        m1
    );
    assert_eq!(unread_of(&bob, board).await, 1);
    bob.post(&read, json!({"message_id": m2})).await;
    assert_eq!(
        bob.post(&read, json!({"message_id": m1})).await.1["last_read_id"],
        m2,
        "never moves back"
    );
    assert_eq!(unread_of(&bob, board).await, 0);
    assert_eq!(
        bob.post(&read, json!({"message_id": 999_999})).await.1["last_read_id"],
        m2,
        "unknown ids change nothing"
    );
}

#[tokio::test]
async fn rooms_are_renamed_archived_and_deleted() {
    let srv = TestServer::start().await;
    let (ada, bob, _eve, board, _) = team(&srv).await;
    let general = room(&ada, board, "Lobby").await;
    let other = room(&ada, board, "Other").await;
    let path = format!("/messaging/room/{general}/");
    let (status, renamed) = ada
        .patch(
            &path,
            json!({"name": "Everyone", "description": "all of us"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "Everyone");
    assert_error(
        &ada.patch(&path, json!({"name": "OTHER"})).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_error(
        &ada.patch(&path, json!({})).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );

    send(&ada, general, "last words").await;
    let (_, archived) = ada.patch(&path, json!({"archived": true})).await;
    assert!(archived["archived_at"].as_i64().is_some());
    assert_error(
        &ada.post(&format!("{path}send/"), json!({"content": "too late"}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_eq!(
        ada.get(&format!("{path}history/")).await.1["messages"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "history stays readable"
    );
    let (_, restored) = ada.patch(&path, json!({"archived": false})).await;
    assert_eq!(restored["archived_at"], Value::Null);
    send(&ada, general, "back again").await;

    // The board owner may delete a room someone else created, even one she
    // is not in.
    let bobs = room(&bob, board, "Bob's corner").await;
    assert_eq!(
        ada.delete(&format!("/messaging/room/{bobs}/")).await.0,
        StatusCode::NO_CONTENT,
        "the owner manages every room of her board"
    );
    assert_eq!(
        ada.delete(&format!("/messaging/room/{other}/")).await.0,
        StatusCode::NO_CONTENT
    );
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM chat_rooms WHERE is_default = 0")
        .fetch_one(&srv.services.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn long_poll_answers_as_soon_as_a_message_arrives() {
    let srv = TestServer::start().await;
    let (ada, bob, _eve, board, _) = team(&srv).await;
    let general = room(&ada, board, "Lobby").await;
    ada.post(
        &format!("/messaging/room/{general}/members/"),
        json!({"username": "bob"}),
    )
    .await;
    let first = send(&ada, general, "already there").await["id"]
        .as_i64()
        .unwrap();

    // Something newer exists: immediate answer.
    let (_, page) = bob
        .get(&format!("/messaging/room/{general}/events/?after=0"))
        .await;
    assert_eq!(page["messages"][0]["id"], first);

    // Nothing newer: waits, and wakes up when ada posts.
    let path = format!("/messaging/room/{general}/events/?after={first}&timeout=10");
    let started = std::time::Instant::now();
    let poll = tokio::spawn(async move { bob.get(&path).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let second = send(&ada, general, "wake up").await["id"].as_i64().unwrap();
    let (status, page) = poll.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
    assert_eq!(page["messages"][0]["id"], second);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "answered on arrival, not at the timeout"
    );

    // Timeout: an empty page.
    let (_, page) = ada
        .get(&format!(
            "/messaging/room/{general}/events/?after={second}&timeout=1"
        ))
        .await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 0);
    assert_error(
        &ada.get(&format!("/messaging/room/{general}/events/")).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
}
