//! Cross-instance fan-out through Redis pub/sub (`--redis-url`).
//!
//! Every event published on an instance is delivered to that instance's own
//! subscribers at once (so an instance keeps serving its clients when Redis
//! is away) and relayed on one Redis channel; every other instance delivers
//! what it receives to its own subscribers. Messages and comments are in the
//! database before they are published, so Redis only carries notices: when
//! the link breaks, the instance logs it, reconnects with backoff and, once
//! subscribed again, asks every live connection to replay what it is missing
//! from the database ([`Hub::request_resync`]). An instance whose own
//! publishing link broke (events it could not relay) announces a resync to
//! the others as soon as it is back. Nothing is lost; the resyncs and the
//! per-connection id checks keep it free of duplicates.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::hub::{Backend, Delivery, Event, Hub, Topic};
use super::redis_link::RedisLink;

/// The Redis channel every instance publishes on and listens to.
pub const CHANNEL: &str = "taskflow:events";
/// Events waiting to be relayed. When Redis is slower than the events come,
/// the newest are dropped and, once the queue drains, the other instances are
/// told to resync (they catch up from the database): memory stays bounded.
pub const PUBLISH_QUEUE: usize = 16_384;
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Delivers locally, and relays through Redis.
pub struct RedisBackend {
    instance: String,
    outbox: mpsc::Sender<String>,
    /// Set when an event did not fit in the queue.
    overflowed: Arc<AtomicBool>,
}

/// What travels on the channel: who sent it, and the topic and the event —
/// or a request that everyone resync (`"resync": true`).
#[derive(Deserialize)]
struct Envelope {
    i: String,
    #[serde(default)]
    t: String,
    #[serde(default)]
    e: Option<Event>,
    #[serde(default)]
    resync: bool,
}

impl Backend for RedisBackend {
    fn publish(&self, hub: &Hub, topic: Topic, event: Arc<Delivery>) {
        hub.deliver_local(topic, &event);
        // The event's frame is already JSON: wrap it without re-encoding.
        let payload = format!(
            r#"{{"i":"{}","t":"{}","e":{}}}"#,
            self.instance,
            topic,
            event.whole_frame()
        );
        if let Err(mpsc::error::TrySendError::Full(_)) = self.outbox.try_send(payload) {
            if !self.overflowed.swap(true, Ordering::AcqRel) {
                tracing::warn!("redis (publish): queue full; other instances will resync");
            }
        }
    }
}

/// A hub whose events reach every instance connected to the same Redis.
/// Must run inside a Tokio runtime. Publishing shares the instance's link;
/// the subscription has its own connection, retried in the background.
pub fn hub(link: &RedisLink) -> Hub {
    let instance = format!(
        "{:016x}",
        rand::random::<u64>() ^ u64::from(std::process::id())
    );
    let (outbox, outgoing) = mpsc::channel(PUBLISH_QUEUE);
    let overflowed = Arc::new(AtomicBool::new(false));
    let hub = Hub::new(Arc::new(RedisBackend {
        instance: instance.clone(),
        outbox,
        overflowed: overflowed.clone(),
    }));
    tokio::spawn(publish_loop(
        link.conn.clone(),
        outgoing,
        instance.clone(),
        overflowed,
    ));
    tokio::spawn(subscribe_loop(link.client.clone(), hub.clone(), instance));
    hub
}

fn next_backoff(current: Duration) -> Duration {
    // Doubling, capped, with jitter so instances do not reconnect in step.
    let doubled = (current * 2).min(MAX_BACKOFF);
    let jitter = rand::random::<u64>() % (doubled.as_millis() as u64 / 4 + 1);
    doubled + Duration::from_millis(jitter)
}

async fn publish(
    conn: &mut redis::aio::ConnectionManager,
    payload: &str,
) -> redis::RedisResult<()> {
    redis::cmd("PUBLISH")
        .arg(CHANNEL)
        .arg(payload)
        .query_async::<i64>(conn)
        .await
        .map(|_| ())
}

/// Sends queued events to Redis, in order. Events that cannot be sent (Redis
/// away, or the queue overflowed) are dropped here, and once sending works
/// again the other instances are told to resync: they catch up from the
/// database (see the module docs).
async fn publish_loop(
    mut conn: redis::aio::ConnectionManager,
    mut outgoing: mpsc::Receiver<String>,
    instance: String,
    overflowed: Arc<AtomicBool>,
) {
    let mut backoff = Duration::from_millis(100);
    // Whether the others missed events since the last resync notice.
    let mut missed = false;
    let notice = format!(r#"{{"i":"{instance}","resync":true}}"#);
    while let Some(payload) = outgoing.recv().await {
        missed |= overflowed.swap(false, Ordering::AcqRel);
        if missed {
            if let Err(e) = publish(&mut conn, &notice).await {
                tracing::warn!("redis (publish): {e}; retrying");
                while outgoing.try_recv().is_ok() {}
                tokio::time::sleep(backoff).await;
                backoff = next_backoff(backoff);
                continue;
            }
            missed = false;
        }
        match publish(&mut conn, &payload).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => {
                tracing::warn!("redis (publish): {e}; reconnecting");
                missed = true;
                // Do not let the queue wait on a broken link.
                while outgoing.try_recv().is_ok() {}
                tokio::time::sleep(backoff).await;
                backoff = next_backoff(backoff);
            }
        }
    }
}

