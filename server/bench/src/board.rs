//! `taskflow-bench board`: the live board under a team.
//!
//! `members` tabs (one per member) follow one board over WebSockets while one
//! member in ten moves their own card to the next column once a second (over
//! the JSON API, with the card's version, like the web UI). Each tab checks
//! that it gets every move exactly once, in `seq` order, and measures the
//! time from the move request leaving the mover to the event reaching it (an
//! upper bound of commit → tab). Then a board of `tasks` cards is rendered by
//! the server `pages` times: p50/p99 and the HTML's size. With `--rich`,
//! every card on both boards carries what a team's cards carry (labels, a
//! checklist, an assignee, a due date), so each event and each rendered card
//! is as heavy as in real use.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as Ws;

use super::{connect, cpu_seconds, now_us, own_cpu_seconds, percentile, rss_mib, Api, Socket};

/// What one tab saw: every `seq` (with how often), and the latencies.
#[derive(Default)]
struct Tab {
    seqs: Vec<i64>,
    latencies_us: Vec<u64>,
}

/// When each move (card, the version it makes) was sent, in µs.
type SentAt = Arc<Mutex<HashMap<(i64, i64), u64>>>;

async fn follow(socket: &mut Socket, board: i64, after: i64) {
    let frame = json!({"type": "subscribe", "topic": format!("board:{board}"), "after": after});
    socket.send(Ws::text(frame.to_string())).await.unwrap();
    while let Some(Ok(frame)) = socket.next().await {
        if let Ws::Text(t) = frame {
            if t.as_str().contains("\"subscribed\"") {
                return;
            }
        }
    }
    panic!("no subscribed frame");
}

