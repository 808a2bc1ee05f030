//! The real-time guarantees, end to end with real sockets: a text sent twice
//! (its ack lost) is stored and delivered once; one connection's burst keeps
//! its order; and nobody receives anything after losing access — on bound
//! sockets, on `/ws` without the user topic, on a waiting long poll, and
//! after logout.

mod common;

use std::time::Duration;

use common::ws::{connect, next, next_of, next_skipping, open_subscribed, quiet, send, Socket};
use common::{Client, TestServer};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as Ws;

struct Team {
    ada: Client,
    bob: Client,
    bob_id: i64,
    board: i64,
    room: i64,
    task: i64,
}

/// ada owns a board with bob on it, a room with both, and a task.
async fn team(srv: &TestServer) -> Team {
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (board, cols) = ada.board("Team").await;
    ada.add_to_board(board, &["bob"]).await;
    let room = ada.room(board, "Lobby", &["bob"]).await;
    let task = ada.task(board, cols[0], "Spec").await;
    Team {
        ada,
        bob,
        bob_id,
        board,
        room,
        task,
    }
}

async fn count(srv: &TestServer, sql: &str, client_id: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(client_id)
        .fetch_one(&srv.services.pool)
        .await
        .unwrap();
    n
}

async fn messages_with(srv: &TestServer, client_id: &str) -> i64 {
    count(
        srv,
        "SELECT COUNT(*) FROM chat_messages WHERE client_id = $1",
        client_id,
    )
    .await
}

/// The next frame of `kind`, skipping hints and the frames in `also`.
async fn frame(s: &mut Socket, kind: &str, also: &[&str]) -> Value {
    next_skipping(s, kind, also).await
}

/// Waits until the socket is closed and returns the close code.
async fn closed_with(s: &mut Socket) -> u16 {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), s.next())
            .await
            .expect("not closed within 10 s");
        match frame {
            Some(Ok(Ws::Close(Some(c)))) => return c.code.into(),
            Some(Ok(Ws::Close(None))) | None => return 0,
            Some(Ok(Ws::Text(t))) => {
                let f: Value = serde_json::from_str(t.as_str()).unwrap();
                assert!(
                    !matches!(f["type"].as_str(), Some("message" | "comment")),
                    "delivered after access ended: {f}"
                );
            }
            Some(_) => {}
        }
    }
}

#[tokio::test]
async fn a_message_sent_twice_on_one_socket_is_stored_and_delivered_once() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut bob, _, _) = open_subscribed(&t.bob, &format!("room:{}", t.room), None).await;
    let (mut ada, _, _) = open_subscribed(&t.ada, &format!("room:{}", t.room), None).await;
    let frame_once =
        json!({"type": "message", "room_id": t.room, "content": "ping @bob", "client_id": "tab-1"});
    send(&mut ada, frame_once.clone()).await;
    send(&mut ada, frame_once).await;
    let first = frame(&mut ada, "ack", &["message"]).await;
    let second = frame(&mut ada, "ack", &["message"]).await;
    assert_eq!(first["client_id"], "tab-1");
    assert_eq!(first["message"], second["message"], "the same ack twice");
    // Bob sees it once; one row; one notification.
    let got = next_of(&mut bob, "message").await;
    assert_eq!(got["message"]["id"], first["message"]["id"]);
    quiet(&mut bob, 400).await;
    assert_eq!(messages_with(&srv, "tab-1").await, 1);
    let (notes,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1 AND message_id IS NOT NULL",
    )
    .bind(t.bob_id)
    .fetch_one(&srv.services.pool)
    .await
    .unwrap();
    assert_eq!(notes, 1);
}

