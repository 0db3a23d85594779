//! Signing in and out. The sign-in form is protected against cross-site posting by a
//! double-submit token (cookie + hidden field); failures are throttled per account and per
//! address; a successful sign-in gets a fresh random session token (only its hash is
//! stored) in an HttpOnly, SameSite=Lax cookie, Secure when the site is served over HTTPS.

use super::{SESSION_COOKIE, SESSION_HOURS, cookie, render};
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::secrets;
use jiff::SignedDuration;
use serde::Deserialize;
use std::net::SocketAddr;

const LOGIN_CSRF_COOKIE: &str = "dateline_login_csrf";
/// Failed sign-ins allowed per account, and per address, in [`THROTTLE_WINDOW_MINS`].
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
pub const THROTTLE_WINDOW_MINS: i64 = 15;
/// The largest sign-in form read: an e-mail address, a password and two short fields.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after sign-in, so the form cannot send people elsewhere.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/admin") && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/admin"
    }
}

fn cookie_header(state_secure: bool, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state_secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/admin; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn served_over_https(state: &AppState, headers: &HeaderMap) -> bool {
    let forwarded = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    forwarded || state.store.settings().await.is_ok_and(|s| s.base_url.starts_with("https://"))
}

async fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let token = secrets::random_hex(16).map_err(WebError::internal)?;
    // The form carries the token in a field and the browser sends it back as a cookie.
    let context = minijinja::context! { error => error, email => email, next => next, csrf => token.clone() };
    let mut response = render(state, None, status, "login.html", "/admin/login", None, context).await?;
    let secure = served_over_https(state, headers).await;
    response.headers_mut().append(header::SET_COOKIE, cookie_header(secure, LOGIN_CSRF_COOKIE, &token, 3600));
    Ok(response)
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    if super::current_session(&state, &headers).await?.is_some() {
        return Ok(Redirect::to(safe_next(&q.next)).into_response());
    }
    login_page(&state, &headers, StatusCode::OK, "", safe_next(&q.next), None).await
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Option<axum::extract::Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(&form.next).to_owned();
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !secrets::constant_time_eq(cookie_token, &form.csrf) {
        let why = "The sign-in form expired. Please try again.".to_owned();
        return login_page(&state, &headers, StatusCode::FORBIDDEN, &form.email, &next, Some(why)).await;
    }
    let now = state.clock.now();
    let since = now - SignedDuration::from_mins(THROTTLE_WINDOW_MINS);
    let email = form.email.trim().to_lowercase();
    let account_key = format!("user:{email}");
    let address_key =
        format!("ip:{}", peer.map(|p| p.0.0.ip().to_string()).unwrap_or_else(|| "unknown".into()));
    let store = &state.store;
    if store.login_failures_since(&account_key, since).await? >= MAX_FAILURES_PER_ACCOUNT
        || store.login_failures_since(&address_key, since).await? >= MAX_FAILURES_PER_ADDRESS
    {
        let why = format!("Too many failed sign-ins. Try again in {THROTTLE_WINDOW_MINS} minutes.");
        return login_page(&state, &headers, StatusCode::TOO_MANY_REQUESTS, &form.email, &next, Some(why))
            .await;
    }
    let found = store.user_for_login(&email).await?;
    let password = form.password.clone();
    // Verify off the async threads: Argon2 is deliberately slow. Unknown accounts are
    // checked against a dummy hash so both cases take as long.
    let (user, hash) = match found {
        Some((user, hash)) if !user.disabled => (Some(user), hash),
        _ => (None, DUMMY_HASH.clone()),
    };
    let matches = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
        .await
        .map_err(WebError::internal)?;
    let Some(user) = user.filter(|_| matches) else {
        store.record_login_failure(&[&account_key, &address_key], now).await?;
        tracing::info!(account = %email, "failed sign-in");
        let why = "That e-mail address and password do not match an account.".to_owned();
        return login_page(&state, &headers, StatusCode::UNAUTHORIZED, &form.email, &next, Some(why)).await;
    };
    store.clear_login_failures(&account_key).await?;
    let token = secrets::new_token("").map_err(WebError::internal)?;
    let csrf = secrets::random_hex(32).map_err(WebError::internal)?;
    let expires = now + SignedDuration::from_hours(SESSION_HOURS);
    store.create_session(user.id, &secrets::token_hash(&token), &csrf, now, expires).await?;
    tracing::info!(user = %user.email, "signed in");
    let secure = served_over_https(&state, &headers).await;
    let mut response = Redirect::to(&next).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, cookie_header(secure, SESSION_COOKIE, &token, SESSION_HOURS * 3600));
    headers.append(header::SET_COOKIE, cookie_header(secure, LOGIN_CSRF_COOKIE, "", 0));
    Ok(response)
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    editor: super::Editor,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&secrets::token_hash(token)).await?;
    }
    let secure = served_over_https(&state, &headers).await;
    let mut response = Redirect::to("/admin/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie_header(secure, SESSION_COOKIE, "", 0));
    Ok(response)
}

/// An Argon2id hash of a random password nobody knows, verified against when the account
/// does not exist, so that a wrong e-mail address takes as long as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    secrets::new_password().ok().and_then(|p| secrets::hash_password(&p).ok()).unwrap_or_default()
});
