//! Direct messages (issue 27 §2), against a real server on SQLite and
//! PostgreSQL: one conversation per set of people, readable by them alone
//! (no board owner sees it), every message a notification, read-only once
//! its people share no board, untouched by leaving a board, hidden by a
//! mute; live over the WebSocket; and the schema change on a database full
//! of messages.

mod common;

use common::ws::{next, open_subscribed, send, Socket};
use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// carol owns the board "Team" with ada and bob on it; dan is on no board
/// with them; eve shares another board with ada only.
struct Team {
    ada: Client,
    bob: Client,
    carol: Client,
    dan: Client,
    eve: Client,
    ada_id: i64,
    bob_id: i64,
    board: i64,
}

async fn team(srv: &TestServer) -> Team {
    let (ada, ada_id) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (carol, _) = srv.user("carol").await;
    let (dan, _) = srv.user("dan").await;
    let (eve, _) = srv.user("eve").await;
    let (board, _) = carol.board("Team").await;
    carol.add_to_board(board, &["ada", "bob"]).await;
    let (side, _) = eve.board("Side").await;
    eve.add_to_board(side, &["ada"]).await;
    for c in [&ada, &bob, &carol, &eve] {
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
        ada_id,
        bob_id,
        board,
    }
}

async fn open(c: &Client, usernames: &[&str]) -> (StatusCode, Value) {
    c.post("/messaging/dm/", json!({ "usernames": usernames }))
        .await
}

