//! Accounts from the UI: who am I, sign up, log in, log out.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::User;

/// The logged-in user, or `None`.
#[server(prefix = "/rpc", endpoint = "me", input = super::FormOrJson)]
pub async fn current_user() -> Result<Option<User>, AppError> {
    let svc = super::ctx::services()?;
    crate::services::auth::current_user(&svc, &super::ctx::headers()).await
}

/// Creates an account, logs it in and goes to the board list (through an
/// invite link: to its board).
#[server(prefix = "/rpc", endpoint = "signup", input = super::FormOrJson)]
pub async fn signup(
    username: String,
    password: String,
    display_name: Option<String>,
    invite: Option<String>,
) -> Result<User, AppError> {
    let svc = super::ctx::services()?;
    let session = crate::services::auth::signup(
        &svc,
        super::ctx::client(),
        &username,
        &password,
        display_name.as_deref(),
        invite.as_deref().filter(|t| !t.is_empty()),
    )
    .await?;
    Ok(enter(&svc, session))
}

/// Logs in and goes to the board list (through an invite link: to its board).
#[server(prefix = "/rpc", endpoint = "login", input = super::FormOrJson)]
pub async fn login(
    username: String,
    password: String,
    invite: Option<String>,
) -> Result<User, AppError> {
    let svc = super::ctx::services()?;
    let session = crate::services::auth::login(
        &svc,
        super::ctx::client(),
        &username,
        &password,
        invite.as_deref().filter(|t| !t.is_empty()),
    )
    .await?;
    Ok(enter(&svc, session))
}

/// Whether anyone may sign up here (the log-in page offers it only then).
#[server(prefix = "/rpc", endpoint = "signup-open", input = super::FormOrJson)]
pub async fn signup_open() -> Result<bool, AppError> {
    Ok(super::ctx::services()?.settings.allow_signup)
}

/// Hands a new session to the browser (cookie) and sends it on: to the
/// board an invite let them join, else to the board list.
#[cfg(feature = "ssr")]
fn enter(svc: &crate::services::Services, session: crate::services::auth::NewSession) -> User {
    let cookie = crate::services::auth::session_cookie(svc, &session);
    super::ctx::set_header(http::header::SET_COOKIE, &cookie);
    match &session.joined {
        Some(board) => leptos_axum::redirect(&format!("/boards/{}", board.id)),
        None => leptos_axum::redirect("/boards"),
    }
    session.user
}

/// Logs out and goes to the login page.
#[server(prefix = "/rpc", endpoint = "logout", input = super::FormOrJson)]
pub async fn logout() -> Result<(), AppError> {
    use crate::services::auth;
    let svc = super::ctx::services()?;
    if let Some(token) = auth::session_token(&super::ctx::headers()) {
        auth::logout(&svc, &token).await?;
    }
    super::ctx::set_header(http::header::SET_COOKIE, &auth::clear_session_cookie(&svc));
    leptos_axum::redirect("/login");
    Ok(())
}

/// Changes the caller's display name.
#[server(prefix = "/rpc", endpoint = "me/profile", input = super::FormOrJson)]
pub async fn update_profile(display_name: String) -> Result<User, AppError> {
    let (svc, user) = super::ctx::user().await?;
    crate::services::auth::update_profile(&svc, &user, &display_name).await
}

/// Changes the caller's password; their other sessions end.
#[server(prefix = "/rpc", endpoint = "me/password", input = super::FormOrJson)]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    let token = crate::services::auth::session_token(&super::ctx::headers()).unwrap_or_default();
    crate::services::auth::change_password(
        &svc,
        super::ctx::client(),
        &user,
        &token,
        &current_password,
        &new_password,
    )
    .await
}
