//! The WebSocket protocol with real clients (tokio-tungstenite) against a real
//! server: fan-out, ack after commit, resume without gap or duplicate (also
//! across a server restart), slow consumers, rate limits, bad frames, origins.

mod common;

use std::time::{Duration, Instant};

use common::ws::{
    connect, next, next_of, next_skipping, open_subscribed, open_subscribing, quiet, send,
    try_connect, Socket,
};
use common::{Client, TestServer};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as Ws;

/// Opens /ws and subscribes to a room; returns the socket after `subscribed`.
async fn subscribed(c: &Client, room: i64, after: Option<i64>) -> (Socket, Vec<Value>) {
    let (s, replay, _) = open_subscribed(c, &format!("room:{room}"), after).await;
    (s, replay)
}

struct Team {
    ada: Client,
    bob: Client,
    eve: Client,
    room: i64,
}

/// ada and bob in a room; eve on the board but not in the room.
async fn team(srv: &TestServer) -> Team {
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (eve, _) = srv.user("eve").await;
    let (board, _) = ada.board("Team").await;
    ada.add_to_board(board, &["bob", "eve"]).await;
    let room = ada.room(board, "Lobby", &["bob"]).await;
    Team {
        ada,
        bob,
        eve,
        room,
    }
}

async fn http_send(c: &Client, room: i64, content: &str) -> i64 {
    c.send_chat(room, content).await["id"].as_i64().unwrap()
}

#[tokio::test]
async fn messages_fan_out_to_members_only_and_are_acked_after_commit() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut ada, _) = subscribed(&t.ada, t.room, None).await;
    let (mut bob, _) = subscribed(&t.bob, t.room, None).await;
    let mut eve = connect(&t.eve, "/ws").await;
    next(&mut eve).await;
    send(
        &mut eve,
        json!({"type": "subscribe", "topic": format!("room:{}", t.room)}),
    )
    .await;
    let refused = next_of(&mut eve, "error").await;
    assert_eq!(refused["code"], "not_found");

    send(
        &mut ada,
        json!({"type": "message", "room_id": t.room, "content": " hello bob ", "client_id": "c1"}),
    )
    .await;
    // The sender's own socket gets the message frame and the ack, in either order.
    let ack = next_skipping(&mut ada, "ack", &["message"]).await;
    assert_eq!(ack["client_id"], "c1");
    let id = ack["message"]["id"].as_i64().unwrap();
    // Acknowledged means committed: the row is there.
    let (content,): (String,) = sqlx::query_as("SELECT content FROM chat_messages WHERE id = $1")
        .bind(id)
        .fetch_one(&srv.services.pool)
        .await
        .unwrap();
    assert_eq!(content, "hello bob");
    let got = next_of(&mut bob, "message").await;
    assert_eq!(got["message"]["id"], id);
    assert_eq!(got["message"]["author"]["username"], "ada");
    assert_eq!(got["message"]["content"], "hello bob");

    // HTTP posts reach WebSocket subscribers too.
    let id2 = http_send(&t.bob, t.room, "from http").await;
    let mut ada_got = next_of(&mut ada, "message").await;
    if ada_got["message"]["id"] == id {
        // (ada's own message frame, if it came after her ack)
        ada_got = next_of(&mut ada, "message").await;
    }
    assert_eq!(ada_got["message"]["id"], id2);
    assert_eq!(
        next_of(&mut bob, "message").await["message"]["id"],
        id2,
        "the sender's own tabs get it too"
    );
    quiet(&mut eve, 300).await;
}

#[tokio::test]
async fn resume_replays_what_was_missed_once_in_order() {
    let srv = TestServer::start_configured(|a| a.message_rate = 0.0).await;
    let t = team(&srv).await;
    let (mut bob, _) = subscribed(&t.bob, t.room, None).await;
    let first = http_send(&t.ada, t.room, "one").await;
    assert_eq!(next_of(&mut bob, "message").await["message"]["id"], first);
    bob.close(None).await.unwrap();

    let mut missed = Vec::new();
    for i in 0..150 {
        missed.push(http_send(&t.ada, t.room, &format!("missed {i}")).await);
    }
    let (mut bob, replay) = subscribed(&t.bob, t.room, Some(first)).await;
    let replayed: Vec<i64> = replay.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(replayed, missed, "every missed message, once, in order");
    let live = http_send(&t.ada, t.room, "live again").await;
    assert_eq!(next_of(&mut bob, "message").await["message"]["id"], live);
    quiet(&mut bob, 200).await;
}

