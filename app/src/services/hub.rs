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
//!
//! Fan-out scales with subscribers and cores: subscribers are split into
//! shards (by id), each with its own registry and worker task, so a message to
//! 10,000 sockets is delivered by all cores at once, and each subscriber still
//! gets events in the order they were published. A WebSocket subscriber may
//! also hand the hub a [`DirectSink`]: when its connection is idle, nothing is
//! queued for it and the event is the next item of a stream it follows, the
//! worker writes the pre-framed bytes to the socket itself (no queue, no
//! wake-up, no per-socket framing) — see [`Subscriber::hold`] for how the
//! connection and the workers take turns.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use tokio::sync::{mpsc, oneshot};

pub use crate::protocol::{Event, Topic};

/// An event on its way to subscribers. Its frame is serialised once, on first
/// use, and shared by every connection that sends it (a message to 10,000
/// subscribers is encoded once, and each socket gets a reference to the same
/// bytes, not a copy).
#[derive(Debug)]
pub struct Delivery {
    pub event: Event,
    frame: OnceLock<Framed>,
}

/// An event's frame, serialised once: the JSON text, and the same text as
/// one complete WebSocket text frame, header included (RFC 6455 §5.2: final
/// fragment, unmasked as server frames are).
#[derive(Debug)]
struct Framed {
    json: String,
    ws: Bytes,
    header: usize,
}

impl Delivery {
    pub fn new(event: Event) -> Self {
        Self {
            event,
            frame: OnceLock::new(),
        }
    }

    fn framed(&self) -> &Framed {
        self.frame.get_or_init(|| {
            let json = self.event.to_frame();
            let mut ws = Vec::with_capacity(json.len() + 10);
            ws.push(0x81);
            match json.len() {
                len @ 0..=125 => ws.push(len as u8),
                len @ 126..=0xffff => {
                    ws.push(126);
                    ws.extend_from_slice(&(len as u16).to_be_bytes());
                }
                len => {
                    ws.push(127);
                    ws.extend_from_slice(&(len as u64).to_be_bytes());
                }
            }
            let header = ws.len();
            ws.extend_from_slice(json.as_bytes());
            Framed {
                json,
                ws: Bytes::from(ws),
                header,
            }
        })
    }

    /// The frame's JSON text.
    pub fn frame(&self) -> &str {
        &self.framed().json
    }

    /// The JSON text as shared bytes (cheap to clone: one per socket).
    pub fn text(&self) -> Bytes {
        let framed = self.framed();
        framed.ws.slice(framed.header..)
    }

    /// The whole WebSocket frame, for the sockets the fan-out writes to.
    pub fn ws_frame(&self) -> &Bytes {
        &self.framed().ws
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

/// A socket the fan-out may write to itself, bypassing the subscriber's
/// queue (see [`Hub::socket_subscriber`]).
pub trait DirectSink: Send + Sync + 'static {
    /// Writes one complete frame now, or buffers it for the connection to
    /// flush, without ever waiting. `false`: it cannot take it (its buffer is
    /// full, the socket is gone); the event is then queued as usual.
    fn write_now(&self, frame: &Bytes) -> bool;
}

/// Where a subscriber stands in one stream it follows, shared by its
/// connection and the fan-out: the number of the last item sent, or
/// [`DirectCursor::OFF`] while only the connection may send its items.
#[derive(Clone, Debug)]
pub struct DirectCursor(Arc<AtomicI64>);

impl Default for DirectCursor {
    /// Off.
    fn default() -> Self {
        Self(Arc::new(AtomicI64::new(Self::OFF)))
    }
}

impl DirectCursor {
    pub const OFF: i64 = i64::MIN;

    /// The last item number sent (`None`: off).
    pub fn get(&self) -> Option<i64> {
        Some(self.0.load(Ordering::Acquire)).filter(|&n| n != Self::OFF)
    }

    /// Lets the fan-out send the item numbered `seq + 1` (and on) itself.
    pub fn set(&self, seq: i64) {
        self.0.store(seq, Ordering::Release);
    }

