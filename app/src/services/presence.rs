//! Online presence: a user is online while at least one of their connections
//! (tabs, devices) is open, on any instance; several tabs count once.
//! Transitions are announced to the rooms and boards the user is in.
//!
//! Each instance counts its own connections per user. With Redis, each user
//! also has a sorted set `taskflow:online:{user}` of the instances that have a
//! tab of theirs, scored by an expiry time the instance keeps pushing forward
//! (every [`REFRESH`]); an instance that dies drops out after [`TTL`]. Joining
//! and leaving the set and counting it happen in one Redis transaction, so
//! exactly one instance sees the first arrival and the last departure. If
//! Redis cannot be reached, the instance answers from its own counts.
//!
//! Who is typing where is kept the same way (in process, or a Redis hash per
//! room or thread whose entries and key expire after [`TYPING_TTL`]), so a
//! client that opens a room sees who is typing there right now.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::hub::{Event, Topic};
use super::storage::now_ms;
use super::Services;
use crate::error::AppResult;
use crate::model::User;

/// How long an instance's claim that a user is online lasts without refresh.
pub const TTL: Duration = Duration::from_secs(30);
/// How often an instance refreshes its claims.
pub const REFRESH: Duration = Duration::from_secs(10);

/// A typing hint lasts this long after the last "typing" frame.
pub const TYPING_TTL: Duration = Duration::from_secs(10);

/// The users typing in one room or thread, each with when the hint ends (ms).
type TypingHere = HashMap<i64, (User, i64)>;

/// Open connections per user (on this instance), and the shared view.
#[derive(Default)]
pub struct Presence {
    connections: Mutex<HashMap<i64, usize>>,
    /// Who is typing where (without Redis).
    typing: Mutex<HashMap<Topic, TypingHere>>,
    shared: Option<RedisPresence>,
}

/// The Redis side of presence.
struct RedisPresence {
    conn: redis::aio::ConnectionManager,
    instance: String,
}

fn key(user_id: i64) -> String {
    format!("taskflow:online:{user_id}")
}

impl Presence {
    /// Presence shared through Redis by every instance on it. Must run in a
    /// Tokio runtime (it refreshes this instance's claims in the background).
    pub fn with_redis(link: &super::redis_link::RedisLink) -> std::sync::Arc<Self> {
        let conn = link.conn.clone();
        let presence = std::sync::Arc::new(Self {
            connections: Mutex::default(),
            typing: Mutex::default(),
            shared: Some(RedisPresence {
                conn,
                instance: format!("{:016x}", rand::random::<u64>()),
            }),
        });
        let weak = std::sync::Arc::downgrade(&presence);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REFRESH);
            loop {
                tick.tick().await;
                let Some(presence) = weak.upgrade() else {
                    return;
                };
                presence.refresh().await;
            }
        });
        presence
    }

    fn local_change(&self, user_id: i64, delta: i64) -> usize {
        let mut map = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(user_id).or_insert(0);
        *n = (*n as i64 + delta).max(0) as usize;
        let now = *n;
        if now == 0 {
            map.remove(&user_id);
        }
        now
    }

    /// Counts a new connection; `true` if the user just came online.
    pub async fn connect(&self, user_id: i64) -> bool {
        if self.local_change(user_id, 1) != 1 {
            return false; // Another tab here: they were online already.
        }
        match &self.shared {
            None => true,
            Some(shared) => match shared.join(user_id).await {
                Ok(instances) => instances == 1,
                Err(e) => {
                    tracing::warn!("presence: redis: {e}; answering from this instance");
                    true
                }
            },
        }
    }

    /// Counts a closed connection; `true` if the user just went offline.
    pub async fn disconnect(&self, user_id: i64) -> bool {
        let before = self
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&user_id)
            .copied()
            .unwrap_or(0);
        if before == 0 || self.local_change(user_id, -1) != 0 {
            return false;
        }
        match &self.shared {
            None => true,
            Some(shared) => match shared.leave(user_id).await {
                Ok(instances) => instances == 0,
                Err(e) => {
                    tracing::warn!("presence: redis: {e}; answering from this instance");
                    true
                }
            },
        }
    }

    fn online_here(&self, user_id: i64) -> bool {
        let map = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        map.contains_key(&user_id)
    }

    /// Which of these users are online (anywhere).
    pub async fn online(&self, user_ids: &[i64]) -> Vec<i64> {
        if let Some(shared) = &self.shared {
            match shared.online(user_ids).await {
                Ok(online) => return online,
                Err(e) => tracing::warn!("presence: redis: {e}; answering from this instance"),
            }
        }
        user_ids
            .iter()
            .copied()
            .filter(|id| self.online_here(*id))
            .collect()
    }

    /// Records that `user` started (or stopped) typing in a room or thread.
    pub async fn set_typing(&self, topic: Topic, user: &User, is_typing: bool) {
        let until = now_ms() + TYPING_TTL.as_millis() as i64;
        if let Some(shared) = &self.shared {
            match shared.set_typing(topic, user, is_typing, until).await {
                Ok(()) => return,
                Err(e) => tracing::warn!("typing: redis: {e}; kept on this instance"),
            }
        }
        let mut typing = self.typing.lock().unwrap_or_else(|e| e.into_inner());
        let here = typing.entry(topic).or_default();
        if is_typing {
            here.insert(user.id, (user.clone(), until));
        } else {
            here.remove(&user.id);
        }
        let now = now_ms();
        here.retain(|_, (_, until)| *until > now);
        if here.is_empty() {
            typing.remove(&topic);
        }
    }

    /// Who is typing in a room or thread now.
    pub async fn typing_now(&self, topic: Topic) -> Vec<User> {
        if let Some(shared) = &self.shared {
            match shared.typing_now(topic).await {
                Ok(users) => return users,
                Err(e) => tracing::warn!("typing: redis: {e}; answering from this instance"),
            }
        }
        let now = now_ms();
        let typing = self.typing.lock().unwrap_or_else(|e| e.into_inner());
        let mut users: Vec<User> = typing
            .get(&topic)
            .map(|here| {
                here.values()
                    .filter(|(_, until)| *until > now)
                    .map(|(user, _)| user.clone())
                    .collect()
            })
            .unwrap_or_default();
        users.sort_by_key(|u| u.id);
        users
    }

    /// Pushes this instance's claims forward (and forgets expired ones).
    async fn refresh(&self) {
        let Some(shared) = &self.shared else { return };
        let users: Vec<i64> = self
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .copied()
            .collect();
        if let Err(e) = shared.refresh(&users).await {
            tracing::warn!("presence: redis refresh: {e}");
        }
    }
}

