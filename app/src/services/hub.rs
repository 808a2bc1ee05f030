//! The real-time hub: who is subscribed to what, and fan-out of events to them.
//!
//! Every live connection (a WebSocket, a long-poll) owns a [`Subscriber`]: a
//! bounded queue of outgoing events. Publishing to a topic puts the event in
//! the queue of every subscriber of that topic, without ever waiting:
//!
//! - chat messages are never dropped: if a subscriber's queue is full, that
//!   subscriber is marked *overflowed* and its connection is closed (the
//!   client reconnects and resumes from the database, see `services::chat`);
//! - typing and presence hints are dropped first: they are only queued while
//!   the queue is less than half full.
//!
//! So one slow client never slows the others, and memory stays bounded.
//!
//! The fan-out itself goes through a [`Backend`]. [`LocalBackend`] delivers in
//! process; [`super::hub_redis::RedisBackend`] also relays every event to the
//! other instances through Redis pub/sub, and calls [`Hub::deliver_local`] for
//! what arrives from them. When events may have been missed (the link to Redis
//! was down), the backend calls [`Hub::request_resync`]: every live connection
//! then replays what it is missing from the database.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

pub use crate::protocol::{Event, Topic};

/// An event on its way to subscribers. Its frame is serialised once, on first
/// use, and shared by every connection that sends it (a message to 10,000
/// subscribers is encoded once, and each socket gets a reference to the same
/// bytes, not a copy).
///
/// A message or comment goes out in two versions: its author's connections
/// get it with the `client_id` it was sent with, everyone else without
/// (see [`Event::for_viewer`]); each version is serialised once.
#[derive(Debug)]
pub struct Delivery {
    pub event: Event,
    /// The frame as its author's connections get it (or everyone, for an
    /// event that has nothing to take out).
    frame: std::sync::OnceLock<axum::extract::ws::Utf8Bytes>,
    /// The frame without what only its author sees.
    public: std::sync::OnceLock<axum::extract::ws::Utf8Bytes>,
}

impl Delivery {
    pub fn new(event: Event) -> Self {
        Self {
            event,
            frame: std::sync::OnceLock::new(),
            public: std::sync::OnceLock::new(),
        }
    }

    /// The WebSocket frame's text as `viewer` gets it.
    pub fn frame_for(&self, viewer: i64) -> &str {
        self.text_for(viewer).as_str()
    }

    /// The whole frame, for relaying between instances (never sent to a
    /// client as it is: see [`frame_for`](Self::frame_for)).
    pub fn whole_frame(&self) -> &str {
        self.frame
            .get_or_init(|| self.event.to_frame().into())
            .as_str()
    }

    /// The frame as shared bytes (cheap to clone: one per socket), as
    /// `viewer` gets it.
    pub fn text_for(&self, viewer: i64) -> &axum::extract::ws::Utf8Bytes {
        if self.event.differs_for(viewer) {
            self.public
                .get_or_init(|| self.event.clone().for_viewer(viewer).to_frame().into())
        } else {
            self.frame.get_or_init(|| self.event.to_frame().into())
        }
    }
}

/// Delivers published events to subscribers (in this process, or beyond).
pub trait Backend: Send + Sync + 'static {
    /// Sends an event to every subscriber of `topic`, wherever they are.
    fn publish(&self, hub: &Hub, topic: Topic, event: Arc<Delivery>);
}

/// Single-instance fan-out: deliver straight to this process's subscribers.
pub struct LocalBackend;

impl Backend for LocalBackend {
    fn publish(&self, hub: &Hub, topic: Topic, event: Arc<Delivery>) {
        hub.deliver_local(topic, &event);
    }
}

/// Queue sizes of a subscriber.
pub const DEFAULT_QUEUE_CAPACITY: usize = 256;

/// One live connection's mailbox.
pub struct Subscriber {
    pub id: u64,
    rx: mpsc::Receiver<(Topic, Arc<Delivery>)>,
    shared: Arc<SubscriberShared>,
    hub: Hub,
}