/// Listens to the channel and delivers other instances' events here.
async fn subscribe_loop(client: redis::Client, hub: Hub, instance: String) {
    let mut backoff = Duration::from_millis(100);
    let mut was_connected = false;
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(CHANNEL).await {
                Ok(()) => {
                    backoff = Duration::from_millis(100);
                    if was_connected {
                        // Whatever was published while we were away is in the
                        // database: let every connection catch up from there.
                        tracing::info!("redis: subscribed again; live connections resync");
                        hub.request_resync();
                    } else {
                        tracing::info!("redis: subscribed to {CHANNEL}");
                    }
                    was_connected = true;
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        let Ok(payload) = message.get_payload::<String>() else {
                            continue;
                        };
                        deliver(&hub, &instance, &payload);
                    }
                    tracing::warn!("redis: subscription lost; reconnecting");
                }
                Err(e) => tracing::warn!("redis: cannot subscribe: {e}; retrying"),
            },
            Err(e) => tracing::warn!("redis: cannot connect: {e}; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = next_backoff(backoff);
    }
}

fn deliver(hub: &Hub, instance: &str, payload: &str) {
    let Ok(envelope) = serde_json::from_str::<Envelope>(payload) else {
        tracing::debug!("redis: ignoring a malformed event");
        return;
    };
    if envelope.i == instance {
        return; // Ours: already delivered locally.
    }
    if envelope.resync {
        hub.request_resync();
        return;
    }
    if let (Ok(topic), Some(event)) = (envelope.t.parse::<Topic>(), envelope.e) {
        hub.deliver_local(topic, &Arc::new(Delivery::new(event)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_cap() {
        let mut b = Duration::from_millis(100);
        for _ in 0..20 {
            b = next_backoff(b);
        }
        assert!(b >= MAX_BACKOFF && b <= MAX_BACKOFF + MAX_BACKOFF / 4);
    }

    #[test]
    fn the_publish_queue_is_bounded_and_an_overflow_asks_for_a_resync() {
        let (outbox, mut outgoing) = mpsc::channel(2);
        let overflowed = Arc::new(AtomicBool::new(false));
        let hub = Hub::new(Arc::new(RedisBackend {
            instance: "me".into(),
            outbox,
            overflowed: overflowed.clone(),
        }));
        let mut local = hub.subscriber(8);
        local.subscribe(Topic::Board(3));
        for user_id in 0..5 {
            hub.publish(
                Topic::Board(3),
                Event::BoardPresence {
                    board_id: 3,
                    user_id,
                    online: true,
                },
            );
        }
        let mut queued = Vec::new();
        while let Ok(p) = outgoing.try_recv() {
            queued.push(p);
        }
        assert_eq!(queued.len(), 2, "only what fits is kept: {queued:?}");
        assert!(queued[0].contains(r#""user_id":0"#) && queued[1].contains(r#""user_id":1"#));
        assert!(
            overflowed.load(Ordering::Acquire),
            "the drop is remembered, so the others resync"
        );
        let mut delivered = 0;
        while local.try_recv().is_some() {
            delivered += 1;
        }
        assert_eq!(delivered, 5, "local delivery never depends on Redis");
    }

    #[tokio::test]
    async fn envelopes_from_other_instances_are_delivered_ours_are_not() {
        let hub = Hub::default();
        let mut sub = hub.subscriber(8);
        sub.subscribe(Topic::Board(3));
        let event = r#"{"type":"board_presence","board_id":3,"user_id":7,"online":true}"#;
        deliver(
            &hub,
            "me",
            &format!(r#"{{"i":"me","t":"board:3","e":{event}}}"#),
        );
        deliver(&hub, "me", "not json");
        deliver(
            &hub,
            "me",
            &format!(r#"{{"i":"other","t":"board:3","e":{event}}}"#),
        );
        let (topic, got) = sub.recv().await.unwrap();
        assert_eq!(topic, Topic::Board(3));
        assert_eq!(
            got.event,
            Event::BoardPresence {
                board_id: 3,
                user_id: 7,
                online: true
            }
        );
        assert!(
            sub.try_recv().is_none(),
            "our own echo is not delivered twice"
        );
        let resyncs = hub.resync_signal();
        deliver(&hub, "me", r#"{"i":"other","resync":true}"#);
        assert!(
            resyncs.has_changed().unwrap(),
            "another instance asked for a resync"
        );
    }
}
