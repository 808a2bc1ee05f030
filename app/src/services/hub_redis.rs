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

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::hub::{Backend, Delivery, Event, Hub, Topic};

/// The Redis channel every instance publishes on and listens to.
pub const CHANNEL: &str = "taskflow:events";
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Delivers locally, and relays through Redis.
pub struct RedisBackend {
    instance: String,
    outbox: mpsc::UnboundedSender<String>,
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
            event.frame()
        );
        let _ = self.outbox.send(payload);
    }
}

/// A hub whose events reach every instance connected to the same Redis.
/// Must run inside a Tokio runtime. Fails only on a malformed URL: an
/// unreachable Redis is retried in the background.
pub fn hub(url: &str) -> Result<Hub, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let instance = format!(
        "{:016x}",
        rand::random::<u64>() ^ u64::from(std::process::id())
    );
    let (outbox, outgoing) = mpsc::unbounded_channel();
    let hub = Hub::new(Arc::new(RedisBackend {
        instance: instance.clone(),
        outbox,
    }));
    tokio::spawn(publish_loop(client.clone(), outgoing, instance.clone()));
    tokio::spawn(subscribe_loop(client, hub.clone(), instance));
    Ok(hub)
}

fn next_backoff(current: Duration) -> Duration {
    // Doubling, capped, with jitter so instances do not reconnect in step.
    let doubled = (current * 2).min(MAX_BACKOFF);
    let jitter = rand::random::<u64>() % (doubled.as_millis() as u64 / 4 + 1);
    doubled + Duration::from_millis(jitter)
}

/// Sends queued events to Redis, in order, reconnecting when the link breaks.
/// Events that cannot be sent are dropped here: receivers catch up from the
/// database when their own link comes back (see the module docs).
async fn publish_loop(
    client: redis::Client,
    mut outgoing: mpsc::UnboundedReceiver<String>,
    instance: String,
) {
    let mut backoff = Duration::from_millis(100);
    // Whether events were dropped since the last successful publish.
    let mut dropped = false;
    loop {
        let mut conn = match client.get_multiplexed_async_connection().await {
            Ok(conn) => {
                backoff = Duration::from_millis(100);
                conn
            }
            Err(e) => {
                tracing::warn!("redis (publish): cannot connect: {e}; retrying");
                // Do not let the queue grow while Redis is away.
                while outgoing.try_recv().is_ok() {
                    dropped = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = next_backoff(backoff);
                continue;
            }
        };
        if dropped {
            // The others missed what we could not relay: they catch up from
            // the database.
            let notice = format!(r#"{{"i":"{instance}","resync":true}}"#);
            let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                .arg(CHANNEL)
                .arg(&notice)
                .query_async(&mut conn)
                .await;
            match sent {
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("redis (publish): {e}; reconnecting");
                    continue;
                }
            }
        }
        loop {
            let Some(payload) = outgoing.recv().await else {
                return;
            };
            let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                .arg(CHANNEL)
                .arg(&payload)
                .query_async(&mut conn)
                .await;
            if let Err(e) = sent {
                tracing::warn!("redis (publish): {e}; reconnecting");
                dropped = true;
                break;
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