#[tokio::test]
async fn a_resend_on_a_new_socket_after_a_lost_ack_is_stored_once() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut bob, _, _) = open_subscribed(&t.bob, &format!("room:{}", t.room), None).await;
    let frame_once =
        json!({"type": "message", "room_id": t.room, "content": "lost ack", "client_id": "tab-7"});
    // Sent, and the socket dies before its ack is read.
    let mut ada = connect(&t.ada, "/ws").await;
    next(&mut ada).await;
    send(&mut ada, frame_once.clone()).await;
    drop(ada);
    // The outbox sends it again on the next socket.
    let mut ada = connect(&t.ada, "/ws").await;
    next(&mut ada).await;
    send(&mut ada, frame_once).await;
    let ack = frame(&mut ada, "ack", &[]).await;
    let id = ack["message"]["id"].clone();
    assert!(id.is_i64(), "{ack}");
    assert_eq!(next_of(&mut bob, "message").await["message"]["id"], id);
    quiet(&mut bob, 400).await;
    assert_eq!(messages_with(&srv, "tab-7").await, 1);
    // The history has it once.
    let (_, page) = t
        .ada
        .get(&format!("/messaging/room/{}/history/", t.room))
        .await;
    let same: Vec<&Value> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["content"] == "lost ack")
        .collect();
    assert_eq!(same.len(), 1);
}

