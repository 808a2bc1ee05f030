//! One async lock per key (e.g. per task), created on first use and dropped
//! when nobody holds or waits for it: work on one key is serialised without
//! queueing work on every other key behind it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

#[derive(Default)]
pub struct KeyedLock {
    locks: Mutex<HashMap<i64, Weak<AsyncMutex<()>>>>,
}

impl KeyedLock {
    /// Waits for `key`'s lock; it is held until the guard is dropped.
    pub async fn lock(&self, key: i64) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            if locks.len() >= 1024 {
                locks.retain(|_, weak| weak.strong_count() > 0);
            }
            match locks.get(&key).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(AsyncMutex::new(()));
                    locks.insert(key, Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn same_key_waits_other_keys_do_not() {
        let locks = Arc::new(KeyedLock::default());
        let held = locks.lock(1).await;
        let other = tokio::time::timeout(Duration::from_millis(100), locks.lock(2)).await;
        assert!(other.is_ok(), "another key is free");
        let same = tokio::time::timeout(Duration::from_millis(50), locks.lock(1)).await;
        assert!(same.is_err(), "the same key waits");
        drop(held);
        assert!(
            tokio::time::timeout(Duration::from_millis(100), locks.lock(1))
                .await
                .is_ok()
        );
    }
}
