//! Accounts and sessions: sign-up, login, logout, and "who is this request?".
//!
//! Passwords are hashed with Argon2id. Sessions live in the database; the
//! cookie holds a random token whose SHA-256 is the session key.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use http::HeaderMap;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::hub::{Event, Topic};
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::User;
use crate::validate;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "taskflow_session";

/// One message for every failed login, so it never tells whether a username exists.
const BAD_LOGIN: &str = "invalid username or password";

/// A freshly created session: the user and the token to put in the cookie.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub user: User,
    pub token: String,
    pub expires_at: i64,
}

/// Creates an account and logs it in.
pub async fn signup(
    svc: &Services,
    username: &str,
    password: &str,
    display_name: Option<&str>,
) -> AppResult<NewSession> {
    if !svc.settings.allow_signup {
        return Err(AppError::forbidden(
            "sign-up is disabled on this server; ask an administrator for an account",
        ));
    }
    let user = create_user(svc, username, password, display_name, false).await?;
    start_session(svc, user).await
}

/// Creates an account (sign-up, and `taskflow create-user`).
pub async fn create_user(
    svc: &Services,
    username: &str,
    password: &str,
    display_name: Option<&str>,
    admin: bool,
) -> AppResult<User> {
    let username = validate::username(username)?;
    validate::password(password)?;
    let display_name = validate::display_name(display_name, &username)?;
    let hash = hash_password(password.to_string()).await?;
    let inserted = sqlx::query_as::<_, User>(
        "INSERT INTO users (username, display_name, password_hash, is_admin, created_at)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING id, username, display_name",
    )
    .bind(&username)
    .bind(&display_name)
    .bind(&hash)
    .bind(i64::from(admin))
    .bind(now_ms())
    .fetch_one(&svc.pool)
    .await;
    match inserted {
        Ok(user) => Ok(user),
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(AppError::conflict(
            format!("the username {username:?} is taken"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Checks a username and password and opens a session.
pub async fn login(svc: &Services, username: &str, password: &str) -> AppResult<NewSession> {
    let username = username.trim().to_ascii_lowercase();
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, username, display_name, password_hash FROM users WHERE username = $1",
    )
    .bind(&username)
    .fetch_optional(&svc.pool)
    .await?;
    let Some((id, username, display_name, hash)) = row else {
        // Spend the same time as a real check, so timing does not reveal the name.
        let _ = verify_password(password.to_string(), DUMMY_HASH.clone()).await;
        return Err(AppError::Unauthenticated(BAD_LOGIN.into()));
    };
    if !verify_password(password.to_string(), hash).await? {
        return Err(AppError::Unauthenticated(BAD_LOGIN.into()));
    }
    let user = User {
        id,
        username,
        display_name,
    };
    start_session(svc, user).await
}

async fn start_session(svc: &Services, user: User) -> AppResult<NewSession> {
    let token = new_token();
    let now = now_ms();
    let expires_at = now + svc.settings.session_ttl.as_millis() as i64;
    // Housekeeping: drop expired sessions whenever someone logs in.
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now)
        .execute(&svc.pool)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(&token))
    .bind(user.id)
    .bind(now)
    .bind(expires_at)
    .execute(&svc.pool)
    .await?;
    Ok(NewSession {
        user,
        token,
        expires_at,
    })
}

/// Ends the session of this token (no error if there was none). Its open
/// real-time connections close, on every instance.
pub async fn logout(svc: &Services, token: &str) -> AppResult<()> {
    let hash = token_hash(token);
    let ended: Option<(i64,)> =
        sqlx::query_as("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
            .bind(&hash)
            .fetch_optional(&svc.pool)
            .await?;
    if let Some((user_id,)) = ended {
        svc.hub.publish(
            Topic::User(user_id),
            Event::SessionEnded {
                session: session_reference(&hash),
            },
        );
    }
    Ok(())
}

/// A request's session: whose it is, a reference to it (safe to pass
/// between servers: it cannot be turned back into the token or its key), and
/// when it expires.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub reference: String,
    pub expires_at: i64,
}

/// The session of a request (401 without a valid one).
pub async fn require_session(svc: &Services, headers: &HeaderMap) -> AppResult<Session> {
    let token = session_token(headers).ok_or_else(AppError::login_required)?;
    let hash = token_hash(&token);
    let row: Option<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, s.expires_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(&hash)
    .bind(now_ms())
    .fetch_optional(&svc.pool)
    .await?;
    let (id, username, display_name, expires_at) = row.ok_or_else(AppError::login_required)?;
    Ok(Session {
        user: User {
            id,
            username,
            display_name,
        },
        reference: session_reference(&hash),
        expires_at,
    })
}

fn session_reference(key: &str) -> String {
    let digest = Sha256::digest(format!("taskflow session reference {key}").as_bytes());
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// The user a session token belongs to, if it is valid and not expired.
pub async fn user_for_token(svc: &Services, token: &str) -> AppResult<Option<User>> {
    let user = sqlx::query_as::<_, User>(
        "SELECT u.id, u.username, u.display_name
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(now_ms())
    .fetch_optional(&svc.pool)
    .await?;
    Ok(user)
}

/// The logged-in user of a request, from its session cookie.
pub async fn current_user(svc: &Services, headers: &HeaderMap) -> AppResult<Option<User>> {
    match session_token(headers) {
        Some(token) => user_for_token(svc, &token).await,
        None => Ok(None),
    }
}

/// Like [`current_user`], but a missing session is an error (401).
pub async fn require_user(svc: &Services, headers: &HeaderMap) -> AppResult<User> {
    current_user(svc, headers)
        .await?
        .ok_or_else(AppError::login_required)
}

/// The session token from a request's `Cookie` headers.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` value that stores a session in the browser.
pub fn session_cookie(svc: &Services, session: &NewSession) -> String {
    let max_age = svc.settings.session_ttl.as_secs();
    let secure = if svc.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        session.token
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(svc: &Services) -> String {
    let secure = if svc.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A valid hash of an unguessable password, verified when a username is unknown.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(new_token().as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Argon2id is deliberately slow: run it off the async executor.
async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("password hashing task failed: {e}")))?
}

async fn verify_password(password: String, hash: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check task failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            http::header::COOKIE,
            "a=1; taskflow_session=tok; b=2".parse().unwrap(),
        );
        assert_eq!(session_token(&h).as_deref(), Some("tok"));
        let mut h = HeaderMap::new();
        h.append(http::header::COOKIE, "taskflow_session=".parse().unwrap());
        assert_eq!(session_token(&h), None);
        assert_eq!(session_token(&HeaderMap::new()), None);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
