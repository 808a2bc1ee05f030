//! Password hashing (Argon2id), with bounded concurrency.
//!
//! Each hash or check takes ~19 MiB and tens of milliseconds of a core, on
//! purpose. Unbounded, a few hundred concurrent logins (no account needed)
//! would exhaust the machine's memory. So at most one hash per core runs at
//! once, a short queue waits behind them, and beyond that the answer is 503
//! `unavailable` with a `Retry-After`: the server stays up and the client
//! tries again a moment later.
//!
//! While logins queue, the working memory is one buffer per slot, reused:
//! freed and re-allocated per hash, each blocking thread's allocator arena
//! can keep its own 19 MiB (about 300 MiB after a crowd of logins on 2 cores
//! without the binary's allocator tuning). Once idle, it is given back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Argon2, Block, Params};
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
    /// Argon2 working memory, one buffer per slot, reused.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Default for Passwords {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::with_slots(cores)
    }
}

/// Gives an admission back when the hash is done (or its request dropped).
/// The last one out gives the working memory back too: it is kept only while
/// a crowd is waiting.
struct Admission<'a>(&'a Passwords);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if self.0.admitted.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0
                .memory
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
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
            memory: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Runs one Argon2 computation in a slot, off the async executor, with
    /// the slot's working memory.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> AppResult<T> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.max_admitted {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(AppError::Busy(RETRY_AFTER.as_millis() as u64));
        }
        let _admission = Admission(self);
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| AppError::Busy(RETRY_AFTER.as_millis() as u64))?;
        let memory = self.memory.clone();
        tokio::task::spawn_blocking(move || {
            // At most one buffer per slot exists: a slot's holder finds one
            // free, or makes it the first time.
            let mut blocks = memory
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop()
                .unwrap_or_default();
            let result = work(&mut blocks);
            memory
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(blocks);
            result
        })
        .await
        .map_err(|e| {
            tracing::error!("password hashing task failed: {e}");
            AppError::internal()
        })
    }

    /// A new Argon2id hash of `password`, with a random salt.
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let password = password.to_string();
        self.run(move |blocks| {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            hash_with(&password, &salt, Params::DEFAULT, blocks)
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
            .run(move |blocks| verify_with(&password, &hash, blocks))
            .await?;
        Ok(known && matches)
    }
}

/// The raw Argon2id output for these inputs, computed in `blocks`.
fn compute(
    password: &[u8],
    salt: &[u8],
    params: &Params,
    out: &mut [u8],
    blocks: &mut Vec<Block>,
) -> Result<(), argon2::Error> {
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params.clone(),
    )
    .hash_password_into_with_memory(password, salt, out, &mut blocks[..])
}

/// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
fn hash_with(
    password: &str,
    salt: &SaltString,
    params: Params,
    blocks: &mut Vec<Block>,
) -> Result<String, argon2::password_hash::Error> {
    let salt = salt.as_salt();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        compute(password.as_bytes(), salt_bytes, &params, out, blocks)
            .map_err(argon2::password_hash::Error::from)
    })?;
    Ok(PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(output),
    }
    .to_string())
}

/// Whether `password` matches a stored PHC string (constant-time compare).
fn verify_with(password: &str, stored: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(params), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    compute(password.as_bytes(), salt_bytes, &params, &mut out, blocks).is_ok()
        && Output::new(&out).is_ok_and(|got| got == expected)
}

/// A valid hash of an unguessable password, checked when a username is unknown.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let secret: [u8; 32] = rand::random();
    let secret: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    hash_with(&secret, &salt, Params::DEFAULT, &mut Vec::new()).unwrap_or_default()
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

    #[test]
    fn hashes_are_standard_argon2id_phc_strings() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_with(
            "correct horse",
            &SaltString::generate(&mut rand::rngs::OsRng),
            Params::DEFAULT,
            &mut Vec::new(),
        )
        .unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        // The crate's own verifier accepts ours, and ours accepts its hashes
        // (existing accounts keep working).
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        let theirs = Argon2::default()
            .hash_password(
                b"battery staple",
                &SaltString::generate(&mut rand::rngs::OsRng),
            )
            .unwrap()
            .to_string();
        let mut blocks = Vec::new();
        assert!(verify_with("battery staple", &theirs, &mut blocks));
        assert!(!verify_with("battery stapler", &theirs, &mut blocks));
        assert!(!verify_with("battery staple", "not a hash", &mut blocks));
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
        assert!(
            passwords.memory.lock().unwrap().is_empty(),
            "idle again: the working memory is given back"
        );
    }
}