#[tokio::test]
async fn the_same_http_post_twice_is_stored_once() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let path = format!("/messaging/room/{}/send/", t.room);
    let body = json!({"content": "over http", "client_id": "http-1"});
    let (s1, m1) = t.ada.post(&path, body.clone()).await;
    let (s2, m2) = t.ada.post(&path, body).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(m1, m2, "the same answer");
    assert_eq!(messages_with(&srv, "http-1").await, 1);
    // Another author may use the same id: ids are per author.
    let (s3, m3) = t
        .bob
        .post(&path, json!({"content": "mine", "client_id": "http-1"}))
        .await;
    assert_eq!(s3, StatusCode::CREATED);
    assert_ne!(m3["id"], m1["id"]);
    // Reusing an id for another room is refused.
    let other = t.ada.room(t.board, "Other", &[]).await;
    let (status, _) = t
        .ada
        .post(
            &format!("/messaging/room/{other}/send/"),
            json!({"content": "x", "client_id": "http-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Comments too.
    let path = format!("/messaging/task/{}/comments/", t.task);
    let body = json!({"content": "a comment", "client_id": "c-1"});
    let (_, c1) = t.ada.post(&path, body.clone()).await;
    let (_, c2) = t.ada.post(&path, body).await;
    assert_eq!(c1["id"], c2["id"]);
    let (_, board) = t.ada.get(&format!("/api/boards/{}", t.board)).await;
    assert_eq!(board["tasks"][0]["comment_count"], 1);
    // A bad client_id is refused.
    let (status, _) = t
        .ada
        .post(&path, json!({"content": "x", "client_id": "has spaces"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_comment_sent_twice_is_stored_once() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut bob, _, _) = open_subscribed(&t.bob, &format!("task:{}", t.task), None).await;
    let (mut ada, _, _) = open_subscribed(&t.ada, &format!("task:{}", t.task), None).await;
    let once =
        json!({"type": "comment", "task_id": t.task, "content": "looks good", "client_id": "k-1"});
    send(&mut ada, once.clone()).await;
    send(&mut ada, once).await;
    let a = frame(&mut ada, "ack", &["comment"]).await;
    let b = frame(&mut ada, "ack", &["comment"]).await;
    assert_eq!(a["comment"]["id"], b["comment"]["id"]);
    next_of(&mut bob, "comment").await;
    quiet(&mut bob, 400).await;
    let n = count(
        &srv,
        "SELECT COUNT(*) FROM task_comments WHERE client_id = $1",
        "k-1",
    )
    .await;
    assert_eq!(n, 1);
}

/// 3 connections × 50 messages sent back to back: each connection's messages
/// are stored, acknowledged and delivered in the order it sent them.
#[tokio::test]
async fn each_connections_burst_keeps_its_order() {
    let srv = TestServer::start_configured(|args| args.message_rate = 0.0).await;
    let (ada, _) = srv.user("ada").await;
    let mut senders = Vec::new();
    for name in ["bob", "cyd", "dee"] {
        let (c, _) = srv.user(name).await;
        senders.push((name, c));
    }
    let (board, _) = ada.board("Burst").await;
    ada.add_to_board(board, &["bob", "cyd", "dee"]).await;
    let room = ada.room(board, "Fast", &["bob", "cyd", "dee"]).await;
    let (mut watcher, _, _) = open_subscribed(&ada, &format!("room:{room}"), None).await;
    let mut sockets = Vec::new();
    for (name, c) in &senders {
        let (s, _, _) = open_subscribed(c, &format!("room:{room}"), None).await;
        sockets.push((*name, s));
    }
    // All three fire at once, each 50 frames without waiting.
    for (name, s) in &mut sockets {
        for i in 0..50 {
            let content = format!("{name} {i}");
            send(
                s,
                json!({"type": "message", "room_id": room, "content": content, "client_id": format!("{name}-{i}")}),
            )
            .await;
        }
    }
    // Acks come back in send order.
    for (name, s) in &mut sockets {
        for i in 0..50 {
            let ack = frame(s, "ack", &["message"]).await;
            assert_eq!(ack["client_id"], format!("{name}-{i}"), "ack order");
        }
    }
    // The watcher's stream has each sender's messages in order.
    let mut seen: std::collections::HashMap<String, Vec<i64>> = Default::default();
    for _ in 0..150 {
        let m = next_of(&mut watcher, "message").await;
        let text = m["message"]["content"].as_str().unwrap().to_string();
        let (who, i) = text.split_once(' ').unwrap();
        seen.entry(who.into()).or_default().push(i.parse().unwrap());
    }
    for (name, _) in &senders {
        assert_eq!(seen[*name], (0..50).collect::<Vec<i64>>(), "{name}'s order");
    }
    // And the history, by id (commit order), too.
    let mut stored: Vec<(String, i64)> = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let q = before
            .map(|b| format!("?before={b}&limit=100"))
            .unwrap_or("?limit=100".into());
        let (_, page) = ada
            .get(&format!("/messaging/room/{room}/history/{q}"))
            .await;
        let msgs = page["messages"].as_array().unwrap().clone();
        for m in msgs.iter().rev() {
            let (who, i) = m["content"].as_str().unwrap().split_once(' ').unwrap();
            stored.push((who.to_string(), i.parse().unwrap()));
        }
        if page["has_older"] != true {
            break;
        }
        before = msgs.first().and_then(|m| m["id"].as_i64());
    }
    stored.reverse();
    for (name, _) in &senders {
        let order: Vec<i64> = stored
            .iter()
            .filter(|(w, _)| w == name)
            .map(|(_, i)| *i)
            .collect();
        assert_eq!(order, (0..50).collect::<Vec<i64>>(), "{name}'s history");
    }
}

#[tokio::test]
async fn a_bound_room_socket_closes_when_its_user_leaves_the_room() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let mut bob = connect(&t.bob, &format!("/ws/chat-room/{}/", t.room)).await;
    next(&mut bob).await; // hello
    next_of(&mut bob, "subscribed").await;
    let (status, _) = t
        .ada
        .delete(&format!("/messaging/room/{}/members/{}/", t.room, t.bob_id))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    t.ada.send_chat(t.room, "after bob left").await;
    assert_eq!(closed_with(&mut bob).await, 4403);
}

#[tokio::test]
async fn a_bound_task_socket_closes_when_its_user_leaves_the_board() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let mut bob = connect(&t.bob, &format!("/ws/task-comments/{}/", t.task)).await;
    next(&mut bob).await;
    next_of(&mut bob, "subscribed").await;
    let (status, _) = t
        .ada
        .delete(&format!("/api/boards/{}/members/{}", t.board, t.bob_id))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    t.ada
        .post(
            &format!("/messaging/task/{}/comments/", t.task),
            json!({"content": "after bob left"}),
        )
        .await;
    assert_eq!(closed_with(&mut bob).await, 4403);
}

#[tokio::test]
async fn a_socket_without_the_user_topic_stops_receiving_after_removal() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    // Subscribed to the room only (not to its own user topic).
    let (mut bob, _, _) = open_subscribed(&t.bob, &format!("room:{}", t.room), None).await;
    t.ada.send_chat(t.room, "before").await;
    assert_eq!(
        next_of(&mut bob, "message").await["message"]["content"],
        "before"
    );
    t.ada
        .delete(&format!("/messaging/room/{}/members/{}/", t.room, t.bob_id))
        .await;
    // (The removal reaches the socket before the next message: same hub.)
    tokio::time::sleep(Duration::from_millis(100)).await;
    t.ada.send_chat(t.room, "after").await;
    send(
        &mut bob,
        json!({"type": "typing", "room_id": t.room, "is_typing": true}),
    )
    .await;
    let refused = next_of(&mut bob, "error").await;
    assert_eq!(refused["code"], "not_subscribed", "{refused}");
    quiet(&mut bob, 500).await;
}