struct SubscriberShared {
    tx: mpsc::Sender<(Topic, Arc<Delivery>)>,
    capacity: usize,
    overflowed: AtomicBool,
}

impl Subscriber {
    /// The next event, or `None` once this subscriber has overflowed (the
    /// connection must then close; the client will resume). An overflowed
    /// subscriber gets nothing new queued, and what it had queued before the
    /// overflow is dropped with it: the flag is checked on every call, so a
    /// connection never sends past the gap. (No extra waker per call: this
    /// runs once per delivery.)
    pub async fn recv(&mut self) -> Option<(Topic, Arc<Delivery>)> {
        if self.shared.overflowed.load(Ordering::Acquire) {
            return None;
        }
        let next = self.rx.recv().await;
        if self.shared.overflowed.load(Ordering::Acquire) {
            return None;
        }
        next
    }

    /// An event already waiting, without waiting for one (for batching writes).
    pub fn try_recv(&mut self) -> Option<(Topic, Arc<Delivery>)> {
        if self.shared.overflowed.load(Ordering::Acquire) {
            return None;
        }
        self.rx.try_recv().ok()
    }

    pub fn has_overflowed(&self) -> bool {
        self.shared.overflowed.load(Ordering::Acquire)
    }

    pub fn subscribe(&self, topic: Topic) {
        self.hub.attach(topic, self.id, &self.shared);
    }

    pub fn unsubscribe(&self, topic: Topic) {
        self.hub.detach(topic, self.id);
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.hub.forget(self.id);
    }
}

#[derive(Default)]
struct Registry {
    topics: HashMap<Topic, HashMap<u64, Arc<SubscriberShared>>>,
    by_subscriber: HashMap<u64, HashSet<Topic>>,
}

/// The hub. Cheap to clone; all clones share one registry.
#[derive(Clone)]
pub struct Hub {
    registry: Arc<Mutex<Registry>>,
    backend: Arc<dyn Backend>,
    next_id: Arc<AtomicU64>,
    stats: Arc<HubStats>,
    /// Bumped when deliveries may have been lost (see [`Hub::request_resync`]).
    resync: Arc<tokio::sync::watch::Sender<u64>>,
    reorder: Arc<Reorder>,
}

/// How long an item of a numbered stream that overtook an earlier one
/// waits for it.
pub const REORDER_WAIT: std::time::Duration = std::time::Duration::from_millis(40);

/// Puts the items of numbered streams (room messages, comment changes,
/// board changes) back in `seq` order before fan-out. Items can reach an
/// instance in another order than their numbers: each writer publishes
/// after its own commit, on this instance or on another. Held back here,
/// once per instance, the overtaking item waits up to [`REORDER_WAIT`] for
/// the missing one (normally in flight); after that it goes anyway, and
/// each follower fills the gap from the database (`stream::Follow::admit`).
/// Nothing is ever dropped here: followers drop repeats themselves.
#[derive(Default)]
struct Reorder {
    streams: Mutex<HashMap<Topic, StreamOrder>>,
}

#[derive(Default)]
struct StreamOrder {
    /// The `seq` expected next (0: not known yet).
    next: i64,
    held: std::collections::BTreeMap<i64, Arc<Delivery>>,
    timer_armed: bool,
}

