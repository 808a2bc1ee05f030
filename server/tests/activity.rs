//! Notifications that matter beyond @mentions: assigned a card, added to a
//! board or a room, comments on a card one watches — one bell entry per
//! card and kind, updated rather than repeated, never for one's own action,
//! live in every tab; watching and unwatching (which sticks); and the
//! upgrade that brought them, on a populated database.

mod common;

use common::ws::{next_skipping, open_subscribed};
use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn notifications(c: &Client) -> Vec<Value> {
    let (status, page) = c.get("/messaging/notifications/").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["notifications"].as_array().unwrap().clone()
}

fn of_kind<'a>(list: &'a [Value], kind: &str) -> Vec<&'a Value> {
    list.iter().filter(|n| n["kind"] == kind).collect()
}

async fn unread(c: &Client) -> i64 {
    let (_, page) = c.get("/messaging/notifications/").await;
    page["unread"].as_i64().unwrap()
}

async fn comment(c: &Client, task: i64, content: &str) -> i64 {
    c.comment(task, content).await["id"].as_i64().unwrap()
}

async fn watching(c: &Client, task: i64) -> bool {
    let (status, body) = c.get(&format!("/api/tasks/{task}/watch")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["watching"].as_bool().unwrap()
}

#[tokio::test]
async fn being_added_or_assigned_reaches_the_bell_live_and_never_for_ones_own_action() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (board, columns) = ada.board("Launch").await;
    let (mut bell, _, _) = open_subscribed(&bob, &format!("user:{bob_id}"), None).await;

    // Added to a board by its owner: told live, naming the board.
    ada.add_to_board(board, &["bob"]).await;
    let event = next_skipping(&mut bell, "notification", &["access_changed"]).await;
    let n = &event["notification"];
    assert_eq!(n["kind"], "added_to_board", "{event}");
    assert_eq!(n["board_name"], "Launch");
    assert_eq!(n["sender"]["username"], "ada");
    assert_eq!(n["link"], format!("/boards/{board}"));
    assert_eq!(event["unread"], 1);

    // Assigned a card: told once, with the card and the board.
    let task = ada.task(board, columns[0], "Write the release notes").await;
    let (status, body) = ada
        .patch(
            &format!("/api/tasks/{task}"),
            json!({"assignee_id": bob_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let event = next_skipping(&mut bell, "notification", &["access_changed"]).await;
    let n = &event["notification"];
    assert_eq!(n["kind"], "assigned", "{event}");
    assert_eq!(n["context"], "Write the release notes");
    assert_eq!(n["board_name"], "Launch");
    assert_eq!(n["task_id"], task);
    assert_eq!(n["link"], format!("/boards/{board}/tasks/{task}"));
    // Saving the card again (same assignee) tells nobody anything.
    let (status, _) = ada
        .patch(
            &format!("/api/tasks/{task}"),
            json!({"title": "Write the notes"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The assignee watches the card from now on.
    assert!(watching(&bob, task).await);
    assert!(watching(&ada, task).await, "the creator watches it");

    // One's own actions: assigning oneself, joining a public room, making a
    // room: no bell entry.
    let mine = bob.task(board, columns[0], "Mine").await;
    let (status, _) = bob
        .patch(
            &format!("/api/tasks/{mine}"),
            json!({"assignee_id": bob_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, design) = ada
        .post(
            &format!("/messaging/board/{board}/rooms/create/"),
            json!({"name": "design"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{design}");
    let design = design["id"].as_i64().unwrap();
    let (status, _) = bob
        .post(&format!("/messaging/room/{design}/join/"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unread(&bob).await, 2);

    // Added to a room by someone else (at its creation, or later): told.
    let (status, ops) = ada
        .post(
            &format!("/messaging/board/{board}/rooms/create/"),
            json!({"name": "ops", "is_private": true, "members": ["bob"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ops}");
    let ops = ops["id"].as_i64().unwrap();
    let event = next_skipping(&mut bell, "notification", &["access_changed"]).await;
    assert_eq!(event["notification"]["kind"], "added_to_room", "{event}");
    assert_eq!(event["notification"]["context"], "#ops");
    assert_eq!(
        event["notification"]["link"],
        format!("/boards/{board}?room={ops}")
    );
    let (carol, _) = srv.user("carol").await;
    ada.add_to_board(board, &["carol"]).await;
    let (status, _) = ada
        .post(
            &format!("/messaging/room/{ops}/members/"),
            json!({"username": "carol"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let kinds: Vec<Value> = notifications(&carol)
        .await
        .iter()
        .map(|n| n["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("added_to_room"), json!("added_to_board")]);

    // Joining through an invite link is one's own doing: no entry.
    let (status, invite) = ada
        .post(&format!("/api/boards/{board}/invites"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    let (dan, _) = srv.user("dan").await;
    let token = invite["token"].as_str().unwrap();
    let (status, _) = dan
        .post(&format!("/api/invites/{token}/accept"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(notifications(&dan).await.is_empty());
    // And nobody hears of their own doing.
    assert!(notifications(&ada).await.is_empty());
}

#[tokio::test]
async fn comments_on_a_watched_card_make_one_entry_per_card_that_counts_them() {
    let srv = TestServer::start().await;
    let (ada, ada_id) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (carol, _) = srv.user("carol").await;
    let (dan, _) = srv.user("dan").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob", "carol", "dan"]).await;
    let task = ada.task(board, columns[0], "Pick a date").await;
    let (mut bell, _, _) = open_subscribed(&ada, &format!("user:{ada_id}"), None).await;

    // Bob comments: Ada (the creator) hears of it; Bob now watches it.
    comment(&bob, task, "Friday works for me").await;
    let event = next_skipping(&mut bell, "notification", &[]).await;
    let first = &event["notification"];
    assert_eq!(first["kind"], "task_comment", "{event}");
    assert_eq!(first["occurrences"], 1);
    assert_eq!(first["snippet"], "Friday works for me");
    assert_eq!(first["context"], "Pick a date");
    assert_eq!(first["board_name"], "Launch");
    assert!(first["link"]
        .as_str()
        .unwrap()
        .starts_with(&format!("/boards/{board}/tasks/{task}?comment=")));
    assert!(watching(&bob, task).await);
    assert!(!watching(&carol, task).await);

    // Carol comments twice: still one entry for Ada, counting three, at
    // the top; the old one leaves every tab's list.
    comment(&carol, task, "Or Monday?").await;
    let removed = next_skipping(&mut bell, "notifications_updated", &[]).await;
    assert_eq!(removed["removed"], json!([first["id"]]), "{removed}");
    let event = next_skipping(&mut bell, "notification", &[]).await;
    assert_eq!(event["notification"]["occurrences"], 2);
    assert_eq!(event["unread"], 1);
    comment(&carol, task, "Monday it is").await;
    let list = notifications(&ada).await;
    let entries = of_kind(&list, "task_comment");
    assert_eq!(entries.len(), 1, "{list:?}");
    assert_eq!(entries[0]["occurrences"], 3);
    assert_eq!(entries[0]["snippet"], "Monday it is");
    assert_eq!(entries[0]["sender"]["username"], "carol");
    assert_eq!(unread(&ada).await, 1);
    // Bob (a watcher since he commented) has his own entry; Carol none.
    assert_eq!(
        of_kind(&notifications(&bob).await, "task_comment")[0]["occurrences"],
        2
    );
    assert!(of_kind(&notifications(&carol).await, "task_comment").is_empty());

    // A comment that mentions Ada is a mention, not a second entry.
    comment(&dan, task, "@ada can you confirm?").await;
    let list = notifications(&ada).await;
    assert_eq!(of_kind(&list, "comment_mention").len(), 1);
    assert_eq!(of_kind(&list, "task_comment")[0]["occurrences"], 3);

    // Once read, the next comment starts a new entry.
    let read_id = of_kind(&list, "task_comment")[0]["id"].as_i64().unwrap();
    let (status, _) = ada
        .post(
            &format!("/messaging/notifications/{read_id}/read/"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    comment(&carol, task, "Booked").await;
    let list = notifications(&ada).await;
    let entries = of_kind(&list, "task_comment");
    assert_eq!(entries.len(), 2, "{list:?}");
    assert_eq!(entries[0]["occurrences"], 1);
    assert_eq!(entries[0]["read"], false);
    assert_eq!(entries[1]["read"], true);
}

#[tokio::test]
async fn an_unwatch_sticks_and_anyone_on_the_board_may_watch() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (carol, _) = srv.user("carol").await;
    let (eve, _) = srv.user("eve").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob", "carol"]).await;
    let task = ada.task(board, columns[0], "Pick a date").await;

    // Ada unwatches her own card: it sticks, even when she comments again.
    let (status, body) = ada.delete(&format!("/api/tasks/{task}/watch")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"task_id": task, "watching": false}));
    comment(&ada, task, "Thinking about it").await;
    assert!(!watching(&ada, task).await);
    comment(&bob, task, "Friday?").await;
    assert!(of_kind(&notifications(&ada).await, "task_comment").is_empty());

    // Carol never touched it, and watches it: the next comment reaches her.
    let (status, body) = carol
        .send(
            reqwest::Method::PUT,
            &format!("/api/tasks/{task}/watch"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["watching"], true);
    assert!(watching(&carol, task).await);
    comment(&bob, task, "Or Monday").await;
    assert_eq!(
        of_kind(&notifications(&carol).await, "task_comment").len(),
        1
    );

    // Someone off the board can neither see nor watch it.
    assert_error(
        &eve.get(&format!("/api/tasks/{task}/watch")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &eve.delete(&format!("/api/tasks/{task}/watch")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &carol.get("/api/tasks/abc/watch").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // A watcher removed from the board hears nothing more.
    let carol_id = srv.user_id_of("carol").await;
    let (status, _) = ada
        .delete(&format!("/api/boards/{board}/members/{carol_id}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    comment(&bob, task, "Monday then").await;
    let list = notifications(&carol).await;
    assert_eq!(
        of_kind(&list, "task_comment")[0]["occurrences"],
        1,
        "{list:?}"
    );
}

/// The upgrade that brought watching and the new kinds, on a database full
/// of what came before: every notification kept (ids, kinds, read or not),
/// the board's name filled in, creators, assignees and commenters watching
/// their cards, and new notification ids carrying on after the old ones.
#[tokio::test]
async fn the_upgrade_keeps_every_notification_and_makes_people_watch_their_cards() {
    let dir = tempfile::tempdir().unwrap();
    let (db_url, pool, postgres) = common::database_before(dir.path(), 20261206000011, 10).await;
    let exec = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query(sql).execute(&pool).await.unwrap() }
    };
    exec(
        "INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES
          (1, 'ada', 'Ada', 'x', 1), (2, 'bob', 'Bob', 'x', 1), (3, 'carol', 'Carol', 'x', 1)",
    )
    .await;
    exec("INSERT INTO boards (id, name, owner_id, created_at, updated_at) VALUES (1, 'Launch', 1, 1, 1)")
        .await;
    exec(
        "INSERT INTO board_members (board_id, user_id, role, added_at) VALUES
          (1, 1, 'owner', 1), (1, 2, 'member', 1), (1, 3, 'member', 1)",
    )
    .await;
    exec("INSERT INTO board_columns (id, board_id, name, position, created_at) VALUES (1, 1, 'To do', 0, 1)")
        .await;
    exec(
        "INSERT INTO tasks (id, board_id, column_id, title, position, assignee_id, created_by,
                            created_at, updated_at, comment_seq) VALUES
          (1, 1, 1, 'Pick a date', 0, 2, 1, 1, 1, 2), (2, 1, 1, 'Book a room', 1, NULL, 2, 1, 1, 0)",
    )
    .await;
    exec(
        "INSERT INTO task_comments (id, task_id, author_id, content, created_at, seq) VALUES
          (1, 1, 3, '@ada Friday?', 5, 1), (2, 1, 3, '@bob ok?', 6, 2)",
    )
    .await;
    exec(
        "INSERT INTO notifications (id, recipient_id, sender_id, kind, board_id, task_id,
                                    comment_id, snippet, created_at, read_at, context) VALUES
          (1, 1, 3, 'comment_mention', 1, 1, 1, '@ada Friday?', 5, 7, 'Pick a date'),
          (2, 2, 3, 'comment_mention', 1, 1, 2, '@bob ok?', 6, NULL, 'Pick a date'),
          (3, 2, 3, 'comment_mention', 1, 1, 1, 'gone', 6, NULL, 'Pick a date')",
    )
    .await;
    // (Before the delete below: on PostgreSQL the identity had reached 3.)
    common::catch_up_ids(
        &pool,
        postgres,
        &[
            "users",
            "boards",
            "board_columns",
            "tasks",
            "task_comments",
            "notifications",
        ],
    )
    .await;
    // The newest one was deleted before the upgrade: its id is not reused.
    exec("DELETE FROM notifications WHERE id = 3").await;
    pool.close().await;

    let srv = TestServer::start_on(dir, db_url).await;
    let pool = &srv.services.pool;
    let kept: Vec<(i64, i64, String, Option<i64>, String, i64)> = sqlx::query_as(
        "SELECT id, recipient_id, kind, read_at, board_name, occurrences FROM notifications ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        kept,
        [
            (1, 1, "comment_mention".into(), Some(7), "Launch".into(), 1),
            (2, 2, "comment_mention".into(), None, "Launch".into(), 1),
        ]
    );
    let watchers: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT task_id, user_id, watching FROM task_watchers ORDER BY task_id, user_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    // Card 1: Ada made it, Bob has it, Carol commented; card 2: Bob made it.
    assert_eq!(watchers, [(1, 1, 1), (1, 2, 1), (1, 3, 1), (2, 2, 1)]);
    // Nothing else was touched.
    let (comments,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM task_comments")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(comments, 2);

    // The new kinds are stored, and ids carry on after the old ones.
    let (dora, _) = srv.user("dora").await;
    let (board, columns) = dora.board("Fresh").await;
    let (eli, _) = srv.user("eli").await;
    dora.add_to_board(board, &["eli"]).await;
    let task = dora.task(board, columns[0], "First").await;
    comment(&eli, task, "hello").await;
    let list = notifications(&dora).await;
    assert_eq!(list[0]["kind"], "task_comment");
    assert!(list[0]["id"].as_i64().unwrap() > 3, "{list:?}");
    assert_eq!(notifications(&eli).await[0]["kind"], "added_to_board");
}