impl RedisPresence {
    fn expiry() -> i64 {
        now_ms() + TTL.as_millis() as i64
    }

    /// Adds this instance to the user's set; returns how many instances have them.
    async fn join(&self, user_id: i64) -> redis::RedisResult<i64> {
        self.change(user_id, true).await
    }

    /// Removes this instance from the user's set; returns how many remain.
    async fn leave(&self, user_id: i64) -> redis::RedisResult<i64> {
        self.change(user_id, false).await
    }

    /// In one transaction: forgets expired claims, adds or removes ours, and
    /// counts what is left (so exactly one instance sees 1 on arrival, 0 on
    /// the last departure).
    async fn change(&self, user_id: i64, join: bool) -> redis::RedisResult<i64> {
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("ZREMRANGEBYSCORE")
            .arg(key(user_id))
            .arg("-inf")
            .arg(now_ms())
            .ignore();
        if join {
            pipe.cmd("ZADD").arg(key(user_id)).arg(Self::expiry());
        } else {
            pipe.cmd("ZREM").arg(key(user_id));
        }
        pipe.arg(&self.instance)
            .ignore()
            .cmd("ZCARD")
            .arg(key(user_id));
        let (count,): (i64,) = pipe.query_async(&mut conn).await?;
        Ok(count)
    }

