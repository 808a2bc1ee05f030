//! Per-user caps on live connections of this instance: WebSockets and long
//! polls. Each open one holds a [`Slot`]; beyond the cap a new one is refused
//! with 429 `too_many_connections` (tabs of a normal user are far below it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Socket,
    Poll,
}

/// Open connections per user and kind, with their caps.
pub struct ConnectionCaps {
    open: Mutex<HashMap<(i64, Kind), usize>>,
    max_sockets: usize,
    max_polls: usize,
}

/// One open connection; dropping it frees its place.
pub struct Slot {
    caps: Arc<ConnectionCaps>,
    key: (i64, Kind),
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.caps.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

impl ConnectionCaps {
    pub fn new(max_sockets: usize, max_polls: usize) -> Self {
        Self {
            open: Mutex::default(),
            max_sockets: max_sockets.max(1),
            max_polls: max_polls.max(1),
        }
    }

    /// A place for one more WebSocket of `user_id`.
    pub fn socket(self: &Arc<Self>, user_id: i64) -> AppResult<Slot> {
        self.take(
            (user_id, Kind::Socket),
            self.max_sockets,
            "WebSocket connections",
        )
    }

    /// A place for one more long poll of `user_id`.
    pub fn poll(self: &Arc<Self>, user_id: i64) -> AppResult<Slot> {
        self.take((user_id, Kind::Poll), self.max_polls, "long polls")
    }

    fn take(self: &Arc<Self>, key: (i64, Kind), max: usize, what: &str) -> AppResult<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(key).or_insert(0);
        if *n >= max {
            return Err(AppError::TooManyConnections(format!(
                "too many open {what} for this user (at most {max}); close some tabs"
            )));
        }
        *n += 1;
        Ok(Slot {
            caps: self.clone(),
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_user_and_kind_and_frees_on_drop() {
        let caps = Arc::new(ConnectionCaps::new(2, 1));
        let a = caps.socket(1).unwrap();
        let _b = caps.socket(1).unwrap();
        assert!(matches!(
            caps.socket(1),
            Err(AppError::TooManyConnections(_))
        ));
        assert!(caps.socket(2).is_ok(), "other users are not affected");
        let _p = caps.poll(1).unwrap();
        assert!(caps.poll(1).is_err());
        drop(a);
        assert!(caps.socket(1).is_ok());
    }
}
