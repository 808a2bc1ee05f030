//! The JSON API against a real server and a real SQLite database.

mod common;

use common::{assert_error, layout, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn signup_login_logout_and_me() {
    let srv = TestServer::start().await;
    let c = srv.client();
    let (status, body) = c
        .post("/api/auth/signup", json!({"username": "Ada", "password": "correct horse battery", "display_name": "Ada Lovelace"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["username"], "ada", "usernames are stored lower-case");
    assert_eq!(body["display_name"], "Ada Lovelace");
    assert!(body.get("password_hash").is_none());

    let (status, me) = c.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "ada");

    let (status, _) = c.send(Method::POST, "/api/auth/logout", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_error(
        &c.get("/api/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );

    // Wrong password and unknown user look exactly the same.
    let wrong = c
        .post(
            "/api/auth/login",
            json!({"username": "ada", "password": "wrong password"}),
        )
        .await;
    let unknown = c
        .post(
            "/api/auth/login",
            json!({"username": "nobody", "password": "wrong password"}),
        )
        .await;
    assert_error(&wrong, StatusCode::UNAUTHORIZED, "unauthenticated");
    // Each error names its request (for the log), otherwise they are identical.
    let id = |r: &(StatusCode, serde_json::Value)| {
        r.1["error"]["request_id"].as_str().map(str::to_string)
    };
    assert!(id(&wrong).is_some_and(|i| !i.is_empty()));
    assert_ne!(id(&wrong), id(&unknown));
    let without_id = |mut r: (StatusCode, serde_json::Value)| {
        r.1["error"].as_object_mut().map(|e| e.remove("request_id"));
        r
    };
    assert_eq!(without_id(wrong), without_id(unknown));

    let (status, body) = c
        .post(
            "/api/auth/login",
            json!({"username": "ADA", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(c.get("/api/me").await.0, StatusCode::OK);
    srv.stop().await;
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_expiring() {
    let srv = TestServer::start().await;
    let res = srv
        .client()
        .request(Method::POST, "/api/auth/signup")
        .json(&json!({"username": "bob", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("taskflow_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Max-Age="),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    // The database keeps only a hash of the token.
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    let (stored,): (String,) = sqlx::query_as("SELECT token_hash FROM sessions")
        .fetch_one(&srv.services.pool)
        .await
        .unwrap();
    assert_ne!(stored, token);
    assert_eq!(stored.len(), 64);

    // Sessions expire: once past `expires_at` the cookie is worthless.
    let c = srv.client();
    c.post(
        "/api/auth/login",
        json!({"username": "bob", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(c.get("/api/me").await.0, StatusCode::OK);
    sqlx::query("UPDATE sessions SET expires_at = 0")
        .execute(&srv.services.pool)
        .await
        .unwrap();
    assert_error(
        &c.get("/api/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
}

#[tokio::test]
async fn usernames_are_validated_and_unique_ignoring_case() {
    let srv = TestServer::start().await;
    let c = srv.client();
    // (The last ones are reserved for group mentions: @room, @here, …)
    for bad in [
        "ab",
        "has space",
        "ümlaut",
        "a@b",
        &"x".repeat(33),
        "room",
        "Here",
        "everyone",
    ] {
        assert_error(
            &c.post(
                "/api/auth/signup",
                json!({"username": bad, "password": "correct horse battery"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        );
    }
    assert_error(
        &c.post(
            "/api/auth/signup",
            json!({"username": "carol", "password": "short"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    srv.user("carol").await;
    assert_error(
        &srv.client()
            .post(
                "/api/auth/signup",
                json!({"username": "CAROL", "password": "correct horse battery"}),
            )
            .await,
        StatusCode::CONFLICT,
        "conflict",
    );
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&srv.services.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "failed sign-ups created no account");
}

/// An account named `here` before the name was reserved keeps working.
#[tokio::test]
async fn an_account_with_a_name_reserved_later_still_signs_in() {
    let srv = TestServer::start().await;
    let hash = srv
        .services
        .passwords
        .hash("correct horse battery")
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, is_admin, created_at)
         VALUES ('here', 'Here Before', $1, 0, 1)",
    )
    .bind(hash)
    .execute(&srv.services.pool)
    .await
    .unwrap();
    let c = srv.client();
    let (status, me) = c
        .post(
            "/api/auth/login",
            json!({"username": "here", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(c.get("/api/me").await.1["username"], "here");
    srv.stop().await;
}

#[tokio::test]
async fn boards_members_and_access_rules() {
    let srv = TestServer::start().await;
    let (owner, _) = srv.user("owner").await;
    let (member, member_id) = srv.user("member").await;
    let (stranger, _) = srv.user("stranger").await;

    let (board, columns) = owner.board("Roadmap").await;
    assert_eq!(columns.len(), 3, "a new board starts with three columns");
    let (_, list) = owner.get("/api/boards").await;
    assert_eq!(list[0]["name"], "Roadmap");
    assert_eq!(list[0]["role"], "owner");

    // Non-members: the board does not exist for them, and they cannot change it.
    let path = format!("/api/boards/{board}");
    assert_error(
        &stranger.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &stranger.patch(&path, json!({"name": "Mine"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &stranger.delete(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &stranger
            .post(&format!("{path}/columns"), json!({"name": "X"}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &stranger
            .post(
                &format!("{path}/tasks"),
                json!({"column_id": columns[0], "title": "X"}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(
        stranger
            .get("/api/boards")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Adding members: owner only, by username, once.
    assert_error(
        &member
            .post(&format!("{path}/members"), json!({"username": "member"}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let (status, added) = owner
        .post(&format!("{path}/members"), json!({"username": "MEMBER"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["user"]["id"], member_id);
    assert_eq!(added["role"], "member");
    assert_error(
        &owner
            .post(&format!("{path}/members"), json!({"username": "member"}))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_error(
        &owner
            .post(&format!("{path}/members"), json!({"username": "ghost"}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // A member sees and edits the board, but owner-only actions are 403.
    let (status, detail) = member.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["role"], "member");
    assert_eq!(detail["members"].as_array().unwrap().len(), 2);
    assert_error(
        &member.patch(&path, json!({"name": "Hijacked"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &member.delete(&path).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &member
            .post(&format!("{path}/members"), json!({"username": "stranger"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let task = member.task(board, columns[0], "Written by a member").await;
    assert_error(
        &member.delete(&format!("{path}/members/1")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // Owner renames; owner cannot be removed.
    let (status, renamed) = owner.patch(&path, json!({"name": "  Roadmap 2027 "})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["name"], "Roadmap 2027");
    let owner_id = detail["owner_id"].as_i64().unwrap();
    assert_error(
        &owner.delete(&format!("{path}/members/{owner_id}")).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );

    // Removing a member unassigns their tasks and ends their access.
    assert_eq!(
        owner
            .patch(
                &format!("/api/tasks/{task}"),
                json!({"assignee_id": member_id})
            )
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        owner.delete(&format!("{path}/members/{member_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_error(&member.get(&path).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(
        &member.get(&format!("/api/tasks/{task}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let (_, detail) = owner.get(&path).await;
    assert_eq!(detail["tasks"][0]["assignee_id"], serde_json::Value::Null);

    // A member may leave by themself.
    owner
        .post(&format!("{path}/members"), json!({"username": "stranger"}))
        .await;
    let stranger_id = stranger.get("/api/me").await.1["id"].as_i64().unwrap();
    assert_eq!(
        stranger
            .delete(&format!("{path}/members/{stranger_id}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );

    // Delete: the board and everything on it are gone.
    assert_eq!(owner.delete(&path).await.0, StatusCode::NO_CONTENT);
    assert_error(&owner.get(&path).await, StatusCode::NOT_FOUND, "not_found");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tasks")
        .fetch_one(&srv.services.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn columns_are_created_renamed_reordered_and_deleted() {
    let srv = TestServer::start().await;
    let (c, _) = srv.user("ada").await;
    let (board, cols) = c.board("B").await;
    let (status, col) = c
        .post(
            &format!("/api/boards/{board}/columns"),
            json!({"name": "Review"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(col["position"], 3);
    let review = col["id"].as_i64().unwrap();

    let (status, moved) = c
        .patch(
            &format!("/api/columns/{review}"),
            json!({"position": 1, "name": "QA"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["position"], 1);
    assert_eq!(moved["name"], "QA");
    let (_, detail) = c.get(&format!("/api/boards/{board}")).await;
    let order: Vec<i64> = detail["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, vec![cols[0], review, cols[1], cols[2]]);
    let positions: Vec<i64> = detail["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, vec![0, 1, 2, 3]);

    // Past the end is clamped to the end.
    let (_, moved) = c
        .patch(&format!("/api/columns/{review}"), json!({"position": 99}))
        .await;
    assert_eq!(moved["position"], 3);

    // Deleting a column deletes its tasks and closes the gap.
    c.task(board, cols[1], "in doing").await;
    assert_eq!(
        c.delete(&format!("/api/columns/{}", cols[1])).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, detail) = c.get(&format!("/api/boards/{board}")).await;
    assert_eq!(detail["tasks"].as_array().unwrap().len(), 0);
    let positions: Vec<i64> = detail["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, vec![0, 1, 2]);
    assert_error(
        &c.delete(&format!("/api/columns/{}", cols[1])).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn tasks_are_edited_assigned_moved_and_deleted() {
    let srv = TestServer::start().await;
    let (c, me) = srv.user("ada").await;
    let (_, stranger_id) = srv.user("eve").await;
    let (board, cols) = c.board("B").await;
    let a = c.task(board, cols[0], "A").await;
    let b = c.task(board, cols[0], "B").await;
    let t = c.task(board, cols[0], "C").await;

    let (status, task) = c
        .patch(
            &format!("/api/tasks/{a}"),
            json!({"title": " A1 ", "description": "line 1\nline 2", "assignee_id": me}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{task}");
    assert_eq!(task["title"], "A1");
    assert_eq!(task["description"], "line 1\nline 2");
    assert_eq!(task["assignee_id"], me);
    assert_error(
        &c.patch(
            &format!("/api/tasks/{a}"),
            json!({"assignee_id": stranger_id}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    let (_, task) = c
        .patch(&format!("/api/tasks/{a}"), json!({"assignee_id": null}))
        .await;
    assert_eq!(task["assignee_id"], serde_json::Value::Null);

    // Reorder within a column, move across, append by default.
    c.patch(&format!("/api/tasks/{t}"), json!({"position": 0}))
        .await;
    let (_, d) = c.get(&format!("/api/boards/{board}")).await;
    assert_eq!(layout(&d)[0].1, vec![t, a, b]);
    let (_, moved) = c
        .patch(&format!("/api/tasks/{a}"), json!({"column_id": cols[2]}))
        .await;
    assert_eq!(moved["column_id"], cols[2]);
    assert_eq!(moved["position"], 0);
    c.patch(
        &format!("/api/tasks/{b}"),
        json!({"column_id": cols[2], "position": 0}),
    )
    .await;
    let (_, d) = c.get(&format!("/api/boards/{board}")).await;
    assert_eq!(
        layout(&d),
        vec![(cols[0], vec![t]), (cols[1], vec![]), (cols[2], vec![b, a])]
    );

    assert_eq!(
        c.delete(&format!("/api/tasks/{b}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, d) = c.get(&format!("/api/boards/{board}")).await;
    assert_eq!(layout(&d)[2].1, vec![a]);
    assert_error(
        &c.delete(&format!("/api/tasks/{b}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn concurrent_moves_keep_positions_consistent() {
    let srv = TestServer::start().await;
    let (c, _) = srv.user("ada").await;
    let (board, cols) = c.board("Busy").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        tasks.push(c.task(board, cols[i % 3], &format!("task {i}")).await);
    }
    // 60 moves from 6 clients at once, each to a pseudo-random column and position.
    let mut handles = Vec::new();
    for worker in 0..6u64 {
        let client = srv.client();
        client
            .post(
                "/api/auth/login",
                json!({"username": "ada", "password": "correct horse battery"}),
            )
            .await;
        let tasks = tasks.clone();
        let cols = cols.clone();
        handles.push(tokio::spawn(async move {
            let mut seed = worker * 7919 + 17;
            for _ in 0..10 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let task = tasks[(seed >> 33) as usize % tasks.len()];
                let column = cols[(seed >> 40) as usize % cols.len()];
                let position = (seed >> 50) as i64 % 6;
                let (status, body) = client
                    .patch(
                        &format!("/api/tasks/{task}"),
                        json!({"column_id": column, "position": position}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let (_, d) = c.get(&format!("/api/boards/{board}")).await;
    // `layout` asserts positions are exactly 0..n in every column.
    let mut seen: Vec<i64> = layout(&d).into_iter().flat_map(|(_, ids)| ids).collect();
    seen.sort();
    let mut expected = tasks.clone();
    expected.sort();
    assert_eq!(seen, expected, "every task is still on the board, once");
}

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let srv = TestServer::start().await;
    let (status, body) = srv.client().get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

/// Guards the PostgreSQL run of this suite: it must really be on PostgreSQL.
#[tokio::test]
async fn tests_run_on_the_requested_database() {
    use app::services::storage::{dialect, Dialect};
    let srv = TestServer::start().await;
    let expected = if common::on_postgres() {
        Dialect::Postgres
    } else {
        Dialect::Sqlite
    };
    assert_eq!(dialect(&srv.services.pool).await.unwrap(), expected);
}

/// The browser changes tasks through server functions with patches built
/// from `app::model::TaskPatch`: a move or a text edit must never unassign
/// (it once did, sending `"assignee_id": null` for "unchanged").
#[tokio::test]
async fn browser_patches_keep_the_assignee() {
    use app::model::TaskPatch;
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (_, bob_id) = srv.user("bob").await;
    let (board, cols) = ada.board("B").await;
    ada.add_to_board(board, &["bob"]).await;
    let task = ada.task(board, cols[0], "Spec").await;
    ada.task(board, cols[1], "Other").await;
    let (status, _) = ada
        .patch(
            &format!("/api/tasks/{task}"),
            json!({"assignee_id": bob_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let rpc = |patch: TaskPatch| {
        let body = json!({"task_id": task, "patch": patch}).to_string();
        let ada = &ada;
        async move {
            ada.raw(
                Method::POST,
                "/rpc/tasks/update",
                Some("application/json"),
                body,
            )
            .await
        }
    };
    let steps = [
        // A drag or Alt+→ to the next column, Alt+↓ within it, the Column select.
        TaskPatch {
            column_id: Some(cols[1]),
            position: Some(0),
            ..Default::default()
        },
        TaskPatch {
            column_id: Some(cols[1]),
            position: Some(1),
            ..Default::default()
        },
        TaskPatch {
            column_id: Some(cols[2]),
            position: Some(0),
            ..Default::default()
        },
        // Save in the dialog (title and description), Enter in the title.
        TaskPatch {
            title: Some("Spec v2".into()),
            description: Some("More detail".into()),
            ..Default::default()
        },
    ];
    for patch in steps {
        let (status, body) = rpc(patch.clone()).await;
        assert_eq!(status, StatusCode::OK, "{patch:?}: {body}");
        let (_, stored) = ada.get(&format!("/api/tasks/{task}")).await;
        assert_eq!(stored["assignee_id"], bob_id, "after {patch:?}: {stored}");
    }
    let (_, stored) = ada.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(stored["title"], "Spec v2");
    assert_eq!(stored["column_id"], cols[2]);

    // Unassigning is still one explicit null away.
    let (status, body) = rpc(TaskPatch {
        assignee_id: None.into(),
        ..Default::default()
    })
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["assignee_id"], serde_json::Value::Null);

    // A null where a field cannot be empty is refused, and changes nothing.
    for bad in [
        json!({"title": null}),
        json!({"column_id": null}),
        json!({"position": null}),
        json!({"description": null}),
    ] {
        assert_error(
            &ada.patch(&format!("/api/tasks/{task}"), bad.clone()).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        );
    }
    let (_, after) = ada.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(after["title"], "Spec v2");
    assert_eq!(after["column_id"], cols[2]);
}

/// Errors from board changes read as plain language, without internal ids.
#[tokio::test]
async fn board_errors_name_no_internal_ids() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (_, eve_id) = srv.user("eve").await;
    let (board, cols) = ada.board("B").await;
    let (other, other_cols) = ada.board("Other").await;
    let _ = other;
    let task = ada.task(board, cols[0], "T").await;
    for (body, id) in [
        (json!({"column_id": other_cols[0]}), other_cols[0]),
        (json!({"assignee_id": eve_id}), eve_id),
    ] {
        let got = ada.patch(&format!("/api/tasks/{task}"), body).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
        let message = got.1["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.contains(&id.to_string()), "{message}");
        assert!(!message.is_empty());
    }
}

/// Cards show how many comments a task has: kept by every post and deletion.
#[tokio::test]
async fn tasks_count_their_comments() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    let (board, cols) = ada.board("B").await;
    let task = ada.task(board, cols[0], "T").await;
    let path = format!("/messaging/task/{task}/comments/");
    let mut ids = Vec::new();
    for text in ["one", "two", "three"] {
        let (status, c) = ada.post(&path, json!({"content": text})).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        ids.push(c["id"].as_i64().unwrap());
    }
    let count = |board: &serde_json::Value| board["tasks"][0]["comment_count"].clone();
    assert_eq!(count(&ada.get(&format!("/api/boards/{board}")).await.1), 3);
    // An edit changes nothing; a deletion counts once, even when repeated.
    ada.patch(
        &format!("/messaging/comment/{}/", ids[0]),
        json!({"content": "uno"}),
    )
    .await;
    for _ in 0..2 {
        let (status, _) = ada.delete(&format!("/messaging/comment/{}/", ids[1])).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    assert_eq!(count(&ada.get(&format!("/api/boards/{board}")).await.1), 2);
    assert_eq!(
        ada.get(&format!("/api/tasks/{task}")).await.1["comment_count"],
        2
    );
    let (_, page) = ada.get(&path).await;
    assert_eq!(page["count"], 2, "{page}");
}
