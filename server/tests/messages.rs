//! Messages a team can fix and answer (issue 26), against a real server on
//! SQLite and PostgreSQL: editing and deleting chat messages (rules, stale
//! versions, earlier versions, placeholders), honest notifications after
//! edits and deletions, emoji reactions on messages and comments (table,
//! limits, budget, idempotence), Markdown rendered to safe HTML, live
//! events and resume by `seq`, the WebSocket frames, and the start-up
//! backfill of `html` for what was stored before.

mod common;

use common::ws::{connect, next, next_skipping, open_subscribed, open_subscribing, send, Socket};
use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// ada (board owner, room creator), bob and carol in a room; dan on the
/// board but not in the room; eve a stranger.
struct Team {
    ada: Client,
    bob: Client,
    carol: Client,
    dan: Client,
    eve: Client,
    bob_id: i64,
    carol_id: i64,
    board: i64,
    room: i64,
    task: i64,
}

async fn team(srv: &TestServer) -> Team {
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (carol, carol_id) = srv.user("carol").await;
    let (dan, _) = srv.user("dan").await;
    let (eve, _) = srv.user("eve").await;
    let (board, cols) = ada.board("Team").await;
    ada.add_to_board(board, &["bob", "carol", "dan"]).await;
    let room = ada.room(board, "design", &["bob", "carol"]).await;
    let task = ada.task(board, cols[0], "Ship it").await;
    // What these tests count is mentions only.
    for c in [&bob, &carol, &dan] {
        let (status, _) = c
            .post("/messaging/notifications/read-all/", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    Team {
        ada,
        bob,
        carol,
        dan,
        eve,
        bob_id,
        carol_id,
        board,
        room,
        task,
    }
}

fn message_path(id: i64) -> String {
    format!("/messaging/message/{id}/")
}

async fn unread(c: &Client) -> i64 {
    c.get("/messaging/notifications/count/").await.1["unread"]
        .as_i64()
        .unwrap()
}

async fn mention_ids(c: &Client) -> Vec<i64> {
    let (_, page) = c.get("/messaging/notifications/").await;
    page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "chat_mention" || n["kind"] == "comment_mention")
        .map(|n| n["id"].as_i64().unwrap())
        .collect()
}

async fn room_unread(c: &Client, board: i64, room: i64) -> i64 {
    let (_, list) = c.get(&format!("/messaging/board/{board}/rooms/")).await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room)
        .expect("listed")["unread"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn authors_edit_their_messages_and_earlier_versions_stay_readable() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let sent = t.bob.send_chat(t.room, "first *draft*").await.clone();
    let id = sent["id"].as_i64().unwrap();
    assert_eq!(sent["version"], 1);
    assert_eq!(sent["edited_at"], Value::Null);
    assert_eq!(sent["deleted_at"], Value::Null);
    assert_eq!(sent["reactions"], json!([]));
    assert_eq!(sent["html"], "<p>first <em>draft</em></p>");

    // Only its author edits it; the board owner may not either.
    for other in [&t.ada, &t.carol] {
        let got = other
            .patch(&message_path(id), json!({"content": "mine now"}))
            .await;
        assert_error(&got, StatusCode::FORBIDDEN, "forbidden");
    }
    // Strangers and board members outside a private room get 404.
    for outsider in [&t.eve, &t.dan] {
        let got = outsider
            .patch(&message_path(id), json!({"content": "x"}))
            .await;
        assert_error(&got, StatusCode::NOT_FOUND, "not_found");
        let got = outsider
            .get(&format!("/messaging/message/{id}/revisions/"))
            .await;
        assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    }
    // Bad input changes nothing.
    for bad in [
        json!({"content": "  "}),
        json!({"content": "x", "version": "one"}),
        json!({"text": "x"}),
    ] {
        let (status, body) = t.bob.patch(&message_path(id), bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let got = t
        .bob
        .patch("/messaging/message/abc/", json!({"content": "x"}))
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    let got = t
        .bob
        .patch(&message_path(999_999), json!({"content": "x"}))
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");

    let (status, edited) = t
        .bob
        .patch(
            &message_path(id),
            json!({"content": "final **text**", "version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["content"], "final **text**");
    assert_eq!(edited["html"], "<p>final <strong>text</strong></p>");
    assert!(edited["edited_at"].as_i64().unwrap() >= sent["created_at"].as_i64().unwrap());
    assert!(edited["seq"].as_i64().unwrap() > sent["seq"].as_i64().unwrap());

    // The same text again is no change.
    let (status, same) = t
        .bob
        .patch(&message_path(id), json!({"content": "final **text**"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same["version"], 2);
    assert_eq!(same["seq"], edited["seq"]);

    // An edit made on version 1 is stale: 409 with the message as it is.
    let got = t
        .bob
        .patch(
            &message_path(id),
            json!({"content": "from an old tab", "version": 1}),
        )
        .await;
    assert_error(&got, StatusCode::CONFLICT, "conflict");
    assert_eq!(got.1["error"]["chat_message"]["content"], "final **text**");
    assert_eq!(got.1["error"]["chat_message"]["version"], 2);

    // History has the new state; the room's readers read the old one.
    let (_, page) = t
        .carol
        .get(&format!("/messaging/room/{}/history/", t.room))
        .await;
    let m = page["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(m["content"], "final **text**");
    assert_eq!(m["version"], 2);
    assert_eq!(m["html"], edited["html"]);
    assert!(page["seq"].as_i64().unwrap() >= edited["seq"].as_i64().unwrap());
    let (status, revisions) = t
        .carol
        .get(&format!("/messaging/message/{id}/revisions/"))
        .await;
    assert_eq!(status, StatusCode::OK, "{revisions}");
    assert_eq!(revisions["revisions"].as_array().unwrap().len(), 1);
    assert_eq!(revisions["revisions"][0]["version"], 1);
    assert_eq!(revisions["revisions"][0]["content"], "first *draft*");
    assert_eq!(
        revisions["revisions"][0]["html"],
        "<p>first <em>draft</em></p>"
    );
    assert_eq!(revisions["revisions"][0]["written_at"], sent["created_at"]);
    assert_eq!(revisions["current"]["version"], 2);
    assert_eq!(revisions["current"]["content"], "final **text**");
    srv.stop().await;
}

#[tokio::test]
async fn deleting_leaves_a_placeholder_and_erases_the_rest() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let id = t.bob.send_chat(t.room, "oops @carol").await["id"]
        .as_i64()
        .unwrap();
    t.bob
        .patch(&message_path(id), json!({"content": "oops @carol, v2"}))
        .await;
    t.carol
        .put(&format!("/messaging/message/{id}/reactions/👍/"))
        .await;
    assert_eq!(unread(&t.carol).await, 1);

    // Not carol's to delete; a board member outside the room does not see it.
    assert_error(
        &t.carol.delete(&message_path(id)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &t.dan.delete(&message_path(id)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // The room's creator (and board owner) may.
    let (status, _) = t.ada.delete(&message_path(id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Again: nothing more to do.
    let (status, _) = t.bob.delete(&message_path(id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (_, page) = t
        .bob
        .get(&format!("/messaging/room/{}/history/", t.room))
        .await;
    let m = page["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(m["id"], id);
    assert_eq!(m["content"], "");
    assert_eq!(m["html"], "");
    assert!(m["deleted_at"].is_i64());
    assert_eq!(m["mentions"], json!([]));
    assert_eq!(m["reactions"], json!([]));
    let (_, revisions) = t
        .bob
        .get(&format!("/messaging/message/{id}/revisions/"))
        .await;
    assert_eq!(revisions["revisions"], json!([]));
    assert_eq!(revisions["current"]["content"], "");
    // Its notification is gone; it cannot be edited or reacted to.
    assert_eq!(unread(&t.carol).await, 0);
    assert!(mention_ids(&t.carol).await.is_empty());
    let got = t
        .bob
        .patch(&message_path(id), json!({"content": "back"}))
        .await;
    assert_error(&got, StatusCode::CONFLICT, "conflict");
    let got = t
        .carol
        .put(&format!("/messaging/message/{id}/reactions/🎉/"))
        .await;
    assert_error(&got, StatusCode::CONFLICT, "conflict");
    // Nothing is left in the database.
    let pool = &srv.services.pool;
    for (table, key) in [
        ("chat_message_revisions", "message_id"),
        ("chat_message_reactions", "message_id"),
        ("chat_message_mentions", "message_id"),
        ("notifications", "message_id"),
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {key} = $1"))
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    srv.stop().await;
}

#[tokio::test]
async fn an_edit_notifies_only_the_newly_mentioned_and_never_twice() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    // Carol's bell is live.
    let mut bell = connect(&t.carol, "/ws").await;
    next(&mut bell).await;
    send(
        &mut bell,
        json!({"type": "subscribe", "topic": format!("user:{}", t.carol_id)}),
    )
    .await;
    next_skipping(&mut bell, "subscribed", &["notification"]).await;

    let id = t.bob.send_chat(t.room, "hi @carol").await["id"]
        .as_i64()
        .unwrap();
    let f = next_skipping(&mut bell, "notification", &[]).await;
    assert_eq!(f["unread"], 1);
    let first = f["notification"]["id"].as_i64().unwrap();

    // Editing the text (mention kept) notifies nobody again.
    t.bob
        .patch(&message_path(id), json!({"content": "hello @carol"}))
        .await;
    let f = next_skipping(&mut bell, "notifications_updated", &[]).await;
    assert_eq!(f["removed"], json!([]), "only her list's text changed: {f}");
    assert_eq!(unread(&t.carol).await, 1);
    let (_, page) = t.carol.get("/messaging/notifications/").await;
    assert_eq!(page["notifications"][0]["snippet"], "hello @carol");

    // Editing the mention away withdraws the unread notification, live.
    t.bob
        .patch(&message_path(id), json!({"content": "hello all"}))
        .await;
    let f = next_skipping(&mut bell, "notifications_updated", &[]).await;
    assert_eq!(f["removed"], json!([first]), "{f}");
    assert_eq!(f["unread"], 0);
    assert_eq!(unread(&t.carol).await, 0);

    // Mentioning her again does not notify her twice; bob is new, and is.
    t.bob
        .patch(
            &message_path(id),
            json!({"content": "hello @carol and @bob and @ada"}),
        )
        .await;
    assert_eq!(unread(&t.carol).await, 0);
    assert_eq!(
        unread(&t.bob).await,
        0,
        "nobody is notified of their own mention"
    );
    let ada_mentions = mention_ids(&t.ada).await;
    assert_eq!(ada_mentions.len(), 1);
    // A read notification stays when the mention is edited away.
    t.ada
        .post(
            &format!("/messaging/notifications/{}/read/", ada_mentions[0]),
            json!({}),
        )
        .await;
    t.bob
        .patch(&message_path(id), json!({"content": "hello team"}))
        .await;
    assert_eq!(mention_ids(&t.ada).await, ada_mentions);
    // Deleting withdraws even the read ones (they quote the erased text).
    t.bob.delete(&message_path(id)).await;
    assert!(mention_ids(&t.ada).await.is_empty());

    // Comments follow the same rules.
    let comment = t.bob.comment(t.task, "look @carol").await;
    let cid = comment["id"].as_i64().unwrap();
    assert_eq!(comment["version"], 1);
    assert!(comment["html"].as_str().unwrap().contains("data-user-id"));
    assert_eq!(unread(&t.carol).await, 1);
    let path = format!("/messaging/comment/{cid}/");
    t.bob
        .patch(&path, json!({"content": "look, everyone"}))
        .await;
    assert_eq!(unread(&t.carol).await, 0);
    let (status, again) = t
        .bob
        .patch(&path, json!({"content": "look @carol", "version": 2}))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["version"], 3);
    assert_eq!(unread(&t.carol).await, 0, "never notified twice");
    let got = t
        .bob
        .patch(&path, json!({"content": "late", "version": 1}))
        .await;
    assert_error(&got, StatusCode::CONFLICT, "conflict");
    assert_eq!(got.1["error"]["comment"]["version"], 3);
    let (_, revisions) = t
        .carol
        .get(&format!("/messaging/comment/{cid}/revisions/"))
        .await;
    let versions: Vec<i64> = revisions["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2]);
    srv.stop().await;
}

/// Reads frames until one of `kind` (skipping hints and bell traffic).
async fn frame(s: &mut Socket, kind: &str) -> Value {
    next_skipping(
        s,
        kind,
        &["notification", "notifications_updated", "room_read"],
    )
    .await
}

/// The next answer (`ack` or `error`) on a socket, skipping room events.
async fn answer(s: &mut Socket) -> Value {
    loop {
        let f = next(s).await;
        if f["type"] == "ack" || f["type"] == "error" {
            return f;
        }
    }
}

#[tokio::test]
async fn edits_deletions_and_reactions_are_live_and_resumable_by_seq() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let a = t.bob.send_chat(t.room, "one").await.clone();
    let b = t.bob.send_chat(t.room, "two").await.clone();
    let (a_id, b_id) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let seen = b["seq"].as_i64().unwrap();
    let before = room_unread(&t.carol, t.board, t.room).await;
    assert_eq!(before, 2);

    let topic = format!("room:{}", t.room);
    let (mut live, _, _) = open_subscribing(&t.carol, &topic, json!({})).await;
    t.bob
        .patch(&message_path(a_id), json!({"content": "one, edited"}))
        .await;
    let f = frame(&mut live, "message").await;
    assert_eq!(f["message"]["id"], a_id);
    assert_eq!(f["message"]["content"], "one, edited");
    assert_eq!(f["message"]["version"], 2);
    let edit_seq = f["message"]["seq"].as_i64().unwrap();
    assert_eq!(edit_seq, seen + 1);

    let (status, reacted) = t
        .carol
        .put(&format!("/messaging/message/{b_id}/reactions/👍/"))
        .await;
    assert_eq!(status, StatusCode::OK, "{reacted}");
    assert_eq!(
        reacted["reactions"],
        json!([{"emoji": "👍", "count": 1, "user_ids": [t.carol_id]}])
    );
    let f = frame(&mut live, "reaction").await;
    assert_eq!(f["room_id"], t.room);
    assert_eq!(f["message_id"], b_id);
    assert_eq!(f["seq"], edit_seq + 1);
    assert_eq!(f["added"], true);
    assert_eq!(f["user_id"], t.carol_id);
    assert_eq!(
        f["reaction"],
        json!({"emoji": "👍", "count": 1, "user_ids": [t.carol_id]})
    );
    // bob reacts with the unqualified spelling of ❤️ then the qualified one: one emoji.
    let (status, body) = t
        .bob
        .put(&format!("/messaging/message/{b_id}/reactions/%E2%9D%A4/"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let f = frame(&mut live, "reaction").await;
    assert_eq!(f["reaction"]["emoji"], "❤️");
    let (status, body) = t
        .bob
        .put(&format!("/messaging/message/{b_id}/reactions/❤️/"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["reactions"][1],
        json!({"emoji": "❤️", "count": 1, "user_ids": [t.bob_id]})
    );
    t.bob
        .put(&format!("/messaging/message/{b_id}/reactions/👍/"))
        .await;
    let f = frame(&mut live, "reaction").await;
    assert_eq!(f["reaction"]["count"], 2);
    assert_eq!(f["reaction"]["user_ids"], json!([t.carol_id, t.bob_id]));
    t.carol
        .delete(&format!("/messaging/message/{b_id}/reactions/👍/"))
        .await;
    let f = frame(&mut live, "reaction").await;
    assert_eq!(f["added"], false);
    assert_eq!(
        f["reaction"],
        json!({"emoji": "👍", "count": 1, "user_ids": [t.bob_id]})
    );
    t.bob.delete(&message_path(a_id)).await;
    let f = frame(&mut live, "message").await;
    assert_eq!(f["message"]["id"], a_id);
    assert!(f["message"]["deleted_at"].is_i64());
    let last = f["message"]["seq"].as_i64().unwrap();
    assert_eq!(last, edit_seq + 5, "every change took the next number");

    // Unread counts count new messages only.
    assert_eq!(room_unread(&t.carol, t.board, t.room).await, before);

    // A tab that saw up to `seen` replays every change once, in order, as
    // the messages' current states.
    let (_, replay, subscribed) =
        open_subscribing(&t.carol, &topic, json!({"after_seq": seen})).await;
    assert_eq!(subscribed["type"], "subscribed", "{subscribed}");
    let got: Vec<(i64, i64)> = replay
        .iter()
        .map(|m| (m["id"].as_i64().unwrap(), m["seq"].as_i64().unwrap()))
        .collect();
    assert_eq!(got, [(b_id, last - 1), (a_id, last)]);
    assert_eq!(
        replay[0]["reactions"],
        json!([
            {"emoji": "❤️", "count": 1, "user_ids": [t.bob_id]},
            {"emoji": "👍", "count": 1, "user_ids": [t.bob_id]},
        ])
    );
    assert!(replay[1]["deleted_at"].is_i64());
    // The old message-id cursor still resumes right: after `a` is `b` and on.
    let (_, replay, _) = open_subscribing(&t.carol, &topic, json!({"after": a_id})).await;
    let ids: Vec<i64> = replay.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [b_id, a_id]);
    // The long poll gets the same.
    let (_, polled) = t
        .carol
        .get(&format!(
            "/messaging/room/{}/events/?after_seq={seen}&timeout=1",
            t.room
        ))
        .await;
    let ids: Vec<i64> = polled["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [b_id, a_id], "{polled}");
    assert_eq!(polled["seq"], last);
    srv.stop().await;
}

#[tokio::test]
async fn reactions_are_unicode_emoji_within_limits_and_their_own_budget() {
    let srv = TestServer::start_configured(|args| {
        // Hardly any refill while the test runs: the bursts are the budgets.
        args.reaction_rate = 0.01;
        args.reaction_burst = 20.0;
        args.message_rate = 0.01;
        args.message_burst = 5.0;
    })
    .await;
    let t = team(&srv).await;
    let id = t.bob.send_chat(t.room, "react to me").await["id"]
        .as_i64()
        .unwrap();
    let path = |e: &str| format!("/messaging/message/{id}/reactions/{e}/");

    // Not emoji, or more than one: 400, and nothing spent or stored.
    for bad in ["abc", "👍👍", "%20", "x👍", ":+1:"] {
        let got = t.carol.put(&path(bad)).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    }
    // Skin tones, ZWJ sequences and flags are emoji.
    for good in ["👍🏽", "👩‍💻", "🏳️‍🌈", "🇫🇷"] {
        let (status, body) = t.carol.put(&path(good)).await;
        assert_eq!(status, StatusCode::OK, "{good}: {body}");
    }
    // Idempotent: a repeated PUT changes nothing (same seq); a DELETE of
    // what is not there neither.
    let (_, once) = t.carol.put(&path("👍🏽")).await;
    let (status, twice) = t.carol.put(&path("👍🏽")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(once["seq"], twice["seq"]);
    assert_eq!(twice["reactions"][0]["count"], 1);
    let (status, body) = t.carol.delete(&path("🎉")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["seq"], twice["seq"]);

    // At most 20 different emoji: the 21st is refused before any budget.
    let more = [
        "😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🙂",
        "🤗",
    ];
    for e in more {
        let (status, body) = t.bob.put(&path(e)).await;
        assert_eq!(status, StatusCode::OK, "{e}: {body}");
    }
    let (_, now) = t
        .bob
        .get(&format!("/messaging/room/{}/history/", t.room))
        .await;
    assert_eq!(
        now["messages"][0]["reactions"].as_array().unwrap().len(),
        20
    );
    let got = t.bob.put(&path("🤔")).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    // One already there may still be added by someone else.
    let (status, _) = t.ada.put(&path("😀")).await;
    assert_eq!(status, StatusCode::OK);

    // Reactions spent bob's reaction budget, not his message budget.
    for i in 0..3 {
        t.bob.send_chat(t.room, &format!("still writing {i}")).await;
    }
    // Carol spent 4 of her 20 (a repeat and a no-op cost nothing, nor did
    // the refusals): joining in on bob's 16 spends the rest, then 429.
    let mut spent = 4;
    let mut refused = None;
    for e in more {
        let got = t.carol.put(&path(e)).await;
        if got.0 == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(got);
            break;
        }
        assert_eq!(got.0, StatusCode::OK, "{}", got.1);
        spent += 1;
    }
    assert_eq!(spent, 20);
    let refused = match refused {
        Some(r) => r,
        None => t.carol.delete(&path("😀")).await,
    };
    assert_error(&refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(refused.1["error"]["retry_after_ms"].as_u64().unwrap() > 0);

    // Only readers react: dan (not in the private room) and eve get 404.
    for outsider in [&t.dan, &t.eve] {
        let got = outsider.put(&path("👍")).await;
        assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    }
    srv.stop().await;
}

#[tokio::test]
async fn comments_take_reactions_live_and_acknowledgements_count() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let c = t.ada.comment(t.task, "Please review").await;
    let cid = c["id"].as_i64().unwrap();
    let topic = format!("task:{}", t.task);
    let (mut live, _, _) = open_subscribing(&t.ada, &topic, json!({})).await;
    for who in [&t.bob, &t.carol, &t.dan] {
        let (status, body) = who
            .put(&format!("/messaging/comment/{cid}/reactions/✅/"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let mut last = Value::Null;
    for _ in 0..3 {
        last = frame(&mut live, "reaction").await;
    }
    assert_eq!(last["task_id"], t.task);
    assert_eq!(last["comment_id"], cid);
    assert_eq!(last["reaction"]["emoji"], "✅");
    assert_eq!(last["reaction"]["count"], 3);
    let (_, page) = t
        .ada
        .get(&format!("/messaging/task/{}/comments/", t.task))
        .await;
    let comment = page["comments"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(comment["reactions"][0]["count"], 3);
    // Strangers cannot react.
    let got = t
        .eve
        .put(&format!("/messaging/comment/{cid}/reactions/✅/"))
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    // A thread resumed from before the reactions replays the comment with them.
    let (_, replay, _) =
        open_subscribing(&t.ada, &topic, json!({"after": c["seq"].as_i64().unwrap()})).await;
    assert_eq!(replay.len(), 1);
    assert_eq!(replay[0]["reactions"][0]["count"], 3);
    srv.stop().await;
}

#[tokio::test]
async fn the_socket_edits_deletes_and_reacts_with_acks() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let topic = format!("room:{}", t.room);
    let (mut bob, _, _) = open_subscribing(&t.bob, &topic, json!({})).await;
    let id = t.bob.send_chat(t.room, "socket me").await["id"]
        .as_i64()
        .unwrap();
    frame(&mut bob, "message").await;
    send(&mut bob, json!({"type": "edit", "message_id": id, "content": "socketed", "version": 1, "client_id": "e1"})).await;
    let f = answer(&mut bob).await;
    assert_eq!(f["type"], "ack", "{f}");
    assert_eq!(f["client_id"], "e1");
    assert_eq!(f["message"]["content"], "socketed");
    assert_eq!(f["message"]["version"], 2);
    // A stale edit: an error frame, nothing changes.
    send(&mut bob, json!({"type": "edit", "message_id": id, "content": "old", "version": 1, "client_id": "e2"})).await;
    let f = answer(&mut bob).await;
    assert_eq!(f["code"], "conflict", "{f}");
    assert_eq!(f["client_id"], "e2");
    // Reacting and deleting; neither or both ids is a bad frame.
    send(
        &mut bob,
        json!({"type": "react", "message_id": id, "emoji": "🎉", "add": true}),
    )
    .await;
    let f = answer(&mut bob).await;
    assert_eq!(f["message"]["reactions"][0]["emoji"], "🎉", "{f}");
    send(
        &mut bob,
        json!({"type": "react", "emoji": "🎉", "add": true, "client_id": "r0"}),
    )
    .await;
    let f = answer(&mut bob).await;
    assert_eq!(f["code"], "bad_frame", "{f}");
    send(
        &mut bob,
        json!({"type": "react", "message_id": id, "comment_id": 1, "emoji": "🎉", "add": true}),
    )
    .await;
    let f = answer(&mut bob).await;
    assert_eq!(f["code"], "bad_frame", "{f}");
    send(
        &mut bob,
        json!({"type": "react", "message_id": id, "emoji": "nope", "add": true}),
    )
    .await;
    let f = answer(&mut bob).await;
    assert_eq!(f["code"], "invalid_input", "{f}");
    send(
        &mut bob,
        json!({"type": "delete", "message_id": id, "client_id": "d1"}),
    )
    .await;
    let f = answer(&mut bob).await;
    assert_eq!(f["client_id"], "d1", "{f}");
    assert!(f["message"]["deleted_at"].is_i64());
    // The room's stream carried the edit, the reaction and the deletion.
    let (_, history) = t
        .carol
        .get(&format!("/messaging/room/{}/history/", t.room))
        .await;
    assert!(history["messages"][0]["deleted_at"].is_i64());
    srv.stop().await;
}

#[tokio::test]
async fn markdown_is_rendered_once_and_the_xss_corpus_stays_inert() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let text = "**bold** `code` [site](https://example.org) [bad](javascript:alert(1)) \
                <img src=x onerror=alert(1)> @carol #42\n```\n<script>x</script>\n```";
    let sent = t.bob.send_chat(t.room, text).await;
    let html = sent["html"].as_str().unwrap().to_string();
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(html.contains("<code>code</code>"));
    assert!(html.contains(r#"<a href="https://example.org" target="_blank" rel="noopener noreferrer nofollow">site</a>"#), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("&lt;script&gt;"),
        "code shows as text: {html}"
    );
    assert!(
        html.contains(&format!(
            r#"<span class="mention" data-user-id="{}">@carol</span>"#,
            t.carol_id
        )),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="task-ref" data-task-id="42">#42</span>"#),
        "{html}"
    );
    // Tables render in comments, not in chat.
    let table = "| a | b |\n|---|---|\n| 1 | 2 |";
    let chat = t.bob.send_chat(t.room, table).await;
    assert!(!chat["html"].as_str().unwrap().contains("<table>"));
    let comment = t.bob.comment(t.task, table).await;
    assert!(comment["html"].as_str().unwrap().contains("<table>"));
    srv.stop().await;
}

/// A task's description is Markdown too: rendered (tables included) when
/// written and when changed, in every answer and live event, never raw HTML.
#[tokio::test]
async fn task_descriptions_are_markdown_documents() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let cols = t.ada.get(&format!("/api/boards/{}", t.board)).await.1["columns"][0]["id"]
        .as_i64()
        .unwrap();
    let text =
        "Steps:\n\n- [x] draft\n- [ ] review\n\n| who | what |\n|---|---|\n| ada | copy |\n\n\
                see #1 and [x](javascript:alert(1))\n\n<script>alert(1)</script>";
    let (status, task) = t
        .ada
        .post(
            &format!("/api/boards/{}/tasks", t.board),
            json!({"column_id": cols, "title": "Write", "description": text}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let html = task["description_html"].as_str().unwrap().to_string();
    assert!(
        html.contains("<table>") && html.contains("<td>ada</td>"),
        "{html}"
    );
    assert!(
        html.contains(r#"<input type="checkbox" checked="" disabled="">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="task-ref" data-task-id="1">#1</span>"#),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    assert_eq!(task["description"], text, "the source is kept as written");
    let id = task["id"].as_i64().unwrap();
    // A change re-renders it, seen by another member live on the board.
    let (mut bob, _, _) = open_subscribed(&t.bob, &format!("board:{}", t.board), None).await;
    let (status, changed) = t
        .ada
        .patch(
            &format!("/api/tasks/{id}"),
            json!({"description": "now **bold**"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        changed["description_html"],
        "<p>now <strong>bold</strong></p>"
    );
    let event = next_skipping(&mut bob, "board_event", &[]).await;
    assert_eq!(event["change"]["kind"], "task_edited", "{event}");
    assert_eq!(
        event["change"]["task"]["description_html"],
        "<p>now <strong>bold</strong></p>"
    );
    // The board's snapshot and the card agree; a title-only change keeps it.
    let (_, board) = t.bob.get(&format!("/api/boards/{}", t.board)).await;
    let card = board["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(card["description_html"], "<p>now <strong>bold</strong></p>");
    let (_, renamed) = t
        .ada
        .patch(&format!("/api/tasks/{id}"), json!({"title": "Rewrite"}))
        .await;
    assert_eq!(
        renamed["description_html"],
        "<p>now <strong>bold</strong></p>"
    );
    // Emptied: no HTML either.
    let (_, emptied) = t
        .ada
        .patch(&format!("/api/tasks/{id}"), json!({"description": ""}))
        .await;
    assert_eq!(emptied["description_html"], "");
    srv.stop().await;
}

/// Messages and comments stored before Markdown get their `html` when the
/// new release starts on the database (and nothing else changes).
#[tokio::test]
async fn the_upgrade_renders_what_was_stored_before() {
    let dir = tempfile::tempdir().unwrap();
    let (db_url, pool, postgres) = common::database_before(dir.path(), 20261207000013, 12).await;
    let exec = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query(sql).execute(&pool).await.unwrap() }
    };
    exec(
        "INSERT INTO users (id, username, display_name, password_hash, created_at)
          VALUES (1, 'ada', 'Ada', 'x', 1), (2, 'bob', 'Bob', 'x', 1)",
    )
    .await;
    exec("INSERT INTO boards (id, name, owner_id, created_at, updated_at) VALUES (1, 'Old', 1, 1, 1)")
        .await;
    exec(
        "INSERT INTO board_members (board_id, user_id, role, added_at)
          VALUES (1, 1, 'owner', 1), (1, 2, 'member', 1)",
    )
    .await;
    exec(
        "INSERT INTO chat_rooms (id, board_id, name, name_key, created_by, created_at, last_seq)
          VALUES (1, 1, 'old', 'old', 1, 1, 2)",
    )
    .await;
    exec("INSERT INTO chat_room_members (room_id, user_id, added_at) VALUES (1, 1, 1), (1, 2, 1)")
        .await;
    exec(
        "INSERT INTO chat_messages (id, room_id, author_id, content, created_at, seq)
          VALUES (1, 1, 1, '*old* message', 1, 1), (2, 1, 1, 'hi @bob', 2, 2)",
    )
    .await;
    exec("INSERT INTO chat_message_mentions (message_id, user_id) VALUES (2, 2)").await;
    exec("INSERT INTO board_columns (id, board_id, name, position, created_at) VALUES (1, 1, 'To do', 0, 1)")
        .await;
    exec(
        "INSERT INTO tasks (id, board_id, column_id, title, description, position, created_by, created_at, updated_at)
          VALUES (1, 1, 1, 'Old card', '| a | b |\n|---|---|\n| 1 | 2 |', 0, 1, 1, 1),
                 (2, 1, 1, 'Bare card', '', 1, 1, 1, 1)",
    )
    .await;
    common::catch_up_ids(
        &pool,
        postgres,
        &[
            "users",
            "boards",
            "chat_rooms",
            "chat_messages",
            "board_columns",
            "tasks",
        ],
    )
    .await;
    pool.close().await;

    let srv = TestServer::start_on(dir, db_url).await;
    let rendered: Vec<(i64, Option<String>, i64, i64)> =
        sqlx::query_as("SELECT id, html, version, first_seq FROM chat_messages ORDER BY id")
            .fetch_all(&srv.services.pool)
            .await
            .unwrap();
    assert_eq!(
        rendered[0],
        (1, Some("<p><em>old</em> message</p>".into()), 1, 1)
    );
    assert_eq!(
        rendered[1].1.as_deref(),
        Some("<p>hi <span class=\"mention\" data-user-id=\"2\">@bob</span></p>")
    );
    assert_eq!(rendered[1].3, 2);
    // Task descriptions too (a table: descriptions are documents).
    let described: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, description_html FROM tasks ORDER BY id")
            .fetch_all(&srv.services.pool)
            .await
            .unwrap();
    let table = described[0].1.as_deref().unwrap();
    assert!(
        table.starts_with("<table>") && table.contains("<td>1</td>"),
        "{table}"
    );
    assert_eq!(described[1], (2, Some(String::new())));
    // A second start finds nothing left to render and changes nothing.
    assert_eq!(
        app::services::posts::backfill_html(&srv.services.pool)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app::services::task_rows::backfill_description_html(&srv.services.pool)
            .await
            .unwrap(),
        0
    );
    srv.stop().await;
}

/// The picker's table: the server's own emoji table, cached by browsers.
#[tokio::test]
async fn the_emoji_table_is_served_for_the_picker() {
    let srv = TestServer::start().await;
    let anyone = srv.client();
    let res = anyone
        .request(reqwest::Method::GET, "/api/emoji")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "public, max-age=86400");
    let table: Vec<Value> = res.json().await.unwrap();
    assert!(table.len() > 1500, "{}", table.len());
    let thumbs = table
        .iter()
        .find(|e| e["emoji"] == "👍")
        .expect("👍 is in it");
    assert_eq!(thumbs["name"], "thumbs up");
    assert_eq!(thumbs["group"], "People & Body");
    assert!(thumbs["shortcodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "+1"));
    assert_eq!(thumbs["skin_tones"], json!(["👍🏻", "👍🏼", "👍🏽", "👍🏾", "👍🏿"]));
    let rocket = table.iter().find(|e| e["emoji"] == "🚀").unwrap();
    assert!(rocket.get("skin_tones").is_none(), "{rocket}");
    // Entries of every group are emoji a reaction accepts.
    let t = team(&srv).await;
    let id = t.bob.send_chat(t.room, "react").await["id"]
        .as_i64()
        .unwrap();
    let mut groups: Vec<&str> = table.iter().map(|e| e["group"].as_str().unwrap()).collect();
    groups.dedup();
    assert_eq!(groups.len(), 9, "{groups:?}");
    for group in groups.iter().take(9) {
        let e = table.iter().find(|e| e["group"] == *group).unwrap()["emoji"]
            .as_str()
            .unwrap();
        let (status, body) = t
            .carol
            .put(&format!("/messaging/message/{id}/reactions/{e}/"))
            .await;
        assert_eq!(status, StatusCode::OK, "{e}: {body}");
    }
    srv.stop().await;
}
