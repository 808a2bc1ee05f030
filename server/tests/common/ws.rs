//! WebSocket test clients (tokio-tungstenite) with the session cookie of a
//! [`Client`], and helpers to read the protocol's JSON frames.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::Client;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a WebSocket as this client (its session cookie, same-origin).
pub async fn connect(c: &Client, path: &str) -> Socket {
    try_connect(c, path, Some(&c.base.clone()))
        .await
        .expect("websocket handshake")
}

pub async fn try_connect(c: &Client, path: &str, origin: Option<&str>) -> Result<Socket, u16> {
    try_connect_at(c, &c.base, path, origin).await
}

/// Opens a WebSocket with `c`'s session on another server (`base`: another
/// instance of the same deployment).
pub async fn connect_at(c: &Client, base: &str, path: &str) -> Socket {
    try_connect_at(c, base, path, Some(base))
        .await
        .expect("websocket handshake")
}

async fn try_connect_at(
    c: &Client,
    base: &str,
    path: &str,
    origin: Option<&str>,
) -> Result<Socket, u16> {
    let url = format!("{}{}", base.replace("http://", "ws://"), path);
    let mut request = url.into_client_request().unwrap();
    if let Some(cookie) = c.cookie_header() {
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("handshake failed: {e}"),
    }
}

pub async fn send(s: &mut Socket, frame: Value) {
    s.send(Ws::text(frame.to_string())).await.unwrap();
}

/// The next JSON frame (skipping pings), failing after a few seconds.
pub async fn next(s: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), s.next())
            .await
            .expect("no frame within 10 s")
            .expect("socket closed")
            .expect("socket error");
        match frame {
            Ws::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Ws::Close(c) => panic!("socket closed: {c:?}"),
            _ => continue,
        }
    }
}

/// The next frame of a given type, skipping hints (presence, typing, hello).
pub async fn next_of(s: &mut Socket, kind: &str) -> Value {
    next_skipping(s, kind, &[]).await
}

/// Like [`next_of`], also skipping frames of the `also` types.
pub async fn next_skipping(s: &mut Socket, kind: &str, also: &[&str]) -> Value {
    loop {
        let f = next(s).await;
        if f["type"] == kind {
            return f;
        }
        let t = f["type"].as_str().unwrap_or_default();
        assert!(
            ["presence", "typing", "hello", "board_presence"].contains(&t) || also.contains(&t),
            "expected {kind}, got {f}"
        );
    }
}

/// Asserts nothing but noise arrives for a while.
pub async fn quiet(s: &mut Socket, ms: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    loop {
        match tokio::time::timeout_at(deadline, s.next()).await {
            Err(_) => return,
            Ok(Some(Ok(Ws::Text(t)))) => {
                let f: Value = serde_json::from_str(t.as_str()).unwrap();
                assert!(
                    ["presence", "typing", "board_presence"]
                        .contains(&f["type"].as_str().unwrap_or_default()),
                    "unexpected frame {f}"
                );
            }
            Ok(_) => {}
        }
    }
}

/// Opens /ws as `c`, subscribes to `topic` (resuming after `after`), and
/// returns the socket once subscribed, with what was replayed before (the
/// `message` or `comment` payloads, whole `board_event` frames) and the
/// `subscribed` frame.
pub async fn open_subscribed(
    c: &Client,
    topic: &str,
    after: Option<i64>,
) -> (Socket, Vec<Value>, Value) {
    let resume = match after {
        Some(a) => serde_json::json!({ "after": a }),
        None => serde_json::json!({}),
    };
    let (s, replay, last) = open_subscribing(c, topic, resume).await;
    assert_eq!(last["type"], "subscribed", "{last}");
    (s, replay, last)
}

/// Opens /ws as `c` and sends a `subscribe` to `topic` with the fields of
/// `resume` (`after`, `after_seq`, any mix); returns what was replayed and
/// the frame that ended it (`subscribed`, `resync` or an `error`).
pub async fn open_subscribing(
    c: &Client,
    topic: &str,
    resume: Value,
) -> (Socket, Vec<Value>, Value) {
    let mut s = connect(c, "/ws").await;
    assert_eq!(next(&mut s).await["type"], "hello");
    let mut frame = serde_json::json!({"type": "subscribe", "topic": topic});
    for (key, value) in resume.as_object().into_iter().flatten() {
        frame[key] = value.clone();
    }
    send(&mut s, frame).await;
    let mut replay = Vec::new();
    loop {
        let f = next(&mut s).await;
        match f["type"].as_str().unwrap() {
            "message" => replay.push(f["message"].clone()),
            "comment" => replay.push(f["comment"].clone()),
            "board_event" => replay.push(f.clone()),
            "presence" | "typing" | "board_presence" => {}
            _ => return (s, replay, f),
        }
    }
}
