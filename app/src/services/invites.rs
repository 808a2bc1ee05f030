//! Board invite links: how a colleague gets in without a shell.
//!
//! An owner makes a link (`/invite/{token}`) that lets whoever opens it join
//! the board, up to `max_uses` times until `expires_at`; she lists her
//! board's links and revokes them. Only the token's SHA-256 is stored (like
//! sessions): a leaked database does not leak working links, so a link is
//! shown once, when it is made. Signing up through a valid link works even
//! when open sign-up is off (see `auth::signup`).

use sqlx::AnyPool;

use super::boards::{self, require_owner};
use super::storage::now_ms;
use super::tokens::{new_token, token_hash};
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{BoardSummary, Invite, InvitePreview, NewInvite, User};

/// A link lasts this long unless asked otherwise.
pub const DEFAULT_DAYS: i64 = 7;
/// At most this many days.
pub const MAX_DAYS: i64 = 90;
/// A link lets this many people in unless asked otherwise.
pub const DEFAULT_USES: i64 = 10;
/// At most this many uses per link.
pub const MAX_USES: i64 = 1000;
/// Live links per board (revoked, expired and used-up ones do not count).
pub const MAX_LIVE_PER_BOARD: i64 = 50;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// An invite as stored (the token itself is not: only its hash).
#[derive(sqlx::FromRow)]
struct InviteRow {
    id: i64,
    board_id: i64,
    created_by: i64,
    created_at: i64,
    expires_at: i64,
    max_uses: i64,
    uses: i64,
    revoked_at: Option<i64>,
}

const INVITE_COLUMNS: &str =
    "id, board_id, created_by, created_at, expires_at, max_uses, uses, revoked_at";

impl InviteRow {
    /// Why the link no longer lets anyone in, if it does not.
    fn closed(&self, now: i64) -> Option<&'static str> {
        if self.revoked_at.is_some() {
            Some("this invite link was revoked; ask for a new one")
        } else if self.expires_at <= now {
            Some("this invite link has expired; ask for a new one")
        } else if self.uses >= self.max_uses {
            Some("this invite link has been used as many times as it allows; ask for a new one")
        } else {
            None
        }
    }

    fn into_invite(self, url: Option<String>, token: Option<String>) -> Invite {
        Invite {
            id: self.id,
            board_id: self.board_id,
            created_by: self.created_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            max_uses: self.max_uses,
            uses: self.uses,
            revoked: self.revoked_at.is_some(),
            token,
            url,
        }
    }
}

/// Where a link points, on this server: `{public_url}/invite/{token}`.
pub fn link(public_url: &str, token: &str) -> String {
    format!("{}/invite/{token}", public_url.trim_end_matches('/'))
}

/// Makes an invite link (board owners). The answer is the only time the
/// token is shown.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn create(
    svc: &Services,
    user: &User,
    board_id: i64,
    new: &NewInvite,
) -> AppResult<Invite> {
    require_owner(&svc.pool, board_id, user.id).await?;
    let days = new.expires_in_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::invalid(format!(
            "expires_in_days must be between 1 and {MAX_DAYS}"
        )));
    }
    let max_uses = new.max_uses.unwrap_or(DEFAULT_USES);
    if !(1..=MAX_USES).contains(&max_uses) {
        return Err(AppError::invalid(format!(
            "max_uses must be between 1 and {MAX_USES}"
        )));
    }
    let now = now_ms();
    let (live,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM board_invites
         WHERE board_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND uses < max_uses",
    )
    .bind(board_id)
    .bind(now)
    .fetch_one(&svc.pool)
    .await?;
    if live >= MAX_LIVE_PER_BOARD {
        return Err(AppError::invalid(format!(
            "a board can have at most {MAX_LIVE_PER_BOARD} live invite links; revoke some first"
        )));
    }
    let token = new_token();
    let row: InviteRow = sqlx::query_as(&format!(
        "INSERT INTO board_invites (board_id, token_hash, created_by, created_at, expires_at, max_uses)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {INVITE_COLUMNS}"
    ))
    .bind(board_id)
    .bind(token_hash(&token))
    .bind(user.id)
    .bind(now)
    .bind(now + days * DAY_MS)
    .bind(max_uses)
    .fetch_one(&svc.pool)
    .await?;
    let url = link(&svc.settings.public_url, &token);
    Ok(row.into_invite(Some(url), Some(token)))
}