async fn get_json(api: &Api, path: &str) -> Value {
    api.http
        .get(format!("{}{}", api.base, path))
        .header("cookie", &api.cookie)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

async fn column_ids(api: &Api, board: i64) -> Vec<i64> {
    get_json(api, &format!("/api/boards/{board}")).await["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// What to run: the team, how long, the big board's size, and the cards' weight.
pub struct Shape {
    pub members: usize,
    pub seconds: u64,
    pub tasks: usize,
    pub pages: usize,
    pub rich: bool,
}

/// A board's labels for rich cards: four of them.
async fn make_labels(api: &Api, board: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for (name, color) in [
        ("Bug", "red"),
        ("Docs", "teal"),
        ("Design", "purple"),
        ("Ops", "gray"),
    ] {
        let label = api
            .post(
                &format!("/api/boards/{board}/labels"),
                json!({"name": name, "color": color}),
            )
            .await;
        ids.push(label["id"].as_i64().unwrap());
    }
    ids
}

/// Makes card number `i` rich: two labels, its maker as assignee, a due
/// date `i` days on, and three checklist items, the first ticked.
async fn enrich(api: &Api, card: i64, i: usize, labels: &[i64], me: i64) {
    let due = now_us() as i64 / 1000 + (i as i64 % 30 + 1) * 86_400_000;
    let two = [labels[i % labels.len()], labels[(i + 1) % labels.len()]];
    api.patch(
        &format!("/api/tasks/{card}"),
        json!({"labels": two, "assignee_ids": [me], "due_at": due}),
    )
    .await;
    let mut first = None;
    for text in ["Write it", "Review it", "Ship it"] {
        let item = api
            .post(
                &format!("/api/tasks/{card}/checklist"),
                json!({"text": text}),
            )
            .await;
        first = first.or(item["id"].as_i64());
    }
    if let Some(item) = first {
        api.patch(&format!("/api/checklist/{item}"), json!({"done": true}))
            .await;
    }
}

/// The caller's user id.
async fn my_id(api: &Api) -> i64 {
    get_json(api, "/api/me").await["id"].as_i64().unwrap()
}

pub async fn run(base: &str, pids: &[u32], shape: Shape) {
    let Shape {
        members,
        seconds,
        tasks,
        pages,
        rich,
    } = shape;
    let tag = format!("{:x}", now_us() ^ std::process::id() as u64);
    let owner = Api::signup(base, &format!("live_{tag}_owner")).await;
    let board = owner
        .post("/api/boards", json!({"name": "Live board"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut team = vec![owner];
    for i in 1..members.max(2) {
        let name = format!("live_{tag}_{i}");
        team.push(Api::signup(base, &name).await);
        team[0]
            .post(
                &format!("/api/boards/{board}/members"),
                json!({"username": name}),
            )
            .await;
    }
    let columns = column_ids(&team[0], board).await;
    let labels = if rich {
        make_labels(&team[0], board).await
    } else {
        Vec::new()
    };
    let movers = (team.len() / 10).max(1);
    let mut cards = Vec::new();
    for (i, api) in team.iter().take(movers).enumerate() {
        let card = api
            .post(
                &format!("/api/boards/{board}/tasks"),
                json!({"column_id": columns[0], "title": format!("card {i}")}),
            )
            .await;
        let card = card["id"].as_i64().unwrap();
        if rich {
            enrich(api, card, i, &labels, my_id(api).await).await;
        }
        let version = get_json(api, &format!("/api/tasks/{card}")).await["version"]
            .as_i64()
            .unwrap();
        cards.push((card, version));
    }
    let start_seq = get_json(&team[0], &format!("/api/boards/{board}")).await["seq"]
        .as_i64()
        .unwrap();

    // Every member's tab follows the board.
    let sent_at: SentAt = Arc::default();
    let tabs: Arc<Vec<Mutex<Tab>>> = Arc::new((0..team.len()).map(|_| Mutex::default()).collect());
    let rss_before = rss_mib(pids);
    for (i, api) in team.iter().enumerate() {
        let (mut socket, _) = connect(api).await;
        follow(&mut socket, board, start_seq).await;
        let (tabs, sent_at) = (tabs.clone(), sent_at.clone());
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let Ws::Text(text) = frame else { continue };
                let now = now_us();
                if !text.as_str().starts_with("{\"type\":\"board_event\"") {
                    continue;
                }
                let Ok(f) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                let task = &f["change"]["task"];
                let key = (
                    task["id"].as_i64().unwrap_or(0),
                    task["version"].as_i64().unwrap_or(0),
                );
                let sent = sent_at.lock().unwrap().get(&key).copied();
                let mut tab = tabs[i].lock().unwrap();
                tab.seqs.push(f["seq"].as_i64().unwrap_or(0));
                if let Some(sent) = sent {
                    tab.latencies_us.push(now.saturating_sub(sent));
                }
            }
        });
    }

    // One mover in ten moves a card to the next column every second.
    println!(
        "{} tabs follow one board; {movers} of them move a card every second for {seconds} s",
        team.len()
    );
    let cpu_before = (cpu_seconds(pids), own_cpu_seconds(), Instant::now());
    let mut runs = Vec::new();
    for (i, api) in team.iter().take(movers).enumerate() {
        let api = api.on(&api.base);
        let ((card, mut version), columns, sent_at) = (cards[i], columns.clone(), sent_at.clone());
        let offset = Duration::from_millis((i as u64 * 1000) / movers as u64);
        runs.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut request_us = Vec::new();
            for n in 0..seconds {
                tick.tick().await;
                let column = columns[(n as usize + 1) % columns.len()];
                let started = now_us();
                sent_at.lock().unwrap().insert((card, version + 1), started);
                let (status, answer) = api
                    .try_post(
                        &format!("/api/tasks/{card}/move"),
                        json!({"column_id": column, "after_id": null, "version": version}),
                    )
                    .await;
                assert!(status.is_success(), "move: {status} {answer}");
                request_us.push(now_us() - started);
                version = answer["version"].as_i64().unwrap();
            }
            request_us
        }));
    }
    let mut request_us = Vec::new();
    for run in runs {
        request_us.extend(run.await.unwrap());
    }
    let moves = request_us.len();
    let expected = moves * team.len();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got: usize = tabs.iter().map(|t| t.lock().unwrap().seqs.len()).sum();
        if got >= expected || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let wall = cpu_before.2.elapsed().as_secs_f64().max(1e-9);
    let cores = |before: Option<f64>, after: Option<f64>| match (before, after) {
        (Some(b), Some(a)) => format!("{:.2}", (a - b) / wall),
        _ => "n/a".to_string(),
    };
    let (server_cpu, generator_cpu) = (
        cores(cpu_before.0, cpu_seconds(pids)),
        cores(cpu_before.1, own_cpu_seconds()),
    );

    let (mut delivered, mut lost, mut duplicated, mut out_of_order) = (0, 0, 0, 0);
    let mut latencies = Vec::new();
    let wanted: HashSet<i64> = (start_seq + 1..=start_seq + moves as i64).collect();
    for tab in tabs.iter() {
        let tab = tab.lock().unwrap();
        delivered += tab.seqs.len();
        let unique: HashSet<i64> = tab.seqs.iter().copied().collect();
        duplicated += tab.seqs.len() - unique.len();
        lost += wanted.difference(&unique).count();
        out_of_order += tab.seqs.windows(2).filter(|w| w[1] <= w[0]).count();
        latencies.extend_from_slice(&tab.latencies_us);
    }
    latencies.sort_unstable();
    request_us.sort_unstable();
    println!("| tabs | moves | deliveries expected | delivered | lost | duplicated | out of order | move → every tab p50 ms | p99 ms | max ms | move request p50 ms | p99 ms | server RSS MiB | server CPU (cores) | generator CPU (cores) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {moves} | {expected} | {delivered} | {lost} | {duplicated} | {out_of_order} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {server_cpu} | {generator_cpu} |",
        team.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
        percentile(&request_us, 0.5),
        percentile(&request_us, 0.99),
        rss_mib(pids).map_or("n/a".into(), |r| format!("{r:.1}")),
    );
    if let Some(b) = rss_before {
        println!("server RSS before the tabs connected: {b:.1} MiB");
    }

    big_board(&team[0], tasks, pages, rich).await;
}

