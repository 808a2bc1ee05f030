//! Accounts and sessions: sign-up, login, logout, and "who is this request?".
//!
//! Passwords are hashed with Argon2id in bounded slots (`passwords`), and
//! every attempt passes the login throttle first (`login_throttle`).
//! Sessions live in the database; the cookie holds a random token whose
//! SHA-256 is the session key.

use http::HeaderMap;

use super::hub::{Event, Topic};
use super::invites;
use super::login_throttle::ClientAddr;
use super::storage::{now_ms, unique_violation, UniqueKey};
use super::tokens::{new_token, token_hash};
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{BoardSummary, User};
use crate::validate;
use sha2::{Digest, Sha256};

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
    /// The board an invite link (given with the sign-up or log-in) let them
    /// join, where they should land.
    pub joined: Option<BoardSummary>,
}

/// Creates an account and logs it in. From `client`: sign-ups refused for a
/// taken name count as failures in the login throttle (they probe which names
/// exist), and a throttled address gets 429 before any hashing. With an
/// `invite` token, sign-up works even when open sign-up is off, and the new
/// account joins the link's board (a link that does not let anyone in is
/// refused first, `404`/`410`, and no account is made).
#[tracing::instrument(skip_all)]
pub async fn signup(
    svc: &Services,
    client: Option<ClientAddr>,
    username: &str,
    password: &str,
    display_name: Option<&str>,
    invite: Option<&str>,
) -> AppResult<NewSession> {
    match invite {
        Some(token) => invites::check(svc, token).await?,
        None if !svc.settings.allow_signup => {
            return Err(AppError::forbidden(
                "sign-up is disabled on this server; ask a board owner for an invite link",
            ))
        }
        None => {}
    }
    svc.login_throttle.check(client, None).await?;
    let user = match create_user(svc, username, password, display_name, false).await {
        Ok(user) => user,
        Err(e) => {
            if matches!(e, AppError::Conflict(_)) {
                svc.login_throttle.failed(client, None).await;
            }
            return Err(e);
        }
    };
    let session = start_session(svc, user).await?;
    join_invited(svc, session, invite).await
}

/// After a sign-up or log-in through an invite link: joins its board. The
/// link was checked before; if it stopped letting people in meanwhile (its
/// last use taken a moment ago), the session stands without the board.
async fn join_invited(
    svc: &Services,
    mut session: NewSession,
    invite: Option<&str>,
) -> AppResult<NewSession> {
    if let Some(token) = invite {
        match invites::accept(svc, &session.user, token).await {
            Ok(board) => session.joined = Some(board),
            Err(e) => tracing::warn!(error = %e, "invite not accepted after sign-in"),
        }
    }
    Ok(session)
}

/// Creates an account (sign-up, and `taskflow create-user`).
#[tracing::instrument(skip_all)]
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
    let hash = svc.passwords.hash(password).await?;
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
        Err(e) if unique_violation(&e) == Some(UniqueKey::Username) => Err(AppError::conflict(
            format!("the username {username:?} is taken"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Logs the accounts made before their username was reserved for a group
/// mention (`validate::RESERVED_USERNAMES`): they keep working, and the
/// log tells the operator who might be asked to pick another name.
pub async fn warn_reserved_usernames(pool: &sqlx::AnyPool) -> AppResult<()> {
    let reserved = validate::RESERVED_USERNAMES
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let taken: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT username FROM users WHERE username IN ({reserved}) ORDER BY username"
    ))
    .fetch_all(pool)
    .await?;
    for (username,) in taken {
        tracing::warn!(
            username,
            "an account has a username now reserved for a group mention; it keeps working"
        );
    }
    Ok(())
}

/// Checks a username and password and opens a session. The attempt passes
/// the login throttle first (429 without checking anything); a failure counts
/// against the username and the client's address, a success clears the
/// username's failures. Unknown user and wrong password give the same answer,
/// after the same work. With an `invite` token (logging in on an invite
/// link's page) the link is checked first and its board joined after.
#[tracing::instrument(skip_all)]
pub async fn login(
    svc: &Services,
    client: Option<ClientAddr>,
    username: &str,
    password: &str,
    invite: Option<&str>,
) -> AppResult<NewSession> {
    validate::credentials(username, password)?;
    if let Some(token) = invite {
        invites::check(svc, token).await?;
    }
    let username = username.trim().to_ascii_lowercase();
    svc.login_throttle.check(client, Some(&username)).await?;
    let row: Option<UserWithHash> = sqlx::query_as(
        "SELECT id, username, display_name, password_hash FROM users WHERE username = $1",
    )
    .bind(&username)
    .fetch_optional(&svc.pool)
    .await?;
    let hash = row.as_ref().map(|r| r.password_hash.clone());
    if !svc.passwords.verify(password, hash).await? {
        svc.login_throttle.failed(client, Some(&username)).await;
        return Err(AppError::Unauthenticated(BAD_LOGIN.into()));
    }
    let Some(row) = row else {
        return Err(AppError::Unauthenticated(BAD_LOGIN.into()));
    };
    svc.login_throttle.succeeded(&username).await;
    let user = User {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
    };
    let session = start_session(svc, user).await?;
    join_invited(svc, session, invite).await
}

/// A user row with its password hash (for logins only).
#[derive(sqlx::FromRow)]
struct UserWithHash {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
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
        joined: None,
    })
}

