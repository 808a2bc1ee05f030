//! Rooms a team can find: public and private rooms, every board's
//! `#general`, joining and leaving, reading before joining, mentions of
//! people outside the room, and the upgrade that brought them.

mod common;

use common::ws::{next, next_of, next_skipping, open_subscribed, quiet, send};
use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A board owned by ada with bob and carol as members, and eve outside it.
async fn team(srv: &TestServer) -> (Client, Client, Client, Client, i64) {
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (carol, _) = srv.user("carol").await;
    let (eve, _) = srv.user("eve").await;
    let (board, _) = ada.board("Team").await;
    ada.add_to_board(board, &["bob", "carol"]).await;
    (ada, bob, carol, eve, board)
}

async fn rooms(c: &Client, board: i64) -> Vec<Value> {
    let (status, body) = c.get(&format!("/messaging/board/{board}/rooms/")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

fn named<'a>(list: &'a [Value], name: &str) -> Option<&'a Value> {
    list.iter().find(|r| r["name"] == name)
}

async fn create(c: &Client, board: i64, body: Value) -> (StatusCode, Value) {
    c.post(&format!("/messaging/board/{board}/rooms/create/"), body)
        .await
}

/// Unread mentions (being added to the board or a room is an entry too,
/// not counted here).
async fn unread_mentions(c: &Client) -> i64 {
    let (status, body) = c.get("/messaging/notifications/?unread=true").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"].as_str().unwrap().ends_with("_mention"))
        .count() as i64
}

