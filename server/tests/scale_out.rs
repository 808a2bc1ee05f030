//! Several instances acting as one: two `taskflow` processes on one
//! PostgreSQL database and one Redis (a private `redis-server` started here,
//! so it can be stopped and restarted mid-test). Needs PostgreSQL
//! (`TASKFLOW_TEST_DATABASE` or the local server) and `redis-server`; without
//! them these tests fail and say so.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::ws::{connect, connect_at, next, next_skipping, quiet, send, Socket};
use common::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..200 {
        if ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not come up within 10 s");
}

fn answers(addr: &str) -> bool {
    std::net::TcpStream::connect(addr).is_ok()
}

/// A private Redis on its own port.
struct Redis {
    port: u16,
    child: Option<Child>,
}

impl Redis {
    async fn start_on(port: u16) -> Redis {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start redis-server ({e}): install Redis to run the scale-out tests")
            });
        let redis = Redis {
            port,
            child: Some(child),
        };
        wait_until("redis-server", || answers(&format!("127.0.0.1:{port}"))).await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One `taskflow serve` process.
struct Instance {
    base: String,
    child: Child,
}

impl Instance {
    async fn start(db_url: &str, redis_url: &str) -> Instance {
        Self::start_with(db_url, redis_url, &["--message-rate", "0"]).await
    }

