//! Archiving instead of destroying, undo as an ordinary change, a card's
//! history derived from the board's changes, and the upgrade that brought
//! them (one assignee becomes a list of them) on a populated database.

mod common;

use common::ws::{next_skipping, open_subscribed, Socket};
use common::{assert_error, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn change(s: &mut Socket) -> (i64, Value) {
    let f = next_skipping(s, "board_event", &["board_presence", "moving"]).await;
    (f["seq"].as_i64().unwrap(), f["change"].clone())
}

/// The titles of a column's live cards, in order, as the board answers.
async fn column_titles(c: &Client, board: i64, column: i64) -> Vec<String> {
    let (_, detail) = c.get(&format!("/api/boards/{board}")).await;
    let tasks = detail["tasks"].as_array().unwrap();
    let mine: Vec<&Value> = tasks.iter().filter(|t| t["column_id"] == column).collect();
    for (i, t) in mine.iter().enumerate() {
        assert_eq!(t["position"], i as i64, "contiguous positions: {detail}");
    }
    mine.iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

async fn post_ok(c: &Client, path: &str) -> Value {
    let (status, body) = c.post(path, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

#[tokio::test]
async fn an_archived_card_leaves_its_column_and_comes_back_where_it_was() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob"]).await;
    let col = columns[0];
    let a = ada.task(board, col, "A").await;
    let b = ada.task(board, col, "B").await;
    ada.task(board, col, "C").await;
    let (mut live, _, _) = open_subscribed(&bob, &format!("board:{board}"), None).await;

    let archived = post_ok(&bob, &format!("/api/tasks/{b}/archive")).await;
    assert!(archived["archived_at"].as_i64().is_some(), "{archived}");
    let (_, c) = change(&mut live).await;
    assert_eq!(c["kind"], "task_archived");
    assert_eq!(c["task"]["id"], b);
    assert_eq!(column_titles(&ada, board, col).await, ["A", "C"]);
    let (_, list) = ada.get("/api/boards").await;
    assert_eq!(list[0]["task_count"], 2);
    // Archived twice: nothing more happens.
    let again = post_ok(&bob, &format!("/api/tasks/{b}/archive")).await;
    assert_eq!(again["archived_at"], archived["archived_at"]);
    // An archived card cannot be edited or moved until restored.
    let got = ada
        .patch(&format!("/api/tasks/{b}"), json!({"title": "B2"}))
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");

    // The archive view lists it; a card moved meanwhile keeps its place.
    let (status, view) = ada.get(&format!("/api/boards/{board}/archive")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["tasks"][0]["id"], b);
    assert_eq!(view["columns"], json!([]));
    let (status, _) = ada
        .patch(&format!("/api/tasks/{a}"), json!({"position": 1}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(column_titles(&ada, board, col).await, ["C", "A"]);
    let restored = post_ok(&ada, &format!("/api/tasks/{b}/restore")).await;
    assert_eq!(restored["archived_at"], Value::Null);
    assert_eq!(restored["position"], 1, "back at its old place");
    assert_eq!(column_titles(&ada, board, col).await, ["C", "B", "A"]);
    change(&mut live).await;
    let (_, c) = change(&mut live).await;
    assert_eq!(c["kind"], "task_restored");
    assert_eq!(c["task"]["position"], 1);
    assert_eq!(
        ada.get(&format!("/api/boards/{board}/archive")).await.1["tasks"],
        json!([])
    );

    // Deleting for good works from the archive too (scripts keep DELETE).
    post_ok(&ada, &format!("/api/tasks/{b}/archive")).await;
    let (status, _) = ada.delete(&format!("/api/tasks/{b}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(column_titles(&ada, board, col).await, ["C", "A"]);
    assert_error(
        &ada.get(&format!("/api/tasks/{b}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn an_archived_column_takes_its_cards_and_brings_them_back() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (board, columns) = ada.board("Launch").await;
    let doing = columns[1];
    ada.task(board, doing, "X").await;
    ada.task(board, doing, "Y").await;
    let (mut live, _, _) = open_subscribed(&ada, &format!("board:{board}"), None).await;

    let (status, _) = ada
        .post(&format!("/api/columns/{doing}/archive"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        change(&mut live).await.1,
        json!({"kind": "column_archived", "column_id": doing})
    );
    let (_, detail) = ada.get(&format!("/api/boards/{board}")).await;
    let names: Vec<&str> = detail["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["To do", "Done"]);
    assert_eq!(detail["columns"][1]["position"], 1);
    assert_eq!(detail["tasks"], json!([]));
    // Cards cannot go into it meanwhile.
    let got = ada
        .post(
            &format!("/api/boards/{board}/tasks"),
            json!({"column_id": doing, "title": "Z"}),
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    let (_, view) = ada.get(&format!("/api/boards/{board}/archive")).await;
    assert_eq!(view["columns"][0]["column"]["id"], doing);
    assert_eq!(view["columns"][0]["task_count"], 2);
    assert_eq!(view["tasks"], json!([]), "its cards go with it");

    let (status, column) = ada
        .post(&format!("/api/columns/{doing}/restore"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{column}");
    assert_eq!(column["position"], 1);
    let (_, c) = change(&mut live).await;
    assert_eq!(c["kind"], "column_restored");
    assert_eq!(c["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(column_titles(&ada, board, doing).await, ["X", "Y"]);
    let (_, detail) = ada.get(&format!("/api/boards/{board}")).await;
    let positions: Vec<i64> = detail["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2]);
}

#[tokio::test]
async fn an_archived_board_is_listed_apart_read_only_until_restored() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob"]).await;
    let (mut bobs_bell, _, _) = open_subscribed(&bob, &format!("user:{bob_id}"), None).await;

    // Only owners archive.
    let got = bob
        .post(&format!("/api/boards/{board}/archive"), json!({}))
        .await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden");
    let summary = post_ok(&ada, &format!("/api/boards/{board}/archive")).await;
    assert!(summary["archived_at"].as_i64().is_some(), "{summary}");
    let f = next_skipping(
        &mut bobs_bell,
        "board_list_changed",
        &["notification", "access_changed"],
    )
    .await;
    assert_eq!(f["board_id"], board);
    let (_, list) = bob.get("/api/boards").await;
    assert!(list[0]["archived_at"].as_i64().is_some());
    let (status, detail) = bob.get(&format!("/api/boards/{board}")).await;
    assert_eq!(status, StatusCode::OK, "still readable");
    assert!(detail["archived_at"].as_i64().is_some());
    let got = bob
        .post(
            &format!("/api/boards/{board}/tasks"),
            json!({"column_id": columns[0], "title": "No"}),
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    let restored = post_ok(&ada, &format!("/api/boards/{board}/restore")).await;
    assert_eq!(restored["archived_at"], Value::Null);
    bob.task(board, columns[0], "Yes").await;
}

#[tokio::test]
async fn undo_is_an_ordinary_change_and_history_follows_the_card() {
    let srv = TestServer::start().await;
    let (ada, ada_id) = srv.user("ada").await;
    let (bob, bob_id) = srv.user("bob").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob"]).await;
    let task = ada.task(board, columns[0], "Ship").await;
    let (_, bug) = ada
        .post(
            &format!("/api/boards/{board}/labels"),
            json!({"name": "Bug", "color": "red"}),
        )
        .await;
    let bug = bug["id"].as_i64().unwrap();
    let (mut live, _, _) = open_subscribed(&bob, &format!("board:{board}"), None).await;

    // A move, then its undo (the move back), each a numbered change.
    let (_, moved) = ada
        .patch(
            &format!("/api/tasks/{task}"),
            json!({"column_id": columns[2]}),
        )
        .await;
    let (s1, c1) = change(&mut live).await;
    assert_eq!(c1["kind"], "task_moved");
    let (status, back) = ada
        .post(
            &format!("/api/tasks/{task}/move"),
            json!({"column_id": columns[0], "after_id": null, "version": moved["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    let (s2, c2) = change(&mut live).await;
    assert_eq!(
        (s2, c2["task"]["column_id"].clone()),
        (s1 + 1, json!(columns[0]))
    );

    // More history: renamed, assigned, dated, labelled, done, archived and
    // restored (the archive's undo).
    ada.patch(
        &format!("/api/tasks/{task}"),
        json!({"title": "Ship it", "assignee_ids": [bob_id], "due_at": 1_900_000_000_000i64}),
    )
    .await;
    bob.send(
        reqwest::Method::PUT,
        &format!("/api/tasks/{task}/labels/{bug}"),
        None,
    )
    .await;
    bob.patch(&format!("/api/tasks/{task}"), json!({"done": true}))
        .await;
    post_ok(&bob, &format!("/api/tasks/{task}/archive")).await;
    post_ok(&ada, &format!("/api/tasks/{task}/restore")).await;
    // Renaming the column later does not rewrite history.
    ada.patch(
        &format!("/api/columns/{}", columns[2]),
        json!({"name": "Shipped"}),
    )
    .await;

    let (status, page) = bob.get(&format!("/api/tasks/{task}/activity")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let entries = page["activity"].as_array().unwrap();
    let seen: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            let mut what = e.clone();
            let obj = what.as_object_mut().unwrap();
            for k in ["id", "task_id", "actor", "at", "seq", "kind"] {
                obj.remove(k);
            }
            (
                e["kind"].as_str().unwrap().to_string(),
                serde_json::to_string(&what).unwrap(),
            )
        })
        .collect();
    let expected: Vec<(&str, Value)> = vec![
        ("created", json!({"column": "To do"})),
        (
            "moved",
            json!({"from_column": "To do", "to_column": "Done"}),
        ),
        (
            "moved",
            json!({"from_column": "Done", "to_column": "To do"}),
        ),
        ("renamed", json!({"from": "Ship", "to": "Ship it"})),
        ("assigned", json!({"user_ids": [bob_id]})),
        ("due_set", json!({"due_at": 1_900_000_000_000i64})),
        ("labelled", json!({"label": "Bug"})),
        ("done", json!({})),
        ("archived", json!({})),
        ("restored", json!({})),
    ];
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(k, v)| (k.to_string(), serde_json::to_string(&v).unwrap()))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(entries[0]["actor"]["id"], ada_id);
    assert_eq!(entries[7]["actor"]["username"], "bob");
    assert_eq!(entries[1]["seq"], s1);
    assert_eq!(page["has_more"], false);
    // Keyset pages, oldest first within each.
    let (_, newest) = bob
        .get(&format!("/api/tasks/{task}/activity?limit=3"))
        .await;
    assert_eq!(newest["has_more"], true);
    let kinds: Vec<&str> = newest["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["done", "archived", "restored"]);
    let before = newest["activity"][0]["id"].as_i64().unwrap();
    let (_, older) = bob
        .get(&format!(
            "/api/tasks/{task}/activity?limit=3&before={before}"
        ))
        .await;
    assert_eq!(older["activity"][2]["kind"], "labelled");
    let got = bob
        .get(&format!("/api/tasks/{task}/activity?limit=x"))
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    let (eve, _) = srv.user("eve").await;
    assert_error(
        &eve.get(&format!("/api/tasks/{task}/activity")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // The dialog's timeline: the same history, phrased, with the comments
    // in their place (a deleted one is not there), oldest first.
    bob.comment(task, "Looks   good\nto me").await;
    let gone = ada.comment(task, "typo").await;
    let (status, _) = ada
        .delete(&format!("/messaging/comment/{}/", gone["id"]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let body = json!({ "task_id": task }).to_string();
    let (status, lines) = bob
        .raw(
            reqwest::Method::POST,
            "/rpc/tasks/timeline",
            Some("application/json"),
            body.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{lines}");
    let said: Vec<String> = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{} {}",
                l["actor"].as_str().unwrap(),
                l["text"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            "ada created this card in To do",
            "ada moved this card from To do to Done",
            "ada moved this card from Done to To do",
            "ada renamed this card to “Ship it”",
            "ada added bob",
            "ada set the due date to",
            "bob added the label “Bug”",
            "bob marked this card done",
            "bob archived this card",
            "ada restored this card",
            "bob commented: “Looks good to me”",
        ]
    );
    assert_eq!(lines[5]["due_at"], 1_900_000_000_000i64);
    assert_eq!(lines[10]["comment"], true);
    let (status, _) = eve
        .raw(
            reqwest::Method::POST,
            "/rpc/tasks/timeline",
            Some("application/json"),
            body,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The upgrade to several assignees, labels, checklists and history on a
/// database full of what came before: every assignment kept (and still the
/// one-assignee field), every card starting its history with its creation,
/// positions and notifications untouched, new ids carrying on.
#[tokio::test]
async fn the_upgrade_keeps_every_assignment_and_starts_every_history() {
    let dir = tempfile::tempdir().unwrap();
    let (db_url, pool, postgres) = common::database_before(dir.path(), 20261206000012, 11).await;
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
    exec(
        "INSERT INTO board_columns (id, board_id, name, position, created_at) VALUES
          (1, 1, 'To do', 0, 1), (2, 1, 'Doing', 1, 1)",
    )
    .await;
    exec(
        "INSERT INTO tasks (id, board_id, column_id, title, position, assignee_id, created_by,
                            created_at, updated_at) VALUES
          (1, 1, 1, 'Pick a date', 0, 2, 1, 10, 20), (2, 1, 1, 'Book a room', 1, NULL, 2, 11, 11),
          (3, 1, 2, 'Invite', 0, 3, 1, 12, 30)",
    )
    .await;
    exec(
        "INSERT INTO notifications (id, recipient_id, sender_id, kind, board_id, task_id,
                                    snippet, created_at, read_at, context, board_name) VALUES
          (1, 2, 1, 'assigned', 1, 1, 'Pick a date', 5, NULL, 'Pick a date', 'Launch'),
          (2, 3, 1, 'added_to_board', 1, NULL, '', 6, 7, '', 'Launch')",
    )
    .await;
    common::catch_up_ids(
        &pool,
        postgres,
        &["users", "boards", "board_columns", "tasks", "notifications"],
    )
    .await;
    pool.close().await;

    let srv = TestServer::start_on(dir, db_url).await;
    let pool = &srv.services.pool;
    let assignees: Vec<(i64, i64)> =
        sqlx::query_as("SELECT task_id, user_id FROM task_assignees ORDER BY task_id")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(assignees, [(1, 2), (3, 3)]);
    let notes: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT id, kind, read_at FROM notifications ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(
        notes,
        [
            (1, "assigned".into(), None),
            (2, "added_to_board".into(), Some(7))
        ]
    );
    let history: Vec<(i64, String)> =
        sqlx::query_as("SELECT task_id, detail FROM task_activity ORDER BY task_id")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(
        serde_json::from_str::<Value>(&history[2].1).unwrap(),
        json!({"kind": "created", "column": "Doing"})
    );

    // Through the API: the same cards, their people, their history.
    // Ada logs in with the password a new account has (the old rows' hash
    // is a placeholder).
    srv.user("zed").await;
    sqlx::query(
        "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'zed')
         WHERE username = 'ada'",
    )
    .execute(pool)
    .await
    .unwrap();
    let ada = Client::new(&srv.base, Some(&srv.base));
    let (status, body) = ada
        .post(
            "/api/auth/login",
            json!({"username": "ada", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, detail) = ada.get("/api/boards/1").await;
    let people: Vec<(Value, Value)> = detail["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["assignee_id"].clone(), t["assignee_ids"].clone()))
        .collect();
    assert_eq!(
        people,
        [
            (json!(2), json!([2])),
            (json!(null), json!([])),
            (json!(3), json!([3]))
        ]
    );
    let (_, page) = ada.get("/api/tasks/1/activity").await;
    assert_eq!(page["activity"][0]["kind"], "created");
    assert_eq!(page["activity"][0]["column"], "To do");
    assert_eq!(page["activity"][0]["actor"]["username"], "ada");
    assert_eq!(page["activity"][0]["at"], 10);
    // New rows carry on after the old ids; the new kinds are stored.
    let t = ada.task(1, 1, "Fresh").await;
    assert!(t > 3);
    let (status, _) = ada
        .patch(&format!("/api/tasks/{t}"), json!({"assignee_ids": [2, 3]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, t1) = ada.get(&format!("/api/tasks/{t}")).await;
    assert_eq!(t1["assignee_ids"], json!([2, 3]));
    let (id,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM notifications")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(id > 2);
}