    /// Only the connection sends this stream's items (it stopped following).
    pub fn disable(&self) {
        self.0.store(Self::OFF, Ordering::Release);
    }
}

/// One live connection's mailbox.
pub struct Subscriber {
    pub id: u64,
    rx: mpsc::Receiver<(Topic, Arc<Delivery>)>,
    shared: Arc<SubscriberShared>,
    hub: Hub,
}

/// Who writes to a socket subscriber now (see [`Subscriber::hold`]).
const GATE_IDLE: u8 = 0;
const GATE_FAN_OUT: u8 = 1;
const GATE_CONNECTION: u8 = 2;

struct SubscriberShared {
    tx: mpsc::Sender<(Topic, Arc<Delivery>)>,
    capacity: usize,
    overflowed: AtomicBool,
    sink: Option<Arc<dyn DirectSink>>,
    gate: AtomicU8,
    /// Events queued and not yet handled by the connection: the fan-out
    /// writes directly only when nothing is waiting, so nothing is overtaken.
    unsettled: AtomicUsize,
}

/// A subscriber's registration for one topic.
#[derive(Clone)]
struct Target {
    shared: Arc<SubscriberShared>,
    cursor: DirectCursor,
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

    /// Registers for a topic. The cursor lets the fan-out send the topic's
    /// stream items itself (socket subscribers only); it starts off.
    pub fn subscribe(&self, topic: Topic) -> DirectCursor {
        self.hub.attach(topic, self.id, &self.shared)
    }

    /// Takes the socket for the connection: from here until
    /// [`release`](Self::release) the fan-out queues everything and writes
    /// nothing itself, so the connection may change what it follows and
    /// where it stands (its cursors) and write freely. A socket subscriber
    /// starts held. Waits (briefly: one non-blocking write) while a fan-out
    /// worker is writing.
    pub async fn hold(&self) {
        let mut spins = 0u32;
        while let Err(GATE_FAN_OUT) = self.shared.gate.compare_exchange(
            GATE_IDLE,
            GATE_CONNECTION,
            Ordering::Acquire,
            Ordering::Relaxed,
        ) {
            spins += 1;
            if spins % 64 == 0 {
                tokio::task::yield_now().await;
            } else {
                std::hint::spin_loop();
            }
        }
    }

    /// Gives the socket back to the fan-out: the connection has handled
    /// `handled` of the events it took from the queue (all of them, and
    /// set its cursors) and is idle.
    pub fn release(&self, handled: usize) {
        if handled > 0 {
            self.shared.unsettled.fetch_sub(handled, Ordering::AcqRel);
        }
        self.shared.gate.store(GATE_IDLE, Ordering::Release);
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

/// The subscribers of one shard, by topic.
#[derive(Default)]
struct Registry {
    topics: HashMap<Topic, HashMap<u64, Target>>,
    by_subscriber: HashMap<u64, HashSet<Topic>>,
}

/// A share of the subscribers (by id) with its worker, which fans out to
/// them in the order events were published.
#[derive(Default)]
struct Shard {
    registry: Mutex<Registry>,
    /// Started on first use (inside the runtime).
    worker: OnceLock<mpsc::UnboundedSender<ShardJob>>,
}

enum ShardJob {
    Deliver(Topic, Arc<Delivery>),
    /// Answered once everything queued before it has been fanned out.
    Mark(oneshot::Sender<()>),
}

impl Shard {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A fan-out worker yields to the runtime after this many subscribers, so
/// a pass over a big room does not hold a core from everything else.
const FAN_OUT_SLICE: usize = 256;

/// The hub. Cheap to clone; all clones share one set of shards.
#[derive(Clone)]
pub struct Hub {
    shards: Arc<[Shard]>,
    backend: Arc<dyn Backend>,
    next_id: Arc<AtomicU64>,
    stats: Arc<HubStats>,
    /// Bumped when deliveries may have been lost (see [`Hub::request_resync`]).
    resync: Arc<tokio::sync::watch::Sender<u64>>,
    reorder: Arc<Reorder>,
}

/// How long a room message that overtook an earlier one waits for it.
pub const REORDER_WAIT: std::time::Duration = std::time::Duration::from_millis(40);

/// Puts room messages back in `seq` order before fan-out. Messages written by
/// different instances can reach an instance in another order than their
/// numbers (each instance publishes after its own commit). Held back here,
/// once per instance, the overtaking message waits up to [`REORDER_WAIT`]
/// for the missing one (normally in flight); after that it goes anyway, and
/// each connection fills the gap from the database (`ws::admit_message`).
/// Nothing is ever dropped here: connections drop repeats themselves.
#[derive(Default)]
struct Reorder {
    rooms: Mutex<HashMap<i64, RoomOrder>>,
}

#[derive(Default)]
struct RoomOrder {
    /// The `seq` expected next (0: not known yet).
    next: i64,
    held: std::collections::BTreeMap<i64, Arc<Delivery>>,
    timer_armed: bool,
}

impl Reorder {
    /// What can be delivered now, in order, and whether to arm the timer.
    fn offer(&self, room_id: i64, seq: i64, event: &Arc<Delivery>) -> (Vec<Arc<Delivery>>, bool) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let room = rooms.entry(room_id).or_default();
        if room.next != 0 && seq > room.next {
            room.held.insert(seq, event.clone());
            let arm = !std::mem::replace(&mut room.timer_armed, true);
            return (Vec::new(), arm);
        }
        let mut ready = vec![event.clone()];
        room.next = room.next.max(seq + 1);
        while let Some(next) = room.held.remove(&room.next) {
            ready.push(next);
            room.next += 1;
        }
        (ready, false)
    }

    /// The timer ran out: everything held goes, in order.
    fn flush(&self, room_id: i64) -> Vec<Arc<Delivery>> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let Some(room) = rooms.get_mut(&room_id) else {
            return Vec::new();
        };
        room.timer_armed = false;
        let held = std::mem::take(&mut room.held);
        if let Some((&last, _)) = held.iter().next_back() {
            room.next = room.next.max(last + 1);
        }
        held.into_values().collect()
    }
}

/// Counters for logs and the benchmark.
#[derive(Default, Debug)]
pub struct HubStats {
    pub delivered: AtomicU64,
    /// Of those, written to the socket by the fan-out itself.
    pub direct: AtomicU64,
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
        // Two shards per core: a core busy elsewhere still leaves work to steal.
        let shards = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
        Self {
            shards: (0..shards).map(|_| Shard::default()).collect(),
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
        self.new_subscriber(capacity, None)
    }