    async fn online(&self, user_ids: &[i64]) -> redis::RedisResult<Vec<i64>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        for id in user_ids {
            pipe.cmd("ZCOUNT").arg(key(*id)).arg(now_ms()).arg("+inf");
        }
        let counts: Vec<i64> = pipe.query_async(&mut conn).await?;
        Ok(user_ids
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(id, _)| *id)
            .collect())
    }

    async fn set_typing(
        &self,
        topic: Topic,
        user: &User,
        is_typing: bool,
        until: i64,
    ) -> redis::RedisResult<()> {
        let key = format!("taskflow:typing:{topic}");
        let mut conn = self.conn.clone();
        if is_typing {
            let entry = serde_json::json!({"user": user, "until": until}).to_string();
            redis::pipe()
                .atomic()
                .cmd("HSET")
                .arg(&key)
                .arg(user.id)
                .arg(entry)
                .ignore()
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(TYPING_TTL.as_millis() as i64)
                .ignore()
                .query_async::<()>(&mut conn)
                .await
        } else {
            redis::cmd("HDEL")
                .arg(&key)
                .arg(user.id)
                .query_async::<()>(&mut conn)
                .await
        }
    }

    async fn typing_now(&self, topic: Topic) -> redis::RedisResult<Vec<User>> {
        let mut conn = self.conn.clone();
        let entries: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(format!("taskflow:typing:{topic}"))
            .query_async(&mut conn)
            .await?;
        let now = now_ms();
        let mut users: Vec<User> = entries
            .values()
            .filter_map(|v| serde_json::from_str::<serde_json::Value>(v).ok())
            .filter(|v| v["until"].as_i64().is_some_and(|until| until > now))
            .filter_map(|v| serde_json::from_value::<User>(v["user"].clone()).ok())
            .collect();
        users.sort_by_key(|u| u.id);
        Ok(users)
    }

    async fn refresh(&self, users: &[i64]) -> redis::RedisResult<()> {
        if users.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        for id in users {
            pipe.cmd("ZADD")
                .arg(key(*id))
                .arg(Self::expiry())
                .arg(&self.instance)
                .ignore()
                .cmd("PEXPIRE")
                .arg(key(*id))
                .arg(TTL.as_millis() as i64 * 2)
                .ignore();
        }
        pipe.query_async::<()>(&mut conn).await
    }
}

/// Tells every room and board the user is in that they came online or went offline.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn announce(svc: &Services, user_id: i64, online: bool) -> AppResult<()> {
    let boards = ids(
        svc,
        "SELECT board_id FROM board_members WHERE user_id = $1",
        user_id,
    )
    .await?;
    for board_id in boards {
        let event = Event::BoardPresence {
            board_id,
            user_id,
            online,
        };
        svc.hub.publish(Topic::Board(board_id), event);
    }
    let rooms = ids(
        svc,
        "SELECT room_id FROM chat_room_members WHERE user_id = $1",
        user_id,
    )
    .await?;
    for room_id in rooms {
        let event = Event::Presence {
            room_id,
            user_id,
            online,
        };
        svc.hub.publish(Topic::Room(room_id), event);
    }
    Ok(())
}

/// The members of a board who are online now.
#[tracing::instrument(skip_all, fields(board_id = board_id))]
pub async fn online_on_board(svc: &Services, board_id: i64) -> AppResult<Vec<i64>> {
    let members = ids(
        svc,
        "SELECT user_id FROM board_members WHERE board_id = $1",
        board_id,
    )
    .await?;
    Ok(svc.presence.online(&members).await)
}

/// The members of a room who are online now.
#[tracing::instrument(skip_all, fields(room_id = room_id))]
pub async fn online_in_room(svc: &Services, room_id: i64) -> AppResult<Vec<i64>> {
    let members = ids(
        svc,
        "SELECT user_id FROM chat_room_members WHERE room_id = $1",
        room_id,
    )
    .await?;
    Ok(svc.presence.online(&members).await)
}

/// A one-column list of ids (the membership lookups above).
async fn ids(svc: &Services, sql: &str, key: i64) -> AppResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(sql).bind(key).fetch_all(&svc.pool).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn typing_is_remembered_until_it_stops() {
        let p = Presence::default();
        let ada = User {
            id: 1,
            username: "ada".into(),
            display_name: "Ada".into(),
        };
        let room = Topic::Room(5);
        assert!(p.typing_now(room).await.is_empty());
        p.set_typing(room, &ada, true).await;
        assert_eq!(p.typing_now(room).await, vec![ada.clone()]);
        assert!(p.typing_now(Topic::Room(6)).await.is_empty(), "per room");
        p.set_typing(room, &ada, false).await;
        assert!(p.typing_now(room).await.is_empty());
    }

    #[tokio::test]
    async fn several_tabs_count_once() {
        let p = Presence::default();
        assert!(p.connect(1).await, "first tab: online");
        assert!(!p.connect(1).await, "second tab: already online");
        assert!(!p.disconnect(1).await, "one tab left: still online");
        assert_eq!(p.online(&[1, 2]).await, vec![1]);
        assert!(p.disconnect(1).await, "last tab: offline");
        assert!(p.online(&[1]).await.is_empty());
        assert!(!p.disconnect(1).await, "unknown: nothing happens");
    }
}
