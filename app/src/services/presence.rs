//! Online presence: a user is online while at least one of their connections
//! (tabs, devices) is open on this server; several tabs count once.
//! Transitions are announced to the rooms the user is in.

use std::collections::HashMap;
use std::sync::Mutex;

use super::hub::{Event, Topic};
use super::Services;
use crate::error::AppResult;

/// Open connections per user.
#[derive(Default)]
pub struct Presence {
    connections: Mutex<HashMap<i64, usize>>,
}

impl Presence {
    /// Counts a new connection; `true` if the user just came online.
    pub fn connect(&self, user_id: i64) -> bool {
        let mut map = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(user_id).or_insert(0);
        *n += 1;
        *n == 1
    }

    /// Counts a closed connection; `true` if the user just went offline.
    pub fn disconnect(&self, user_id: i64) -> bool {
        let mut map = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(&user_id) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                map.remove(&user_id);
                true
            }
            None => false,
        }
    }

    pub fn is_online(&self, user_id: i64) -> bool {
        let map = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        map.contains_key(&user_id)
    }
}

/// Tells every room and board the user is in that they came online or went offline.
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
pub async fn online_on_board(svc: &Services, board_id: i64) -> AppResult<Vec<i64>> {
    let members = ids(
        svc,
        "SELECT user_id FROM board_members WHERE board_id = $1",
        board_id,
    )
    .await?;
    Ok(members
        .into_iter()
        .filter(|id| svc.presence.is_online(*id))
        .collect())
}

/// The members of a room who are online now.
pub async fn online_in_room(svc: &Services, room_id: i64) -> AppResult<Vec<i64>> {
    let members = ids(
        svc,
        "SELECT user_id FROM chat_room_members WHERE room_id = $1",
        room_id,
    )
    .await?;
    Ok(members
        .into_iter()
        .filter(|id| svc.presence.is_online(*id))
        .collect())
}

/// A one-column list of ids (the membership lookups above).
async fn ids(svc: &Services, sql: &str, key: i64) -> AppResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(sql).bind(key).fetch_all(&svc.pool).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_tabs_count_once() {
        let p = Presence::default();
        assert!(p.connect(1), "first tab: online");
        assert!(!p.connect(1), "second tab: already online");
        assert!(!p.disconnect(1), "one tab left: still online");
        assert!(p.is_online(1));
        assert!(p.disconnect(1), "last tab: offline");
        assert!(!p.is_online(1));
        assert!(!p.disconnect(1), "unknown: nothing happens");
    }
}
