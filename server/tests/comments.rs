//! Task comments, @mentions, autocomplete and notifications against a real
//! server: HTTP rules and bad input, live delivery over real WebSockets,
//! resume of a thread (new, edited and deleted comments) without gap or
//! duplicate, and notification counts that follow every change.

mod common;

use common::ws::{connect, next, next_of, next_skipping, open_subscribed, quiet, send};
use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// ada (owner), bob and carol on a board with one task; eve is a stranger.
struct Team {
    ada: Client,
    bob: Client,
    carol: Client,
    eve: Client,
    ids: Ids,
    board: i64,
    task: i64,
}

#[derive(Clone, Copy)]
struct Ids {
    ada: i64,
    bob: i64,
}

async fn team(srv: &TestServer) -> Team {
    let (ada, ada_id) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (carol, _) = srv.user("carol").await;
    let (eve, _) = srv.user("eve").await;
    let (board, cols) = ada.board("Team").await;
    ada.add_to_board(board, &["bob", "carol"]).await;
    let task = ada.task(board, cols[0], "Ship it").await;
    // Being added to the board left them a notification each: read, so
    // what these tests count is mentions only.
    for c in [&bob, &carol] {
        let (status, _) = c
            .post("/messaging/notifications/read-all/", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    Team {
        ada,
        bob,
        carol,
        eve,
        ids: Ids {
            ada: ada_id,
            bob: bob_id,
        },
        board,
        task,
    }
}

async fn comment(c: &Client, task: i64, content: &str) -> Value {
    c.comment(task, content).await
}

async fn unread(c: &Client) -> i64 {
    let (status, body) = c.get("/messaging/notifications/count/").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["unread"].as_i64().unwrap()
}

fn usernames(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn comment_threads_follow_the_rules() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let path = format!("/messaging/task/{}/comments/", t.task);

    let first = comment(&t.ada, t.task, "  First!  ").await;
    assert_eq!(first["content"], "First!", "trimmed");
    assert_eq!(first["author"]["username"], "ada");
    assert!(first["edited_at"].is_null() && first["deleted_at"].is_null());
    let second = comment(&t.bob, t.task, "line one\nline two").await;
    assert!(second["seq"].as_i64() > first["seq"].as_i64());

    // Newest page, oldest first, with the task's change number.
    let (status, page) = t.carol.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<i64> = page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            first["id"].as_i64().unwrap(),
            second["id"].as_i64().unwrap()
        ]
    );
    assert_eq!(page["seq"], second["seq"]);
    assert_eq!(page["has_older"], false);

    // Keyset pages.
    for i in 0..5 {
        comment(&t.ada, t.task, &format!("c{i}")).await;
    }
    let (_, newest) = t.ada.get(&format!("{}history/?limit=3", path)).await;
    let newest_ids: Vec<i64> = newest["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(newest_ids.len(), 3);
    assert_eq!(newest["has_older"], true);
    let (_, older) = t
        .ada
        .get(&format!(
            "{}history/?limit=100&before={}",
            path, newest_ids[0]
        ))
        .await;
    assert_eq!(older["comments"].as_array().unwrap().len(), 4);
    assert_eq!(older["has_older"], false);
    assert_eq!(older["has_newer"], true);
    let (_, after) = t
        .ada
        .get(&format!("{}history/?after={}", path, first["id"]))
        .await;
    assert_eq!(after["comments"].as_array().unwrap().len(), 6);

    // Authors edit their own; nobody else can.
    let cid = second["id"].as_i64().unwrap();
    let edit = format!("/messaging/comment/{cid}/");
    assert_error(
        &t.ada.patch(&edit, json!({"content": "hijack"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (status, edited) = t
        .bob
        .patch(&edit, json!({"content": "line one, fixed"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["content"], "line one, fixed");
    assert!(edited["edited_at"].is_i64());
    assert!(edited["seq"].as_i64() > page["seq"].as_i64());

    // A member cannot delete someone else's; the owner can delete any.
    let (_, carols) = t.carol.post(&path, json!({"content": "carol's"})).await;
    let carols = carols["id"].as_i64().unwrap();
    assert_error(
        &t.bob.delete(&format!("/messaging/comment/{carols}/")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (status, _) = t.ada.delete(&format!("/messaging/comment/{carols}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.bob.delete(&edit).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, page) = t.carol.get(&path).await;
    let gone = page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == cid)
        .unwrap()
        .clone();
    assert_eq!(gone["content"], "", "a deleted comment keeps no text");
    assert!(gone["deleted_at"].is_i64(), "but stays as a placeholder");
    assert_error(
        &t.bob.patch(&edit, json!({"content": "back"})).await,
        StatusCode::CONFLICT,
        "conflict",
    );
}

#[tokio::test]
async fn bad_comment_requests_change_nothing() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let c = comment(&t.bob, t.task, "keep me").await;
    let cid = c["id"].as_i64().unwrap();
    let path = format!("/messaging/task/{}/comments/", t.task);
    let count = |srv: &TestServer| {
        let pool = srv.services.pool.clone();
        async move {
            let rows: Vec<(String, i64, Option<i64>)> =
                sqlx::query_as("SELECT content, seq, edited_at FROM task_comments ORDER BY id")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let (notes,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications")
                .fetch_one(&pool)
                .await
                .unwrap();
            (rows, notes)
        }
    };
    let before = count(&srv).await;
    let long = "x".repeat(10_001);
    let cases = vec![
        (
            t.ada.post(&path, json!({"content": "  \n "})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            t.ada.post(&path, json!({"content": long})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            t.ada.post(&path, json!({"text": "hi"})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            t.eve.post(&path, json!({"content": "@bob hi"})).await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (t.eve.get(&path).await, StatusCode::NOT_FOUND, "not_found"),
        (
            t.ada
                .post("/messaging/task/999999/comments/", json!({"content": "x"}))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            t.ada
                .post("/messaging/task/abc/comments/", json!({"content": "x"}))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            t.ada.get(&format!("{path}history/?limit=0")).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            t.ada.get(&format!("{path}history/?limit=101")).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            t.ada.get(&format!("{path}history/?before=5&after=1")).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            t.ada.get(&format!("{path}history/?before=x")).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            t.bob
                .patch(
                    &format!("/messaging/comment/{cid}/"),
                    json!({"content": ""}),
                )
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            t.eve
                .patch(
                    &format!("/messaging/comment/{cid}/"),
                    json!({"content": "mine now"}),
                )
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            t.eve.delete(&format!("/messaging/comment/{cid}/")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            t.carol.delete(&format!("/messaging/comment/{cid}/")).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            t.ada.get("/messaging/mentions/?q=bo").await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            t.eve
                .get(&format!("/messaging/mentions/?q=bo&board_id={}", t.board))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            srv.client().get("/messaging/notifications/").await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
    ];
    for (i, (got, status, code)) in cases.iter().enumerate() {
        assert_eq!(got.0, *status, "case {i}: {}", got.1);
        assert_error(got, *status, code);
    }
    assert_eq!(count(&srv).await, before, "bad requests changed nothing");
}

#[tokio::test]
async fn mentions_notify_the_people_who_can_see_them_once() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    // bob twice (two spellings), carol, an e-mail address, a stranger, an
    // unknown name, a lone @, and ada herself.
    let c = comment(
        &t.ada,
        t.task,
        "@bob and @BOB, see (@carol.) — mail eve@example.com, @eve @nobody @ and @ada",
    )
    .await;
    assert_eq!(usernames(&c["mentions"]), vec!["ada", "bob", "carol"]);
    assert_eq!(
        unread(&t.bob).await,
        1,
        "two mentions of bob: one notification"
    );
    assert_eq!(unread(&t.carol).await, 1);
    assert_eq!(
        unread(&t.ada).await,
        0,
        "mentioning yourself notifies no one"
    );
    assert_eq!(unread(&t.eve).await, 0, "not on the board: plain text");

    let (_, list) = t.bob.get("/messaging/notifications/").await;
    let n = &list["notifications"][0];
    assert_eq!(n["kind"], "comment_mention");
    assert_eq!(n["sender"]["username"], "ada");
    assert_eq!(n["task_id"], t.task);
    assert_eq!(n["comment_id"], c["id"]);
    assert_eq!(n["context"], "Ship it");
    assert_eq!(n["read"], false);
    assert_eq!(
        n["link"],
        format!("/boards/{}/tasks/{}?comment={}", t.board, t.task, c["id"])
    );
    assert!(n["snippet"].as_str().unwrap().starts_with("@bob and @BOB"));

    // An edit that adds a mention notifies only the newly mentioned.
    let (dave, _) = srv.user("dave").await;
    t.ada.add_to_board(t.board, &["dave"]).await;
    dave.post("/messaging/notifications/read-all/", json!({}))
        .await;
    let (status, edited) = t
        .ada
        .patch(
            &format!("/messaging/comment/{}/", c["id"]),
            json!({"content": "@bob @carol and now @dave"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(usernames(&edited["mentions"]), vec!["bob", "carol", "dave"]);
    assert_eq!(
        unread(&t.bob).await,
        1,
        "bob was mentioned before: no second one"
    );
    assert_eq!(unread(&dave).await, 1, "dave, newly mentioned, is notified");

    // Deleting the comment withdraws its notifications.
    t.ada
        .delete(&format!("/messaging/comment/{}/", c["id"]))
        .await;
    assert_eq!(unread(&t.bob).await, 0);
    assert_eq!(unread(&t.carol).await, 0);
}

#[tokio::test]
async fn chat_mentions_notify_room_members_only() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    // carol is on the board but not in the room.
    let room = t.ada.room(t.board, "Lobby", &["bob"]).await;
    // (Being added to the room is a notification of its own: read.)
    t.bob
        .post("/messaging/notifications/read-all/", json!({}))
        .await;
    let m = t.ada.send_chat(room, "hey @bob and @carol").await;
    assert_eq!(usernames(&m["mentions"]), vec!["bob"]);
    assert_eq!(unread(&t.bob).await, 1);
    assert_eq!(
        unread(&t.carol).await,
        0,
        "cannot see the room: not mentioned"
    );
    let (_, list) = t.bob.get("/messaging/notifications/").await;
    let n = &list["notifications"][0];
    assert_eq!(n["kind"], "chat_mention");
    assert_eq!(n["context"], "#Lobby");
    assert_eq!(
        n["link"],
        format!("/boards/{}?room={room}&message={}", t.board, m["id"])
    );
    // History carries the stored mentions.
    let (_, page) = t.bob.get(&format!("/messaging/room/{room}/history/")).await;
    assert_eq!(usernames(&page["messages"][0]["mentions"]), vec!["bob"]);
}

#[tokio::test]
async fn notifications_are_private_paginated_and_marked_read() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    for i in 0..5 {
        comment(&t.ada, t.task, &format!("@bob number {i}")).await;
    }
    comment(&t.ada, t.task, "@carol yours").await;
    assert_eq!(unread(&t.bob).await, 5);

    let (_, page) = t.bob.get("/messaging/notifications/?limit=2").await;
    assert_eq!(page["notifications"].as_array().unwrap().len(), 2);
    assert_eq!(page["has_more"], true);
    assert_eq!(page["unread"], 5);
    let last = page["notifications"][1]["id"].as_i64().unwrap();
    let (_, rest) = t
        .bob
        .get(&format!(
            "/messaging/notifications/?before={last}&limit=10&unread=true"
        ))
        .await;
    assert_eq!(rest["notifications"].as_array().unwrap().len(), 3);
    assert_eq!(rest["has_more"], false);
    assert!(rest["notifications"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("number 2"));

    // Someone else's notification: 404, and it stays unread.
    let (_, carols) = t.carol.get("/messaging/notifications/").await;
    let carols = carols["notifications"][0]["id"].as_i64().unwrap();
    assert_error(
        &t.bob
            .post(
                &format!("/messaging/notifications/{carols}/read/"),
                json!({}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &t.bob
            .post("/messaging/notifications/zero/read/", json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(unread(&t.carol).await, 1);

    let newest = page["notifications"][0]["id"].as_i64().unwrap();
    let (status, body) = t
        .bob
        .post(
            &format!("/messaging/notifications/{newest}/read/"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["unread"], 4);
    // Twice is fine and changes nothing.
    let (_, body) = t
        .bob
        .post(
            &format!("/messaging/notifications/{newest}/read/"),
            json!({}),
        )
        .await;
    assert_eq!(body["unread"], 4);
    let (_, unread_only) = t.bob.get("/messaging/notifications/?unread=true").await;
    assert_eq!(unread_only["notifications"].as_array().unwrap().len(), 4);

    let (status, body) = t
        .bob
        .post("/messaging/notifications/read-all/", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["marked"], 4);
    assert_eq!(unread(&t.bob).await, 0);
    assert_eq!(unread(&t.carol).await, 1, "only bob's were marked");
}

#[tokio::test]
async fn mention_autocomplete_ranks_board_members() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    srv.user("bobby").await;
    t.ada.add_to_board(t.board, &["bobby"]).await;
    srv.user("bobcat").await; // not on the board
    let (status, list) = t
        .ada
        .get(&format!("/messaging/mentions/?q=bo&board_id={}", t.board))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(usernames(&list), vec!["bob", "bobby"]);
    let (_, list) = t
        .ada
        .get(&format!("/messaging/mentions/?q=&board_id={}", t.board))
        .await;
    assert_eq!(
        usernames(&list),
        vec!["bob", "bobby", "carol"],
        "everyone but yourself"
    );
    let (_, list) = t
        .bob
        .get(&format!(
            "/messaging/mentions/?q=%40AD&board_id={}",
            t.board
        ))
        .await;
    assert_eq!(usernames(&list), vec!["ada"]);
}

#[tokio::test]
async fn comments_arrive_live_and_a_thread_resumes_without_gap_or_duplicate() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let topic = format!("task:{}", t.task);
    let (mut ada, _, _) = open_subscribed(&t.ada, &topic, None).await;
    let (mut bob, _, _) = open_subscribed(&t.bob, &topic, Some(0)).await;

    // Strangers get an error and no data.
    let mut eve = connect(&t.eve, "/ws").await;
    next(&mut eve).await;
    send(&mut eve, json!({"type": "subscribe", "topic": topic})).await;
    assert_eq!(next_of(&mut eve, "error").await["code"], "not_found");

    // Posted over the socket, acked after commit, delivered to the other member.
    send(
        &mut ada,
        json!({"type": "comment", "task_id": t.task, "content": "hello @bob", "client_id": "k1"}),
    )
    .await;
    let ack = next_skipping(&mut ada, "ack", &["comment"]).await;
    assert_eq!(ack["client_id"], "k1");
    let first = ack["comment"].clone();
    let (stored,): (String,) = sqlx::query_as("SELECT content FROM task_comments WHERE id = $1")
        .bind(first["id"].as_i64().unwrap())
        .fetch_one(&srv.services.pool)
        .await
        .unwrap();
    assert_eq!(stored, "hello @bob");
    let live = next_of(&mut bob, "comment").await;
    assert_eq!(live["comment"]["id"], first["id"]);
    assert_eq!(usernames(&live["comment"]["mentions"]), vec!["bob"]);

    // Typing in the thread reaches the others.
    send(
        &mut ada,
        json!({"type": "typing", "task_id": t.task, "is_typing": true}),
    )
    .await;
    let typing = next_skipping(&mut bob, "typing", &[]).await;
    assert_eq!(typing["task_id"], t.task);
    assert_eq!(typing["user"]["username"], "ada");

    // bob drops; meanwhile a comment is added, one edited, one deleted.
    let seen = live["comment"]["seq"].as_i64().unwrap();
    drop(bob);
    let second = comment(&t.carol, t.task, "second").await;
    let third = comment(&t.carol, t.task, "third").await;
    t.ada
        .patch(
            &format!("/messaging/comment/{}/", first["id"]),
            json!({"content": "hello @bob (edited)"}),
        )
        .await;
    t.carol
        .delete(&format!("/messaging/comment/{}/", second["id"]))
        .await;

    // Resuming from the last change seen: each changed comment once, in its
    // latest state, in change order.
    let (mut bob, replay, subscribed) = open_subscribed(&t.bob, &topic, Some(seen)).await;
    let got: Vec<(i64, String, bool)> = replay
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["content"].as_str().unwrap().to_string(),
                c["deleted_at"].is_i64(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (third["id"].as_i64().unwrap(), "third".into(), false),
            (
                first["id"].as_i64().unwrap(),
                "hello @bob (edited)".into(),
                false
            ),
            (second["id"].as_i64().unwrap(), "".into(), true),
        ]
    );
    let seqs: Vec<i64> = replay.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in change order");
    assert_eq!(subscribed["seq"], *seqs.last().unwrap());
    assert_eq!(subscribed["replayed"], 3);
    // Then live, with nothing repeated.
    let fourth = comment(&t.carol, t.task, "fourth").await;
    let f = next_of(&mut bob, "comment").await;
    assert_eq!(f["comment"]["id"], fourth["id"]);
    quiet(&mut bob, 300).await;
}

#[tokio::test]
async fn the_users_topic_carries_live_notification_counts() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let own = format!("user:{}", t.ids.bob);
    let (mut tab1, _, subscribed) = open_subscribed(&t.bob, &own, None).await;
    assert_eq!(subscribed["unread"], 0);
    let (mut tab2, _, _) = open_subscribed(&t.bob, &own, None).await;

    // Someone else's topic is refused.
    let mut s = connect(&t.bob, "/ws").await;
    next(&mut s).await;
    send(
        &mut s,
        json!({"type": "subscribe", "topic": format!("user:{}", t.ids.ada)}),
    )
    .await;
    assert_eq!(next_of(&mut s, "error").await["code"], "forbidden");

    let c = comment(&t.ada, t.task, "@bob look").await;
    for tab in [&mut tab1, &mut tab2] {
        let f = next_of(tab, "notification").await;
        assert_eq!(f["unread"], 1);
        assert_eq!(f["notification"]["comment_id"], c["id"]);
        assert_eq!(f["notification"]["sender"]["username"], "ada");
    }
    // Read in one place: every tab hears the new count.
    let id = {
        let (_, list) = t.bob.get("/messaging/notifications/").await;
        list["notifications"][0]["id"].as_i64().unwrap()
    };
    t.bob
        .post(&format!("/messaging/notifications/{id}/read/"), json!({}))
        .await;
    for tab in [&mut tab1, &mut tab2] {
        let f = next_of(tab, "notifications_updated").await;
        assert_eq!(f["unread"], 0);
        assert_eq!(f["read"], json!([id]));
    }
    // carol's mention is not bob's business.
    comment(&t.ada, t.task, "@carol only").await;
    quiet(&mut tab1, 300).await;
}

#[tokio::test]
async fn the_original_task_comments_socket_works() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let path = format!("/ws/task-comments/{}/", t.task);
    let mut ada = connect(&t.ada, &path).await;
    assert_eq!(next(&mut ada).await["type"], "hello");
    assert_eq!(
        next_of(&mut ada, "subscribed").await["topic"],
        format!("task:{}", t.task)
    );
    let mut bob = connect(&t.bob, &path).await;
    next_of(&mut bob, "subscribed").await;
    send(
        &mut ada,
        json!({"type": "message", "content": "via compat"}),
    )
    .await;
    let f = next_of(&mut bob, "comment").await;
    assert_eq!(f["comment"]["content"], "via compat");
    send(&mut ada, json!({"type": "typing", "is_typing": true})).await;
    assert_eq!(next_of(&mut bob, "typing").await["task_id"], t.task);
    // A stranger is refused at the handshake.
    let refused = common::ws::try_connect(&t.eve, &path, Some(&t.eve.base.clone())).await;
    assert_eq!(refused.err(), Some(404));
}

#[tokio::test]
async fn comment_long_poll_returns_changes_after_a_seq() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let first = comment(&t.ada, t.task, "one").await;
    let seq = first["seq"].as_i64().unwrap();
    let url = format!(
        "/messaging/task/{}/comments/events/?after={seq}&timeout=5",
        t.task
    );
    let waiting = {
        let bob = t.bob.http.clone();
        let full = format!("{}{url}", t.bob.base);
        tokio::spawn(async move {
            let res = bob.get(full).send().await.unwrap();
            res.json::<Value>().await.unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let second = comment(&t.carol, t.task, "two").await;
    let got = waiting.await.unwrap();
    assert_eq!(got["comments"][0]["id"], second["id"]);
    assert_eq!(got["comments"].as_array().unwrap().len(), 1);
    assert_error(&t.eve.get(&url).await, StatusCode::NOT_FOUND, "not_found");
}
