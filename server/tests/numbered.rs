//! The one numbered write path (`services::numbered`), on whichever database
//! the suite runs on (SQLite, or PostgreSQL with `TASKFLOW_TEST_DATABASE`):
//! concurrent writers of one stream get contiguous numbers, a follower gets
//! every item once in number order, a repeated `client_id` stores nothing,
//! and a write that does not commit publishes nothing. (Two instances on
//! one database: `scale_out.rs`.)

mod common;

use std::collections::BTreeSet;

use app::services::hub::{Event, Topic};
use app::services::numbered::{self, NumberedWrite, Sent, Stream};
use common::ws::{next, open_subscribed};
use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

const WRITERS: usize = 6;
const EACH: usize = 8;

/// Every `kind` frame's number from a socket until `n` arrived.
async fn numbers(s: &mut common::ws::Socket, kind: &str, n: usize) -> Vec<i64> {
    let mut got = Vec::new();
    while got.len() < n {
        let f = next(s).await;
        if f["type"] != kind {
            continue;
        }
        let seq = match kind {
            "comment" => f["comment"]["seq"].as_i64(),
            "message" => f["message"]["seq"].as_i64(),
            _ => f["seq"].as_i64(),
        };
        got.push(seq.unwrap());
    }
    got
}

fn contiguous(n: usize) -> Vec<i64> {
    (1..=n as i64).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_get_contiguous_numbers_and_followers_get_them_in_order() {
    let srv = TestServer::start_configured(|a| a.message_rate = 0.0).await;
    let (ada, _) = srv.user("ada").await;
    let (board, columns) = ada.board("Numbers").await;
    let task = ada.task(board, columns[0], "Thread").await;
    let room = ada.room(board, "Talk", &[]).await;
    let (_, board_seq_before) = ada.get(&format!("/api/boards/{board}")).await;
    let board_before = board_seq_before["seq"].as_i64().unwrap();

    let (mut thread, _, _) = open_subscribed(&ada, &format!("task:{task}"), None).await;
    let (mut chat, _, _) = open_subscribed(&ada, &format!("room:{room}"), None).await;
    let (mut live_board, _, _) = open_subscribed(&ada, &format!("board:{board}"), None).await;

    // WRITERS clients at once, each writing EACH comments, messages and cards.
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let c = ada.clone_session();
        let column = columns[w % columns.len()];
        writers.push(tokio::spawn(async move {
            for i in 0..EACH {
                let text = format!("w{w} #{i}");
                let (s, b) = c
                    .post(
                        &format!("/messaging/task/{task}/comments/"),
                        json!({"content": text}),
                    )
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{b}");
                let (s, b) = c
                    .post(
                        &format!("/messaging/room/{room}/send/"),
                        json!({"content": text}),
                    )
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{b}");
                let (s, b) = c
                    .post(
                        &format!("/api/boards/{board}/tasks"),
                        json!({"column_id": column, "title": text}),
                    )
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{b}");
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let n = WRITERS * EACH;
    assert_eq!(numbers(&mut thread, "comment", n).await, contiguous(n));
    assert_eq!(numbers(&mut chat, "message", n).await, contiguous(n));
    let board_seqs = numbers(&mut live_board, "board_event", n).await;
    let expected: Vec<i64> = (board_before + 1..=board_before + n as i64).collect();
    assert_eq!(board_seqs, expected);

    // Stored with the same numbers: no gap, no repeat.
    let pool = &srv.services.pool;
    let stored: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM task_comments WHERE task_id = $1 ORDER BY seq")
            .bind(task)
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(stored, contiguous(n));
    let stored: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM chat_messages WHERE room_id = $1 ORDER BY seq")
            .bind(room)
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(stored, contiguous(n));
    // And a follower that resumes from 0 gets the same, in order.
    let (_, replay, _) = open_subscribed(&ada, &format!("task:{task}"), Some(0)).await;
    let replayed: Vec<i64> = replay.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert_eq!(replayed, contiguous(n));
}

#[tokio::test]
async fn the_write_path_numbers_dedups_and_publishes_only_what_commits() {
    let srv = TestServer::start().await;
    let (ada, ada_id) = srv.user("ada").await;
    let (board, columns) = ada.board("Direct").await;
    let task = ada.task(board, columns[0], "T").await;
    let svc = &srv.services;
    let mut sub = svc.hub.subscriber(64);
    sub.subscribe(Topic::Task(task));

    // A stream that does not exist: 404, nothing written.
    let missing = NumberedWrite::begin(&svc.pool, Stream::Thread(task + 1000)).await;
    assert!(matches!(missing, Err(app::error::AppError::NotFound(_))));

    // Numbers taken in a write that rolls back are taken again by the next
    // one, and nothing of it is published.
    let mut write = NumberedWrite::begin(&svc.pool, Stream::Thread(task))
        .await
        .unwrap();
    assert_eq!(write.next(Stream::Thread(task)).await.unwrap(), 1);
    write.rollback().await.unwrap();
    assert_eq!(Stream::Thread(task).last_seq(&svc.pool).await.unwrap(), 0);
    assert!(sub.try_recv().is_none());

    // Posted with a client_id, then again: one row, the same answer.
    let body = json!({"content": "once", "client_id": "tab-9"});
    let path = format!("/messaging/task/{task}/comments/");
    let (_, first) = ada.post(&path, body.clone()).await;
    let (_, again) = ada.post(&path, body).await;
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["seq"], 1);
    let found = numbered::sent_before(&svc.pool, Sent::Comment, ada_id, "tab-9")
        .await
        .unwrap();
    assert_eq!(found, first["id"].as_i64());
    let none = numbered::sent_before(&svc.pool, Sent::Message, ada_id, "tab-9")
        .await
        .unwrap();
    assert_eq!(none, None, "client_ids are per kind");
    // Published once, with its number.
    let mut seqs = BTreeSet::new();
    while let Some((_, d)) = sub.try_recv() {
        if let Event::Comment { comment } = &d.event {
            assert!(seqs.insert(comment.seq), "published twice: {}", comment.seq);
        }
    }
    assert_eq!(seqs.into_iter().collect::<Vec<_>>(), vec![1]);
    // The unique index is the last word, and it is recognised as a repeat.
    let err = sqlx::query(
        "INSERT INTO task_comments (task_id, author_id, content, created_at, seq, client_id)
         VALUES ($1, $2, 'x', 0, 99, 'tab-9')",
    )
    .bind(task)
    .bind(ada_id)
    .execute(&svc.pool)
    .await
    .unwrap_err();
    assert!(numbered::is_repeat(&err, Sent::Comment), "{err}");
    assert!(!numbered::is_repeat(&err, Sent::Message));
}

/// Each unique key is recognised by name on this database (PostgreSQL's
/// constraint names, SQLite's column lists), so the answer says which
/// thing already exists instead of a generic conflict.
#[tokio::test]
async fn unique_keys_are_recognised_by_name() {
    let srv = TestServer::start().await;
    let (ada, _) = srv.user("ada").await;
    srv.user("bob").await;
    let message = |got: &(StatusCode, serde_json::Value)| {
        assert_eq!(got.0, StatusCode::CONFLICT, "{}", got.1);
        got.1["error"]["message"].as_str().unwrap().to_owned()
    };
    let again = srv
        .client()
        .post(
            "/api/auth/signup",
            json!({"username": "ada", "password": "correct horse battery"}),
        )
        .await;
    assert!(message(&again).contains("is taken"), "{}", again.1);
    let (board, _) = ada.board("Keys").await;
    ada.add_to_board(board, &["bob"]).await;
    let again = ada
        .post(
            &format!("/api/boards/{board}/members"),
            json!({"username": "bob"}),
        )
        .await;
    assert!(message(&again).contains("already a member"), "{}", again.1);
    let room = ada.room(board, "Lobby", &["bob"]).await;
    let again = ada
        .post(
            &format!("/messaging/board/{board}/rooms/create/"),
            json!({"name": "LOBBY"}),
        )
        .await;
    assert!(
        message(&again).contains("already has a room named"),
        "{}",
        again.1
    );
    let again = ada
        .post(
            &format!("/messaging/room/{room}/members/"),
            json!({"username": "bob"}),
        )
        .await;
    assert!(
        message(&again).contains("already in this room"),
        "{}",
        again.1
    );
}