async fn member_names(c: &Client, room: i64) -> Vec<String> {
    let (status, detail) = c.get(&format!("/messaging/room/{room}/")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_board_has_a_general_room_with_everyone_in_it() {
    let srv = TestServer::start().await;
    let (ada, bob, _carol, eve, board) = team(&srv).await;
    let list = rooms(&bob, board).await;
    let general = named(&list, "general").expect("#general is listed");
    assert_eq!(general["member"], true);
    assert_eq!(general["is_private"], false);
    assert_eq!(general["is_default"], true);
    assert_eq!(general["member_count"], 3);
    let general = general["id"].as_i64().unwrap();
    assert_eq!(member_names(&ada, general).await, ["ada", "bob", "carol"]);
    // Someone added later is in it at once, and can talk there.
    let (_dan, _) = srv.user("dan").await;
    ada.add_to_board(board, &["dan"]).await;
    assert_eq!(
        member_names(&ada, general).await,
        ["ada", "bob", "carol", "dan"]
    );
    bob.send_chat(general, "hello team").await;
    // It holds everyone, always: nobody leaves it, nobody is taken out of
    // it, it is neither archived nor deleted.
    for (who, path) in [
        (&bob, format!("/messaging/room/{general}/leave/")),
        (&ada, format!("/messaging/room/{general}/leave/")),
    ] {
        assert_error(
            &who.post(&path, json!({})).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        );
    }
    let bob_id = srv.user_id_of("bob").await;
    assert_error(
        &ada.delete(&format!("/messaging/room/{general}/members/{bob_id}/"))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_error(
        &ada.patch(
            &format!("/messaging/room/{general}/"),
            json!({"archived": true}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_error(
        &ada.delete(&format!("/messaging/room/{general}/")).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_eq!(member_names(&ada, general).await.len(), 4);
    // Renaming it is fine (its owner's choice).
    let (status, renamed) = ada
        .patch(
            &format!("/messaging/room/{general}/"),
            json!({"name": "everyone"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["is_default"], true);
    // Someone not on the board sees none of it.
    assert_error(
        &eve.get(&format!("/messaging/room/{general}/history/"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Removed from the board: out of its #general too.
    ada.delete(&format!("/api/boards/{board}/members/{bob_id}"))
        .await;
    assert_eq!(member_names(&ada, general).await, ["ada", "carol", "dan"]);
}

#[tokio::test]
async fn public_rooms_are_listed_readable_and_joinable_by_board_members() {
    let srv = TestServer::start().await;
    let (ada, bob, _carol, eve, board) = team(&srv).await;
    let (status, design) = create(
        &ada,
        board,
        json!({"name": "design", "description": "Pixels"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{design}");
    assert_eq!(design["is_private"], false, "new rooms are public");
    let design = design["id"].as_i64().unwrap();
    ada.send_chat(design, "first mock-up").await;

    // Bob is not in it, but finds it, reads it, and cannot post or count
    // unread there before joining.
    let listed = rooms(&bob, board).await;
    let entry = named(&listed, "design").expect("the public room is listed");
    assert_eq!(entry["member"], false);
    assert_eq!(entry["is_private"], false);
    assert_eq!(entry["unread"], 0);
    assert_eq!(entry["description"], "Pixels");
    let (status, page) = bob.get(&format!("/messaging/room/{design}/history/")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["messages"][0]["content"], "first mock-up");
    let (status, detail) = bob.get(&format!("/messaging/room/{design}/")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_error(
        &bob.post(
            &format!("/messaging/room/{design}/send/"),
            json!({"content": "me too"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let first_id = page["messages"][0]["id"].as_i64().unwrap();
    assert_error(
        &bob.post(
            &format!("/messaging/room/{design}/read/"),
            json!({"message_id": first_id}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Nobody off the board reads or joins it.
    assert_error(
        &eve.get(&format!("/messaging/room/{design}/history/")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &eve.post(&format!("/messaging/room/{design}/join/"), json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Joining: a member now, from the end (no backlog of unread).
    let (status, joined) = bob
        .post(&format!("/messaging/room/{design}/join/"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    assert_eq!(joined["member"], true);
    assert_eq!(joined["unread"], 0);
    assert_eq!(joined["member_count"], 2);
    // Joining again changes nothing.
    let (status, again) = bob
        .post(&format!("/messaging/room/{design}/join/"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["member_count"], 2);
    bob.send_chat(design, "me too").await;
    ada.send_chat(design, "second mock-up").await;
    let entry = rooms(&bob, board).await;
    assert_eq!(named(&entry, "design").unwrap()["unread"], 1);

    // Leaving: listed again as one to join, still readable, no posting.
    let (status, _) = bob
        .post(&format!("/messaging/room/{design}/leave/"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let entry = rooms(&bob, board).await;
    let entry = named(&entry, "design").unwrap();
    assert_eq!(entry["member"], false);
    assert_eq!(entry["unread"], 0);
    assert_error(
        &bob.post(&format!("/messaging/room/{design}/leave/"), json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &bob.post(
            &format!("/messaging/room/{design}/send/"),
            json!({"content": "still here?"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // A name that exists still answers 409 (the UI offers to join it).
    assert_error(
        &create(&bob, board, json!({"name": "Design"})).await,
        StatusCode::CONFLICT,
        "conflict",
    );
}

#[tokio::test]
async fn private_rooms_stay_closed_to_everyone_not_in_them() {
    let srv = TestServer::start().await;
    let (ada, bob, carol, eve, board) = team(&srv).await;
    let (status, secret) = create(
        &bob,
        board,
        json!({"name": "hiring", "is_private": true, "members": ["carol"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{secret}");
    assert_eq!(secret["is_private"], true);
    let secret = secret["id"].as_i64().unwrap();
    bob.send_chat(secret, "candidates").await;
    assert_eq!(member_names(&bob, secret).await, ["bob", "carol"]);
    let listed = rooms(&carol, board).await;
    assert_eq!(named(&listed, "hiring").unwrap()["member"], true);

    let (dan, _) = srv.user("dan").await;
    ada.add_to_board(board, &["dan"]).await;
    // Not listed, not readable, not joinable (403: it takes invitations).
    assert!(named(&rooms(&dan, board).await, "hiring").is_none());
    for path in [
        format!("/messaging/room/{secret}/history/"),
        format!("/messaging/room/{secret}/"),
    ] {
        assert_error(&dan.get(&path).await, StatusCode::NOT_FOUND, "not_found");
    }
    assert_error(
        &dan.post(&format!("/messaging/room/{secret}/join/"), json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &eve.post(&format!("/messaging/room/{secret}/join/"), json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // The board's owner sees it to manage it (as before), not to read it.
    let listed = rooms(&ada, board).await;
    let entry = named(&listed, "hiring").expect("listed to the owner");
    assert_eq!(entry["member"], false);
    assert_eq!(entry["is_private"], true);
    assert_error(
        &ada.get(&format!("/messaging/room/{secret}/history/")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Dan did not end up in it along the way.
    assert_eq!(member_names(&bob, secret).await, ["bob", "carol"]);
}

#[tokio::test]
async fn a_new_room_starts_with_the_people_asked_for() {
    let srv = TestServer::start().await;
    let (ada, bob, _carol, _eve, board) = team(&srv).await;
    let (status, all) = create(
        &bob,
        board,
        json!({"name": "everyone", "add_all_members": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{all}");
    assert_eq!(
        member_names(&bob, all["id"].as_i64().unwrap()).await,
        ["ada", "bob", "carol"]
    );
    let (status, some) = create(
        &bob,
        board,
        json!({"name": "pair", "members": ["Carol", "bob"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{some}");
    assert_eq!(
        member_names(&bob, some["id"].as_i64().unwrap()).await,
        ["bob", "carol"]
    );
    // Someone off the board: refused, named, and no room is made.
    let (status, body) = create(
        &bob,
        board,
        json!({"name": "outside", "members": ["carol", "eve"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_input");
    assert!(body["error"]["message"].as_str().unwrap().contains("eve"));
    assert!(named(&rooms(&ada, board).await, "outside").is_none());
    // Unknown fields are refused, as everywhere.
    assert_error(
        &create(&bob, board, json!({"name": "x", "private": true})).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
}

#[tokio::test]
async fn mentioning_someone_outside_the_room_says_they_were_not_notified() {
    let srv = TestServer::start().await;
    let (ada, bob, carol, _eve, board) = team(&srv).await;
    let (_, design) = create(&ada, board, json!({"name": "design", "members": ["carol"]})).await;
    let design = design["id"].as_i64().unwrap();
    let (status, sent) = ada
        .post(
            &format!("/messaging/room/{design}/send/"),
            json!({"content": "@bob @carol @nobody have a look"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["not_notified"], json!(["bob"]));
    assert_eq!(sent["content"], "@bob @carol @nobody have a look");
    let mentioned: Vec<&str> = sent["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(mentioned, ["carol"]);
    assert_eq!(unread_mentions(&bob).await, 0);
    assert_eq!(unread_mentions(&carol).await, 1);
    // Everyone mentioned is in the room: an empty list.
    let (_, sent) = ada
        .post(
            &format!("/messaging/room/{design}/send/"),
            json!({"content": "thanks @carol"}),
        )
        .await;
    assert_eq!(sent["not_notified"], json!([]));
    // Over the WebSocket, the ack says the same.
    let (mut s, _, _) = open_subscribed(&ada, &format!("room:{design}"), None).await;
    send(
        &mut s,
        json!({"type": "message", "room_id": design, "content": "and @bob", "client_id": "c1"}),
    )
    .await;
    let ack = next_skipping(&mut s, "ack", &["message"]).await;
    assert_eq!(ack["not_notified"], json!(["bob"]), "{ack}");
    // Added (the "Add them" answer), bob is notified from then on.
    let (status, _) = ada
        .post(
            &format!("/messaging/room/{design}/members/"),
            json!({"username": "bob"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, sent) = ada
        .post(
            &format!("/messaging/room/{design}/send/"),
            json!({"content": "@bob now you see it"}),
        )
        .await;
    assert_eq!(sent["not_notified"], json!([]));
    assert_eq!(unread_mentions(&bob).await, 1);
}

#[tokio::test]
async fn a_reader_follows_a_public_room_live_but_cannot_type_or_post_until_joining() {
    let srv = TestServer::start().await;
    let (ada, bob, _carol, _eve, board) = team(&srv).await;
    let (_, design) = create(&ada, board, json!({"name": "design"})).await;
    let design = design["id"].as_i64().unwrap();
    let (mut s, _, subscribed) = open_subscribed(&bob, &format!("room:{design}"), None).await;
    assert_eq!(subscribed["topic"], format!("room:{design}"));
    ada.send_chat(design, "live to readers").await;
    let got = next_of(&mut s, "message").await;
    assert_eq!(got["message"]["content"], "live to readers");
    send(
        &mut s,
        json!({"type": "typing", "room_id": design, "is_typing": true}),
    )
    .await;
    let refused = next(&mut s).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "forbidden");
    send(
        &mut s,
        json!({"type": "message", "room_id": design, "content": "hi", "client_id": "r1"}),
    )
    .await;
    let refused = next_of(&mut s, "error").await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    assert_eq!(refused["client_id"], "r1");
    // Joined: posting works on the same socket.
    bob.post(&format!("/messaging/room/{design}/join/"), json!({}))
        .await;
    send(
        &mut s,
        json!({"type": "message", "room_id": design, "content": "hi", "client_id": "r2"}),
    )
    .await;
    let ack = next_skipping(&mut s, "ack", &["message"]).await;
    assert_eq!(ack["message"]["content"], "hi");
}

#[tokio::test]
async fn a_reader_removed_from_the_board_stops_receiving_the_room() {
    let srv = TestServer::start().await;
    let (ada, bob, _carol, _eve, board) = team(&srv).await;
    let bob_id = srv.user_id_of("bob").await;
    let (_, design) = create(&ada, board, json!({"name": "design"})).await;
    let design = design["id"].as_i64().unwrap();
    let (mut s, _, _) = open_subscribed(&bob, &format!("room:{design}"), None).await;
    send(
        &mut s,
        json!({"type": "subscribe", "topic": format!("user:{bob_id}")}),
    )
    .await;
    next_of(&mut s, "subscribed").await;
    ada.delete(&format!("/api/boards/{board}/members/{bob_id}"))
        .await;
    let access = next_of(&mut s, "access_changed").await;
    assert_eq!(access["member"], false);
    ada.send_chat(design, "not for bob").await;
    quiet(&mut s, 400).await;
    assert_error(
        &bob.get(&format!("/messaging/room/{design}/history/")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

/// The upgrade that brought public rooms, on a database full of the rooms
/// and messages made before it: those stay private (their history is not
/// exposed), every board gets its `#general` with all its members, named
/// `general-2` where a room called general exists.
#[tokio::test]
async fn the_upgrade_keeps_old_rooms_private_and_gives_every_board_a_general_room() {
    let dir = tempfile::tempdir().unwrap();
    // The eight migrations before public rooms.
    let (db_url, pool, postgres) = common::database_before(dir.path(), 20261206000009, 8).await;
    let exec = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query(sql).execute(&pool).await.unwrap() }
    };
    for (id, name) in [(1, "ada"), (2, "bob"), (3, "carol")] {
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, created_at)
             VALUES ($1, $2, $2, 'x', 1)",
        )
        .bind(id as i64)
        .bind(name)
        .execute(&pool)
        .await
        .unwrap();
    }
    exec(
        "INSERT INTO boards (id, name, owner_id, created_at, updated_at)
          VALUES (1, 'Has general', 1, 1, 1), (2, 'Plain', 2, 1, 1), (3, 'Both taken', 1, 1, 1)",
    )
    .await;
    exec(
        "INSERT INTO board_members (board_id, user_id, role, added_at) VALUES
          (1, 1, 'owner', 1), (1, 2, 'member', 1), (1, 3, 'member', 1),
          (2, 2, 'owner', 1), (2, 3, 'member', 1), (3, 1, 'owner', 1)",
    )
    .await;
    exec("INSERT INTO chat_rooms (id, board_id, name, name_key, created_by, created_at, last_seq) VALUES
          (1, 1, 'General', 'general', 1, 1, 2), (2, 1, 'secret', 'secret', 1, 1, 0),
          (3, 3, 'general', 'general', 1, 1, 0), (4, 3, 'general-2', 'general-2', 1, 1, 0)")
    .await;
    exec(
        "INSERT INTO chat_room_members (room_id, user_id, added_at) VALUES
          (1, 1, 1), (1, 2, 1), (2, 1, 1), (3, 1, 1), (4, 1, 1)",
    )
    .await;
    exec(
        "INSERT INTO chat_messages (id, room_id, author_id, content, created_at, seq) VALUES
          (1, 1, 1, 'old one', 1, 1), (2, 1, 2, 'old two', 2, 2)",
    )
    .await;
    common::catch_up_ids(
        &pool,
        postgres,
        &["users", "boards", "chat_rooms", "chat_messages"],
    )
    .await;
    pool.close().await;

    // The server upgrades it on start.
    let srv = TestServer::start_on(dir, db_url).await;
    let pool = &srv.services.pool;
    let rows: Vec<(i64, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT id, board_id, name, is_private, is_default FROM chat_rooms ORDER BY board_id, id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let old: Vec<_> = rows.iter().filter(|r| r.0 <= 4).collect();
    assert!(old.iter().all(|r| r.3 == 1 && r.4 == 0), "{rows:?}");
    let defaults: Vec<(i64, &str)> = rows
        .iter()
        .filter(|r| r.4 == 1)
        .map(|r| (r.1, r.2.as_str()))
        .collect();
    assert_eq!(
        defaults,
        [(1, "general-2"), (2, "general"), (3, "general-3")],
        "{rows:?}"
    );
    assert!(rows.iter().filter(|r| r.4 == 1).all(|r| r.3 == 0));
    let members: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT r.board_id, m.user_id FROM chat_room_members m
         JOIN chat_rooms r ON r.id = m.room_id WHERE r.is_default = 1
         ORDER BY r.board_id, m.user_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(members, [(1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 1)]);
    // Nothing was lost: the old messages and memberships are all there.
    let (messages,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM chat_messages")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(messages, 2);
    let (old_members,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM chat_room_members WHERE room_id <= 4")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(old_members, 5);
    // A new board made after the upgrade gets its #general the new way,
    // and the room ids carry on after the old ones.
    let (ada, _) = srv.user("dora").await;
    let (board, _) = ada.board("Fresh").await;
    let list = rooms(&ada, board).await;
    let general = named(&list, "general").unwrap();
    assert!(general["id"].as_i64().unwrap() > 7, "{general}");
}