/// A board's invite links, newest first (board owners). Revoked, expired
/// and used-up ones are listed too (`revoked`, `expires_at`, `uses` say
/// which), for a month after they stopped working.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn list(svc: &Services, user: &User, board_id: i64) -> AppResult<Vec<Invite>> {
    require_owner(&svc.pool, board_id, user.id).await?;
    let rows: Vec<InviteRow> = sqlx::query_as(&format!(
        "SELECT {INVITE_COLUMNS} FROM board_invites
         WHERE board_id = $1 AND expires_at > $2 AND COALESCE(revoked_at, $3) > $2
         ORDER BY id DESC"
    ))
    .bind(board_id)
    .bind(now_ms() - 30 * DAY_MS)
    .bind(i64::MAX)
    .fetch_all(&svc.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| r.into_invite(None, None))
        .collect())
}

/// Revokes a link (board owners): it lets nobody in from now on.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id, invite_id = invite_id))]
pub async fn revoke(svc: &Services, user: &User, board_id: i64, invite_id: i64) -> AppResult<()> {
    require_owner(&svc.pool, board_id, user.id).await?;
    let found = sqlx::query(
        "UPDATE board_invites SET revoked_at = COALESCE(revoked_at, $1)
         WHERE id = $2 AND board_id = $3",
    )
    .bind(now_ms())
    .bind(invite_id)
    .bind(board_id)
    .execute(&svc.pool)
    .await?
    .rows_affected();
    if found == 0 {
        return Err(AppError::not_found("invite"));
    }
    Ok(())
}

/// The invite a token names (`404` for a token that was never made).
async fn find_invite(pool: &AnyPool, token: &str) -> AppResult<InviteRow> {
    let row: Option<InviteRow> = sqlx::query_as(&format!(
        "SELECT {INVITE_COLUMNS} FROM board_invites WHERE token_hash = $1"
    ))
    .bind(token_hash(token.trim()))
    .fetch_optional(pool)
    .await?;
    row.ok_or_else(|| AppError::not_found("invite link"))
}

/// The invite a token opens, if it still lets people in: `404` for a token
/// that was never made, `410` for one revoked, expired or used up.
async fn open_invite(pool: &AnyPool, token: &str) -> AppResult<InviteRow> {
    let row = find_invite(pool, token).await?;
    match row.closed(now_ms()) {
        Some(why) => Err(AppError::Gone(why.into())),
        None => Ok(row),
    }
}

/// What a link's page shows before anyone is logged in: the board's name
/// and who invites (nothing else of the board).
#[tracing::instrument(skip_all)]
pub async fn preview(svc: &Services, token: &str) -> AppResult<InvitePreview> {
    let row = open_invite(&svc.pool, token).await?;
    let (board_name, inviter): (String, String) = sqlx::query_as(
        "SELECT b.name, u.display_name FROM boards b, users u WHERE b.id = $1 AND u.id = $2",
    )
    .bind(row.board_id)
    .bind(row.created_by)
    .fetch_one(&svc.pool)
    .await?;
    Ok(InvitePreview {
        board_id: row.board_id,
        board_name,
        invited_by: inviter,
        expires_at: row.expires_at,
        signup_open: svc.settings.allow_signup,
    })
}

/// Checks that a token still lets someone in (before making their account).
pub(crate) async fn check(svc: &Services, token: &str) -> AppResult<()> {
    open_invite(&svc.pool, token).await.map(|_| ())
}

/// Joins the board a link is for, as a member: one use of the link,
/// counted in the same transaction as the membership (two people taking
/// its last use at once: one gets in, the other `410`). Someone already
/// on the board just gets the board (even if the link has closed since),
/// and no use is counted.
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn accept(svc: &Services, user: &User, token: &str) -> AppResult<BoardSummary> {
    let row = find_invite(&svc.pool, token).await?;
    if boards::role_on(&svc.pool, row.board_id, user.id)
        .await
        .is_ok()
    {
        return boards::board_summary(svc, user, row.board_id).await;
    }
    if let Some(why) = row.closed(now_ms()) {
        return Err(AppError::Gone(why.into()));
    }
    boards::admit(
        svc,
        row.board_id,
        user.clone(),
        boards::Admission::Invite(row.id),
    )
    .await?;
    boards::board_summary(svc, user, row.board_id).await
}
