//! The fan-out subscribers, read on one thread of their own by a plain
//! readiness loop (mio), not by a tokio task each.
//!
//! The generator shares the machine's two cores with the server. With a task,
//! a wake-up and a lock per delivery it spent about as much CPU receiving a
//! frame (9 µs) as the server spent sending it, so at 10,000 subscribers the
//! figures measured the two processes queueing for the cores as much as the
//! server. Here a delivery costs a readiness event, a read and a lookup.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message as Ws, WebSocket};

use crate::{bench_fields, now_us};

type Socket = WebSocket<TcpStream>;

/// What the subscribers received so far.
#[derive(Default)]
pub struct Tally {
    /// Per subscriber: message number → times received.
    pub seen: Vec<HashMap<u64, u32>>,
    /// Every delivery's latency (send to receipt), in µs.
    pub latencies_us: Vec<u64>,
}

/// The reading thread's results, shared with the driver.
pub struct Subscribers {
    pub tally: Arc<Mutex<Tally>>,
    pub deliveries: Arc<AtomicU64>,
    pub last_delivery_us: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Drop for Subscribers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Opens one subscribed WebSocket per `(base url, session cookie)`, in turn
/// (blocking); returns them with each one's handshake time in µs.
pub fn open(targets: &[(String, String)], room: i64) -> (Vec<Socket>, Vec<u64>) {
    let mut sockets = Vec::with_capacity(targets.len());
    let mut times = Vec::with_capacity(targets.len());
    for (base, cookie) in targets {
        let started = Instant::now();
        let host = base.trim_start_matches("http://").trim_end_matches('/');
        let stream = TcpStream::connect(host).expect("connect");
        // Like browsers: no Nagle delay on small frames.
        stream.set_nodelay(true).expect("nodelay");
        let mut req = format!("ws://{host}/ws").into_client_request().unwrap();
        req.headers_mut().insert("cookie", cookie.parse().unwrap());
        req.headers_mut().insert("origin", base.parse().unwrap());
        let (mut socket, _) =
            tungstenite::client::client_with_config(req, stream, Some(crate::socket_config()))
                .unwrap_or_else(|e| panic!("websocket handshake: {e}"));
        times.push(started.elapsed().as_micros() as u64);
        let subscribe = json!({"type": "subscribe", "topic": format!("room:{room}")});
        socket
            .send(Ws::text(subscribe.to_string()))
            .expect("subscribe");
        loop {
            match socket.read().expect("a frame") {
                Ws::Text(t) if t.as_str().contains("\"subscribed\"") => break,
                _ => {}
            }
        }
        socket.get_ref().set_nonblocking(true).expect("nonblocking");
        sockets.push(socket);
    }
    (sockets, times)
}

/// Starts the reading thread for `sockets`.
pub fn listen(sockets: Vec<Socket>) -> Subscribers {
    let tally = Arc::new(Mutex::new(Tally {
        seen: vec![HashMap::new(); sockets.len()],
        latencies_us: Vec::new(),
    }));
    let subscribers = Subscribers {
        tally: tally.clone(),
        deliveries: Arc::default(),
        last_delivery_us: Arc::default(),
        stop: Arc::default(),
    };
    let deliveries = subscribers.deliveries.clone();
    let last = subscribers.last_delivery_us.clone();
    let stop = subscribers.stop.clone();
    std::thread::Builder::new()
        .name("subscribers".into())
        .spawn(move || read_all(sockets, &tally, &deliveries, &last, &stop))
        .expect("spawn the reading thread");
    subscribers
}

fn read_all(
    sockets: Vec<Socket>,
    tally: &Mutex<Tally>,
    deliveries: &AtomicU64,
    last: &AtomicU64,
    stop: &AtomicBool,
) {
    let mut poll = Poll::new().expect("poll");
    for (i, socket) in sockets.iter().enumerate() {
        let fd = socket.get_ref().as_raw_fd();
        poll.registry()
            .register(&mut SourceFd(&fd), Token(i), Interest::READABLE)
            .expect("register");
    }
    let mut sockets: Vec<Option<Socket>> = sockets.into_iter().map(Some).collect();
    let mut events = Events::with_capacity(4096);
    // Readiness is edge-triggered: read each one dry once at the start (a
    // frame may already wait), then each time it is reported.
    let mut ready: Vec<usize> = (0..sockets.len()).collect();
    while !stop.load(Ordering::Relaxed) {
        if !ready.is_empty() {
            let mut tally = tally.lock().unwrap();
            let (mut count, mut latest) = (0, 0);
            for i in ready.drain(..) {
                let (n, at) = read_dry(&mut sockets[i], i, &mut tally);
                count += n;
                latest = latest.max(at);
            }
            drop(tally);
            deliveries.fetch_add(count, Ordering::Relaxed);
            last.fetch_max(latest, Ordering::Relaxed);
        }
        match poll.poll(&mut events, Some(Duration::from_millis(100))) {
            Ok(()) => ready.extend(events.iter().map(|e| e.token().0)),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("poll: {e}"),
        }
    }
}

/// Reads one socket until it has nothing more; the bench deliveries found
/// and the time of the last. A socket that ends is dropped (what it missed
/// counts as lost).
fn read_dry(slot: &mut Option<Socket>, i: usize, tally: &mut Tally) -> (u64, u64) {
    let (mut count, mut latest) = (0, 0);
    let Some(socket) = slot else {
        return (0, 0);
    };
    loop {
        match socket.read() {
            Ok(Ws::Text(text)) => {
                let now = now_us();
                let Some((seq, sent)) = bench_fields(text.as_str()) else {
                    continue;
                };
                *tally.seen[i].entry(seq).or_insert(0) += 1;
                tally.latencies_us.push(now.saturating_sub(sent));
                count += 1;
                latest = now;
            }
            // Pings are answered by tungstenite on the next read.
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => break,
            Err(_) => {
                *slot = None;
                break;
            }
        }
    }
    (count, latest)
}
