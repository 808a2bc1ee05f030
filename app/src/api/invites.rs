//! Invite links from the UI: an owner makes, lists and revokes them; the
//! link's page shows whose board it is and lets the visitor in.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{BoardSummary, Invite};

#[cfg(feature = "ssr")]
use crate::model::NewInvite;
#[cfg(feature = "ssr")]
use crate::services::invites;

#[server(prefix = "/rpc", endpoint = "invites/create", input = super::FormOrJson)]
pub async fn create_invite(
    board_id: i64,
    expires_in_days: Option<i64>,
    max_uses: Option<i64>,
) -> Result<Invite, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let new = NewInvite {
        expires_in_days,
        max_uses,
    };
    invites::create(&svc, &user, board_id, &new).await
}

#[server(prefix = "/rpc", endpoint = "invites/list", input = super::FormOrJson)]
pub async fn list_invites(board_id: i64) -> Result<Vec<Invite>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    invites::list(&svc, &user, board_id).await
}

#[server(prefix = "/rpc", endpoint = "invites/revoke", input = super::FormOrJson)]
pub async fn revoke_invite(board_id: i64, invite_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    invites::revoke(&svc, &user, board_id, invite_id).await
}

/// What the link's page shows; anyone with the link may ask.
#[server(prefix = "/rpc", endpoint = "invites/preview", input = super::FormOrJson)]
pub async fn invite_preview(token: String) -> Result<crate::model::InvitePreview, AppError> {
    let svc = super::ctx::services()?;
    invites::preview(&svc, &token).await
}

/// Joins the link's board and goes there.
#[server(prefix = "/rpc", endpoint = "invites/accept", input = super::FormOrJson)]
pub async fn accept_invite(token: String) -> Result<BoardSummary, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let board = invites::accept(&svc, &user, &token).await?;
    leptos_axum::redirect(&format!("/boards/{}", board.id));
    Ok(board)
}