    /// A mailbox for a socket the fan-out may also write to directly; it
    /// starts held by its connection (see [`Subscriber::hold`]).
    pub fn socket_subscriber(&self, capacity: usize, sink: Arc<dyn DirectSink>) -> Subscriber {
        self.new_subscriber(capacity, Some(sink))
    }

    fn new_subscriber(&self, capacity: usize, sink: Option<Arc<dyn DirectSink>>) -> Subscriber {
        let (tx, rx) = mpsc::channel(capacity.max(2));
        Subscriber {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            rx,
            shared: Arc::new(SubscriberShared {
                tx,
                capacity: capacity.max(2),
                overflowed: AtomicBool::new(false),
                sink,
                gate: AtomicU8::new(GATE_CONNECTION),
                unsettled: AtomicUsize::new(0),
            }),
            hub: self.clone(),
        }
    }

    /// Publishes an event to a topic (through the backend).
    pub fn publish(&self, topic: Topic, event: Event) {
        self.backend
            .publish(self, topic, Arc::new(Delivery::new(event)));
    }

    /// Delivers to this process's subscribers of `topic`, room messages in
    /// `seq` order (see [`Reorder`]). Never blocks.
    pub fn deliver_local(&self, topic: Topic, event: &Arc<Delivery>) {
        let (Topic::Room(room_id), Event::Message { message }) = (topic, &event.event) else {
            return self.fan_out(topic, event);
        };
        if message.seq <= 0 {
            return self.fan_out(topic, event);
        }
        let (ready, arm_timer) = self.reorder.offer(room_id, message.seq, event);
        for delivery in ready {
            self.fan_out(topic, &delivery);
        }
        if arm_timer {
            let hub = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(REORDER_WAIT).await;
                for delivery in hub.reorder.flush(room_id) {
                    hub.fan_out(topic, &delivery);
                }
            });
        }
    }

    /// Hands an event to the worker of every shard with subscribers of `topic`.
    fn fan_out(&self, topic: Topic, event: &Arc<Delivery>) {
        for shard in self.shards.iter() {
            if shard.lock().topics.contains_key(&topic) {
                self.shard_worker(shard)
                    .send(ShardJob::Deliver(topic, event.clone()))
                    .ok();
            }
        }
    }