#[tokio::test]
async fn a_waiting_long_poll_ends_when_its_user_loses_the_room() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let poll = {
        let bob = t.bob.clone_session();
        let path = format!("/messaging/room/{}/events/?after=0&timeout=25", t.room);
        tokio::spawn(async move { bob.get(&path).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    t.ada
        .delete(&format!("/messaging/room/{}/members/{}/", t.room, t.bob_id))
        .await;
    let (status, body) = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the poll ended")
        .unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // And nothing after the removal comes through a new poll either.
    t.ada.send_chat(t.room, "after").await;
    let (status, _) = t
        .bob
        .get(&format!(
            "/messaging/room/{}/events/?after=0&timeout=1",
            t.room
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn logout_closes_that_sessions_sockets_and_long_polls() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut one, _, _) = open_subscribed(&t.bob, &format!("room:{}", t.room), None).await;
    let mut two = connect(&t.bob, &format!("/ws/chat-room/{}/", t.room)).await;
    next(&mut two).await;
    next_of(&mut two, "subscribed").await;
    let poll = {
        let bob = t.bob.clone_session();
        let path = format!(
            "/messaging/task/{}/comments/events/?after=0&timeout=25",
            t.task
        );
        tokio::spawn(async move { bob.get(&path).await })
    };
    // Another session of bob's stays open.
    let other = srv.client();
    other
        .post(
            "/api/auth/login",
            json!({"username": "bob", "password": "correct horse battery"}),
        )
        .await;
    let (mut three, _, _) = open_subscribed(&other, &format!("room:{}", t.room), None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = t.bob.post("/api/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(closed_with(&mut one).await, 4401);
    assert_eq!(closed_with(&mut two).await, 4401);
    let (status, _) = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the poll ended")
        .unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The other session is untouched.
    t.ada.send_chat(t.room, "still here?").await;
    assert_eq!(
        next_of(&mut three, "message").await["message"]["content"],
        "still here?"
    );
}

/// Two tabs of one user send the same words at the same moment: each is
/// stored once, each tab's echo carries its own `client_id` (so each tab's
/// outbox resolves only its own item), and nobody else ever sees a
/// `client_id` — live, replayed, in the history or in a long poll.
#[tokio::test]
async fn echoes_carry_their_own_client_id_to_their_author_only() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let topic = format!("room:{}", t.room);
    let (mut tab1, _, _) = open_subscribed(&t.ada, &topic, None).await;
    let (mut tab2, _, _) = open_subscribed(&t.ada, &topic, None).await;
    let (mut bob, _, _) = open_subscribed(&t.bob, &topic, None).await;
    let same = |client_id: &str| json!({"type": "message", "room_id": t.room, "content": "same words", "client_id": client_id});
    send(&mut tab1, same("tab1-1")).await;
    send(&mut tab2, same("tab2-1")).await;
    // Each tab gets its ack and both echoes (in either order), each echo
    // with the client_id it was sent with.
    let mut seen = Vec::new();
    for tab in [&mut tab1, &mut tab2] {
        let (mut ack, mut echoes) = (None, std::collections::BTreeMap::new());
        while ack.is_none() || echoes.len() < 2 {
            let f = next(tab).await;
            match f["type"].as_str() {
                Some("ack") => ack = Some(f),
                Some("message") => {
                    echoes.insert(
                        f["message"]["client_id"].as_str().unwrap().to_owned(),
                        f["message"]["id"].as_i64().unwrap(),
                    );
                }
                _ => {}
            }
        }
        seen.push((ack.unwrap(), echoes));
    }
    let (ack1, ack2) = (&seen[0].0, &seen[1].0);
    assert_eq!(ack1["client_id"], "tab1-1");
    assert_eq!(ack2["client_id"], "tab2-1");
    assert_ne!(ack1["message"]["id"], ack2["message"]["id"]);
    for (_, echoes) in &seen {
        assert_eq!(echoes["tab1-1"], ack1["message"]["id"].as_i64().unwrap());
        assert_eq!(echoes["tab2-1"], ack2["message"]["id"].as_i64().unwrap());
    }
    assert_eq!(messages_with(&srv, "tab1-1").await, 1);
    assert_eq!(messages_with(&srv, "tab2-1").await, 1);
    // Bob sees both, without anyone's client_id.
    for _ in 0..2 {
        let f = next_of(&mut bob, "message").await;
        assert!(f["message"].get("client_id").is_none(), "{f}");
    }
    // A comment's echo likewise.
    let (mut ada_thread, _, _) = open_subscribed(&t.ada, &format!("task:{}", t.task), None).await;
    let (mut bob_thread, _, _) = open_subscribed(&t.bob, &format!("task:{}", t.task), None).await;
    send(
        &mut ada_thread,
        json!({"type": "comment", "task_id": t.task, "content": "noted", "client_id": "tab1-2"}),
    )
    .await;
    let own = next_skipping(&mut ada_thread, "comment", &["ack"]).await;
    assert_eq!(own["comment"]["client_id"], "tab1-2");
    let other = next_of(&mut bob_thread, "comment").await;
    assert!(other["comment"].get("client_id").is_none(), "{other}");
    // Replayed after a reconnect: the author's copies still carry it.
    let (_, replay, _) = open_subscribed(&t.ada, &topic, Some(0)).await;
    // (Both tabs sent at once: either may have been stored first.)
    let mut ids: Vec<&str> = replay
        .iter()
        .map(|m| m["client_id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["tab1-1", "tab2-1"]);
    let (_, replay, _) = open_subscribed(&t.bob, &topic, Some(0)).await;
    assert!(replay.iter().all(|m| m.get("client_id").is_none()));
    // The history and the long poll follow the same rule.
    let history = format!("/messaging/room/{}/history/", t.room);
    let (_, mine) = t.ada.get(&history).await;
    for m in mine["messages"].as_array().unwrap() {
        let sent_with = if m["id"] == ack1["message"]["id"] {
            "tab1-1"
        } else {
            "tab2-1"
        };
        assert_eq!(m["client_id"], sent_with, "{m}");
    }
    let (_, theirs) = t.bob.get(&history).await;
    let theirs = theirs["messages"].as_array().unwrap();
    assert_eq!(theirs.len(), 2);
    assert!(
        theirs.iter().all(|m| m.get("client_id").is_none()),
        "{theirs:?}"
    );
    let poll = format!("/messaging/room/{}/events/?after=0&timeout=1", t.room);
    let (_, polled) = t.bob.get(&poll).await;
    let polled = polled.to_string();
    assert!(
        polled.contains("same words") && !polled.contains("tab1-1"),
        "{polled}"
    );
}
