//! The signed-in user's own account, whatever their role (`/admin/account`): change their
//! password (the current one required; their other sessions end), see their sessions and
//! end any other or all others. Each post is CSRF-checked and makes one call to
//! `dateline_newsroom::accounts` with the user as actor.

use super::{Done, Editor, Flash, SESSION_COOKIE, cookie, done_redirect, render};
use crate::error::WebError;
use crate::state::AppState;
use crate::theme::to_value;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dateline_core::{FieldError, secrets};
use dateline_newsroom::accounts::{self, AccountError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the page says after a redirect (`?done=...`).
const DONE_MESSAGES: &[(&str, &str)] = &[
    ("password", "Password changed. Your other sessions have ended."),
    ("ended", "Session ended: that browser is signed out."),
    ("others", "All your other sessions have ended."),
];

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

#[derive(Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    csrf: String,
    /// A session's id (its token hash), or "others" for every session but this one.
    #[serde(default)]
    session: String,
}

#[derive(Serialize)]
struct SessionView {
    id: String,
    created: String,
    expires: String,
    current: bool,
}

/// The hash of the request's own session token, naming the session the user is using.
fn current_session(headers: &HeaderMap) -> String {
    cookie(headers, SESSION_COOKIE).map(secrets::token_hash).unwrap_or_default()
}

async fn show(
    state: &AppState,
    editor: &Editor,
    headers: &HeaderMap,
    status: StatusCode,
    flash: Option<Flash>,
    errors: Vec<FieldError>,
) -> Result<Response, WebError> {
    let current = current_session(headers);
    let settings = state.store.settings().await?;
    let zone = settings.time_zone();
    let when =
        |t: jiff::Timestamp| t.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string();
    let sessions: Vec<SessionView> =
        accounts::own_sessions(state.store.as_ref(), &editor.actor(), state.clock.now())
            .await?
            .into_iter()
            .map(|s| SessionView {
                current: s.token_hash == current,
                id: s.token_hash,
                created: when(s.created_at),
                expires: when(s.expires_at),
            })
            .collect();
    let errors: BTreeMap<String, String> =
        errors.into_iter().map(|e| (e.field.to_owned(), e.message)).collect();
    let context = minijinja::context! {
        sessions => to_value(sessions),
        errors => errors,
        min_chars => secrets::MIN_PASSWORD_CHARS,
    };
    render(state, Some(&editor.0), status, "account.html", "/admin/account", flash, context).await
}

pub async fn page(
    State(state): State<AppState>,
    editor: Editor,
    headers: HeaderMap,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let flash = done.flash(DONE_MESSAGES);
    show(&state, &editor, &headers, StatusCode::OK, flash, Vec::new()).await
}

pub async fn change_password(
    State(state): State<AppState>,
    editor: Editor,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    let session = current_session(&headers);
    let changed = accounts::change_own_password(
        state.store.as_ref(),
        &state.passwords,
        &editor.actor(),
        &session,
        &form.current,
        &form.new,
    )
    .await;
    match changed {
        Ok(()) => Ok(done_redirect("/admin/account", "password")),
        Err(AccountError::Invalid(errors)) => {
            show(&state, &editor, &headers, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn end_sessions(
    State(state): State<AppState>,
    editor: Editor,
    headers: HeaderMap,
    Form(form): Form<SessionForm>,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    let current = current_session(&headers);
    let which = match form.session.as_str() {
        "others" => None,
        "" => return Err(WebError::BadRequest("Choose a session to end.".into())),
        hash if hash == current => {
            return Err(WebError::BadRequest("To end this session, sign out.".into()));
        }
        hash => Some(hash),
    };
    accounts::end_own_sessions(state.store.as_ref(), &editor.actor(), which, &current).await?;
    let done = if which.is_some() { "ended" } else { "others" };
    Ok(done_redirect("/admin/account", done))
}
