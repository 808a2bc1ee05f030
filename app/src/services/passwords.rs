//! Password hashing (Argon2id), with bounded concurrency.
//!
//! Each hash or check takes ~19 MiB and tens of milliseconds of a core, on
//! purpose. Unbounded, a few hundred concurrent logins (no account needed)
//! would exhaust the machine's memory. So at most one hash per core runs at
//! once, a short queue waits behind them, and beyond that the answer is 503
//! `unavailable` with a `Retry-After`: the server stays up and the client
//! tries again a moment later.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Queued checks allowed per running one.
const QUEUE_PER_SLOT: usize = 4;
/// What a client is told to wait when the queue is full.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The hashing slots of one server.
pub struct Passwords {
    slots: Semaphore,
    /// Hashes running or waiting.
    admitted: AtomicUsize,
    max_admitted: usize,
}

impl Default for Passwords {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::with_slots(cores)
    }
}

/// Gives an admission back when the hash is done (or its request dropped).
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Passwords {
    /// `slots` hashes at once, and a queue of [`QUEUE_PER_SLOT`] per slot.
    pub fn with_slots(slots: usize) -> Self {
        let slots = slots.max(1);
        Self {
            slots: Semaphore::new(slots),
            admitted: AtomicUsize::new(0),
            max_admitted: slots * (1 + QUEUE_PER_SLOT),
        }
    }

    /// Runs one Argon2 computation in a slot, off the async executor.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.max_admitted {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(AppError::Busy(RETRY_AFTER.as_millis() as u64));
        }
        let _admission = Admission(&self.admitted);
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| AppError::Busy(RETRY_AFTER.as_millis() as u64))?;
        tokio::task::spawn_blocking(work).await.map_err(|e| {
            tracing::error!("password hashing task failed: {e}");
            AppError::internal()
        })
    }

    /// A new Argon2id hash of `password`, with a random salt.
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let password = password.to_string();
        self.run(move || {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| {
            tracing::error!("password hashing failed: {e}");
            AppError::internal()
        })
    }

    /// Whether `password` matches `hash`. With no hash (unknown user), checks
    /// against a hash of a random password: the same work, the same answer
    /// time, so the answer does not reveal whether the user exists.
    pub async fn verify(&self, password: &str, hash: Option<String>) -> AppResult<bool> {
        let password = password.to_string();
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = self
            .run(move || {
                PasswordHash::new(&hash).is_ok_and(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
            })
            .await?;
        Ok(known && matches)
    }
}

/// A valid hash of an unguessable password, checked when a username is unknown.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let secret: [u8; 32] = rand::random();
    Argon2::default()
        .hash_password(&secret, &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn hashes_and_verifies() {
        let passwords = Passwords::with_slots(1);
        let hash = passwords.hash("correct horse").await.unwrap();
        assert!(passwords
            .verify("correct horse", Some(hash.clone()))
            .await
            .unwrap());
        assert!(!passwords.verify("wrong horse", Some(hash)).await.unwrap());
        assert!(!passwords.verify("correct horse", None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_queue_the_answer_is_busy() {
        let passwords = Arc::new(Passwords::with_slots(1));
        let attempts: Vec<_> = (0..20)
            .map(|_| {
                let p = passwords.clone();
                tokio::spawn(async move { p.verify("guess", None).await })
            })
            .collect();
        let mut busy = 0;
        let mut checked = 0;
        for a in attempts {
            match a.await.unwrap() {
                Ok(false) => checked += 1,
                Err(AppError::Busy(ms)) => {
                    assert_eq!(ms, 1000);
                    busy += 1;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(checked + busy, 20);
        assert!(checked > QUEUE_PER_SLOT, "{checked} checked");
        assert!(busy >= 1, "some attempts must be turned away");
        assert_eq!(passwords.admitted.load(Ordering::Acquire), 0);
    }
}