/// A board of `tasks` cards in 5 columns (`rich`: made rich), rendered by
/// the server `pages` times.
async fn big_board(owner: &Api, tasks: usize, pages: usize, rich: bool) {
    let board = owner
        .post("/api/boards", json!({"name": "Big board"}))
        .await["id"]
        .as_i64()
        .unwrap();
    for name in ["Review", "Released"] {
        owner
            .post(
                &format!("/api/boards/{board}/columns"),
                json!({"name": name}),
            )
            .await;
    }
    let columns = column_ids(owner, board).await;
    let labels = if rich {
        make_labels(owner, board).await
    } else {
        Vec::new()
    };
    let me = my_id(owner).await;
    let started = Instant::now();
    let owner = Arc::new(owner.on(&owner.base));
    let labels = Arc::new(labels);
    let mut made = 0;
    while made < tasks {
        let batch: Vec<_> = (made..(made + 8).min(tasks))
            .map(|i| {
                let (owner, labels) = (owner.clone(), labels.clone());
                let column = columns[i % columns.len()];
                tokio::spawn(async move {
                    let card = owner
                        .post(
                            &format!("/api/boards/{board}/tasks"),
                            json!({"column_id": column, "title": format!("Task number {i}: something to do"), "description": "Some words about it."}),
                        )
                        .await;
                    if rich {
                        enrich(&owner, card["id"].as_i64().unwrap(), i, &labels, me).await;
                    }
                })
            })
            .collect();
        made += batch.len();
        for b in batch {
            b.await.unwrap();
        }
    }
    println!(
        "\n{tasks} {}cards made in {:.1} s; the board page rendered {pages} times:",
        if rich { "rich " } else { "" },
        started.elapsed().as_secs_f64()
    );
    let path = format!("{}/boards/{board}", owner.base);
    let mut times = Vec::new();
    let mut html_bytes = 0;
    for _ in 0..pages {
        let t = Instant::now();
        let res = owner
            .http
            .get(&path)
            .header("cookie", &owner.cookie)
            .send()
            .await
            .expect("page");
        assert!(res.status().is_success(), "board page: {}", res.status());
        html_bytes = res.bytes().await.unwrap().len();
        times.push(t.elapsed().as_micros() as u64);
    }
    let compressed = |encoding: &'static str| {
        let owner = owner.clone();
        let path = path.clone();
        async move {
            owner
                .http
                .get(&path)
                .header("cookie", &owner.cookie)
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len()
        }
    };
    let (br, gzip) = (compressed("br").await, compressed("gzip").await);
    times.sort_unstable();
    println!("| cards | page p50 ms | p99 ms | max ms | HTML bytes | brotli bytes | gzip bytes |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {tasks} | {:.1} | {:.1} | {:.1} | {html_bytes} | {br} | {gzip} |",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0) as f64 / 1000.0,
    );
}
