//! Replies (issue 27 §1), against a real server on SQLite and PostgreSQL:
//! one level of answers to a room message on the room's own numbered
//! stream, the root's count, the main history that hides replies not sent
//! to the room, following (automatic, an unfollow that sticks), one bell
//! entry per root, the Replies view with unread counts, live delivery and
//! resume, and the refusals.

mod common;

use common::ws::{connect, next, open_subscribed, open_subscribing, send, Socket};
use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// ada (board owner) and bob and carol in a private room; dan on the board
/// but not in the room; eve a stranger. Their bells start empty.
struct Team {
    ada: Client,
    bob: Client,
    carol: Client,
    dan: Client,
    eve: Client,
    carol_id: i64,
    board: i64,
    room: i64,
    other_room: i64,
    task: i64,
}

async fn team(srv: &TestServer) -> Team {
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (carol, carol_id) = srv.user("carol").await;
    let (dan, _) = srv.user("dan").await;
    let (eve, _) = srv.user("eve").await;
    let (board, cols) = ada.board("Team").await;
    ada.add_to_board(board, &["bob", "carol", "dan"]).await;
    let room = ada.room(board, "design", &["bob", "carol"]).await;
    let other_room = ada.room(board, "ops", &["bob"]).await;
    let task = ada.task(board, cols[0], "Ship it").await;
    for c in [&ada, &bob, &carol, &dan] {
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
        carol_id,
        board,
        room,
        other_room,
        task,
    }
}

/// Sends a reply over HTTP: the whole answer.
async fn reply(c: &Client, room: i64, root: i64, content: &str, also: bool) -> (StatusCode, Value) {
    c.post(
        &format!("/messaging/room/{room}/send/"),
        json!({"content": content, "thread_root_id": root, "also_to_room": also}),
    )
    .await
}