/// Subscribes to a room with these resume fields; returns what was
/// replayed and the frame that ended it.
async fn subscribe_raw(c: &Client, room: i64, resume: Value) -> (Vec<Value>, Value) {
    let (_, replay, last) = open_subscribing(c, &format!("room:{room}"), resume).await;
    (replay, last)
}

#[tokio::test]
async fn rooms_resume_by_seq_and_their_message_id_cursors_still_work() {
    let srv = TestServer::start_configured(|a| a.message_rate = 0.0).await;
    let t = team(&srv).await;
    let (_, _, subscribed) = open_subscribed(&t.bob, &format!("room:{}", t.room), None).await;
    assert_eq!(
        subscribed["seq"], 0,
        "a room's subscribed says its seq: {subscribed}"
    );
    let seen: Vec<i64> = [
        http_send(&t.ada, t.room, "one").await,
        http_send(&t.ada, t.room, "two").await,
    ]
    .to_vec();
    let history = t
        .bob
        .get(&format!("/messaging/room/{}/history/", t.room))
        .await
        .1;
    let last_seen = &history["messages"][1];
    assert_eq!(last_seen["id"], seen[1]);
    let last_seq = last_seen["seq"].as_i64().unwrap();
    let mut missed = Vec::new();
    for i in 0..5 {
        missed.push(http_send(&t.ada, t.room, &format!("missed {i}")).await);
    }
    let ids = |v: &[Value]| {
        v.iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    // By seq (how the web UI resumes), and by the documented message id: the same.
    let (by_seq, done) = subscribe_raw(&t.bob, t.room, json!({"after_seq": last_seq})).await;
    assert_eq!(done["type"], "subscribed", "{done}");
    assert_eq!(ids(&by_seq), missed, "every missed message, once, in order");
    let newest_seq = by_seq.last().unwrap()["seq"].as_i64().unwrap();
    assert_eq!(done["seq"], newest_seq, "subscribed says the last seq sent");
    let (by_id, done) = subscribe_raw(&t.bob, t.room, json!({"after": seen[1]})).await;
    assert_eq!(done["type"], "subscribed");
    assert_eq!(ids(&by_id), missed);
    // Both at once: an error frame, and no subscription.
    let (none, error) = subscribe_raw(
        &t.bob,
        t.room,
        json!({"after": seen[1], "after_seq": last_seq}),
    )
    .await;
    assert!(none.is_empty());
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["code"], "invalid_input");
    // The bound room socket takes `?after_seq=` too.
    let mut bound = connect(
        &t.bob,
        &format!("/ws/chat-room/{}/?after_seq={last_seq}", t.room),
    )
    .await;
    assert_eq!(next(&mut bound).await["type"], "hello");
    let mut replayed = Vec::new();
    while replayed.len() < missed.len() {
        let f = next(&mut bound).await;
        if f["type"] == "message" {
            replayed.push(f["message"].clone());
        }
    }
    assert_eq!(ids(&replayed), missed);
    // The HTTP long poll: by seq, by id, and neither or both refused.
    let poll = |q: String| {
        let bob = t.bob.clone_session();
        let path = format!("/messaging/room/{}/events/?{q}&timeout=1", t.room);
        async move { bob.get(&path).await }
    };
    let (status, page) = poll(format!("after_seq={last_seq}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(ids(page["messages"].as_array().unwrap()), missed);
    let (_, page) = poll(format!("after={}", seen[1])).await;
    assert_eq!(ids(page["messages"].as_array().unwrap()), missed);
    for q in [
        format!("after={}&after_seq={last_seq}", seen[1]),
        "x=1".to_string(),
    ] {
        let got = poll(q.clone()).await;
        assert_eq!(got.0, StatusCode::BAD_REQUEST, "{q}: {}", got.1);
        assert_eq!(got.1["error"]["code"], "invalid_input", "{q}");
    }
}

#[tokio::test]
async fn resume_works_across_a_server_restart() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut bob, _) = subscribed(&t.bob, t.room, None).await;
    let seen = http_send(&t.ada, t.room, "before restart").await;
    assert_eq!(next_of(&mut bob, "message").await["message"]["id"], seen);

    let (dir, db) = srv.stop_keeping_data().await;
    // The server says goodbye with "service restart" (1012).
    let closing = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match bob.next().await {
                Some(Ok(Ws::Close(Some(frame)))) => return u16::from(frame.code),
                Some(Ok(_)) => continue,
                _ => return 0,
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(closing, 1012);

    let srv = TestServer::start_on(dir, db).await;
    let ada = srv.client();
    ada.post(
        "/api/auth/login",
        json!({"username": "ada", "password": "correct horse battery"}),
    )
    .await;
    let bob_http = srv.client();
    bob_http
        .post(
            "/api/auth/login",
            json!({"username": "bob", "password": "correct horse battery"}),
        )
        .await;
    let after_restart = http_send(&ada, t.room, "after restart").await;
    let (mut bob, replay) = subscribed(&bob_http, t.room, Some(seen)).await;
    assert_eq!(replay.len(), 1);
    assert_eq!(replay[0]["id"], after_restart);
    let live = http_send(&ada, t.room, "live").await;
    assert_eq!(next_of(&mut bob, "message").await["message"]["id"], live);
}

#[tokio::test]
async fn a_slow_client_is_disconnected_without_slowing_the_others() {
    let srv = TestServer::start_configured(|a| {
        a.ws_queue = 16;
        a.message_rate = 0.0;
    })
    .await;
    let t = team(&srv).await;
    let (mut fast, _) = subscribed(&t.ada, t.room, None).await;
    let (mut slow, _) = subscribed(&t.bob, t.room, None).await;
    // bob stops reading. Big messages fill the socket buffers, then his queue.
    let payload = "x".repeat(9_000);
    let reader = tokio::spawn(async move {
        let mut ids = Vec::new();
        while ids.len() < 1200 {
            let f = next_of(&mut fast, "message").await;
            ids.push(f["message"]["id"].as_i64().unwrap());
        }
        ids
    });
    let sender = {
        let ada = t.ada.clone_session();
        let room = t.room;
        tokio::spawn(async move {
            let mut sent = Vec::new();
            for _ in 0..1200 {
                sent.push(http_send(&ada, room, &payload).await);
            }
            sent
        })
    };
    // bob's queue overflows while the sends go on...
    let overflowed = || {
        srv.services
            .hub
            .stats()
            .overflowed
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while overflowed() == 0 {
        assert!(Instant::now() < deadline, "bob's queue never overflowed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ...then bob reads again (within the write deadline): what was
    // buffered, then a close asking him to resume.
    let mut last_seen = 0;
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(10), slow.next())
            .await
            .unwrap()
        {
            Some(Ok(Ws::Text(t))) => {
                let f: Value = serde_json::from_str(t.as_str()).unwrap();
                if f["type"] == "message" {
                    let id = f["message"]["id"].as_i64().unwrap();
                    assert!(id > last_seen);
                    last_seen = id;
                }
            }
            Some(Ok(Ws::Close(frame))) => break frame.map(|f| u16::from(f.code)).unwrap_or(0),
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    let sent = sender.await.unwrap();
    let received = reader.await.unwrap();
    assert_eq!(received, sent, "the fast reader got everything, in order");
    assert_eq!(code, 1013, "too slow: try again later");
    assert!(last_seen < *sent.last().unwrap(), "bob really fell behind");
    // Resuming fills the gap exactly.
    let (_, replay) = subscribed(&t.bob, t.room, Some(last_seen)).await;
    let replayed: Vec<i64> = replay.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = sent.iter().copied().filter(|id| *id > last_seen).collect();
    assert_eq!(replayed, expected);
    assert_eq!(overflowed(), 1, "only bob was too slow");
}

#[tokio::test]
async fn the_rate_limit_answers_with_retry_after() {
    let srv = TestServer::start_configured(|a| {
        a.message_rate = 1.0;
        a.message_burst = 3.0;
    })
    .await;
    let t = team(&srv).await;
    let (mut ada, _) = subscribed(&t.ada, t.room, None).await;
    for i in 0..5 {
        send(&mut ada, json!({"type": "message", "room_id": t.room, "content": format!("m{i}"), "client_id": format!("c{i}")})).await;
    }
    let (mut acks, mut limited) = (0, 0);
    while acks + limited < 5 {
        let f = next(&mut ada).await;
        match f["type"].as_str().unwrap() {
            "ack" => acks += 1,
            "error" => {
                assert_eq!(f["code"], "rate_limited");
                assert!(f["retry_after_ms"].as_u64().unwrap() > 0);
                assert!(f["client_id"].as_str().is_some());
                limited += 1;
            }
            _ => {}
        }
    }
    assert_eq!((acks, limited), (3, 2));
    let (status, body) = t
        .ada
        .post(
            &format!("/messaging/room/{}/send/", t.room),
            json!({"content": "http too"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM chat_messages")
        .fetch_one(&srv.services.pool)
        .await
        .unwrap();
    assert_eq!(n, 3, "refused messages were not stored");
}

#[tokio::test]
async fn bad_frames_get_error_frames_and_the_socket_stays_usable() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut ada, _) = subscribed(&t.ada, t.room, None).await;
    let cases: Vec<(Ws, &str)> = vec![
        (Ws::text("not json"), "bad_frame"),
        (Ws::text(r#"{"type":"launch_rockets"}"#), "bad_frame"),
        (
            Ws::text(r#"{"type":"message","room_id":"x","content":"hi"}"#),
            "bad_frame",
        ),
        (
            Ws::text(r#"{"type":"subscribe","topic":"planet:3"}"#),
            "bad_topic",
        ),
        (Ws::binary(vec![1, 2, 3]), "bad_frame"),
        (
            Ws::text(
                json!({"type":"message","room_id":t.room,"content":"x".repeat(70_000)}).to_string(),
            ),
            "too_large",
        ),
        (
            Ws::text(json!({"type":"message","room_id":t.room,"content":"   "}).to_string()),
            "invalid_input",
        ),
        (
            Ws::text(
                json!({"type":"message","room_id":t.room,"content":"y".repeat(10_001)}).to_string(),
            ),
            "invalid_input",
        ),
        (
            Ws::text(json!({"type":"message","room_id":999_999,"content":"hi"}).to_string()),
            "not_found",
        ),
        (
            Ws::text(json!({"type":"typing","room_id":999_999,"is_typing":true}).to_string()),
            "not_subscribed",
        ),
    ];
    for (frame, code) in cases {
        ada.send(frame).await.unwrap();
        let f = next_of(&mut ada, "error").await;
        assert_eq!(f["code"], code, "{f}");
    }
    send(&mut ada, json!({"type": "ping"})).await;
    assert_eq!(next(&mut ada).await["type"], "pong");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM chat_messages")
        .fetch_one(&srv.services.pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing was stored");
}

#[tokio::test]
async fn handshakes_need_a_session_and_the_same_origin() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    assert_eq!(
        try_connect(&t.ada, "/ws", Some("https://evil.example"))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(try_connect(&t.ada, "/ws", None).await.err(), Some(403));
    assert_eq!(
        try_connect(&srv.client(), "/ws", Some(&srv.base))
            .await
            .err(),
        Some(401)
    );
    let room_path = format!("/ws/chat-room/{}/", t.room);
    assert_eq!(
        try_connect(&t.eve, &room_path, Some(&srv.base)).await.err(),
        Some(404)
    );
    assert!(try_connect(&t.ada, &room_path, Some(&srv.base))
        .await
        .is_ok());
}

#[tokio::test]
async fn the_original_chat_room_socket_works() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let earlier = http_send(&t.ada, t.room, "earlier").await;
    let missed = http_send(&t.ada, t.room, "missed").await;
    let mut bob = connect(
        &t.bob,
        &format!("/ws/chat-room/{}/?after={earlier}", t.room),
    )
    .await;
    assert_eq!(next(&mut bob).await["type"], "hello");
    assert_eq!(next_of(&mut bob, "message").await["message"]["id"], missed);
    next_of(&mut bob, "subscribed").await;
    let mut ada = connect(&t.ada, &format!("/ws/chat-room/{}/", t.room)).await;
    next_of(&mut ada, "subscribed").await;

    send(&mut bob, json!({"type": "typing", "is_typing": true})).await;
    let typing = next_of(&mut ada, "typing").await;
    assert_eq!(typing["user"]["username"], "bob");
    assert_eq!(typing["is_typing"], true);
    send(
        &mut bob,
        json!({"type": "message", "content": "hi from the old endpoint"}),
    )
    .await;
    // Sending ends the typing hint at once, then the message arrives.
    let stop = next_of(&mut ada, "typing").await;
    assert_eq!(stop["is_typing"], false);
    let m = next_of(&mut ada, "message").await;
    assert_eq!(m["message"]["content"], "hi from the old endpoint");
    assert_eq!(m["message"]["room_id"], t.room);
    assert_eq!(m["message"]["author"]["display_name"], "bob");
}

#[tokio::test]
async fn presence_counts_tabs_once() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut ada, _) = subscribed(&t.ada, t.room, None).await;
    let bob_id = t.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    let (tab1, _) = subscribed(&t.bob, t.room, None).await;
    let online = next(&mut ada).await;
    assert_eq!(
        (
            online["type"].as_str(),
            online["user_id"].as_i64(),
            online["online"].as_bool()
        ),
        (Some("presence"), Some(bob_id), Some(true))
    );
    let (mut tab2, _) = subscribed(&t.bob, t.room, None).await;
    drop(tab1);
    quiet(&mut tab2, 300).await;
    // Still online: the second tab is open. Nothing was announced to ada.
    send(&mut ada, json!({"type": "ping"})).await;
    assert_eq!(next(&mut ada).await["type"], "pong");
    tab2.close(None).await.unwrap();
    let offline = next_of(&mut ada, "presence").await;
    assert_eq!(
        (offline["user_id"].as_i64(), offline["online"].as_bool()),
        (Some(bob_id), Some(false))
    );
    // A fresh subscriber sees who is online in its `subscribed` frame.
    let mut s = connect(&t.bob, "/ws").await;
    next(&mut s).await;
    send(
        &mut s,
        json!({"type": "subscribe", "topic": format!("room:{}", t.room)}),
    )
    .await;
    let sub = next_of(&mut s, "subscribed").await;
    let mut online: Vec<i64> = sub["online"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    online.sort();
    assert_eq!(online.len(), 2, "ada and bob: {online:?}");
}

#[tokio::test]
async fn board_topics_carry_the_members_presence() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let board = t.ada.get("/api/boards").await.1[0]["id"].as_i64().unwrap();
    let ada_id = t.ada.get("/api/me").await.1["id"].as_i64().unwrap();
    let eve_id = t.eve.get("/api/me").await.1["id"].as_i64().unwrap();

    // eve is on the board (not in the room): she watches the board.
    let mut eve = connect(&t.eve, "/ws").await;
    next(&mut eve).await;
    send(
        &mut eve,
        json!({"type": "subscribe", "topic": format!("board:{board}")}),
    )
    .await;
    let sub = next_of(&mut eve, "subscribed").await;
    assert_eq!(sub["online"], json!([eve_id]), "only eve is online so far");

    let mut ada = connect(&t.ada, "/ws").await;
    let online = next_of(&mut eve, "board_presence").await;
    assert_eq!(
        (online["user_id"].as_i64(), online["online"].as_bool()),
        (Some(ada_id), Some(true))
    );
    assert_eq!(online["board_id"], board);
    ada.close(None).await.unwrap();
    let offline = next_of(&mut eve, "board_presence").await;
    assert_eq!(
        (offline["user_id"].as_i64(), offline["online"].as_bool()),
        (Some(ada_id), Some(false))
    );

    // Someone not on the board cannot watch it.
    let (outsider, _) = srv.user("mallory").await;
    let mut m = connect(&outsider, "/ws").await;
    next(&mut m).await;
    send(
        &mut m,
        json!({"type": "subscribe", "topic": format!("board:{board}")}),
    )
    .await;
    assert_eq!(next_of(&mut m, "error").await["code"], "not_found");
}

#[tokio::test]
async fn a_tab_opening_a_room_sees_who_is_typing_there() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut ada, _) = subscribed(&t.ada, t.room, None).await;
    send(
        &mut ada,
        json!({"type": "typing", "room_id": t.room, "is_typing": true}),
    )
    .await;
    // Typing frames are not answered: give the server a moment to record it.
    send(&mut ada, json!({"type": "ping"})).await;
    next_of(&mut ada, "pong").await;
    let mut bob = connect(&t.bob, "/ws").await;
    next(&mut bob).await;
    send(
        &mut bob,
        json!({"type": "subscribe", "topic": format!("room:{}", t.room)}),
    )
    .await;
    let f = next_of(&mut bob, "subscribed").await;
    assert_eq!(f["typing"][0]["username"], "ada");
    // Sending ends it: the next tab sees nobody typing.
    send(
        &mut ada,
        json!({"type": "message", "room_id": t.room, "content": "done", "client_id": "x"}),
    )
    .await;
    next_skipping(&mut ada, "ack", &["message"]).await;
    let mut third = connect(&t.bob, "/ws").await;
    next(&mut third).await;
    send(
        &mut third,
        json!({"type": "subscribe", "topic": format!("room:{}", t.room)}),
    )
    .await;
    let f = next_skipping(&mut third, "subscribed", &["message"]).await;
    assert_eq!(f["typing"], json!([]));
}

#[tokio::test]
async fn removed_members_stop_receiving_at_once() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut bob, _) = subscribed(&t.bob, t.room, None).await;
    let me = t.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    send(
        &mut bob,
        json!({"type": "subscribe", "topic": format!("user:{me}")}),
    )
    .await;
    next_of(&mut bob, "subscribed").await;
    http_send(&t.ada, t.room, "before").await;
    assert_eq!(
        next_of(&mut bob, "message").await["message"]["content"],
        "before"
    );

    // ada removes bob from the room: his open socket is told, and gets
    // nothing more from it.
    let (status, _) = t
        .ada
        .delete(&format!("/messaging/room/{}/members/{me}/", t.room))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let f = next_of(&mut bob, "access_changed").await;
    assert_eq!(
        (f["room_id"].clone(), f["member"].clone()),
        (json!(t.room), json!(false))
    );
    http_send(&t.ada, t.room, "after removal").await;
    quiet(&mut bob, 400).await;

    // Added back: told so, and subscribing works again.
    t.ada
        .post(
            &format!("/messaging/room/{}/members/", t.room),
            json!({"username": "bob"}),
        )
        .await;
    let f = next_of(&mut bob, "access_changed").await;
    assert_eq!(f["member"], true);
    send(
        &mut bob,
        json!({"type": "subscribe", "topic": format!("room:{}", t.room)}),
    )
    .await;
    // (Being added is also a bell entry, replacing the unread one of the
    // first time: those frames may come first.)
    next_skipping(
        &mut bob,
        "subscribed",
        &["notification", "notifications_updated"],
    )
    .await;
    http_send(&t.ada, t.room, "welcome back").await;
    assert_eq!(
        next_of(&mut bob, "message").await["message"]["content"],
        "welcome back"
    );
}

#[tokio::test]
async fn room_renames_archives_and_deletions_reach_open_sockets() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let (mut bob, _) = subscribed(&t.bob, t.room, None).await;
    let path = format!("/messaging/room/{}/", t.room);
    let (status, _) = t.ada.patch(&path, json!({"name": "Lobby"})).await;
    assert_eq!(status, StatusCode::OK);
    let f = next_of(&mut bob, "room_changed").await;
    assert_eq!(
        (f["room"]["name"].clone(), f["deleted"].clone()),
        (json!("Lobby"), json!(false))
    );
    t.ada.patch(&path, json!({"archived": true})).await;
    let f = next_of(&mut bob, "room_changed").await;
    assert!(f["room"]["archived_at"].is_i64());
    let (status, _) = t.ada.delete(&path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let f = next_of(&mut bob, "room_changed").await;
    assert_eq!(f["deleted"], true);
}