impl Reorder {
    /// What can be delivered now, in order, and whether to arm the timer.
    fn offer(&self, topic: Topic, seq: i64, event: &Arc<Delivery>) -> (Vec<Arc<Delivery>>, bool) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let stream = streams.entry(topic).or_default();
        if stream.next != 0 && seq > stream.next {
            stream.held.insert(seq, event.clone());
            let arm = !std::mem::replace(&mut stream.timer_armed, true);
            return (Vec::new(), arm);
        }
        let mut ready = vec![event.clone()];
        stream.next = stream.next.max(seq + 1);
        while let Some(next) = stream.held.remove(&stream.next) {
            ready.push(next);
            stream.next += 1;
        }
        (ready, false)
    }

    /// The timer ran out: everything held goes, in order.
    fn flush(&self, topic: Topic) -> Vec<Arc<Delivery>> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let Some(stream) = streams.get_mut(&topic) else {
            return Vec::new();
        };
        stream.timer_armed = false;
        let held = std::mem::take(&mut stream.held);
        if let Some((&last, _)) = held.iter().next_back() {
            stream.next = stream.next.max(last + 1);
        }
        held.into_values().collect()
    }
}

/// Counters for logs and the benchmark.
#[derive(Default, Debug)]
pub struct HubStats {
    pub delivered: AtomicU64,
    pub dropped_hints: AtomicU64,
    pub overflowed: AtomicU64,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(Arc::new(LocalBackend))
    }
}