    async fn start_with(db_url: &str, redis_url: &str, extra: &[&str]) -> Instance {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_taskflow"));
        for (key, _) in std::env::vars() {
            if key.starts_with("TASKFLOW_") {
                cmd.env_remove(key);
            }
        }
        let child = cmd
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(["--database-url", db_url, "--redis-url", redis_url])
            .args(extra)
            .args(["--log", "warn"])
            .stdout(Stdio::null())
            .spawn()
            .expect("start taskflow");
        let instance = Instance {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        wait_until("taskflow", || answers(&format!("127.0.0.1:{port}"))).await;
        instance
    }

    /// A browser-like client of this instance, logged in as an existing user.
    async fn login(&self, username: &str) -> Client {
        let c = Client::new(&self.base, Some(&self.base));
        let (status, body) = c
            .post(
                "/api/auth/login",
                json!({"username": username, "password": "correct horse battery"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        c
    }

    /// A browser-like client of this instance, signed up as `username`.
    async fn user(&self, username: &str) -> Client {
        let c = Client::new(&self.base, Some(&self.base));
        let (status, body) = c
            .post(
                "/api/auth/signup",
                json!({"username": username, "password": "correct horse battery"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "signup {username}: {body}");
        c
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Subscribes a socket to a topic and waits for `subscribed`.
async fn subscribe(s: &mut Socket, topic: &str) -> Value {
    send(s, json!({"type": "subscribe", "topic": topic})).await;
    next_skipping(s, "subscribed", &["message", "notification"]).await
}

/// The next `n` messages' contents on a socket (other frames skipped).
async fn messages(s: &mut Socket, n: usize) -> Vec<String> {
    let mut got = Vec::new();
    while got.len() < n {
        let f = next(s).await;
        if f["type"] == "message" {
            got.push(f["message"]["content"].as_str().unwrap().to_string());
        }
    }
    got
}

struct Setup {
    db_url: String,
    _db: common::PgDatabase,
    redis: Redis,
    /// The two instances run as long as the test holds them.
    _instances: (Instance, Instance),
    ada: Client,
    bob: Client,
    board: i64,
    room: i64,
    task: i64,
}

/// ada on instance A, bob on instance B, a board with a room and a task.
async fn setup() -> Setup {
    let (db_url, db) = common::postgres_database().await;
    let redis = Redis::start_on(free_port()).await;
    // Migrations run once, by whichever starts first; the second finds them done.
    let a = Instance::start(&db_url, &redis.url()).await;
    let b = Instance::start(&db_url, &redis.url()).await;
    let ada = a.user("ada").await;
    let bob = b.user("bob").await;
    let (board, cols) = ada.board("Shared").await;
    ada.add_to_board(board, &["bob"]).await;
    let room = ada.room(board, "Lobby", &["bob"]).await;
    let task = ada.task(board, cols[0], "Cross-instance").await;
    Setup {
        db_url: db_url.clone(),
        _db: db,
        redis,
        _instances: (a, b),
        ada,
        bob,
        board,
        room,
        task,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_deliver_to_each_others_clients_in_order_once() {
    let s = setup().await;
    let mut bob_ws = connect(&s.bob, "/ws").await;
    next(&mut bob_ws).await;
    subscribe(&mut bob_ws, &format!("room:{}", s.room)).await;
    let me = s.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    subscribe(&mut bob_ws, &format!("user:{me}")).await;
    let mut ada_ws = connect(&s.ada, "/ws").await;
    next(&mut ada_ws).await;
    subscribe(&mut ada_ws, &format!("room:{}", s.room)).await;

    // Posted through A, read on B: all of them, in order, once.
    let sent: Vec<String> = (0..30).map(|i| format!("from A #{i}")).collect();
    for text in &sent {
        s.ada.send_chat(s.room, text).await;
    }
    assert_eq!(messages(&mut bob_ws, sent.len()).await, sent);
    // And the other way round, over the socket.
    send(
        &mut bob_ws,
        json!({"type": "message", "room_id": s.room, "content": "from B", "client_id": "b1"}),
    )
    .await;
    let got = next_skipping(&mut ada_ws, "message", &[]).await;
    let mut skipped = 0;
    let mut got = got;
    while got["message"]["content"] != "from B" {
        skipped += 1;
        assert!(skipped <= sent.len(), "ada never got bob's message");
        got = next_skipping(&mut ada_ws, "message", &[]).await;
    }

    // Who is typing is shared too: ada types on A; a tab opening the room on
    // B sees it in its `subscribed` frame.
    send(
        &mut ada_ws,
        json!({"type": "typing", "room_id": s.room, "is_typing": true}),
    )
    .await;
    next_skipping(&mut bob_ws, "typing", &["message", "ack"]).await;
    let mut late = connect(&s.bob, "/ws").await;
    next(&mut late).await;
    let subscribed = subscribe(&mut late, &format!("room:{}", s.room)).await;
    assert_eq!(subscribed["typing"][0]["username"], "ada");

    // A mention made on A updates bob's bell on B. (He has unread entries
    // already: added to the board and the room.)
    let (_, count) = s.bob.get("/messaging/notifications/count/").await;
    let before = count["unread"].as_i64().unwrap();
    let (status, body) = s
        .ada
        .post(
            &format!("/messaging/task/{}/comments/", s.task),
            json!({"content": "@bob over here"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let note = next_skipping(&mut bob_ws, "notification", &["message", "ack"]).await;
    assert_eq!(note["unread"], before + 1);
    assert_eq!(note["notification"]["kind"], "comment_mention");
    assert_eq!(note["notification"]["sender"]["username"], "ada");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_mid_stream_loses_nothing_and_doubles_nothing() {
    let mut s = setup().await;
    let mut bob_ws = connect(&s.bob, "/ws").await;
    next(&mut bob_ws).await;
    subscribe(&mut bob_ws, &format!("room:{}", s.room)).await;
    let before: Vec<String> = (0..5).map(|i| format!("before #{i}")).collect();
    for text in &before {
        s.ada.send_chat(s.room, text).await;
    }
    assert_eq!(messages(&mut bob_ws, before.len()).await, before);

    // Redis goes away; A keeps taking messages (they are in the database).
    let port = s.redis.port;
    s.redis.stop();
    let during: Vec<String> = (0..10).map(|i| format!("during #{i}")).collect();
    for text in &during {
        s.ada.send_chat(s.room, text).await;
    }
    // Redis is back: B resubscribes and bob's open socket catches up from the
    // database; then live delivery carries on.
    let _redis = Redis::start_on(port).await;
    assert_eq!(messages(&mut bob_ws, during.len()).await, during);
    // Give the publisher on A time to reconnect too, then go on.
    let mut after_sent = Vec::new();
    for i in 0..40 {
        let text = format!("after #{i}");
        s.ada.send_chat(s.room, &text).await;
        after_sent.push(text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every "after" message arrives once and in order (those published while
    // A's link was still down come by the next catch-up or live).
    let got = tokio::time::timeout(
        Duration::from_secs(30),
        messages(&mut bob_ws, after_sent.len()),
    )
    .await
    .expect("the messages after the restart arrive");
    assert_eq!(got, after_sent);
    // Nothing more: no duplicate shows up later.
    let quiet = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            let f = next(&mut bob_ws).await;
            if f["type"] == "message" {
                return f;
            }
        }
    })
    .await;
    assert!(quiet.is_err(), "a duplicate arrived: {quiet:?}");
}

/// The next `board_presence` frame's (user, online).
async fn presence_change(s: &mut Socket) -> (i64, bool) {
    let f = next_skipping(s, "board_presence", &[]).await;
    (
        f["user_id"].as_i64().unwrap(),
        f["online"].as_bool().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_is_online_while_any_instance_has_a_tab_of_theirs() {
    let s = setup().await;
    let (a, _b) = &s._instances;
    let ada_id = s.ada.get("/api/me").await.1["id"].as_i64().unwrap();
    let bob_id = s.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    let board = format!("board:{}", s.board);
    let mut ada_ws = connect(&s.ada, "/ws").await;
    next(&mut ada_ws).await;
    let subscribed = subscribe(&mut ada_ws, &board).await;
    assert_eq!(subscribed["online"], json!([ada_id]), "only ada so far");

    // bob opens a tab on B: ada, on A, sees him come online.
    let mut bob_b = connect(&s.bob, "/ws").await;
    next(&mut bob_b).await;
    assert_eq!(presence_change(&mut ada_ws).await, (bob_id, true));
    // A second tab, on A: he was online already (no event); the board's
    // online list, asked on A, has both.
    let bob_on_a = a.login("bob").await;
    let mut bob_a = connect(&bob_on_a, "/ws").await;
    next(&mut bob_a).await;
    let mut other = connect(&s.ada, "/ws").await;
    next(&mut other).await;
    let listed = subscribe(&mut other, &board).await;
    let mut online: Vec<i64> = listed["online"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    online.sort();
    assert_eq!(online, vec![ada_id.min(bob_id), ada_id.max(bob_id)]);
    // He closes the tab on B: still online on A, so nothing is announced...
    drop(bob_b);
    let nothing =
        tokio::time::timeout(Duration::from_millis(800), presence_change(&mut ada_ws)).await;
    assert!(nothing.is_err(), "no presence change: {nothing:?}");
    // ...and when the last one closes, he is offline everywhere.
    drop(bob_a);
    assert_eq!(presence_change(&mut ada_ws).await, (bob_id, false));
}

/// A connection to the instances' shared database.
async fn pool_of(s: &Setup) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&s.db_url).await.unwrap()
}

/// The next `n` messages' (seq, content) on a socket (other frames skipped).
async fn numbered(s: &mut Socket, n: usize) -> Vec<(i64, String)> {
    let mut got = Vec::new();
    while got.len() < n {
        let f = next(s).await;
        if f["type"] == "message" {
            got.push((
                f["message"]["seq"].as_i64().unwrap(),
                f["message"]["content"].as_str().unwrap().to_string(),
            ));
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_on_two_instances_reach_everyone_in_order_once() {
    let s = setup().await;
    let (_a, b) = &s._instances;
    let carol = b.user("carol").await;
    s.ada.add_to_board(s.board, &["carol"]).await;
    s.ada
        .post(
            &format!("/messaging/room/{}/members/", s.room),
            json!({"username": "carol"}),
        )
        .await;
    let mut bob_ws = connect(&s.bob, "/ws").await;
    next(&mut bob_ws).await;
    subscribe(&mut bob_ws, &format!("room:{}", s.room)).await;
    let mut ada_ws = connect(&s.ada, "/ws").await;
    next(&mut ada_ws).await;
    subscribe(&mut ada_ws, &format!("room:{}", s.room)).await;

    // ada writes through A while carol writes through B, at the same time.
    let per_writer = 40;
    let room = s.room;
    let (ada, carol) = (&s.ada, &carol);
    tokio::join!(
        async {
            for i in 0..per_writer {
                ada.send_chat(room, &format!("ada #{i}")).await;
            }
        },
        async {
            for i in 0..per_writer {
                carol.send_chat(room, &format!("carol #{i}")).await;
            }
        }
    );
    let total = 2 * per_writer;
    let stored: Vec<(i64, String)> =
        sqlx::query_as::<_, (i64, String)>("SELECT seq, content FROM chat_messages ORDER BY seq")
            .fetch_all(&pool_of(&s).await)
            .await
            .unwrap();
    assert_eq!(stored.len(), total);
    assert_eq!(
        stored.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        (1..=total as i64).collect::<Vec<_>>(),
        "numbered 1..n without gaps"
    );
    // Both readers, on either instance, get exactly the stored sequence.
    assert_eq!(numbered(&mut bob_ws, total).await, stored, "bob on B");
    assert_eq!(numbered(&mut ada_ws, total).await, stored, "ada on A");
}

/// The same text sent to both instances at once (an outbox re-sending on a
/// socket that landed on the other instance): one row, the same answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_racing_one_client_id_store_one_row() {
    let s = setup().await;
    let (_, b) = &s._instances;
    let ada_on_b = b.login("ada").await;
    for round in 0..5 {
        let client_id = format!("race-{round}");
        let body = json!({"content": format!("raced {round}"), "client_id": client_id});
        let path = format!("/messaging/room/{}/send/", s.room);
        let (one, two) = tokio::join!(s.ada.post(&path, body.clone()), ada_on_b.post(&path, body));
        assert_eq!(one.0, StatusCode::CREATED, "{}", one.1);
        assert_eq!(two.0, StatusCode::CREATED, "{}", two.1);
        assert_eq!(one.1["id"], two.1["id"], "both answer with the one message");
        let comment_path = format!("/messaging/task/{}/comments/", s.task);
        let body = json!({"content": format!("raced comment {round}"), "client_id": client_id});
        let (one, two) = tokio::join!(
            s.ada.post(&comment_path, body.clone()),
            ada_on_b.post(&comment_path, body)
        );
        assert_eq!(one.0, StatusCode::CREATED, "{}", one.1);
        assert_eq!(two.0, StatusCode::CREATED, "{}", two.1);
        assert_eq!(one.1["id"], two.1["id"]);
    }
    use sqlx::Connection;
    let mut db = sqlx::PgConnection::connect(&s.db_url).await.unwrap();
    let (messages,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM chat_messages WHERE client_id LIKE 'race-%'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    let (comments,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM task_comments WHERE client_id LIKE 'race-%'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!((messages, comments), (5, 5));
}

/// Removed on one instance, cut off on the other; logged out on one, the
/// session's sockets close on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_and_logout_reach_the_other_instance() {
    let s = setup().await;
    let bob_id = s.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    // bob's socket on B follows the room without his user topic.
    let mut bob_ws = connect(&s.bob, "/ws").await;
    next(&mut bob_ws).await;
    subscribe(&mut bob_ws, &format!("room:{}", s.room)).await;
    let mut bound = connect(&s.bob, &format!("/ws/chat-room/{}/", s.room)).await;
    next(&mut bound).await;
    next_skipping(&mut bound, "subscribed", &[]).await;
    // ada (on A) removes bob from the room.
    let (status, _) = s
        .ada
        .delete(&format!("/messaging/room/{}/members/{bob_id}/", s.room))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.ada.send_chat(s.room, "not for bob").await;
    let code = close_code(&mut bound).await;
    assert_eq!(code, 4403);
    send(
        &mut bob_ws,
        json!({"type": "typing", "room_id": s.room, "is_typing": true}),
    )
    .await;
    let f = next_skipping(&mut bob_ws, "error", &[]).await;
    assert_eq!(
        f["code"], "not_subscribed",
        "the room is gone from this socket"
    );
    // The same session on the other instance too; bob logs out through B:
    // the socket on A closes as well.
    let mut on_a = connect_at(&s.bob, &s.ada.base, "/ws").await;
    next(&mut on_a).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = s.bob.post("/api/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(close_code(&mut bob_ws).await, 4401);
    assert_eq!(close_code(&mut on_a).await, 4401);
}

/// Waits for the socket to close; its close code (nothing may be delivered meanwhile).
async fn close_code(s: &mut Socket) -> u16 {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as Ws;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), s.next())
            .await
            .expect("not closed within 10 s");
        match frame {
            Some(Ok(Ws::Close(Some(c)))) => return c.code.into(),
            Some(Ok(Ws::Close(None))) | None => return 0,
            Some(Ok(Ws::Text(t))) => {
                let f: Value = serde_json::from_str(t.as_str()).unwrap();
                assert!(f["type"] != "message", "delivered after access ended: {f}");
            }
            Some(_) => {}
        }
    }
}

/// Limits hold for the deployment, not per instance: a user's message budget
/// and a username's failed logins are counted in Redis, so two instances do
/// not give twice the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budgets_and_login_throttles_hold_across_instances() {
    let (db_url, _db) = common::postgres_database().await;
    let redis = Redis::start_on(free_port()).await;
    let limits = ["--message-rate", "0.2", "--message-burst", "4"];
    let a = Instance::start_with(&db_url, &redis.url(), &limits).await;
    let b = Instance::start_with(&db_url, &redis.url(), &limits).await;
    let ada = a.user("ada").await;
    let (board, _) = ada.board("Limits").await;
    let room = ada.room(board, "Lobby", &[]).await;
    let ada_on_b = b.login("ada").await;
    // Two messages through each instance use up the burst of four...
    for (i, c) in [&ada, &ada_on_b, &ada, &ada_on_b].into_iter().enumerate() {
        let (status, body) = c
            .post(
                &format!("/messaging/room/{room}/send/"),
                json!({"content": format!("m{i}")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "message {i}: {body}");
    }
    // ...so the fifth is refused on either.
    for c in [&ada, &ada_on_b] {
        let (status, body) = c
            .post(
                &format!("/messaging/room/{room}/send/"),
                json!({"content": "one too many"}),
            )
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["error"]["code"], "rate_limited");
        assert!(body["error"]["retry_after_ms"].as_u64().unwrap() > 0);
    }

    // Failed logins: five on A, then B makes the sixth wait too.
    let guess = |c: Client| async move {
        c.post(
            "/api/auth/login",
            json!({"username": "ada", "password": "not the password"}),
        )
        .await
    };
    for _ in 0..5 {
        let (status, _) = guess(Client::new(&a.base, Some(&a.base))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = guess(Client::new(&b.base, Some(&b.base))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    drop(redis);
}

/// The next `n` board changes on a socket: (seq, kind).
async fn board_changes(s: &mut Socket, n: usize) -> Vec<(i64, String)> {
    let mut got = Vec::new();
    while got.len() < n {
        let f = next(s).await;
        if f["type"] == "board_event" {
            got.push((
                f["seq"].as_i64().unwrap(),
                f["change"]["kind"].as_str().unwrap().to_string(),
            ));
        }
    }
    got
}

/// Board changes made on both instances at once reach followers on either
/// one, every change once, in the stored order; a member removed through A
/// stops getting the board on B at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_changes_on_two_instances_reach_everyone_in_order_once() {
    let s = setup().await;
    let (_a, b) = &s._instances;
    let carol = b.user("carol").await;
    s.ada.add_to_board(s.board, &["carol"]).await;
    let topic = format!("board:{}", s.board);
    let mut bob_ws = connect(&s.bob, "/ws").await;
    next(&mut bob_ws).await;
    let start = subscribe(&mut bob_ws, &topic).await["seq"]
        .as_i64()
        .unwrap();
    let mut ada_ws = connect(&s.ada, "/ws").await;
    next(&mut ada_ws).await;
    subscribe(&mut ada_ws, &topic).await;

    let column = s.ada.get(&format!("/api/boards/{}", s.board)).await.1["columns"][1]["id"]
        .as_i64()
        .unwrap();
    let per_writer = 25;
    let board = s.board;
    let (ada, carol_c) = (&s.ada, &carol);
    tokio::join!(
        async {
            for i in 0..per_writer {
                ada.task(board, column, &format!("ada #{i}")).await;
            }
        },
        async {
            for i in 0..per_writer {
                carol_c.task(board, column, &format!("carol #{i}")).await;
            }
        }
    );
    let total = 2 * per_writer;
    let stored: Vec<(i64, String)> = sqlx::query_as::<_, (i64, String)>(
        "SELECT seq, change FROM board_events WHERE board_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(s.board)
    .bind(start)
    .fetch_all(&pool_of(&s).await)
    .await
    .unwrap();
    assert_eq!(
        stored.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        (start + 1..=start + total as i64).collect::<Vec<_>>(),
        "numbered without gaps"
    );
    let expected: Vec<(i64, String)> = stored
        .iter()
        .map(|(seq, _)| (*seq, "task_created".to_string()))
        .collect();
    assert_eq!(
        board_changes(&mut bob_ws, total).await,
        expected,
        "bob on B"
    );
    assert_eq!(
        board_changes(&mut ada_ws, total).await,
        expected,
        "ada on A"
    );

    // Removed through A: bob on B gets his removal, then nothing of the board.
    let bob_id = s.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    let (status, _) = s
        .ada
        .delete(&format!("/api/boards/{}/members/{bob_id}", s.board))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let removal = next_skipping(&mut bob_ws, "board_event", &["access_changed"]).await;
    assert_eq!(removal["change"]["kind"], "member_removed");
    assert_eq!(removal["change"]["user_id"], bob_id);
    carol.task(s.board, column, "after bob left").await;
    assert_eq!(board_changes(&mut ada_ws, 2).await.len(), 2);
    let deadline = tokio::time::Instant::now() + Duration::from_millis(700);
    while let Ok(f) = tokio::time::timeout_at(deadline, next(&mut bob_ws)).await {
        assert_ne!(
            f["type"], "board_event",
            "nothing of the board after removal: {f}"
        );
    }
}

/// The next frame of `kind` on a bell socket, skipping whatever else a user
/// topic carries (access changes, board list updates).
async fn bell_frame(s: &mut Socket, kind: &str) -> Value {
    loop {
        let f = next(s).await;
        if f["type"] == kind {
            return f;
        }
    }
}

/// Notifications made on one instance reach the recipient's bell on the
/// other, live and once: being added to a board and a room, being assigned
/// a card, and comments on a watched card, which replace one entry (the old
/// one is withdrawn on every instance) rather than pile up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_notification_kinds_reach_the_bell_on_the_other_instance_once() {
    let s = setup().await;
    let (a, b) = &s._instances;
    let carol = b.user("carol").await;
    let dan = a.user("dan").await;
    let carol_id = carol.get("/api/me").await.1["id"].as_i64().unwrap();
    // Carol's bell is on B, with a second tab on A: both hear everything once.
    let mut bell_b = connect(&carol, "/ws").await;
    next(&mut bell_b).await;
    subscribe(&mut bell_b, &format!("user:{carol_id}")).await;
    let mut bell_a = connect_at(&carol, &a.base, "/ws").await;
    next(&mut bell_a).await;
    subscribe(&mut bell_a, &format!("user:{carol_id}")).await;

    // Ada (on A) adds Carol to the board, then to a private room.
    s.ada.add_to_board(s.board, &["carol", "dan"]).await;
    for bell in [&mut bell_b, &mut bell_a] {
        let f = bell_frame(bell, "notification").await;
        assert_eq!(f["notification"]["kind"], "added_to_board", "{f}");
        assert_eq!(f["notification"]["board_name"], "Shared");
        assert_eq!(f["unread"], 1);
    }
    let room = s.ada.room(s.board, "Ops", &["carol"]).await;
    for bell in [&mut bell_b, &mut bell_a] {
        let f = bell_frame(bell, "notification").await;
        assert_eq!(f["notification"]["kind"], "added_to_room", "{f}");
        assert_eq!(f["notification"]["context"], "#Ops");
        assert_eq!(
            f["notification"]["link"],
            format!("/boards/{}?room={room}", s.board)
        );
    }

    // Ada assigns her the card.
    let (status, body) = s
        .ada
        .patch(
            &format!("/api/tasks/{}", s.task),
            json!({"assignee_id": carol_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for bell in [&mut bell_b, &mut bell_a] {
        let f = bell_frame(bell, "notification").await;
        assert_eq!(f["notification"]["kind"], "assigned", "{f}");
        assert_eq!(f["notification"]["task_id"], s.task);
        assert_eq!(f["unread"], 3);
    }

    // Bob (on B) and Dan (on A) comment: Carol, now watching her card, gets
    // one entry that counts two; the first is withdrawn on both instances.
    s.bob.comment(s.task, "Looks good").await;
    let mut first = Value::Null;
    for bell in [&mut bell_b, &mut bell_a] {
        let f = bell_frame(bell, "notification").await;
        assert_eq!(f["notification"]["kind"], "task_comment", "{f}");
        assert_eq!(f["notification"]["occurrences"], 1);
        first = f["notification"]["id"].clone();
    }
    dan.comment(s.task, "Agreed").await;
    for bell in [&mut bell_b, &mut bell_a] {
        let f = bell_frame(bell, "notifications_updated").await;
        assert_eq!(f["removed"], json!([first]), "{f}");
        let f = bell_frame(bell, "notification").await;
        assert_eq!(f["notification"]["kind"], "task_comment", "{f}");
        assert_eq!(f["notification"]["occurrences"], 2);
        assert_eq!(f["notification"]["sender"]["username"], "dan");
        assert_eq!(f["unread"], 4, "one entry per card and kind");
    }
    let (_, page) = carol.get("/messaging/notifications/").await;
    let kinds: Vec<&str> = page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "task_comment",
            "assigned",
            "added_to_room",
            "added_to_board"
        ]
    );
    // Nothing more comes, on either instance: each notification arrived once.
    for bell in [&mut bell_b, &mut bell_a] {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
        while let Ok(f) = tokio::time::timeout_at(deadline, next(bell)).await {
            assert_ne!(f["type"], "notification", "delivered twice: {f}");
        }
    }
}

/// The kanban's changes made on one instance reach followers on the other
/// in order, once — labels, dates, several people, a checklist, archive and
/// restore — and the card's history written on A reads the same on B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kanban_changes_reach_the_other_instance_in_order_once() {
    let s = setup().await;
    let topic = format!("board:{}", s.board);
    let mut bob_ws = connect(&s.bob, "/ws").await;
    next(&mut bob_ws).await;
    let start = subscribe(&mut bob_ws, &topic).await["seq"]
        .as_i64()
        .unwrap();
    let bob_id = s.bob.get("/api/me").await.1["id"].as_i64().unwrap();

    let (status, label) = s
        .ada
        .post(
            &format!("/api/boards/{}/labels", s.board),
            json!({"name": "Bug", "color": "red"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{label}");
    let label = label["id"].as_i64().unwrap();
    let (status, _) = s
        .ada
        .patch(
            &format!("/api/tasks/{}", s.task),
            json!({"labels": [label], "assignee_ids": [bob_id], "due_at": 1_900_000_000_000i64}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .ada
        .post(
            &format!("/api/tasks/{}/checklist", s.task),
            json!({"text": "Check"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = s
        .ada
        .post(&format!("/api/tasks/{}/archive", s.task), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .ada
        .post(&format!("/api/tasks/{}/restore", s.task), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let got = board_changes(&mut bob_ws, 5).await;
    let kinds: Vec<&str> = got.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "label_saved",
            "task_edited",
            "checklist_changed",
            "task_archived",
            "task_restored"
        ]
    );
    let seqs: Vec<i64> = got.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (start + 1..=start + 5).collect::<Vec<_>>());
    // The card as B answers it, and its history, match what A wrote.
    let (_, card) = s.bob.get(&format!("/api/tasks/{}", s.task)).await;
    assert_eq!(card["labels"], json!([label]));
    assert_eq!(card["assignee_ids"], json!([bob_id]));
    assert_eq!(card["checklist"], json!({"done": 0, "total": 1}));
    assert_eq!(card["archived_at"], Value::Null);
    let (_, page) = s.bob.get(&format!("/api/tasks/{}/activity", s.task)).await;
    let kinds: Vec<&str> = page["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["created", "assigned", "due_set", "labelled", "archived", "restored"]
    );
    let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
    while let Ok(f) = tokio::time::timeout_at(deadline, next(&mut bob_ws)).await {
        assert_ne!(f["type"], "board_event", "delivered twice: {f}");
    }
}

/// Edits, deletions and reactions made on one instance reach followers on
/// the other in `seq` order, each once; a socket that resumes on the other
/// instance replays them; and a notification an edit withdraws is gone
/// from the bell on every instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_deletions_and_reactions_cross_instances_in_order_once() {
    let s = setup().await;
    let (a, b) = &s._instances;
    let bob_id = s.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    // Bob follows the room on B, and his bell on A.
    let mut room_b = connect(&s.bob, "/ws").await;
    next(&mut room_b).await;
    subscribe(&mut room_b, &format!("room:{}", s.room)).await;
    let bob_on_a = a.login("bob").await;
    // (Being added to the board and the room left him two: read, so what is
    // counted here is the mention.)
    bob_on_a
        .post("/messaging/notifications/read-all/", json!({}))
        .await;
    let mut bell_a = connect(&bob_on_a, "/ws").await;
    next(&mut bell_a).await;
    subscribe(&mut bell_a, &format!("user:{bob_id}")).await;

    // Ada (on A) mentions him, edits, reacts and deletes.
    let sent = s.ada.send_chat(s.room, "hey @bob").await;
    let id = sent["id"].as_i64().unwrap();
    let seen = sent["seq"].as_i64().unwrap();
    let f = bell_frame(&mut bell_a, "notification").await;
    let notification = f["notification"]["id"].clone();
    let (status, _) = s
        .ada
        .patch(
            &format!("/messaging/message/{id}/"),
            json!({"content": "hey all"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let f = bell_frame(&mut bell_a, "notifications_updated").await;
    assert_eq!(f["removed"], json!([notification]), "{f}");
    assert_eq!(f["unread"], 0);
    // Bob reacts on B, Ada on A, then Ada deletes.
    let (status, _) = s
        .bob
        .put(&format!("/messaging/message/{id}/reactions/👍/"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .ada
        .put(&format!("/messaging/message/{id}/reactions/👍/"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.ada.delete(&format!("/messaging/message/{id}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // B's follower got every change once, in order.
    let mut got = Vec::new();
    while got.len() < 5 {
        let f = next(&mut room_b).await;
        match f["type"].as_str().unwrap() {
            "message" => got.push((f["message"]["seq"].as_i64().unwrap(), "message".to_string())),
            "reaction" => got.push((
                f["seq"].as_i64().unwrap(),
                format!("reaction {}", f["reaction"]["count"]),
            )),
            _ => {}
        }
    }
    let seqs: Vec<i64> = got.iter().map(|(n, _)| *n).collect();
    assert_eq!(seqs, (seen..seen + 5).collect::<Vec<_>>(), "{got:?}");
    let kinds: Vec<&str> = got.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["message", "message", "reaction 1", "reaction 2", "message"]
    );
    quiet(&mut room_b, 300).await;

    // A tab resuming on A from before the edit replays the final state once.
    let mut late = connect_at(&s.bob, &a.base, "/ws").await;
    next(&mut late).await;
    send(
        &mut late,
        json!({"type": "subscribe", "topic": format!("room:{}", s.room), "after_seq": seen}),
    )
    .await;
    let f = next_skipping(&mut late, "message", &[]).await;
    assert_eq!(f["message"]["id"], id);
    assert!(f["message"]["deleted_at"].is_i64());
    assert_eq!(f["message"]["seq"], seen + 4);
    next_skipping(&mut late, "subscribed", &[]).await;
    let _ = b;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_on_one_instance_reaches_the_other_with_its_root_and_bell() {
    let s = setup().await;
    let me = s.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    let mut bob_ws = connect(&s.bob, "/ws").await;
    next(&mut bob_ws).await;
    subscribe(&mut bob_ws, &format!("room:{}", s.room)).await;
    subscribe(&mut bob_ws, &format!("user:{me}")).await;
    // bob (on B) writes the root; ada (on A) replies.
    let root = s.bob.send_chat(s.room, "Cut the release today?").await;
    let root_id = root["id"].as_i64().unwrap();
    let (status, reply) = s
        .ada
        .post(
            &format!("/messaging/room/{}/send/", s.room),
            json!({"content": "Yes, after lunch", "thread_root_id": root_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    // On B: the reply, then the root counting it, each numbered once in order.
    let mut got = Vec::new();
    while got.len() < 3 {
        let f = next(&mut bob_ws).await;
        if f["type"] == "message" {
            got.push((
                f["message"]["id"].as_i64().unwrap(),
                f["message"]["reply_count"].as_i64().unwrap(),
                f["message"]["seq"].as_i64().unwrap(),
            ));
        }
    }
    let seq = root["seq"].as_i64().unwrap();
    assert_eq!(
        got,
        [
            (root_id, 0, seq),
            (reply["id"].as_i64().unwrap(), 0, seq + 1),
            (root_id, 1, seq + 2),
        ]
    );
    // bob's bell on B: one reply entry for his root.
    let note = next_skipping(&mut bob_ws, "notification", &["message", "ack"]).await;
    assert_eq!(note["notification"]["kind"], "reply");
    assert_eq!(note["notification"]["message_id"], root_id);
    // The pane reads the same from either instance.
    let (_, pane) = s
        .ada
        .get(&format!("/messaging/message/{root_id}/thread/"))
        .await;
    assert_eq!(pane["root"]["reply_count"], 1);
    assert_eq!(pane["messages"][0]["content"], "Yes, after lunch");
}

/// A direct message opened and written on one instance reaches its other
/// person on the other instance: the new conversation on their user topic
/// (`access_changed` without a board), each message on its room topic and
/// the `direct_message` notification on their bell, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_messages_cross_instances_once() {
    let s = setup().await;
    let bob_id = s.bob.get("/api/me").await.1["id"].as_i64().unwrap();
    let mut bell = connect(&s.bob, "/ws").await;
    next(&mut bell).await;
    subscribe(&mut bell, &format!("user:{bob_id}")).await;
    // ada (on A) opens it.
    let (status, dm) = s
        .ada
        .post("/messaging/dm/", json!({"usernames": ["bob"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{dm}");
    let dm = dm["id"].as_i64().unwrap();
    let f = bell_frame(&mut bell, "access_changed").await;
    assert_eq!(
        (f["board_id"].clone(), f["room_id"].clone()),
        (Value::Null, json!(dm))
    );
    // bob (on B) follows it; ada writes three messages on A.
    let mut room = connect(&s.bob, "/ws").await;
    next(&mut room).await;
    subscribe(&mut room, &format!("room:{dm}")).await;
    for i in 1..=3 {
        let (status, body) = s
            .ada
            .post(
                &format!("/messaging/room/{dm}/send/"),
                json!({"content": format!("dm {i}")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    assert_eq!(messages(&mut room, 3).await, ["dm 1", "dm 2", "dm 3"]);
    for i in 1..=3 {
        let f = bell_frame(&mut bell, "notification").await;
        assert_eq!(f["notification"]["kind"], "direct_message", "{f}");
        assert_eq!(f["notification"]["snippet"], format!("dm {i}"));
        assert_eq!(f["notification"]["board_id"], Value::Null);
    }
    quiet(&mut room, 300).await;
}
