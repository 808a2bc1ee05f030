//! `taskflow-bench`: drives real WebSocket clients against a running TaskFlow
//! and prints delivery latency (p50, p99, max), delivered messages per second,
//! lost and duplicated deliveries, connect times and the server's memory.
//!
//! ```text
//! taskflow-bench fanout --url http://127.0.0.1:3000 --subscribers 1000 --rate 100 --seconds 10 --server-pid PID
//! taskflow-bench idle   --url http://127.0.0.1:3000 --connections 10000 --server-pid PID
//! taskflow-bench board  --url http://127.0.0.1:3000 --members 200 --seconds 10 --tasks 2000 [--rich]
//! taskflow-bench floor  --sockets 10000 --rate 10 --seconds 10 --writers 2
//! ```
//! The server should run with `--message-rate 0` (the per-user limit would
//! otherwise throttle the senders). See scripts/bench.sh and docs/performance.md.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as Ws;

#[derive(Parser)]
#[command(about = "Load generator for TaskFlow's real-time chat")]
struct Cli {
    /// The server's base URL; several (comma-separated) to spread the clients
    /// over instances of one deployment (round robin).
    #[arg(
        long,
        default_value = "http://127.0.0.1:3000",
        global = true,
        value_delimiter = ','
    )]
    url: Vec<String>,
    /// PID of the server (several: the instances), to report resident memory.
    #[arg(long, global = true, value_delimiter = ',')]
    server_pid: Vec<u32>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// N subscribers in one room; senders post `rate` messages per second.
    Fanout {
        #[arg(long, default_value_t = 1000)]
        subscribers: usize,
        /// Messages per second (total, over all senders). Several values: a sweep.
        #[arg(long, value_delimiter = ',', default_value = "100")]
        rate: Vec<u64>,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 4)]
        senders: usize,
    },
    /// N subscribers in one room; every message gets 3 reactions and an
    /// edit: the latency of each event kind.
    Reactions {
        #[arg(long, default_value_t = 1000)]
        subscribers: usize,
        #[arg(long, default_value_t = 50)]
        messages: usize,
    },
    /// N connections that only listen; reports the server's memory.
    Idle {
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
    },
    /// The live board: `members` tabs follow one board while one member in
    /// ten moves a card every second; then a board of `tasks` cards is
    /// rendered by the server again and again.
    Board {
        #[arg(long, default_value_t = 200)]
        members: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 2000)]
        tasks: usize,
        /// Server-rendered board pages to time.
        #[arg(long, default_value_t = 100)]
        pages: usize,
        /// Every card as a team's cards look: two labels, a three-item
        /// checklist (one ticked), an assignee and a due date.
        #[arg(long)]
        rich: bool,
    },
    /// No server: `rate` times a second, one record to each of N loopback
    /// TCP sockets of this process; the lower bound of fan-out latency here.
    Floor {
        #[arg(long, default_value_t = 10_000)]
        sockets: usize,
        #[arg(long, default_value_t = 10)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Threads writing (each owns a share of the sockets).
        #[arg(long, default_value_t = 2)]
        writers: usize,
        /// Threads reading, in the second process.
        #[arg(long, default_value_t = 1)]
        readers: usize,
        /// Bytes per record (a chat message frame is about this size).
        #[arg(long, default_value_t = 256)]
        record: usize,
    },
    /// The reading process of `floor` (started by it).
    #[command(hide = true)]
    FloorReader {
        #[arg(long)]
        connect: String,
        #[arg(long)]
        sockets: usize,
        #[arg(long)]
        record: usize,
        #[arg(long)]
        expect: u64,
        #[arg(long)]
        readers: usize,
    },
}

fn clock() -> &'static Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now)
}

fn now_us() -> u64 {
    clock().elapsed().as_micros() as u64
}

struct Api {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Api {
    /// The same session, talking to another instance of the deployment.
    fn on(&self, base: &str) -> Api {
        Api {
            http: self.http.clone(),
            base: base.to_string(),
            cookie: self.cookie.clone(),
        }
    }