    fn shard_worker<'a>(&self, shard: &'a Shard) -> &'a mpsc::UnboundedSender<ShardJob> {
        shard.worker.get_or_init(|| {
            let (jobs, queue) = mpsc::unbounded_channel();
            let index = self.shards.iter().position(|s| std::ptr::eq(s, shard));
            tokio::spawn(fan_out_worker(
                self.shards.clone(),
                index.unwrap_or(0),
                self.stats.clone(),
                queue,
            ));
            jobs
        })
    }

    /// Resolves once every event published before the call has been put in
    /// its subscribers' queues (or written to their sockets).
    pub async fn delivered(&self) {
        let mut marks = Vec::new();
        for shard in self.shards.iter() {
            if let Some(worker) = shard.worker.get() {
                let (done, mark) = oneshot::channel();
                if worker.send(ShardJob::Mark(done)).is_ok() {
                    marks.push(mark);
                }
            }
        }
        for mark in marks {
            let _ = mark.await;
        }
    }

    /// How many subscribers (in this process) listen to a topic.
    pub fn subscriber_count(&self, topic: Topic) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().topics.get(&topic).map_or(0, HashMap::len))
            .sum()
    }

    pub fn stats(&self) -> &HubStats {
        &self.stats
    }

    fn shard_of(&self, id: u64) -> &Shard {
        &self.shards[(id % self.shards.len() as u64) as usize]
    }

    fn attach(&self, topic: Topic, id: u64, shared: &Arc<SubscriberShared>) -> DirectCursor {
        let cursor = DirectCursor::default();
        let mut registry = self.shard_of(id).lock();
        registry.topics.entry(topic).or_default().insert(
            id,
            Target {
                shared: shared.clone(),
                cursor: cursor.clone(),
            },
        );
        registry.by_subscriber.entry(id).or_default().insert(topic);
        cursor
    }

    fn detach(&self, topic: Topic, id: u64) {
        let mut registry = self.shard_of(id).lock();
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
        let mut registry = self.shard_of(id).lock();
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

/// One shard's fan-out: each event to each of the shard's subscribers of
/// its topic, in the order published.
async fn fan_out_worker(
    shards: Arc<[Shard]>,
    index: usize,
    stats: Arc<HubStats>,
    mut queue: mpsc::UnboundedReceiver<ShardJob>,
) {
    let mut targets: Vec<Target> = Vec::new();
    while let Some(job) = queue.recv().await {
        let (topic, event) = match job {
            ShardJob::Deliver(topic, event) => (topic, event),
            ShardJob::Mark(done) => {
                let _ = done.send(());
                continue;
            }
        };
        targets.clear();
        if let Some(subs) = shards[index].lock().topics.get(&topic) {
            targets.extend(subs.values().cloned());
        }
        let direct = direct_seq(topic, &event.event);
        for (n, target) in targets.iter().enumerate() {
            deliver(&stats, target, topic, &event, direct);
            if n % FAN_OUT_SLICE == FAN_OUT_SLICE - 1 {
                tokio::task::yield_now().await;
            }
        }
        targets.clear();
    }
}

/// The number of an event that the fan-out may write to a socket itself:
/// a room's message or a thread's comment (board changes may end a
/// follower's access, so their connection handles them).
fn direct_seq(topic: Topic, event: &Event) -> Option<i64> {
    match (topic, event) {
        (Topic::Room(room), Event::Message { message }) if message.room_id == room => {
            Some(message.seq)
        }
        (Topic::Task(task), Event::Comment { comment }) if comment.task_id == task => {
            Some(comment.seq)
        }
        _ => None,
    }
}

/// One event to one subscriber: written to its socket when it is idle,
/// has nothing queued and this is the next item of the stream it follows;
/// otherwise queued (hints dropped first, a full queue overflows).
fn deliver(
    stats: &HubStats,
    target: &Target,
    topic: Topic,
    event: &Arc<Delivery>,
    direct: Option<i64>,
) {
    let sub = &target.shared;
    if sub.overflowed.load(Ordering::Acquire) {
        return;
    }
    if let (Some(seq), Some(sink)) = (direct, &sub.sink) {
        if sub
            .gate
            .compare_exchange(
                GATE_IDLE,
                GATE_FAN_OUT,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_ok()
        {
            let written = sub.unsettled.load(Ordering::Acquire) == 0
                && target.cursor.get() == Some(seq - 1)
                && sink.write_now(event.ws_frame());
            if written {
                target.cursor.set(seq);
            }
            sub.gate.store(GATE_IDLE, Ordering::Release);
            if written {
                stats.delivered.fetch_add(1, Ordering::Relaxed);
                stats.direct.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    }
    if event.event.is_droppable() && sub.tx.capacity() * 2 < sub.capacity {
        stats.dropped_hints.fetch_add(1, Ordering::Relaxed);
        return;
    }
    // Counted before it is queued: the connection may take it at once.
    if sub.sink.is_some() {
        sub.unsettled.fetch_add(1, Ordering::AcqRel);
    }
    let queued = sub.tx.try_send((topic, event.clone()));
    if queued.is_err() && sub.sink.is_some() {
        sub.unsettled.fetch_sub(1, Ordering::AcqRel);
    }
    match queued {
        Ok(()) => {
            stats.delivered.fetch_add(1, Ordering::Relaxed);
        }
        Err(mpsc::error::TrySendError::Full(_)) if event.event.is_droppable() => {
            stats.dropped_hints.fetch_add(1, Ordering::Relaxed);
        }
        Err(mpsc::error::TrySendError::Full(_)) => {
            // Too slow for a message it must not miss: cut it loose.
            sub.overflowed.store(true, Ordering::Release);
            stats.overflowed.fetch_add(1, Ordering::Relaxed);
        }
        Err(mpsc::error::TrySendError::Closed(_)) => {}
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
                created_at: 0,
                mentions: vec![],
                seq: id,
            },
        }
    }

    fn typing() -> Event {
        Event::Typing {
            room_id: Some(1),
            task_id: None,
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
        let frame: serde_json::Value =
            serde_json::from_str(Delivery::new(message(7)).frame()).unwrap();
        assert_eq!(frame["type"], "message");
        assert_eq!(frame["message"]["id"], 7);
        assert_eq!(frame["message"]["author"]["username"], "ada");
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
        async fn ids(hub: &Hub, sub: &mut Subscriber) -> Vec<i64> {
            hub.delivered().await;
            let mut got = Vec::new();
            while let Some((_, d)) = sub.try_recv() {
                if let Event::Message { message } = &d.event {
                    got.push(message.seq);
                }
            }
            got
        }
        hub.publish(Topic::Room(1), message(1));
        hub.publish(Topic::Room(1), message(3));
        assert_eq!(ids(&hub, &mut sub).await, vec![1], "3 waits for 2");
        hub.publish(Topic::Room(1), message(2));
        assert_eq!(ids(&hub, &mut sub).await, vec![2, 3]);
        // A gap nobody fills: after the wait, what was held goes anyway.
        hub.publish(Topic::Room(1), message(5));
        assert!(ids(&hub, &mut sub).await.is_empty());
        tokio::time::sleep(REORDER_WAIT * 3).await;
        assert_eq!(ids(&hub, &mut sub).await, vec![5]);
        // Late and repeated ones are not dropped here (connections do that).
        hub.publish(Topic::Room(1), message(4));
        assert_eq!(ids(&hub, &mut sub).await, vec![4]);
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
        hub.delivered().await;
        assert_eq!(a.recv().await.unwrap().1.event, message(1));
        assert_eq!(b.recv().await.unwrap().1.event, message(1));
        assert!(c.rx.try_recv().is_err());
        b.unsubscribe(Topic::Room(1));
        hub.publish(Topic::Room(1), message(2));
        hub.delivered().await;
        assert_eq!(a.recv().await.unwrap().1.event, message(2));
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
        hub.delivered().await;
        assert!(!slow.has_overflowed());
        hub.publish(Topic::Room(1), message(5));
        hub.delivered().await;
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

    /// A socket that keeps what the fan-out wrote to it.
    #[derive(Default)]
    struct Written(Mutex<Vec<Bytes>>);

    impl DirectSink for Written {
        fn write_now(&self, frame: &Bytes) -> bool {
            self.0.lock().unwrap().push(frame.clone());
            true
        }
    }

    fn written_ids(sink: &Written) -> Vec<i64> {
        let frames = std::mem::take(&mut *sink.0.lock().unwrap());
        frames
            .iter()
            .map(|frame| {
                assert_eq!(frame[0], 0x81, "one final text frame");
                let (len, start) = match frame[1] {
                    126 => (u16::from_be_bytes([frame[2], frame[3]]) as usize, 4),
                    127 => panic!("a small frame"),
                    len => (len as usize, 2),
                };
                assert_eq!(len, frame.len() - start, "its length");
                let json: serde_json::Value = serde_json::from_slice(&frame[start..]).unwrap();
                json["message"]["seq"].as_i64().unwrap()
            })
            .collect()
    }

    fn queued_ids(sub: &mut Subscriber) -> Vec<i64> {
        let mut got = Vec::new();
        while let Some((_, d)) = sub.try_recv() {
            if let Event::Message { message } = &d.event {
                got.push(message.seq);
            }
        }
        got
    }

    #[tokio::test]
    async fn an_idle_socket_gets_the_next_items_written_directly_and_nothing_overtakes_its_queue() {
        let hub = Hub::default();
        let sink = Arc::new(Written::default());
        let mut sub = hub.socket_subscriber(16, sink.clone());
        let cursor = sub.subscribe(Topic::Room(1));
        // Held (as a socket subscriber starts) and the cursor off: queued.
        hub.publish(Topic::Room(1), message(1));
        hub.delivered().await;
        assert!(written_ids(&sink).is_empty());
        assert_eq!(queued_ids(&mut sub), vec![1]);
        // The connection handled #1, stands at 1 and goes idle.
        cursor.set(1);
        sub.release(1);
        hub.publish(Topic::Room(1), message(2));
        hub.publish(Topic::Room(1), message(3));
        hub.delivered().await;
        assert_eq!(written_ids(&sink), vec![2, 3], "written by the fan-out");
        assert_eq!(cursor.get(), Some(3), "and the cursor moved with them");
        assert!(queued_ids(&mut sub).is_empty());
        // Not the next one for where the connection stands (it is at 2, so
        // #4 leaves a gap): queued, for the connection to fill.
        cursor.set(2);
        hub.publish(Topic::Room(1), message(4));
        hub.delivered().await;
        assert!(written_ids(&sink).is_empty());
        assert_eq!(queued_ids(&mut sub), vec![4]);
        // While that one is unhandled, even the next number is queued
        // behind it, never written ahead of it.
        cursor.set(4);
        hub.publish(Topic::Room(1), message(5));
        hub.delivered().await;
        assert!(written_ids(&sink).is_empty());
        assert_eq!(queued_ids(&mut sub), vec![5]);
        sub.release(2);
        // Held again (the connection is busy): queued.
        sub.hold().await;
        cursor.set(5);
        hub.publish(Topic::Room(1), message(6));
        hub.delivered().await;
        assert!(written_ids(&sink).is_empty());
        assert_eq!(queued_ids(&mut sub), vec![6]);
        sub.release(1);
        // Hints and other events always go through the queue.
        hub.publish(Topic::Room(1), typing());
        hub.delivered().await;
        assert!(written_ids(&sink).is_empty());
        assert_eq!(sub.try_recv().map(|(_, d)| d.event.clone()), Some(typing()));
        sub.release(1);
        // A stream no longer followed (cursor off): queued, and dropped by
        // the connection.
        cursor.disable();
        hub.publish(Topic::Room(1), message(7));
        hub.delivered().await;
        assert!(written_ids(&sink).is_empty());
        assert_eq!(queued_ids(&mut sub), vec![7]);
        assert_eq!(hub.stats().direct.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_big_room_is_fanned_out_by_every_shard_in_publish_order() {
        let hub = Hub::default();
        let mut subs: Vec<Subscriber> = (0..1000).map(|_| hub.subscriber(64)).collect();
        for sub in &subs {
            sub.subscribe(Topic::Room(1));
        }
        for seq in 1..=20 {
            hub.publish(Topic::Room(1), message(seq));
        }
        hub.delivered().await;
        for sub in &mut subs {
            assert_eq!(queued_ids(sub), (1..=20).collect::<Vec<_>>());
        }
        assert_eq!(hub.stats().delivered.load(Ordering::Relaxed), 20_000);
    }
}