impl Hub {
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        Self {
            registry: Arc::default(),
            backend,
            next_id: Arc::new(AtomicU64::new(1)),
            stats: Arc::default(),
            resync: Arc::new(tokio::sync::watch::channel(0).0),
            reorder: Arc::default(),
        }
    }

    /// Tells every live connection that events may have been missed (the
    /// cross-instance link was down): each replays its subscriptions from
    /// the database, from where it is.
    pub fn request_resync(&self) {
        self.resync.send_modify(|n| *n += 1);
    }

    /// Changes when [`request_resync`](Self::request_resync) is called.
    pub fn resync_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.resync.subscribe()
    }

    /// A new mailbox holding at most `capacity` undelivered events.
    pub fn subscriber(&self, capacity: usize) -> Subscriber {
        let (tx, rx) = mpsc::channel(capacity.max(2));
        Subscriber {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            rx,
            shared: Arc::new(SubscriberShared {
                tx,
                capacity: capacity.max(2),
                overflowed: AtomicBool::new(false),
            }),
            hub: self.clone(),
        }
    }

    /// Publishes an event to a topic (through the backend).
    pub fn publish(&self, topic: Topic, event: Event) {
        self.backend
            .publish(self, topic, Arc::new(Delivery::new(event)));
    }

    /// Delivers to this process's subscribers of `topic`, the items of a
    /// numbered stream in `seq` order (see [`Reorder`]). Never blocks.
    pub fn deliver_local(&self, topic: Topic, event: &Arc<Delivery>) {
        let seq = match event.event.numbered() {
            Some((stream, seq)) if stream == topic && seq > 0 => seq,
            _ => return self.fan_out(topic, event),
        };
        let (ready, arm_timer) = self.reorder.offer(topic, seq, event);
        for delivery in ready {
            self.fan_out(topic, &delivery);
        }
        if arm_timer {
            let hub = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(REORDER_WAIT).await;
                for delivery in hub.reorder.flush(topic) {
                    hub.fan_out(topic, &delivery);
                }
            });
        }
    }

    /// Puts an event in the queue of every local subscriber of `topic`.
    fn fan_out(&self, topic: Topic, event: &Arc<Delivery>) {
        let targets: Vec<Arc<SubscriberShared>> = {
            let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
            match registry.topics.get(&topic) {
                Some(subs) => subs.values().cloned().collect(),
                None => return,
            }
        };
        for sub in targets {
            if sub.overflowed.load(Ordering::Acquire) {
                continue;
            }
            if event.event.is_droppable() && sub.tx.capacity() * 2 < sub.capacity {
                self.stats.dropped_hints.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            match sub.tx.try_send((topic, event.clone())) {
                Ok(()) => {
                    self.stats.delivered.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Full(_)) if event.event.is_droppable() => {
                    self.stats.dropped_hints.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    // Too slow for a message it must not miss: cut it loose.
                    sub.overflowed.store(true, Ordering::Release);
                    self.stats.overflowed.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    /// How many subscribers (in this process) listen to a topic.
    pub fn subscriber_count(&self, topic: Topic) -> usize {
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        registry.topics.get(&topic).map_or(0, HashMap::len)
    }

    pub fn stats(&self) -> &HubStats {
        &self.stats
    }

    fn attach(&self, topic: Topic, id: u64, shared: &Arc<SubscriberShared>) {
        let mut registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        registry
            .topics
            .entry(topic)
            .or_default()
            .insert(id, shared.clone());
        registry.by_subscriber.entry(id).or_default().insert(topic);
    }

    fn detach(&self, topic: Topic, id: u64) {
        let mut registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(subs) = registry.topics.get_mut(&topic) {
            subs.remove(&id);
            if subs.is_empty() {
                registry.topics.remove(&topic);
            }
        }
        if let Some(topics) = registry.by_subscriber.get_mut(&id) {
            topics.remove(&topic);
        }
    }

    fn forget(&self, id: u64) {
        let mut registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        let topics = registry.by_subscriber.remove(&id).unwrap_or_default();
        for topic in topics {
            if let Some(subs) = registry.topics.get_mut(&topic) {
                subs.remove(&id);
                if subs.is_empty() {
                    registry.topics.remove(&topic);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Message, User};

    fn message(id: i64) -> Event {
        Event::Message {
            message: Message {
                id,
                room_id: 1,
                author: User {
                    id: 1,
                    username: "ada".into(),
                    display_name: "Ada".into(),
                },
                content: format!("m{id}"),
                html: String::new(),
                created_at: 0,
                edited_at: None,
                deleted_at: None,
                version: 1,
                mentions: vec![],
                reactions: vec![],
                seq: id,
                client_id: Some(format!("tab-{id}")),
                thread_root_id: None,
                also_to_room: false,
                reply_count: 0,
                last_reply_at: None,
                repliers: vec![],
            },
        }
    }

    fn typing() -> Event {
        Event::Typing {
            room_id: Some(1),
            task_id: None,
            thread_root_id: None,
            user: User {
                id: 2,
                username: "bob".into(),
                display_name: "Bob".into(),
            },
            is_typing: true,
        }
    }

    #[test]
    fn frames_follow_the_protocol() {
        let delivery = Delivery::new(message(7));
        let frame: serde_json::Value = serde_json::from_str(delivery.frame_for(2)).unwrap();
        assert_eq!(frame["type"], "message");
        assert_eq!(frame["message"]["id"], 7);
        assert_eq!(frame["message"]["author"]["username"], "ada");
        // Only its author's connections learn the client_id it was sent with.
        assert!(frame["message"].get("client_id").is_none(), "{frame}");
        let own: serde_json::Value = serde_json::from_str(delivery.frame_for(1)).unwrap();
        assert_eq!(own["message"]["client_id"], "tab-7");
        assert_eq!(own["message"]["id"], 7);
        let frame: serde_json::Value = serde_json::from_str(&typing().to_frame()).unwrap();
        assert_eq!(frame["type"], "typing");
        assert_eq!(frame["is_typing"], true);
        assert_eq!(frame["room_id"], 1);
        assert!(frame.get("task_id").is_none(), "absent, not null");
    }

    #[tokio::test]
    async fn room_messages_are_put_back_in_order() {
        let hub = Hub::default();
        let mut sub = hub.subscriber(16);
        sub.subscribe(Topic::Room(1));
        let ids = |sub: &mut Subscriber| {
            let mut got = Vec::new();
            while let Some((_, d)) = sub.try_recv() {
                if let Event::Message { message } = &d.event {
                    got.push(message.seq);
                }
            }
            got
        };
        hub.publish(Topic::Room(1), message(1));
        hub.publish(Topic::Room(1), message(3));
        assert_eq!(ids(&mut sub), vec![1], "3 waits for 2");
        hub.publish(Topic::Room(1), message(2));
        assert_eq!(ids(&mut sub), vec![2, 3]);
        // A gap nobody fills: after the wait, what was held goes anyway.
        hub.publish(Topic::Room(1), message(5));
        assert!(ids(&mut sub).is_empty());
        tokio::time::sleep(REORDER_WAIT * 3).await;
        assert_eq!(ids(&mut sub), vec![5]);
        // Late and repeated ones are not dropped here (connections do that).
        hub.publish(Topic::Room(1), message(4));
        assert_eq!(ids(&mut sub), vec![4]);
    }

    #[tokio::test]
    async fn board_changes_are_put_back_in_order_too() {
        let hub = Hub::default();
        let mut sub = hub.subscriber(16);
        sub.subscribe(Topic::Board(9));
        let change = |seq| Event::BoardEvent {
            board_id: 9,
            seq,
            change: crate::protocol::BoardChange::BoardRenamed {
                name: format!("n{seq}"),
            },
        };
        let seqs = |sub: &mut Subscriber| {
            let mut got = Vec::new();
            while let Some((_, d)) = sub.try_recv() {
                got.extend(d.event.numbered().map(|(_, seq)| seq));
            }
            got
        };
        hub.publish(Topic::Board(9), change(1));
        hub.publish(Topic::Board(9), change(3));
        assert_eq!(seqs(&mut sub), vec![1], "3 waits for 2");
        hub.publish(Topic::Board(9), change(2));
        assert_eq!(seqs(&mut sub), vec![2, 3]);
    }

    #[tokio::test]
    async fn events_reach_every_subscriber_of_the_topic_only() {
        let hub = Hub::default();
        let mut a = hub.subscriber(8);
        let mut b = hub.subscriber(8);
        let mut c = hub.subscriber(8);
        a.subscribe(Topic::Room(1));
        b.subscribe(Topic::Room(1));
        c.subscribe(Topic::Room(2));
        hub.publish(Topic::Room(1), message(1));
        assert_eq!(a.recv().await.unwrap().1.event, message(1));
        assert_eq!(b.recv().await.unwrap().1.event, message(1));
        assert!(c.rx.try_recv().is_err());
        b.unsubscribe(Topic::Room(1));
        hub.publish(Topic::Room(1), message(2));
        assert!(b.rx.try_recv().is_err());
        drop(a);
        assert_eq!(
            hub.subscriber_count(Topic::Room(1)),
            0,
            "dropped subscribers are forgotten"
        );
    }

    #[tokio::test]
    async fn hints_are_dropped_before_messages_and_slow_subscribers_overflow() {
        let hub = Hub::default();
        let mut slow = hub.subscriber(4);
        let mut fast = hub.subscriber(64);
        slow.subscribe(Topic::Room(1));
        fast.subscribe(Topic::Room(1));
        hub.publish(Topic::Room(1), message(1));
        hub.publish(Topic::Room(1), message(2));
        hub.publish(Topic::Room(1), message(3));
        // Queue at 3/4: typing hints are no longer queued for the slow one.
        hub.publish(Topic::Room(1), typing());
        hub.publish(Topic::Room(1), message(4));
        assert!(!slow.has_overflowed());
        hub.publish(Topic::Room(1), message(5));
        assert!(
            slow.has_overflowed(),
            "a full queue and a message: overflow"
        );
        assert!(
            slow.recv().await.is_none(),
            "the slow connection is told to close"
        );
        for id in 1..=3 {
            assert_eq!(fast.recv().await.unwrap().1.event, message(id));
        }
        assert_eq!(
            fast.recv().await.unwrap().1.event,
            typing(),
            "others still get hints"
        );
        assert_eq!(fast.recv().await.unwrap().1.event, message(4));
        assert_eq!(fast.recv().await.unwrap().1.event, message(5));
        assert_eq!(hub.stats().dropped_hints.load(Ordering::Relaxed), 1);
        assert_eq!(hub.stats().overflowed.load(Ordering::Relaxed), 1);
    }
}