/// Ends the session of this token (no error if there was none). Its open
/// real-time connections close, on every instance.
#[tracing::instrument(skip_all)]
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

/// Changes one's display name (what others see; the username stays).
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn update_profile(svc: &Services, user: &User, display_name: &str) -> AppResult<User> {
    let display_name = validate::display_name(Some(display_name), &user.username)?;
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(&display_name)
        .bind(user.id)
        .execute(&svc.pool)
        .await?;
    Ok(User {
        display_name,
        ..user.clone()
    })
}

/// Changes one's password. The current one must be given (a wrong one is
/// `400` and changes nothing; it counts as a failed login against the
/// account, so this is no way around the login throttle). Every other
/// session of the account ends (their sockets close); the one of `token`,
/// the request's own, stays.
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn change_password(
    svc: &Services,
    client: Option<ClientAddr>,
    user: &User,
    token: &str,
    current: &str,
    new: &str,
) -> AppResult<()> {
    validate::password(new)?;
    svc.login_throttle
        .check(client, Some(&user.username))
        .await?;
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_optional(&svc.pool)
        .await?;
    if !svc.passwords.verify(current, hash).await? {
        svc.login_throttle
            .failed(client, Some(&user.username))
            .await;
        return Err(AppError::invalid("the current password is not right"));
    }
    let new_hash = svc.passwords.hash(new).await?;
    let keep = token_hash(token);
    let mut tx = svc.pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&new_hash)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    let ended: Vec<String> = sqlx::query_scalar(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 RETURNING token_hash",
    )
    .bind(user.id)
    .bind(&keep)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    for hash in ended {
        svc.hub.publish(
            Topic::User(user.id),
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
#[tracing::instrument(skip_all)]
pub async fn require_session(svc: &Services, headers: &HeaderMap) -> AppResult<Session> {
    let token = session_token(headers).ok_or_else(AppError::login_required)?;
    let hash = token_hash(&token);
    #[derive(sqlx::FromRow)]
    struct SessionRow {
        #[sqlx(flatten)]
        user: User,
        expires_at: i64,
    }
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, s.expires_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(&hash)
    .bind(now_ms())
    .fetch_optional(&svc.pool)
    .await?;
    let row = row.ok_or_else(AppError::login_required)?;
    Ok(Session {
        user: row.user,
        reference: session_reference(&hash),
        expires_at: row.expires_at,
    })
}

fn session_reference(key: &str) -> String {
    let digest = Sha256::digest(format!("taskflow session reference {key}").as_bytes());
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// The user a session token belongs to, if it is valid and not expired.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
pub async fn current_user(svc: &Services, headers: &HeaderMap) -> AppResult<Option<User>> {
    match session_token(headers) {
        Some(token) => user_for_token(svc, &token).await,
        None => Ok(None),
    }
}

/// Like [`current_user`], but a missing session is an error (401).
#[tracing::instrument(skip_all)]
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
