//! The live board (issue 12): every board change is a numbered event on
//! `board:{id}`, resumable after a disconnect and a restart; moves say where
//! relative to a neighbour and carry the card's version; stale moves and
//! edits change nothing (409 with the current card); a removed member gets
//! nothing more. Against the real server, over real WebSockets.

mod common;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use app::model::BoardDetail;
use app::protocol::Event;
use common::ws::{next, next_of, next_skipping, open_subscribed, quiet, send, Socket};
use common::{assert_error, layout, Client, TestServer};

const PASSWORD: &str = "correct horse battery";

struct Team {
    ada: Client,
    bob: Client,
    board: i64,
    columns: Vec<i64>,
}

/// Ada owns a board; Bob is on it; Carol exists (not on it).
async fn team(srv: &TestServer) -> (Team, i64) {
    let (ada, _) = srv.user("ada").await;
    let (bob, _) = srv.user("bob").await;
    let (_, carol) = srv.user("carol").await;
    let (board, columns) = ada.board("Launch").await;
    ada.add_to_board(board, &["bob"]).await;
    (
        Team {
            ada,
            bob,
            board,
            columns,
        },
        carol,
    )
}

/// The next board change on a socket: (seq, change).
async fn next_change(s: &mut Socket) -> (i64, Value) {
    let f = next_skipping(s, "board_event", &["moving"]).await;
    (f["seq"].as_i64().unwrap(), f["change"].clone())
}