async fn replied(c: &Client, room: i64, root: i64, content: &str) -> Value {
    let (status, body) = reply(c, room, root, content, false).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn history_ids(c: &Client, room: i64) -> Vec<i64> {
    let (status, page) = c.get(&format!("/messaging/room/{room}/history/")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect()
}

async fn thread(c: &Client, root: i64) -> (StatusCode, Value) {
    c.get(&format!("/messaging/message/{root}/thread/")).await
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

/// The caller's reply notifications: (id, root, occurrences, read).
async fn reply_notes(c: &Client) -> Vec<(i64, i64, i64, bool)> {
    let (_, page) = c.get("/messaging/notifications/").await;
    page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "reply")
        .map(|n| {
            (
                id(n),
                n["message_id"].as_i64().unwrap(),
                n["occurrences"].as_i64().unwrap(),
                n["read"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_reply_answers_one_message_and_the_main_history_hides_it() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let root = t.ada.send_chat(t.room, "Release on Friday?").await;
    let root_id = id(&root);
    assert_eq!(root["thread_root_id"], Value::Null);
    assert_eq!(root["reply_count"], 0);
    assert_eq!(root["last_reply_at"], Value::Null);
    let plain = t.ada.send_chat(t.room, "unrelated").await;

    let first = replied(&t.bob, t.room, root_id, "Friday works").await;
    assert_eq!(first["thread_root_id"], root_id);
    assert_eq!(first["also_to_room"], false);
    assert_eq!(first["room_id"], t.room);
    assert!(first["seq"].as_i64().unwrap() > plain["seq"].as_i64().unwrap());
    let (status, second) = reply(&t.carol, t.room, root_id, "**Agreed**", true).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["also_to_room"], true);
    assert_eq!(second["html"], "<p><strong>Agreed</strong></p>");

    // The room lists the root, the plain message and the reply also sent
    // to it — not bob's reply.
    // dan reads nothing of a private room he is not in.
    let (status, _) = t
        .dan
        .get(&format!("/messaging/room/{}/history/", t.room))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ids = history_ids(&t.ada, t.room).await;
    assert_eq!(ids, [root_id, id(&plain), id(&second)]);
    let (_, page) = t
        .ada
        .get(&format!("/messaging/room/{}/history/", t.room))
        .await;
    let listed_root = &page["messages"][0];
    assert_eq!(listed_root["reply_count"], 2);
    assert_eq!(listed_root["last_reply_at"], second["created_at"]);
    let repliers: Vec<&str> = listed_root["repliers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(repliers, ["carol", "bob"], "newest replier first");
    // Unread counts count what the room shows: plain, and carol's reply to
    // the room (ada wrote the root), not bob's reply in its pane.
    assert_eq!(room_unread(&t.ada, t.board, t.room).await, 1);
    assert_eq!(room_unread(&t.bob, t.board, t.room).await, 3);

    // The pane: the root and its replies, oldest first.
    let (status, pane) = thread(&t.bob, root_id).await;
    assert_eq!(status, StatusCode::OK, "{pane}");
    assert_eq!(pane["root"]["id"], root_id);
    let got: Vec<i64> = pane["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(got, [id(&first), id(&second)]);
    assert_eq!(pane["has_older"], false);
    assert_eq!(pane["has_newer"], false);
    assert_eq!(pane["following"], true, "a replier follows");
    assert_eq!(pane["last_read_id"], id(&first), "his own reply is read");
    // Paged like history.
    let (_, older) = t
        .bob
        .get(&format!(
            "/messaging/message/{root_id}/thread/?before={}&limit=1",
            id(&second)
        ))
        .await;
    assert_eq!(older["messages"][0]["id"], id(&first));
    assert_eq!(older["has_newer"], true);

    // Deleting a reply: the root counts one fewer.
    let (status, _) = t
        .carol
        .delete(&format!("/messaging/message/{}/", id(&second)))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, pane) = thread(&t.ada, root_id).await;
    assert_eq!(pane["root"]["reply_count"], 1);
    assert_eq!(pane["root"]["last_reply_at"], first["created_at"]);
    assert_eq!(
        pane["messages"].as_array().unwrap().len(),
        2,
        "a placeholder stays"
    );
    srv.stop().await;
}

#[tokio::test]
async fn bad_replies_are_refused_and_change_nothing() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let root = id(&t.ada.send_chat(t.room, "root").await);
    let answer = id(&replied(&t.bob, t.room, root, "answer").await);
    let elsewhere = id(&t.ada.send_chat(t.other_room, "in ops").await);
    let send = |body: Value| {
        let path = format!("/messaging/room/{}/send/", t.room);
        let c = t.bob.clone_session();
        async move { c.post(&path, body).await }
    };
    // One level deep.
    let got = send(json!({"content": "x", "thread_root_id": answer})).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&format!("answer message {root}")));
    // A message of another room, or none.
    let got = send(json!({"content": "x", "thread_root_id": elsewhere})).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    let got = send(json!({"content": "x", "thread_root_id": 999_999})).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    // also_to_room alone; a wrong type.
    let got = send(json!({"content": "x", "also_to_room": true})).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    let got = send(json!({"content": "x", "thread_root_id": "one"})).await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST, "{}", got.1);
    // Comments take no replies.
    let got = t
        .bob
        .post(
            &format!("/messaging/task/{}/comments/", t.task),
            json!({"content": "x", "thread_root_id": root}),
        )
        .await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST, "{}", got.1);
    // A deleted root takes no reply.
    let gone = id(&t.ada.send_chat(t.room, "to delete").await);
    t.ada.delete(&format!("/messaging/message/{gone}/")).await;
    let got = send(json!({"content": "x", "thread_root_id": gone})).await;
    assert_error(&got, StatusCode::CONFLICT, "conflict");
    // The pane of a reply, or of a room one cannot read.
    assert_error(
        &thread(&t.bob, answer).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_error(
        &thread(&t.eve, root).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &thread(&t.dan, root).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &t.eve
            .put(&format!("/messaging/message/{root}/follow/"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Read pointers move to replies of this root only.
    let got = t
        .bob
        .post(
            &format!("/messaging/message/{root}/thread/read/"),
            json!({"message_id": elsewhere}),
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    // Nothing of that was stored.
    let (_, pane) = thread(&t.ada, root).await;
    assert_eq!(pane["root"]["reply_count"], 1);
    assert_eq!(pane["messages"].as_array().unwrap().len(), 1);
    assert_eq!(history_ids(&t.ada, t.room).await, [root, gone]);
    srv.stop().await;
}

#[tokio::test]
async fn followers_get_one_bell_entry_per_root_and_an_unfollow_sticks() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let root = id(&t
        .ada
        .send_chat(t.room, "Who takes the release notes?")
        .await);
    replied(&t.bob, t.room, root, "not me").await;
    // ada (the root's author) has one entry, linking to the pane.
    let notes = reply_notes(&t.ada).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!((notes[0].1, notes[0].2, notes[0].3), (root, 1, false));
    let (_, page) = t.ada.get("/messaging/notifications/").await;
    assert_eq!(
        page["notifications"][0]["link"],
        format!("/boards/{}?room={}&replies={root}", t.board, t.room)
    );
    // A second reply updates it rather than adding one.
    replied(&t.bob, t.room, root, "really not me").await;
    let notes = reply_notes(&t.ada).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].2, 2);
    // Mentioned in a reply: a mention (not a reply entry too), and following.
    replied(&t.bob, t.room, root, "@carol can you?").await;
    assert_eq!(t.carol.unread_kinds().await, ["chat_mention"]);
    replied(&t.bob, t.room, root, "ping").await;
    let carol_notes = reply_notes(&t.carol).await;
    assert_eq!(carol_notes.len(), 1);
    assert_eq!(reply_notes(&t.ada).await[0].2, 4);
    // Nobody hears of their own reply.
    assert!(reply_notes(&t.bob).await.is_empty());

    // The Replies view: carol follows one root with one unread reply.
    let (status, followed) = t.carol.get("/messaging/replies/").await;
    assert_eq!(status, StatusCode::OK, "{followed}");
    assert_eq!(followed["roots"][0]["root"]["id"], root);
    assert_eq!(
        followed["roots"][0]["unread"], 4,
        "every reply by others she has not read, from before she followed too"
    );
    assert_eq!(followed["roots"][0]["room_name"], "design");
    assert_eq!(followed["has_more"], false);
    // Reading the pane up to the last reply clears it and its bell entry.
    let (_, pane) = thread(&t.carol, root).await;
    let last = id(pane["messages"].as_array().unwrap().last().unwrap());
    let (status, body) = t
        .carol
        .post(
            &format!("/messaging/message/{root}/thread/read/"),
            json!({"message_id": last}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["last_read_id"], last);
    let (_, followed) = t.carol.get("/messaging/replies/").await;
    assert_eq!(followed["roots"][0]["unread"], 0);
    assert!(reply_notes(&t.carol).await.iter().all(|n| n.3), "read");
    // A later reply starts a fresh count on the read entry (still one entry).
    replied(&t.bob, t.room, root, "one more").await;
    let carol_notes = reply_notes(&t.carol).await;
    assert_eq!(carol_notes.len(), 1);
    assert_eq!((carol_notes[0].2, carol_notes[0].3), (1, false));

    // ada unfollows: no more entries, and replying herself does not make
    // her follow again.
    let (status, body) = t
        .ada
        .delete(&format!("/messaging/message/{root}/follow/"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"root_id": root, "following": false}));
    let before = reply_notes(&t.ada).await;
    replied(&t.bob, t.room, root, "after the unfollow").await;
    assert_eq!(reply_notes(&t.ada).await, before);
    replied(&t.ada, t.room, root, "I'll write them").await;
    let (_, pane) = thread(&t.ada, root).await;
    assert_eq!(pane["following"], false, "the unfollow sticks");
    let (_, followed) = t.ada.get("/messaging/replies/").await;
    assert_eq!(followed["roots"], json!([]));
    // Following again by hand works.
    let (status, body) = t
        .ada
        .put(&format!("/messaging/message/{root}/follow/"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["following"], true);

    // Someone who can no longer read the room hears nothing more and no
    // longer lists it.
    let (status, _) = t
        .ada
        .delete(&format!(
            "/messaging/room/{}/members/{}/",
            t.room, t.carol_id
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let before = reply_notes(&t.carol).await;
    replied(&t.bob, t.room, root, "carol is gone").await;
    assert_eq!(reply_notes(&t.carol).await, before);
    let (_, followed) = t.carol.get("/messaging/replies/").await;
    assert_eq!(followed["roots"], json!([]));
    assert_error(
        &thread(&t.carol, root).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // A reply deleted or edited does not linger in the bell's snippet.
    let oops = replied(&t.bob, t.room, root, "the password is hunter2").await;
    assert_eq!(reply_snippet(&t.ada).await, "the password is hunter2");
    t.bob
        .delete(&format!("/messaging/message/{}/", id(&oops)))
        .await;
    assert_eq!(reply_snippet(&t.ada).await, "carol is gone");
    let last = replied(&t.bob, t.room, root, "typo hree").await;
    t.bob
        .patch(
            &format!("/messaging/message/{}/", id(&last)),
            json!({"content": "typo fixed"}),
        )
        .await;
    assert_eq!(reply_snippet(&t.ada).await, "typo fixed");
    // Editing the root leaves the reply entries alone.
    t.ada
        .patch(
            &format!("/messaging/message/{root}/"),
            json!({"content": "Who writes the notes?"}),
        )
        .await;
    assert_eq!(reply_snippet(&t.ada).await, "typo fixed");
    srv.stop().await;
}

async fn reply_snippet(c: &Client) -> String {
    let (_, page) = c.get("/messaging/notifications/").await;
    let note = page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "reply")
        .expect("a reply entry")
        .clone();
    note["snippet"].as_str().unwrap().to_string()
}

/// The next `message` frame, skipping the user topic's own events.
async fn message(s: &mut Socket) -> Value {
    loop {
        let f = next(s).await;
        if f["type"] == "message" {
            return f["message"].clone();
        }
    }
}

#[tokio::test]
async fn replies_are_live_on_the_room_stream_and_resume_by_seq() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let root = t.ada.send_chat(t.room, "Standup notes").await;
    let root_id = id(&root);
    let seen = root["seq"].as_i64().unwrap();
    let topic = format!("room:{}", t.room);
    let (mut carol_ws, _, _) = open_subscribed(&t.carol, &topic, None).await;
    let (mut bob_ws, _, _) = open_subscribed(&t.bob, &topic, None).await;
    send(
        &mut bob_ws,
        json!({"type": "message", "room_id": t.room, "content": "done", "client_id": "b-1",
               "thread_root_id": root_id}),
    )
    .await;
    let ack = loop {
        let f = next(&mut bob_ws).await;
        if f["type"] == "ack" {
            break f;
        }
    };
    assert_eq!(ack["client_id"], "b-1");
    assert_eq!(ack["message"]["thread_root_id"], root_id);
    let reply_id = ack["message"]["id"].as_i64().unwrap();
    // Every reader of the room gets the reply, then the root's new count,
    // each with the room's next number.
    let got = message(&mut carol_ws).await;
    assert_eq!(
        (id(&got), got["seq"].as_i64().unwrap()),
        (reply_id, seen + 1)
    );
    assert_eq!(got["thread_root_id"], root_id);
    let got = message(&mut carol_ws).await;
    assert_eq!(id(&got), root_id);
    assert_eq!(got["reply_count"], 1);
    assert_eq!(got["seq"], seen + 2);
    assert_eq!(got["repliers"][0]["username"], "bob");

    // A tab that saw up to `seen` replays both, in order.
    let (_, replay, _) = open_subscribing(&t.carol, &topic, json!({"after_seq": seen})).await;
    let got: Vec<(i64, i64)> = replay
        .iter()
        .map(|m| (id(m), m["reply_count"].as_i64().unwrap()))
        .collect();
    assert_eq!(got, [(reply_id, 0), (root_id, 1)]);
    // The long poll too.
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
        .map(id)
        .collect();
    assert_eq!(ids, [reply_id, root_id]);

    // The same client_id again stores nothing twice.
    send(
        &mut bob_ws,
        json!({"type": "message", "room_id": t.room, "content": "done", "client_id": "b-1",
               "thread_root_id": root_id}),
    )
    .await;
    let again = loop {
        let f = next(&mut bob_ws).await;
        if f["type"] == "ack" {
            break f;
        }
    };
    assert_eq!(again["message"]["id"], reply_id);
    let (_, pane) = thread(&t.ada, root_id).await;
    assert_eq!(pane["root"]["reply_count"], 1);

    // also_to_room alone is refused; so is a reply on a task's comment
    // socket (there a "message" is a comment).
    send(
        &mut bob_ws,
        json!({"type": "message", "room_id": t.room, "content": "x", "client_id": "b-2",
               "also_to_room": true}),
    )
    .await;
    let refused = error_frame(&mut bob_ws).await;
    assert_eq!(refused["client_id"], "b-2");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("thread_root_id"),
        "{refused}"
    );
    let mut task_ws = connect(&t.bob, &format!("/ws/task-comments/{}/", t.task)).await;
    send(
        &mut task_ws,
        json!({"type": "message", "content": "x", "client_id": "c-1",
               "thread_root_id": root_id}),
    )
    .await;
    let refused = error_frame(&mut task_ws).await;
    assert_eq!(refused["client_id"], "c-1");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("comments take no"),
        "{refused}"
    );
    let (_, page) = t
        .ada
        .get(&format!("/messaging/task/{}/comments/", t.task))
        .await;
    assert_eq!(page["comments"], json!([]), "{page}");
    srv.stop().await;
}

async fn error_frame(s: &mut Socket) -> Value {
    loop {
        let f = next(s).await;
        if f["type"] == "error" {
            return f;
        }
    }
}
