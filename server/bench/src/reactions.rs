//! Messages that change after they are sent (issue 26): `subscribers`
//! sockets follow one room; `messages` messages are posted one after the
//! other, and each gets three reactions (three people) and one edit by its
//! author. For each event kind — the new message, a reaction, the edit —
//! the time from just before its request to its arrival at every
//! subscriber: p50, p99, max, and whether each arrived exactly once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as Ws;

use super::{connect, now_us, percentile, rss_mib, setup, subscribe};

/// The reactions every message gets, one person each.
const EMOJI: [&str; 3] = ["👍", "🎉", "❤️"];

/// What the subscribers saw: per event key, how many times; per kind, the
/// latencies (µs).
#[derive(Default)]
struct Seen {
    times: HashMap<String, u32>,
    latency: HashMap<&'static str, Vec<u64>>,
}

pub async fn run(urls: &[String], pid: &[u32], subscribers: usize, messages: usize) {
    let users = subscribers.clamp(1, 50);
    let (_owner, members, room) = setup(&urls[0], users + 4).await;
    let (listeners, actors) = members.split_at(users);
    let (author, reactors) = actors.split_first().expect("four actors");
    let rss_before = rss_mib(pid);
    // When each reaction's request left: (message id, emoji) -> µs.
    let sent: Arc<Mutex<HashMap<(i64, String), u64>>> = Arc::default();
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let started = Instant::now();
    for i in 0..subscribers {
        let api = listeners[i % listeners.len()].on(&urls[i % urls.len()]);
        let (mut socket, _) = connect(&api).await;
        subscribe(&mut socket, room).await;
        let (sent, seen) = (sent.clone(), seen.clone());
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let Ws::Text(text) = frame else { continue };
                let now = now_us();
                let Ok(f) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                let (kind, key, at) = match f["type"].as_str() {
                    Some("message") => {
                        let content = f["message"]["content"].as_str().unwrap_or_default();
                        let mut words = content.split(' ');
                        let kind = match words.next() {
                            Some("bench") => "message",
                            Some("bench-edit") => "edit",
                            _ => continue,
                        };
                        let n = words.next().unwrap_or_default().to_string();
                        let Some(at) = words.next().and_then(|w| w.parse::<u64>().ok()) else {
                            continue;
                        };
                        (kind, format!("{kind} {n}"), at)
                    }
                    Some("reaction") => {
                        let id = f["message_id"].as_i64().unwrap_or_default();
                        let emoji = f["reaction"]["emoji"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string();
                        let Some(at) = sent.lock().unwrap().get(&(id, emoji.clone())).copied()
                        else {
                            continue;
                        };
                        ("reaction", format!("reaction {id} {emoji}"), at)
                    }
                    _ => continue,
                };
                let key = format!("{i} {key}");
                let mut seen = seen.lock().unwrap();
                *seen.times.entry(key).or_insert(0) += 1;
                seen.latency
                    .entry(kind)
                    .or_default()
                    .push(now.saturating_sub(at));
            }
        });
    }
    println!(
        "{subscribers} subscribers connected in {:.1} s; {messages} messages, each with {} reactions and one edit",
        started.elapsed().as_secs_f64(),
        EMOJI.len()
    );
    let run_started = Instant::now();
    for n in 0..messages {
        let answer = author
            .post(
                &format!("/messaging/room/{room}/send/"),
                json!({"content": format!("bench {n} {}", now_us())}),
            )
            .await;
        let id = answer["id"].as_i64().expect("message id");
        for (reactor, emoji) in reactors.iter().zip(EMOJI) {
            sent.lock()
                .unwrap()
                .insert((id, emoji.to_string()), now_us());
            let path = format!("/messaging/message/{id}/reactions/{}/", encode(emoji));
            let (status, body) = reactor
                .try_send(reqwest::Method::PUT, &path, Value::Null)
                .await;
            assert!(status.is_success(), "{path}: {status} {body}");
        }
        author
            .patch(
                &format!("/messaging/message/{id}/"),
                json!({"content": format!("bench-edit {n} {}", now_us())}),
            )
            .await;
    }
    let sending = run_started.elapsed();
    // Wait for the stragglers (or give up after 10 s of silence).
    let expected = subscribers * messages * (2 + EMOJI.len());
    let mut last = 0;
    for _ in 0..100 {
        let got: usize = seen.lock().unwrap().latency.values().map(Vec::len).sum();
        if got >= expected
            || (got == last && got > 0 && run_started.elapsed() > sending + Duration::from_secs(10))
        {
            break;
        }
        last = got;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = seen.lock().unwrap();
    let twice = seen.times.values().filter(|n| **n > 1).count();
    println!(
        "sent in {:.1} s ({:.0} changes/s); delivered {} of {expected} events, {twice} more than once",
        sending.as_secs_f64(),
        (messages * (2 + EMOJI.len())) as f64 / sending.as_secs_f64(),
        seen.latency.values().map(Vec::len).sum::<usize>()
    );
    for kind in ["message", "reaction", "edit"] {
        let mut l = seen.latency.get(kind).cloned().unwrap_or_default();
        l.sort_unstable();
        println!(
            "{kind:>8}: {} deliveries, latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            l.len(),
            percentile(&l, 0.5),
            percentile(&l, 0.99),
            l.last().copied().unwrap_or(0) as f64 / 1000.0
        );
    }
    if let (Some(before), Some(after)) = (rss_before, rss_mib(pid)) {
        println!("server RSS: {before:.1} MiB before, {after:.1} MiB after");
    }
}

/// Percent-encodes an emoji for a path segment.
fn encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}