async fn board_seq(c: &Client, board: i64) -> i64 {
    let (status, detail) = c.get(&format!("/api/boards/{board}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    detail["seq"].as_i64().expect("the board's seq")
}

async fn move_task(c: &Client, task: i64, body: Value) -> (StatusCode, Value) {
    c.post(&format!("/api/tasks/{task}/move"), body).await
}

async fn version_of(c: &Client, task: i64) -> i64 {
    c.get(&format!("/api/tasks/{task}")).await.1["version"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn every_board_change_reaches_members_in_order_with_its_new_state() {
    let srv = TestServer::start().await;
    let (t, _) = team(&srv).await;
    let (mut bob, replay, subscribed) =
        open_subscribed(&t.bob, &format!("board:{}", t.board), None).await;
    assert!(replay.is_empty());
    let start = subscribed["seq"].as_i64().expect("subscribed carries seq");
    assert_eq!(start, board_seq(&t.bob, t.board).await);

    let (todo, doing) = (t.columns[0], t.columns[1]);
    let task = t.ada.task(t.board, todo, "Write the launch post").await;
    let other = t.ada.task(t.board, todo, "Book the venue").await;
    let bob_id = t.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    t.ada
        .patch(
            &format!("/api/tasks/{task}"),
            json!({"title": "Write the post", "assignee_id": bob_id}),
        )
        .await;
    let version = version_of(&t.ada, task).await;
    let (status, moved) = move_task(
        &t.ada,
        task,
        json!({"column_id": doing, "after_id": null, "version": version}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let (_, column) = t
        .ada
        .post(
            &format!("/api/boards/{}/columns", t.board),
            json!({"name": "Review"}),
        )
        .await;
    let column = column["id"].as_i64().unwrap();
    t.ada
        .patch(&format!("/api/columns/{column}"), json!({"name": "QA"}))
        .await;
    t.ada
        .patch(&format!("/api/columns/{column}"), json!({"position": 0}))
        .await;
    t.ada.add_to_board(t.board, &["carol"]).await;
    let carol = t.ada.get(&format!("/api/boards/{}", t.board)).await.1["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["username"] == "carol")
        .unwrap()["user"]["id"]
        .as_i64()
        .unwrap();
    let (status, _) = t
        .ada
        .delete(&format!("/api/boards/{}/members/{carol}", t.board))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    t.ada.delete(&format!("/api/tasks/{other}")).await;
    t.ada.delete(&format!("/api/columns/{column}")).await;
    t.ada
        .patch(
            &format!("/api/boards/{}", t.board),
            json!({"name": "Launch v2"}),
        )
        .await;

    let mut kinds = Vec::new();
    let mut changes = Vec::new();
    for expected in start + 1..=start + 12 {
        let (seq, change) = next_change(&mut bob).await;
        assert_eq!(seq, expected, "contiguous numbers, in order: {change}");
        kinds.push(change["kind"].as_str().unwrap().to_string());
        changes.push(change);
    }
    assert_eq!(
        kinds,
        [
            "task_created",
            "task_created",
            "task_edited",
            "task_moved",
            "column_created",
            "column_renamed",
            "column_moved",
            "member_added",
            "member_removed",
            "task_deleted",
            "column_deleted",
            "board_renamed",
        ]
    );
    // Each carries the new state of what changed.
    assert_eq!(changes[2]["task"]["title"], "Write the post");
    assert_eq!(changes[2]["task"]["assignee_id"], bob_id);
    assert_eq!(changes[3]["task"]["column_id"], doing);
    assert_eq!(changes[3]["task"]["position"], 0);
    assert_eq!(
        changes[3]["task"], moved,
        "the move's answer is the event's task"
    );
    assert_eq!(changes[5]["column"]["name"], "QA");
    assert_eq!(changes[6]["column"]["position"], 0);
    assert_eq!(changes[7]["member"]["user"]["username"], "carol");
    assert_eq!(changes[8]["user_id"], carol);
    assert_eq!(changes[9]["task_id"], other);
    assert_eq!(changes[10]["column_id"], column);
    assert_eq!(changes[11]["name"], "Launch v2");
    assert_eq!(board_seq(&t.ada, t.board).await, start + 12);
    quiet(&mut bob, 200).await;

    // The board deleted: the last event its followers get.
    let (status, _) = t.ada.delete(&format!("/api/boards/{}", t.board)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (seq, change) = next_change(&mut bob).await;
    assert_eq!(
        (seq, change["kind"].as_str()),
        (start + 13, Some("board_deleted"))
    );
}

/// A follower that applies the events to the board it loaded ends with the
/// board the server has: the typed client rules (`BoardDetail::apply`).
fn applied(mut board: BoardDetail, frames: &[Value]) -> BoardDetail {
    for frame in frames {
        let event: Event = serde_json::from_value(frame.clone()).expect("a board event");
        let Event::BoardEvent { seq, change, .. } = event else {
            panic!("not a board event: {frame}");
        };
        assert_eq!(seq, board.seq + 1, "in order, none missing");
        board.apply(&change);
        board.seq = seq;
    }
    board
}

fn same_board(a: &BoardDetail, b: &BoardDetail) {
    let cols = |d: &BoardDetail| -> Vec<(i64, String, i64)> {
        d.columns
            .iter()
            .map(|c| (c.id, c.name.clone(), c.position))
            .collect()
    };
    let tasks = |d: &BoardDetail| -> Vec<(i64, i64, i64, String, Option<i64>, i64)> {
        let mut t: Vec<_> = d
            .tasks
            .iter()
            .map(|t| {
                (
                    t.id,
                    t.column_id,
                    t.position,
                    t.title.clone(),
                    t.assignee_id,
                    t.version,
                )
            })
            .collect();
        t.sort();
        t
    };
    assert_eq!(cols(a), cols(b), "columns");
    assert_eq!(tasks(a), tasks(b), "tasks");
    assert_eq!(a.name, b.name);
    assert_eq!(a.seq, b.seq);
    let members = |d: &BoardDetail| d.members.iter().map(|m| m.user.id).collect::<Vec<_>>();
    assert_eq!(members(a), members(b));
}

async fn detail(c: &Client, board: i64) -> BoardDetail {
    let (status, body) = c.get(&format!("/api/boards/{board}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

#[tokio::test]
async fn a_tab_resumes_after_a_disconnect_and_after_a_restart() {
    let srv = TestServer::start().await;
    let (t, _) = team(&srv).await;
    let topic = format!("board:{}", t.board);
    let loaded = detail(&t.bob, t.board).await;
    let (todo, done) = (t.columns[0], t.columns[2]);
    let a = t.ada.task(t.board, todo, "a").await;
    let (mut bob, replay, _) = open_subscribed(&t.bob, &topic, Some(loaded.seq)).await;
    assert_eq!(
        replay.len(),
        1,
        "the card made before subscribing is replayed"
    );
    let seen = replay[0]["seq"].as_i64().unwrap();
    bob.close(None).await.unwrap();

    // Offline: three changes.
    let b = t.ada.task(t.board, todo, "b").await;
    let v = version_of(&t.ada, a).await;
    move_task(&t.ada, a, json!({"column_id": done, "version": v})).await;
    t.ada
        .patch(
            &format!("/api/tasks/{b}"),
            json!({"description": "details"}),
        )
        .await;
    let (mut bob, replay, subscribed) = open_subscribed(&t.bob, &topic, Some(seen)).await;
    let seqs: Vec<i64> = replay.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        [seen + 1, seen + 2, seen + 3],
        "exactly what was missed"
    );
    assert_eq!(subscribed["seq"], seen + 3);
    assert_eq!(subscribed["replayed"], 3);
    quiet(&mut bob, 200).await;
    bob.close(None).await.unwrap();

    // Everything since the board was loaded, applied, is the board now.
    let (_, all, _) = open_subscribed(&t.bob, &topic, Some(loaded.seq)).await;
    same_board(&applied(loaded, &all), &detail(&t.bob, t.board).await);

    // Across a restart: the numbers and what they hold are in the database.
    let (dir, db) = srv.stop_keeping_data().await;
    let srv = TestServer::start_on(dir, db).await;
    let ada = srv.client();
    ada.post(
        "/api/auth/login",
        json!({"username": "ada", "password": PASSWORD}),
    )
    .await;
    let bob_http = srv.client();
    bob_http
        .post(
            "/api/auth/login",
            json!({"username": "bob", "password": PASSWORD}),
        )
        .await;
    ada.task(t.board, todo, "after the restart").await;
    let (_, replay, _) = open_subscribed(&bob_http, &topic, Some(seen + 3)).await;
    assert_eq!(replay.len(), 1);
    assert_eq!(replay[0]["seq"], seen + 4);
    assert_eq!(replay[0]["change"]["task"]["title"], "after the restart");
}

#[tokio::test]
async fn moves_say_where_and_stale_moves_and_edits_change_nothing() {
    let srv = TestServer::start().await;
    let (t, _) = team(&srv).await;
    let (todo, doing) = (t.columns[0], t.columns[1]);
    let a = t.ada.task(t.board, todo, "a").await;
    let b = t.ada.task(t.board, todo, "b").await;
    let c = t.ada.task(t.board, todo, "c").await;
    let order = |board: &Value| layout(board)[0].1.clone();

    // c first, then a after c: c, a, b.
    let (status, moved) = move_task(
        &t.ada,
        c,
        json!({"column_id": todo, "after_id": null, "version": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(
        (moved["position"].as_i64(), moved["version"].as_i64()),
        (Some(0), Some(2))
    );
    let (status, _) = move_task(
        &t.ada,
        a,
        json!({"column_id": todo, "after_id": c, "version": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        order(&t.ada.get(&format!("/api/boards/{}", t.board)).await.1),
        [c, a, b]
    );
    // Down past its neighbour in the same column: a after b → c, b, a.
    let (status, _) = move_task(
        &t.ada,
        a,
        json!({"column_id": todo, "after_id": b, "version": 2}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let before = t.ada.get(&format!("/api/boards/{}", t.board)).await.1;
    assert_eq!(order(&before), [c, b, a]);

    // Bob moves a from a stale view (version 2; it is 3 now): 409 with the card.
    let stale = move_task(
        &t.bob,
        a,
        json!({"column_id": doing, "after_id": null, "version": 2}),
    )
    .await;
    assert_error(&stale, StatusCode::CONFLICT, "conflict");
    assert_eq!(stale.1["error"]["task"]["id"], a);
    assert_eq!(stale.1["error"]["task"]["version"], 3);
    assert_eq!(stale.1["error"]["task"]["column_id"], todo);
    // After a card that is not in that column: 409 too.
    let elsewhere = move_task(
        &t.bob,
        b,
        json!({"column_id": doing, "after_id": c, "version": 1}),
    )
    .await;
    assert_error(&elsewhere, StatusCode::CONFLICT, "conflict");
    // Nonsense: 400, and nothing moved.
    for bad in [
        json!({"column_id": todo, "after_id": a, "version": 3}),
        json!({"column_id": 999_999, "version": 3}),
        json!({"column_id": todo, "version": 3, "position": 1}),
        json!({"column_id": todo}),
    ] {
        let got = move_task(&t.bob, a, bad.clone()).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_input");
    }
    let seq = before["seq"].clone();

    // A stale edit: 409 with the current text; nothing written.
    t.ada
        .patch(
            &format!("/api/tasks/{b}"),
            json!({"title": "b by Ada", "version": 1}),
        )
        .await;
    let stale = t
        .bob
        .patch(
            &format!("/api/tasks/{b}"),
            json!({"title": "b by Bob", "version": 1}),
        )
        .await;
    assert_error(&stale, StatusCode::CONFLICT, "conflict");
    assert_eq!(stale.1["error"]["task"]["title"], "b by Ada");
    assert_eq!(stale.1["error"]["task"]["version"], 2);
    // From the version it shows, the edit goes through; without a version, too.
    let (status, edited) = t
        .bob
        .patch(
            &format!("/api/tasks/{b}"),
            json!({"title": "b by Bob", "version": 2}),
        )
        .await;
    assert_eq!(
        (status, edited["version"].as_i64()),
        (StatusCode::OK, Some(3))
    );
    let (status, _) = t
        .bob
        .patch(
            &format!("/api/tasks/{b}"),
            json!({"description": "no version"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let after = t.ada.get(&format!("/api/boards/{}", t.board)).await.1;
    assert_eq!(order(&after), [c, b, a], "refused moves moved nothing");
    assert_eq!(
        after["seq"].as_i64().unwrap(),
        seq.as_i64().unwrap() + 3,
        "only the three edits that went through were numbered"
    );
}

#[tokio::test]
async fn twenty_people_moving_at_once_keep_one_valid_order_on_every_screen() {
    let srv = TestServer::start_configured(|a| a.frame_rate = 0.0).await;
    let (ada, _) = srv.user("ada").await;
    let (board, columns) = ada.board("Busy").await;
    let mut people = Vec::new();
    for i in 0..20 {
        let name = format!("user{i}");
        let (c, _) = srv.user(&name).await;
        ada.add_to_board(board, &[&name]).await;
        people.push(c);
    }
    let mut tasks = Vec::new();
    for i in 0..30 {
        tasks.push(ada.task(board, columns[i % 3], &format!("card {i}")).await);
    }
    let loaded = detail(&ada, board).await;
    let topic = format!("board:{board}");
    let mut sockets = Vec::new();
    for p in &people {
        sockets.push(open_subscribed(p, &topic, Some(loaded.seq)).await.0);
    }

    // Everyone moves cards at once, some the same cards: each retries a
    // stale move from the card's current version, like the UI does.
    let mut runs = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let p = p.clone_session();
        let tasks = tasks.clone();
        let columns = columns.clone();
        runs.push(tokio::spawn(async move {
            let mut moved = 0;
            for round in 0..5usize {
                let task = tasks[(i * 7 + round * 3) % tasks.len()];
                let column = columns[(i + round) % 3];
                let after = (round % 2 == 0)
                    .then(|| tasks[(i + round * 5) % tasks.len()])
                    .filter(|a| *a != task);
                let mut version = version_of(&p, task).await;
                for _ in 0..20 {
                    let body = json!({"column_id": column, "after_id": after, "version": version});
                    let (status, answer) = move_task(&p, task, body).await;
                    match status {
                        StatusCode::OK => {
                            moved += 1;
                            break;
                        }
                        StatusCode::CONFLICT => {
                            // Stale, or the neighbour left that column: go
                            // by what is there now.
                            version = answer["error"]["task"]["version"].as_i64().unwrap();
                            let (st, a) = move_task(
                                &p,
                                task,
                                json!({"column_id": column, "after_id": null, "version": version}),
                            )
                            .await;
                            if st == StatusCode::OK {
                                moved += 1;
                                break;
                            }
                            version = a["error"]["task"]["version"].as_i64().unwrap();
                        }
                        other => panic!("move answered {other}: {answer}"),
                    }
                }
                assert!(moved > round, "a move never landed");
            }
            moved
        }));
    }
    let mut total = 0;
    for run in runs {
        total += run.await.unwrap();
    }
    assert_eq!(total, 100, "every move landed (some after a retry)");

    let now = detail(&ada, board).await;
    layout(&serde_json::to_value(&now).unwrap()); // positions 0..n in every column
    assert_eq!(now.seq, loaded.seq + 100, "one number per move, none twice");
    for s in &mut sockets {
        let mut frames = Vec::new();
        while frames.len() < 100 {
            let f = next_skipping(s, "board_event", &["moving"]).await;
            frames.push(f);
        }
        same_board(&applied(loaded.clone(), &frames), &now);
        quiet(s, 100).await;
    }
}

#[tokio::test]
async fn a_removed_member_stops_receiving_the_board_at_once() {
    let srv = TestServer::start().await;
    let (t, _) = team(&srv).await;
    let topic = format!("board:{}", t.board);
    let (mut bob, _, subscribed) = open_subscribed(&t.bob, &topic, None).await;
    let seq = subscribed["seq"].as_i64().unwrap();
    let bob_id = t.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    let mine = t.ada.task(t.board, t.columns[0], "Bob's").await;
    t.ada
        .patch(
            &format!("/api/tasks/{mine}"),
            json!({"assignee_id": bob_id}),
        )
        .await;
    next_change(&mut bob).await;
    next_change(&mut bob).await;

    let (status, _) = t
        .ada
        .delete(&format!("/api/boards/{}/members/{bob_id}", t.board))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (n, removed) = next_change(&mut bob).await;
    assert_eq!(n, seq + 3);
    assert_eq!(removed["kind"], "member_removed");
    assert_eq!(removed["user_id"], bob_id);
    assert_eq!(removed["unassigned"], json!([mine]));
    // What happens on the board from now on does not reach him.
    t.ada.task(t.board, t.columns[0], "secret plan").await;
    t.ada
        .patch(
            &format!("/api/boards/{}", t.board),
            json!({"name": "Hidden"}),
        )
        .await;
    loop {
        match tokio::time::timeout(Duration::from_millis(500), next(&mut bob)).await {
            Err(_) => break,
            Ok(f) => assert!(
                f["type"] == "access_changed" || f["type"] == "board_presence",
                "nothing of the board after removal: {f}"
            ),
        }
    }
    // Nor over HTTP.
    let got = t
        .bob
        .get(&format!(
            "/api/boards/{}/events/?after={seq}&timeout=1",
            t.board
        ))
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    send(
        &mut bob,
        json!({"type": "subscribe", "topic": topic, "after": 0}),
    )
    .await;
    assert_eq!(next_of(&mut bob, "error").await["code"], "not_found");
}

#[tokio::test]
async fn the_long_poll_brings_board_changes_as_they_happen() {
    let srv = TestServer::start().await;
    let (t, _) = team(&srv).await;
    let seq = board_seq(&t.bob, t.board).await;
    t.ada.task(t.board, t.columns[0], "one").await;
    let board = t.board;
    let path = move |after: i64| format!("/api/boards/{board}/events/?after={after}&timeout=5");
    let (status, got) = t.bob.get(&path(seq)).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["has_more"], false);
    let events = got["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "board_event");
    assert_eq!(events[0]["seq"], seq + 1);
    assert_eq!(events[0]["change"]["kind"], "task_created");

    // Nothing new yet: it waits, and answers when something happens.
    let bob = t.bob.clone_session();
    let next_path = path(seq + 1);
    let waiting = tokio::spawn(async move { bob.get(&next_path).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "it waits for a change");
    t.ada
        .patch(
            &format!("/api/boards/{}", t.board),
            json!({"name": "Renamed"}),
        )
        .await;
    let (status, got) = waiting.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["events"][0]["seq"], seq + 2);
    assert_eq!(got["events"][0]["change"]["name"], "Renamed");

    // Outsiders and bad cursors are refused.
    let (outsider, _) = srv.user("eve").await;
    let got = outsider
        .get(&format!(
            "/api/boards/{}/events/?after=0&timeout=1",
            t.board
        ))
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    let got = t
        .bob
        .get(&format!("/api/boards/{}/events/?after=x", t.board))
        .await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST, "{}", got.1);
}

#[tokio::test]
async fn others_see_who_is_moving_a_card() {
    let srv = TestServer::start().await;
    let (t, _) = team(&srv).await;
    let topic = format!("board:{}", t.board);
    let task = t.ada.task(t.board, t.columns[0], "heavy").await;
    let (mut ada, _, _) = open_subscribed(&t.ada, &topic, None).await;
    let (mut bob, _, _) = open_subscribed(&t.bob, &topic, None).await;
    send(
        &mut bob,
        json!({"type": "moving", "task_id": task, "moving": true}),
    )
    .await;
    let f = next_skipping(&mut ada, "moving", &["board_event"]).await;
    assert_eq!(
        (f["task_id"].as_i64(), f["moving"].as_bool()),
        (Some(task), Some(true))
    );
    assert_eq!(f["user"]["username"], "bob");
    assert_eq!(f["board_id"], t.board);
    // Put down when the socket goes away.
    bob.close(None).await.unwrap();
    let f = next_skipping(&mut ada, "moving", &["board_event"]).await;
    assert_eq!(f["moving"], false);

    // Only on a board one follows, and only for cards one can see.
    let mut unsubscribed = common::ws::connect(&t.bob, "/ws").await;
    assert_eq!(next(&mut unsubscribed).await["type"], "hello");
    send(
        &mut unsubscribed,
        json!({"type": "moving", "task_id": task, "moving": true}),
    )
    .await;
    assert_eq!(
        next_of(&mut unsubscribed, "error").await["code"],
        "not_subscribed"
    );
    let (eve, _) = srv.user("eve").await;
    let mut eve_sock = common::ws::connect(&eve, "/ws").await;
    assert_eq!(next(&mut eve_sock).await["type"], "hello");
    send(
        &mut eve_sock,
        json!({"type": "moving", "task_id": task, "moving": true}),
    )
    .await;
    assert_eq!(next_of(&mut eve_sock, "error").await["code"], "not_found");
}

#[tokio::test]
async fn a_tab_further_behind_than_what_is_kept_is_told_to_reload() {
    let srv = TestServer::start().await;
    let (t, _) = team(&srv).await;
    for title in ["one", "two", "three"] {
        t.ada.task(t.board, t.columns[0], title).await;
    }
    let last = board_seq(&t.bob, t.board).await;
    // A week later the oldest changes are pruned (the hourly job).
    sqlx::query("UPDATE board_events SET created_at = 0 WHERE board_id = $1 AND seq < $2")
        .bind(t.board)
        .bind(last)
        .execute(&srv.services.pool)
        .await
        .unwrap();
    let pruned = app::services::board_events::prune(&srv.services.pool)
        .await
        .unwrap();
    assert!(pruned >= 2, "pruned {pruned}");
    let resume = |after: i64| {
        let bob = t.bob.clone_session();
        let topic = format!("board:{}", t.board);
        async move {
            let mut s = common::ws::connect(&bob, "/ws").await;
            assert_eq!(next(&mut s).await["type"], "hello");
            send(
                &mut s,
                json!({"type": "subscribe", "topic": topic, "after": after}),
            )
            .await;
            let mut replayed = Vec::new();
            loop {
                let f = next(&mut s).await;
                match f["type"].as_str().unwrap() {
                    "board_event" => replayed.push(f["seq"].as_i64().unwrap()),
                    "subscribed" | "resync" => return (f, replayed),
                    _ => {}
                }
            }
        }
    };
    // From before what is kept: reload (nothing half-replayed).
    let (frame, replayed) = resume(0).await;
    assert_eq!(frame["type"], "resync", "{frame}");
    assert_eq!(frame["seq"], last);
    assert!(replayed.is_empty());
    // From what is kept: replayed as usual.
    let (frame, replayed) = resume(last - 1).await;
    assert_eq!(frame["type"], "subscribed");
    assert_eq!(replayed, [last]);
}