    async fn signup(base: &str, username: &str) -> Api {
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/api/auth/signup"))
            .header("origin", base)
            .json(&json!({"username": username, "password": "benchmark password"}))
            .send()
            .await
            .expect("signup");
        assert!(
            res.status().is_success(),
            "signup {username}: {}",
            res.status()
        );
        let cookie = res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        Api {
            http,
            base: base.to_string(),
            cookie,
        }
    }

    /// A request's status and JSON body (no assertion).
    async fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (reqwest::StatusCode, Value) {
        let res = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header("origin", &self.base)
            .header("cookie", &self.cookie)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn try_post(&self, path: &str, body: Value) -> (reqwest::StatusCode, Value) {
        self.try_send(reqwest::Method::POST, path, body).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, body) = self.try_post(path, body).await;
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// A `PATCH` that must succeed; its JSON body.
    async fn patch(&self, path: &str, body: Value) -> Value {
        let (status, body) = self.try_send(reqwest::Method::PATCH, path, body).await;
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(api: &Api) -> (Socket, Duration) {
    let started = Instant::now();
    let url = format!("{}/ws", api.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("cookie", api.cookie.parse().unwrap());
    req.headers_mut()
        .insert("origin", api.base.parse().unwrap());
    // Like browsers: no Nagle delay on small frames.
    let (socket, _) = tokio_tungstenite::connect_async_with_config(req, None, true)
        .await
        .expect("websocket");
    (socket, started.elapsed())
}

async fn subscribe(socket: &mut Socket, room: i64) {
    socket
        .send(Ws::text(
            json!({"type": "subscribe", "topic": format!("room:{room}")}).to_string(),
        ))
        .await
        .unwrap();
    while let Some(Ok(frame)) = socket.next().await {
        if let Ws::Text(t) = frame {
            if t.as_str().contains("\"subscribed\"") {
                return;
            }
        }
    }
    panic!("no subscribed frame");
}

/// A board, a room, and `users` members in it; returns (owner, member apis, room id).
async fn setup(base: &str, users: usize) -> (Api, Vec<Api>, i64) {
    let tag = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 0xffffff
    );
    let owner = Api::signup(base, &format!("bench_{tag}_owner")).await;
    let board = owner
        .post("/api/boards", json!({"name": "Benchmark"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let room = owner
        .post(
            &format!("/messaging/board/{board}/rooms/create/"),
            json!({"name": format!("bench {tag}")}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let mut members = Vec::new();
    for i in 0..users {
        let name = format!("bench_{tag}_{i}");
        members.push(Api::signup(base, &name).await);
        owner
            .post(
                &format!("/api/boards/{board}/members"),
                json!({"username": name}),
            )
            .await;
        owner
            .post(
                &format!("/messaging/room/{room}/members/"),
                json!({"username": name}),
            )
            .await;
    }
    (owner, members, room)
}

/// `(seq, sent_us)` from a message frame whose content is `bench <seq> <sent_us>`.
fn bench_fields(frame: &str) -> Option<(u64, u64)> {
    let start = frame.find("\"content\":\"bench ")? + "\"content\":\"bench ".len();
    let rest = &frame[start..];
    let end = rest.find('"')?;
    let (seq, sent) = rest[..end].split_once(' ')?;
    Some((seq.parse().ok()?, sent.parse().ok()?))
}

/// The servers' resident memory, summed over their processes.
fn rss_mib(pids: &[u32]) -> Option<f64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|pid| rss_of(*pid)).sum()
}

/// CPU time (user + system) the processes used so far, in seconds.
fn cpu_seconds(pids: &[u32]) -> Option<f64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|pid| cpu_of(*pid)).sum()
}

fn cpu_of(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses): field 14 utime, 15 stime.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU time of this process (the load generator), in seconds.
fn own_cpu_seconds() -> Option<f64> {
    cpu_of(std::process::id())
}

fn rss_of(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx] as f64 / 1000.0
}

struct Collected {
    deliveries: AtomicU64,
    last_delivery_us: AtomicU64,
}

mod board;
mod floor;
mod reactions;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    clock();
    match cli.command {
        Command::Idle { connections } => idle(&cli.url, &cli.server_pid, connections).await,
        Command::Reactions {
            subscribers,
            messages,
        } => reactions::run(&cli.url, &cli.server_pid, subscribers, messages).await,
        Command::Board {
            members,
            seconds,
            tasks,
            pages,
            rich,
        } => {
            let shape = board::Shape {
                members,
                seconds,
                tasks,
                pages,
                rich,
            };
            board::run(&cli.url[0], &cli.server_pid, shape).await
        }
        Command::Floor {
            sockets,
            rate,
            seconds,
            writers,
            readers,
            record,
        } => floor::run(sockets, rate, seconds, writers, readers, record),
        Command::FloorReader {
            connect,
            sockets,
            record,
            expect,
            readers,
        } => floor::read(&connect, sockets, readers, record, expect),
        Command::Fanout {
            subscribers,
            rate,
            seconds,
            senders,
        } => {
            fanout(
                &cli.url,
                &cli.server_pid,
                subscribers,
                &rate,
                seconds,
                senders,
            )
            .await
        }
    }
}

async fn idle(urls: &[String], pid: &[u32], connections: usize) {
    let (_owner, members, room) = setup(&urls[0], 10).await;
    let before = rss_mib(pid);
    let mut sockets = Vec::with_capacity(connections);
    let mut times = Vec::with_capacity(connections);
    let started = Instant::now();
    for i in 0..connections {
        let (mut s, t) = connect(&members[i % members.len()].on(&urls[i % urls.len()])).await;
        subscribe(&mut s, room).await;
        sockets.push(s);
        times.push(t.as_micros() as u64);
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_mib(pid);
    times.sort_unstable();
    println!(
        "idle connections: {connections} (subscribed to one room), opened in {:.1} s",
        elapsed.as_secs_f64()
    );
    println!(
        "connect time: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    if let (Some(b), Some(a)) = (before, after) {
        println!("server RSS: {b:.1} MiB before, {a:.1} MiB with {connections} connections ({:.1} KiB per connection)", (a - b) * 1024.0 / connections as f64);
    }
    drop(sockets);
}

async fn fanout(
    urls: &[String],
    pid: &[u32],
    subscribers: usize,
    rates: &[u64],
    seconds: u64,
    senders: usize,
) {
    let users = subscribers.clamp(1, 50);
    let (_owner, members, room) = setup(&urls[0], users + senders).await;
    let (listeners, sender_apis) = members.split_at(users);
    let rss_before = rss_mib(pid);
    let collected = Arc::new(Collected {
        deliveries: AtomicU64::new(0),
        last_delivery_us: AtomicU64::new(0),
    });
    // seen[subscriber] = (message seq -> times received, latencies in µs)
    type Seen = Mutex<(HashMap<u64, u32>, Vec<u64>)>;
    let seen: Arc<Vec<Seen>> = Arc::new((0..subscribers).map(|_| Mutex::default()).collect());
    let mut connect_times = Vec::new();
    let connect_started = Instant::now();
    for i in 0..subscribers {
        let api = listeners[i % listeners.len()].on(&urls[i % urls.len()]);
        let (mut socket, t) = connect(&api).await;
        subscribe(&mut socket, room).await;
        connect_times.push(t.as_micros() as u64);
        let collected = collected.clone();
        let seen = seen.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let Ws::Text(text) = frame else { continue };
                let now = now_us();
                // Cheap parse (the generator shares the machine with the server):
                // find `"content":"bench <seq> <sent_us>"` without a JSON tree.
                let Some((seq, sent)) = bench_fields(text.as_str()) else {
                    continue;
                };
                let mut mine = seen[i].lock().unwrap();
                *mine.0.entry(seq).or_insert(0) += 1;
                mine.1.push(now.saturating_sub(sent));
                drop(mine);
                collected.deliveries.fetch_add(1, Ordering::Relaxed);
                collected.last_delivery_us.fetch_max(now, Ordering::Relaxed);
            }
        });
    }
    let connect_elapsed = connect_started.elapsed();
    connect_times.sort_unstable();
    println!(
        "{subscribers} subscribers connected in {:.1} s (connect p50 {:.2} ms, p99 {:.2} ms); {} senders",
        connect_elapsed.as_secs_f64(),
        percentile(&connect_times, 0.5),
        percentile(&connect_times, 0.99),
        senders
    );
    // Senders read their own sockets all the time (acks, echoes): a client
    // that stops reading is, by design, disconnected by the server.
    let mut sender_sockets = Vec::new();
    for (j, api) in sender_apis.iter().enumerate() {
        let (mut s, _) = connect(&api.on(&urls[j % urls.len()])).await;
        subscribe(&mut s, room).await;
        let (sink, mut stream) = s.split();
        tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
        sender_sockets.push(sink);
    }
    let mut seq_base = 0u64;
    println!("| messages/s offered | sent | deliveries expected | delivered | lost | duplicated | delivered/s | p50 ms | p99 ms | max ms | server RSS MiB | server CPU (cores) | generator CPU (cores) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for &rate in rates {
        for s in seen.iter() {
            s.lock().unwrap().1.clear();
        }
        collected.deliveries.store(0, Ordering::Relaxed);
        let total = rate * seconds;
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let start_us = now_us();
        let cpu_before = (cpu_seconds(pid), own_cpu_seconds(), Instant::now());
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut cut_off = false;
        for n in 0..total {
            ticker.tick().await;
            let seq = seq_base + n;
            let which = (n as usize) % sender_sockets.len();
            let s = &mut sender_sockets[which];
            let frame = json!({"type": "message", "room_id": room, "content": format!("bench {seq} {}", now_us())});
            if s.send(Ws::text(frame.to_string())).await.is_err() {
                cut_off = true;
                break;
            }
        }
        if cut_off {
            println!("| {rate} | — | — | — | — | — | — | — | — | — | — | — | — |");
            println!("\nAt {rate} messages/s the server disconnected a sender that could not keep up reading its own socket (slow-consumer protection): saturated.");
            break;
        }
        // Let deliveries finish.
        let expected = total * subscribers as u64;
        let deadline = Instant::now() + Duration::from_secs(30);
        while collected.deliveries.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let delivered = collected.deliveries.load(Ordering::Relaxed);
        let (mut unique, mut dups) = (0u64, 0u64);
        let mut lat = Vec::new();
        for s in seen.iter() {
            let guard = s.lock().unwrap();
            lat.extend_from_slice(&guard.1);
            for (seq, count) in guard.0.iter() {
                if *seq >= seq_base && *seq < seq_base + total {
                    unique += 1;
                    dups += u64::from(*count - 1);
                }
            }
        }
        let lost = expected.saturating_sub(unique);
        let span_s = (collected
            .last_delivery_us
            .load(Ordering::Relaxed)
            .saturating_sub(start_us)) as f64
            / 1e6;
        lat.sort_unstable();
        let rss = rss_mib(pid).map_or("n/a".to_string(), |r| format!("{r:.1}"));
        // Cores busy while the step ran (its sending and its deliveries).
        let wall = cpu_before.2.elapsed().as_secs_f64().max(1e-9);
        let cores = |before: Option<f64>, after: Option<f64>| match (before, after) {
            (Some(b), Some(a)) => format!("{:.2}", (a - b) / wall),
            _ => "n/a".to_string(),
        };
        let server_cpu = cores(cpu_before.0, cpu_seconds(pid));
        let generator_cpu = cores(cpu_before.1, own_cpu_seconds());
        println!(
            "| {rate} | {total} | {expected} | {delivered} | {lost} | {dups} | {:.0} | {:.2} | {:.2} | {:.2} | {rss} | {server_cpu} | {generator_cpu} |",
            delivered as f64 / span_s.max(1e-9),
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            lat.last().copied().unwrap_or(0) as f64 / 1000.0,
        );
        seq_base += total;
    }
    if let Some(b) = rss_before {
        println!("server RSS before the runs: {b:.1} MiB");
    }
}