async fn opened(c: &Client, usernames: &[&str]) -> Value {
    let (status, room) = open(c, usernames).await;
    assert_eq!(status, StatusCode::OK, "{room}");
    room
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn usernames(people: &Value) -> Vec<&str> {
    people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect()
}

/// The caller's direct messages: (id, unread, read_only), in list order.
async fn dms(c: &Client) -> Vec<(i64, i64, bool)> {
    let (status, list) = c.get("/messaging/dm/").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                id(r),
                r["unread"].as_i64().unwrap(),
                r["read_only"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// The caller's unread notifications of kind `direct_message`.
async fn dm_notes(c: &Client) -> Vec<Value> {
    let (_, page) = c.get("/messaging/notifications/").await;
    page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "direct_message" && n["read"] == false)
        .cloned()
        .collect()
}

async fn say(c: &Client, room: i64, content: &str) -> (StatusCode, Value) {
    c.post(
        &format!("/messaging/room/{room}/send/"),
        json!({ "content": content }),
    )
    .await
}

#[tokio::test]
async fn the_same_people_always_reach_the_same_conversation() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let pair = opened(&t.ada, &["bob"]).await;
    assert_eq!(pair["board_id"], Value::Null, "{pair}");
    assert_eq!(pair["member"], true);
    assert_eq!(pair["member_count"], 2);
    assert_eq!(pair["unread"], 0);
    assert_eq!(usernames(&pair["people"]), ["bob"]);
    assert_eq!(pair["name"], "bob", "named by its other people");
    // Bob opening it with ada, or ada again however she writes the names,
    // reaches the same one.
    let from_bob = opened(&t.bob, &["ada"]).await;
    assert_eq!(id(&from_bob), id(&pair));
    assert_eq!(usernames(&from_bob["people"]), ["ada"]);
    assert_eq!(
        id(&opened(&t.ada, &["@BOB", "bob", "ada"]).await),
        id(&pair)
    );
    // A group is another conversation, the same for each of its people.
    let group = opened(&t.ada, &["bob", "carol"]).await;
    assert_ne!(id(&group), id(&pair));
    assert_eq!(group["member_count"], 3);
    assert_eq!(usernames(&group["people"]), ["bob", "carol"]);
    assert_eq!(id(&opened(&t.carol, &["bob", "ada"]).await), id(&group));
    // ada shares a board with eve (another one) too.
    let with_eve = opened(&t.ada, &["eve"]).await;
    assert_ne!(id(&with_eve), id(&pair));

    // Refused, creating nothing: nobody else, no shared board (unknown or
    // not), too many people, a bad body.
    for (body, status, code) in [
        (json!({"usernames": []}), 400, "invalid_input"),
        (json!({"usernames": ["ada"]}), 400, "invalid_input"),
        (json!({"usernames": ["dan"]}), 400, "invalid_input"),
        (json!({"usernames": ["nobody"]}), 400, "invalid_input"),
        (json!({"usernames": ["bob", "eve"]}), 400, "invalid_input"),
        (json!({"usernames": ["bob", ""]}), 400, "invalid_input"),
        (json!({"usernames": "bob"}), 400, "invalid_input"),
        (json!({"people": ["bob"]}), 400, "invalid_input"),
    ] {
        let got = t.ada.post("/messaging/dm/", body.clone()).await;
        assert_error(&got, StatusCode::from_u16(status).unwrap(), code);
    }
    // bob and eve share no board: ada cannot bring them together.
    let got = open(&t.ada, &["bob", "eve"]).await;
    assert!(got.1["error"]["message"].as_str().unwrap().contains("eve"));
    // Eight people at most (ada and seven others).
    for name in ["pal1", "pal2", "pal3", "pal4", "pal5", "pal6", "pal7"] {
        srv.user(name).await;
    }
    t.carol
        .add_to_board(
            t.board,
            &["pal1", "pal2", "pal3", "pal4", "pal5", "pal6", "pal7"],
        )
        .await;
    let seven = opened(
        &t.ada,
        &["pal1", "pal2", "pal3", "pal4", "pal5", "pal6", "pal7"],
    )
    .await;
    assert_eq!(seven["member_count"], 8);
    assert_error(
        &open(
            &t.ada,
            &[
                "pal1", "pal2", "pal3", "pal4", "pal5", "pal6", "pal7", "bob",
            ],
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    let (status, list) = t.dan.get("/messaging/dm/").await;
    assert_eq!((status, list), (StatusCode::OK, json!([])));
    let (status, _) = srv.client().get("/messaging/dm/").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    srv.stop().await;
}

#[tokio::test]
async fn only_its_people_read_it_and_every_message_notifies_the_others() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let pair = id(&opened(&t.ada, &["bob"]).await);
    let group = id(&opened(&t.ada, &["bob", "carol"]).await);
    let (status, sent) = say(&t.ada, pair, "Lunch? @bob").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["room_id"], pair);

    // bob reads it and hears of it once (the mention is the same message).
    let (status, page) = t.bob.get(&format!("/messaging/room/{pair}/history/")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["messages"][0]["content"], "Lunch? @bob");
    let notes = dm_notes(&t.bob).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["board_id"], Value::Null);
    assert_eq!(notes[0]["room_id"], pair);
    assert_eq!(notes[0]["message_id"], id(&sent));
    assert_eq!(notes[0]["sender"]["username"], "ada");
    assert_eq!(
        notes[0]["link"],
        format!("/messages/{pair}?message={}", id(&sent))
    );
    assert!(t
        .bob
        .unread_kinds()
        .await
        .iter()
        .all(|k| k == "direct_message"));
    assert!(dm_notes(&t.ada).await.is_empty(), "never for one's own");

    // Nobody else reads it or sees it: not the board's owner, not a stranger.
    for outsider in [&t.carol, &t.dan, &t.eve] {
        for path in [
            format!("/messaging/room/{pair}/history/"),
            format!("/messaging/room/{pair}/"),
        ] {
            assert_error(
                &outsider.get(&path).await,
                StatusCode::NOT_FOUND,
                "not_found",
            );
        }
        assert_error(
            &say(outsider, pair, "let me in").await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        assert!(!dms(outsider).await.iter().any(|(r, _, _)| *r == pair));
    }
    let (_, rooms) = t
        .carol
        .get(&format!("/messaging/board/{}/rooms/", t.board))
        .await;
    assert!(
        !rooms.as_array().unwrap().iter().any(|r| r["id"] == pair),
        "a board owner's room list has no direct messages: {rooms}"
    );

    // The list: by last activity, with unread counts.
    let (status, _) = say(&t.carol, group, "stand-up at 10").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        dms(&t.bob).await,
        [(group, 1, false), (pair, 1, false)],
        "the group spoke last"
    );
    let (status, _) = t
        .bob
        .post(
            &format!("/messaging/room/{pair}/read/"),
            json!({ "message_id": id(&sent) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(dms(&t.bob).await, [(group, 1, false), (pair, 0, false)]);
    // Reading the conversation read its notification; both others hear of
    // a group message.
    let notes = dm_notes(&t.bob).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["room_id"], group);
    assert_eq!(dm_notes(&t.ada).await.len(), 1);

    // Like a room: edits, reactions, replies.
    let (status, edited) = t
        .ada
        .patch(
            &format!("/messaging/message/{}/", id(&sent)),
            json!({ "content": "Lunch at 12?" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    let (status, _) = t
        .bob
        .put(&format!("/messaging/message/{}/reactions/👍/", id(&sent)))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, reply) = t
        .bob
        .post(
            &format!("/messaging/room/{pair}/send/"),
            json!({ "content": "yes", "thread_root_id": id(&sent) }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let notes = dm_notes(&t.ada).await;
    assert!(
        notes.iter().any(|n| n["message_id"] == id(&reply)),
        "a reply notifies like any message: {notes:?}"
    );
    assert!(
        !t.ada.unread_kinds().await.iter().any(|k| k == "reply"),
        "and makes no second bell entry"
    );

    // Its people are fixed: no renaming, archiving, deleting, leaving or
    // adding anyone; nothing changed.
    for got in [
        t.ada
            .patch(&format!("/messaging/room/{pair}/"), json!({"name": "x"}))
            .await,
        t.ada.delete(&format!("/messaging/room/{pair}/")).await,
        t.ada
            .post(&format!("/messaging/room/{pair}/leave/"), json!({}))
            .await,
        t.ada
            .post(
                &format!("/messaging/room/{pair}/members/"),
                json!({"username": "carol"}),
            )
            .await,
        t.ada
            .delete(&format!("/messaging/room/{pair}/members/{}/", t.bob_id))
            .await,
    ] {
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    }
    assert_eq!(opened(&t.ada, &["bob"]).await["member_count"], 2);
    srv.stop().await;
}

#[tokio::test]
async fn leaving_every_shared_board_makes_it_read_only_but_keeps_it() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let pair = id(&opened(&t.ada, &["bob"]).await);
    let (status, first) = say(&t.bob, pair, "before").await;
    assert_eq!(status, StatusCode::CREATED);
    // carol removes bob from her board: the only one he shared with ada.
    let (status, body) = t
        .carol
        .delete(&format!("/api/boards/{}/members/{}", t.board, t.bob_id))
        .await;
    assert!(status.is_success(), "{status} {body}");
    // The conversation stays, with its history, for both...
    assert_eq!(dms(&t.bob).await, [(pair, 0, true)]);
    assert_eq!(dms(&t.ada).await[0], (pair, 1, true));
    let (status, page) = t.bob.get(&format!("/messaging/room/{pair}/history/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["messages"][0]["id"], id(&first));
    // ... but takes no new message from either.
    for c in [&t.ada, &t.bob] {
        let got = say(c, pair, "after").await;
        assert_error(&got, StatusCode::FORBIDDEN, "forbidden");
        assert!(got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only"));
    }
    let (_, page) = t.ada.get(&format!("/messaging/room/{pair}/history/")).await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
    // Nor an edit.
    let got = t
        .bob
        .patch(
            &format!("/messaging/message/{}/", id(&first)),
            json!({"content": "changed"}),
        )
        .await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden");
    assert_error(
        &open(&t.ada, &["bob"]).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    // Sharing a board again opens it again.
    t.carol.add_to_board(t.board, &["bob"]).await;
    assert_eq!(dms(&t.bob).await, [(pair, 0, false)]);
    let (status, _) = say(&t.ada, pair, "welcome back").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(id(&opened(&t.bob, &["ada"]).await), pair);
    // Deleting the board deletes no direct message.
    let (status, _) = t.carol.delete(&format!("/api/boards/{}", t.board)).await;
    assert!(status.is_success());
    assert_eq!(
        dms(&t.ada).await.iter().map(|d| d.0).collect::<Vec<_>>(),
        [pair]
    );
    srv.stop().await;
}

#[tokio::test]
async fn muting_a_person_hides_their_direct_messages_and_notifications() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    let pair = id(&opened(&t.ada, &["bob"]).await);
    let group = id(&opened(&t.ada, &["bob", "carol"]).await);
    let (status, _) = t
        .bob
        .put(&format!("/messaging/people/{}/mute/", t.ada_id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(say(&t.ada, pair, "psst").await.0, StatusCode::CREATED);
    assert_eq!(
        say(&t.ada, group, "all of you").await.0,
        StatusCode::CREATED
    );
    // bob's list hides the pair (only ada in it), keeps the group; nothing
    // of ada's reaches his bell. carol hears of the group message.
    let listed: Vec<i64> = dms(&t.bob).await.iter().map(|d| d.0).collect();
    assert_eq!(listed, [group]);
    assert!(dm_notes(&t.bob).await.is_empty());
    assert_eq!(dm_notes(&t.carol).await.len(), 1);
    // A muted conversation (a room setting) keeps its place, without alerts.
    let (status, body) = t
        .carol
        .send(
            reqwest::Method::PUT,
            "/messaging/preferences/",
            Some(json!({"scope": "room", "id": group, "level": "nothing"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(say(&t.bob, group, "hello").await.0, StatusCode::CREATED);
    assert_eq!(dm_notes(&t.carol).await.len(), 1, "nothing more for carol");
    assert_eq!(dm_notes(&t.ada).await.len(), 1, "ada hears bob");
    // Unmuted: the pair is back, and her next message reaches him.
    let (status, _) = t
        .bob
        .delete(&format!("/messaging/people/{}/mute/", t.ada_id))
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<i64> = dms(&t.bob).await.iter().map(|d| d.0).collect();
    assert_eq!(listed, [group, pair]);
    assert_eq!(say(&t.ada, pair, "again").await.0, StatusCode::CREATED);
    assert_eq!(dm_notes(&t.bob).await.len(), 1);
    srv.stop().await;
}

/// The next frame of `kind`, skipping others.
async fn frame_of(s: &mut Socket, kind: &str) -> Value {
    loop {
        let f = next(s).await;
        if f["type"] == kind {
            return f;
        }
    }
}

#[tokio::test]
async fn direct_messages_are_live_and_resume_like_rooms() {
    let srv = TestServer::start().await;
    let t = team(&srv).await;
    // bob's bell hears that ada opened a conversation with him.
    let (mut bell, _, _) = open_subscribed(&t.bob, &format!("user:{}", t.bob_id), None).await;
    let pair = id(&opened(&t.ada, &["bob"]).await);
    let f = frame_of(&mut bell, "access_changed").await;
    assert_eq!(f["board_id"], Value::Null, "{f}");
    assert_eq!(f["room_id"], pair);
    assert_eq!(f["member"], true);
    // Following it: messages, typing, and resuming after a number.
    let (mut bob_ws, _, subscribed) = open_subscribed(&t.bob, &format!("room:{pair}"), None).await;
    let seq = subscribed["seq"].as_i64().unwrap_or(0);
    let (mut ada_ws, _, _) = open_subscribed(&t.ada, &format!("room:{pair}"), None).await;
    send(
        &mut ada_ws,
        json!({"type": "typing", "room_id": pair, "is_typing": true}),
    )
    .await;
    let typing = frame_of(&mut bob_ws, "typing").await;
    assert_eq!(typing["user"]["username"], "ada", "{typing}");
    send(
        &mut ada_ws,
        json!({"type": "message", "room_id": pair, "content": "live", "client_id": "c-1"}),
    )
    .await;
    let got = frame_of(&mut bob_ws, "message").await;
    assert_eq!(got["message"]["content"], "live");
    // Typing a reply: the pane's root travels with it.
    let root = got["message"]["id"].as_i64().unwrap();
    send(
        &mut ada_ws,
        json!({"type": "typing", "room_id": pair, "is_typing": false}),
    )
    .await;
    send(
        &mut ada_ws,
        json!({"type": "typing", "room_id": pair, "thread_root_id": root, "is_typing": true}),
    )
    .await;
    loop {
        let f = frame_of(&mut bob_ws, "typing").await;
        if f["is_typing"] == true {
            assert_eq!(f["thread_root_id"], root, "{f}");
            break;
        }
        assert!(f.get("thread_root_id").is_none(), "{f}");
    }
    let note = frame_of(&mut bell, "notification").await;
    assert_eq!(note["notification"]["kind"], "direct_message");
    // A tab that was away resumes after the last number it had.
    let (_, replay, _) =
        common::ws::open_subscribing(&t.bob, &format!("room:{pair}"), json!({ "after_seq": seq }))
            .await;
    let replayed: Vec<&str> = replay
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(replayed, ["live"]);
    // carol (the board's owner) may not follow it.
    let (_, _, refused) =
        common::ws::open_subscribing(&t.carol, &format!("room:{pair}"), json!({})).await;
    assert_eq!(refused["type"], "error", "{refused}");
    srv.stop().await;
}

/// The schema change on a database full of messages: nothing that refers
/// to a room is lost when `chat_rooms` is rebuilt (SQLite) or altered
/// (PostgreSQL), and ids keep counting.
#[tokio::test]
async fn the_upgrade_keeps_every_row_of_a_populated_database() {
    let dir = tempfile::tempdir().unwrap();
    let (db_url, pool, postgres) = common::database_before(dir.path(), 20261207000018, 17).await;
    let exec = |sql: String| {
        let pool = pool.clone();
        async move { sqlx::query(&sql).execute(&pool).await.unwrap() }
    };
    exec(
        "INSERT INTO users (id, username, display_name, password_hash, created_at)
          VALUES (1, 'ada', 'Ada', 'x', 1), (2, 'bob', 'Bob', 'x', 1)"
            .into(),
    )
    .await;
    exec("INSERT INTO boards (id, name, owner_id, created_at, updated_at) VALUES (1, 'Old', 1, 1, 1)".into())
        .await;
    exec(
        "INSERT INTO board_members (board_id, user_id, role, added_at)
          VALUES (1, 1, 'owner', 1), (1, 2, 'member', 1)"
            .into(),
    )
    .await;
    exec("INSERT INTO chat_rooms (id, board_id, name, name_key, created_by, created_at, last_seq, is_default)
          VALUES (1, 1, 'general', 'general', 1, 1, 600, 1), (2, 1, 'ops', 'ops', 1, 1, 0, 0)"
        .into())
    .await;
    exec(
        "INSERT INTO chat_room_members (room_id, user_id, added_at, last_read_id)
          VALUES (1, 1, 1, 600), (1, 2, 1, 10), (2, 1, 1, 0)"
            .into(),
    )
    .await;
    // 600 messages, a reply, mentions, reactions, followers, notifications.
    let values: Vec<String> = (1..=600)
        .map(|i| {
            format!(
                "({i}, 1, {}, 'message {i}', '<p>message {i}</p>', {i}, {i}, {i})",
                1 + i % 2
            )
        })
        .collect();
    exec(format!(
        "INSERT INTO chat_messages (id, room_id, author_id, content, html, created_at, seq, first_seq)
         VALUES {}",
        values.join(", ")
    ))
    .await;
    exec("UPDATE chat_messages SET thread_root_id = 1, in_room = 0 WHERE id = 600".into()).await;
    exec("UPDATE chat_messages SET reply_count = 1, last_reply_at = 600 WHERE id = 1".into()).await;
    exec("INSERT INTO reply_followers (root_id, user_id, following, last_read_id) VALUES (1, 1, 1, 600)".into())
        .await;
    exec("INSERT INTO chat_message_mentions (message_id, user_id) VALUES (5, 2), (7, 2)".into())
        .await;
    exec(
        "INSERT INTO chat_message_reactions (message_id, user_id, emoji, created_at)
          VALUES (5, 1, '👍', 1), (5, 2, '🎉', 1)"
            .into(),
    )
    .await;
    exec("INSERT INTO notifications (id, recipient_id, sender_id, kind, board_id, room_id, message_id,
                                     snippet, created_at, context, board_name)
          VALUES (1, 2, 1, 'chat_mention', 1, 1, 5, 'hi', 1, '#general', 'Old'),
                 (2, 2, 1, 'chat_mention', 1, 1, 7, 'hi', 1, '#general', 'Old')"
        .into())
    .await;
    common::catch_up_ids(
        &pool,
        postgres,
        &[
            "users",
            "boards",
            "chat_rooms",
            "chat_messages",
            "notifications",
        ],
    )
    .await;
    let counts = |pool: sqlx::AnyPool| async move {
        let mut out = Vec::new();
        for table in [
            "chat_rooms",
            "chat_room_members",
            "chat_messages",
            "chat_message_mentions",
            "chat_message_reactions",
            "reply_followers",
            "notifications",
        ] {
            let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap();
            out.push((table, n));
        }
        out
    };
    let before = counts(pool.clone()).await;
    assert_eq!(before[2], ("chat_messages", 600));
    pool.close().await;

    let srv = TestServer::start_on(dir, db_url).await;
    assert_eq!(
        counts(srv.services.pool.clone()).await,
        before,
        "every row kept"
    );
    if !postgres {
        let dangling: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(&srv.services.pool)
                .await
                .unwrap();
        assert!(dangling.is_empty(), "{dangling:?}");
        let (on,): (i64,) = sqlx::query_as("SELECT foreign_keys FROM pragma_foreign_keys")
            .fetch_one(&srv.services.pool)
            .await
            .unwrap();
        assert_eq!(on, 1, "foreign keys are on again");
    }
    // The old rooms work as before; a direct message takes the next id.
    let ada = srv.client();
    let (status, body) = ada
        .post(
            "/api/auth/login",
            json!({"username": "ada", "password": "x"}),
        )
        .await;
    // (The fixture's password hash is not a real one: sign in is refused.)
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (bob, _) = srv.user("bobby").await;
    let (_, me) = bob.get("/api/me").await;
    let bobby = me["id"].as_i64().unwrap();
    sqlx::query(
        "INSERT INTO board_members (board_id, user_id, role, added_at) VALUES (1, $1, 'member', 1)",
    )
    .bind(bobby)
    .execute(&srv.services.pool)
    .await
    .unwrap();
    let dm = opened(&bob, &["ada"]).await;
    assert_eq!(dm["board_id"], Value::Null);
    assert!(id(&dm) > 2, "ids keep counting: {dm}");
    // #general is public: a board member reads it, replies still apart.
    let (status, page) = bob.get("/messaging/room/1/history/?limit=5").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["messages"][4]["id"], 599, "{page}");
    assert_eq!(page["has_older"], true);
    let (status, _) = say(&bob, id(&dm), "hello ada").await;
    assert_eq!(status, StatusCode::CREATED);
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM notifications WHERE board_id IS NULL AND kind = 'direct_message'",
    )
    .fetch_one(&srv.services.pool)
    .await
    .unwrap();
    assert_eq!(n, 1);
    srv.stop().await;
}
